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
#include <linux/hrtimer.h>
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
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_len(&copy, 10), -EINVAL);
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
	nbpool_free(pkt);
	/* A freed packet cannot be changed either. */
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_len(pkt, 1), -EINVAL);
	KUNIT_EXPECT_NULL(test, nbpool_packet_to_skb(pkt));
	expect_bad_calls(test, pool, 7);
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

struct hardirq_call {
	struct hrtimer timer;
	struct nbpool *pool;
	struct nbpool_packet *pkt;
	struct nbpool_packet *got;
	bool ran;
};

static enum hrtimer_restart hostile_timer_fn(struct hrtimer *t)
{
	struct hardirq_call *c = container_of(t, struct hardirq_call, timer);

	c->got = nbpool_alloc(c->pool, GFP_ATOMIC);	/* refused in hardirq */
	nbpool_free(c->pkt);				/* refused in hardirq */
	WRITE_ONCE(c->ran, true);
	return HRTIMER_NORESTART;
}

static void nbpool_hostile_hardirq(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_FROM_DEVICE);
	struct nbpool *pool = nbpool_test_create(test, &p);
	struct hardirq_call *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	unsigned long flags;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->pool = pool;
	c->pkt = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->pkt);
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c->timer.function = hostile_timer_fn;
	hrtimer_start(&c->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	for (i = 0; i < 1000 && !READ_ONCE(c->ran); i++)
		msleep(20);
	hrtimer_cancel(&c->timer);
	KUNIT_ASSERT_TRUE(test, READ_ONCE(c->ran));
	KUNIT_EXPECT_NULL(test, c->got);
	nbpool_test_expect_books(test, pool, 1, 0);

	/* Interrupts off in process context: refused too. */
	local_irq_save(flags);
	c->got = nbpool_alloc(pool, GFP_ATOMIC);
	local_irq_restore(flags);
	KUNIT_EXPECT_NULL(test, c->got);
	expect_bad_calls(test, pool, 3);
	nbpool_free(c->pkt);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

static struct kunit_case nbpool_hostile_cases[] = {
	KUNIT_CASE(nbpool_hostile_double_free),
	KUNIT_CASE(nbpool_hostile_foreign_packet),
	KUNIT_CASE(nbpool_hostile_bounds),
	KUNIT_CASE(nbpool_hostile_null),
	KUNIT_CASE(nbpool_hostile_bulk_args),
	KUNIT_CASE(nbpool_hostile_tx_pool_to_skb),
	KUNIT_CASE(nbpool_hostile_hardirq),
	{}
};

static struct kunit_suite nbpool_hostile_suite = {
	.name = "nbpool_hostile",
	.test_cases = nbpool_hostile_cases,
};
kunit_test_suite(nbpool_hostile_suite);

MODULE_DESCRIPTION("KUnit: nbpool against callers that break its rules");
MODULE_LICENSE("GPL");
