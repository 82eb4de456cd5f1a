// SPDX-License-Identifier: GPL-2.0
/*
 * Suite nbpool_offload: checksum, hash, VLAN and segmentation metadata
 * between the device, the packet and the stack's skbs. Frames are real
 * UDP/IPv4; where a checksum is left to someone, the test computes it as
 * that someone would (the device from the bytes it sees, the stack with
 * skb_checksum_help()) and checks the result against its own sum.
 */
#include <linux/skbuff.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/etherdevice.h>
#include <net/checksum.h>
#include <net/ip.h>
#include "nbpool_test.h"

#define PAYLOAD		300
#define UDP_AT		(ETH_HLEN + sizeof(struct iphdr))
#define FRAME_LEN	(UDP_AT + sizeof(struct udphdr) + PAYLOAD)
#define BIG_PAYLOAD	5000	/* three 2048-byte TX buffers */
#define BIG_LEN		(UDP_AT + sizeof(struct udphdr) + BIG_PAYLOAD)
#define SADDR		htonl(0xc0000201)	/* 192.0.2.1 */
#define DADDR		htonl(0xc0000202)

/*
 * A UDP/IPv4 frame. With @partial its UDP checksum holds the pseudo-header
 * sum, as the stack leaves it for a device (or a virtual NIC's peer) to
 * finish; otherwise it is complete.
 */
static void build_udp(u8 *frame, u8 seed, bool partial, unsigned int payload)
{
	struct ethhdr *eth = (struct ethhdr *)frame;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	u8 *data = (u8 *)(udp + 1);
	unsigned int ulen = sizeof(*udp) + payload, i;

	memset(frame, 0, UDP_AT + ulen);
	eth_broadcast_addr(eth->h_dest);
	eth->h_source[0] = 0x02;
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(*ip) + ulen);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = SADDR;
	ip->daddr = DADDR;
	ip->check = ip_fast_csum(ip, ip->ihl);
	udp->source = htons(4000);
	udp->dest = htons(5000);
	udp->len = htons(ulen);
	for (i = 0; i < payload; i++)
		data[i] = seed + i;
	if (partial)	/* the pseudo-header sum, for whoever finishes it */
		udp->check = ~csum_tcpudp_magic(SADDR, DADDR, ulen, IPPROTO_UDP, 0);
	else		/* summed with the field at 0, as the RFC says */
		udp->check = csum_tcpudp_magic(SADDR, DADDR, ulen, IPPROTO_UDP,
					       csum_partial(udp, ulen, 0)) ?: CSUM_MANGLED_0;
}

static void build_frame(u8 *frame, u8 seed, bool partial)
{
	build_udp(frame, seed, partial, PAYLOAD);
}

/* Does the UDP checksum of the frame at @frame verify? */
static bool udp_csum_ok(const u8 *frame)
{
	const struct udphdr *udp = (const struct udphdr *)(frame + UDP_AT);
	unsigned int ulen = ntohs(udp->len);

	return udp->check &&
	       !csum_tcpudp_magic(SADDR, DADDR, ulen, IPPROTO_UDP, csum_partial(udp, ulen, 0));
}

/* The two ways nbpool_packet_to_skb() builds an skb. */
static const char * const rx_paths[] = { "lend", "copy" };

static void rx_path_desc(const char * const *path, char *desc)
{
	strscpy(desc, *path, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(rx_path, rx_paths, rx_path_desc);

struct rx_fixture {
	struct kunit *test;
	struct nbpool *pool;
	bool copy;
};

/* A received frame, written where the device writes, not yet handed up. */
static struct nbpool_packet *rx_frame(struct rx_fixture *f, bool partial)
{
	struct kunit *test = f->test;
	struct nbpool_packet *pkt = nbpool_alloc(f->pool, GFP_ATOMIC);

	KUNIT_ASSERT_NOT_NULL(test, pkt);
	build_frame(nbpool_test_device_view(nbpool_test_dev(test), nbpool_packet_dma_addr(pkt)),
		    0x40, partial);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, FRAME_LEN), 0);
	return pkt;
}

/* Hand @pkt up; the skb is the frame, lent or copied as the fixture asks. */
static struct sk_buff *rx_skb(struct rx_fixture *f, struct nbpool_packet *pkt)
{
	struct kunit *test = f->test;
	struct nbpool_stats before, after;
	struct sk_buff *skb;
	u8 expect[FRAME_LEN];

	nbpool_get_stats(f->pool, &before);
	skb = nbpool_packet_to_skb(pkt);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	nbpool_get_stats(f->pool, &after);
	KUNIT_EXPECT_EQ(test, after.rx_copies - before.rx_copies, f->copy ? 1ULL : 0ULL);
	KUNIT_EXPECT_EQ(test, after.lent - before.lent, f->copy ? 0ULL : 1ULL);
	KUNIT_ASSERT_EQ(test, skb->len, (unsigned int)FRAME_LEN);
	build_frame(expect, 0x40, skb->ip_summed == CHECKSUM_PARTIAL);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, expect, FRAME_LEN), 0);
	return skb;
}

static void expect_no_rx_offload(struct kunit *test, struct sk_buff *skb)
{
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_NONE);
	KUNIT_EXPECT_FALSE(test, skb->l4_hash);
	KUNIT_EXPECT_EQ(test, skb->hash, 0U);
	KUNIT_EXPECT_FALSE(test, skb_vlan_tag_present(skb));
	KUNIT_EXPECT_FALSE(test, skb_is_gso(skb));
}

/* Each kind of RX metadata reaches the skb, on the lending and copying paths. */
static void nbpool_offload_rx(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 8, 2048, DMA_FROM_DEVICE);
	struct rx_fixture f = { .test = test };
	static const struct {
		u32 hash;
		enum pkt_hash_types type;
	} hashes[] = { { 0xdeadbeef, PKT_HASH_TYPE_L4 }, { 0x1234, PKT_HASH_TYPE_L3 } };
	const char * const *path = test->param_value;
	struct nbpool_packet *pkt;
	struct sk_buff *skb;
	unsigned int i;
	__wsum sum;

	f.copy = !strcmp(*path, "copy");
	p.headroom = NET_SKB_PAD + NET_IP_ALIGN;
	if (f.copy)
		p.rx_copy_watermark = p.buffer_count;	/* every frame is copied */
	f.pool = nbpool_test_create(test, &p);

	/* Nothing set, nothing claimed; the frame's own checksum is good. */
	skb = rx_skb(&f, rx_frame(&f, false));
	expect_no_rx_offload(test, skb);
	KUNIT_EXPECT_TRUE(test, udp_csum_ok(skb->data));
	kfree_skb(skb);

	pkt = rx_frame(&f, false);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_csum_unnecessary(pkt, 2), 0);
	skb = rx_skb(&f, pkt);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_UNNECESSARY);
	KUNIT_EXPECT_EQ(test, (unsigned int)skb->csum_level, 2U);
	kfree_skb(skb);

	/* CHECKSUM_COMPLETE: the sum the device took over what it wrote. */
	pkt = rx_frame(&f, false);
	sum = csum_partial(nbpool_test_device_view(nbpool_test_dev(test),
						   nbpool_packet_dma_addr(pkt)) + ETH_HLEN,
			   FRAME_LEN - ETH_HLEN, 0);
	nbpool_packet_set_csum_complete(pkt, sum);
	skb = rx_skb(&f, pkt);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_COMPLETE);
	skb_pull(skb, ETH_HLEN);	/* as eth_type_trans() does, sum unchanged */
	KUNIT_EXPECT_EQ(test, (__force u16)csum_fold(skb->csum),
			(__force u16)csum_fold(skb_checksum(skb, 0, skb->len, 0)));
	kfree_skb(skb);

	/* CHECKSUM_PARTIAL: the stack finishes the sum where the packet said. */
	pkt = rx_frame(&f, true);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_csum_partial(pkt, UDP_AT,
							     offsetof(struct udphdr, check)), 0);
	skb = rx_skb(&f, pkt);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_PARTIAL);
	KUNIT_EXPECT_FALSE(test, udp_csum_ok(skb->data));
	if (skb->ip_summed == CHECKSUM_PARTIAL) {	/* all skb_checksum_help() takes */
		KUNIT_EXPECT_EQ(test, skb_checksum_help(skb), 0);
		KUNIT_EXPECT_TRUE(test, udp_csum_ok(skb->data));
	}
	kfree_skb(skb);

	for (i = 0; i < ARRAY_SIZE(hashes); i++) {
		pkt = rx_frame(&f, false);
		KUNIT_ASSERT_EQ(test, nbpool_packet_set_rx_hash(pkt, hashes[i].hash,
								hashes[i].type), 0);
		skb = rx_skb(&f, pkt);
		KUNIT_EXPECT_EQ(test, skb->hash, hashes[i].hash);
		KUNIT_EXPECT_EQ(test, (bool)skb->l4_hash, hashes[i].type == PKT_HASH_TYPE_L4);
		kfree_skb(skb);
	}

	pkt = rx_frame(&f, false);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_vlan_tag(pkt, htons(ETH_P_8021AD), 0x3007), 0);
	skb = rx_skb(&f, pkt);
	KUNIT_EXPECT_TRUE(test, skb_vlan_tag_present(skb));
	KUNIT_EXPECT_EQ(test, ntohs(skb->vlan_proto), ETH_P_8021AD);
	KUNIT_EXPECT_EQ(test, skb_vlan_tag_get(skb), 0x3007);
	kfree_skb(skb);

	/* Segments the device coalesced (LRO), with everything else at once. */
	pkt = rx_frame(&f, false);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_gso(pkt, 100, SKB_GSO_UDP_L4, 3), 0);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_csum_unnecessary(pkt, 0), 0);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_rx_hash(pkt, 7, PKT_HASH_TYPE_L2), 0);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_vlan_tag(pkt, htons(ETH_P_8021Q), 5), 0);
	skb = rx_skb(&f, pkt);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_size, 100);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_type, (unsigned int)SKB_GSO_UDP_L4);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_segs, 3);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_UNNECESSARY);
	KUNIT_EXPECT_EQ(test, (unsigned int)skb->csum_level, 0U);
	KUNIT_EXPECT_EQ(test, skb->hash, 7U);
	KUNIT_EXPECT_EQ(test, skb_vlan_tag_get(skb), 5);
	kfree_skb(skb);

	nbpool_test_expect_drain(test, f.pool, 0, 0);
}

/* A TX skb of a frame; with @offloads, what a stack may ask of a device. */
static struct sk_buff *tx_skb(struct kunit *test, bool offloads)
{
	struct sk_buff *skb = alloc_skb(NET_SKB_PAD + FRAME_LEN, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, NET_SKB_PAD);
	build_frame(skb_put(skb, FRAME_LEN), 0x80, offloads);
	if (!offloads)
		return skb;
	KUNIT_ASSERT_TRUE(test, skb_partial_csum_set(skb, UDP_AT, offsetof(struct udphdr, check)));
	skb_shinfo(skb)->gso_size = 120;
	skb_shinfo(skb)->gso_type = SKB_GSO_UDP_L4;
	skb_shinfo(skb)->gso_segs = 3;
	__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q), 0x600a);
	return skb;
}

/*
 * The stack's requests reach the driver, and the checksum the device
 * computes from them, from the bytes it reads, is right.
 */
static void nbpool_offload_tx(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_TO_DEVICE);
	const struct nbpool_offload *o;
	struct nbpool_packet *pkt;
	struct sk_buff *skb;
	struct nbpool *pool;
	u8 *dev;

	p.headroom = 32;
	pool = nbpool_test_create(test, &p);

	skb = tx_skb(test, false);
	pkt = nbpool_packet_from_skb(pool, skb, GFP_KERNEL);
	kfree_skb(skb);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pkt));
	o = nbpool_packet_offload(pkt);
	KUNIT_EXPECT_NULL(test, memchr_inv(o, 0, sizeof(*o)));
	nbpool_free(pkt);

	skb = tx_skb(test, true);
	pkt = nbpool_packet_from_skb(pool, skb, GFP_KERNEL);
	kfree_skb(skb);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pkt));
	o = nbpool_packet_offload(pkt);
	KUNIT_EXPECT_EQ(test, o->ip_summed, CHECKSUM_PARTIAL);
	KUNIT_EXPECT_EQ(test, o->csum_start, UDP_AT);
	KUNIT_EXPECT_EQ(test, o->csum_offset, offsetof(struct udphdr, check));
	KUNIT_EXPECT_EQ(test, o->gso_size, 120);
	KUNIT_EXPECT_EQ(test, o->gso_type, (u32)SKB_GSO_UDP_L4);
	KUNIT_EXPECT_EQ(test, o->gso_segs, 3);
	KUNIT_EXPECT_TRUE(test, o->vlan_present);
	KUNIT_EXPECT_EQ(test, ntohs(o->vlan_proto), ETH_P_8021Q);
	KUNIT_EXPECT_EQ(test, o->vlan_tci, 0x600a);

	/* The device sums from csum_start to the end and stores at csum_offset. */
	dev = nbpool_test_device_view(nbpool_test_dev(test), nbpool_packet_dma_addr(pkt));
	KUNIT_EXPECT_FALSE(test, udp_csum_ok(dev));
	*(__sum16 *)(dev + o->csum_start + o->csum_offset) =
		csum_fold(csum_partial(dev + o->csum_start,
				       nbpool_packet_len(pkt) - o->csum_start, 0));
	KUNIT_EXPECT_TRUE(test, udp_csum_ok(dev));
	nbpool_free(pkt);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/*
 * A frame of BIG_LEN bytes with its checksum left to the device
 * (CHECKSUM_PARTIAL), the first @lin bytes in the skb's head and the rest
 * in a page fragment, as a socket with scatter-gather builds them.
 */
static struct sk_buff *tx_skb_partial(struct kunit *test, const u8 *frame, unsigned int lin)
{
	unsigned int order = get_order(BIG_LEN - lin);
	struct sk_buff *skb = alloc_skb(lin, GFP_KERNEL);
	struct page *page = alloc_pages(GFP_KERNEL, order);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_NOT_NULL(test, page);
	skb_put_data(skb, frame, lin);
	memcpy(page_address(page), frame + lin, BIG_LEN - lin);
	skb_add_rx_frag(skb, 0, page, 0, BIG_LEN - lin, PAGE_SIZE << order);
	KUNIT_ASSERT_TRUE(test, skb_partial_csum_set(skb, UDP_AT, offsetof(struct udphdr, check)));
	return skb;
}

/*
 * NBPOOL_F_TX_CSUM: the copy finishes the checksum, across a page
 * fragment of the skb and three pool buffers, the second starting an odd
 * number of bytes after csum_start. What the device reads, buffer by
 * buffer, must be what skb_checksum_help() makes of the same frame, and
 * its UDP checksum must verify.
 */
static void nbpool_offload_tx_csum(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_TO_DEVICE);
	u8 *frame = kunit_kzalloc(test, BIG_LEN, GFP_KERNEL);
	u8 *seen = kunit_kzalloc(test, BIG_LEN, GFP_KERNEL);
	struct device *dev = nbpool_test_dev(test);
	struct nbpool_packet *pkt;
	struct nbpool_stats st;
	struct sk_buff *skb;
	struct nbpool *pool;
	unsigned int i, at;

	KUNIT_ASSERT_NOT_NULL(test, frame);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	p.headroom = 31;	/* the second buffer starts 2017 - 34 bytes after csum_start */
	p.max_buffers_per_packet = 4;
	p.flags = NBPOOL_F_TX_CSUM;
	pool = nbpool_test_create(test, &p);
	build_udp(frame, 0x11, true, BIG_PAYLOAD);

	skb = tx_skb_partial(test, frame, 100);
	pkt = nbpool_packet_from_skb(pool, skb, GFP_KERNEL);
	kfree_skb(skb);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pkt));
	KUNIT_ASSERT_EQ(test, nbpool_packet_buffers(pkt), 3U);
	KUNIT_EXPECT_EQ(test, nbpool_packet_offload(pkt)->ip_summed, CHECKSUM_NONE);
	memcpy(seen, nbpool_test_device_view(dev, nbpool_packet_dma_addr(pkt)), nbpool_packet_len(pkt));
	at = nbpool_packet_len(pkt);
	for (i = 0; i + 1 < nbpool_packet_buffers(pkt); i++) {
		const struct nbpool_frag *f = nbpool_packet_frag(pkt, i);

		KUNIT_ASSERT_LE(test, at + f->len, (unsigned int)BIG_LEN);
		memcpy(seen + at, nbpool_test_device_view(dev, nbpool_frag_dma_addr(f)), f->len);
		at += f->len;
	}
	KUNIT_EXPECT_EQ(test, at, (unsigned int)BIG_LEN);
	KUNIT_EXPECT_TRUE(test, udp_csum_ok(seen));

	/* The kernel's own answer for the same frame. */
	skb = alloc_skb(BIG_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, frame, BIG_LEN);
	KUNIT_ASSERT_TRUE(test, skb_partial_csum_set(skb, UDP_AT, offsetof(struct udphdr, check)));
	KUNIT_EXPECT_EQ(test, skb_checksum_help(skb), 0);
	KUNIT_EXPECT_EQ(test, memcmp(seen, skb->data, BIG_LEN), 0);
	kfree_skb(skb);

	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.tx_copies, 1ULL);
	KUNIT_EXPECT_EQ(test, st.tx_csums, 1ULL);
	nbpool_free(pkt);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

static void set_every_offload(struct kunit *test, struct nbpool_packet *pkt)
{
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_csum_partial(pkt, 34, 6), 0);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_rx_hash(pkt, 99, PKT_HASH_TYPE_L4), 0);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_vlan_tag(pkt, htons(ETH_P_8021Q), 1), 0);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_gso(pkt, 1448, SKB_GSO_TCPV4, 2), 0);
}

/* A packet comes from nbpool_alloc() and repost with nothing offloaded. */
static void nbpool_offload_fresh(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 1, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *pkt;
	struct nbpool *pool;

	pool = nbpool_test_create(test, &p);
	pkt = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	set_every_offload(test, pkt);
	nbpool_free(pkt);
	pkt = nbpool_alloc(pool, GFP_KERNEL);	/* the only descriptor: the same one */
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	KUNIT_EXPECT_NULL(test, memchr_inv(&pkt->offload, 0, sizeof(pkt->offload)));
	set_every_offload(test, pkt);
	KUNIT_ASSERT_EQ(test, nbpool_packet_repost(pkt), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(&pkt->offload, 0, sizeof(pkt->offload)));
	nbpool_free(pkt);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* Each bad value is refused and counted once, and changes nothing. */
static void nbpool_offload_bad_values(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 2, 2048, DMA_BIDIRECTIONAL);
	struct nbpool_offload before;
	struct nbpool_packet *pkt;
	struct nbpool_stats st;
	struct nbpool *pool;
	unsigned int room;

	p.headroom = 64;
	pool = nbpool_test_create(test, &p);
	pkt = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	room = nbpool_packet_capacity(pkt);
	set_every_offload(test, pkt);
	before = pkt->offload;

	KUNIT_EXPECT_EQ(test, nbpool_packet_set_csum_unnecessary(pkt, SKB_MAX_CSUM_LEVEL + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_csum_partial(pkt, room - 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_csum_partial(pkt, 0, room - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_csum_partial(pkt, UINT_MAX, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_rx_hash(pkt, 1, PKT_HASH_TYPE_NONE), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_rx_hash(pkt, 1, (enum pkt_hash_types)4), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_vlan_tag(pkt, htons(ETH_P_IP), 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_gso(pkt, 0, SKB_GSO_TCPV4, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_gso(pkt, GSO_BY_FRAGS, SKB_GSO_TCPV4, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_gso(pkt, 1448, 0, 1), -EINVAL);
	/* Computed, not a constant, so that no checker sees the store truncate. */
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_gso(pkt, 1448, SKB_GSO_TCPV4, room * 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, memcmp(&before, &pkt->offload, sizeof(before)), 0);
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.bad_calls, 11ULL);

	/* The edge of the data area is still good. */
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_csum_partial(pkt, room - 2, 0), 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_csum_partial(pkt, 0, room - 2), 0);
	nbpool_free(pkt);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

static struct kunit_case nbpool_offload_cases[] = {
	KUNIT_CASE_PARAM(nbpool_offload_rx, rx_path_gen_params),
	KUNIT_CASE(nbpool_offload_tx),
	KUNIT_CASE(nbpool_offload_tx_csum),
	KUNIT_CASE(nbpool_offload_fresh),
	KUNIT_CASE(nbpool_offload_bad_values),
	{}
};

static struct kunit_suite nbpool_offload_suite = {
	.name = "nbpool_offload",
	.test_cases = nbpool_offload_cases,
};
kunit_test_suite(nbpool_offload_suite);
