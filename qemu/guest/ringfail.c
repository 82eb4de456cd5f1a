// SPDX-License-Identifier: GPL-2.0
/*
 * ringfail: ethtool -G with fault injection on for the ring change alone,
 * for the driver test of a ring change that runs out of memory. ethtool
 * cannot be run with this task's make-it-fail set: its own exec would be
 * what fails.
 *
 *   ringfail DEV RX TX
 *	ETHTOOL_SRINGPARAM on DEV for RX and TX descriptors, with this
 *	task's /proc/self/make-it-fail set around the ioctl alone (what fails
 *	and how often is fail_page_alloc's or failslab's settings, the
 *	caller's). Prints "ok" or the ioctl's error, and exits 0 either way;
 *	1 if it could not try.
 */
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct ethtool_ringparam ring = { .cmd = ETHTOOL_GRINGPARAM };
	struct ifreq ifr = { 0 };
	int s, fail, rc, err;

	if (argc != 4) {
		fprintf(stderr, "usage: ringfail DEV RX TX\n");
		return 1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	ifr.ifr_data = (void *)&ring;
	/* Everything but the ioctl itself before the faults start. */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	fail = open("/proc/self/make-it-fail", O_WRONLY);
	if (s < 0 || fail < 0 || ioctl(s, SIOCETHTOOL, &ifr)) {
		perror("ringfail");
		return 1;
	}
	ring.cmd = ETHTOOL_SRINGPARAM;
	ring.rx_pending = atoi(argv[2]);
	ring.tx_pending = atoi(argv[3]);
	if (write(fail, "1", 1) != 1) {
		perror("ringfail: make-it-fail");
		return 1;
	}
	rc = ioctl(s, SIOCETHTOOL, &ifr);
	err = errno;
	if (write(fail, "0", 1) != 1) {
		perror("ringfail: make-it-fail");
		return 1;
	}
	printf("%s\n", rc ? strerror(err) : "ok");
	return 0;
}
