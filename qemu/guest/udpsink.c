// SPDX-License-Identifier: GPL-2.0
/*
 * udpsink: print every UDP datagram that arrives on a port, for the driver
 * tests (busybox's nc cannot listen for UDP).
 *
 *   udpsink PORT IDLE_S READY LAST
 *	bind PORT, create the file READY, then write each datagram to
 *	stdout until one contains the string LAST or none arrived for
 *	IDLE_S seconds
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval idle = { 0 };
	int rcvbuf = 16 << 20, s;
	char buf[65537];
	FILE *ready;
	ssize_t n;

	if (argc != 5) {
		fprintf(stderr, "usage: udpsink PORT IDLE_S READY LAST\n");
		return 2;
	}
	a.sin_port = htons(atoi(argv[1]));
	idle.tv_sec = atoi(argv[2]);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle)) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("udpsink");
		return 1;
	}
	ready = fopen(argv[3], "w");
	if (!ready)
		return 1;
	fclose(ready);
	while ((n = recv(s, buf, sizeof(buf) - 1, 0)) >= 0) {
		fwrite(buf, 1, n, stdout);
		fflush(stdout);
		buf[n] = 0;
		if (strstr(buf, argv[4]))
			break;
	}
	return 0;
}
