// SPDX-License-Identifier: GPL-2.0
/*
 * ppquery: what the kernel's netdev netlink family (ynl's "netdev" spec)
 * says about page_pools, NAPIs and queue statistics in this network
 * namespace, one line each, for the driver tests (Debian 12 has no ynl).
 *
 *   ppquery pools	one line per page_pool:
 *			"pool ID ifindex IFINDEX napi NAPI_ID inflight N mem BYTES"
 *			(0 for an attribute the kernel left out: a pool of
 *			a device since unregistered has no ifindex)
 *   ppquery napis	one line per NAPI: "napi ID ifindex IFINDEX"
 *   ppquery qstats	one line per queue of a driver that reports queue
 *			statistics (6.9+): "qstats ifindex IFINDEX rx|tx
 *			queue ID packets N bytes N"
 *
 * Exits 0, 1 on an error, or 2 when this kernel has no such listing.
 * The numbers come from include/uapi/linux/netdev.h (6.8+), spelled out
 * here because Debian 12's own headers are 6.1's.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	NETDEV_CMD_PAGE_POOL_GET = 5,
	NETDEV_CMD_NAPI_GET = 11,
	NETDEV_CMD_QSTATS_GET = 12,
	NETDEV_A_PAGE_POOL_ID = 1,
	NETDEV_A_PAGE_POOL_IFINDEX = 2,
	NETDEV_A_PAGE_POOL_NAPI_ID = 3,
	NETDEV_A_PAGE_POOL_INFLIGHT = 4,
	NETDEV_A_PAGE_POOL_INFLIGHT_MEM = 5,
	NETDEV_A_NAPI_IFINDEX = 1,
	NETDEV_A_NAPI_ID = 2,
	NETDEV_A_QSTATS_IFINDEX = 1,
	NETDEV_A_QSTATS_QUEUE_TYPE = 2,
	NETDEV_A_QSTATS_QUEUE_ID = 3,
	NETDEV_A_QSTATS_SCOPE = 4,
	NETDEV_A_QSTATS_RX_PACKETS = 8,
	NETDEV_A_QSTATS_RX_BYTES = 9,
	NETDEV_A_QSTATS_TX_PACKETS = 10,
	NETDEV_A_QSTATS_TX_BYTES = 11,
	NETDEV_QUEUE_TYPE_RX = 0,
	NETDEV_QSTATS_SCOPE_QUEUE = 1,
	NLA_MAX = 11,
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char buf[1 << 16];

/*
 * Send a generic netlink request: CMD to FAMILY, with one attribute ATTR
 * holding LEN bytes at DATA, or none (DATA NULL).
 */
static int request(int s, uint16_t family, uint8_t cmd, uint16_t flags, uint16_t attr,
		   const void *data, size_t alen)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[64];
	} req = {
		.n = { .nlmsg_type = family, .nlmsg_flags = NLM_F_REQUEST | flags, .nlmsg_seq = 1 },
		.g = { .cmd = cmd, .version = 1 },
	};
	struct nlattr *a = (struct nlattr *)req.attrs;
	size_t len = NLMSG_LENGTH(GENL_HDRLEN);

	if (data) {
		a->nla_type = attr;
		a->nla_len = NLA_HDRLEN + alen;
		memcpy((char *)a + NLA_HDRLEN, data, alen);
		len += NLA_ALIGN(a->nla_len);
	}
	req.n.nlmsg_len = len;
	return send(s, &req, len, 0) == (ssize_t)len ? 0 : -1;
}

/* A uint attribute is 4 or 8 bytes (nla_put_uint()); a missing one is 0. */
static uint64_t uint_of(struct nlattr *a)
{
	uint32_t v32;
	uint64_t v64;

	if (!a)
		return 0;
	if (a->nla_len - NLA_HDRLEN == sizeof(v64)) {
		memcpy(&v64, (char *)a + NLA_HDRLEN, sizeof(v64));
		return v64;
	}
	memcpy(&v32, (char *)a + NLA_HDRLEN, sizeof(v32));
	return v32;
}

/* The top-level attributes of a generic netlink message, by type (up to NLA_MAX). */
static void parse(struct nlmsghdr *n, struct nlattr **tb)
{
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
	int left = n->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

	memset(tb, 0, sizeof(*tb) * (NLA_MAX + 1));
	while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= left) {
		if ((a->nla_type & NLA_TYPE_MASK) <= NLA_MAX)
			tb[a->nla_type & NLA_TYPE_MASK] = a;
		left -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
}

/*
 * Read replies until the dump ends, calling @show on each. Returns 0, or
 * the negative errno the kernel answered with.
 */
static int replies(int s, void (*show)(struct nlattr **tb))
{
	struct nlattr *tb[NLA_MAX + 1];

	for (;;) {
		ssize_t len = recv(s, buf, sizeof(buf), 0);
		struct nlmsghdr *n = (struct nlmsghdr *)buf;

		if (len < 0)
			return -errno;
		for (; NLMSG_OK(n, len); n = NLMSG_NEXT(n, len)) {
			if (n->nlmsg_type == NLMSG_DONE)
				return 0;
			if (n->nlmsg_type == NLMSG_ERROR) {
				int err = ((struct nlmsgerr *)NLMSG_DATA(n))->error;

				if (err || !show)
					return err;
				continue;
			}
			parse(n, tb);
			if (show)
				show(tb);
			else if (tb[CTRL_ATTR_FAMILY_ID])
				return (uint16_t)uint_of(tb[CTRL_ATTR_FAMILY_ID]) & 0xffff;
		}
	}
}

static void show_pool(struct nlattr **tb)
{
	printf("pool %llu ifindex %llu napi %llu inflight %llu mem %llu\n",
	       (unsigned long long)uint_of(tb[NETDEV_A_PAGE_POOL_ID]),
	       (unsigned long long)uint_of(tb[NETDEV_A_PAGE_POOL_IFINDEX]),
	       (unsigned long long)uint_of(tb[NETDEV_A_PAGE_POOL_NAPI_ID]),
	       (unsigned long long)uint_of(tb[NETDEV_A_PAGE_POOL_INFLIGHT]),
	       (unsigned long long)uint_of(tb[NETDEV_A_PAGE_POOL_INFLIGHT_MEM]));
}

static void show_napi(struct nlattr **tb)
{
	printf("napi %llu ifindex %llu\n",
	       (unsigned long long)uint_of(tb[NETDEV_A_NAPI_ID]),
	       (unsigned long long)uint_of(tb[NETDEV_A_NAPI_IFINDEX]));
}

static void show_qstats(struct nlattr **tb)
{
	int rx = uint_of(tb[NETDEV_A_QSTATS_QUEUE_TYPE]) == NETDEV_QUEUE_TYPE_RX;

	printf("qstats ifindex %llu %s queue %llu packets %llu bytes %llu\n",
	       (unsigned long long)uint_of(tb[NETDEV_A_QSTATS_IFINDEX]), rx ? "rx" : "tx",
	       (unsigned long long)uint_of(tb[NETDEV_A_QSTATS_QUEUE_ID]),
	       (unsigned long long)uint_of(tb[rx ? NETDEV_A_QSTATS_RX_PACKETS :
					  NETDEV_A_QSTATS_TX_PACKETS]),
	       (unsigned long long)uint_of(tb[rx ? NETDEV_A_QSTATS_RX_BYTES :
					  NETDEV_A_QSTATS_TX_BYTES]));
}

static const struct listing {
	const char *name;
	uint8_t cmd;
	void (*show)(struct nlattr **tb);
} listings[] = {
	{ "pools", NETDEV_CMD_PAGE_POOL_GET, show_pool },
	{ "napis", NETDEV_CMD_NAPI_GET, show_napi },
	{ "qstats", NETDEV_CMD_QSTATS_GET, show_qstats },
};

int main(int argc, char **argv)
{
	const struct listing *l = NULL;
	uint32_t scope = NETDEV_QSTATS_SCOPE_QUEUE;
	int s, family, err;
	size_t i;

	for (i = 0; argc == 2 && i < ARRAY_SIZE(listings); i++)
		if (!strcmp(argv[1], listings[i].name))
			l = &listings[i];
	if (!l) {
		fprintf(stderr, "usage: ppquery pools|napis|qstats\n");
		return 1;
	}
	s = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (s < 0 || request(s, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0, CTRL_ATTR_FAMILY_NAME,
			     "netdev", sizeof("netdev"))) {
		perror("ppquery");
		return 1;
	}
	family = replies(s, NULL);
	if (family == -ENOENT) {
		printf("ppquery: this kernel has no netdev netlink family\n");
		return 2;
	}
	if (family <= 0) {
		fprintf(stderr, "ppquery: looking up the netdev family: %s\n", strerror(-family));
		return 1;
	}
	/* Queue statistics are dumped per queue only when asked to be. */
	if (l->cmd == NETDEV_CMD_QSTATS_GET)
		err = request(s, family, l->cmd, NLM_F_DUMP, NETDEV_A_QSTATS_SCOPE, &scope,
			      sizeof(scope));
	else
		err = request(s, family, l->cmd, NLM_F_DUMP, 0, NULL, 0);
	if (err) {
		perror("ppquery");
		return 1;
	}
	err = replies(s, l->show);
	if (err == -EOPNOTSUPP || err == -EINVAL) {
		printf("ppquery: this kernel's netdev family cannot list %s\n", l->name);
		return 2;
	}
	if (err) {
		fprintf(stderr, "ppquery: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
