// SPDX-License-Identifier: GPL-2.0
/*
 * udpburst: UDP bursts that overrun a receiver, for the driver tests.
 *
 *   udpburst send ADDR PORT COUNT SIZE [GAP_US]
 *	send COUNT datagrams of SIZE bytes as fast as the socket takes them,
 *	or with a pause of GAP_US microseconds after each; prints "sent N"
 *	(datagrams the kernel accepted).
 *   udpburst recv PORT SIZE RCVBUF GOFILE
 *	bind, size the receive buffer (SO_RCVBUFFORCE), touch GOFILE.ready,
 *	then read nothing until GOFILE exists: everything sent meanwhile
 *	queues in the socket or is dropped by the stack. Then drain until
 *	the socket has been idle for a second and print
 *	"received N bad N dup N".
 *   udpburst echo ADDR PORT COUNT SIZE
 *	send COUNT datagrams one at a time, each waiting up to a second for
 *	its echo from ADDR:PORT (an XDP program that sends frames back);
 *	prints "echoed N bad N lost N".
 *
 * Datagram i carries i in its first four bytes and a pattern derived from
 * i after that, so the receiver checks every byte of what it gets.
 * Built static on the host (gcc -static) and run in the test guests.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SIZE 65507

static unsigned char pattern(unsigned int seq, unsigned int i)
{
	return (unsigned char)(seq * 7 + i * 13 + (seq >> 8));
}

static void fill(unsigned char *buf, unsigned int seq, unsigned int size)
{
	unsigned int i;

	memcpy(buf, &seq, sizeof(seq));
	for (i = sizeof(seq); i < size; i++)
		buf[i] = pattern(seq, i);
}

static int do_send(const char *addr, int port, unsigned int count, unsigned int size,
		   unsigned int gap_us)
{
	static unsigned char buf[MAX_SIZE];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	unsigned int seq, sent = 0;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
		perror("udpburst send");
		return 1;
	}
	/*
	 * A full qdisc refuses with ENOBUFS, a vanished device with
	 * ENETUNREACH and the like: such a datagram never left, and is not
	 * counted. The tests unplug NICs under this traffic.
	 */
	for (seq = 0; seq < count; seq++) {
		fill(buf, seq, size);
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)size)
			sent++;
		if (gap_us)
			usleep(gap_us);
	}
	printf("sent %u\n", sent);
	return 0;
}

static int do_recv(int port, unsigned int size, int rcvbuf, const char *go)
{
	static unsigned char buf[MAX_SIZE + 1], want[MAX_SIZE];
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(port) };
	unsigned int received = 0, bad = 0, dup = 0, seq;
	unsigned char *seen = calloc(1 << 24, 1);
	char ready[256];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || !seen || bind(fd, (struct sockaddr *)&me, sizeof(me)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf))) {
		perror("udpburst recv");
		return 1;
	}
	snprintf(ready, sizeof(ready), "%s.ready", go);
	close(open(ready, O_CREAT | O_WRONLY, 0644));
	while (access(go, F_OK))
		usleep(10000);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 1000) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			break;
		received++;
		memcpy(&seq, buf, sizeof(seq));
		if (n != (ssize_t)size || seq >= 1u << 24) {
			bad++;
			continue;
		}
		fill(want, seq, size);
		if (memcmp(buf, want, size))
			bad++;
		else if (seen[seq]++)
			dup++;
	}
	printf("received %u bad %u dup %u\n", received, bad, dup);
	return 0;
}

static int do_echo(const char *addr, int port, unsigned int count, unsigned int size)
{
	static unsigned char buf[MAX_SIZE + 1], want[MAX_SIZE];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	unsigned int echoed = 0, bad = 0, lost = 0, seq;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || inet_pton(AF_INET, addr, &to.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to))) {
		perror("udpburst echo");
		return 1;
	}
	for (seq = 0; seq < count; seq++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		fill(want, seq, size);
		if (send(fd, want, size, 0) != (ssize_t)size || poll(&p, 1, 1000) <= 0) {
			lost++;
			continue;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == (ssize_t)size && !memcmp(buf, want, size))
			echoed++;
		else
			bad++;
	}
	printf("echoed %u bad %u lost %u\n", echoed, bad, lost);
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "send") && atoi(argv[5]) >= 4 &&
	    atoi(argv[5]) <= MAX_SIZE)
		return do_send(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
			       argc == 7 ? atoi(argv[6]) : 0);
	if (argc == 6 && !strcmp(argv[1], "recv") && atoi(argv[3]) >= 4 &&
	    atoi(argv[3]) <= MAX_SIZE)
		return do_recv(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), argv[5]);
	if (argc == 6 && !strcmp(argv[1], "echo") && atoi(argv[5]) >= 4 &&
	    atoi(argv[5]) <= MAX_SIZE)
		return do_echo(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: udpburst send ADDR PORT COUNT SIZE [GAP_US]\n"
			"       udpburst recv PORT SIZE RCVBUF GOFILE\n"
			"       udpburst echo ADDR PORT COUNT SIZE\n");
	return 2;
}
