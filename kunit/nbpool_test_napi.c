// SPDX-License-Identifier: GPL-2.0
/*
 * Suite nbpool_napi: the owning NAPI poll's lockless path. The test bodies
 * run inside a real NAPI poll (softirq, scheduled on this CPU), so
 * nbpool_alloc() and nbpool_free() see the context a driver's RX path has.
 * Expectations inside the poll only record; assertions stay in the test thread.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/completion.h>
#include "nbpool_test.h"
#include "nbpool_internal.h"	/* to see the list packets come back on */

struct napi_harness {
	struct net_device *ndev;
	struct napi_struct napi;
	struct completion done;
	void (*body)(struct napi_harness *h);
	struct nbpool *pool;
	struct device *dev;
	struct nbpool_packet *pkts[256];
	unsigned int n;
	unsigned int failures;
	bool in_softirq;
};

static int napi_harness_poll(struct napi_struct *napi, int budget)
{
	struct napi_harness *h = container_of(napi, struct napi_harness, napi);

	h->in_softirq = in_softirq();
	h->body(h);
	napi_complete_done(napi, 0);
	complete(&h->done);
	return 0;
}

static void napi_harness_free(void *arg)
{
	struct napi_harness *h = arg;

	netif_napi_del(&h->napi);
	free_netdev(h->ndev);
}

/* Before the pool goes, as nbpool_destroy() wants. */
static void napi_harness_disable(void *arg)
{
	napi_disable(arg);
}

static struct napi_harness *napi_harness_new(struct kunit *test, unsigned int count)
{
	struct napi_harness *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct nbpool_params p = nbpool_test_params(test, count, 2048, DMA_FROM_DEVICE);

	KUNIT_ASSERT_NOT_NULL(test, h);
	init_completion(&h->done);
	h->ndev = alloc_netdev_dummy(0);
	KUNIT_ASSERT_NOT_NULL(test, h->ndev);
	netif_napi_add(h->ndev, &h->napi, napi_harness_poll);
	napi_enable(&h->napi);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, napi_harness_free, h));
	p.napi = &h->napi;
	p.netdev = h->ndev;
	p.max_buffers_per_packet = 4;
	h->pool = nbpool_test_create(test, &p);
	h->dev = p.dev;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, napi_harness_disable, &h->napi));
	return h;
}

/* Run @body once as the NAPI poll, on this CPU, and wait for it. */
static void napi_harness_run(struct kunit *test, struct napi_harness *h,
			     void (*body)(struct napi_harness *h))
{
	h->body = body;
	h->failures = 0;
	reinit_completion(&h->done);
	local_bh_disable();
	napi_schedule(&h->napi);
	local_bh_enable();
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&h->done, 10 * HZ) > 0);
	KUNIT_EXPECT_TRUE(test, h->in_softirq);
	KUNIT_EXPECT_EQ(test, h->failures, 0U);
}

static void body_alloc_all(struct napi_harness *h)
{
	unsigned int i, cap = nbpool_buffer_count(h->pool);

	for (i = 0; i < cap; i++) {
		h->pkts[i] = nbpool_alloc(h->pool, GFP_ATOMIC);
		h->failures += !h->pkts[i];
	}
	h->failures += nbpool_alloc(h->pool, GFP_ATOMIC) != NULL;	/* exhausted */
	nbpool_free(h->pkts[3]);
	h->pkts[3] = nbpool_alloc(h->pool, GFP_ATOMIC);
	h->failures += !h->pkts[3];
	h->n = cap;
}

static void body_free_all(struct napi_harness *h)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		nbpool_free(h->pkts[i]);
	h->n = 0;
}

/* Capacity is exact on the fast path too, and the books balance. */
static void nbpool_napi_capacity(struct kunit *test)
{
	struct napi_harness *h = napi_harness_new(test, 200);
	struct nbpool_stats st;

	napi_harness_run(test, h, body_alloc_all);
	nbpool_test_expect_books(test, h->pool, 200, 0);
	nbpool_get_stats(h->pool, &st);
	KUNIT_EXPECT_EQ(test, st.alloc_fail, 1ULL);
	napi_harness_run(test, h, body_free_all);
	nbpool_test_expect_books(test, h->pool, 0, 0);
	nbpool_get_stats(h->pool, &st);
	KUNIT_EXPECT_EQ(test, st.buffers_free, 200ULL);
	KUNIT_EXPECT_EQ(test, st.allocs, 201ULL);
	KUNIT_EXPECT_EQ(test, st.alloc_fast, 201ULL);	/* all on the lockless path */
	KUNIT_EXPECT_EQ(test, st.frees, 201ULL);
}

/* Allocated in the poll, freed from process context (the locked path). */
static void nbpool_napi_remote_free(struct kunit *test)
{
	struct napi_harness *h = napi_harness_new(test, 100);
	unsigned int i;

	napi_harness_run(test, h, body_alloc_all);
	for (i = 0; i < h->n; i++)
		nbpool_free(h->pkts[i]);
	nbpool_test_expect_books(test, h->pool, 0, 0);
	/* And the poll can have them all again. */
	napi_harness_run(test, h, body_alloc_all);
	napi_harness_run(test, h, body_free_all);
	nbpool_test_expect_drain(test, h->pool, 0, 0);
}

/*
 * Freed with BH off but outside the poll: onto the pool's lockless remote
 * list, which the poll's next refill takes back.
 */
static void nbpool_napi_remote_free_bh(struct kunit *test)
{
	struct napi_harness *h = napi_harness_new(test, 100);
	struct nbpool_stats st;
	unsigned int i;

	napi_harness_run(test, h, body_alloc_all);
	local_bh_disable();
	for (i = 0; i < h->n; i++)
		nbpool_free(h->pkts[i]);
	local_bh_enable();
	KUNIT_EXPECT_FALSE(test, llist_empty(&h->pool->remote));
	/* Every buffer is on the list now: the poll gets them all only by taking it. */
	napi_harness_run(test, h, body_alloc_all);
	KUNIT_EXPECT_TRUE(test, llist_empty(&h->pool->remote));
	napi_harness_run(test, h, body_free_all);
	nbpool_test_expect_books(test, h->pool, 0, 0);
	nbpool_get_stats(h->pool, &st);
	KUNIT_EXPECT_EQ(test, st.bad_calls, 0ULL);
	KUNIT_EXPECT_EQ(test, st.allocs, 202ULL);
	KUNIT_EXPECT_EQ(test, st.frees, 202ULL);
}

static void body_rx(struct napi_harness *h)
{
	unsigned int i;

	for (i = 0; i < 64; i++) {
		struct nbpool_packet *pkt = nbpool_alloc(h->pool, GFP_ATOMIC);
		struct sk_buff *skb;

		if (!pkt) {
			h->failures++;
			continue;
		}
		memset(nbpool_test_device_view(h->dev, nbpool_packet_dma_addr(pkt)), i, 128);
		h->failures += nbpool_packet_set_len(pkt, 128) != 0;
		skb = nbpool_packet_to_skb(pkt);
		if (!skb || skb->data[127] != (u8)i) {
			h->failures++;
			continue;
		}
		napi_consume_skb(skb, 64);	/* as a driver's poll frees */
	}
}

/* RX as a driver does it: alloc, build the skb, the stack frees it. */
static void nbpool_napi_rx_cycle(struct kunit *test)
{
	struct napi_harness *h = napi_harness_new(test, 128);
	struct nbpool_stats st;
	unsigned int round;

	for (round = 0; round < 10; round++)
		napi_harness_run(test, h, body_rx);
	nbpool_get_stats(h->pool, &st);
	KUNIT_EXPECT_EQ(test, st.buffers_free, 128ULL);
	KUNIT_EXPECT_EQ(test, st.buffers_stack, 0ULL);
	KUNIT_EXPECT_EQ(test, st.lent + st.rx_copies, 640ULL);
	nbpool_test_expect_drain(test, h->pool, 0, 0);
}

static void body_bulk(struct napi_harness *h)
{
	unsigned int cap = nbpool_buffer_count(h->pool);

	/* More than the cache holds, then one more than the pool has. */
	h->n = nbpool_alloc_bulk(h->pool, h->pkts, cap, GFP_ATOMIC);
	h->failures += h->n != cap;
	h->failures += nbpool_alloc_bulk(h->pool, h->pkts + cap, 1, GFP_ATOMIC) != 0;
	nbpool_free_bulk(h->pkts, h->n);
	h->n = 0;
}

/* Bulk calls in the poll go through the lockless cache too. */
static void nbpool_napi_bulk(struct kunit *test)
{
	struct napi_harness *h = napi_harness_new(test, 150);
	struct nbpool_stats st;

	napi_harness_run(test, h, body_bulk);
	nbpool_get_stats(h->pool, &st);
	KUNIT_EXPECT_EQ(test, st.allocs, 150ULL);
	KUNIT_EXPECT_EQ(test, st.alloc_fast, 150ULL);
	KUNIT_EXPECT_EQ(test, st.alloc_fail, 1ULL);
	KUNIT_EXPECT_EQ(test, st.buffers_free, 150ULL);
	nbpool_test_expect_drain(test, h->pool, 0, 0);
}

/*
 * Packets in the owner's cache are free: when its NAPI is idle (threaded,
 * busy-polled, or just quiet), everyone else can still have them. A caller
 * that may sleep gets them at once; one that may not gets them from a
 * later call, once the pool has taken them back.
 */
static void nbpool_napi_cache_reachable(struct kunit *test)
{
	struct napi_harness *h = napi_harness_new(test, 64);
	struct nbpool_packet *pkts[64];
	unsigned int n;

	napi_harness_run(test, h, body_alloc_all);
	napi_harness_run(test, h, body_free_all);
	KUNIT_EXPECT_GT(test, READ_ONCE(h->pool->cache.count), 0U);
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(h->pool, pkts, 64, GFP_KERNEL), 64U);
	nbpool_free_bulk(pkts, 64);

	napi_harness_run(test, h, body_alloc_all);
	napi_harness_run(test, h, body_free_all);
	KUNIT_EXPECT_GT(test, READ_ONCE(h->pool->cache.count), 0U);
	n = nbpool_alloc_bulk(h->pool, pkts, 64, GFP_ATOMIC);
	nbpool_free_bulk(pkts, n);
	flush_work(&h->pool->take_back_work);
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(h->pool, pkts, 64, GFP_ATOMIC), 64U);
	nbpool_free_bulk(pkts, 64);
	nbpool_test_expect_drain(test, h->pool, 0, 0);
}

/*
 * Chains built and freed in the poll, one at a time and in bulk: the
 * owner's cache takes only one-buffer packets, the rest go home.
 */
static void body_chains(struct napi_harness *h)
{
	unsigned int i;

	h->n = nbpool_alloc_bulk(h->pool, h->pkts, 12, GFP_ATOMIC);
	h->failures += h->n != 12;
	for (i = 0; i < 12; i += 4) {
		h->failures += nbpool_packet_append(h->pkts[i], h->pkts[i + 1]) != 0;
		h->failures += nbpool_packet_append(h->pkts[i], h->pkts[i + 2]) != 0;
		h->failures += nbpool_packet_add_buffer(h->pkts[i], GFP_ATOMIC) != 0;
		h->failures += nbpool_packet_buffers(h->pkts[i]) != 4;
	}
	h->failures += nbpool_free(h->pkts[0]) != 0;
	h->pkts[1] = h->pkts[4];
	h->pkts[2] = h->pkts[8];
	h->pkts[4] = h->pkts[7];
	h->pkts[5] = h->pkts[11];
	h->failures += nbpool_free_bulk(h->pkts + 1, 5) != 0;
	h->n = 0;
}

static void nbpool_napi_chains(struct kunit *test)
{
	struct napi_harness *h = napi_harness_new(test, 32);

	napi_harness_run(test, h, body_chains);
	nbpool_test_expect_drain(test, h->pool, 0, 0);
}

static struct kunit_case nbpool_napi_cases[] = {
	KUNIT_CASE(nbpool_napi_chains),
	KUNIT_CASE(nbpool_napi_cache_reachable),
	KUNIT_CASE(nbpool_napi_bulk),
	KUNIT_CASE(nbpool_napi_capacity),
	KUNIT_CASE(nbpool_napi_remote_free),
	KUNIT_CASE(nbpool_napi_remote_free_bh),
	KUNIT_CASE(nbpool_napi_rx_cycle),
	{}
};

static struct kunit_suite nbpool_napi_suite = {
	.name = "nbpool_napi",
	.test_cases = nbpool_napi_cases,
};
kunit_test_suite(nbpool_napi_suite);
