// SPDX-License-Identifier: GPL-2.0
/*
 * splicerecv: a TCP receiver that moves the data with splice(), for the
 * driver tests. The pipe holds plain references on the pages of the skbs
 * it took the data from, so the pool sees its pages kept by the stack past
 * the skbs' lifetime, as every splice() or sendfile() user causes.
 *
 *   splicerecv PORT FILE    accept one connection on PORT, splice all of
 *                           it into FILE through a pipe, print the bytes
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	long long total = 0;
	int one = 1, l, s, out, pipefd[2];
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: splicerecv PORT FILE\n");
		return 2;
	}
	a.sin_port = htons(atoi(argv[1]));
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1))
		die("listen");
	s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0 || pipe(pipefd))
		die("open");
	while ((n = splice(s, NULL, pipefd[1], NULL, 65536, SPLICE_F_MOVE)) > 0) {
		total += n;
		while (n > 0) {
			ssize_t w = splice(pipefd[0], NULL, out, NULL, n, SPLICE_F_MOVE);

			if (w <= 0)
				die("splice to file");
			n -= w;
		}
	}
	if (n < 0)
		die("splice from socket");
	printf("spliced %lld bytes\n", total);
	return 0;
}
