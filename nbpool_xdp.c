// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool: XDP on pool buffers.
 *
 * An XDP program sees a received packet where the device wrote it: the
 * xdp_buff's frame is the packet's buffer (frame_sz the pool's buffer
 * size, the headroom the packet's offset), and a chain's other buffers are
 * its fragments, described in the first buffer's tail, where an skb's
 * shared info would go.
 *
 * How frames come home. The pool registers its receive queues with
 * MEM_TYPE_PAGE_SHARED: whoever ends a frame (a redirect target, a CPU
 * map's skb, xdp_return_frame()) drops one page reference per buffer, as
 * the stack does for an skb. So a redirected frame is lent exactly like an
 * skb (nbpool_lend_out()), and its buffers come back when their pages do;
 * nothing recycles into the pool directly, so nothing can race it.
 *
 * A program may also release chained buffers itself (bpf_xdp_adjust_tail()
 * shrinking a multi-buffer frame drops the released fragments' page
 * references): so each chained buffer holds one page reference while the
 * program runs, and a released one is free again the moment it returns.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/filter.h>
#include <linux/mm.h>
#include <net/xdp.h>
#include <trace/events/xdp.h>
#include "nbpool_internal.h"

/**
 * nbpool_xdp_rxq_info_reg() - register a receive queue whose frames live in a pool
 * @pool: the queue's RX pool; it must receive (%DMA_FROM_DEVICE or
 *	%DMA_BIDIRECTIONAL) and have at least %XDP_PACKET_HEADROOM of
 *	headroom, which XDP programs and XDP frames use
 * @rxq: the queue's &struct xdp_rxq_info, not registered yet
 * @dev: the net_device
 * @queue_index: the queue's index
 * @napi_id: its NAPI's id (napi->napi_id), or 0
 *
 * xdp_rxq_info_reg() and xdp_rxq_info_reg_mem_model() as the pool needs
 * them: frames come home by page reference (see above), and fragments
 * cannot grow into their neighbours (the buffers of a page are packed).
 * The driver unregisters with xdp_rxq_info_unreg() before destroying the
 * pool.
 *
 * Context: process context; may sleep.
 * Return: 0; -EINVAL with a message when @pool cannot carry XDP frames or
 * an argument is missing; an error of the kernel's registration (nothing
 * registered then).
 */
int nbpool_xdp_rxq_info_reg(struct nbpool *pool, struct xdp_rxq_info *rxq,
			    struct net_device *dev, u32 queue_index, unsigned int napi_id)
{
	int err;

	might_sleep();
	if (!nbpool_pool_valid(pool, __func__))
		return -EINVAL;
	if (unlikely(!rxq || !dev || pool->dma_dir == DMA_TO_DEVICE ||
		     pool->headroom < XDP_PACKET_HEADROOM)) {
		nbpool_count_bad(pool);
		pr_err_ratelimited("%s: pool %s: %s\n", __func__, pool->name,
				   !rxq || !dev ? "no rxq or net_device" :
				   pool->dma_dir == DMA_TO_DEVICE ? "a DMA_TO_DEVICE pool cannot receive" :
				   "headroom below XDP_PACKET_HEADROOM");
		return -EINVAL;
	}
	err = __xdp_rxq_info_reg(rxq, dev, queue_index, napi_id, 0);
	if (err)
		return err;
	err = xdp_rxq_info_reg_mem_model(rxq, MEM_TYPE_PAGE_SHARED, NULL);
	if (err)
		xdp_rxq_info_unreg(rxq);
	return err;
}
EXPORT_SYMBOL(nbpool_xdp_rxq_info_reg);

/* Describe @pkt's chained buffers as @xdp's fragments, each with a page reference. */
static void nbpool_xdp_add_frags(struct nbpool_packet *pkt, struct xdp_buff *xdp)
{
	struct skb_shared_info *sinfo = xdp_get_shared_info_from_buff(xdp);
	struct nbpool *pool = pkt->pool;
	unsigned int i, size = 0;

	for (i = 0; i < pkt->nr_frags; i++) {
		const struct nbpool_frag *f = &pkt->frags[i];
		struct page *page = nbpool_page_of(pool, f->buf_id)->page;

		get_page(page);
		nbpool_skb_frag_fill(&sinfo->frags[i], page,
				     f->buf - page_address(page) + f->offset, f->len);
		size += f->len;
	}
	sinfo->nr_frags = pkt->nr_frags;
	sinfo->xdp_frags_size = size;
	nbpool_xdp_frags_truesize_set(sinfo, pkt->nr_frags * pool->buffer_size);
	xdp_buff_set_frags_flag(xdp);
}

/* Anything but the queue nbpool_xdp_rxq_info_reg() registered: refused. */
static noinline int nbpool_xdp_bad_rxq(struct nbpool_packet *pkt)
{
	nbpool_count_bad(pkt->pool);
	pr_err_ratelimited("nbpool_packet_xdp_prepare: pool %s: packet %u: the rxq was not registered with nbpool_xdp_rxq_info_reg()\n",
			   pkt->pool->name, pkt->index);
	return -EINVAL;
}

static __always_inline int __nbpool_packet_xdp_prepare(struct nbpool_packet *pkt,
						       struct xdp_buff *xdp,
						       struct xdp_rxq_info *rxq)
{
	if (!nbpool_packet_rx_ready(pkt, "nbpool_packet_xdp_prepare"))
		return -EINVAL;
	/* Another memory model would send the frame's pages where they do not belong. */
	if (unlikely(!rxq || !rxq->dev || rxq->mem.type != MEM_TYPE_PAGE_SHARED || rxq->frag_size))
		return nbpool_xdp_bad_rxq(pkt);
	xdp_init_buff(xdp, pkt->pool->buffer_size, rxq);
	xdp_prepare_buff(xdp, pkt->buf, pkt->offset, pkt->len, true);
	xdp->txq = NULL;		/* the one field the two above leave */
	if (unlikely(pkt->nr_frags))
		nbpool_xdp_add_frags(pkt, xdp);
	return 0;
}

/**
 * nbpool_packet_xdp_prepare() - describe a received packet to an XDP program
 * @pkt: a packet held by the caller, its offset and length (and its chained
 *	buffers' lengths) set to the frame the device wrote
 * @xdp: the &struct xdp_buff to fill
 * @rxq: the queue it arrived on, registered with nbpool_xdp_rxq_info_reg()
 *
 * Syncs the frame for the CPU and fills @xdp over the packet's buffers
 * without copying: a chain becomes a multi-buffer frame. Run the program
 * on @xdp, then hand its verdict to nbpool_packet_xdp_verdict() with the
 * same @xdp, always (a chain's buffers are held for the program until
 * then). nbpool_packet_run_xdp() does all three.
 *
 * Context: any context but NMI; the caller owns the packet.
 * Return: 0, or -EINVAL (a message and a count in bad_calls; nothing
 * prepared) when @pkt is not a held packet of a pool that receives, its
 * lengths do not fit its buffers, or @rxq was not registered with
 * nbpool_xdp_rxq_info_reg().
 */
int nbpool_packet_xdp_prepare(struct nbpool_packet *pkt, struct xdp_buff *xdp,
			      struct xdp_rxq_info *rxq)
{
	return __nbpool_packet_xdp_prepare(pkt, xdp, rxq);
}
EXPORT_SYMBOL(nbpool_packet_xdp_prepare);

/*
 * Take the frame as the program left it: its data and length, and of a
 * chain the fragments it kept and their lengths. Fragments it released
 * (their page references dropped) are free again; the kept ones keep the
 * page references nbpool_xdp_add_frags() took.
 */
static void nbpool_xdp_update(struct nbpool_packet *pkt, struct xdp_buff *xdp)
{
	struct nbpool *pool = pkt->pool;
	struct skb_shared_info *sinfo;
	unsigned long flags;
	unsigned int i, kept;

	pkt->offset = xdp->data - xdp->data_hard_start;
	pkt->len = xdp->data_end - xdp->data;
	nbpool_packet_cpu_wrote(pkt);
	if (likely(!pkt->nr_frags))
		return;
	/* A program that releases every fragment may clear the frags flag: read nr_frags. */
	sinfo = xdp_get_shared_info_from_buff(xdp);
	kept = min_t(unsigned int, sinfo->nr_frags, pkt->nr_frags);
	for (i = 0; i < kept; i++)
		pkt->frags[i].len = skb_frag_size(&sinfo->frags[i]);
	if (unlikely(kept < pkt->nr_frags)) {
		nbpool_lock(pool, flags);
		nbpool_put_frags(pool, pkt, kept);
		nbpool_unlock(pool, flags);
	}
}

/* The packet stays with the driver: its chained buffers' page references go. */
static void nbpool_xdp_put_frag_refs(struct nbpool_packet *pkt)
{
	unsigned int i;

	for (i = 0; i < pkt->nr_frags; i++)
		put_page(nbpool_page_of(pkt->pool, pkt->frags[i].buf_id)->page);
}

/* The frame is dropped: the packet comes back re-posted. */
static __always_inline u32 nbpool_xdp_drop(struct nbpool_packet *pkt)
{
	this_cpu_inc(pkt->pool->pcpu->xdp_drops);
	nbpool_packet_reset(pkt);
	return XDP_DROP;
}

/* The program's verdict cannot be carried out: the frame is dropped. */
static u32 nbpool_xdp_exception(struct nbpool_packet *pkt, struct xdp_buff *xdp,
				struct bpf_prog *prog, u32 act)
{
	if (act != XDP_ABORTED && act != XDP_TX && act != XDP_REDIRECT)
		bpf_warn_invalid_xdp_action(xdp->rxq->dev, prog, act);
	trace_xdp_exception(xdp->rxq->dev, prog, act);
	return nbpool_xdp_drop(pkt);
}

static __always_inline u32 __nbpool_packet_xdp_verdict(struct nbpool_packet *pkt,
						       struct xdp_buff *xdp,
						       struct bpf_prog *prog, u32 act)
{
	struct nbpool *pool = pkt->pool;
	struct page *page;

	/* A dropped frame of one buffer leaves nothing to take from the program. */
	if (likely(act == XDP_DROP && !pkt->nr_frags))
		return nbpool_xdp_drop(pkt);
	nbpool_xdp_update(pkt, xdp);
	if (act == XDP_REDIRECT) {
		/*
		 * The frame may be sent and returned before xdp_do_redirect()
		 * returns: its layout was read above, and the reference its
		 * target drops for the first buffer is taken here.
		 */
		page = nbpool_page_of(pool, pkt->buf_id)->page;
		get_page(page);
		if (likely(!xdp_do_redirect(xdp->rxq->dev, xdp, prog))) {
			this_cpu_inc(pool->pcpu->xdp_redirects);
			nbpool_lend_out(pkt, "nbpool_packet_xdp_verdict");
			return XDP_REDIRECT;
		}
		put_page(page);
	}
	nbpool_xdp_put_frag_refs(pkt);
	switch (act) {
	case XDP_PASS:
		this_cpu_inc(pool->pcpu->xdp_pass);
		return XDP_PASS;
	case XDP_TX:
		if (unlikely(pool->dma_dir != DMA_BIDIRECTIONAL))
			return nbpool_xdp_exception(pkt, xdp, prog, act);
		nbpool_packet_sync_for_device(pkt);
		this_cpu_inc(pool->pcpu->xdp_tx);
		return XDP_TX;
	case XDP_DROP:
		return nbpool_xdp_drop(pkt);
	default:
		return nbpool_xdp_exception(pkt, xdp, prog, act);
	}
}

/**
 * nbpool_packet_xdp_verdict() - carry out an XDP program's verdict on a packet
 * @pkt: the packet given to nbpool_packet_xdp_prepare()
 * @xdp: the &struct xdp_buff it filled, as the program left it
 * @prog: the program that ran
 * @act: what it returned
 *
 * Takes the frame as the program left it (its data offset, its length, the
 * buffers of a chain it kept) and returns what the driver does next:
 *
 * - %XDP_PASS: hand @pkt to nbpool_packet_to_skb().
 * - %XDP_TX: post @pkt on a TX ring of the same device, at
 *   nbpool_packet_dma_addr() for nbpool_packet_len() bytes (and its chained
 *   buffers); it is synced for the device. Free or re-post it when the
 *   device is done. Needs a %DMA_BIDIRECTIONAL pool: from a pool the
 *   device only writes, %XDP_TX becomes %XDP_DROP.
 * - %XDP_REDIRECT: the frame went to its target, which returns it when it
 *   is done; @pkt's descriptor went back to the pool and must not be used
 *   again. Call xdp_do_flush() before the NAPI poll ends.
 * - %XDP_DROP: @pkt is re-posted (nbpool_packet_repost()): post it to the
 *   device again, or free it. Also what a failed redirect, %XDP_ABORTED
 *   and an unknown verdict become (reported through the xdp_exception
 *   tracepoint).
 *
 * Context: the NAPI poll of the queue @xdp came from (softirq), or any
 * context but NMI for verdicts other than %XDP_REDIRECT; the caller owns
 * the packet.
 * Return: %XDP_PASS, %XDP_TX, %XDP_REDIRECT or %XDP_DROP, counted in the
 * pool's stats (xdp_pass, xdp_tx, xdp_redirects, xdp_drops).
 */
u32 nbpool_packet_xdp_verdict(struct nbpool_packet *pkt, struct xdp_buff *xdp,
			      struct bpf_prog *prog, u32 act)
{
	return __nbpool_packet_xdp_verdict(pkt, xdp, prog, act);
}
EXPORT_SYMBOL(nbpool_packet_xdp_verdict);

/**
 * nbpool_packet_xdp_frame() - make an XDP frame of a packet an XDP program sends out
 * @pkt: the packet given to nbpool_packet_xdp_prepare()
 * @xdp: the &struct xdp_buff it filled, as the program left it
 *
 * For a driver whose %XDP_TX goes through its ndo_xdp_xmit() path (or that
 * queues frames itself): in place of nbpool_packet_xdp_verdict() after a
 * program returned %XDP_TX. The frame is built on the packet's buffers,
 * which are lent until every xdp_return_frame*() for it has run; counted
 * in xdp_tx.
 *
 * Context: any context but NMI; the caller owns the packet.
 * Return: the frame, after which @pkt's descriptor is back in the pool and
 * must not be used again; NULL when the headroom left cannot hold the
 * frame's header, counted in xdp_drops (@pkt is re-posted, as for
 * %XDP_DROP).
 */
struct xdp_frame *nbpool_packet_xdp_frame(struct nbpool_packet *pkt, struct xdp_buff *xdp)
{
	struct nbpool *pool = pkt->pool;
	struct xdp_frame *xdpf;
	struct page *page;

	nbpool_xdp_update(pkt, xdp);
	page = nbpool_page_of(pool, pkt->buf_id)->page;
	get_page(page);
	xdpf = xdp_convert_buff_to_frame(xdp);
	if (unlikely(!xdpf)) {
		put_page(page);
		nbpool_xdp_put_frag_refs(pkt);
		this_cpu_inc(pool->pcpu->xdp_drops);
		nbpool_packet_reset(pkt);
		return NULL;
	}
	this_cpu_inc(pool->pcpu->xdp_tx);
	nbpool_lend_out(pkt, __func__);
	return xdpf;
}
EXPORT_SYMBOL(nbpool_packet_xdp_frame);

/**
 * nbpool_packet_run_xdp() - run an XDP program on a received packet
 * @pkt: as for nbpool_packet_xdp_prepare()
 * @prog: the program (the driver's, read under RCU in its NAPI poll)
 * @rxq: the queue @pkt arrived on, registered with nbpool_xdp_rxq_info_reg()
 *
 * nbpool_packet_xdp_prepare(), the program, nbpool_packet_xdp_verdict().
 *
 * Context: the NAPI poll of @rxq's queue; the caller owns the packet.
 * Return: as nbpool_packet_xdp_verdict(); %XDP_DROP also when @pkt was
 * refused as a bad call (the driver still owns it then).
 */
u32 nbpool_packet_run_xdp(struct nbpool_packet *pkt, struct bpf_prog *prog,
			  struct xdp_rxq_info *rxq)
{
	/* Every field is written below: not cleared first, once per frame. */
	struct xdp_buff xdp __uninitialized;

	if (__nbpool_packet_xdp_prepare(pkt, &xdp, rxq))
		return XDP_DROP;
	return __nbpool_packet_xdp_verdict(pkt, &xdp, prog, bpf_prog_run_xdp(prog, &xdp));
}
EXPORT_SYMBOL(nbpool_packet_run_xdp);

/* Copy @len bytes of @src into @pkt's frame at byte @at (laid out by nbpool_alloc_frame()). */
static void nbpool_copy_in(struct nbpool_packet *pkt, unsigned int at, const void *src,
			   unsigned int len)
{
	unsigned int i = 0, n;
	void *dst = nbpool_packet_data(pkt);
	unsigned int room = pkt->len;

	while (len) {
		while (at >= room) {
			at -= room;
			dst = nbpool_frag_data(&pkt->frags[i]);
			room = pkt->frags[i++].len;
		}
		n = min(len, room - at);
		memcpy(dst + at, src, n);
		src += n;
		at += n;
		len -= n;
	}
}

/**
 * nbpool_packet_from_xdp_frame() - copy an XDP frame to transmit into pool buffers
 * @pool: the TX (or bidirectional) pool
 * @xdpf: the frame (ndo_xdp_xmit()); not consumed: return it with
 *	xdp_return_frame() when the driver likes (typically at once)
 * @gfp: as for nbpool_alloc()
 *
 * For frames redirected in from other devices: like
 * nbpool_packet_from_skb(), the frame's bytes (and a multi-buffer frame's
 * fragments) go into a packet, a chain if the pool allows, synced for the
 * device.
 *
 * Context: any context but NMI (ndo_xdp_xmit runs in softirq).
 * Return: the packet; ERR_PTR(-ENOBUFS), ERR_PTR(-EMSGSIZE) or
 * ERR_PTR(-EINVAL) as nbpool_packet_from_skb().
 */
struct nbpool_packet *nbpool_packet_from_xdp_frame(struct nbpool *pool,
						   struct xdp_frame *xdpf, gfp_t gfp)
{
	struct skb_shared_info *sinfo;
	struct nbpool_packet *pkt;
	unsigned int at, i;

	if (unlikely(!xdpf)) {
		pr_err_ratelimited("%s: no frame\n", __func__);
		return ERR_PTR(-EINVAL);
	}
	pkt = nbpool_alloc_frame(pool, xdp_get_frame_len(xdpf), gfp, __func__);
	if (IS_ERR(pkt))
		return pkt;
	nbpool_copy_in(pkt, 0, xdpf->data, xdpf->len);
	sinfo = xdp_frame_has_frags(xdpf) ? xdp_get_shared_info_from_frame(xdpf) : NULL;
	for (at = xdpf->len, i = 0; sinfo && i < sinfo->nr_frags; i++) {
		const skb_frag_t *frag = &sinfo->frags[i];

		nbpool_copy_in(pkt, at, skb_frag_address(frag), skb_frag_size(frag));
		at += skb_frag_size(frag);
	}
	nbpool_packet_sync_for_device(pkt);
	this_cpu_inc(pool->pcpu->xdp_xmit_copies);
	return pkt;
}
EXPORT_SYMBOL(nbpool_packet_from_xdp_frame);
