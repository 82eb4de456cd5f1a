// SPDX-License-Identifier: GPL-2.0
/* Suite nbpool_capacity: the bound is exact, bulk calls and the blocking alloc. */
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/ethtool.h>
#include "nbpool_test.h"

/* Allocate buffer_count, the next fails and counts, free one, alloc works. */
static void nbpool_capacity_exact(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 100, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *pkts[100], *extra;
	struct nbpool_stats st;
	struct nbpool *pool;
	unsigned int i;

	pool = nbpool_test_create(test, &p);
	for (i = 0; i < 100; i++) {
		pkts[i] = nbpool_alloc(pool, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pkts[i]);
	}
	KUNIT_EXPECT_NULL(test, nbpool_alloc(pool, GFP_ATOMIC));
	KUNIT_EXPECT_NULL(test, nbpool_alloc(pool, GFP_KERNEL));
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.alloc_fail, 2ULL);
	KUNIT_EXPECT_EQ(test, st.alloc_fast, 0ULL);	/* no NAPI: locked path */
	KUNIT_EXPECT_EQ(test, st.buffers_free, 0ULL);
	nbpool_test_expect_books(test, pool, 100, 0);

	nbpool_free(pkts[37]);
	extra = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, extra);
	/* The freed descriptor and buffer are the ones reused. */
	KUNIT_EXPECT_EQ(test, nbpool_packet_index(extra), 37U);
	KUNIT_EXPECT_EQ(test, nbpool_packet_len(extra), 0U);
	pkts[37] = extra;
	KUNIT_EXPECT_NULL(test, nbpool_alloc(pool, GFP_KERNEL));
	nbpool_free_bulk(pkts, 100);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* Fewer descriptors than buffers: descriptors run out first. */
static void nbpool_capacity_packets(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 8, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *pkts[8];
	struct nbpool_stats st;
	struct nbpool *pool;
	unsigned int i;

	p.buffer_count = 32;
	pool = nbpool_test_create(test, &p);
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(pool, pkts, 8, GFP_KERNEL), 8U);
	KUNIT_EXPECT_NULL(test, nbpool_alloc(pool, GFP_KERNEL));
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.buffers_free, 24ULL);
	KUNIT_EXPECT_EQ(test, st.packets_free, 0ULL);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_LT(test, nbpool_packet_index(pkts[i]), 8U);
	nbpool_free_bulk(pkts, 8);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* A bulk request larger than what is free fills what it can. */
static void nbpool_capacity_bulk_partial(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 64, 1500, DMA_FROM_DEVICE);
	struct nbpool_packet *a[40], *b[40];
	struct nbpool_stats st;
	struct nbpool *pool;

	pool = nbpool_test_create(test, &p);
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(pool, a, 40, GFP_ATOMIC), 40U);
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(pool, b, 40, GFP_ATOMIC), 24U);
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(pool, b, 0, GFP_ATOMIC), 0U);
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.alloc_fail, 1ULL);
	nbpool_test_expect_books(test, pool, 64, 0);
	nbpool_free_bulk(b, 24);
	nbpool_free_bulk(a, 40);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* Packet metadata starts clean on every allocation. */
static void nbpool_capacity_metadata(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 1, 2048, DMA_BIDIRECTIONAL);
	struct nbpool_packet *pkt;
	struct nbpool *pool;

	p.headroom = 96;
	pool = nbpool_test_create(test, &p);
	pkt = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	KUNIT_EXPECT_PTR_EQ(test, nbpool_packet_pool(pkt), pool);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_len(pkt, 1000), 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_offset(pkt, 10), 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_set_len(pkt, nbpool_packet_capacity(pkt)), 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_offset(pkt) + nbpool_packet_len(pkt),
			2048 - nbpool_skb_tailroom());
	KUNIT_EXPECT_PTR_EQ(test, nbpool_packet_data(pkt), pkt->buf + 10);
	KUNIT_EXPECT_EQ(test, nbpool_packet_dma_addr(pkt), pkt->buf_dma + 10);
	nbpool_packet_set_link_header_len(pkt, 14);
	nbpool_packet_set_direction(pkt, NBPOOL_DIR_RX);
	nbpool_packet_set_timestamp(pkt, 12345);
	nbpool_packet_set_status(pkt, -EIO);
	KUNIT_EXPECT_EQ(test, nbpool_packet_link_header_len(pkt), 14);
	KUNIT_EXPECT_EQ(test, nbpool_packet_direction(pkt), NBPOOL_DIR_RX);
	KUNIT_EXPECT_EQ(test, nbpool_packet_timestamp(pkt), 12345ULL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_status(pkt), -EIO);
	nbpool_free(pkt);

	pkt = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	KUNIT_EXPECT_EQ(test, nbpool_packet_offset(pkt), 96U);
	KUNIT_EXPECT_EQ(test, nbpool_packet_len(pkt), 0U);
	KUNIT_EXPECT_EQ(test, nbpool_packet_link_header_len(pkt), 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_direction(pkt), NBPOOL_DIR_NONE);
	KUNIT_EXPECT_EQ(test, nbpool_packet_timestamp(pkt), 0ULL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_status(pkt), 0);
	nbpool_free(pkt);
}

static void nbpool_capacity_timeout(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 1, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *pkt, *again;
	struct nbpool *pool;
	unsigned long t0;

	pool = nbpool_test_create(test, &p);
	pkt = nbpool_alloc_timeout(pool, HZ);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pkt));
	t0 = jiffies;
	again = nbpool_alloc_timeout(pool, HZ / 10);
	KUNIT_EXPECT_EQ(test, PTR_ERR(again), (long)-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, jiffies - t0, (unsigned long)HZ / 10);
	nbpool_free(pkt);
}

struct delayed_free {
	struct nbpool_packet *pkt;
	unsigned int delay_ms;
};

static int nbpool_free_later(void *arg)
{
	struct delayed_free *df = arg;

	msleep(df->delay_ms);
	nbpool_free(df->pkt);
	return 0;
}

/* A blocked allocation is woken by a free from another thread. */
static void nbpool_capacity_blocking_woken(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 2, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *a, *b, *c;
	struct delayed_free df;
	struct task_struct *t;
	struct nbpool *pool;

	pool = nbpool_test_create(test, &p);
	a = nbpool_alloc(pool, GFP_KERNEL);
	b = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	df.pkt = b;
	df.delay_ms = 50;
	t = kthread_run(nbpool_free_later, &df, "nbpool-free-later");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	c = nbpool_alloc_timeout(pool, 10 * HZ);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c));
	KUNIT_EXPECT_EQ(test, nbpool_packet_index(c), nbpool_packet_index(b));
	nbpool_free(c);
	nbpool_free(a);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* What a driver feeds to ethtool -S: names and values in step. */
static void nbpool_capacity_ethtool(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 12, 2048, DMA_FROM_DEVICE);
	int i, n = nbpool_ethtool_stats_count();
	struct nbpool_packet *pkt;
	struct nbpool *pool;
	u8 *names;
	u64 *vals;

	KUNIT_ASSERT_EQ(test, n, (int)(sizeof(struct nbpool_stats) / sizeof(u64)));
	names = kunit_kzalloc(test, n * ETH_GSTRING_LEN, GFP_KERNEL);
	vals = kunit_kcalloc(test, n, sizeof(*vals), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, names);
	KUNIT_ASSERT_NOT_NULL(test, vals);
	pool = nbpool_test_create(test, &p);
	pkt = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	nbpool_ethtool_stats_strings(names, NULL);
	nbpool_ethtool_stats(pool, vals);
	for (i = 0; i < n; i++) {
		const char *name = (const char *)names + i * ETH_GSTRING_LEN;

		KUNIT_EXPECT_EQ(test, strncmp(name, "nbpool_", 7), 0);
		if (!strcmp(name, "nbpool_allocs"))
			KUNIT_EXPECT_EQ(test, vals[i], 1ULL);
		if (!strcmp(name, "nbpool_buffers"))
			KUNIT_EXPECT_EQ(test, vals[i], 12ULL);
		if (!strcmp(name, "nbpool_buffers_free"))
			KUNIT_EXPECT_EQ(test, vals[i], 11ULL);
		if (!strcmp(name, "nbpool_buffers_driver"))
			KUNIT_EXPECT_EQ(test, vals[i], 1ULL);
	}
	nbpool_free(pkt);
}

static struct kunit_case nbpool_capacity_cases[] = {
	KUNIT_CASE(nbpool_capacity_ethtool),
	KUNIT_CASE(nbpool_capacity_exact),
	KUNIT_CASE(nbpool_capacity_packets),
	KUNIT_CASE(nbpool_capacity_bulk_partial),
	KUNIT_CASE(nbpool_capacity_metadata),
	KUNIT_CASE(nbpool_capacity_timeout),
	KUNIT_CASE(nbpool_capacity_blocking_woken),
	{}
};

static struct kunit_suite nbpool_capacity_suite = {
	.name = "nbpool_capacity",
	.test_cases = nbpool_capacity_cases,
};
kunit_test_suite(nbpool_capacity_suite);
