// SPDX-License-Identifier: GPL-2.0
/* Suite nbpool_threads: frees from other CPUs, and teardown with buffers out. */
#include <linux/kthread.h>
#include <linux/ptr_ring.h>
#include <linux/completion.h>
#include <linux/skbuff.h>
#include <linux/iommu.h>
#include <linux/io.h>
#include "nbpool_test.h"
#include "nbpool_internal.h"	/* to see the remote-free list */

#define XCPU_BATCH	8

struct xcpu_ctx {
	struct nbpool *pool;
	u64 target;			/* stop after this many alloc/free operations */
	struct ptr_ring handoff;	/* packets allocated on one CPU, freed on another */
	atomic_t running;
	struct completion done;
	atomic64_t ops;
	atomic_t list_seen;		/* times a BH free left the remote list non-empty */
};

static void xcpu_drain(struct xcpu_ctx *ctx, unsigned int max, bool bulk)
{
	struct nbpool_packet *batch[XCPU_BATCH];
	unsigned int n = 0;

	while (n < max && n < XCPU_BATCH && (batch[n] = ptr_ring_consume_bh(&ctx->handoff)))
		n++;
	if (bulk) {
		nbpool_free_bulk(batch, n);
	} else {
		unsigned int i;

		for (i = 0; i < n; i++)
			nbpool_free(batch[i]);
	}
	atomic64_add(n, &ctx->ops);
}

static int xcpu_worker(void *arg)
{
	struct xcpu_ctx *ctx = arg;
	struct nbpool_packet *batch[XCPU_BATCH];
	unsigned int i, j, n;

	for (i = 0; atomic64_read(&ctx->ops) < ctx->target; i++) {
		/* Alternate single and bulk, process and BH context. */
		if (i & 1) {
			n = nbpool_alloc_bulk(ctx->pool, batch, XCPU_BATCH, GFP_KERNEL);
		} else {
			local_bh_disable();
			batch[0] = nbpool_alloc(ctx->pool, GFP_ATOMIC);
			local_bh_enable();
			n = !!batch[0];
		}
		atomic64_add(n, &ctx->ops);
		for (j = 0; j < n; j++) {
			struct sk_buff *skb;

			nbpool_packet_set_len(batch[j], 64 + j);
			/* Now and then through an skb, freed from process context. */
			skb = (i + j) % 16 ? NULL : nbpool_packet_to_skb(batch[j]);
			if (skb) {
				kfree_skb(skb);
				atomic64_inc(&ctx->ops);
				continue;
			}
			/* Ring full: free it here instead of handing it over. */
			if (ptr_ring_produce_bh(&ctx->handoff, batch[j])) {
				nbpool_free(batch[j]);
				atomic64_inc(&ctx->ops);
			}
		}
		/* Frees in process and in BH context: the pool lock's two ways. */
		if (i & 4) {
			local_bh_disable();
			xcpu_drain(ctx, XCPU_BATCH, i & 2);
			if (!llist_empty(&ctx->pool->remote_frees))
				atomic_inc(&ctx->list_seen);
			local_bh_enable();
		} else {
			xcpu_drain(ctx, XCPU_BATCH, i & 2);
		}
		if (!(i % 64))
			cond_resched();
	}
	if (atomic_dec_and_test(&ctx->running))
		complete(&ctx->done);
	return 0;
}

/*
 * Kthreads on every CPU allocate (single and bulk, process and BH context)
 * and hand packets to each other to free, some through skbs, until @target
 * operations are done. Then every count balances and each buffer can be
 * allocated again exactly once.
 */
void nbpool_test_cross_cpu(struct kunit *test, unsigned int count, u64 target, bool with_napi)
{
	struct nbpool_params p = nbpool_test_params(test, count, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet **pkts;
	unsigned long *seen;
	struct xcpu_ctx *ctx;
	struct nbpool_stats st;
	unsigned int cpu, i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	pkts = kunit_kcalloc(test, count, sizeof(*pkts), GFP_KERNEL);
	seen = kunit_kcalloc(test, BITS_TO_LONGS(count), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_NOT_NULL(test, pkts);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	if (with_napi)
		p.napi = nbpool_test_idle_napi(test);
	ctx->pool = nbpool_test_create(test, &p);
	ctx->target = target;
	KUNIT_ASSERT_EQ(test, ptr_ring_init(&ctx->handoff, 256, GFP_KERNEL), 0);
	init_completion(&ctx->done);
	atomic_set(&ctx->running, num_online_cpus());

	for_each_online_cpu(cpu) {
		struct task_struct *t = kthread_create_on_cpu(xcpu_worker, ctx, cpu, "nbpool-x/%u");

		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		wake_up_process(t);
	}
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&ctx->done, 1800 * HZ) > 0);
	while (!__ptr_ring_empty(&ctx->handoff))
		xcpu_drain(ctx, XCPU_BATCH, false);
	ptr_ring_cleanup(&ctx->handoff, NULL);

	nbpool_get_stats(ctx->pool, &st);
	KUNIT_EXPECT_EQ(test, st.allocs, st.frees + st.lent);
	KUNIT_EXPECT_EQ(test, st.buffers_free, (u64)count);
	KUNIT_EXPECT_EQ(test, st.packets_free, (u64)count);
	KUNIT_EXPECT_GE(test, (u64)atomic64_read(&ctx->ops), target);
	/* Which way BH frees went: the lockless list only with a NAPI. */
	if (with_napi)
		KUNIT_EXPECT_GT(test, atomic_read(&ctx->list_seen), 0);
	else
		KUNIT_EXPECT_EQ(test, atomic_read(&ctx->list_seen), 0);
	nbpool_test_expect_books(test, ctx->pool, 0, 0);

	/* The free list holds each buffer exactly once. */
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(ctx->pool, pkts, count, GFP_KERNEL), count);
	KUNIT_EXPECT_NULL(test, nbpool_alloc(ctx->pool, GFP_KERNEL));
	for (i = 0; i < count; i++)
		KUNIT_EXPECT_FALSE(test, __test_and_set_bit(nbpool_packet_buffer_index(pkts[i]), seen));
	nbpool_free_bulk(pkts, count);
	kunit_info(test, "%llu alloc/free operations on %u CPUs, %llu through skbs\n",
		   (u64)atomic64_read(&ctx->ops), num_online_cpus(), st.lent);
}
EXPORT_SYMBOL_GPL(nbpool_test_cross_cpu);

static void nbpool_threads_cross_cpu(struct kunit *test)
{
	nbpool_test_cross_cpu(test, 512, 50000, false);	/* BH frees take the lock */
}

/* Destroy with packets in the driver's hands; freeing them later frees the pool. */
static void nbpool_threads_destroy_held(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 16, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *pkts[10];
	struct nbpool *pool;

	p.name = "kunit-destroy-held";
	pool = nbpool_create(&p);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	KUNIT_ASSERT_EQ(test, nbpool_alloc_bulk(pool, pkts, 10, GFP_KERNEL), 10U);
	KUNIT_EXPECT_EQ(test, nbpool_test_count_held(pool, NBPOOL_HOLDER_DRIVER), 10);
	nbpool_free(pkts[9]);
	KUNIT_EXPECT_EQ(test, nbpool_test_count_held(pool, NBPOOL_HOLDER_DRIVER), 9);
	nbpool_destroy(pool);
	/* Still listed after destroy: that is where a leak is looked for. */
	KUNIT_EXPECT_EQ(test, nbpool_test_count_held(pool, NBPOOL_HOLDER_DRIVER), 9);
	KUNIT_EXPECT_NULL(test, nbpool_alloc(pool, GFP_KERNEL));	/* no new packets */
	KUNIT_EXPECT_FALSE(test, nbpool_test_wait_freed(p.name, 300));
	nbpool_free_bulk(pkts, 9);
	KUNIT_EXPECT_TRUE(test, nbpool_test_wait_freed(p.name, 5000));
}

/* Destroy with skbs in flight: mappings go at once, memory when the skbs go. */
static void nbpool_threads_destroy_lent(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 8, 2048, DMA_FROM_DEVICE);
	struct iommu_domain *dom = iommu_get_domain_for_dev(p.dev);
	struct sk_buff *skbs[4];
	dma_addr_t dma[4];
	struct nbpool *pool;
	unsigned int i;

	p.name = "kunit-destroy-lent";
	pool = nbpool_create(&p);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	for (i = 0; i < 4; i++) {
		struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, pkt);
		memset(nbpool_test_device_view(p.dev, nbpool_packet_dma_addr(pkt)), i, 500);
		KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, 500), 0);
		dma[i] = nbpool_packet_dma_addr(pkt);
		if (nbpool_test_iommu())
			KUNIT_EXPECT_EQ(test, nbpool_test_dma_to_phys(p.dev, dma[i]),
					virt_to_phys(nbpool_packet_data(pkt)));
		skbs[i] = nbpool_packet_to_skb(pkt);
		KUNIT_ASSERT_NOT_NULL(test, skbs[i]);
	}
	KUNIT_EXPECT_EQ(test, nbpool_test_count_held(pool, NBPOOL_HOLDER_STACK), 4);
	nbpool_destroy(pool);
	/* The device can no longer reach the buffers the stack still holds. */
	if (nbpool_test_iommu() && dom)
		for (i = 0; i < 4; i++)
			KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, dma[i]), (phys_addr_t)0);
	KUNIT_EXPECT_FALSE(test, nbpool_test_wait_freed(p.name, 300));
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, skbs[i]->data[499], (u8)i);	/* memory still valid */
		kfree_skb(skbs[i]);
	}
	KUNIT_EXPECT_TRUE(test, nbpool_test_wait_freed(p.name, 5000));
}

static struct kunit_case nbpool_threads_cases[] = {
	KUNIT_CASE(nbpool_threads_cross_cpu),
	KUNIT_CASE(nbpool_threads_destroy_held),
	KUNIT_CASE(nbpool_threads_destroy_lent),
	{}
};

static struct kunit_suite nbpool_threads_suite = {
	.name = "nbpool_threads",
	.test_cases = nbpool_threads_cases,
};
kunit_test_suite(nbpool_threads_suite);
