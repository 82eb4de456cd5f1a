// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool: offload metadata between packets and skbs.
 *
 * A received packet's checksum state, hash, VLAN tag and coalesced
 * segments go into the skb nbpool_packet_to_skb() builds; an skb's
 * checksum request, segmentation and VLAN tag come out into the packet
 * nbpool_packet_from_skb() fills, or with NBPOOL_F_TX_CSUM the checksum
 * is finished in the copy. The driver sets and reads the packet's side
 * with the inline accessors in nbpool.h, which report bad values here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/skbuff.h>
#include <linux/if_vlan.h>
#include "nbpool_internal.h"

/**
 * nbpool_packet_bad_offload() - report a bad offload value from a setter
 * @pkt: the packet the value was meant for
 * @caller: the setter's name, for the message
 * @what: which value, for the message
 * @value: the value
 *
 * The cold half of the nbpool_packet_set_*() offload setters: one
 * rate-limited message naming the value, and a count in bad_calls.
 *
 * Context: any.
 * Return: -EINVAL.
 */
int nbpool_packet_bad_offload(struct nbpool_packet *pkt, const char *caller,
			      const char *what, unsigned int value)
{
	if (!nbpool_packet_valid(pkt, caller))
		return -EINVAL;
	nbpool_count_bad(pkt->pool);
	pr_err_ratelimited("%s: pool %s: packet %u: bad %s %u\n",
			   caller, pkt->pool->name, pkt->index, what, value);
	return -EINVAL;
}
EXPORT_SYMBOL(nbpool_packet_bad_offload);

/*
 * RX: what the device found goes with the frame. Called with skb->data at
 * the packet's first data byte and its first buffer's bytes linear.
 */
void nbpool_offload_to_skb(struct nbpool_packet *pkt, struct sk_buff *skb)
{
	const struct nbpool_offload *o = &pkt->offload;

	switch (o->ip_summed) {
	case CHECKSUM_UNNECESSARY:
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		skb->csum_level = o->csum_level;
		break;
	case CHECKSUM_COMPLETE:
		skb->ip_summed = CHECKSUM_COMPLETE;
		skb->csum = o->csum;
		break;
	case CHECKSUM_PARTIAL:
		/*
		 * The setter checked against the buffer; this checks against
		 * the frame, whose length was set later. A frame that fails
		 * goes up unchecksummed and the stack drops it.
		 */
		if (!skb_partial_csum_set(skb, o->csum_start, o->csum_offset))
			nbpool_packet_bad_offload(pkt, "nbpool_packet_to_skb",
						  "checksum start", o->csum_start);
		break;
	}
	if (o->hash_type)
		skb_set_hash(skb, o->hash, o->hash_type);
	if (o->vlan_present)
		__vlan_hwaccel_put_tag(skb, o->vlan_proto, o->vlan_tci);
	if (o->gso_size) {
		skb_shinfo(skb)->gso_size = o->gso_size;
		skb_shinfo(skb)->gso_type = o->gso_type;
		skb_shinfo(skb)->gso_segs = o->gso_segs;
	}
}

/*
 * NBPOOL_F_TX_CSUM: copy @skb into @pkt's buffers (sized for it) and
 * finish its checksum on the way, as skb_checksum_help() would: the sum
 * from csum_start to the end, folded, at csum_offset (0 goes out as
 * 0xffff). One pass over the bytes, not two. False, with nothing written,
 * for what this cannot finish: no CHECKSUM_PARTIAL, a GSO skb (the device
 * sums each segment), a CRC rather than an Internet checksum, or a
 * checksum field outside the first buffer.
 */
bool nbpool_copy_and_csum(struct nbpool_packet *pkt, struct sk_buff *skb)
{
	int start = skb_checksum_start_offset(skb);
	__wsum csum;

	if (skb->ip_summed != CHECKSUM_PARTIAL || skb_is_gso(skb) || skb_csum_is_sctp(skb) ||
	    start < 0 || start + skb->csum_offset + sizeof(__sum16) > pkt->len)
		return false;
	csum = nbpool_copy_from_skb(pkt, skb, start);
	*(__sum16 *)(nbpool_packet_data(pkt) + start + skb->csum_offset) =
		csum_fold(csum) ?: CSUM_MANGLED_0;
	this_cpu_inc(pkt->pool->pcpu->tx_csums);
	return true;
}

/*
 * TX: what the stack asks the device to do; with @csum_done the copy
 * finished the checksum, so nothing is asked of it. The packet's data
 * starts with skb->data, so offsets from skb->data are offsets from the
 * packet's data.
 */
void nbpool_offload_from_skb(struct nbpool_packet *pkt, const struct sk_buff *skb,
			     bool csum_done)
{
	struct nbpool_offload *o = &pkt->offload;

	pkt->flags |= NBPOOL_PKT_DIRTY;
	if (skb->ip_summed == CHECKSUM_PARTIAL && !csum_done) {
		o->ip_summed = CHECKSUM_PARTIAL;
		o->csum_start = skb_checksum_start_offset(skb);
		o->csum_offset = skb->csum_offset;
	}
	if (skb_is_gso(skb)) {
		o->gso_size = skb_shinfo(skb)->gso_size;
		o->gso_type = skb_shinfo(skb)->gso_type;
		o->gso_segs = skb_shinfo(skb)->gso_segs;
	}
	if (skb_vlan_tag_present(skb)) {
		o->vlan_present = 1;
		o->vlan_proto = skb->vlan_proto;
		o->vlan_tci = skb_vlan_tag_get(skb);
	}
}
