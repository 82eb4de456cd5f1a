// SPDX-License-Identifier: GPL-2.0
/*
 * vstatus: the device status byte a virtio-pci device holds, read from
 * the device itself, for the driver test that a refused device is told
 * so (VIRTIO_CONFIG_S_FAILED), whatever the driver's log says.
 *
 *   vstatus /sys/bus/pci/devices/DEVICE
 *	Finds the common configuration in the device's vendor capabilities
 *	(VIRTIO_PCI_CAP_COMMON_CFG: its BAR and offset), maps that BAR
 *	through sysfs and prints device_status as "status 0x.." (exit 0);
 *	exits 1 with a message when it cannot. The device should be bound to
 *	no driver, and its memory decoding on (sysfs "enable").
 */
#include <linux/virtio_pci.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *what, const char *dev)
{
	fprintf(stderr, "vstatus: %s: %s\n", dev, what);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned char cfg[256];
	char path[512];
	unsigned int at, guard;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: vstatus /sys/bus/pci/devices/DEVICE\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/config", argv[1]);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, cfg, sizeof(cfg)) != sizeof(cfg))
		return fail("cannot read its configuration space", argv[1]);
	close(fd);
	/* The capability list: a pointer at 0x34, each entry its type, next, ... */
	for (at = cfg[0x34] & ~3u, guard = 0; at && at < 0xff && guard < 48; guard++) {
		struct virtio_pci_cap cap;
		uint32_t offset;
		long page = sysconf(_SC_PAGESIZE);
		const uint8_t *bar;	/* read once: no volatile needed */

		if (at + sizeof(cap) > sizeof(cfg))
			break;
		memcpy(&cap, cfg + at, sizeof(cap));
		at = cap.cap_next & ~3u;
		if (cap.cap_vndr != 0x09 || cap.cfg_type != VIRTIO_PCI_CAP_COMMON_CFG)
			continue;
		offset = cap.offset + offsetof(struct virtio_pci_common_cfg, device_status);
		snprintf(path, sizeof(path), "%s/resource%u", argv[1], cap.bar);
		fd = open(path, O_RDONLY | O_SYNC);
		if (fd < 0)
			return fail("cannot open the common configuration's BAR", argv[1]);
		bar = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, offset & ~(page - 1));
		if (bar == MAP_FAILED)
			return fail("cannot map the common configuration's BAR", argv[1]);
		printf("status 0x%02x\n", bar[offset & (page - 1)]);
		return 0;
	}
	return fail("no virtio common configuration capability", argv[1]);
}
