// SPDX-License-Identifier: GPL-2.0
/*
 * Suite nbpool_chain: packets of several buffers (max_buffers_per_packet).
 * Frames are written where a receiving device writes them and read where
 * a transmitting device reads them, buffer by buffer, and must come out of
 * the skb (or go into the chain) byte for byte, in order; the books count
 * buffers, checked against the test's own ledger.
 */
#include <linux/skbuff.h>
#include <linux/slab.h>
#include "nbpool_test.h"

#define MAX_BUFS	6
#define JUMBO		9014	/* a 9000-byte MTU frame with its Ethernet header */

static u8 *device_view(struct kunit *test, dma_addr_t dma)
{
	return nbpool_test_device_view(nbpool_test_dev(test), dma);
}

/* The skb holds the frame byte for byte, built the way the pool chose. */
static void expect_frame(struct kunit *test, struct sk_buff *skb, unsigned int total)
{
	u8 *flat = kunit_kmalloc(test, total, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, flat);
	KUNIT_ASSERT_EQ(test, skb->len, total);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, 0, flat, total), 0);
	KUNIT_EXPECT_EQ_MSG(test, nbpool_test_wrong(flat, 0, total), 0U, "frame of %u bytes", total);
	kunit_kfree(test, flat);
}

/*
 * RX: chains of 1 .. MAX_BUFS buffers, up to a jumbo frame on 2048-byte
 * buffers, become one skb: lent as a head and page fragments with the
 * truesize of the buffers they occupy, or copied under pressure into a
 * head of at most a buffer's worth and page fragments.
 */
static void nbpool_chain_rx(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 16, 2048, DMA_FROM_DEVICE);
	unsigned int totals[] = { 100, 0, 0, 0, JUMBO }, t, bufs, copy, head_truesize = 0;
	struct nbpool_stats before, after;
	struct nbpool_packet *pkt;
	struct sk_buff *skb;
	struct nbpool *pool;

	p.headroom = NET_SKB_PAD;
	p.max_buffers_per_packet = MAX_BUFS;
	for (copy = 0; copy < 2; copy++) {
		p.rx_copy_watermark = copy ? p.buffer_count : 0;
		pool = nbpool_test_create(test, &p);
		pkt = nbpool_alloc(pool, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pkt);
		totals[1] = nbpool_packet_capacity(pkt);	/* one full buffer */
		totals[2] = totals[1] + 1;			/* one byte in a second */
		totals[3] = 2 * totals[1] + 500;
		nbpool_free(pkt);

		for (t = 0; t < ARRAY_SIZE(totals); t++) {
			pkt = nbpool_test_rx_chain(test, pool, totals[t], &bufs);
			KUNIT_EXPECT_EQ(test, nbpool_packet_buffers(pkt), bufs);
			KUNIT_EXPECT_EQ(test, nbpool_packet_total_len(pkt), totals[t]);
			nbpool_test_expect_chain_books(test, pool, 1, bufs, 0);

			nbpool_get_stats(pool, &before);
			skb = nbpool_packet_to_skb(pkt);
			KUNIT_ASSERT_NOT_NULL(test, skb);
			nbpool_get_stats(pool, &after);
			expect_frame(test, skb, totals[t]);
			if (copy) {
				KUNIT_EXPECT_EQ(test, after.rx_copies - before.rx_copies, 1ULL);
				/*
				 * No linear allocation beyond a buffer's worth,
				 * which for a 64 KiB frame would be an order-5
				 * atomic one: the rest in page fragments.
				 */
				KUNIT_EXPECT_LE(test, skb_headlen(skb), totals[1]);
				nbpool_test_expect_chain_books(test, pool, 0, 0, 0);
			} else {
				KUNIT_EXPECT_EQ(test, after.lent - before.lent, (u64)bufs);
				KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->nr_frags, bufs - 1);
				/* The head's whole buffer, then each fragment's. */
				if (!t)
					head_truesize = skb->truesize;
				KUNIT_EXPECT_GE(test, head_truesize, 2048U);
				KUNIT_EXPECT_EQ(test, skb->truesize, head_truesize + (bufs - 1) * 2048);
				nbpool_test_expect_chain_books(test, pool, 0, 0, bufs);
			}
			kfree_skb(skb);
			nbpool_test_expect_chain_books(test, pool, 0, 0, 0);
		}
		nbpool_test_expect_drain(test, pool, 0, 0);
	}
}

/* An skb of @total bytes: some linear, the rest in page fragments. */
static struct sk_buff *frame_skb(struct kunit *test, unsigned int total)
{
	unsigned int at = min(total, 200U), i = 0;
	struct sk_buff *skb = alloc_skb(at, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	nbpool_test_fill(skb_put(skb, at), 0, at);
	while (at < total) {
		unsigned int len = min_t(unsigned int, total - at, PAGE_SIZE);
		struct page *page = alloc_page(GFP_KERNEL);

		if (!page)
			kfree_skb(skb);
		KUNIT_ASSERT_NOT_NULL(test, page);
		nbpool_test_fill(page_address(page), at, len);
		skb_add_rx_frag(skb, i++, page, 0, len, PAGE_SIZE);
		at += len;
	}
	return skb;
}

/* What the device reads, buffer by buffer, is the skb's frame in order. */
static void expect_device_reads(struct kunit *test, struct nbpool_packet *pkt,
				unsigned int total)
{
	unsigned int at = nbpool_packet_len(pkt), i;

	KUNIT_EXPECT_EQ(test, nbpool_test_wrong(device_view(test, nbpool_packet_dma_addr(pkt)), 0, at), 0U);
	for (i = 0; i + 1 < nbpool_packet_buffers(pkt); i++) {
		const struct nbpool_frag *f = nbpool_packet_frag(pkt, i);

		KUNIT_EXPECT_EQ(test, f->offset, 0U);
		KUNIT_EXPECT_EQ_MSG(test, nbpool_test_wrong(device_view(test, nbpool_frag_dma_addr(f)), at,
						f->len), 0U, "buffer %u", i + 1);
		at += f->len;
	}
	KUNIT_EXPECT_EQ(test, at, total);
}

/*
 * TX: a frame larger than a buffer fills a chain, every buffer but the
 * last full; one byte more than MAX_BUFS buffers hold is refused.
 */
static void nbpool_chain_tx(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 16, 2048, DMA_TO_DEVICE);
	const unsigned int head = 2048 - 32, most = head + (MAX_BUFS - 1) * 2048;
	unsigned int totals[] = { 100, head, head + 1, JUMBO, most }, t, bufs;
	struct nbpool_packet *pkt;
	struct sk_buff *skb;
	struct nbpool *pool;

	p.headroom = 32;
	p.max_buffers_per_packet = MAX_BUFS;
	pool = nbpool_test_create(test, &p);
	for (t = 0; t < ARRAY_SIZE(totals); t++) {
		skb = frame_skb(test, totals[t]);
		pkt = nbpool_packet_from_skb(pool, skb, GFP_KERNEL);
		kfree_skb(skb);
		KUNIT_ASSERT_FALSE(test, IS_ERR(pkt));
		bufs = 1 + (totals[t] > head ? DIV_ROUND_UP(totals[t] - head, 2048) : 0);
		KUNIT_EXPECT_EQ(test, nbpool_packet_buffers(pkt), bufs);
		KUNIT_EXPECT_EQ(test, nbpool_packet_total_len(pkt), totals[t]);
		expect_device_reads(test, pkt, totals[t]);
		nbpool_test_expect_chain_books(test, pool, 1, bufs, 0);
		KUNIT_EXPECT_EQ(test, nbpool_free(pkt), 0);
		nbpool_test_expect_chain_books(test, pool, 0, 0, 0);
	}

	skb = frame_skb(test, most + 1);
	pkt = nbpool_packet_from_skb(pool, skb, GFP_KERNEL);
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pkt), -EMSGSIZE);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* A chain that cannot be completed takes nothing: no buffer is lost. */
static void nbpool_chain_tx_exhausted(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_TO_DEVICE);
	struct nbpool_stats before, after;
	struct nbpool_packet *pkt;
	struct sk_buff *skb;
	struct nbpool *pool;

	p.max_buffers_per_packet = MAX_BUFS;
	pool = nbpool_test_create(test, &p);
	nbpool_get_stats(pool, &before);
	skb = frame_skb(test, 4 * 2048 + 1);	/* five buffers from a pool of four */
	pkt = nbpool_packet_from_skb(pool, skb, GFP_KERNEL);
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pkt), -ENOBUFS);
	nbpool_get_stats(pool, &after);
	KUNIT_EXPECT_EQ(test, after.alloc_fail - before.alloc_fail, 1ULL);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* Refused appends change nothing; a repost gives the chained buffers back. */
static void nbpool_chain_append_rules(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 8, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *pkt[4], *other;
	struct nbpool *pool, *pool2;
	struct nbpool_stats st;

	p.max_buffers_per_packet = 2;
	pool = nbpool_test_create(test, &p);
	pool2 = nbpool_test_create(test, &p);
	KUNIT_ASSERT_EQ(test, nbpool_alloc_bulk(pool, pkt, 4, GFP_KERNEL), 4U);
	other = nbpool_alloc(pool2, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, other);

	KUNIT_EXPECT_EQ(test, nbpool_packet_append(pkt[0], pkt[0]), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_append(pkt[0], other), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_append(pkt[0], pkt[1]), 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_append(pkt[0], pkt[2]), -E2BIG);	/* two at most */
	KUNIT_EXPECT_EQ(test, nbpool_packet_append(pkt[2], pkt[0]), -EINVAL);	/* a chain */
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_frag_len(pkt[0], 1, 10), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_frag_len(pkt[0], 0, 10), 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_frag(pkt[0], 0)->len, 10U);
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.bad_calls, 4ULL);
	/* pkt[1]'s descriptor is free again; its buffer is pkt[0]'s second. */
	nbpool_test_expect_chain_books(test, pool, 3, 4, 0);

	KUNIT_EXPECT_EQ(test, nbpool_packet_repost(pkt[0]), 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_buffers(pkt[0]), 1U);
	nbpool_test_expect_chain_books(test, pool, 3, 3, 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_add_buffer(pkt[0], GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_add_buffer(pkt[0], GFP_KERNEL), -E2BIG);
	nbpool_test_expect_chain_books(test, pool, 3, 4, 0);
	nbpool_free(pkt[0]);
	nbpool_free(pkt[2]);
	nbpool_free(pkt[3]);
	nbpool_free(other);
	nbpool_test_expect_drain(test, pool, 0, 0);
	nbpool_test_expect_drain(test, pool2, 0, 0);
}

/* A pool of one buffer per packet chains nothing. */
static void nbpool_chain_single(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_BIDIRECTIONAL);
	struct nbpool_packet *a, *b;
	struct nbpool *pool;

	pool = nbpool_test_create(test, &p);
	a = nbpool_alloc(pool, GFP_KERNEL);
	b = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, nbpool_packet_append(a, b), -E2BIG);
	KUNIT_EXPECT_EQ(test, nbpool_packet_add_buffer(a, GFP_KERNEL), -E2BIG);
	nbpool_free(a);
	nbpool_free(b);
	p.max_buffers_per_packet = NBPOOL_MAX_BUFFERS_PER_PACKET + 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(nbpool_create(&p)), -EINVAL);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

static struct kunit_case nbpool_chain_cases[] = {
	KUNIT_CASE(nbpool_chain_rx),
	KUNIT_CASE(nbpool_chain_tx),
	KUNIT_CASE(nbpool_chain_tx_exhausted),
	KUNIT_CASE(nbpool_chain_append_rules),
	KUNIT_CASE(nbpool_chain_single),
	{}
};

static struct kunit_suite nbpool_chain_suite = {
	.name = "nbpool_chain",
	.test_cases = nbpool_chain_cases,
};
kunit_test_suite(nbpool_chain_suite);
