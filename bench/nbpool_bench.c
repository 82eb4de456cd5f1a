// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool_bench: cost per operation of nbpool next to what a driver would do
 * without it, all in one boot on one CPU. Modelled on the kernel's page_pool
 * microbenchmark: tight loops in the context each path is meant for (the
 * owning NAPI poll for the fast paths), many iterations, time per operation.
 * Under QEMU's -icount shift=0 the guest clock advances one nanosecond per
 * instruction, so the same figures read as instructions per operation.
 *
 * Output, one line per measurement, for qemu/bench.sh to tabulate:
 *   NBPOOL-BENCH <case> <variant> <per-op> <unit-free number>
 */
#define pr_fmt(fmt) "NBPOOL-BENCH " fmt
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/vmstat.h>
#include <linux/filter.h>
#include <net/xdp.h>
#include "nbpool.h"
#include "nbpool_compat.h"

#define VIRTIO_NET_MODERN_ID	0x1041

static unsigned int loops = 200000;
module_param(loops, uint, 0444);
MODULE_PARM_DESC(loops, "iterations per measurement");

static struct device *dev;

struct napi_runner {
	struct net_device *ndev;
	struct napi_struct napi;
	struct completion done;
	void (*body)(struct napi_runner *r);
	void *arg;
	u64 ns;
};

static int runner_poll(struct napi_struct *napi, int budget)
{
	struct napi_runner *r = container_of(napi, struct napi_runner, napi);

	r->body(r);
	napi_complete_done(napi, 0);
	complete(&r->done);
	return 0;
}

/* Run @body as a real NAPI poll on this CPU and wait for it. */
static void run_in_napi(struct napi_runner *r, void (*body)(struct napi_runner *r), void *arg)
{
	r->body = body;
	r->arg = arg;
	reinit_completion(&r->done);
	local_bh_disable();
	napi_schedule(&r->napi);
	local_bh_enable();
	wait_for_completion(&r->done);
}

/*
 * The fastest of @reps runs of @body (the first also warms caches). Work on
 * the other vCPU, such as console output, adds to the guest clock under
 * -icount while a run is timed; it only ever adds, so the minimum is the
 * clean figure.
 */
static void best_in_napi(struct napi_runner *r, void (*body)(struct napi_runner *r), void *arg,
			 unsigned int reps)
{
	u64 best = U64_MAX;

	while (reps--) {
		run_in_napi(r, body, arg);
		best = min(best, r->ns);
	}
	r->ns = best;
}

static void report(const char *what, const char *variant, u64 ns, u64 ops)
{
	pr_info("%s %s %llu.%02llu\n", what, variant, div64_u64(ns, ops),
		div64_u64((ns % ops) * 100, ops));
}

static struct nbpool *bench_pool(struct napi_runner *r, unsigned int count,
				 unsigned int size, enum dma_data_direction dir,
				 unsigned int max_bufs, unsigned int headroom)
{
	struct nbpool_params p = {
		.dev = dev, .netdev = r ? r->ndev : NULL, .napi = r ? &r->napi : NULL,
		.name = "bench", .packet_count = count, .buffer_count = count,
		.buffer_size = size, .dma_dir = dir, .nid = NUMA_NO_NODE,
		.max_buffers_per_packet = max_bufs, .headroom = headroom,
	};
	struct nbpool *pool = nbpool_create(&p);

	return IS_ERR(pool) ? NULL : pool;
}

/* A new RX pool owned by @r's NAPI in place of @old, which goes while the NAPI is off. */
static struct nbpool *bench_repool(struct napi_runner *r, struct nbpool *old, unsigned int count,
				   unsigned int size, unsigned int max_bufs, unsigned int headroom)
{
	napi_disable(&r->napi);
	nbpool_destroy(old);
	napi_enable(&r->napi);
	return bench_pool(r, count, size, DMA_FROM_DEVICE, max_bufs, headroom);
}

/* Case 1: one alloc + one free in the owning NAPI poll. */
static void body_nbpool_single(struct napi_runner *r)
{
	struct nbpool *pool = r->arg;
	unsigned int i;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < loops; i++) {
		struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_ATOMIC);

		if (unlikely(!pkt))
			break;
		nbpool_free(pkt);
	}
	r->ns = ktime_get_ns() - t0;
}

static void body_pp_single(struct napi_runner *r)
{
	struct page_pool *pp = r->arg;
	unsigned int i;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < loops; i++) {
		struct page *page = page_pool_dev_alloc_pages(pp);

		if (unlikely(!page))
			break;
		page_pool_recycle_direct(pp, page);
	}
	r->ns = ktime_get_ns() - t0;
}

/* Case 2: bulk of 64, per packet. */
static void body_nbpool_bulk(struct napi_runner *r)
{
	struct nbpool_packet *pkts[64];
	struct nbpool *pool = r->arg;
	unsigned int i;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < loops / 64; i++) {
		unsigned int n = nbpool_alloc_bulk(pool, pkts, 64, GFP_ATOMIC);

		nbpool_free_bulk(pkts, n);
	}
	r->ns = ktime_get_ns() - t0;
}

/*
 * Case 9: the RX life of a buffer in the owning NAPI poll: allocate, build
 * an skb on it, the stack frees the skb, the buffer comes back.
 */
static void body_nbpool_lend(struct napi_runner *r)
{
	struct nbpool *pool = r->arg;
	unsigned int i;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < loops; i++) {
		struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_ATOMIC);
		struct sk_buff *skb;

		if (unlikely(!pkt))
			break;
		nbpool_packet_set_len(pkt, 64);
		skb = nbpool_packet_to_skb(pkt);
		if (unlikely(!skb))
			break;
		napi_consume_skb(skb, 64);
	}
	r->ns = ktime_get_ns() - t0;
}

/*
 * Case 10: a 9000-byte frame received into the pool's buffers as a device
 * leaves it, a packet per buffer chained to the first, handed up as one
 * skb that the stack frees. Per frame; @r->arg's buffer size decides how
 * many buffers a frame takes.
 */
static void body_nbpool_jumbo(struct napi_runner *r)
{
	struct nbpool *pool = r->arg;
	unsigned int i;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < loops / 8; i++) {
		struct nbpool_packet *head = NULL, *pkt;
		unsigned int left = 9000, len;
		struct sk_buff *skb;

		while (left) {
			pkt = nbpool_alloc(pool, GFP_ATOMIC);
			if (unlikely(!pkt))
				goto out;
			len = min(left, nbpool_packet_capacity(pkt));
			nbpool_packet_set_len(pkt, len);
			left -= len;
			if (!head)
				head = pkt;
			else if (unlikely(nbpool_packet_append(head, pkt)))
				goto out;
		}
		skb = nbpool_packet_to_skb(head);
		if (unlikely(!skb))
			break;
		napi_consume_skb(skb, 64);
	}
out:
	r->ns = ktime_get_ns() - t0;
}

static void body_pp_lend(struct napi_runner *r)
{
	struct page_pool *pp = r->arg;
	unsigned int i;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < loops; i++) {
		struct page *page = page_pool_dev_alloc_pages(pp);
		struct sk_buff *skb;

		if (unlikely(!page))
			break;
		skb = napi_build_skb(page_address(page), PAGE_SIZE);
		if (unlikely(!skb)) {
			page_pool_recycle_direct(pp, page);
			break;
		}
		skb_reserve(skb, NET_SKB_PAD);
		__skb_put(skb, 64);
		skb_mark_for_recycle(skb);
		napi_consume_skb(skb, 64);
	}
	r->ns = ktime_get_ns() - t0;
}

/*
 * Case 11: XDP_DROP per frame: a 64-byte frame the device wrote goes
 * through a program that drops it, and its buffer is posted again. The
 * program is one instruction, as a JIT leaves it; a module cannot load
 * one, so a C function stands in its place for both.
 */
static unsigned int bench_xdp_drop_prog(const void *ctx, const struct bpf_insn *insn)
{
	return XDP_DROP;
}

static struct bpf_prog bench_prog = { .bpf_func = bench_xdp_drop_prog };

struct xdp_bench {
	void *pool;			/* struct nbpool or struct page_pool */
	struct xdp_rxq_info rxq;
};

static void body_nbpool_xdp_drop(struct napi_runner *r)
{
	struct xdp_bench *xb = r->arg;
	struct nbpool_packet *pkt = nbpool_alloc(xb->pool, GFP_ATOMIC);
	unsigned int i;
	u64 t0 = ktime_get_ns();

	/* XDP_DROP hands the packet back re-posted, ready for the device. */
	for (i = 0; pkt && i < loops; i++) {
		nbpool_packet_set_len(pkt, 64);
		if (unlikely(nbpool_packet_run_xdp(pkt, &bench_prog, &xb->rxq) != XDP_DROP))
			break;
	}
	r->ns = ktime_get_ns() - t0;
	if (pkt)
		nbpool_free(pkt);
}

static void body_pp_xdp_drop(struct napi_runner *r)
{
	struct xdp_bench *xb = r->arg;
	struct page *page = page_pool_dev_alloc_pages(xb->pool);
	struct xdp_buff xdp;
	unsigned int i;
	u64 t0 = ktime_get_ns();

	for (i = 0; page && i < loops; i++) {
		dma_sync_single_range_for_cpu(dev, page_pool_get_dma_addr(page),
					      XDP_PACKET_HEADROOM, 64, DMA_FROM_DEVICE);
		xdp_init_buff(&xdp, PAGE_SIZE, &xb->rxq);
		xdp_prepare_buff(&xdp, page_address(page), XDP_PACKET_HEADROOM, 64, true);
		if (unlikely(bpf_prog_run_xdp(&bench_prog, &xdp) != XDP_DROP))
			break;
		page_pool_recycle_direct(xb->pool, page);
		page = page_pool_dev_alloc_pages(xb->pool);
	}
	r->ns = ktime_get_ns() - t0;
	if (page)
		page_pool_recycle_direct(xb->pool, page);
}

/* Case 11 for both: @pool with XDP's headroom, @pp as a page_pool driver registers it. */
static void bench_xdp_drop(struct napi_runner *r, struct nbpool *pool, struct page_pool *pp)
{
	struct xdp_bench xb = { .pool = pool };

	if (nbpool_xdp_rxq_info_reg(pool, &xb.rxq, r->ndev, 0, 0))
		return;
	best_in_napi(r, body_nbpool_xdp_drop, &xb, 3);
	report("xdp_drop", "nbpool", r->ns, loops);
	xdp_rxq_info_unreg(&xb.rxq);

	xb.pool = pp;
	if (__xdp_rxq_info_reg(&xb.rxq, r->ndev, 0, 0, 0))
		return;
	if (!xdp_rxq_info_reg_mem_model(&xb.rxq, MEM_TYPE_PAGE_POOL, pp)) {
		best_in_napi(r, body_pp_xdp_drop, &xb, 3);
		report("xdp_drop", "page_pool", r->ns, loops);
	}
	xdp_rxq_info_unreg(&xb.rxq);
}

static struct page_pool *bench_page_pool(struct napi_runner *r)
{
	struct page_pool_params pp = {
		.flags = PP_FLAG_DMA_MAP, .order = 0, .pool_size = 1024,
		.nid = NUMA_NO_NODE, .dev = dev, .dma_dir = DMA_FROM_DEVICE,
	};

#ifdef NBPOOL_HAVE_NAPI_LIST_OWNER
	pp.napi = &r->napi;	/* direct recycling needs no hint on 6.1 */
#endif
	return page_pool_create(&pp);
}

/* Case 4: what a driver does per packet without a pool. */
static u64 bench_map_per_packet(unsigned int n)
{
	unsigned int i;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < n; i++) {
		struct page *page = dev_alloc_pages(0);
		dma_addr_t dma;

		if (unlikely(!page))
			break;
		dma = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
		if (!dma_mapping_error(dev, dma))
			dma_unmap_page(dev, dma, PAGE_SIZE, DMA_FROM_DEVICE);
		put_page(page);
	}
	return ktime_get_ns() - t0;
}

/* Case 5: TX of an skb: copy into a pool buffer, or map the skb itself. */
static void bench_tx(unsigned int len)
{
	struct nbpool *pool = bench_pool(NULL, 64, len + 64, DMA_TO_DEVICE, 1, 0);
	struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);
	unsigned int i, n = loops / 10;
	char name[16];
	u64 t0;

	if (!pool || !skb)
		goto out;
	skb_put(skb, len);
	memset(skb->data, 0x5a, len);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		struct nbpool_packet *pkt = nbpool_packet_from_skb(pool, skb, GFP_ATOMIC);

		if (IS_ERR(pkt))
			break;
		nbpool_free(pkt);
	}
	snprintf(name, sizeof(name), "tx%u", len);
	report(name, "nbpool_copy", ktime_get_ns() - t0, n);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		dma_addr_t dma = dma_map_single(dev, skb->data, len, DMA_TO_DEVICE);

		if (dma_mapping_error(dev, dma))
			break;
		dma_unmap_single(dev, dma, len, DMA_TO_DEVICE);
	}
	report(name, "dma_map_single", ktime_get_ns() - t0, n);
out:
	kfree_skb(skb);
	nbpool_destroy(pool);
}

struct remote_free {
	struct completion done;
	void **objs;
	unsigned int n;
	struct page_pool *pp;
	u64 ns;
};

static int remote_free_fn(void *arg)
{
	struct remote_free *rf = arg;
	unsigned int i;
	u64 t0 = ktime_get_ns();

	local_bh_disable();	/* as the stack frees skbs: in softirq */
	for (i = 0; i < rf->n; i++) {
		if (rf->pp)
			page_pool_put_full_page(rf->pp, rf->objs[i], false);
		else
			nbpool_free(rf->objs[i]);
	}
	local_bh_enable();
	rf->ns = ktime_get_ns() - t0;
	complete(&rf->done);
	return 0;
}

/* Free rf->objs on @cpu and report the cost per object as @variant. */
static void remote_run(struct remote_free *rf, unsigned int cpu, const char *variant)
{
	struct task_struct *t;

	reinit_completion(&rf->done);
	t = kthread_create_on_cpu(remote_free_fn, rf, cpu, "nbpool-bench-rf");
	if (IS_ERR(t))
		return;
	wake_up_process(t);
	wait_for_completion(&rf->done);
	report("remote_free", variant, rf->ns, rf->n);
}

/*
 * Case 3: frees from another CPU. @pool has an owning NAPI, as @pp has;
 * both take their lockless return path (nbpool's list, page_pool's ring).
 * @locked has none: its frees take the same list (the name is from the
 * days they took the pool lock).
 */
static void bench_remote(struct nbpool *pool, struct nbpool *locked, struct page_pool *pp)
{
	const unsigned int n = 1024;
	struct remote_free rf = { .n = n };
	unsigned int i, other = cpumask_any_but(cpu_online_mask, smp_processor_id());

	if (other >= nr_cpu_ids)
		return;
	rf.objs = kcalloc(n, sizeof(void *), GFP_KERNEL);
	if (!rf.objs)
		return;
	init_completion(&rf.done);
	for (i = 0; i < n; i++)
		rf.objs[i] = nbpool_alloc(pool, GFP_KERNEL);
	remote_run(&rf, other, "nbpool");
	for (i = 0; i < n; i++)
		rf.objs[i] = nbpool_alloc(locked, GFP_KERNEL);
	remote_run(&rf, other, "nbpool_locked");
	for (i = 0; i < n; i++)
		rf.objs[i] = page_pool_dev_alloc_pages(pp);
	rf.pp = pp;
	remote_run(&rf, other, "page_pool");
	kfree(rf.objs);
}

static int __init nbpool_bench_init(void)
{
	static const unsigned int scale[] = { 256, 1024, 4096, 16384, 65536 };
	struct pci_dev *pdev = pci_get_device(PCI_VENDOR_ID_REDHAT_QUMRANET,
					      VIRTIO_NET_MODERN_ID, NULL);
	struct nbpool *pool, *rpool, *lpool;
	struct napi_runner *r;
	struct page_pool *pp;
	unsigned int i;

	if (!pdev)
		return -ENODEV;
	dev = &pdev->dev;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	init_completion(&r->done);
	r->ndev = alloc_etherdev(0);
	if (!r->ndev)
		return -ENOMEM;
	netif_napi_add(r->ndev, &r->napi, runner_poll);
	napi_enable(&r->napi);
	set_cpus_allowed_ptr(current, cpumask_of(smp_processor_id()));

	pool = bench_pool(r, 1024, 2048, DMA_FROM_DEVICE, 1, 0);
	pp = bench_page_pool(r);
	if (!pool || IS_ERR(pp))
		return -ENOMEM;

	best_in_napi(r, body_nbpool_single, pool, 5);
	report("single", "nbpool", r->ns, loops);
	best_in_napi(r, body_pp_single, pp, 5);
	report("single", "page_pool", r->ns, loops);
	best_in_napi(r, body_nbpool_bulk, pool, 5);
	report("bulk64", "nbpool", r->ns, loops / 64 * 64);
	best_in_napi(r, body_nbpool_lend, pool, 3);
	report("lend", "nbpool", r->ns, loops);
	best_in_napi(r, body_pp_lend, pp, 3);
	report("lend", "page_pool", r->ns, loops);
	pool = bench_repool(r, pool, 1024, 2048, NBPOOL_MAX_BUFFERS_PER_PACKET, 0);
	if (!pool)
		return -ENOMEM;
	best_in_napi(r, body_nbpool_jumbo, pool, 3);
	report("rx9000", "chain_of_2048", r->ns, loops / 8);
	pool = bench_repool(r, pool, 256, 16384, 1, 0);
	if (!pool)
		return -ENOMEM;
	best_in_napi(r, body_nbpool_jumbo, pool, 3);
	report("rx9000", "one_16k", r->ns, loops / 8);
	pool = bench_repool(r, pool, 1024, 2048, 1, XDP_PACKET_HEADROOM);
	if (!pool)
		return -ENOMEM;
	bench_xdp_drop(r, pool, pp);
	rpool = bench_pool(r, 1024, 2048, DMA_FROM_DEVICE, 1, 0);
	lpool = bench_pool(NULL, 1024, 2048, DMA_FROM_DEVICE, 1, 0);
	if (rpool && lpool)
		bench_remote(rpool, lpool, pp);
	nbpool_destroy(lpool);
	report("map_per_packet", "dev_alloc_dma_map", bench_map_per_packet(loops / 10), loops / 10);
	bench_tx(64);
	bench_tx(1500);
	bench_tx(9000);
	/* Both pools want their NAPI disabled before they go. */
	napi_disable(&r->napi);
	nbpool_destroy(pool);
	nbpool_destroy(rpool);
	page_pool_destroy(pp);
	napi_enable(&r->napi);

	for (i = 0; i < ARRAY_SIZE(scale); i++) {
		char name[24];
		u64 t0 = ktime_get_ns();
		unsigned long free0 = global_zone_page_state(NR_FREE_PAGES);

		pool = bench_pool(r, scale[i], 2048, DMA_FROM_DEVICE, 1, 0);
		if (!pool)
			break;
		snprintf(name, sizeof(name), "create%u", scale[i]);
		report(name, "nbpool", ktime_get_ns() - t0, 1);
		/* Bytes of memory per buffer, from the page allocator's own count. */
		snprintf(name, sizeof(name), "memory%u", scale[i]);
		report(name, "bytes_per_buffer",
		       (u64)(free0 - global_zone_page_state(NR_FREE_PAGES)) * PAGE_SIZE,
		       scale[i]);
		best_in_napi(r, body_nbpool_single, pool, 3);
		snprintf(name, sizeof(name), "scale%u", scale[i]);
		report(name, "nbpool", r->ns, loops);
		napi_disable(&r->napi);
		t0 = ktime_get_ns();
		nbpool_destroy(pool);
		napi_enable(&r->napi);
		snprintf(name, sizeof(name), "destroy%u", scale[i]);
		report(name, "nbpool", ktime_get_ns() - t0, 1);
	}

	napi_disable(&r->napi);
	netif_napi_del(&r->napi);
	free_netdev(r->ndev);
	kfree(r);
	pci_dev_put(pdev);
	pr_info("done\n");
	return 0;
}

static void __exit nbpool_bench_exit(void)
{
}

module_init(nbpool_bench_init);
module_exit(nbpool_bench_exit);
MODULE_DESCRIPTION("nbpool microbenchmarks");
MODULE_LICENSE("GPL");
