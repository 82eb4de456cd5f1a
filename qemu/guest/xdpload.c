// SPDX-License-Identifier: GPL-2.0
/*
 * xdpload: attach a small XDP program to a device in driver mode, for the
 * driver tests (the guest has no clang, libbpf or bpftool: the programs are
 * written out as BPF instructions here, and attached over rtnetlink).
 *
 *   xdpload DEV pass             every frame XDP_PASS
 *   xdpload DEV drop PORT        UDP/IPv4 datagrams to PORT: XDP_DROP
 *   xdpload DEV tx PORT          ... sent back where they came from: XDP_TX
 *   xdpload DEV redirect PORT    ... the same, through bpf_redirect() to DEV
 *                                itself (the driver's ndo_xdp_xmit)
 *   xdpload DEV cpu PORT CPU     ... redirected to CPU through a cpumap,
 *                                which passes them to the stack there
 *   xdpload DEV off              detach
 *
 * Every other frame is passed. "Sent back" swaps the Ethernet addresses,
 * the IP addresses and the UDP ports, which leaves both checksums valid.
 * The programs take multi-buffer frames (BPF_F_XDP_HAS_FRAGS; they read
 * only the first buffer) unless "-1" comes before DEV. The kernel's
 * refusal is printed with its extack message. Built static on the host.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, i)		INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s)		INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_IMM(d, i)		INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDX(sz, d, s, o)	INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o)	INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define CALL(fn)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define EXIT()			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* Jumps to the program's last two instructions, "return XDP_PASS" (fixed up). */
#define TO_PASS			-32768
#define JNE_PASS(d, i)		INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, TO_PASS, i)
#define JGT_PASS(d, s)		INSN(BPF_JMP | BPF_JGT | BPF_X, d, s, TO_PASS, 0)

static struct bpf_insn prog[64];
static int n;

static void emit(struct bpf_insn insn)
{
	prog[n++] = insn;
}

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* r2 = the frame; on to the next instruction only for UDP/IPv4 to @port. */
static void match_udp(int port)
{
	emit(LDX(BPF_W, 2, 1, offsetof(struct xdp_md, data)));
	emit(LDX(BPF_W, 3, 1, offsetof(struct xdp_md, data_end)));
	emit(MOV_REG(4, 2));
	emit(ADD_IMM(4, 42));			/* Ethernet, IPv4 without options, UDP */
	emit(JGT_PASS(4, 3));
	emit(LDX(BPF_H, 4, 2, 12));		/* EtherType, loaded as it lies */
	emit(JNE_PASS(4, htons(0x0800)));
	emit(LDX(BPF_B, 4, 2, 14));
	emit(JNE_PASS(4, 0x45));		/* IPv4, 20-byte header */
	emit(LDX(BPF_B, 4, 2, 23));
	emit(JNE_PASS(4, 17));			/* UDP */
	emit(LDX(BPF_H, 4, 2, 36));
	emit(JNE_PASS(4, htons(port)));		/* destination port */
}

/* Swap the @size-byte fields at @a and @b of the frame in r2. */
static void swap(int size, int a, int b)
{
	emit(LDX(size, 4, 2, a));
	emit(LDX(size, 5, 2, b));
	emit(STX(size, 2, 5, a));
	emit(STX(size, 2, 4, b));
}

static void send_back(void)
{
	swap(BPF_W, 0, 6);		/* MAC addresses: 4 bytes, then 2 */
	swap(BPF_H, 4, 10);
	swap(BPF_W, 26, 30);		/* IP addresses */
	swap(BPF_H, 34, 36);		/* UDP ports */
}

static int cpumap(int cpu)
{
	union bpf_attr a = {
		.map_type = BPF_MAP_TYPE_CPUMAP, .key_size = 4,
		.value_size = sizeof(struct bpf_cpumap_val), .max_entries = cpu + 1,
	};
	struct bpf_cpumap_val val = { .qsize = 256 };
	int fd = bpf(BPF_MAP_CREATE, &a), key = cpu;

	if (fd < 0) {
		perror("xdpload: BPF_MAP_CREATE");
		exit(1);
	}
	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (unsigned long)&key;
	a.value = (unsigned long)&val;
	if (bpf(BPF_MAP_UPDATE_ELEM, &a)) {
		perror("xdpload: BPF_MAP_UPDATE_ELEM");
		exit(1);
	}
	return fd;
}

static int load(int frags)
{
	static char log[65536];
	union bpf_attr a = {
		.prog_type = BPF_PROG_TYPE_XDP, .expected_attach_type = BPF_XDP,
		.insns = (unsigned long)prog,
		.license = (unsigned long)"GPL", .prog_flags = frags ? BPF_F_XDP_HAS_FRAGS : 0,
		.log_buf = (unsigned long)log, .log_size = sizeof(log), .log_level = 1,
	};
	int i, fd;

	emit(MOV_IMM(0, XDP_PASS));
	emit(EXIT());
	for (i = 0; i < n; i++)
		if (prog[i].off == TO_PASS)
			prog[i].off = n - 2 - (i + 1);
	a.insn_cnt = n;
	fd = bpf(BPF_PROG_LOAD, &a);
	if (fd < 0) {
		fprintf(stderr, "%s", log);
		perror("xdpload: the verifier refused the program");
		exit(1);
	}
	return fd;
}

/* Attach program @fd (-1: detach) to @ifindex in driver mode. */
static int attach(int ifindex, int fd)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[64];
	} req = {
		.nh.nlmsg_type = RTM_SETLINK,
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.ifi.ifi_family = AF_UNSPEC, .ifi.ifi_index = ifindex,
	};
	char reply[4096];
	struct nlattr *xdp = (struct nlattr *)req.attrs, *nla = xdp + 1;
	struct nlmsgerr *err;
	int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), one = 1;
	unsigned int flags = XDP_FLAGS_DRV_MODE;
	ssize_t len;

	nla->nla_type = IFLA_XDP_FD;
	nla->nla_len = NLA_HDRLEN + sizeof(fd);
	memcpy((char *)nla + NLA_HDRLEN, &fd, sizeof(fd));
	nla = (struct nlattr *)((char *)nla + NLA_ALIGN(nla->nla_len));
	nla->nla_type = IFLA_XDP_FLAGS;
	nla->nla_len = NLA_HDRLEN + sizeof(flags);
	memcpy((char *)nla + NLA_HDRLEN, &flags, sizeof(flags));
	xdp->nla_type = NLA_F_NESTED | IFLA_XDP;
	xdp->nla_len = (char *)nla + NLA_ALIGN(nla->nla_len) - (char *)xdp;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi)) + xdp->nla_len;

	/* The kernel's reason as a message, after the error (the request not echoed). */
	setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	len = s < 0 || send(s, &req, req.nh.nlmsg_len, 0) < 0 ? -1 :
	      recv(s, reply, sizeof(reply), 0);
	if (len < (ssize_t)NLMSG_LENGTH(sizeof(*err))) {
		perror("xdpload: rtnetlink");
		return 1;
	}
	err = NLMSG_DATA((struct nlmsghdr *)reply);
	if (!err->error)
		return 0;
	nla = (struct nlattr *)((char *)err + sizeof(*err));
	for (; (char *)nla + NLA_HDRLEN <= reply + len && nla->nla_len >= NLA_HDRLEN;
	     nla = (struct nlattr *)((char *)nla + NLA_ALIGN(nla->nla_len)))
		if (nla->nla_type == NLMSGERR_ATTR_MSG)
			fprintf(stderr, "xdpload: %s\n", (char *)nla + NLA_HDRLEN);
	fprintf(stderr, "xdpload: the kernel refused: %s\n", strerror(-err->error));
	return 1;
}

int main(int argc, char **argv)
{
	int frags = 1, ifindex, fd, port;
	const char *what;

	if (argc > 1 && !strcmp(argv[1], "-1")) {
		frags = 0;
		argv++;
		argc--;
	}
	ifindex = argc < 3 ? 0 : if_nametoindex(argv[1]);
	if (!ifindex)
		goto usage;
	what = argv[2];
	port = argc > 3 ? atoi(argv[3]) : 0;
	if (!strcmp(what, "off") && argc == 3)
		return attach(ifindex, -1);
	if (!strcmp(what, "pass") && argc == 3) {
		/* nothing but the final "return XDP_PASS" */
	} else if (!strcmp(what, "drop") && argc == 4) {
		match_udp(port);
		emit(MOV_IMM(0, XDP_DROP));
		emit(EXIT());
	} else if (!strcmp(what, "tx") && argc == 4) {
		match_udp(port);
		send_back();
		emit(MOV_IMM(0, XDP_TX));
		emit(EXIT());
	} else if (!strcmp(what, "redirect") && argc == 4) {
		match_udp(port);
		send_back();
		emit(MOV_IMM(1, ifindex));
		emit(MOV_IMM(2, 0));
		emit(CALL(BPF_FUNC_redirect));
		emit(EXIT());
	} else if (!strcmp(what, "cpu") && argc == 5) {
		match_udp(port);
		/* r1 = the map (a 16-byte load of its fd), r2 = the CPU, r3 = flags */
		emit(INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, cpumap(atoi(argv[4]))));
		emit(INSN(0, 0, 0, 0, 0));
		emit(MOV_IMM(2, atoi(argv[4])));
		emit(MOV_IMM(3, 0));
		emit(CALL(BPF_FUNC_redirect_map));
		emit(EXIT());
	} else {
		goto usage;
	}
	fd = load(frags);
	return attach(ifindex, fd);
usage:
	fprintf(stderr, "usage: xdpload [-1] DEV pass|off\n"
			"       xdpload [-1] DEV drop|tx|redirect PORT\n"
			"       xdpload [-1] DEV cpu PORT CPU\n");
	return 2;
}
