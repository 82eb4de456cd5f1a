// SPDX-License-Identifier: GPL-2.0
/*
 * Suite nbpool_xdp: XDP programs on pool buffers. A KUnit module cannot
 * load a BPF program, so each test does to the xdp_buff what a program's
 * helpers do (bpf_xdp_adjust_head() moves data, bpf_xdp_adjust_tail()
 * moves data_end or releases fragments with page_frag_free(), which is
 * what the kernel does for this memory model) and hands the pool the
 * verdict. Frames are written where the device writes and read where the
 * device reads, so the bounce-buffer boot checks every sync; the books are
 * checked against the test's own ledger, and page references by counting
 * them.
 */
#include <linux/filter.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/xdp.h>
#include "nbpool_test.h"

#define FRAME	300

struct xdp_harness {
	struct net_device *ndev;
	struct xdp_rxq_info rxq;
	struct bpf_prog *prog;		/* named, for the warnings; never run */
	struct nbpool *pool;
};

static void xdp_harness_free(void *arg)
{
	struct xdp_harness *h = arg;

	xdp_rxq_info_unreg(&h->rxq);
	free_netdev(h->ndev);
	if (h->prog)
		kfree(h->prog->aux);
	kfree(h->prog);
}

/* A pool of @count 2048-byte buffers with XDP's headroom, its queue registered. */
static struct xdp_harness *xdp_harness_new(struct kunit *test, unsigned int count,
					   enum dma_data_direction dir, unsigned int max_bufs)
{
	struct nbpool_params p = nbpool_test_params(test, count, 2048, dir);
	struct xdp_harness *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	p.headroom = XDP_PACKET_HEADROOM;
	p.max_buffers_per_packet = max_bufs;
	h->pool = nbpool_test_create(test, &p);
	h->ndev = alloc_etherdev(0);
	KUNIT_ASSERT_NOT_NULL(test, h->ndev);
	h->prog = kzalloc(sizeof(*h->prog), GFP_KERNEL);
	if (h->prog)
		h->prog->aux = kzalloc(sizeof(*h->prog->aux), GFP_KERNEL);
	if (!h->prog || !h->prog->aux || nbpool_xdp_rxq_info_reg(h->pool, &h->rxq, h->ndev, 0, 0)) {
		kfree(h->prog ? h->prog->aux : NULL);
		kfree(h->prog);
		free_netdev(h->ndev);
		KUNIT_FAIL_AND_ABORT(test, "harness setup failed");
	}
	strscpy(h->prog->aux->name, "nbpool_test", sizeof(h->prog->aux->name));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, xdp_harness_free, h));
	return h;
}

static u8 *device_view(struct kunit *test, dma_addr_t dma)
{
	return nbpool_test_device_view(nbpool_test_dev(test), dma);
}

/* A packet holding the first @len bytes of the test frame, as the device wrote them. */
static struct nbpool_packet *rx_frame(struct kunit *test, struct nbpool *pool, unsigned int len)
{
	struct nbpool_packet *pkt = nbpool_alloc(pool, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pkt);
	nbpool_test_fill(device_view(test, nbpool_packet_dma_addr(pkt)), 0, len);
	KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, len), 0);
	return pkt;
}

static u64 stat(struct nbpool *pool, size_t offset)
{
	struct nbpool_stats st;

	nbpool_get_stats(pool, &st);
	return *(u64 *)((u8 *)&st + offset);
}

#define STAT(pool, field)	stat(pool, offsetof(struct nbpool_stats, field))

/* Registration: only pools that receive, with XDP's headroom; frames come home by page reference. */
static void nbpool_xdp_reg(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 4, 2048, DMA_TO_DEVICE);
	struct net_device *ndev = alloc_etherdev(0);
	struct xdp_rxq_info rxq = {};
	struct nbpool *tx, *shallow;
	struct xdp_harness *h;

	KUNIT_ASSERT_NOT_NULL(test, ndev);
	p.headroom = XDP_PACKET_HEADROOM;
	tx = nbpool_test_create(test, &p);
	p.dma_dir = DMA_FROM_DEVICE;
	p.headroom = XDP_PACKET_HEADROOM - 1;
	shallow = nbpool_test_create(test, &p);
	KUNIT_EXPECT_EQ(test, nbpool_xdp_rxq_info_reg(tx, &rxq, ndev, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_xdp_rxq_info_reg(shallow, &rxq, ndev, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_xdp_rxq_info_reg(shallow, NULL, ndev, 0, 0), -EINVAL);
	KUNIT_EXPECT_FALSE(test, xdp_rxq_info_is_reg(&rxq));
	KUNIT_EXPECT_EQ(test, STAT(tx, bad_calls), 1ULL);
	KUNIT_EXPECT_EQ(test, STAT(shallow, bad_calls), 2ULL);
	free_netdev(ndev);

	h = xdp_harness_new(test, 4, DMA_FROM_DEVICE, 1);
	KUNIT_EXPECT_TRUE(test, xdp_rxq_info_is_reg(&h->rxq));
	KUNIT_EXPECT_EQ(test, h->rxq.mem.type, MEM_TYPE_PAGE_SHARED);
	KUNIT_EXPECT_PTR_EQ(test, h->rxq.dev, h->ndev);
}

/*
 * XDP_PASS after a program pushed a header into the headroom and trimmed
 * the tail: the skb holds what the program left, byte for byte. On the
 * bounce-buffer boot a sync for the CPU after the program would overwrite
 * the pushed header with the device's stale bytes.
 */
static void nbpool_xdp_pass_rewrite(struct kunit *test)
{
	struct xdp_harness *h = xdp_harness_new(test, 8, DMA_FROM_DEVICE, 1);
	struct nbpool_packet *pkt = rx_frame(test, h->pool, FRAME);
	struct xdp_buff xdp;
	struct sk_buff *skb;
	u8 *data;

	KUNIT_ASSERT_EQ(test, nbpool_packet_xdp_prepare(pkt, &xdp, &h->rxq), 0);
	KUNIT_EXPECT_PTR_EQ(test, xdp.data, nbpool_packet_data(pkt));
	KUNIT_EXPECT_PTR_EQ(test, xdp.data_hard_start, pkt->buf);
	KUNIT_EXPECT_EQ(test, xdp.data_end - xdp.data, FRAME);
	KUNIT_EXPECT_EQ(test, xdp.frame_sz, 2048U);
	KUNIT_EXPECT_FALSE(test, xdp_buff_has_frags(&xdp));
	KUNIT_EXPECT_EQ(test, nbpool_test_wrong(xdp.data, 0, FRAME), 0U);

	/* The program: a 14-byte header in front (0xee), 10 bytes off the tail. */
	xdp.data -= ETH_HLEN;
	memset(xdp.data, 0xee, ETH_HLEN);
	xdp.data_end -= 10;
	KUNIT_EXPECT_EQ(test, nbpool_packet_xdp_verdict(pkt, &xdp, h->prog, XDP_PASS), XDP_PASS);
	KUNIT_EXPECT_EQ(test, nbpool_packet_len(pkt), FRAME + ETH_HLEN - 10);
	KUNIT_EXPECT_EQ(test, pkt->offset, XDP_PACKET_HEADROOM - ETH_HLEN);

	skb = nbpool_packet_to_skb(pkt);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, skb->len, FRAME + ETH_HLEN - 10);
	data = skb->data;
	KUNIT_EXPECT_NULL(test, memchr_inv(data, 0xee, ETH_HLEN));
	KUNIT_EXPECT_EQ(test, nbpool_test_wrong(data + ETH_HLEN, 0, FRAME - 10), 0U);
	KUNIT_EXPECT_EQ(test, STAT(h->pool, xdp_pass), 1ULL);
	nbpool_test_expect_books(test, h->pool, 0, 1);
	kfree_skb(skb);
	nbpool_test_expect_drain(test, h->pool, 0, 0);
}

/*
 * Verdicts that leave the packet with the driver: XDP_DROP, XDP_ABORTED,
 * an unknown one, XDP_TX from a pool the device only writes. Each is a
 * drop; the packet comes back re-posted and is used again, nothing is lent.
 */
static void nbpool_xdp_drops(struct kunit *test)
{
	static const u32 acts[] = { XDP_DROP, XDP_ABORTED, 42, XDP_TX };
	struct xdp_harness *h = xdp_harness_new(test, 8, DMA_FROM_DEVICE, 1);
	struct nbpool_packet *pkt = rx_frame(test, h->pool, FRAME);
	struct xdp_buff xdp;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(acts); i++) {
		KUNIT_ASSERT_EQ(test, nbpool_packet_xdp_prepare(pkt, &xdp, &h->rxq), 0);
		KUNIT_EXPECT_EQ_MSG(test, nbpool_packet_xdp_verdict(pkt, &xdp, h->prog, acts[i]),
				    XDP_DROP, "verdict %u", acts[i]);
		/* Re-posted: as a new packet, ready for the device. */
		KUNIT_EXPECT_EQ(test, nbpool_packet_len(pkt), 0U);
		KUNIT_EXPECT_EQ(test, pkt->offset, XDP_PACKET_HEADROOM);
		nbpool_test_fill(device_view(test, nbpool_packet_dma_addr(pkt)), 0, FRAME);
		KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, FRAME), 0);
		nbpool_test_expect_books(test, h->pool, 1, 0);
	}
	KUNIT_EXPECT_EQ(test, STAT(h->pool, xdp_drops), (u64)ARRAY_SIZE(acts));
	KUNIT_EXPECT_EQ(test, STAT(h->pool, xdp_tx), 0ULL);
	KUNIT_EXPECT_EQ(test, STAT(h->pool, bad_calls), 0ULL);
	nbpool_free(pkt);
	nbpool_test_expect_drain(test, h->pool, 0, 0);
}

/*
 * XDP_TX from a bidirectional pool: the program swaps the MAC addresses,
 * and the device reads the rewritten frame at the packet's DMA address.
 */
static void nbpool_xdp_tx(struct kunit *test)
{
	struct xdp_harness *h = xdp_harness_new(test, 8, DMA_BIDIRECTIONAL, 1);
	struct nbpool_packet *pkt = rx_frame(test, h->pool, FRAME);
	u8 mac[ETH_ALEN], *seen;
	struct xdp_buff xdp;

	KUNIT_ASSERT_EQ(test, nbpool_packet_xdp_prepare(pkt, &xdp, &h->rxq), 0);
	memcpy(mac, xdp.data, ETH_ALEN);
	memcpy(xdp.data, xdp.data + ETH_ALEN, ETH_ALEN);
	memcpy(xdp.data + ETH_ALEN, mac, ETH_ALEN);
	KUNIT_EXPECT_EQ(test, nbpool_packet_xdp_verdict(pkt, &xdp, h->prog, XDP_TX), XDP_TX);
	KUNIT_EXPECT_EQ(test, nbpool_packet_len(pkt), FRAME);

	seen = device_view(test, nbpool_packet_dma_addr(pkt));
	KUNIT_EXPECT_EQ(test, nbpool_test_wrong(seen, ETH_ALEN, ETH_ALEN), 0U);
	KUNIT_EXPECT_EQ(test, nbpool_test_wrong(seen + ETH_ALEN, 0, ETH_ALEN), 0U);
	KUNIT_EXPECT_EQ(test, nbpool_test_wrong(seen + 2 * ETH_ALEN, 2 * ETH_ALEN,
						FRAME - 2 * ETH_ALEN), 0U);
	KUNIT_EXPECT_EQ(test, STAT(h->pool, xdp_tx), 1ULL);
	nbpool_test_expect_books(test, h->pool, 1, 0);
	nbpool_free(pkt);	/* the TX completion */
	nbpool_test_expect_drain(test, h->pool, 0, 0);
}

/* The pages under @pkt's buffers, each once; returns how many. */
static unsigned int chain_pages(struct nbpool_packet *pkt, struct page **pages)
{
	unsigned int n = 0, i, j;

	for (i = 0; i < nbpool_packet_buffers(pkt); i++) {
		struct page *page = virt_to_head_page(i ? nbpool_packet_frag(pkt, i - 1)->buf :
						      pkt->buf);

		for (j = 0; j < n && pages[j] != page; j++)
			;
		if (j == n)
			pages[n++] = page;
	}
	return n;
}

static unsigned int page_refs(struct page **pages, unsigned int n)
{
	unsigned int sum = 0;

	while (n--)
		sum += page_ref_count(pages[n]);
	return sum;
}

/*
 * A chain is a multi-buffer frame: its fragments are the chained buffers,
 * each holding a page reference while the program runs. The program
 * releases the last fragment and trims the one before; XDP_PASS keeps the
 * rest, the released buffer is free at once, and the skb holds what the
 * program left.
 */
static void nbpool_xdp_chain(struct kunit *test)
{
	struct xdp_harness *h = xdp_harness_new(test, 16, DMA_FROM_DEVICE, 4);
	struct page *pages[NBPOOL_MAX_BUFFERS_PER_PACKET];
	unsigned int bufs, npages, refs, i, at, last;
	const unsigned int total = 4000;
	struct skb_shared_info *sinfo;
	struct nbpool_packet *pkt;
	struct xdp_buff xdp;
	struct sk_buff *skb;
	skb_frag_t *frag;
	u8 byte;

	pkt = nbpool_test_rx_chain(test, h->pool, total, &bufs);
	KUNIT_ASSERT_GE(test, bufs, 3U);
	npages = chain_pages(pkt, pages);
	refs = page_refs(pages, npages);
	KUNIT_ASSERT_EQ(test, nbpool_packet_xdp_prepare(pkt, &xdp, &h->rxq), 0);
	KUNIT_EXPECT_TRUE(test, xdp_buff_has_frags(&xdp));
	KUNIT_EXPECT_EQ(test, xdp_get_buff_len(&xdp), total);
	KUNIT_EXPECT_EQ(test, page_refs(pages, npages), refs + bufs - 1);
	sinfo = xdp_get_shared_info_from_buff(&xdp);
	KUNIT_ASSERT_EQ(test, sinfo->nr_frags, bufs - 1);
	at = xdp.data_end - xdp.data;
	for (i = 0; i < sinfo->nr_frags; i++) {
		frag = &sinfo->frags[i];
		KUNIT_EXPECT_EQ_MSG(test, nbpool_test_wrong(skb_frag_address(frag), at,
							    skb_frag_size(frag)), 0U, "fragment %u", i);
		at += skb_frag_size(frag);
	}
	KUNIT_EXPECT_EQ(test, at, total);

	/* bpf_xdp_adjust_tail(): the last fragment released, 100 bytes off the one before. */
	frag = &sinfo->frags[--sinfo->nr_frags];
	last = skb_frag_size(frag);
	page_frag_free(skb_frag_address(frag));
	skb_frag_size_sub(&sinfo->frags[sinfo->nr_frags - 1], 100);
	sinfo->xdp_frags_size -= last + 100;
	KUNIT_EXPECT_EQ(test, nbpool_packet_xdp_verdict(pkt, &xdp, h->prog, XDP_PASS), XDP_PASS);
	KUNIT_EXPECT_EQ(test, nbpool_packet_buffers(pkt), bufs - 1);
	KUNIT_EXPECT_EQ(test, nbpool_packet_total_len(pkt), total - last - 100);
	KUNIT_EXPECT_EQ(test, page_refs(pages, npages), refs);
	nbpool_test_expect_chain_books(test, h->pool, 1, bufs - 1, 0);

	skb = nbpool_packet_to_skb(pkt);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, skb->len, total - last - 100);
	for (at = 0; at < skb->len; at++) {
		KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, at, &byte, 1), 0);
		if (byte != nbpool_test_frame_byte(at))
			break;
	}
	KUNIT_EXPECT_EQ(test, at, skb->len);
	nbpool_test_expect_chain_books(test, h->pool, 0, 0, bufs - 1);
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, page_refs(pages, npages), refs);
	nbpool_test_expect_drain(test, h->pool, 0, 0);
}

/*
 * A packet turned into an XDP frame (a redirect, an XDP_TX through the
 * frame path) lends its buffers until the frame is returned; another
 * device's TX pool copies the frame byte for byte, chain and all.
 */
static void nbpool_xdp_frame(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 8, 2048, DMA_TO_DEVICE);
	struct xdp_harness *h = xdp_harness_new(test, 16, DMA_FROM_DEVICE, 4);
	unsigned int totals[] = { FRAME, 4000 }, t, bufs, at, i;
	struct nbpool_packet *pkt, *out;
	struct xdp_frame *xdpf;
	struct xdp_buff xdp;
	struct nbpool *tx;

	p.max_buffers_per_packet = 4;
	tx = nbpool_test_create(test, &p);
	for (t = 0; t < ARRAY_SIZE(totals); t++) {
		pkt = nbpool_test_rx_chain(test, h->pool, totals[t], &bufs);
		KUNIT_ASSERT_EQ(test, nbpool_packet_xdp_prepare(pkt, &xdp, &h->rxq), 0);
		xdpf = nbpool_packet_xdp_frame(pkt, &xdp);
		KUNIT_ASSERT_NOT_NULL(test, xdpf);
		KUNIT_EXPECT_EQ(test, xdp_get_frame_len(xdpf), totals[t]);
		nbpool_test_expect_chain_books(test, h->pool, 0, 0, bufs);

		out = nbpool_packet_from_xdp_frame(tx, xdpf, GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(out));
		KUNIT_EXPECT_EQ(test, nbpool_packet_total_len(out), totals[t]);
		at = nbpool_packet_len(out);
		KUNIT_EXPECT_EQ(test, nbpool_test_wrong(device_view(test, nbpool_packet_dma_addr(out)),
							0, at), 0U);
		for (i = 0; i + 1 < nbpool_packet_buffers(out); i++) {
			const struct nbpool_frag *f = nbpool_packet_frag(out, i);

			KUNIT_EXPECT_EQ(test, nbpool_test_wrong(device_view(test,
						nbpool_frag_dma_addr(f)), at, f->len), 0U);
			at += f->len;
		}
		KUNIT_EXPECT_EQ(test, at, totals[t]);
		xdp_return_frame(xdpf);
		nbpool_test_expect_chain_books(test, h->pool, 0, 0, 0);
		nbpool_free(out);
	}
	KUNIT_EXPECT_EQ(test, STAT(h->pool, xdp_tx), 2ULL);
	KUNIT_EXPECT_EQ(test, STAT(tx, xdp_xmit_copies), 2ULL);
	nbpool_test_expect_drain(test, h->pool, 0, 0);
	nbpool_test_expect_drain(test, tx, 0, 0);
}

/* Bad calls are refused, counted and change nothing. */
static void nbpool_xdp_bad_calls(struct kunit *test)
{
	struct xdp_harness *h = xdp_harness_new(test, 4, DMA_FROM_DEVICE, 1);
	struct nbpool_packet *pkt = rx_frame(test, h->pool, FRAME);
	struct xdp_rxq_info other = {};	/* a queue the pool did not register */
	struct xdp_buff xdp;

	KUNIT_EXPECT_EQ(test, nbpool_packet_xdp_prepare(pkt, &xdp, &other), -EINVAL);
	nbpool_free(pkt);
	KUNIT_EXPECT_EQ(test, nbpool_packet_xdp_prepare(pkt, &xdp, &h->rxq), -EINVAL);
	KUNIT_EXPECT_EQ(test, nbpool_packet_run_xdp(pkt, h->prog, &h->rxq), XDP_DROP);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(nbpool_packet_from_xdp_frame(h->pool, NULL,
									   GFP_KERNEL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, STAT(h->pool, bad_calls), 3ULL);
	KUNIT_EXPECT_EQ(test, STAT(h->pool, xdp_drops), 0ULL);
	nbpool_test_expect_drain(test, h->pool, 0, 0);
}

static struct kunit_case nbpool_xdp_cases[] = {
	KUNIT_CASE(nbpool_xdp_reg),
	KUNIT_CASE(nbpool_xdp_pass_rewrite),
	KUNIT_CASE(nbpool_xdp_drops),
	KUNIT_CASE(nbpool_xdp_tx),
	KUNIT_CASE(nbpool_xdp_chain),
	KUNIT_CASE(nbpool_xdp_frame),
	KUNIT_CASE(nbpool_xdp_bad_calls),
	{}
};

static struct kunit_suite nbpool_xdp_suite = {
	.name = "nbpool_xdp",
	.test_cases = nbpool_xdp_cases,
};
kunit_test_suite(nbpool_xdp_suite);
