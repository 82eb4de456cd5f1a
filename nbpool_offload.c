// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool: offload metadata between packets and skbs.
 *
 * A received packet's checksum state, hash, VLAN tag and coalesced
 * segments go into the skb nbpool_packet_to_skb() builds; an skb's
 * checksum request, segmentation and VLAN tag come out into the packet
 * nbpool_packet_from_skb() fills. The driver sets and reads the packet's
 * side with the inline accessors in nbpool.h, which report bad values here.
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
 * the packet's first data byte and the frame linear.
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
 * TX: what the stack asks the device to do. The packet's data starts with
 * skb->data, so offsets from skb->data are offsets from the packet's data.
 */
void nbpool_offload_from_skb(struct nbpool_packet *pkt, const struct sk_buff *skb)
{
	struct nbpool_offload *o = &pkt->offload;

	pkt->flags |= NBPOOL_PKT_DIRTY;
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
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
