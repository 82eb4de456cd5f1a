// SPDX-License-Identifier: GPL-2.0
/*
 * Suite nbpool_long (module nbpool_kunit_long): long runs on 4 vCPUs with
 * lockdep, KASAN and kmemleak on: cross-CPU operations, and teardowns racing
 * frees on another CPU and skbs sitting in a socket queue. make check runs
 * a million operations and 100 races; make check-full ten million and 1000
 * (the module parameters ops and races).
 */
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/skbuff.h>
#include <linux/iommu.h>
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/net.h>
#include <net/sock.h>
#include "nbpool_test.h"

static unsigned long ops = 1000000;
module_param(ops, ulong, 0444);
MODULE_PARM_DESC(ops, "cross-CPU operations in nbpool_long_cross_cpu");
static unsigned int races = 100;
module_param(races, uint, 0444);
MODULE_PARM_DESC(races, "teardown races in nbpool_long_teardown_races");

#define RACE_HELD	6
#define RACE_LENT	4

static void nbpool_long_cross_cpu(struct kunit *test)
{
	/* With a NAPI: BH frees take the lockless list, the rest the lock. */
	nbpool_test_cross_cpu(test, 1024, ops, true);
}

struct race {
	struct nbpool_packet *held[RACE_HELD];
	unsigned int delay_us;
	bool bh;		/* free with BH off: the lockless list */
	struct completion done;
};

/* The driver's other CPU, still completing packets while the pool goes. */
static int race_freer(void *arg)
{
	struct race *r = arg;
	unsigned int i;

	udelay(r->delay_us);
	for (i = 0; i < RACE_HELD; i++) {
		if (r->bh)
			local_bh_disable();
		nbpool_free(r->held[i]);
		if (r->bh)
			local_bh_enable();
		udelay(get_random_u32_below(20));
	}
	complete(&r->done);
	return 0;
}

static void nbpool_long_teardown_races(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 16, 2048, DMA_FROM_DEVICE);
	struct iommu_domain *dom = iommu_get_domain_for_dev(p.dev);
	unsigned int round, cpu, still_mapped = 0, not_freed = 0;
	struct race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct napi_struct *napi = nbpool_test_idle_napi(test);
	char name[24];

	KUNIT_ASSERT_NOT_NULL(test, r);
	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	KUNIT_ASSERT_LT(test, cpu, nr_cpu_ids);

	for (round = 0; round < races; round++) {
		dma_addr_t dma[RACE_LENT];
		struct task_struct *t;
		struct socket *sock;
		struct nbpool *pool;
		unsigned int i;

		snprintf(name, sizeof(name), "race-%u", round);
		p.name = name;
		/* Every other round the frees race the teardown on the lockless list. */
		r->bh = round & 1;
		p.napi = r->bh ? napi : NULL;
		pool = nbpool_create(&p);
		KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
		KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, PF_PACKET, SOCK_RAW, 0, &sock),
				0);
		for (i = 0; i < RACE_HELD; i++) {
			r->held[i] = nbpool_alloc(pool, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, r->held[i]);
		}
		/* skbs built on pool buffers, waiting in a socket's receive queue */
		for (i = 0; i < RACE_LENT; i++) {
			struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_KERNEL);
			struct sk_buff *skb;

			KUNIT_ASSERT_NOT_NULL(test, pkt);
			nbpool_packet_set_len(pkt, 100 + i);
			dma[i] = nbpool_packet_dma_addr(pkt);
			skb = nbpool_packet_to_skb(pkt);
			KUNIT_ASSERT_NOT_NULL(test, skb);
			skb_set_owner_r(skb, sock->sk);	/* charged like a received skb */
			skb_queue_tail(&sock->sk->sk_receive_queue, skb);
		}

		r->delay_us = get_random_u32_below(200);
		init_completion(&r->done);
		t = kthread_create_on_cpu(race_freer, r, cpu, "nbpool-race/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		wake_up_process(t);
		udelay(get_random_u32_below(200));
		nbpool_destroy(pool);		/* races the frees on the other CPU */
		if (nbpool_test_iommu() && dom)
			for (i = 0; i < RACE_LENT; i++)
				still_mapped += !!iommu_iova_to_phys(dom, dma[i]);
		wait_for_completion(&r->done);
		sock_release(sock);		/* frees the queued skbs */
	}
	/* Every destroyed pool is freed once its buffers are back. */
	for (round = 0; round < races; round++) {
		snprintf(name, sizeof(name), "race-%u", round);
		not_freed += !nbpool_test_wait_freed(name, 5000);
	}
	KUNIT_EXPECT_EQ(test, still_mapped, 0U);
	KUNIT_EXPECT_EQ(test, not_freed, 0U);
	kunit_info(test, "%u teardown races run\n", races);
}

static struct kunit_case nbpool_long_cases[] = {
	KUNIT_CASE_SLOW(nbpool_long_teardown_races),
	KUNIT_CASE_SLOW(nbpool_long_cross_cpu),
	{}
};

static struct kunit_suite nbpool_long_suite = {
	.name = "nbpool_long",
	.test_cases = nbpool_long_cases,
};
kunit_test_suite(nbpool_long_suite);

MODULE_DESCRIPTION("KUnit: nbpool's long cross-CPU runs and teardown races");
MODULE_LICENSE("GPL");
