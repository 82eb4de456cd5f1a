// SPDX-License-Identifier: GPL-2.0
/* Suite nbpool_threads: frees from other CPUs, and teardown with buffers out. */
#include <linux/kthread.h>
#include <linux/ptr_ring.h>
#include <linux/completion.h>
#include <linux/skbuff.h>
#include <linux/iommu.h>
#include <linux/io.h>
#include "nbpool_test.h"
#include "nbpool_test_stress.h"

/*
 * Kthreads on every CPU allocate (single and bulk, process and BH context)
 * and hand packets to each other to free, some through skbs, until @target
 * operations are done. Then every count balances and each buffer can be
 * allocated again exactly once.
 */
void nbpool_test_cross_cpu(struct kunit *test, unsigned int count, u64 target, bool with_napi)
{
	struct nbpool_params p = nbpool_test_params(test, count, 2048, DMA_FROM_DEVICE);
	struct nbpool_xcpu *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	struct nbpool_stats st;
	struct nbpool *pool;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	if (with_napi)
		p.napi = nbpool_test_idle_napi(test);
	pool = nbpool_test_create(test, &p);
	err = nbpool_stress_cross_cpu(ctx, pool, target);
	KUNIT_ASSERT_EQ(test, err, 0);	/* on -ETIMEDOUT ctx is leaked: kthreads use it */

	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.allocs, st.frees + st.lent);
	KUNIT_EXPECT_GE(test, (u64)atomic64_read(&ctx->ops), target);
	/* No poll owns the pool: every free went through the lockless list. */
	KUNIT_EXPECT_GT(test, atomic_read(&ctx->list_seen), 0);
	kunit_info(test, "%llu alloc/free operations on %u CPUs, %llu through skbs\n",
		   (u64)atomic64_read(&ctx->ops), num_online_cpus(), st.lent);
	kfree(ctx);
	/* Every buffer can be allocated again, exactly once each. */
	nbpool_test_expect_drain(test, pool, 0, 0);
}
EXPORT_SYMBOL_GPL(nbpool_test_cross_cpu);

static void nbpool_threads_cross_cpu(struct kunit *test)
{
	nbpool_test_cross_cpu(test, 512, 50000, false);
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
