// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool_selftest: the pool's main paths on a kernel without KUnit, such as
 * the stock Debian 6.1 and 6.12 kernels users install nbpool on. Loading it
 * runs every check once; the results, one "PASS|FAIL selftest: <name>" line
 * per check and "done" after the last, are in
 * /sys/kernel/debug/nbpool_selftest/results for the harness to send home
 * (and on the console for people). The KUnit suites (kunit/) cover each
 * area in depth on the debug kernel; this proves the same code works
 * against each stock kernel's page_pool.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/io.h>
#include <linux/skbuff.h>
#include <linux/if_vlan.h>
#include <linux/delay.h>
#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/filter.h>
#include <linux/random.h>
#include <net/xdp.h>
#include "nbpool.h"
#include "kunit/nbpool_test_freed.h"
#include "kunit/nbpool_test_books.h"
#include "kunit/nbpool_test_dma.h"
#include "kunit/nbpool_test_stress.h"

#define VIRTIO_NET_MODERN_ID	0x1041

/* The DMA topology this boot promises: iommu (strict) or swiotlb. */
static char *dma = "iommu";
module_param(dma, charp, 0444);
MODULE_PARM_DESC(dma, "the boot's DMA topology: iommu (strict) or swiotlb (bounced)");

/* The concurrency checks, off unless asked for (make check asks on 6.1). */
static unsigned long ops;
module_param(ops, ulong, 0444);
MODULE_PARM_DESC(ops, "cross-CPU alloc/free operations to run (0: none)");
static unsigned int races;
module_param(races, uint, 0444);
MODULE_PARM_DESC(races, "teardowns to race against frees on another CPU (0: none)");

static struct device *dma_dev;
static struct dentry *debugfs_dir;
static char results[4096];
static struct debugfs_blob_wrapper results_blob = { .data = results };

static void report(bool ok, const char *name)
{
	size_t n = results_blob.size;

	pr_info("%s selftest: %s\n", ok ? "PASS" : "FAIL", name);
	results_blob.size += scnprintf(results + n, sizeof(results) - n, "%s selftest: %s\n",
				       ok ? "PASS" : "FAIL", name);
}

static bool iommu(void)
{
	return !strcmp(dma, "iommu");
}

static struct nbpool *new_pool(const char *name, unsigned int count, unsigned int size,
			       enum dma_data_direction dir, unsigned int max_bufs)
{
	struct nbpool_params p = {
		.dev = dma_dev, .name = name, .packet_count = count,
		.buffer_count = count, .buffer_size = size, .headroom = 64,
		.dma_dir = dir, .nid = NUMA_NO_NODE, .max_buffers_per_packet = max_bufs,
	};
	struct nbpool *pool = nbpool_create(&p);

	return IS_ERR(pool) ? NULL : pool;
}

/*
 * The pool agrees with this test's ledger (see nbpool_test_books.h): @held
 * packets holding @held_bufs buffers, @lent buffers in live skbs.
 */
static bool chain_books(struct nbpool *pool, unsigned int held, unsigned int held_bufs,
			unsigned int lent, bool drain)
{
	char why[256];

	if (nbpool_test_books_chains(pool, held, held_bufs, lent, drain, why, sizeof(why)))
		return true;
	pr_err("ledger mismatch: %s\n", why);
	return false;
}

static bool books(struct nbpool *pool, unsigned int held, unsigned int lent, bool drain)
{
	return chain_books(pool, held, held, lent, drain);
}

/* Every buffer allocated once, its DMA address translating to its data. */
static void check_capacity_and_dma(void)
{
	struct nbpool_packet **pkts;
	struct nbpool *pool = new_pool("selftest-dma", 1024, 2048, DMA_FROM_DEVICE, 1);
	unsigned int i, n, bad = 0;

	pkts = kcalloc(1024, sizeof(*pkts), GFP_KERNEL);
	if (!pool || !pkts) {
		report(false, "create a 1024 x 2048 pool");
		goto out;
	}
	n = nbpool_alloc_bulk(pool, pkts, 1024, GFP_KERNEL);
	for (i = 0; i < n; i++)
		bad += iommu() && nbpool_test_dma_to_phys(dma_dev, nbpool_packet_dma_addr(pkts[i])) !=
				  virt_to_phys(nbpool_packet_data(pkts[i]));
	report(n == 1024 && !nbpool_alloc(pool, GFP_KERNEL) && books(pool, 1024, 0, false),
	       "capacity is exact (1024 buffers, the next alloc fails)");
	report(n == 1024 && !bad, "every DMA address translates to its data byte");
	nbpool_free_bulk(pkts, n);
	report(books(pool, 0, 0, true), "books agree with the test's ledger after freeing everything");
out:
	kfree(pkts);
	nbpool_destroy(pool);
}

/* Buffers lent in skbs, two per page, come back through page_pool. */
static void check_lend_recycle(void)
{
	struct nbpool *pool = new_pool("selftest-lend", 64, 2048, DMA_FROM_DEVICE, 1);
	struct nbpool_stats st;
	unsigned int round, bad = 0;

	if (!pool) {
		report(false, "create a 64 x 2048 pool");
		return;
	}
	for (round = 0; round < 2000; round++) {
		struct nbpool_packet *a = nbpool_alloc(pool, GFP_KERNEL);
		struct nbpool_packet *b = nbpool_alloc(pool, GFP_KERNEL);
		struct sk_buff *sa, *sb;

		if (!a || !b) {
			bad++;
			break;
		}
		/* Written as the device writes it: through its DMA address. */
		memset(nbpool_test_device_view(dma_dev, nbpool_packet_dma_addr(a)), round, 300);
		nbpool_packet_set_len(a, 300);
		nbpool_packet_set_len(b, 60);
		sa = nbpool_packet_to_skb(a);
		sb = (round & 1) ? nbpool_packet_to_skb(b) : NULL;
		if (!(round & 1))
			nbpool_free(b);
		bad += !sa || sa->data[299] != (u8)round;
		kfree_skb(sa);
		kfree_skb(sb);
	}
	nbpool_get_stats(pool, &st);
	report(!bad && st.buffers_free == 64 && st.returned > 0 && books(pool, 0, 0, true),
	       "2000 rounds of lending to skbs and recycling, nothing lost");
	nbpool_destroy(pool);
}

static void check_tx_copy(void)
{
	struct nbpool *pool = new_pool("selftest-tx", 8, 4096, DMA_TO_DEVICE, 1);
	struct nbpool_packet *pkt;
	struct sk_buff *skb = alloc_skb(1500, GFP_KERNEL);
	unsigned int i;
	bool ok = false;

	if (pool && skb) {
		for (i = 0; i < 1500; i++)
			skb_put_u8(skb, i * 7);
		pkt = nbpool_packet_from_skb(pool, skb, GFP_KERNEL);
		if (!IS_ERR(pkt)) {
			ok = nbpool_packet_len(pkt) == 1500 &&
			     !memcmp(nbpool_packet_data(pkt), skb->data, 1500);
			nbpool_free(pkt);
		}
		ok = ok && books(pool, 0, 0, true);
	}
	report(ok, "an skb copied into a TX buffer round-trips byte for byte");
	kfree_skb(skb);
	nbpool_destroy(pool);
}

/* Destroy with skbs in flight: unmapped at once, freed when they go. */
static void check_destroy_lent(void)
{
	struct nbpool *pool = new_pool("selftest-destroy", 8, 2048, DMA_FROM_DEVICE, 1);
	struct iommu_domain *dom = iommu_get_domain_for_dev(dma_dev);
	struct sk_buff *skbs[4] = {};
	dma_addr_t dma[4] = {};
	unsigned int i, mapped = 0;

	if (!pool) {
		report(false, "create a pool to destroy");
		return;
	}
	for (i = 0; i < 4; i++) {
		struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_KERNEL);

		if (!pkt)
			break;
		nbpool_packet_set_len(pkt, 100);
		dma[i] = nbpool_packet_dma_addr(pkt);
		skbs[i] = nbpool_packet_to_skb(pkt);
	}
	nbpool_destroy(pool);
	if (iommu() && dom)
		for (i = 0; i < 4; i++)
			mapped += dma[i] && iommu_iova_to_phys(dom, dma[i]);
	report(!mapped, "nbpool_destroy unmaps buffers the stack still holds");
	report(!nbpool_test_wait_freed("selftest-destroy", 200), "the pool waits for its skbs");
	for (i = 0; i < 4; i++)
		kfree_skb(skbs[i]);
	report(nbpool_test_wait_freed("selftest-destroy", 5000), "the pool is freed once they are back");
}

/* Kthreads on every CPU allocate and free each other's packets. */
static void check_cross_cpu(void)
{
	struct nbpool *pool = new_pool("selftest-xcpu", 1024, 2048, DMA_FROM_DEVICE, 1);
	struct nbpool_xcpu *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	int err = -ENOMEM;

	if (pool && ctx)
		err = nbpool_stress_cross_cpu(ctx, pool, ops);
	if (!err)
		pr_info("%lld cross-CPU operations on %u CPUs\n", (s64)atomic64_read(&ctx->ops),
			num_online_cpus());
	report(!err && atomic64_read(&ctx->ops) >= ops && atomic_read(&ctx->list_seen) &&
	       books(pool, 0, 0, true), "cross-CPU stress: every buffer back, each exactly once");
	if (err != -ETIMEDOUT)
		kfree(ctx);
	nbpool_destroy(pool);
}

/* Teardowns racing frees on another CPU, with skbs in a socket queue. */
static void check_teardown_races(void)
{
	struct nbpool_params p = {
		.dev = dma_dev, .packet_count = 16, .buffer_count = 16, .buffer_size = 2048,
		.dma_dir = DMA_FROM_DEVICE, .nid = NUMA_NO_NODE,
	};
	struct nbpool_race *r = kzalloc(sizeof(*r), GFP_KERNEL);
	unsigned int round, cpu, mapped = 0, not_freed = 0;
	char name[32];
	int err = r ? 0 : -ENOMEM;

	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	if (cpu >= nr_cpu_ids)
		err = -ENODEV;
	for (round = 0; !err && round < races; round++) {
		snprintf(name, sizeof(name), "selftest-race-%u", round);
		p.name = name;
		err = nbpool_stress_teardown_race(r, &p, cpu, round & 1, iommu(), &mapped);
	}
	for (round = 0; !err && round < races; round++) {
		snprintf(name, sizeof(name), "selftest-race-%u", round);
		not_freed += !nbpool_test_wait_freed(name, 5000);
	}
	pr_info("%u teardown races: %u lent buffers still mapped, %u pools not freed\n",
		round, mapped, not_freed);
	report(!err && !mapped && !not_freed,
	       "teardown races: buffers unmapped at once, every pool freed");
	kfree(r);
}

#define JUMBO	9014	/* a 9000-byte MTU frame with its Ethernet header */

static u8 jumbo_byte(unsigned int i)
{
	return i * 7 + (i >> 8) + 1;
}

/*
 * The device wrote a jumbo frame across RX buffers, a packet each: chained,
 * it reaches the stack as one skb, byte for byte, with its VLAN tag.
 */
static bool jumbo_rx(struct nbpool *pool, u8 *flat)
{
	struct nbpool_packet *head = NULL, *pkt;
	unsigned int at = 0, len, i, bufs = 0;
	struct sk_buff *skb;
	bool ok;
	u8 *dst;

	while (at < JUMBO) {
		pkt = nbpool_alloc(pool, GFP_KERNEL);
		if (!pkt)
			return false;
		len = min(JUMBO - at, nbpool_packet_capacity(pkt));
		dst = nbpool_test_device_view(dma_dev, nbpool_packet_dma_addr(pkt));
		for (i = 0; i < len; i++)
			dst[i] = jumbo_byte(at + i);
		nbpool_packet_set_len(pkt, len);
		if (!head)
			head = pkt;
		else if (nbpool_packet_append(head, pkt))
			return false;
		at += len;
		bufs++;
	}
	if (nbpool_packet_set_vlan_tag(head, htons(ETH_P_8021Q), 42))
		return false;
	skb = nbpool_packet_to_skb(head);
	if (!skb)
		return false;
	ok = skb->len == JUMBO && skb_shinfo(skb)->nr_frags == bufs - 1 &&
	     skb_vlan_tag_get(skb) == 42 && !skb_copy_bits(skb, 0, flat, JUMBO) &&
	     books(pool, 0, bufs, false);
	for (i = 0; ok && i < JUMBO; i++)
		ok = flat[i] == jumbo_byte(i);
	kfree_skb(skb);
	return ok;
}

/* A jumbo skb fills a TX chain: the device reads it back buffer by buffer. */
static bool jumbo_tx(struct nbpool *pool, const u8 *flat)
{
	struct sk_buff *skb = alloc_skb(JUMBO, GFP_KERNEL);
	struct nbpool_packet *pkt;
	unsigned int at, i;
	bool ok;

	if (!skb)
		return false;
	skb_put_data(skb, flat, JUMBO);
	pkt = nbpool_packet_from_skb(pool, skb, GFP_KERNEL);
	kfree_skb(skb);
	if (IS_ERR(pkt))
		return false;
	at = nbpool_packet_len(pkt);
	ok = !memcmp(nbpool_test_device_view(dma_dev, nbpool_packet_dma_addr(pkt)), flat, at);
	for (i = 0; i + 1 < nbpool_packet_buffers(pkt); i++) {
		const struct nbpool_frag *f = nbpool_packet_frag(pkt, i);

		ok = ok && !memcmp(nbpool_test_device_view(dma_dev, nbpool_frag_dma_addr(f)),
				   flat + at, f->len);
		at += f->len;
	}
	ok = ok && at == JUMBO && chain_books(pool, 1, nbpool_packet_buffers(pkt), 0, false);
	nbpool_free(pkt);
	return ok;
}

static void check_jumbo_chain(void)
{
	struct nbpool *pool = new_pool("selftest-jumbo", 16, 2048, DMA_BIDIRECTIONAL, 8);
	u8 *flat = kmalloc(JUMBO, GFP_KERNEL);
	bool ok = pool && flat && jumbo_rx(pool, flat);

	report(ok, "a 9014-byte frame in 2048-byte RX buffers reaches the stack as one skb");
	ok = ok && jumbo_tx(pool, flat) && books(pool, 0, 0, true);
	report(ok, "a 9014-byte skb fills a chain of TX buffers the device reads back");
	kfree(flat);
	nbpool_destroy(pool);
}

/* A frame the device wrote across two RX buffers: @len1 bytes of @flat, then @len2. */
static struct nbpool_packet *xdp_rx(struct nbpool *pool, const u8 *flat, unsigned int len1,
				    unsigned int len2)
{
	struct nbpool_packet *a = nbpool_alloc(pool, GFP_KERNEL), *b = nbpool_alloc(pool, GFP_KERNEL);

	if (!a || !b)
		goto fail;
	memcpy(nbpool_test_device_view(dma_dev, nbpool_packet_dma_addr(a)), flat, len1);
	memcpy(nbpool_test_device_view(dma_dev, nbpool_packet_dma_addr(b)), flat + len1, len2);
	if (nbpool_packet_set_len(a, len1) || nbpool_packet_set_len(b, len2) ||
	    nbpool_packet_append(a, b))
		goto fail;
	return a;
fail:
	if (a)
		nbpool_free(a);
	if (b)
		nbpool_free(b);
	return NULL;
}

/* A program pushes a header in front of a two-buffer frame and passes it. */
static bool xdp_pass_chain(struct nbpool *pool, struct xdp_rxq_info *rxq, const u8 *flat)
{
	struct nbpool_packet *pkt = xdp_rx(pool, flat, 1000, 800);
	u8 *got = kmalloc(ETH_HLEN + 1800, GFP_KERNEL);
	struct sk_buff *skb = NULL;
	struct xdp_buff xdp;
	bool ok = false;

	if (!pkt || !got || nbpool_packet_xdp_prepare(pkt, &xdp, rxq))
		goto out;
	xdp.data -= ETH_HLEN;
	memset(xdp.data, 0xee, ETH_HLEN);
	if (nbpool_packet_xdp_verdict(pkt, &xdp, NULL, XDP_PASS) != XDP_PASS)
		goto out;
	skb = nbpool_packet_to_skb(pkt);
	pkt = NULL;
	ok = skb && skb->len == ETH_HLEN + 1800 && !skb_copy_bits(skb, 0, got, skb->len) &&
	     !memchr_inv(got, 0xee, ETH_HLEN) && !memcmp(got + ETH_HLEN, flat, 1800) &&
	     chain_books(pool, 0, 0, 2, false);
out:
	if (pkt)
		nbpool_free(pkt);
	kfree_skb(skb);
	kfree(got);
	return ok && books(pool, 0, 0, false);
}

/* An XDP frame made of a two-buffer packet lends both until it is returned. */
static bool xdp_frame_lend(struct nbpool *pool, struct xdp_rxq_info *rxq, const u8 *flat)
{
	struct nbpool_packet *pkt = xdp_rx(pool, flat, 1000, 800);
	struct xdp_frame *xdpf;
	struct xdp_buff xdp;
	bool ok;

	if (!pkt)
		return false;
	if (nbpool_packet_xdp_prepare(pkt, &xdp, rxq)) {
		nbpool_free(pkt);
		return false;
	}
	xdpf = nbpool_packet_xdp_frame(pkt, &xdp);
	if (!xdpf) {
		nbpool_free(pkt);
		return false;
	}
	ok = xdp_get_frame_len(xdpf) == 1800 && chain_books(pool, 0, 0, 2, false);
	xdp_return_frame(xdpf);
	return ok && books(pool, 0, 0, false);
}

static void check_xdp(void)
{
	struct nbpool_params p = {
		.dev = dma_dev, .name = "selftest-xdp", .packet_count = 8, .buffer_count = 8,
		.buffer_size = 2048, .headroom = XDP_PACKET_HEADROOM, .dma_dir = DMA_FROM_DEVICE,
		.nid = NUMA_NO_NODE, .max_buffers_per_packet = 4,
	};
	struct net_device *ndev = alloc_etherdev(0);
	struct nbpool *pool = ndev ? nbpool_create(&p) : ERR_PTR(-ENOMEM);
	u8 *flat = kmalloc(1800, GFP_KERNEL);
	struct xdp_rxq_info rxq = {};
	bool ok = !IS_ERR(pool) && flat && !nbpool_xdp_rxq_info_reg(pool, &rxq, ndev, 0, 0);

	if (flat)
		get_random_bytes(flat, 1800);
	ok = ok && xdp_pass_chain(pool, &rxq, flat);
	report(ok, "an XDP program's header on a two-buffer frame reaches the stack byte for byte");
	ok = ok && xdp_frame_lend(pool, &rxq, flat) && books(pool, 0, 0, true);
	report(ok, "an XDP frame of two buffers lends both until it is returned");
	if (xdp_rxq_info_is_reg(&rxq))
		xdp_rxq_info_unreg(&rxq);
	if (!IS_ERR(pool))
		nbpool_destroy(pool);
	if (ndev)
		free_netdev(ndev);
	kfree(flat);
}

static int __init nbpool_selftest_init(void)
{
	struct pci_dev *pdev = pci_get_device(PCI_VENDOR_ID_REDHAT_QUMRANET,
					      VIRTIO_NET_MODERN_ID, NULL);
	char why[160];
	bool ok;

	debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_blob("results", 0444, debugfs_dir, &results_blob);
	if (!pdev) {
		report(false, "find a virtio-net PCI device to DMA with");
		return 0;
	}
	dma_dev = &pdev->dev;
	ok = nbpool_test_topology(dma_dev, dma, why, sizeof(why));
	if (!ok)
		pr_err("%s\n", why);
	report(ok, "the DMA topology is the one the boot promised");
	check_capacity_and_dma();
	check_lend_recycle();
	check_tx_copy();
	check_jumbo_chain();
	check_xdp();
	check_destroy_lent();
	if (ops)
		check_cross_cpu();
	if (races)
		check_teardown_races();
	pci_dev_put(pdev);
	results_blob.size += scnprintf(results + results_blob.size,
				       sizeof(results) - results_blob.size, "done\n");
	return 0;
}

static void __exit nbpool_selftest_exit(void)
{
	debugfs_remove(debugfs_dir);
}

module_init(nbpool_selftest_init);
module_exit(nbpool_selftest_exit);
MODULE_DESCRIPTION("Run-time self-test of nbpool for kernels without KUnit");
MODULE_LICENSE("GPL");
