/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the KUnit suites and the stock-kernel self-test: the pool under
 * concurrency. Cross-CPU traffic (kthreads on every CPU allocating and
 * freeing each other's packets, single and bulk, in process and BH
 * context, some through skbs), and teardowns racing frees on another CPU
 * with skbs sitting in a socket queue. The KUnit long suite runs them on
 * the debug kernel's checkers; the self-test runs them on the stock 6.1
 * kernel, where NAPI cannot own a pool and every allocation takes the lock.
 */
#ifndef _NBPOOL_TEST_STRESS_H
#define _NBPOOL_TEST_STRESS_H

#include <linux/kthread.h>
#include <linux/ptr_ring.h>
#include <linux/completion.h>
#include <linux/skbuff.h>
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/net.h>
#include <net/sock.h>
#include "nbpool.h"
#include "nbpool_internal.h"	/* to see the list packets come back on */
#include "nbpool_test_dma.h"

#define XCPU_BATCH	8

struct nbpool_xcpu {
	struct nbpool *pool;
	u64 target;			/* stop after this many alloc/free operations */
	struct ptr_ring handoff;	/* packets allocated on one CPU, freed on another */
	atomic_t running;
	struct completion done;
	atomic64_t ops;
	atomic_t list_seen;		/* times a free left the lockless list non-empty */
};

static inline void nbpool_xcpu_drain(struct nbpool_xcpu *ctx, unsigned int max, bool bulk)
{
	struct nbpool_packet *batch[XCPU_BATCH];
	unsigned int n = 0, i;

	while (n < max && n < XCPU_BATCH && (batch[n] = ptr_ring_consume_bh(&ctx->handoff)))
		n++;
	if (bulk)
		nbpool_free_bulk(batch, n);
	else
		for (i = 0; i < n; i++)
			nbpool_free(batch[i]);
	atomic64_add(n, &ctx->ops);
}

static inline int nbpool_xcpu_worker(void *arg)
{
	struct nbpool_xcpu *ctx = arg;
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
		/* Frees in process and in BH context. */
		if (i & 4) {
			local_bh_disable();
			nbpool_xcpu_drain(ctx, XCPU_BATCH, i & 2);
			if (!llist_empty(&ctx->pool->remote))
				atomic_inc(&ctx->list_seen);
			local_bh_enable();
		} else {
			nbpool_xcpu_drain(ctx, XCPU_BATCH, i & 2);
		}
		if (!(i % 64))
			cond_resched();
	}
	if (atomic_dec_and_test(&ctx->running))
		complete(&ctx->done);
	return 0;
}

/*
 * nbpool_stress_cross_cpu() - @target operations on @pool from every CPU
 *
 * Context: process context; sleeps. Every packet is back when it returns.
 * Return: 0, or a negative errno if the run could not be set up or hung.
 */
static inline int nbpool_stress_cross_cpu(struct nbpool_xcpu *ctx, struct nbpool *pool, u64 target)
{
	unsigned int cpu;
	int err;

	memset(ctx, 0, sizeof(*ctx));
	ctx->pool = pool;
	ctx->target = target;
	err = ptr_ring_init(&ctx->handoff, 256, GFP_KERNEL);
	if (err)
		return err;
	init_completion(&ctx->done);
	atomic_set(&ctx->running, num_online_cpus());
	for_each_online_cpu(cpu) {
		struct task_struct *t = kthread_create_on_cpu(nbpool_xcpu_worker, ctx, cpu,
							      "nbpool-x/%u");

		if (IS_ERR(t)) {
			/* The others stop at once; then account for this one. */
			ctx->target = 0;
			if (atomic_dec_and_test(&ctx->running))
				complete(&ctx->done);
			err = PTR_ERR(t);
			continue;
		}
		wake_up_process(t);
	}
	if (!wait_for_completion_timeout(&ctx->done, 1800 * HZ))
		return -ETIMEDOUT;	/* the kthreads still use ctx: leak it */
	while (!__ptr_ring_empty(&ctx->handoff))
		nbpool_xcpu_drain(ctx, XCPU_BATCH, false);
	ptr_ring_cleanup(&ctx->handoff, NULL);
	return err;
}

#define RACE_HELD	6
#define RACE_LENT	4

struct nbpool_race {
	struct nbpool_packet *held[RACE_HELD];
	unsigned int delay_us;
	bool bh;		/* free with BH off */
	struct completion done;
};

/* The driver's other CPU, still completing packets while the pool goes. */
static inline int nbpool_race_freer(void *arg)
{
	struct nbpool_race *r = arg;
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

/*
 * nbpool_stress_teardown_race() - one pool destroyed while another CPU frees
 * its packets and a socket holds skbs built on its buffers
 * @p: the pool's parameters (name included)
 * @cpu: the CPU the frees run on
 * @bh: free with BH off
 * @iommu: the device sits behind a strict IOMMU: check the lent buffers
 *	are unmapped when nbpool_destroy() returns
 * @still_mapped: incremented per lent buffer the device could still reach
 *
 * Context: process context; sleeps.
 * Return: 0, or a negative errno if the round could not be set up.
 */
static inline int nbpool_stress_teardown_race(struct nbpool_race *r, const struct nbpool_params *p,
					      unsigned int cpu, bool bh, bool iommu,
					      unsigned int *still_mapped)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(p->dev);
	dma_addr_t dma[RACE_LENT];
	struct task_struct *t;
	struct socket *sock;
	struct nbpool *pool;
	unsigned int i;
	int err;

	pool = nbpool_create(p);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = sock_create_kern(&init_net, PF_PACKET, SOCK_RAW, 0, &sock);
	if (err)
		goto destroy;
	err = -ENOMEM;
	for (i = 0; i < RACE_HELD; i++) {
		r->held[i] = nbpool_alloc(pool, GFP_KERNEL);
		if (!r->held[i])
			goto release;	/* cannot happen: the pool has 16 */
	}
	/* skbs built on pool buffers, waiting in a socket's receive queue */
	for (i = 0; i < RACE_LENT; i++) {
		struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_KERNEL);
		struct sk_buff *skb;

		if (!pkt)
			goto release;
		nbpool_packet_set_len(pkt, 100 + i);
		dma[i] = nbpool_packet_dma_addr(pkt);
		skb = nbpool_packet_to_skb(pkt);
		if (!skb)
			goto release;
		skb_set_owner_r(skb, sock->sk);	/* charged like a received skb */
		skb_queue_tail(&sock->sk->sk_receive_queue, skb);
	}

	r->bh = bh;
	r->delay_us = get_random_u32_below(200);
	init_completion(&r->done);
	t = kthread_create_on_cpu(nbpool_race_freer, r, cpu, "nbpool-race/%u");
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto release;
	}
	wake_up_process(t);
	udelay(get_random_u32_below(200));
	nbpool_destroy(pool);		/* races the frees on the other CPU */
	if (iommu && dom)
		for (i = 0; i < RACE_LENT; i++)
			*still_mapped += !!iommu_iova_to_phys(dom, dma[i]);
	wait_for_completion(&r->done);
	sock_release(sock);		/* frees the queued skbs */
	return 0;

release:
	sock_release(sock);
destroy:
	nbpool_destroy(pool);
	return err;
}

#endif
