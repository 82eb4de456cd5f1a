// SPDX-License-Identifier: GPL-2.0
/*
 * Suite nbpool_hostile: every wrong call a buggy driver could make is refused
 * with its documented error, and the pool keeps working with exact books.
 * Some of these calls WARN by design, so this suite is a module of its own
 * (nbpool_kunit_hostile) that the KUnit boot loads last, with panic_on_warn
 * turned off, and the harness checks that exactly the expected warnings
 * appeared (one per WARN_ONCE site: "double free", "foreign packet",
 * "packet bounds") and nothing else was reported.
 */
#include <linux/skbuff.h>
#include <linux/irqflags.h>
#include <linux/delay.h>
#include "nbpool_test.h"

static void expect_bad_calls(struct kunit *test, struct nbpool *pool, u64 n)
{
	struct nbpool_stats st;

	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.bad_calls, n);
}

static void nbpool_hostile_double_free(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_FROM_DEVICE);
	struct nbpool *pool = nbpool_test_create(test, &p);
	struct nbpool_packet *a = nbpool_alloc(pool, GFP_KERNEL);
	struct nbpool_packet *b = nbpool_alloc(pool, GFP_KERNEL);
	struct nbpool_packet *bulk[2];

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	nbpool_free(a);
	nbpool_free(a);			/* refused */
	expect_bad_calls(test, pool, 1);
	nbpool_test_expect_books(test, pool, 1, 0);
	bulk[0] = a;			/* already free: refused */
	bulk[1] = b;			/* valid: freed */
	nbpool_free_bulk(bulk, 2);
	expect_bad_calls(test, pool, 2);
	nbpool_test_expect_books(test, pool, 0, 0);
	/* Still works: every buffer can be taken again, exactly once each. */
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(pool, bulk, 2, GFP_KERNEL), 2U);
	KUNIT_EXPECT_PTR_NE(test, bulk[0], bulk[1]);
	nbpool_free_bulk(bulk, 2);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* A descriptor that is not in its pool's array: a copy, or another pool's. */
static void nbpool_hostile_foreign_packet(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_FROM_DEVICE);
	struct nbpool *a = nbpool_test_create(test, &p);
	struct nbpool *b = nbpool_test_create(test, &p);
	struct nbpool_packet *pkt = nbpool_alloc(a, GFP_KERNEL);
	struct nbpool_packet copy;

	KUNIT_ASSERT_NOT_NULL(test, pkt);
	copy = *pkt;
	nbpool_free(&copy);		/* refused: not one of a's descriptors */
	copy.pool = b;
	nbpool_free(&copy);		/* refused: not one of b's either */
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_offset(&copy, 10), -EINVAL);
	expect_bad_calls(test, a, 1);
	expect_bad_calls(test, b, 2);
	nbpool_test_expect_books(test, a, 1, 0);
	nbpool_test_expect_books(test, b, 0, 0);
	nbpool_free(pkt);
	nbpool_test_expect_drain(test, a, 0, 0);
}

static void nbpool_hostile_bounds(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 2, 2048, DMA_FROM_DEVICE);
	struct nbpool *pool = nbpool_test_create(test, &p);
	struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_KERNEL);
	unsigned int cap;

	KUNIT_ASSERT_NOT_NULL(test, pkt);
	cap = nbpool_packet_capacity(pkt);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_len(pkt, 100), 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_len(pkt, cap + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_len(pkt, UINT_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_len(pkt), 100U);	/* unchanged */
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_offset(pkt, 2048), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_offset(pkt, cap), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_offset(pkt, UINT_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_offset(pkt), 0U);	/* unchanged */
	KUNIT_EXPECT_EQ(test, nbpool_packet_sync_range_for_device(pkt, 0, cap + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_sync_range_for_device(pkt, cap, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_sync_range_for_device(pkt, 1, UINT_MAX), -EINVAL);
	nbpool_free(pkt);
	/* A freed packet cannot be changed or synced either. */
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_len(pkt, 1), -EINVAL);
	KUNIT_EXPECT_NULL(test, nbpool_packet_to_skb(pkt));
	KUNIT_EXPECT_EQ(test, nbpool_packet_sync_range_for_device(pkt, 0, 1), -EINVAL);
	expect_bad_calls(test, pool, 11);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

static void nbpool_hostile_null(struct kunit *test)
{
	struct nbpool_packet *arr[2] = { NULL, NULL };
	struct nbpool_stats st;

	KUNIT_EXPECT_NULL(test, nbpool_alloc(NULL, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(NULL, arr, 2, GFP_KERNEL), 0U);
	KUNIT_EXPECT_EQ(test, PTR_ERR(nbpool_alloc_timeout(NULL, 1)), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(nbpool_memory_sgt(NULL)), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_len(NULL, 1), -EINVAL);
	KUNIT_EXPECT_NULL(test, nbpool_packet_to_skb(NULL));
	nbpool_free(NULL);
	nbpool_free_bulk(arr, 2);
	nbpool_destroy(NULL);
	nbpool_get_stats(NULL, &st);
	KUNIT_EXPECT_EQ(test, st.buffers, 0ULL);
}

static void nbpool_hostile_bulk_args(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 8, 2048, DMA_FROM_DEVICE);
	struct nbpool *pool = nbpool_test_create(test, &p);
	struct nbpool_packet *pkts[8];

	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(pool, NULL, 4, GFP_KERNEL), 0U);
	/* A huge count takes what there is and no more. */
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(pool, pkts, 8, GFP_KERNEL), 8U);
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(pool, pkts, UINT_MAX, GFP_KERNEL), 0U);
	nbpool_free_bulk(pkts, 8);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

static void nbpool_hostile_tx_pool_to_skb(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 2, 2048, DMA_TO_DEVICE);
	struct nbpool *pool = nbpool_test_create(test, &p);
	struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pkt);
	KUNIT_EXPECT_NULL(test, nbpool_packet_to_skb(pkt));	/* refused, still held */
	expect_bad_calls(test, pool, 1);
	nbpool_test_expect_books(test, pool, 1, 0);
	nbpool_free(pkt);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* offset and len are public fields: a driver that scribbles on them is refused. */
static void nbpool_hostile_to_skb_bad_fields(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 2, 2048, DMA_FROM_DEVICE);
	struct nbpool *pool = nbpool_test_create(test, &p);
	struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pkt);
	pkt->len = 5000;			/* past the end of the buffer */
	KUNIT_EXPECT_NULL(test, nbpool_packet_to_skb(pkt));
	pkt->len = 100;
	pkt->offset = 3000;			/* likewise */
	KUNIT_EXPECT_NULL(test, nbpool_packet_to_skb(pkt));
	expect_bad_calls(test, pool, 2);
	nbpool_test_expect_books(test, pool, 1, 0);	/* refused, still held */
	pkt->offset = 0;
	nbpool_free(pkt);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/*
 * A stale ring entry: the driver frees a packet it already turned into an
 * skb. Debug builds (CONFIG_DEBUG_NET, as this kernel is) reuse the least
 * recently freed descriptor first, so the stale pointer still finds its
 * packet free: refused, and the packet's next owner is untouched.
 */
static void nbpool_hostile_stale_packet(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 8, 2048, DMA_FROM_DEVICE);
	struct nbpool *pool = nbpool_test_create(test, &p);
	struct nbpool_packet *a = nbpool_alloc(pool, GFP_KERNEL), *b;
	struct sk_buff *skb;

	KUNIT_ASSERT_TRUE(test, IS_ENABLED(CONFIG_DEBUG_NET));
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(a, 60), 0);
	skb = nbpool_packet_to_skb(a);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	b = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, nbpool_free(a), -EINVAL);	/* the stale pointer */
	expect_bad_calls(test, pool, 1);
	nbpool_test_expect_books(test, pool, 1, 1);	/* b still held, a's buffer in the skb */
	KUNIT_EXPECT_EQ(test, nbpool_free(b), 0);
	kfree_skb(skb);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

static struct kunit_case nbpool_hostile_cases[] = {
	KUNIT_CASE(nbpool_hostile_stale_packet),
	KUNIT_CASE(nbpool_hostile_double_free),
	KUNIT_CASE(nbpool_hostile_foreign_packet),
	KUNIT_CASE(nbpool_hostile_bounds),
	KUNIT_CASE(nbpool_hostile_null),
	KUNIT_CASE(nbpool_hostile_bulk_args),
	KUNIT_CASE(nbpool_hostile_tx_pool_to_skb),
	KUNIT_CASE(nbpool_hostile_to_skb_bad_fields),
	{}
};

static struct kunit_suite nbpool_hostile_suite = {
	.name = "nbpool_hostile",
	.test_cases = nbpool_hostile_cases,
};
kunit_test_suite(nbpool_hostile_suite);

MODULE_DESCRIPTION("KUnit: nbpool against callers that break its rules");
MODULE_LICENSE("GPL");
