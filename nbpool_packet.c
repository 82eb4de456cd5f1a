// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool: packet data bounds, DMA syncs and skb conversion.
 *
 * Who syncs what (on devices where syncs are not no-ops: swiotlb bounce
 * buffers, confidential-computing guests, non-coherent DMA):
 * - nbpool_alloc() and nbpool_packet_repost() sync the whole data area for
 *   the device in pools that receive, so the device may write anywhere in it.
 * - RX: the driver sets the length, then nbpool_packet_sync_for_cpu()
 *   before reading the data. nbpool_packet_to_skb() syncs whatever part of
 *   [offset, offset + len) the last sync for the CPU did not cover, so a
 *   header synced early, a sync before the length was set or a changed
 *   offset all still deliver the device's bytes.
 * - TX: nbpool_packet_from_skb() syncs the copied bytes for the device; a
 *   driver that writes a buffer itself calls nbpool_packet_sync_for_device(),
 *   or for a header in front of synced data
 *   nbpool_packet_sync_range_for_device().
 * Handing a packet back to the device (sync_for_device, repost) forgets the
 * CPU sync: the device owns those bytes again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/skbuff.h>
#include <linux/dma-mapping.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include "nbpool_internal.h"
#include "nbpool_trace.h"

/* The cold half of nbpool_packet_held(): say why, count it. */
static noinline bool nbpool_packet_not_held(const struct nbpool_packet *pkt, const char *caller)
{
	if (!nbpool_packet_ok(pkt))
		return nbpool_packet_invalid(pkt, caller);
	nbpool_count_bad(pkt->pool);
	pr_err_ratelimited("%s: pool %s: packet %u is not allocated\n",
			   caller, pkt->pool->name, pkt->index);
	return false;
}

/*
 * A driver-owned packet? Unlocked: the driver owns it, nobody else writes
 * it. Inline, as every packet call starts with it.
 */
static __always_inline bool nbpool_packet_held(const struct nbpool_packet *pkt,
					       const char *caller)
{
	if (likely(nbpool_packet_ok(pkt) && (READ_ONCE(pkt->flags) & NBPOOL_PKT_HELD)))
		return true;
	return nbpool_packet_not_held(pkt, caller);
}

static int nbpool_bad_bounds(struct nbpool_packet *pkt, const char *caller,
			     unsigned int offset, unsigned int len)
{
	nbpool_count_bad(pkt->pool);
	pr_err_ratelimited("%s: pool %s: packet %u: offset %u + length %u exceeds the %u-byte data area\n",
			   caller, pkt->pool->name, pkt->index, offset, len, pkt->data_end);
	WARN_ONCE(1, "nbpool: packet bounds\n");
	return -EINVAL;
}

/**
 * __nbpool_packet_set_len() - nbpool_packet_set_len() with every check
 * @pkt: as for nbpool_packet_set_len()
 * @len: as for nbpool_packet_set_len()
 *
 * The inline nbpool_packet_set_len() comes here for anything but a held
 * packet and a length that fits: the descriptor is checked as every call
 * checks it, and the refusal named. Drivers call nbpool_packet_set_len().
 *
 * Context: any; the caller owns the packet.
 * Return: as nbpool_packet_set_len().
 */
int __nbpool_packet_set_len(struct nbpool_packet *pkt, unsigned int len)
{
	if (!nbpool_packet_held(pkt, "nbpool_packet_set_len"))
		return -EINVAL;
	if (unlikely(len > nbpool_packet_capacity(pkt)))
		return nbpool_bad_bounds(pkt, "nbpool_packet_set_len", pkt->offset, len);
	pkt->len = len;
	return 0;
}
EXPORT_SYMBOL(__nbpool_packet_set_len);

/**
 * nbpool_packet_set_offset() - move the start of the data within the buffer
 * @pkt: a packet held by the caller
 * @offset: new data offset from the buffer start; @offset + the current
 *	length must stay within the data area
 *
 * Context: any; the caller owns the packet.
 * Return: 0, or -EINVAL (with a warning, nothing changed) when it does not
 * fit or @pkt is not a held packet.
 */
int nbpool_packet_set_offset(struct nbpool_packet *pkt, unsigned int offset)
{
	if (!nbpool_packet_held(pkt, __func__))
		return -EINVAL;
	if (unlikely(!nbpool_fits(offset, pkt->len, pkt->data_end)))
		return nbpool_bad_bounds(pkt, __func__, offset, pkt->len);
	pkt->offset = offset;
	return 0;
}
EXPORT_SYMBOL(nbpool_packet_set_offset);

static void nbpool_frags_sync_for_cpu(struct nbpool_packet *pkt)
{
	struct nbpool *pool = pkt->pool;
	unsigned int i;

	for (i = 0; pool->dma_sync && i < pkt->nr_frags; i++)
		if (pkt->frags[i].len)
			dma_sync_single_range_for_cpu(pool->dev, pkt->frags[i].dma,
						      pkt->frags[i].offset, pkt->frags[i].len,
						      pool->dma_dir);
	pkt->flags |= NBPOOL_PKT_FRAGS_SYNCED;
}

/**
 * nbpool_packet_sync_for_cpu() - make received data visible to the CPU
 * @pkt: a packet held by the caller, its length set to what the device wrote
 *
 * Syncs exactly [offset, offset + len) of each of its buffers. Call after
 * the device completed the packet and before reading its data.
 *
 * Context: any context but NMI; the caller owns the packet.
 */
void nbpool_packet_sync_for_cpu(struct nbpool_packet *pkt)
{
	struct nbpool *pool = pkt->pool;

	if (pool->dma_sync && pkt->len)
		dma_sync_single_range_for_cpu(pool->dev, pkt->buf_dma, pkt->offset,
					      pkt->len, pool->dma_dir);
	pkt->cpu_synced_start = pkt->offset;
	pkt->cpu_synced_end = pkt->offset + pkt->len;
	pkt->flags |= NBPOOL_PKT_CPU_SYNCED;
	if (pkt->nr_frags)
		nbpool_frags_sync_for_cpu(pkt);
}
EXPORT_SYMBOL(nbpool_packet_sync_for_cpu);

/* Has the CPU's view of [offset, offset + len) been synced since the device wrote it? */
static bool nbpool_packet_cpu_synced(const struct nbpool_packet *pkt)
{
	return !pkt->pool->dma_sync ||
	       ((pkt->flags & NBPOOL_PKT_CPU_SYNCED) && pkt->cpu_synced_start <= pkt->offset &&
		pkt->offset + pkt->len <= pkt->cpu_synced_end);
}

/**
 * nbpool_packet_cpu_wrote() - the CPU's view of the packet is its data now
 * @pkt: a packet held by the caller whose data the CPU rewrote (an XDP
 *	program), its offset and lengths set to the result
 *
 * A later sync for the CPU would copy the device's old bytes over what the
 * CPU wrote (bounce buffers): mark every byte of it synced instead.
 *
 * Context: any; the caller owns the packet.
 */
void nbpool_packet_cpu_wrote(struct nbpool_packet *pkt)
{
	pkt->cpu_synced_start = pkt->offset;
	pkt->cpu_synced_end = pkt->offset + pkt->len;
	pkt->flags |= NBPOOL_PKT_CPU_SYNCED | NBPOOL_PKT_FRAGS_SYNCED;
}

/* Hand [@offset, @offset + @len) of @pkt's first buffer to the device. */
static void nbpool_head_sync_for_device(struct nbpool_packet *pkt, unsigned int offset,
					unsigned int len)
{
	struct nbpool *pool = pkt->pool;

	if (pool->dma_sync && len)
		dma_sync_single_range_for_device(pool->dev, pkt->buf_dma, offset, len,
						 pool->dma_dir);
	pkt->flags &= ~(NBPOOL_PKT_CPU_SYNCED | NBPOOL_PKT_FRAGS_SYNCED);
}

/**
 * nbpool_packet_sync_for_device() - hand data the CPU wrote to the device
 * @pkt: a packet held by the caller
 *
 * Syncs exactly [offset, offset + len) of each of its buffers. Call after
 * writing the data and before posting the packet to the device.
 *
 * Context: any context but NMI; the caller owns the packet.
 */
void nbpool_packet_sync_for_device(struct nbpool_packet *pkt)
{
	struct nbpool *pool = pkt->pool;
	unsigned int i;

	nbpool_head_sync_for_device(pkt, pkt->offset, pkt->len);
	for (i = 0; pool->dma_sync && i < pkt->nr_frags; i++)
		if (pkt->frags[i].len)
			dma_sync_single_range_for_device(pool->dev, pkt->frags[i].dma,
							 pkt->frags[i].offset, pkt->frags[i].len,
							 pool->dma_dir);
}
EXPORT_SYMBOL(nbpool_packet_sync_for_device);

/**
 * nbpool_packet_sync_range_for_device() - hand a few bytes the CPU wrote to the device
 * @pkt: a packet held by the caller
 * @offset: where the bytes start, from the start of its first buffer (as
 *	nbpool_packet_offset())
 * @len: how many
 *
 * For bytes written after the rest was handed over: the header a driver
 * puts in front of a frame that nbpool_packet_from_skb(),
 * nbpool_packet_from_xdp_frame() or an XDP_TX verdict already synced.
 * nbpool_packet_sync_for_device() would sync the whole frame again (with
 * bounce buffers, a second copy of it).
 *
 * Context: any context but NMI; the caller owns the packet.
 * Return: 0, or -EINVAL (with a warning, nothing synced) when the range
 * leaves the first buffer's data area or @pkt is not a held packet.
 */
int nbpool_packet_sync_range_for_device(struct nbpool_packet *pkt, unsigned int offset,
					unsigned int len)
{
	if (!nbpool_packet_held(pkt, __func__))
		return -EINVAL;
	if (unlikely(!nbpool_fits(offset, len, pkt->data_end)))
		return nbpool_bad_bounds(pkt, __func__, offset, len);
	nbpool_head_sync_for_device(pkt, offset, len);
	return 0;
}
EXPORT_SYMBOL(nbpool_packet_sync_range_for_device);

/**
 * nbpool_packet_repost() - make a received packet ready for the device again
 * @pkt: a packet held by the caller, e.g. one nbpool_packet_to_skb() could
 *	not turn into an skb, or one the driver drops
 *
 * Resets the packet as nbpool_alloc() hands it out (one buffer, the
 * pool's headroom, length 0, no metadata: offload, time stamp, status,
 * direction and link header length all cleared; chained buffers go back
 * to the pool) and, in pools that receive, syncs the whole data area for the
 * device, so that what the device writes next is what the CPU reads after
 * the next completion. Post it at nbpool_packet_dma_addr() for
 * nbpool_packet_capacity() bytes.
 *
 * Context: any context but NMI; the caller owns the packet.
 * Return: 0, or -EINVAL if @pkt is not a held packet.
 */
int nbpool_packet_repost(struct nbpool_packet *pkt)
{
	if (!nbpool_packet_held(pkt, __func__))
		return -EINVAL;
	nbpool_packet_reset(pkt);
	return 0;
}
EXPORT_SYMBOL(nbpool_packet_repost);

/**
 * nbpool_packet_append() - chain another packet's buffer to a packet
 * @pkt: a packet held by the caller: the frame's first buffer and any
 *	chained so far
 * @next: a packet of one buffer, held by the caller, of the same pool: the
 *	frame's next buffer, its offset and length set to what the device
 *	wrote there
 *
 * For a frame the device wrote across several RX buffers (virtio's
 * MRG_RXBUF, a NIC's multi-descriptor receive): @next's buffer, with its
 * data offset and length, becomes @pkt's next buffer, and @next's
 * descriptor goes back to the pool, so @next must not be used again. Its
 * offload metadata is dropped: the frame's is @pkt's.
 *
 * Context: any context but NMI; the caller owns both packets. Lock-free
 * (@next's descriptor goes home the way a free from another CPU does).
 * Return: 0; -E2BIG when @pkt holds the pool's max_buffers_per_packet
 * already (nothing changed: the caller still owns @next); -EINVAL with a
 * message and a count in bad_calls (nothing changed) when either is not a
 * held packet, both are one packet, they belong to two pools, @next chains
 * buffers itself, or @next's offset and length do not fit its buffer.
 */
int nbpool_packet_append(struct nbpool_packet *pkt, struct nbpool_packet *next)
{
	struct nbpool_frag *f;
	struct nbpool *pool;
	const char *why;

	if (!nbpool_packet_held(pkt, __func__) || !nbpool_packet_held(next, __func__))
		return -EINVAL;
	pool = pkt->pool;
	why = next == pkt ? "it is the same packet" :
	      next->pool != pool ? "it belongs to another pool" :
	      next->nr_frags ? "it holds more than one buffer" : NULL;
	if (unlikely(why)) {
		nbpool_count_bad(pool);
		pr_err_ratelimited("%s: pool %s: packet %u: cannot append packet %u: %s\n",
				   __func__, pool->name, pkt->index, next->index, why);
		return -EINVAL;
	}
	if (unlikely(!nbpool_fits(next->offset, next->len, next->data_end)))
		return nbpool_bad_bounds(next, __func__, next->offset, next->len);
	if (pkt->nr_frags >= pool->max_frags)
		return -E2BIG;

	f = &pkt->frags[pkt->nr_frags];
	f->buf = next->buf;
	f->dma = next->buf_dma;
	f->buf_id = next->buf_id;
	f->offset = next->offset;
	f->len = next->len;
	/* The buffer stays held, now in @pkt; only the descriptor goes home, lock-free. */
	if (nbpool_give_back(next, NBPOOL_PKT_MOVED, __func__))
		return -EINVAL;
	pkt->nr_frags++;
	pkt->flags = (pkt->flags & ~NBPOOL_PKT_FRAGS_SYNCED) | NBPOOL_PKT_DIRTY;
	return 0;
}
EXPORT_SYMBOL(nbpool_packet_append);

/**
 * nbpool_packet_add_buffer() - chain a free buffer of the pool to a packet
 * @pkt: a packet held by the caller
 * @gfp: as for nbpool_alloc()
 *
 * For a driver that fills a frame larger than a buffer itself: the new
 * buffer is nbpool_packet_frag(@pkt, nbpool_packet_buffers(@pkt) - 2),
 * its data offset and length 0; set the length with
 * nbpool_packet_set_frag_len(). In pools that can receive, it is synced
 * for the device like a new packet.
 *
 * Context: as nbpool_alloc(); takes the pool's lock.
 * Return: 0; -ENOBUFS when no buffer is free (counted as an exhaustion
 * event); -E2BIG when @pkt holds max_buffers_per_packet already; -EINVAL
 * if @pkt is not a held packet. Nothing changes on failure.
 */
int nbpool_packet_add_buffer(struct nbpool_packet *pkt, gfp_t gfp)
{
	struct nbpool_frag *f;
	struct nbpool *pool;
	unsigned long flags;
	u32 buf_id;
	int err;

	if (!nbpool_packet_held(pkt, __func__))
		return -EINVAL;
	pool = pkt->pool;
	if (pkt->nr_frags >= pool->max_frags)
		return -E2BIG;
	nbpool_lock(pool, flags);
	err = nbpool_take_buffer(pool, &buf_id);
	nbpool_unlock(pool, flags);
	if (err && gfpflags_allow_blocking(gfp) && READ_ONCE(pool->cache.count)) {
		nbpool_cache_take_back(pool);
		nbpool_lock(pool, flags);
		err = nbpool_take_buffer(pool, &buf_id);
		nbpool_unlock(pool, flags);
	}
	if (err)
		return err;

	f = &pkt->frags[pkt->nr_frags];
	nbpool_buffer_addr(pool, buf_id, &f->buf, &f->dma);
	f->buf_id = buf_id;
	f->offset = 0;
	f->len = 0;
	if (pool->sync_alloc)
		dma_sync_single_for_device(pool->dev, f->dma, pool->data_end, pool->dma_dir);
	pkt->nr_frags++;
	pkt->flags = (pkt->flags & ~NBPOOL_PKT_FRAGS_SYNCED) | NBPOOL_PKT_DIRTY;
	return 0;
}
EXPORT_SYMBOL(nbpool_packet_add_buffer);

/**
 * nbpool_packet_set_frag_len() - set the data bytes of a chained buffer
 * @pkt: a packet held by the caller
 * @i: which chained buffer: 0 .. nbpool_packet_buffers() - 2
 * @len: new length; the buffer's offset + @len must stay within its data area
 *
 * Context: any; the caller owns the packet.
 * Return: 0, or -EINVAL (with a message and a count in bad_calls, nothing
 * changed) for an @i the packet does not have, an @len that does not fit,
 * or a packet the caller does not hold.
 */
int nbpool_packet_set_frag_len(struct nbpool_packet *pkt, unsigned int i, unsigned int len)
{
	struct nbpool_frag *f;

	if (!nbpool_packet_held(pkt, __func__))
		return -EINVAL;
	if (unlikely(i >= pkt->nr_frags)) {
		nbpool_count_bad(pkt->pool);
		pr_err_ratelimited("%s: pool %s: packet %u has no chained buffer %u (it has %u)\n",
				   __func__, pkt->pool->name, pkt->index, i, pkt->nr_frags);
		return -EINVAL;
	}
	f = &pkt->frags[i];
	if (unlikely(len > pkt->pool->data_end - f->offset))
		return nbpool_bad_bounds(pkt, __func__, f->offset, len);
	f->len = len;
	return 0;
}
EXPORT_SYMBOL(nbpool_packet_set_frag_len);

/* Do the chained buffers' offsets and lengths (public fields) fit their buffers? */
static bool nbpool_frags_fit(struct nbpool_packet *pkt, const char *caller)
{
	unsigned int end = pkt->pool->data_end, i;

	for (i = 0; i < pkt->nr_frags; i++) {
		const struct nbpool_frag *f = &pkt->frags[i];

		if (unlikely(!nbpool_fits(f->offset, f->len, end))) {
			nbpool_bad_bounds(pkt, caller, f->offset, f->len);
			return false;
		}
	}
	return true;
}

/*
 * An skb for a copy of @len bytes: linear for one buffer; for a chain the
 * first buffer's worth linear and the rest in page fragments, so that a
 * 64 KiB frame needs no order-5 atomic allocation when memory is short,
 * which is when the pool copies.
 */
static struct sk_buff *nbpool_copy_skb_alloc(struct nbpool_packet *pkt, unsigned int len)
{
	struct nbpool *pool = pkt->pool;
	struct sk_buff *skb;
	int err;

	if (!pkt->nr_frags) {
		skb = pool->napi && in_softirq() ? napi_alloc_skb(pool->napi, len) :
		      __netdev_alloc_skb(pool->netdev, len, GFP_ATOMIC);
		if (skb)
			__skb_put(skb, len);
		return skb;
	}
	skb = alloc_skb_with_frags(NET_SKB_PAD + NET_IP_ALIGN + pkt->len, len - pkt->len,
				   PAGE_ALLOC_COSTLY_ORDER, &err, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, NET_SKB_PAD + NET_IP_ALIGN);
	__skb_put(skb, pkt->len);
	skb->data_len = len - pkt->len;
	skb->len = len;
	skb->dev = pool->netdev;
	return skb;
}

static struct sk_buff *nbpool_copy_to_skb(struct nbpool_packet *pkt)
{
	unsigned int len = nbpool_packet_total_len(pkt), at, i;
	struct nbpool *pool = pkt->pool;
	struct sk_buff *skb;

	skb = nbpool_copy_skb_alloc(pkt, len);
	if (!skb)
		return NULL;
	skb_copy_to_linear_data(skb, nbpool_packet_data(pkt), pkt->len);
	for (at = pkt->len, i = 0; i < pkt->nr_frags; at += pkt->frags[i++].len)
		WARN_ON_ONCE(skb_store_bits(skb, at, nbpool_frag_data(&pkt->frags[i]),
					    pkt->frags[i].len));
	nbpool_offload_to_skb(pkt, skb);
	this_cpu_inc(pool->pcpu->rx_copies);
	trace_nbpool_rx_copy(pool->name, READ_ONCE(pool->nr_free_bufs), pool->rx_copy_watermark);
	nbpool_free(pkt);
	return skb;
}

/**
 * nbpool_lend_out() - a packet's buffers leave with the page references taken for them
 * @pkt: a held packet; each of its buffers' pages holds one more reference,
 *	which whoever has the buffer now (an skb, an XDP frame) drops
 * @caller: function name for the message on a double free
 *
 * The descriptor goes home at once, the buffers when their pages do.
 *
 * Context: any context but NMI.
 */
void nbpool_lend_out(struct nbpool_packet *pkt, const char *caller)
{
	this_cpu_add(pkt->pool->pcpu->lent, 1 + pkt->nr_frags);
	nbpool_give_back(pkt, NBPOOL_PKT_LENT, caller);
}

/*
 * The buffers go up the stack in @skb, built on the first: the others
 * become its page fragments. The skb holds a reference on each buffer's
 * page.
 */
static void nbpool_lend(struct nbpool *pool, struct nbpool_packet *pkt, struct sk_buff *skb)
{
	unsigned int i;

	get_page(nbpool_page_of(pool, pkt->buf_id)->page);
	for (i = 0; i < pkt->nr_frags; i++) {
		const struct nbpool_frag *f = &pkt->frags[i];
		struct page *page = nbpool_page_of(pool, f->buf_id)->page;

		get_page(page);
		skb_add_rx_frag(skb, i, page, f->buf - page_address(page) + f->offset, f->len,
				pool->buffer_size);
	}
	nbpool_lend_out(pkt, "nbpool_packet_to_skb");
}

/**
 * nbpool_packet_rx_check() - may the CPU read a received packet now?
 * @pkt: the packet the driver hands over
 * @caller: function name for messages
 *
 * The checks and syncs before the stack or an XDP program reads a received
 * frame: a held packet of a pool that receives, outside NMI, its offset
 * and lengths (public fields: a driver may have written them) within its
 * buffers, and every byte of it synced for the CPU. The whole of
 * nbpool_packet_rx_ready(), which does the common case inline.
 *
 * Context: any context but NMI; the caller owns the packet.
 * Return: true, or false after a message and a count in bad_calls.
 */
bool nbpool_packet_rx_check(struct nbpool_packet *pkt, const char *caller)
{
	struct nbpool *pool;

	if (!nbpool_packet_held(pkt, caller))
		return false;
	pool = pkt->pool;
	if (unlikely(pool->dma_dir == DMA_TO_DEVICE || in_nmi())) {
		nbpool_count_bad(pool);
		pr_err_ratelimited("%s: pool %s: %s\n", caller, pool->name,
				   in_nmi() ? "called in NMI" : "a DMA_TO_DEVICE pool cannot receive");
		return false;
	}
	if (unlikely(!nbpool_fits(pkt->offset, pkt->len, pkt->data_end))) {
		nbpool_bad_bounds(pkt, caller, pkt->offset, pkt->len);
		return false;
	}
	if (unlikely(pkt->nr_frags) && !nbpool_frags_fit(pkt, caller))
		return false;
	if (!nbpool_packet_cpu_synced(pkt))
		nbpool_packet_sync_for_cpu(pkt);
	else if (unlikely(pkt->nr_frags) && !(pkt->flags & NBPOOL_PKT_FRAGS_SYNCED))
		nbpool_frags_sync_for_cpu(pkt);
	return true;
}

/**
 * nbpool_packet_to_skb() - turn a received packet into an skb
 * @pkt: a packet held by the caller, its offset and length set to the
 *	frame the device wrote
 *
 * Normally builds the skb on the packet's buffer without copying: the skb
 * data starts at the packet's offset (the headroom is the skb's headroom)
 * and the buffer returns to the pool when the stack has let go of the skb
 * (and of every other skb on its page). When fewer buffers than the pool's
 * rx_copy_watermark are free, the data is copied into a new skb and the
 * buffer goes back at once, so the RX ring cannot starve while the stack
 * holds buffers. Either way the descriptor is released: @pkt must not be
 * used again. Syncs for the CPU whatever the driver did not sync yet. The
 * packet's offload metadata (checksum state, hash, VLAN tag, coalesced
 * segments: see &struct nbpool_offload) goes into the skb.
 *
 * Context: any context but NMI; in the pool's NAPI poll it uses the
 * per-CPU NAPI skb cache.
 * Return: the skb; NULL if no skb could be allocated, in which case the
 * driver still owns @pkt (to free it, or to re-post it with
 * nbpool_packet_repost()); NULL with a message and a count in bad_calls if
 * @pkt is not a held packet of a pool that receives, or its offset and
 * length do not fit its buffer.
 */
struct sk_buff *nbpool_packet_to_skb(struct nbpool_packet *pkt)
{
	struct nbpool *pool;
	struct sk_buff *skb;

	if (!nbpool_packet_rx_ready(pkt, __func__))
		return NULL;
	pool = pkt->pool;
	if (nbpool_buffers_free(pool) < pool->rx_copy_watermark) {
		skb = nbpool_copy_to_skb(pkt);
	} else {
		skb = in_softirq() ? napi_build_skb(pkt->buf, pool->buffer_size) :
				     build_skb(pkt->buf, pool->buffer_size);
		if (likely(skb)) {
			skb_reserve(skb, pkt->offset);
			__skb_put(skb, pkt->len);
			nbpool_offload_to_skb(pkt, skb);
			nbpool_lend(pool, pkt, skb);
		}
	}
	/* The driver may re-post @pkt: what the device writes next must be synced again. */
	if (unlikely(!skb))
		pkt->flags &= ~(NBPOOL_PKT_CPU_SYNCED | NBPOOL_PKT_FRAGS_SYNCED);
	return skb;
}
EXPORT_SYMBOL(nbpool_packet_to_skb);

/**
 * nbpool_alloc_frame() - a packet with room for a frame to transmit
 * @pool: the TX (or bidirectional) pool
 * @len: the frame's length
 * @gfp: as for nbpool_alloc()
 * @caller: function name for messages
 *
 * The frame starts at the pool's headroom and continues from the start of
 * each chained buffer: the packet's and its buffers' lengths are set to
 * the frame's layout, for the caller to fill.
 *
 * Context: as nbpool_alloc().
 * Return: the packet, or ERR_PTR(-ENOBUFS), ERR_PTR(-EMSGSIZE) or
 * ERR_PTR(-EINVAL) as nbpool_packet_from_skb() describes.
 */
struct nbpool_packet *nbpool_alloc_frame(struct nbpool *pool, unsigned int len, gfp_t gfp,
					 const char *caller)
{
	unsigned int head, more, at, i;
	struct nbpool_packet *pkt;

	if (!nbpool_pool_valid(pool, caller))
		return ERR_PTR(-EINVAL);
	if (unlikely(pool->dma_dir == DMA_FROM_DEVICE)) {
		nbpool_count_bad(pool);
		pr_err_ratelimited("%s: pool %s is a DMA_FROM_DEVICE pool: the device cannot read it\n",
				   caller, pool->name);
		return ERR_PTR(-EINVAL);
	}
	head = pool->data_end - pool->headroom;
	more = len > head ? DIV_ROUND_UP(len - head, pool->data_end) : 0;
	if (unlikely(more > pool->max_frags)) {
		pr_err_ratelimited("%s: pool %s: a frame of %u bytes exceeds the %u bytes of %u buffers\n",
				   caller, pool->name, len,
				   head + pool->max_frags * pool->data_end, pool->max_frags + 1);
		return ERR_PTR(-EMSGSIZE);
	}
	pkt = nbpool_alloc(pool, gfp);
	if (!pkt)
		return ERR_PTR(-ENOBUFS);
	for (i = 0; i < more; i++) {
		if (nbpool_packet_add_buffer(pkt, gfp)) {
			nbpool_free(pkt);	/* with the buffers chained so far */
			return ERR_PTR(-ENOBUFS);
		}
	}
	pkt->len = min(len, head);
	for (at = pkt->len, i = 0; i < more; at += pkt->frags[i++].len)
		pkt->frags[i].len = min(len - at, pool->data_end);
	pkt->direction = NBPOOL_DIR_TX;
	pkt->flags |= NBPOOL_PKT_DIRTY;
	return pkt;
}

/*
 * Copy @len bytes of @skb from @at to @to, adding those from @start on to
 * @csum, the sum from @start so far; returns the new sum. Cannot fail:
 * every range copied lies within the skb.
 */
static __wsum nbpool_copy_csum_range(const struct sk_buff *skb, int at, u8 *to, int len,
				     int start, __wsum csum)
{
	int plain = clamp(start - at, 0, len);

	skb_copy_bits(skb, at, to, plain);
	if (plain == len)
		return csum;
	return csum_block_add(csum, skb_copy_and_csum_bits(skb, at + plain, to + plain,
							    len - plain),
			      at + plain - start);
}

/*
 * Copy @skb into @pkt's buffers (sized for it: the first from its data
 * offset, each chained one from its start), summing the bytes from @start
 * on (skb->len: none, a plain copy). Returns the sum.
 */
__wsum nbpool_copy_from_skb(struct nbpool_packet *pkt, const struct sk_buff *skb, int start)
{
	__wsum csum;
	int at, i;

	csum = nbpool_copy_csum_range(skb, 0, nbpool_packet_data(pkt), pkt->len, start, 0);
	for (at = pkt->len, i = 0; i < pkt->nr_frags; at += pkt->frags[i++].len)
		csum = nbpool_copy_csum_range(skb, at, pkt->frags[i].buf, pkt->frags[i].len,
					      start, csum);
	return csum;
}

/**
 * nbpool_packet_from_skb() - copy an skb to transmit into pool buffers
 * @pool: the TX (or bidirectional) pool
 * @skb: the skb; linear data and page fragments are copied. Not consumed:
 *	the caller frees it when it likes (typically at once).
 * @gfp: as for nbpool_alloc()
 *
 * The packet starts at the pool's headroom, holds skb->len bytes and is
 * synced for the device, ready to post at nbpool_packet_dma_addr(). A
 * frame larger than one buffer's data area (a jumbo frame, a GSO skb the
 * device segments) fills a chain of buffers, each filled from its start,
 * in pools whose max_buffers_per_packet allows it: post each of
 * nbpool_packet_buffers() buffers (nbpool_packet_frag()). The driver never
 * maps skb memory for DMA. The skb's checksum request,
 * segmentation and VLAN tag are in nbpool_packet_offload() for the driver
 * to put in the device's descriptor.
 *
 * Context: any context but NMI (ndo_start_xmit, also under netpoll with
 * interrupts off).
 * Return: the packet; ERR_PTR(-ENOBUFS) when the pool is exhausted (the
 * driver should stop its queue; nothing is held), ERR_PTR(-EMSGSIZE) when
 * the skb is larger than max_buffers_per_packet buffers hold,
 * ERR_PTR(-EINVAL) on a bad call, including a
 * pool that only receives (%DMA_FROM_DEVICE: the device cannot read it).
 */
struct nbpool_packet *nbpool_packet_from_skb(struct nbpool *pool,
					     struct sk_buff *skb, gfp_t gfp)
{
	struct nbpool_packet *pkt;
	bool summed;

	if (unlikely(!skb)) {
		pr_err_ratelimited("%s: no skb\n", __func__);
		return ERR_PTR(-EINVAL);
	}
	pkt = nbpool_alloc_frame(pool, skb->len, gfp, __func__);
	if (IS_ERR(pkt))
		return pkt;
	summed = pool->tx_csum && nbpool_copy_and_csum(pkt, skb);
	if (!summed)
		nbpool_copy_from_skb(pkt, skb, skb->len);
	nbpool_offload_from_skb(pkt, skb, summed);
	nbpool_packet_sync_for_device(pkt);
	this_cpu_inc(pool->pcpu->tx_copies);
	return pkt;
}
EXPORT_SYMBOL(nbpool_packet_from_skb);
