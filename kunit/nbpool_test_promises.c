// SPDX-License-Identifier: GPL-2.0
/*
 * Suite nbpool_promises: what the pool promises a driver, in the situations
 * real NICs meet. Frees and allocations from every context a driver is
 * called in (netpoll calls with interrupts off), the device's bytes and the
 * CPU's bytes crossing correctly on bounce-buffered DMA (the swiotlb boot),
 * buffers that keep their DMA address whatever the stack does with their
 * pages, and free buffers that can always be allocated.
 */
#include <linux/hrtimer.h>
#include <linux/skbuff.h>
#include <linux/scatterlist.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include "nbpool_compat.h"
#include "nbpool_test.h"

static u64 bad_calls(struct nbpool *pool)
{
	struct nbpool_stats st;

	nbpool_get_stats(pool, &st);
	return st.bad_calls;
}

/* netpoll's case: frees and an allocation with interrupts off. */
static void nbpool_promises_irqs_off(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 16, 2048, DMA_TO_DEVICE);
	struct nbpool *pool = nbpool_test_create(test, &p);
	struct nbpool_packet *pkts[8], *pkt;
	unsigned long flags;
	int ret[4];
	unsigned int refused, i;

	KUNIT_ASSERT_EQ(test, nbpool_alloc_bulk(pool, pkts, 8, GFP_KERNEL), 8U);
	local_irq_save(flags);
	for (i = 0; i < 4; i++)
		ret[i] = nbpool_free(pkts[i]);
	refused = nbpool_free_bulk(pkts + 4, 4);
	pkt = nbpool_alloc(pool, GFP_ATOMIC);
	if (pkt)
		ret[0] |= nbpool_free(pkt);
	local_irq_restore(flags);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, ret[i], 0);
	KUNIT_EXPECT_EQ(test, refused, 0U);
	KUNIT_EXPECT_NOT_NULL(test, pkt);
	KUNIT_EXPECT_EQ(test, bad_calls(pool), 0ULL);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

struct hardirq_call {
	struct hrtimer timer;
	struct nbpool *pool;
	struct nbpool_packet *pkt;
	struct nbpool_packet *got;
	int freed;
	bool ran;
};

static enum hrtimer_restart promises_timer_fn(struct hrtimer *t)
{
	struct hardirq_call *c = container_of(t, struct hardirq_call, timer);

	c->got = nbpool_alloc(c->pool, GFP_ATOMIC);
	c->freed = nbpool_free(c->pkt);
	WRITE_ONCE(c->ran, true);
	return HRTIMER_NORESTART;
}

/* A TX completion reaped in a hard interrupt handler. */
static void nbpool_promises_hardirq(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_TO_DEVICE);
	struct hardirq_call *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct nbpool *pool;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p.napi = nbpool_test_idle_napi(test);	/* frees would take the lockless list */
	pool = nbpool_test_create(test, &p);
	c->pool = pool;
	c->pkt = nbpool_alloc(pool, GFP_KERNEL);
	c->freed = -1;
	KUNIT_ASSERT_NOT_NULL(test, c->pkt);
	nbpool_hrtimer_setup(&c->timer, promises_timer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	hrtimer_start(&c->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	for (i = 0; i < 1000 && !READ_ONCE(c->ran); i++)
		msleep(20);
	hrtimer_cancel(&c->timer);
	KUNIT_ASSERT_TRUE(test, READ_ONCE(c->ran));
	KUNIT_EXPECT_NOT_NULL(test, c->got);
	KUNIT_EXPECT_EQ(test, c->freed, 0);
	KUNIT_EXPECT_EQ(test, bad_calls(pool), 0ULL);
	nbpool_test_expect_books(test, pool, c->got ? 1 : 0, 0);
	if (c->got)
		nbpool_free(c->got);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* What a receiving device does: @len bytes of a pattern at the packet's DMA address. */
static void device_writes(struct kunit *test, struct nbpool_packet *pkt, unsigned int len, u8 seed)
{
	u8 *dev = nbpool_test_device_view(nbpool_test_dev(test), nbpool_packet_dma_addr(pkt));
	unsigned int i;

	for (i = 0; i < len; i++)
		dev[i] = seed + i * 7;
}

static unsigned int stale_bytes(const u8 *data, unsigned int len, u8 seed)
{
	unsigned int i, bad = 0;

	for (i = 0; i < len; i++)
		bad += data[i] != (u8)(seed + i * 7);
	return bad;
}

/* An RX pool of @count buffers with a NET_SKB_PAD headroom. */
static struct nbpool *rx_pool(struct kunit *test, unsigned int count)
{
	struct nbpool_params p = nbpool_test_params(test, count, 2048, DMA_FROM_DEVICE);

	p.headroom = NET_SKB_PAD;
	return nbpool_test_create(test, &p);
}

/* The driver syncs before it sets the length: the skb still gets the device's bytes. */
static void nbpool_promises_sync_before_len(struct kunit *test)
{
	struct nbpool *pool = rx_pool(test, 8);
	struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_KERNEL);
	struct sk_buff *skb;

	KUNIT_ASSERT_NOT_NULL(test, pkt);
	device_writes(test, pkt, 1000, 1);
	nbpool_packet_sync_for_cpu(pkt);	/* length still 0 */
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, 1000), 0);
	skb = nbpool_packet_to_skb(pkt);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, stale_bytes(skb->data, 1000, 1), 0U);
	kfree_skb(skb);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* A header synced first, then the whole frame: every byte is the device's. */
static void nbpool_promises_sync_header_then_frame(struct kunit *test)
{
	struct nbpool *pool = rx_pool(test, 8);
	struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_KERNEL);
	struct sk_buff *skb;

	KUNIT_ASSERT_NOT_NULL(test, pkt);
	device_writes(test, pkt, 1000, 2);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, 64), 0);
	nbpool_packet_sync_for_cpu(pkt);
	KUNIT_EXPECT_EQ(test, stale_bytes(nbpool_packet_data(pkt), 64, 2), 0U);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, 1000), 0);
	skb = nbpool_packet_to_skb(pkt);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, stale_bytes(skb->data, 1000, 2), 0U);
	kfree_skb(skb);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/*
 * nbpool_packet_to_skb() fails (no memory for the skb) after it synced;
 * the driver puts the packet back in its ring and the device writes the
 * next frame there: the next skb must carry the new frame, not the old.
 */
static void nbpool_promises_sync_after_failed_skb(struct kunit *test)
{
	struct nbpool *pool = rx_pool(test, 8);
	struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_KERNEL);
	struct sk_buff *skb;

	KUNIT_ASSERT_NOT_NULL(test, pkt);
	device_writes(test, pkt, 1000, 3);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, 1000), 0);
	nbpool_test_fail_nth(test, 1);	/* the skb's allocation fails */
	skb = nbpool_packet_to_skb(pkt);
	nbpool_test_fail_nth(test, 0);
	KUNIT_ASSERT_NULL(test, skb);
	/* Back in the ring as it was: the device writes the next frame. */
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, 0), 0);
	device_writes(test, pkt, 1200, 4);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, 1200), 0);
	skb = nbpool_packet_to_skb(pkt);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, stale_bytes(skb->data, 1200, 4), 0U);
	kfree_skb(skb);

	/* The documented way: nbpool_packet_repost() after the failure. */
	pkt = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	device_writes(test, pkt, 900, 5);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, 900), 0);
	nbpool_packet_sync_for_cpu(pkt);
	nbpool_test_fail_nth(test, 1);
	skb = nbpool_packet_to_skb(pkt);
	nbpool_test_fail_nth(test, 0);
	KUNIT_ASSERT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, nbpool_packet_repost(pkt), 0);
	KUNIT_EXPECT_EQ(test, nbpool_packet_len(pkt), 0U);
	KUNIT_EXPECT_EQ(test, nbpool_packet_offset(pkt), (unsigned int)NET_SKB_PAD);
	device_writes(test, pkt, 700, 6);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, 700), 0);
	nbpool_packet_sync_for_cpu(pkt);
	skb = nbpool_packet_to_skb(pkt);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, stale_bytes(skb->data, 700, 6), 0U);
	kfree_skb(skb);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* TX: the device reads exactly the skb's bytes; a receive-only pool refuses. */
static void nbpool_promises_tx_bytes(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_TO_DEVICE);
	struct nbpool *tx = nbpool_test_create(test, &p);
	struct nbpool *rx = rx_pool(test, 4);
	struct sk_buff *skb = alloc_skb(1500, GFP_KERNEL);
	struct nbpool_packet *pkt;
	unsigned int i;
	u8 *dev;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	for (i = 0; i < 1500; i++)
		skb_put_u8(skb, i * 13);
	pkt = nbpool_packet_from_skb(tx, skb, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pkt));
	dev = nbpool_test_device_view(p.dev, nbpool_packet_dma_addr(pkt));
	KUNIT_EXPECT_EQ(test, memcmp(dev, skb->data, 1500), 0);
	nbpool_free(pkt);

	KUNIT_EXPECT_EQ(test, PTR_ERR(nbpool_packet_from_skb(rx, skb, GFP_KERNEL)), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, bad_calls(rx), 1ULL);
	kfree_skb(skb);
	nbpool_test_expect_drain(test, tx, 0, 0);
	nbpool_test_expect_drain(test, rx, 0, 0);
}

/*
 * A driver's header in front of a frame nbpool_packet_from_skb() synced: a
 * range sync hands the device exactly those bytes. It reads header and
 * frame; a CPU write outside the range reaches it only where nothing
 * bounces (behind the IOMMU; dma_need_sync() cannot tell: DMA-API
 * debugging makes it true everywhere).
 */
static void nbpool_promises_tx_header_range(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_TO_DEVICE);
	struct sk_buff *skb = alloc_skb(1000, GFP_KERNEL);
	struct nbpool_packet *pkt;
	struct nbpool *tx;
	unsigned int i, off;
	u8 *cpu, *dev;
	bool bounced;

	p.headroom = 64;
	tx = nbpool_test_create(test, &p);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	for (i = 0; i < 1000; i++)
		skb_put_u8(skb, i * 13);
	pkt = nbpool_packet_from_skb(tx, skb, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pkt));
	off = nbpool_packet_offset(pkt);
	KUNIT_ASSERT_GE(test, off, 12U);
	bounced = !nbpool_test_iommu();
	cpu = nbpool_packet_data(pkt);
	memset(cpu - 12, 0xa5, 12);	/* the header */
	cpu[500] = ~cpu[500];		/* not synced */
	KUNIT_EXPECT_EQ(test, nbpool_packet_sync_range_for_device(pkt, off - 12, 12), 0);
	dev = nbpool_test_device_view(p.dev, nbpool_packet_dma_addr(pkt) - 12);
	KUNIT_EXPECT_NULL(test, memchr_inv(dev, 0xa5, 12));
	KUNIT_EXPECT_EQ(test, memcmp(dev + 12, skb->data, 500), 0);
	KUNIT_EXPECT_EQ(test, dev[12 + 500], bounced ? skb->data[500] : (u8)~skb->data[500]);
	KUNIT_EXPECT_EQ(test, memcmp(dev + 12 + 501, skb->data + 501, 499), 0);
	/* Up to the end of the data area (past it: the hostile suite). */
	KUNIT_EXPECT_EQ(test, nbpool_packet_sync_range_for_device(pkt, 0,
								  off + nbpool_packet_capacity(pkt)), 0);
	KUNIT_EXPECT_EQ(test, bad_calls(tx), 0ULL);
	nbpool_free(pkt);
	kfree_skb(skb);
	nbpool_test_expect_drain(test, tx, 0, 0);
}

/* Every buffer's DMA address, by buffer index. */
static void dma_addresses(struct kunit *test, struct nbpool *pool, dma_addr_t *dma)
{
	unsigned int n = nbpool_buffer_count(pool), i;
	struct nbpool_packet **pkts = kunit_kcalloc(test, n, sizeof(*pkts), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pkts);
	KUNIT_ASSERT_EQ(test, nbpool_alloc_bulk(pool, pkts, n, GFP_KERNEL), n);
	for (i = 0; i < n; i++)
		dma[nbpool_packet_buffer_index(pkts[i])] = pkts[i]->buf_dma;
	nbpool_free_bulk(pkts, n);
}

/*
 * Something in the stack holds a plain page reference when the skb is
 * freed (splice does): the buffers keep their DMA addresses, the memory
 * table does not change, and the buffer comes back once the page is let go.
 */
static void nbpool_promises_fixed_addresses(struct kunit *test)
{
	struct nbpool *pool = rx_pool(test, 16);
	dma_addr_t *before = kunit_kcalloc(test, 16, sizeof(dma_addr_t), GFP_KERNEL);
	dma_addr_t *after = kunit_kcalloc(test, 16, sizeof(dma_addr_t), GFP_KERNEL);
	struct sg_table *sgt = nbpool_memory_sgt(pool);
	struct nbpool_packet *pkt;
	struct scatterlist *sg;
	struct sk_buff *skb;
	struct page *page;
	unsigned int i, moved = 0, untranslated = 0;
	struct page *pages[8];
	dma_addr_t sg_dma[8];

	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));
	KUNIT_ASSERT_EQ(test, sgt->orig_nents, 8U);
	for_each_sgtable_sg(sgt, sg, i) {
		pages[i] = sg_page(sg);
		sg_dma[i] = sg_dma_address(sg);
	}
	dma_addresses(test, pool, before);

	pkt = nbpool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, 100), 0);
	skb = nbpool_packet_to_skb(pkt);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	page = virt_to_head_page(skb->data);
	get_page(page);			/* as splice does */
	kfree_skb(skb);
	msleep(200);			/* time for anything that would move the page */
	nbpool_test_expect_books(test, pool, 0, 1);	/* still out: the page is held */

	for_each_sgtable_sg(sgt, sg, i) {
		KUNIT_EXPECT_PTR_EQ(test, sg_page(sg), pages[i]);
		KUNIT_EXPECT_EQ(test, sg_dma_address(sg), sg_dma[i]);
	}
	put_page(page);
	nbpool_test_expect_books(test, pool, 0, 0);	/* back with its page */
	dma_addresses(test, pool, after);
	for (i = 0; i < 16; i++) {
		moved += before[i] != after[i];
		if (nbpool_test_iommu())
			untranslated += !nbpool_test_dma_to_phys(nbpool_test_dev(test), after[i]);
	}
	KUNIT_EXPECT_EQ(test, moved, 0U);
	KUNIT_EXPECT_EQ(test, untranslated, 0U);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* Free buffers on a page whose other buffers are in the stack can be allocated. */
static void nbpool_promises_no_stranded_buffers(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 16, 2048, DMA_FROM_DEVICE);
	struct nbpool_packet *pkts[17];
	struct sk_buff *skbs[32];
	struct nbpool_stats st;
	struct nbpool *pool;
	unsigned int i, n = 0;

	/* 16 packets, 64 buffers: 32 buffers lent to skbs that stay alive. */
	p.buffer_count = 64;
	pool = nbpool_test_create(test, &p);
	while (n < 32) {
		KUNIT_ASSERT_EQ(test, nbpool_alloc_bulk(pool, pkts, 16, GFP_KERNEL), 16U);
		for (i = 0; i < 16; i++) {
			KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkts[i], 60), 0);
			skbs[n] = nbpool_packet_to_skb(pkts[i]);
			KUNIT_ASSERT_NOT_NULL(test, skbs[n]);
			n++;
		}
	}
	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(pool, pkts, 17, GFP_KERNEL), 16U);
	nbpool_free_bulk(pkts, 16);
	nbpool_test_expect_books(test, pool, 0, 32);
	for (i = 0; i < 32; i++)
		kfree_skb(skbs[i]);
	nbpool_test_expect_drain(test, pool, 0, 0);

	/*
	 * 16 and 16, no NAPI: the odd buffers freed, the even ones lent (in
	 * that order, so that enough are free for none to be copied instead).
	 */
	p.buffer_count = 16;
	pool = nbpool_test_create(test, &p);
	KUNIT_ASSERT_EQ(test, nbpool_alloc_bulk(pool, pkts, 16, GFP_KERNEL), 16U);
	for (i = 1; i < 16; i += 2)
		nbpool_free(pkts[i]);
	for (i = 0; i < 16; i += 2) {
		KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkts[i], 60), 0);
		skbs[i / 2] = nbpool_packet_to_skb(pkts[i]);
		KUNIT_ASSERT_NOT_NULL(test, skbs[i / 2]);
	}
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.buffers_free, 8ULL);
	nbpool_test_expect_drain(test, pool, 0, 8);
	for (i = 0; i < 8; i++)
		kfree_skb(skbs[i]);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

static struct kunit_case nbpool_promises_cases[] = {
	KUNIT_CASE(nbpool_promises_irqs_off),
	KUNIT_CASE(nbpool_promises_hardirq),
	KUNIT_CASE(nbpool_promises_sync_before_len),
	KUNIT_CASE(nbpool_promises_sync_header_then_frame),
	KUNIT_CASE(nbpool_promises_sync_after_failed_skb),
	KUNIT_CASE(nbpool_promises_tx_bytes),
	KUNIT_CASE(nbpool_promises_tx_header_range),
	KUNIT_CASE(nbpool_promises_fixed_addresses),
	KUNIT_CASE(nbpool_promises_no_stranded_buffers),
	{}
};

static struct kunit_suite nbpool_promises_suite = {
	.name = "nbpool_promises",
	.test_cases = nbpool_promises_cases,
};
kunit_test_suite(nbpool_promises_suite);
