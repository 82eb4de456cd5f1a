// SPDX-License-Identifier: GPL-2.0
/* Suite nbpool_skb: lending buffers to the stack and copying skbs in. */
#include <linux/skbuff.h>
#include <linux/mm.h>
#include <linux/io.h>
#include <linux/delay.h>
#include "nbpool_test.h"

static struct nbpool_packet *rx_packet(struct kunit *test, struct nbpool *pool,
				       unsigned int len, u8 seed)
{
	struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_ATOMIC);
	u8 *data;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, pkt);
	/* Written as the device writes it: through its DMA address. */
	data = nbpool_test_device_view(nbpool_test_dev(test), nbpool_packet_dma_addr(pkt));
	for (i = 0; i < len; i++)
		data[i] = seed + i;
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, len), 0);
	return pkt;
}

static void expect_pattern(struct kunit *test, const u8 *data, unsigned int len, u8 seed)
{
	unsigned int i, bad = 0;

	for (i = 0; i < len; i++)
		bad += data[i] != (u8)(seed + i);
	KUNIT_EXPECT_EQ(test, bad, 0U);
}

/* The skb sits on the buffer itself and gives it back when freed. */
static void nbpool_skb_lend(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 16, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *pkt;
	struct nbpool_stats st;
	struct sk_buff *skb;
	struct nbpool *pool;
	void *data;

	p.headroom = NET_SKB_PAD;
	pool = nbpool_test_create(test, &p);
	pkt = rx_packet(test, pool, 100, 1);
	data = nbpool_packet_data(pkt);
	skb = nbpool_packet_to_skb(pkt);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_PTR_EQ(test, (void *)skb->data, data);
	KUNIT_EXPECT_EQ(test, skb->len, 100U);
	KUNIT_EXPECT_EQ(test, skb_headroom(skb), (unsigned int)NET_SKB_PAD);
	/* A plain page reference, not page_pool's: the page never leaves the pool. */
	KUNIT_EXPECT_FALSE(test, skb->pp_recycle);
	expect_pattern(test, skb->data, 100, 1);

	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.lent, 1ULL);
	KUNIT_EXPECT_EQ(test, st.buffers_stack, 1ULL);
	KUNIT_EXPECT_EQ(test, st.buffers_free, 15ULL);	/* its page-mate included */
	KUNIT_EXPECT_EQ(test, st.packets_free, 16ULL);	/* descriptor released */
	nbpool_test_expect_books(test, pool, 0, 1);

	kfree_skb(skb);
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.buffers_stack, 0ULL);
	KUNIT_EXPECT_EQ(test, st.buffers_free, 16ULL);
	KUNIT_EXPECT_EQ(test, st.returned, 1ULL);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* Two buffers of one page: one lent, the other freed and allocated again. */
static void nbpool_skb_shared_page(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *a, *b;
	struct nbpool_stats st;
	struct sk_buff *skb;
	struct nbpool *pool;
	unsigned int b_id;

	pool = nbpool_test_create(test, &p);
	a = rx_packet(test, pool, 60, 2);
	b = rx_packet(test, pool, 60, 3);
	KUNIT_EXPECT_PTR_EQ(test, virt_to_page(a->buf), virt_to_page(b->buf));
	b_id = nbpool_packet_buffer_index(b);
	skb = nbpool_packet_to_skb(a);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	nbpool_free(b);
	nbpool_test_expect_books(test, pool, 0, 1);
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.buffers_free, 3ULL);
	KUNIT_EXPECT_EQ(test, st.buffers_stack, 1ULL);
	/* Its page-mate is in the stack, and still it is handed out first (LIFO). */
	a = nbpool_alloc(pool, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, nbpool_packet_buffer_index(a), b_id);
	expect_pattern(test, skb->data, 60, 2);
	kfree_skb(skb);
	nbpool_free(a);
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.buffers_free, 4ULL);
	KUNIT_EXPECT_EQ(test, st.returned, 1ULL);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* The skb is freed before its page-mate: the page's count tells, nothing else. */
static void nbpool_skb_back_before_release(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 2, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *a, *b;
	struct nbpool_stats st;
	struct sk_buff *skb;
	struct nbpool *pool;

	pool = nbpool_test_create(test, &p);
	a = rx_packet(test, pool, 42, 4);
	b = rx_packet(test, pool, 42, 5);
	skb = nbpool_packet_to_skb(a);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	kfree_skb(skb);
	nbpool_free(b);
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.buffers_free, 2ULL);
	KUNIT_EXPECT_EQ(test, st.returned, 1ULL);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* Below the watermark the data is copied and the buffer comes back at once. */
static void nbpool_skb_copy_under_pressure(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 8, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *held[5], *pkt;
	struct nbpool_stats st;
	struct sk_buff *skb;
	struct nbpool *pool;
	void *data;

	p.rx_copy_watermark = 4;
	pool = nbpool_test_create(test, &p);
	KUNIT_ASSERT_EQ(test, nbpool_alloc_bulk(pool, held, 5, GFP_ATOMIC), 5U);
	pkt = rx_packet(test, pool, 300, 6);	/* 2 buffers left free */
	data = nbpool_packet_data(pkt);
	skb = nbpool_packet_to_skb(pkt);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_PTR_NE(test, (void *)skb->data, data);
	KUNIT_EXPECT_EQ(test, skb->len, 300U);
	expect_pattern(test, skb->data, 300, 6);
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.rx_copies, 1ULL);
	KUNIT_EXPECT_EQ(test, st.lent, 0ULL);
	KUNIT_EXPECT_EQ(test, st.buffers_free, 3ULL);
	nbpool_test_expect_books(test, pool, 5, 0);
	kfree_skb(skb);
	nbpool_free_bulk(held, 5);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* TX: linear data and page fragments land in the buffer byte for byte. */
static void nbpool_skb_from_skb(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 4096, DMA_TO_DEVICE);
	struct nbpool_packet *pkt;
	struct nbpool_stats st;
	struct sk_buff *skb;
	struct nbpool *pool;
	struct page *frag;
	u8 *expect;
	unsigned int i;

	p.headroom = 32;
	pool = nbpool_test_create(test, &p);
	skb = alloc_skb(200, GFP_KERNEL);
	frag = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_NOT_NULL(test, frag);
	for (i = 0; i < 200; i++)
		skb_put_u8(skb, i);
	for (i = 0; i < PAGE_SIZE; i++)
		((u8 *)page_address(frag))[i] = ~i;
	get_page(frag);
	skb_add_rx_frag(skb, 0, frag, 100, 1000, PAGE_SIZE);
	skb_add_rx_frag(skb, 1, frag, 2000, 1500, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, skb->len, 2700U);

	expect = kunit_kzalloc(test, skb->len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, expect);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, 0, expect, skb->len), 0);

	pkt = nbpool_packet_from_skb(pool, skb, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pkt));
	KUNIT_EXPECT_EQ(test, nbpool_packet_len(pkt), 2700U);
	KUNIT_EXPECT_EQ(test, nbpool_packet_offset(pkt), 32U);
	KUNIT_EXPECT_EQ(test, nbpool_packet_direction(pkt), NBPOOL_DIR_TX);
	KUNIT_EXPECT_EQ(test, memcmp(nbpool_packet_data(pkt), expect, 2700), 0);
	kfree_skb(skb);
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.tx_copies, 1ULL);
	nbpool_free(pkt);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

static void nbpool_skb_from_skb_errors(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 1, 2048, DMA_TO_DEVICE);
	struct nbpool_packet *pkt;
	struct sk_buff *skb;
	struct nbpool *pool;

	p.headroom = 48;
	pool = nbpool_test_create(test, &p);
	skb = alloc_skb(4096, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_zero(skb, 2048 - 48 + 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(nbpool_packet_from_skb(pool, skb, GFP_KERNEL)),
			(long)-EMSGSIZE);
	skb_trim(skb, 2048 - 48);	/* exactly fits a TX buffer */
	pkt = nbpool_packet_from_skb(pool, skb, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pkt));
	KUNIT_EXPECT_EQ(test, PTR_ERR(nbpool_packet_from_skb(pool, skb, GFP_KERNEL)),
			(long)-ENOBUFS);
	KUNIT_EXPECT_EQ(test, PTR_ERR(nbpool_packet_from_skb(NULL, skb, GFP_KERNEL)),
			(long)-EINVAL);
	nbpool_free(pkt);
	kfree_skb(skb);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

static struct kunit_case nbpool_skb_cases[] = {
	KUNIT_CASE(nbpool_skb_lend),
	KUNIT_CASE(nbpool_skb_shared_page),
	KUNIT_CASE(nbpool_skb_back_before_release),
	KUNIT_CASE(nbpool_skb_copy_under_pressure),
	KUNIT_CASE(nbpool_skb_from_skb),
	KUNIT_CASE(nbpool_skb_from_skb_errors),
	{}
};

static struct kunit_suite nbpool_skb_suite = {
	.name = "nbpool_skb",
	.test_cases = nbpool_skb_cases,
};
kunit_test_suite(nbpool_skb_suite);
