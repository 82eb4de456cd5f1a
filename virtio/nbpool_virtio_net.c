// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool_virtio_net: a compact driver for QEMU's modern virtio-net-pci
 * device whose every RX and TX ring buffer lives in an nbpool.
 *
 * It is a PCI driver with virtqueues of its own rather than a virtio-bus
 * driver: the virtio core maps every buffer it is given (6.1 has no
 * premapped mode), while here the device must be given the DMA addresses
 * nbpool mapped once. The transport registers are reached through the
 * kernel's virtio_pci_modern_dev helpers.
 *
 * Queue pairs (VIRTIO_NET_F_MQ, set through the control virtqueue; one
 * per CPU, ethtool -l/-L), each with its own RX and TX pool, NAPIs, IRQ
 * affinity and XPS; BQL and EVENT_IDX; link state from the device, MAC,
 * MTU up to 9000 (a frame across several pool buffers, with MRG_RXBUF);
 * ip -s link counters and the kernel's per-queue statistics (6.9+);
 * ethtool -S with the pools' counters and each queue's, and -g/-G (ring
 * and pool sizes, through a device reset); scatter-gather and checksum
 * offload, the device's (VIRTIO_NET_F_CSUM, and GUEST_CSUM on RX) through
 * the packets' offload metadata, or, where it has none, the sum taken
 * while copying into the pool; TSO (HOST_TSO4/6) in frames of up to what
 * one TX packet holds, and the device's coalesced TCP on RX (GUEST_TSO4/6,
 * ethtool's rx-gro-hw) in frames of up to 64 KiB across the pool's
 * buffers; XDP (every verdict, XDP_TX from the RX buffer itself,
 * ndo_xdp_xmit, multi-buffer frames); suspend, resume and shutdown; a TX
 * watchdog that reports the ring. make check drives it with ping, TCP
 * with checksums, UDP overruns, MTU, ring and link changes, XDP programs,
 * suspend, rmmod/insmod and hot-unplug under traffic, and the offloads
 * and queue pairs on a tap backend.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/interrupt.h>
#include <linux/virtio_pci_modern.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <linux/u64_stats_sync.h>
#include <linux/tcp.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/tcp.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <net/xdp.h>
#include "nbpool.h"
#include "nbpool_compat.h"

#define NBVN_RING	256		/* descriptors per virtqueue, at most */
#define NBVN_MAX_QPS	8		/* queue pairs, at most */
#define NBVN_CTRL_RING	8		/* the control virtqueue: one command at a time */
/*
 * Jumbo frames, with VIRTIO_NET_F_MRG_RXBUF: a frame of up to NBVN_MAX_MTU
 * spans several 2048-byte pool buffers, each its own descriptor, on RX
 * (the device says how many in the header) and on TX (a descriptor
 * chain). NBVN_MAX_BUFS bounds a frame: 9000 bytes take 6 RX buffers.
 */
#define NBVN_MAX_MTU	9000
#define NBVN_MAX_BUFS	8
#define NBVN_RING_MIN	NBVN_MAX_BUFS	/* the least ring (ethtool -G): one whole frame */
/*
 * The TX queue stops while fewer descriptors than a frame may need are
 * free, and wakes at a quarter of the ring.
 */
#define NBVN_TX_WAKE_AT(vq)	max_t(u16, (vq)->num / 4, NBVN_MAX_BUFS)
#define NBVN_HDR	sizeof(struct virtio_net_hdr_v1)
/* How soon an RX ring left empty is tried again. */
#define NBVN_REFILL_RETRY	(HZ / 20)
/*
 * RX headroom: room for the stack to push headers, plus NET_IP_ALIGN so
 * that the IP header after the 12-byte virtio-net header and the 14-byte
 * Ethernet header lands 4-byte aligned where the architecture wants it
 * (0 on x86, where unaligned loads cost nothing).
 */
#define NBVN_RX_HEADROOM	(NET_SKB_PAD + NET_IP_ALIGN)
/*
 * While an XDP program is attached the RX pool changes layout (through a
 * device reset, as for a ring change): XDP_PACKET_HEADROOM for the program
 * and for XDP frames, 4096-byte buffers so that a 1500-byte frame still
 * fits one, and DMA_BIDIRECTIONAL so that XDP_TX can send the buffer the
 * device wrote.
 */
#define NBVN_XDP_BUF		4096
/*
 * With the device's coalesced TCP (GUEST_TSO4/6) a frame is up to 64 KiB
 * plus headers, across as many RX buffers as it takes (18 on x86-64, at
 * most an skb's fragments and its head): the RX pool then has 4096-byte
 * buffers. Not negotiated where a packet cannot hold that
 * (nbvn_gro_hw_fits()), nor while XDP runs: a program may rewrite the
 * frame, and XDP frames have fewer fragments.
 */
#define NBVN_GRO_HW_BUF		4096
/* The largest: an IPv6 payload of 64 KiB after its header, behind a VLAN tag. */
#define NBVN_GRO_HW_FRAME	(NBVN_HDR + VLAN_ETH_HLEN + sizeof(struct ipv6hdr) + IP_MAX_MTU)
#define NBVN_GUEST_TSO		(BIT_ULL(VIRTIO_NET_F_GUEST_TSO4) | BIT_ULL(VIRTIO_NET_F_GUEST_TSO6))
/* A device waits for room for a whole frame: an RX ring holds one of the most buffers. */
#define NBVN_GRO_HW_RING_MIN	32
#define NBVN_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) | \
			 BIT_ULL(VIRTIO_NET_F_MAC) | BIT_ULL(VIRTIO_NET_F_STATUS) | \
			 BIT_ULL(VIRTIO_NET_F_MTU) | BIT_ULL(VIRTIO_NET_F_MRG_RXBUF) | \
			 BIT_ULL(VIRTIO_NET_F_CSUM) | BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) | \
			 BIT_ULL(VIRTIO_NET_F_HOST_TSO4) | BIT_ULL(VIRTIO_NET_F_HOST_TSO6) | \
			 NBVN_GUEST_TSO | \
			 BIT_ULL(VIRTIO_NET_F_CTRL_VQ) | BIT_ULL(VIRTIO_NET_F_MQ) | \
			 BIT_ULL(VIRTIO_RING_F_EVENT_IDX))

/*
 * MSI-X vectors: config changes, then each queue pair's RX and TX; the
 * pair's virtqueues are 2 * pair (RX) and 2 * pair + 1 (TX).
 */
#define NBVN_VEC_CONFIG		0
#define NBVN_VEC_RX(pair)	(1 + 2 * (pair))
#define NBVN_VEC_TX(pair)	(2 + 2 * (pair))
#define NBVN_NVEC(pairs)	(1 + 2 * (pairs))

/* Device status once the driver has found the device, before features. */
#define NBVN_S_FOUND	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER)

/* Modern virtio (VERSION_1) is little-endian; the vring types say "virtio". */
#define nbvn_16(v)	((__force __virtio16)cpu_to_le16(v))
#define nbvn_32(v)	((__force __virtio32)cpu_to_le32(v))
#define nbvn_64(v)	((__force __virtio64)cpu_to_le64(v))
#define nbvn_u16(v)	le16_to_cpu((__force __le16)(v))

/*
 * A split virtqueue in coherent memory. A packet takes one descriptor per
 * buffer, chained; pkts[] has it at its first descriptor's id.
 */
struct nbvn_vq {
	u16 index;
	u16 num;
	struct vring vring;
	void *ring;
	dma_addr_t ring_dma;
	size_t ring_size;
	void __iomem *notify;
	struct nbpool_packet **pkts;	/* by the id of a chain's first descriptor */
	struct sk_buff **skbs;		/* TX only: the skb a packet was copied from, by the same id */
	u16 *next_ids;			/* each chained descriptor's next: the driver's copy */
	u16 *free_ids;
	u16 nr_free;
	u16 avail_idx;
	u16 kicked_idx;			/* avail_idx when a doorbell was last considered */
	u16 last_used;
	bool event;			/* VIRTIO_RING_F_EVENT_IDX: the device says when to ring and interrupt */
	bool broken;			/* the device completed what it did not hold */
	struct device *dev;		/* for messages */
};

/* Each RX queue's counters, indexes into struct nbvn_stats. */
enum {
	NBVN_RX_PACKETS,
	NBVN_RX_BYTES,		/* frames as on the wire: Ethernet header on */
	NBVN_RX_LENGTH_ERRORS,	/* frames the device wrote too short or too long */
	NBVN_RX_DROPPED,	/* frames no skb could be built for */
	NBVN_RX_ALLOC_FAIL,	/* refills that found the pool empty */
	NBVN_RX_RING_EMPTY,	/* refills that left the device no buffer */
	NBVN_RX_KICKS,		/* doorbells rung */
	NBVN_RX_CSUM_VALID,	/* frames whose checksum the device checked */
	NBVN_RX_NEEDS_CSUM,	/* frames whose sender left the checksum to be computed */
	NBVN_RX_GSO,		/* frames the device coalesced from TCP segments */
	NBVN_RX_NSTATS
};

/* Each TX queue's. */
enum {
	NBVN_TX_PACKETS,
	NBVN_TX_BYTES,
	NBVN_TX_DROPPED,	/* frames that could not be copied into the pool */
	NBVN_TX_STOP,		/* times xmit stopped the queue: ring full */
	NBVN_TX_WAKE,
	NBVN_TX_KICKS,
	NBVN_TX_XDP,		/* frames XDP sent: XDP_TX and ndo_xdp_xmit */
	NBVN_TX_XDP_DROPS,	/* frames XDP sent that found the ring full or the device resetting */
	NBVN_TX_TIMEOUTS,	/* times the stack's watchdog found the queue stuck */
	NBVN_TX_NEEDS_CSUM,	/* frames the device was asked to checksum */
	NBVN_TX_TSO,		/* frames the device was asked to segment */
	NBVN_TX_NSTATS
};

/* Room for either queue's counters. */
#define NBVN_NSTATS	MAX_T(int, NBVN_RX_NSTATS, NBVN_TX_NSTATS)

/*
 * One queue's counters, written by one context at a time (RX: its NAPI;
 * TX: whoever holds the queue's lock) and read by nbvn_stats_read(), so
 * 32-bit readers never see a torn value.
 */
struct nbvn_stats {
	u64_stats_t v[NBVN_NSTATS];
	struct u64_stats_sync syncp;
};

/*
 * A queue pair: an RX and a TX virtqueue, each with its NAPI, pool and
 * counters. The RX pool is owned by the RX NAPI; the TX queue's lock
 * (netdev_get_tx_queue(ndev, index)) serializes everything that touches
 * the TX ring.
 */
struct nbvn_qp {
	struct nbvn *vi;
	u16 index;
	struct napi_struct rx_napi;
	struct napi_struct tx_napi;
	struct nbvn_vq rx;
	struct nbvn_vq tx;
	struct nbpool *rx_pool;
	struct nbpool *tx_pool;
	struct nbvn_stats rx_stats;
	struct nbvn_stats tx_stats;
	struct xdp_rxq_info xdp_rxq;		/* registered while the RX pool has the XDP layout */
	struct delayed_work refill;		/* the RX ring ran empty: poll again later */
};

/* A control command (VIRTIO_NET_F_CTRL_VQ), in coherent memory. */
struct nbvn_ctrl {
	struct virtio_net_ctrl_hdr hdr;
	struct virtio_net_ctrl_mq mq;	/* the data of the one command sent */
	virtio_net_ctrl_ack status;	/* what the device writes back */
};

struct nbvn {
	struct virtio_pci_modern_device mdev;
	struct net_device *ndev;
	struct nbvn_qp *qps;		/* max_qps of them */
	u16 max_qps;			/* as many as the device and the vectors allow */
	u16 nr_qps;			/* queue pairs in use: ethtool -L */
	struct nbvn_vq cvq;		/* the control virtqueue, virtqueue cvq_index */
	u16 cvq_index;
	struct nbvn_ctrl *ctrl;
	dma_addr_t ctrl_dma;
	struct bpf_prog __rcu *xdp_prog;	/* under RTNL; the RX polls read it under RCU */
	u64 offered;			/* what the device offers of NBVN_FEATURES */
	u64 features;			/* what this start negotiated */
	u16 rx_max, tx_max;		/* the largest rings the device takes, up to NBVN_RING */
	u16 rx_num, tx_num;		/* the ring sizes in use: the last that started */
	int irqs;			/* vectors with a handler installed */
	bool config_live;		/* link changes reach the netdev */
	bool gro_hw_off;		/* ethtool -K rx-gro-hw off: no GUEST_TSO */
};

/*
 * Set up virtqueue @index with @num descriptors (a power of 2) on a reset
 * device; a TX queue (@tx) keeps each packet's skb beside it.
 */
static int nbvn_vq_init(struct nbvn *vi, struct nbvn_vq *vq, u16 index, u16 num, bool tx)
{
	struct device *dev = &vi->mdev.pci_dev->dev;
	u16 i;

	vq->index = index;
	vq->dev = dev;
	vq->event = vi->features & BIT_ULL(VIRTIO_RING_F_EVENT_IDX);
	vq->num = num;
	vq->ring_size = vring_size(vq->num, SMP_CACHE_BYTES);
	vq->ring = dma_alloc_coherent(dev, vq->ring_size, &vq->ring_dma, GFP_KERNEL);
	vq->pkts = kcalloc(vq->num, sizeof(*vq->pkts), GFP_KERNEL);
	if (tx)
		vq->skbs = kcalloc(vq->num, sizeof(*vq->skbs), GFP_KERNEL);
	vq->next_ids = kcalloc(vq->num, sizeof(*vq->next_ids), GFP_KERNEL);
	vq->free_ids = kcalloc(vq->num, sizeof(*vq->free_ids), GFP_KERNEL);
	if (!vq->ring || !vq->pkts || (tx && !vq->skbs) || !vq->next_ids || !vq->free_ids)
		return -ENOMEM;
	vring_init(&vq->vring, vq->num, vq->ring, SMP_CACHE_BYTES);
	for (i = 0; i < vq->num; i++)
		vq->free_ids[i] = vq->num - 1 - i;
	vq->nr_free = vq->num;

	vp_modern_set_queue_size(&vi->mdev, index, vq->num);
	vp_modern_queue_address(&vi->mdev, index, vq->ring_dma,
				vq->ring_dma + ((void *)vq->vring.avail - vq->ring),
				vq->ring_dma + ((void *)vq->vring.used - vq->ring));
	vq->notify = vp_modern_map_vq_notify(&vi->mdev, index, NULL);
	return vq->notify ? 0 : -ENOMEM;
}

static void nbvn_vq_free(struct nbvn *vi, struct nbvn_vq *vq)
{
	struct device *dev = &vi->mdev.pci_dev->dev;
	u16 i;

	for (i = 0; vq->pkts && i < vq->num; i++) {
		if (vq->pkts[i])
			nbpool_free(vq->pkts[i]);
		if (vq->skbs)
			dev_kfree_skb_any(vq->skbs[i]);
	}
	/* A queue's notify address is its own mapping only without a shared one. */
	if (vq->notify && !vi->mdev.notify_base)
		pci_iounmap(vi->mdev.pci_dev, vq->notify);
	if (vq->ring)
		dma_free_coherent(dev, vq->ring_size, vq->ring, vq->ring_dma);
	kfree(vq->pkts);
	kfree(vq->skbs);
	kfree(vq->next_ids);
	kfree(vq->free_ids);
	memset(vq, 0, sizeof(*vq));
}

/*
 * Post one packet, a descriptor for each of its buffers: the device reads
 * or writes @len bytes at its first buffer's DMA address and each chained
 * buffer's length at its own. @skb (TX, or NULL) is kept with it until the
 * device is done. The caller has checked that enough descriptors are free.
 */
static void nbvn_vq_add(struct nbvn_vq *vq, struct nbpool_packet *pkt, struct sk_buff *skb,
			u32 len, bool write)
{
	unsigned int i, n = nbpool_packet_buffers(pkt);
	u16 head = vq->free_ids[vq->nr_free - 1];

	for (i = 0; i < n; i++) {
		u16 id = vq->free_ids[--vq->nr_free];
		struct vring_desc *d = &vq->vring.desc[id];
		u16 flags = write ? VRING_DESC_F_WRITE : 0;

		if (i) {
			const struct nbpool_frag *f = nbpool_packet_frag(pkt, i - 1);

			d->addr = nbvn_64(nbpool_frag_dma_addr(f));
			d->len = nbvn_32(f->len);
		} else {
			d->addr = nbvn_64(nbpool_packet_dma_addr(pkt));
			d->len = nbvn_32(len);
		}
		if (i + 1 < n) {
			flags |= VRING_DESC_F_NEXT;
			vq->next_ids[id] = vq->free_ids[vq->nr_free - 1];
			d->next = nbvn_16(vq->next_ids[id]);
		}
		d->flags = nbvn_16(flags);
	}
	vq->pkts[head] = pkt;
	if (skb)
		vq->skbs[head] = skb;
	vq->vring.avail->ring[vq->avail_idx++ & (vq->num - 1)] = nbvn_16(head);
}

/*
 * Make what was posted visible to the device, without a doorbell.
 * Barriers as a real NIC needs them, not virtio's (which may assume the
 * device is a CPU in the same coherence domain): dma_wmb() makes the
 * descriptors visible to the device before the index that publishes them.
 */
static void nbvn_vq_publish(struct nbvn_vq *vq)
{
	dma_wmb();
	WRITE_ONCE(vq->vring.avail->idx, nbvn_16(vq->avail_idx));
}

/*
 * Publish what was posted and ring the doorbell unless the device says it
 * needs none: with EVENT_IDX, unless the index it asked to hear about
 * (avail_event) was not passed; without, while it sets NO_NOTIFY because
 * it is still working through the ring. Returns whether it rang.
 *
 * The doorbell's iowrite is ordered after the publication. The one full
 * barrier is virtio's own: what the device asks for is in memory and must
 * be read after the index store (a real NIC has no such field; its
 * doorbell is the index).
 */
static bool nbvn_vq_kick(struct nbvn_vq *vq)
{
	u16 old = vq->kicked_idx, new = vq->avail_idx;
	bool kick;

	nbvn_vq_publish(vq);
	mb();	/* the index store is seen before the device's wish is read */
	vq->kicked_idx = new;
	if (vq->event)
		kick = vring_need_event(nbvn_u16(READ_ONCE(vring_avail_event(&vq->vring))), new, old);
	else
		kick = !(READ_ONCE(vq->vring.used->flags) & nbvn_16(VRING_USED_F_NO_NOTIFY));
	if (kick)
		vp_iowrite16(vq->index, (__le16 __iomem *)vq->notify);
	return kick;
}

/*
 * Interrupt masking while NAPI polls, the virtio form of a NIC's mask
 * register. With EVENT_IDX an interrupt is one-shot: the device raises the
 * next only once asked again (nbvn_vq_irq_on()), so nothing is written
 * here. Without, the flag is a hint the device may ignore.
 */
static void nbvn_vq_irq_off(struct nbvn_vq *vq)
{
	if (!vq->event)
		WRITE_ONCE(vq->vring.avail->flags, nbvn_16(VRING_AVAIL_F_NO_INTERRUPT));
}

/*
 * Unmask (with EVENT_IDX: ask for an interrupt once @bufs more packets
 * have completed; without, the flag cannot count), then look again: a
 * completion between the last poll and the unmask raised no interrupt.
 * True if more than @bufs have completed, and the caller must poll again.
 */
static bool nbvn_vq_irq_on(struct nbvn_vq *vq, u16 bufs)
{
	if (vq->event)
		WRITE_ONCE(vring_used_event(&vq->vring), nbvn_16(vq->last_used + bufs));
	else
		WRITE_ONCE(vq->vring.avail->flags, 0);
	mb();	/* the unmask is seen before the used index is read */
	return (u16)(nbvn_u16(READ_ONCE(vq->vring.used->idx)) - vq->last_used) > bufs;
}

/*
 * TX with EVENT_IDX: ask for the interrupt only once three quarters of
 * what is in flight has been sent (as virtio_net does), not at the next
 * completion: one interrupt reaps a batch. True if the device has already
 * passed that point, and the caller must reap again. Without EVENT_IDX
 * the mask is left as it is.
 */
static bool nbvn_vq_irq_delayed(struct nbvn_vq *vq)
{
	return vq->event && nbvn_vq_irq_on(vq, (u16)(vq->avail_idx - vq->last_used) * 3 / 4);
}

/* Schedule @napi from its interrupt, or again after it found late work. */
static void nbvn_napi_schedule(struct napi_struct *napi, struct nbvn_vq *vq)
{
	if (napi_schedule_prep(napi)) {
		nbvn_vq_irq_off(vq);
		__napi_schedule(napi);
	}
}

/*
 * The next completed packet and how many bytes the device wrote, or NULL;
 * @skb (NULL but on a TX queue) gets the skb posted with it.
 */
static struct nbpool_packet *nbvn_vq_get(struct nbvn_vq *vq, u32 *len, struct sk_buff **skb)
{
	struct vring_used_elem *e;
	struct nbpool_packet *pkt;
	unsigned int n;
	u16 id;

	if (unlikely(vq->broken) || vq->last_used == nbvn_u16(READ_ONCE(vq->vring.used->idx)))
		return NULL;
	dma_rmb();	/* the entry is read only after the index that published it */
	e = &vq->vring.used->ring[vq->last_used++ & (vq->num - 1)];
	id = le32_to_cpu((__force __le32)e->id);
	*len = le32_to_cpu((__force __le32)e->len);
	/*
	 * Never index by what the device says unchecked: a descriptor it
	 * does not hold means the ring is lost. The queue stops; teardown
	 * frees what is still posted.
	 */
	if (unlikely(id >= vq->num || !vq->pkts[id])) {
		dev_err_ratelimited(vq->dev, "virtqueue %u: the device completed descriptor %u, which it does not hold; queue stopped\n",
				    vq->index, id);
		vq->broken = true;
		return NULL;
	}
	pkt = vq->pkts[id];
	vq->pkts[id] = NULL;
	if (skb) {
		*skb = vq->skbs[id];
		vq->skbs[id] = NULL;
	}
	/* The chain's ids, by the driver's own copy of the links. */
	for (n = nbpool_packet_buffers(pkt); n--; id = vq->next_ids[id])
		vq->free_ids[vq->nr_free++] = id;
	return pkt;
}

/*
 * One command on the control virtqueue: vi->ctrl's header and @len bytes
 * of its data, which the device reads, then the status it writes. One at
 * a time (probe, or under RTNL); the queue has no interrupt, so the answer
 * is polled for, a second at most. Returns 0 if the device said OK.
 */
static int nbvn_ctrl_cmd(struct nbvn *vi, u8 class, u8 cmd, unsigned int len)
{
	struct nbvn_vq *vq = &vi->cvq;
	struct vring_desc *d = vq->vring.desc;
	unsigned int us;

	vi->ctrl->hdr.class = class;
	vi->ctrl->hdr.cmd = cmd;
	vi->ctrl->status = VIRTIO_NET_ERR;
	d[0].addr = nbvn_64(vi->ctrl_dma + offsetof(struct nbvn_ctrl, hdr));
	d[0].len = nbvn_32(sizeof(vi->ctrl->hdr));
	d[0].flags = nbvn_16(VRING_DESC_F_NEXT);
	d[0].next = nbvn_16(1);
	d[1].addr = nbvn_64(vi->ctrl_dma + offsetof(struct nbvn_ctrl, mq));
	d[1].len = nbvn_32(len);
	d[1].flags = nbvn_16(VRING_DESC_F_NEXT);
	d[1].next = nbvn_16(2);
	d[2].addr = nbvn_64(vi->ctrl_dma + offsetof(struct nbvn_ctrl, status));
	d[2].len = nbvn_32(sizeof(vi->ctrl->status));
	d[2].flags = nbvn_16(VRING_DESC_F_WRITE);
	vq->vring.avail->ring[vq->avail_idx++ & (vq->num - 1)] = nbvn_16(0);
	nbvn_vq_kick(vq);
	for (us = 0; vq->last_used == nbvn_u16(READ_ONCE(vq->vring.used->idx)); us += 100) {
		if (us >= USEC_PER_SEC) {
			dev_err(vq->dev, "control command %u.%u: no answer after 1 s\n", class, cmd);
			return -ETIMEDOUT;
		}
		usleep_range(100, 200);
	}
	dma_rmb();	/* the status is read only after the index that published it */
	vq->last_used++;
	if (READ_ONCE(vi->ctrl->status) != VIRTIO_NET_OK) {
		dev_err(vq->dev, "control command %u.%u: the device refused it\n", class, cmd);
		return -EIO;
	}
	return 0;
}

/* How many queue pairs the device is to use (VIRTIO_NET_F_MQ): vi->nr_qps. */
static int nbvn_set_pairs(struct nbvn *vi)
{
	if (!(vi->features & BIT_ULL(VIRTIO_NET_F_MQ)))
		return 0;
	vi->ctrl->mq.virtqueue_pairs = nbvn_16(vi->nr_qps);
	return nbvn_ctrl_cmd(vi, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
			     sizeof(vi->ctrl->mq));
}

/* Count one event in a queue's stats; the caller is that queue's only writer. */
static void nbvn_stat_add(struct nbvn_stats *st, unsigned int idx, u64 n)
{
	u64_stats_update_begin(&st->syncp);
	u64_stats_add(&st->v[idx], n);
	u64_stats_update_end(&st->syncp);
}

/* A consistent copy of a queue's counters, whatever its writer does. */
static void nbvn_stats_read(const struct nbvn_stats *st, u64 *c)
{
	unsigned int start, i;

	do {
		start = u64_stats_fetch_begin(&st->syncp);
		for (i = 0; i < NBVN_NSTATS; i++)
			c[i] = u64_stats_read(&st->v[i]);
	} while (u64_stats_fetch_retry(&st->syncp, start));
}

static void nbvn_rx_refill(struct nbvn_qp *qp)
{
	struct nbvn_vq *vq = &qp->rx;
	bool added = false;

	while (vq->nr_free) {
		struct nbpool_packet *pkt = nbpool_alloc(qp->rx_pool, GFP_ATOMIC);

		if (!pkt) {
			nbvn_stat_add(&qp->rx_stats, NBVN_RX_ALLOC_FAIL, 1);
			break;
		}
		nbvn_vq_add(vq, pkt, NULL, nbpool_packet_capacity(pkt), true);
		added = true;
	}
	if (added && nbvn_vq_kick(vq))
		nbvn_stat_add(&qp->rx_stats, NBVN_RX_KICKS, 1);
	/*
	 * Until the stack (or an XDP frame's holder) returns buffers, frames
	 * the device gets are lost, and none arrives to run the poll again:
	 * it runs from nbvn_refill_work() until the ring has buffers.
	 */
	if (vq->nr_free == vq->num) {
		nbvn_stat_add(&qp->rx_stats, NBVN_RX_RING_EMPTY, 1);
		schedule_delayed_work(&qp->refill, NBVN_REFILL_RETRY);
	}
}

static void nbvn_refill_work(struct work_struct *work)
{
	struct nbvn_qp *qp = container_of(to_delayed_work(work), struct nbvn_qp, refill);

	/* A disabled NAPI (the device stopping) ignores this. */
	local_bh_disable();
	napi_schedule(&qp->rx_napi);
	local_bh_enable();
}

/* The stack's TX queue of @qp: its lock serializes the TX ring. */
static struct netdev_queue *nbvn_txq(struct nbvn_qp *qp)
{
	return netdev_get_tx_queue(qp->vi->ndev, qp->index);
}

/*
 * Free what the device has sent, and the skbs it was copied from, report
 * it to BQL, and wake a stopped
 * queue once a quarter of the ring is free (not at every free slot, which
 * would stop and wake it once per frame). Called with the queue's lock.
 */
static void nbvn_tx_reap(struct nbvn_qp *qp, struct netdev_queue *txq)
{
	unsigned int pkts = 0, bytes = 0;
	struct nbpool_packet *pkt;
	struct sk_buff *skb;
	u32 len;

	while ((pkt = nbvn_vq_get(&qp->tx, &len, &skb))) {
		bytes += nbpool_packet_total_len(pkt) - NBVN_HDR;
		pkts++;
		nbpool_free(pkt);
		dev_consume_skb_any(skb);
	}
	if (!pkts)
		return;
	netdev_tx_completed_queue(txq, pkts, bytes);
	if (netif_tx_queue_stopped(txq) && qp->tx.nr_free >= NBVN_TX_WAKE_AT(&qp->tx)) {
		netif_tx_wake_queue(txq);
		nbvn_stat_add(&qp->tx_stats, NBVN_TX_WAKE, 1);
	}
}

/*
 * Reap, and leave the TX interrupt for a later batch (nbvn_vq_irq_delayed());
 * reap again if the device has passed it meanwhile. Called with the
 * queue's lock.
 */
static void nbvn_tx_reap_delayed(struct nbvn_qp *qp, struct netdev_queue *txq)
{
	do {
		nbvn_tx_reap(qp, txq);
	} while (nbvn_vq_irq_delayed(&qp->tx));
}

/*
 * TX completions reaped from the RX poll as well, which saves TX
 * interrupts while traffic flows both ways; only if the queue's lock is
 * free: an xmit that holds it reaps them itself.
 */
static void nbvn_tx_reap_try(struct nbvn_qp *qp)
{
	struct netdev_queue *txq = nbvn_txq(qp);

	if (__netif_tx_trylock(txq)) {
		nbvn_tx_reap_delayed(qp, txq);
		__netif_tx_unlock(txq);
	}
}

/*
 * TSO (VIRTIO_NET_F_HOST_TSO4/6): the device cuts the frame after @hdr
 * into segments of @o's gso_size, each with a copy of the first hdr_len
 * bytes: the headers up to the end of the TCP header, which the checksum
 * request locates (the copy put them in the first buffer).
 */
static void nbvn_tx_gso(struct virtio_net_hdr_v1 *hdr, const struct nbpool_offload *o)
{
	const struct tcphdr *th = (const void *)hdr + NBVN_HDR + o->csum_start;

	hdr->gso_type = o->gso_type & SKB_GSO_TCPV4 ? VIRTIO_NET_HDR_GSO_TCPV4 :
						      VIRTIO_NET_HDR_GSO_TCPV6;
	hdr->gso_size = nbvn_16(o->gso_size);
	hdr->hdr_len = nbvn_16(o->csum_start + th->doff * 4);
}

/*
 * Post a frame, at @pkt's offset, on the TX ring behind a virtio-net
 * header in its headroom with what the packet asks of the device (its sum,
 * TSO; a large frame's other buffers follow in a chain), and stop the
 * stack's queue while the next frame might not fit. @skb, the frame's
 * source (NULL for XDP), is freed with the packet at its completion.
 * Called with the queue's lock held and at least NBVN_MAX_BUFS
 * descriptors free (the queue not stopped). Returns the frame's length.
 */
static unsigned int nbvn_tx_post(struct nbvn_qp *qp, struct netdev_queue *txq,
				 struct nbpool_packet *pkt, struct sk_buff *skb)
{
	const struct nbpool_offload *o = nbpool_packet_offload(pkt);
	unsigned int len = nbpool_packet_total_len(pkt);
	unsigned int head_len = nbpool_packet_len(pkt) + NBVN_HDR;
	struct virtio_net_hdr_v1 *hdr;

	nbpool_packet_set_offset(pkt, nbpool_packet_offset(pkt) - NBVN_HDR);
	nbpool_packet_set_len(pkt, head_len);
	hdr = nbpool_packet_data(pkt);
	memset(hdr, 0, NBVN_HDR);
	/* Only with VIRTIO_NET_F_CSUM: without, the copy into the pool summed. */
	if (o->ip_summed == CHECKSUM_PARTIAL) {
		hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		hdr->csum_start = nbvn_16(o->csum_start);
		hdr->csum_offset = nbvn_16(o->csum_offset);
		nbvn_stat_add(&qp->tx_stats, NBVN_TX_NEEDS_CSUM, 1);
	}
	if (o->gso_size) {
		nbvn_tx_gso(hdr, o);
		nbvn_stat_add(&qp->tx_stats, NBVN_TX_TSO, 1);
	}
	/* The frame was synced where it was filled: the skb's or XDP frame's copy, or XDP_TX. */
	nbpool_packet_sync_range_for_device(pkt, nbpool_packet_offset(pkt), NBVN_HDR);
	nbvn_vq_add(&qp->tx, pkt, skb, head_len, false);
	/*
	 * Published at once, as virtio_net does, the doorbell later: a device
	 * that is already working through the ring (its TX timer armed, or
	 * polling) takes the frame without one, where publishing only at the
	 * doorbell made it ring again and start a new round for this frame.
	 */
	nbvn_vq_publish(&qp->tx);
	if (qp->tx.nr_free < NBVN_MAX_BUFS) {
		netif_tx_stop_queue(txq);
		nbvn_stat_add(&qp->tx_stats, NBVN_TX_STOP, 1);
	}
	return len;
}

/*
 * An XDP frame onto the TX ring, which it shares with the stack's queue,
 * under the queue's lock, while the queue runs (stopped: the ring is full,
 * or the device is being reset). BQL counts it too: the bytes in flight
 * are the ring's, whoever sent them. The doorbell is the caller's.
 */
static void nbvn_xdp_post(struct nbvn_qp *qp, struct netdev_queue *txq,
			  struct nbpool_packet *pkt)
{
	netdev_tx_sent_queue(txq, nbvn_tx_post(qp, txq, pkt, NULL));
	nbvn_stat_add(&qp->tx_stats, NBVN_TX_XDP, 1);
}

/*
 * XDP_TX: the buffers the device wrote go out as they are, lent to the TX
 * ring until the completion frees them back to the RX pool. Not under the
 * lock for the whole poll: a frame passed up meanwhile may make the stack
 * transmit.
 */
static void nbvn_xdp_tx(struct nbvn_qp *qp, struct nbpool_packet *pkt)
{
	struct netdev_queue *txq = nbvn_txq(qp);

	__netif_tx_lock(txq, raw_smp_processor_id());
	if (likely(!netif_tx_queue_stopped(txq))) {
		nbvn_xdp_post(qp, txq, pkt);
		pkt = NULL;
	} else {
		nbvn_stat_add(&qp->tx_stats, NBVN_TX_XDP_DROPS, 1);
	}
	__netif_tx_unlock(txq);
	if (pkt)
		nbpool_free(pkt);
}

/* The doorbell for the XDP_TX frames of one RX poll. */
static void nbvn_xdp_tx_kick(struct nbvn_qp *qp)
{
	struct netdev_queue *txq = nbvn_txq(qp);

	__netif_tx_lock(txq, raw_smp_processor_id());
	if (nbvn_vq_kick(&qp->tx))
		nbvn_stat_add(&qp->tx_stats, NBVN_TX_KICKS, 1);
	__netif_tx_unlock(txq);
}

/*
 * A received buffer's length is the device's word: one it could not have
 * written is the device's error (counted, the frame dropped), not a bad
 * call. Sets the length and syncs what the device wrote for the CPU.
 */
static bool nbvn_rx_len_ok(struct nbpool_packet *pkt, u32 len, u32 min)
{
	if (len < min || len > nbpool_packet_capacity(pkt) || nbpool_packet_set_len(pkt, len))
		return false;
	nbpool_packet_sync_for_cpu(pkt);
	return true;
}

/* RX buffers a coalesced frame may take, each holding what a fresh RX packet does. */
static unsigned int nbvn_gro_hw_bufs(void)
{
	return DIV_ROUND_UP(NBVN_GRO_HW_FRAME,
			    NBVN_GRO_HW_BUF - nbpool_skb_tailroom() - NBVN_RX_HEADROOM);
}

/*
 * Can a packet hold a coalesced frame, and a ring of the least size?
 * If not (fewer skb fragments, more tailroom), the device is not asked to
 * coalesce.
 */
static bool nbvn_gro_hw_fits(void)
{
	return nbvn_gro_hw_bufs() <= min_t(unsigned int, NBPOOL_MAX_BUFFERS_PER_PACKET,
					     NBVN_GRO_HW_RING_MIN);
}

/* The most RX buffers a frame may take: a coalesced one, or a jumbo frame. */
static unsigned int nbvn_rx_max_bufs(const struct nbvn *vi)
{
	return vi->features & NBVN_GUEST_TSO ? nbvn_gro_hw_bufs() : NBVN_MAX_BUFS;
}

/*
 * How many buffers the device wrote the frame in @pkt across: its header
 * says, with MRG_RXBUF (without, the field is 1). Checked by
 * nbvn_rx_merge(): the packet holds no more than a frame may take.
 */
static u16 nbvn_rx_num_buffers(struct nbvn *vi, struct nbpool_packet *pkt)
{
	const struct virtio_net_hdr_mrg_rxbuf *hdr = nbpool_packet_data(pkt);

	if (vi->features & BIT_ULL(VIRTIO_NET_F_MRG_RXBUF))
		return le16_to_cpu((__force __le16)hdr->num_buffers);
	return 1;
}

/*
 * Chain the other @num - 1 buffers of a frame to its first, @pkt. On
 * false (the device did not complete them all, wrote one wrong, or used
 * more than a packet holds) every buffer taken is freed, @pkt too, and so
 * are the frame's buffers after the bad one: read as frames of their own
 * they would be garbage.
 */
static bool nbvn_rx_merge(struct nbvn_qp *qp, struct nbpool_packet *pkt, u16 num)
{
	bool ok = true;

	while (--num) {
		struct nbpool_packet *next;
		u32 len;

		next = nbvn_vq_get(&qp->rx, &len, NULL);
		if (!next) {
			ok = false;
			break;
		}
		if (ok && nbvn_rx_len_ok(next, len, 1) && !nbpool_packet_append(pkt, next))
			continue;
		ok = false;
		nbpool_free(next);
	}
	if (!ok)
		nbpool_free(pkt);
	return ok;
}

/*
 * The device's word on a received frame's checksum, from its header @hdr
 * (VIRTIO_NET_F_GUEST_CSUM, not negotiated while XDP runs: a program may
 * rewrite the frame): it checked the sum (DATA_VALID), or the sender left
 * it to be computed (NEEDS_CSUM, as a frame from another guest of the
 * same host may be), which the stack completes if the frame leaves
 * again. False for a sum outside the frame's first buffer.
 */
static bool nbvn_rx_csum(struct nbvn_qp *qp, struct nbpool_packet *pkt,
			 const struct virtio_net_hdr_v1 *hdr)
{
	unsigned int start = nbvn_u16(hdr->csum_start), offset = nbvn_u16(hdr->csum_offset);

	if (hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return start + offset + sizeof(__sum16) <= nbpool_packet_len(pkt) &&
		       !nbpool_packet_set_csum_partial(pkt, start, offset);
	if (hdr->flags & VIRTIO_NET_HDR_F_DATA_VALID &&
	    qp->vi->ndev->features & NETIF_F_RXCSUM)	/* ethtool -K rx */
		nbpool_packet_set_csum_unnecessary(pkt, 0);
	return true;
}

/*
 * A frame the device coalesced from TCP segments (GUEST_TSO4/6): it goes
 * up as one GSO skb, which the stack segments again if it forwards it.
 * The header is the device's word: checked as virtio_net_hdr_to_skb()
 * checks a tap's, and the skb marked DODGY so that the stack recounts its
 * segments. False for a type not negotiated (ECN, UDP), a checksum the
 * sender did not leave partial in the TCP header, or a TCP header not
 * whole in the first buffer after an IP header's room.
 */
static bool nbvn_rx_gso(struct nbvn *vi, struct nbpool_packet *pkt,
			const struct virtio_net_hdr_v1 *hdr)
{
	bool v6 = hdr->gso_type == VIRTIO_NET_HDR_GSO_TCPV6;
	unsigned int start = nbvn_u16(hdr->csum_start), payload;
	unsigned int ip_min = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	u16 size = nbvn_u16(hdr->gso_size);

	if (!v6 && hdr->gso_type != VIRTIO_NET_HDR_GSO_TCPV4)
		return false;
	if (!(vi->features & BIT_ULL(v6 ? VIRTIO_NET_F_GUEST_TSO6 : VIRTIO_NET_F_GUEST_TSO4)))
		return false;
	if (!size || size == GSO_BY_FRAGS || !(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
	    nbvn_u16(hdr->csum_offset) != offsetof(struct tcphdr, check) ||
	    start < ETH_HLEN + ip_min || start + sizeof(struct tcphdr) > nbpool_packet_len(pkt))
		return false;
	/* A frame of one segment is not GSO; the smallest segment TCP sends. */
	payload = nbpool_packet_total_len(pkt) - start - sizeof(struct tcphdr);
	size = max_t(u16, size, TCP_MIN_GSO_SIZE);
	return payload <= size ||
	       !nbpool_packet_set_gso(pkt, size, (v6 ? SKB_GSO_TCPV6 : SKB_GSO_TCPV4) | SKB_GSO_DODGY, 0);
}

/*
 * The XDP program's verdict on a received frame, carried out. True if the
 * frame goes on to the stack (XDP_PASS); otherwise the packet went where
 * the verdict sent it, or back to the pool.
 */
static bool nbvn_rx_xdp(struct nbvn_qp *qp, struct bpf_prog *prog, struct nbpool_packet *pkt,
			bool *tx, bool *redirect)
{
	switch (nbpool_packet_run_xdp(pkt, prog, &qp->xdp_rxq)) {
	case XDP_PASS:
		return true;
	case XDP_TX:
		nbvn_xdp_tx(qp, pkt);
		*tx = true;
		return false;
	case XDP_REDIRECT:
		*redirect = true;
		return false;
	default:	/* XDP_DROP, and what the pool turned into it */
		nbpool_free(pkt);
		return false;
	}
}

static int nbvn_rx_poll(struct napi_struct *napi, int budget)
{
	struct nbvn_qp *qp = container_of(napi, struct nbvn_qp, rx_napi);
	struct nbvn_stats *st = &qp->rx_stats;
	struct nbvn *vi = qp->vi;
	struct net_device *ndev = vi->ndev;
	bool xdp_tx = false, xdp_redirect = false;
	u64 packets = 0, bytes = 0, gso = 0, csums[CHECKSUM_PARTIAL + 1] = {};
	struct bpf_prog *prog;
	int done = 0;

	/* netpoll (budget 0) only reaps TX: no RX, no refill. */
	if (!budget)
		return 0;
	nbvn_tx_reap_try(qp);
	rcu_read_lock();
	prog = rcu_dereference(vi->xdp_prog);
	while (done < budget) {
		const struct virtio_net_hdr_v1 *hdr;
		struct nbpool_packet *pkt;
		struct sk_buff *skb;
		unsigned int flen;
		u16 num;
		u32 len;

		pkt = nbvn_vq_get(&qp->rx, &len, NULL);
		if (!pkt)
			break;
		done++;
		if (!nbvn_rx_len_ok(pkt, len, NBVN_HDR + ETH_HLEN)) {
			nbvn_stat_add(st, NBVN_RX_LENGTH_ERRORS, 1);
			nbpool_free(pkt);
			continue;
		}
		num = nbvn_rx_num_buffers(vi, pkt);
		/* Skip the virtio-net header (still read below): the frame starts after it. */
		hdr = nbpool_packet_data(pkt);
		nbpool_packet_set_len(pkt, 0);
		nbpool_packet_set_offset(pkt, nbpool_packet_offset(pkt) + NBVN_HDR);
		nbpool_packet_set_len(pkt, len - NBVN_HDR);
		if (!num || (num > 1 && !nbvn_rx_merge(qp, pkt, num))) {
			if (!num)
				nbpool_free(pkt);
			nbvn_stat_add(st, NBVN_RX_LENGTH_ERRORS, 1);
			continue;
		}
		if (vi->features & BIT_ULL(VIRTIO_NET_F_GUEST_CSUM)) {
			if (!nbvn_rx_csum(qp, pkt, hdr)) {
				nbvn_stat_add(st, NBVN_RX_LENGTH_ERRORS, 1);
				nbpool_free(pkt);
				continue;
			}
			/* Counted with the poll's other counters, once. */
			csums[nbpool_packet_offload(pkt)->ip_summed]++;
		}
		if (hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			if (!nbvn_rx_gso(vi, pkt, hdr)) {
				nbvn_stat_add(st, NBVN_RX_LENGTH_ERRORS, 1);
				nbpool_free(pkt);
				continue;
			}
			gso++;
		}
		/* Counted as the device delivered it, whatever XDP makes of it. */
		flen = nbpool_packet_total_len(pkt);
		if (prog && !nbvn_rx_xdp(qp, prog, pkt, &xdp_tx, &xdp_redirect)) {
			packets++;
			bytes += flen;
			continue;
		}
		skb = nbpool_packet_to_skb(pkt);
		if (!skb) {
			nbvn_stat_add(st, NBVN_RX_DROPPED, 1);
			nbpool_free(pkt);
			continue;
		}
		packets++;
		bytes += flen;
		skb->protocol = eth_type_trans(skb, ndev);
		skb_record_rx_queue(skb, qp->index);
		napi_gro_receive(napi, skb);
	}
	rcu_read_unlock();
	if (xdp_redirect)
		xdp_do_flush();
	if (xdp_tx)
		nbvn_xdp_tx_kick(qp);
	u64_stats_update_begin(&st->syncp);
	u64_stats_add(&st->v[NBVN_RX_PACKETS], packets);
	u64_stats_add(&st->v[NBVN_RX_BYTES], bytes);
	u64_stats_add(&st->v[NBVN_RX_CSUM_VALID], csums[CHECKSUM_UNNECESSARY]);
	u64_stats_add(&st->v[NBVN_RX_NEEDS_CSUM], csums[CHECKSUM_PARTIAL]);
	u64_stats_add(&st->v[NBVN_RX_GSO], gso);
	u64_stats_update_end(&st->syncp);
	/*
	 * In batches, a doorbell for half a budget of buffers (or of the
	 * ring), not one every poll; but never fewer posted than the largest
	 * frame takes, which the device would wait for without a word.
	 */
	if (qp->rx.nr_free > min_t(unsigned int, budget, qp->rx.num) / 2 ||
	    qp->rx.num - qp->rx.nr_free < nbvn_rx_max_bufs(vi))
		nbvn_rx_refill(qp);
	/* Busy polling keeps the NAPI (complete_done false): interrupts stay off. */
	if (done < budget && napi_complete_done(napi, done) && nbvn_vq_irq_on(&qp->rx, 0))
		nbvn_napi_schedule(napi, &qp->rx);
	return done;
}

/*
 * TX completions, also reaped by netpoll (budget 0, interrupts off). The
 * queue's own lock serializes them with nbvn_xmit(), which the core calls
 * with that lock held: the locking netpoll expects, and a plain spin_lock,
 * since BH is off here and interrupts may be too.
 */
static int nbvn_tx_poll(struct napi_struct *napi, int budget)
{
	struct nbvn_qp *qp = container_of(napi, struct nbvn_qp, tx_napi);
	struct netdev_queue *txq = nbvn_txq(qp);
	bool more;

	/*
	 * netpoll (budget 0) can run this in a hardirq that interrupted this
	 * CPU's own xmit, which holds the queue lock: there only try the lock,
	 * as netpoll does for xmit, and leave the completions to a later poll.
	 */
	if (!budget) {
		if (!__netif_tx_trylock(txq))
			return 0;
	} else {
		__netif_tx_lock(txq, raw_smp_processor_id());
	}
	nbvn_tx_reap(qp, txq);
	/* Unmasked under the lock that xmit's reaping takes too. */
	more = napi_complete_done(napi, 0) && nbvn_vq_irq_on(&qp->tx, 0);
	__netif_tx_unlock(txq);
	if (more)
		nbvn_napi_schedule(napi, &qp->tx);
	return 0;
}

/*
 * @skb in pool buffers. NETIF_F_HW_CSUM is the device's to honour
 * (VIRTIO_NET_F_CSUM: the packet's offload metadata asks it) or else the
 * pool's promise (NBPOOL_F_TX_CSUM) to sum while it copies. What the copy
 * cannot sum (nothing the features offered lets the stack send) the
 * kernel's helper does first.
 */
static struct nbpool_packet *nbvn_tx_copy(struct nbvn_qp *qp, struct sk_buff *skb)
{
	struct nbpool_packet *pkt = nbpool_packet_from_skb(qp->tx_pool, skb, GFP_ATOMIC);

	if (IS_ERR(pkt) || nbpool_packet_offload(pkt)->ip_summed != CHECKSUM_PARTIAL ||
	    qp->vi->features & BIT_ULL(VIRTIO_NET_F_CSUM))
		return pkt;
	nbpool_free(pkt);
	if (skb_checksum_help(skb))
		return ERR_PTR(-EINVAL);
	return nbpool_packet_from_skb(qp->tx_pool, skb, GFP_ATOMIC);
}

/* Called with the queue's lock held, BH off, and under netpoll interrupts off. */
static netdev_tx_t nbvn_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct nbvn *vi = netdev_priv(ndev);
	struct nbvn_qp *qp = &vi->qps[skb_get_queue_mapping(skb)];
	struct netdev_queue *txq = nbvn_txq(qp);
	struct nbvn_stats *st = &qp->tx_stats;
	struct nbpool_packet *pkt;
	unsigned int len;

	/*
	 * Completions reaped here save the TX interrupt its work; at the end
	 * of a batch (no xmit_more) it is put off until most of the ring has
	 * been sent.
	 */
	if (netdev_xmit_more())
		nbvn_tx_reap(qp, txq);
	else
		nbvn_tx_reap_delayed(qp, txq);
	/*
	 * The pool has one buffer per descriptor and the queue stops while
	 * fewer are free than a frame may take, so neither runs out while the
	 * queue runs; only a failure to copy drops a frame.
	 */
	if (WARN_ON_ONCE(qp->tx.nr_free < NBVN_MAX_BUFS))
		pkt = ERR_PTR(-ENOSPC);
	else
		pkt = nbvn_tx_copy(qp, skb);
	if (IS_ERR(pkt)) {
		nbvn_stat_add(st, NBVN_TX_DROPPED, 1);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	/*
	 * The skb is kept until the device has sent its copy, as a NIC that
	 * maps it would: while it lives, TCP counts it in flight (small
	 * queues, autocorking) and so builds larger frames for TSO.
	 */
	skb_tx_timestamp(skb);
	len = nbvn_tx_post(qp, txq, pkt, skb);
	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->v[NBVN_TX_PACKETS]);
	u64_stats_add(&st->v[NBVN_TX_BYTES], len);
	/*
	 * BQL, and one doorbell for a batch: while the stack says more frames
	 * follow (xmit_more) and the queue runs, they are only published.
	 */
	if (__netdev_tx_sent_queue(txq, len, netdev_xmit_more()) && nbvn_vq_kick(&qp->tx))
		u64_stats_inc(&st->v[NBVN_TX_KICKS]);
	u64_stats_update_end(&st->syncp);
	return NETDEV_TX_OK;
}

/*
 * ndo_xdp_xmit: frames redirected here, by this device's program or
 * another's, each copied into the TX pool (as a NIC driver maps them for
 * its device) and returned at once. Runs in the redirecting NAPI's
 * softirq on any CPU, beside xmit: the queue's lock serializes them. The
 * CPU picks the queue. Returns how many were sent; the core frees the rest.
 */
static int nbvn_xdp_xmit(struct net_device *ndev, int n, struct xdp_frame **frames, u32 flags)
{
	struct nbvn *vi = netdev_priv(ndev);
	struct nbvn_qp *qp = &vi->qps[raw_smp_processor_id() % READ_ONCE(vi->nr_qps)];
	struct netdev_queue *txq = nbvn_txq(qp);
	int sent;

	if (unlikely(flags & ~XDP_XMIT_FLAGS_MASK))
		return -EINVAL;
	__netif_tx_lock(txq, raw_smp_processor_id());
	for (sent = 0; sent < n; sent++) {
		struct nbpool_packet *pkt;

		/* Not while the ring is full or the device resets (stopped). */
		if (netif_tx_queue_stopped(txq))
			break;
		pkt = nbpool_packet_from_xdp_frame(qp->tx_pool, frames[sent], GFP_ATOMIC);
		if (IS_ERR(pkt))
			break;
		nbvn_xdp_post(qp, txq, pkt);
		xdp_return_frame(frames[sent]);
	}
	if (sent < n)
		nbvn_stat_add(&qp->tx_stats, NBVN_TX_XDP_DROPS, n - sent);
	if (sent && (flags & XDP_XMIT_FLUSH) && nbvn_vq_kick(&qp->tx))
		nbvn_stat_add(&qp->tx_stats, NBVN_TX_KICKS, 1);
	__netif_tx_unlock(txq);
	return sent;
}

/*
 * ndo_tx_timeout: the stack's watchdog found the queue stopped, nothing
 * sent for watchdog_timeo (its report comes first). In the timer softirq,
 * under the device's tx_global_lock but not the queue's: the ring is read
 * and the count written under that, as by every other writer, and the
 * message printed after (netconsole may transmit on this queue). Then the
 * ring is polled: a lost interrupt is the one cause the driver can recover
 * from alone; a device that stopped completing stays stuck, and says so
 * again.
 */
static void nbvn_tx_timeout(struct net_device *ndev, unsigned int txqueue)
{
	struct nbvn *vi = netdev_priv(ndev);
	struct nbvn_qp *qp = &vi->qps[txqueue];
	struct netdev_queue *txq = nbvn_txq(qp);
	struct nbvn_vq *vq = &qp->tx;
	u16 nr_free, avail, kicked, used, last_used, used_event, flags;
	bool broken;

	__netif_tx_lock(txq, raw_smp_processor_id());
	nbvn_stat_add(&qp->tx_stats, NBVN_TX_TIMEOUTS, 1);
	nr_free = vq->nr_free;
	avail = vq->avail_idx;
	kicked = vq->kicked_idx;
	used = nbvn_u16(READ_ONCE(vq->vring.used->idx));
	last_used = vq->last_used;
	used_event = nbvn_u16(READ_ONCE(vring_used_event(&vq->vring)));
	flags = nbvn_u16(READ_ONCE(vq->vring.avail->flags));
	broken = vq->broken;
	__netif_tx_unlock(txq);
	netdev_err(ndev, "TX queue %u timed out: %u of %u descriptors free; avail idx %u (%u rung), used idx %u (%u reaped), used_event %u, avail flags %#x%s\n",
		   txqueue, nr_free, vq->num, avail, kicked, used, last_used, used_event, flags,
		   broken ? ", ring broken" : "");
	nbvn_napi_schedule(&qp->tx_napi, vq);
}

static irqreturn_t nbvn_rx_irq(int irq, void *data)
{
	struct nbvn_qp *qp = data;

	nbvn_napi_schedule(&qp->rx_napi, &qp->rx);
	return IRQ_HANDLED;
}

static irqreturn_t nbvn_tx_irq(int irq, void *data)
{
	struct nbvn_qp *qp = data;

	nbvn_napi_schedule(&qp->tx_napi, &qp->tx);
	return IRQ_HANDLED;
}

/*
 * The carrier as the device's status says (up without VIRTIO_NET_F_STATUS).
 * From the config interrupt and from open, maybe at once on two CPUs: the
 * carrier calls are atomic. Not once remove() has begun (config_live).
 */
static void nbvn_update_link(struct nbvn *vi)
{
	u16 status = VIRTIO_NET_S_LINK_UP;

	if (!READ_ONCE(vi->config_live))
		return;
	if (vi->features & BIT_ULL(VIRTIO_NET_F_STATUS))
		status = vp_ioread16((__le16 __iomem *)(vi->mdev.device +
				     offsetof(struct virtio_net_config, status)));
	if (status & VIRTIO_NET_S_LINK_UP)
		netif_carrier_on(vi->ndev);
	else
		netif_carrier_off(vi->ndev);
}

static irqreturn_t nbvn_config_irq(int irq, void *data)
{
	nbvn_update_link(data);
	return IRQ_HANDLED;
}

/*
 * Start @qp's TX queue if its ring has room for a frame. Down and up keep
 * the rings: a ring the device stopped completing (the link's other end
 * reads nothing) may still be full, and then the queue stays stopped until
 * the TX poll reaps enough to wake it.
 */
static void nbvn_tx_start(struct nbvn_qp *qp)
{
	struct netdev_queue *txq = nbvn_txq(qp);

	__netif_tx_lock_bh(txq);
	if (qp->tx.nr_free >= NBVN_MAX_BUFS)
		netif_tx_start_queue(txq);
	else
		netif_tx_stop_queue(txq);
	__netif_tx_unlock_bh(txq);
}

/* Rings and pools are built: a ring change or resume that failed leaves none. */
static bool nbvn_has_rings(struct nbvn *vi)
{
	return vi->qps[0].rx_pool;
}

static int nbvn_open(struct net_device *ndev)
{
	struct nbvn *vi = netdev_priv(ndev);
	u16 i;

	if (!nbvn_has_rings(vi))
		return -EIO;
	/*
	 * Both polls of each pair run before the queues start: RX for its
	 * first refill, in the pool's NAPI; TX for the completions that came
	 * while it was disabled (with a full ring, nothing else would reap
	 * them).
	 */
	for (i = 0; i < vi->nr_qps; i++) {
		napi_enable(&vi->qps[i].rx_napi);
		napi_enable(&vi->qps[i].tx_napi);
		local_bh_disable();
		napi_schedule(&vi->qps[i].rx_napi);
		napi_schedule(&vi->qps[i].tx_napi);
		local_bh_enable();
	}
	nbvn_update_link(vi);
	/*
	 * Detached (a ring change, a resume: new, empty rings), the queues
	 * wait for netif_device_attach(), which wakes them and their qdisc:
	 * started here, a transmit meanwhile could fill a ring, and that wake
	 * would then clear the stop the full ring set.
	 */
	for (i = 0; netif_device_present(ndev) && i < ndev->num_tx_queues; i++) {
		if (i < vi->nr_qps)
			nbvn_tx_start(&vi->qps[i]);
		else	/* unused, but the TX watchdog looks at every queue that is stopped */
			netif_tx_start_queue(netdev_get_tx_queue(ndev, i));
	}
	return 0;
}

static int nbvn_stop(struct net_device *ndev)
{
	struct nbvn *vi = netdev_priv(ndev);
	u16 i;

	/*
	 * The polls first: both reap TX and may wake the queue. Then the
	 * queue, with netif_tx_disable(), which unlike netif_stop_queue()
	 * waits for an xmit on another CPU: a ring change frees the rings
	 * under a qdisc that still sends. A ring change or resume that failed
	 * left no rings and the NAPIs disabled: disabling one twice would
	 * wait forever.
	 */
	for (i = 0; nbvn_has_rings(vi) && i < vi->nr_qps; i++) {
		napi_disable(&vi->qps[i].rx_napi);
		napi_disable(&vi->qps[i].tx_napi);
	}
	/* With the NAPIs off nothing schedules a retry again. */
	for (i = 0; i < vi->max_qps; i++)
		cancel_delayed_work_sync(&vi->qps[i].refill);
	netif_tx_disable(ndev);
	return 0;
}

/* Every queue's counters (in use or not), summed: RX into @rx, TX into @tx. */
static void nbvn_stats_sum(struct nbvn *vi, u64 *rx, u64 *tx)
{
	u64 c[NBVN_NSTATS];
	u16 i, j;

	memset(rx, 0, NBVN_NSTATS * sizeof(*rx));
	memset(tx, 0, NBVN_NSTATS * sizeof(*tx));
	for (i = 0; i < vi->max_qps; i++) {
		nbvn_stats_read(&vi->qps[i].rx_stats, c);
		for (j = 0; j < NBVN_NSTATS; j++)
			rx[j] += c[j];
		nbvn_stats_read(&vi->qps[i].tx_stats, c);
		for (j = 0; j < NBVN_NSTATS; j++)
			tx[j] += c[j];
	}
}

/* ip -s link: the sum over the queues. */
static void nbvn_get_stats64(struct net_device *ndev, struct rtnl_link_stats64 *s)
{
	struct nbvn *vi = netdev_priv(ndev);
	u64 rx[NBVN_NSTATS], tx[NBVN_NSTATS];

	nbvn_stats_sum(vi, rx, tx);
	s->rx_packets = rx[NBVN_RX_PACKETS];
	s->rx_bytes = rx[NBVN_RX_BYTES];
	s->rx_length_errors = rx[NBVN_RX_LENGTH_ERRORS];
	s->rx_errors = rx[NBVN_RX_LENGTH_ERRORS];
	s->rx_dropped = rx[NBVN_RX_DROPPED];
	s->tx_packets = tx[NBVN_TX_PACKETS];
	s->tx_bytes = tx[NBVN_TX_BYTES];
	s->tx_dropped = tx[NBVN_TX_DROPPED];
}

/*
 * ethtool -S: the driver's own counters (summed over the queues), the
 * pools' (summed over the queues) under their prefix, then each queue's
 * packets and bytes, "rx<n>_packets"...
 */
static const char nbvn_stat_names[][ETH_GSTRING_LEN] = {
	"rx_ring_empty", "tx_ring_full", "rx_ring_posted", "tx_ring_posted",
	"rx_kicks", "tx_kicks", "tx_xdp", "tx_xdp_drops", "tx_timeouts",
	"rx_csum_valid", "rx_needs_csum", "tx_needs_csum", "tx_tso", "rx_gso",
};

static void nbvn_get_drvinfo(struct net_device *ndev, struct ethtool_drvinfo *info)
{
	struct nbvn *vi = netdev_priv(ndev);

	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->bus_info, pci_name(vi->mdev.pci_dev), sizeof(info->bus_info));
}

static int nbvn_get_sset_count(struct net_device *ndev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return ARRAY_SIZE(nbvn_stat_names) + 2 * nbpool_ethtool_stats_count() +
	       4 * ((struct nbvn *)netdev_priv(ndev))->max_qps;
}

static void nbvn_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	struct nbvn *vi = netdev_priv(ndev);
	u16 i;

	if (sset != ETH_SS_STATS)
		return;
	memcpy(data, nbvn_stat_names, sizeof(nbvn_stat_names));
	data += sizeof(nbvn_stat_names);
	nbpool_ethtool_stats_strings(data, "rx_pool");
	data += nbpool_ethtool_stats_count() * ETH_GSTRING_LEN;
	nbpool_ethtool_stats_strings(data, "tx_pool");
	data += nbpool_ethtool_stats_count() * ETH_GSTRING_LEN;
	for (i = 0; i < vi->max_qps; i++) {
		ethtool_sprintf(&data, "rx%u_packets", i);
		ethtool_sprintf(&data, "rx%u_bytes", i);
		ethtool_sprintf(&data, "tx%u_packets", i);
		ethtool_sprintf(&data, "tx%u_bytes", i);
	}
}

/*
 * The pools' counters for ethtool -S: the RX pools' (@rx) or the TX pools'
 * summed over the queues, into @data. Zeros with no rings.
 */
static void nbvn_pool_stats(struct nbvn *vi, bool rx, u64 *data)
{
	unsigned int n = nbpool_ethtool_stats_count(), j;
	u64 *c;
	u16 i;

	memset(data, 0, n * sizeof(*data));
	if (!nbvn_has_rings(vi))
		return;
	c = kcalloc(n, sizeof(*c), GFP_KERNEL);
	for (i = 0; c && i < vi->nr_qps; i++) {
		nbpool_ethtool_stats(rx ? vi->qps[i].rx_pool : vi->qps[i].tx_pool, c);
		for (j = 0; j < n; j++)
			data[j] += c[j];
	}
	kfree(c);
}

static void nbvn_get_ethtool_stats(struct net_device *ndev, struct ethtool_stats *stats,
				   u64 *data)
{
	struct nbvn *vi = netdev_priv(ndev);
	u64 rx[NBVN_NSTATS], tx[NBVN_NSTATS];
	u64 rx_posted = 0, tx_posted = 0;
	u16 i;

	nbvn_stats_sum(vi, rx, tx);
	/* Packets in the rings: the driver's own count of what it holds. */
	for (i = 0; i < vi->nr_qps; i++) {
		rx_posted += vi->qps[i].rx.num - READ_ONCE(vi->qps[i].rx.nr_free);
		tx_posted += vi->qps[i].tx.num - READ_ONCE(vi->qps[i].tx.nr_free);
	}
	*data++ = rx[NBVN_RX_RING_EMPTY];
	*data++ = tx[NBVN_TX_STOP];
	*data++ = rx_posted;
	*data++ = tx_posted;
	*data++ = rx[NBVN_RX_KICKS];
	*data++ = tx[NBVN_TX_KICKS];
	*data++ = tx[NBVN_TX_XDP];
	*data++ = tx[NBVN_TX_XDP_DROPS];
	*data++ = tx[NBVN_TX_TIMEOUTS];
	*data++ = rx[NBVN_RX_CSUM_VALID];
	*data++ = rx[NBVN_RX_NEEDS_CSUM];
	*data++ = tx[NBVN_TX_NEEDS_CSUM];
	*data++ = tx[NBVN_TX_TSO];
	*data++ = rx[NBVN_RX_GSO];
	nbvn_pool_stats(vi, true, data);
	data += nbpool_ethtool_stats_count();
	nbvn_pool_stats(vi, false, data);
	data += nbpool_ethtool_stats_count();
	for (i = 0; i < vi->max_qps; i++) {
		nbvn_stats_read(&vi->qps[i].rx_stats, rx);
		nbvn_stats_read(&vi->qps[i].tx_stats, tx);
		*data++ = rx[NBVN_RX_PACKETS];
		*data++ = rx[NBVN_RX_BYTES];
		*data++ = tx[NBVN_TX_PACKETS];
		*data++ = tx[NBVN_TX_BYTES];
	}
}

#ifdef NBPOOL_HAVE_NETDEV_STAT_OPS
/*
 * The kernel's per-queue statistics (netlink qstats-get, 6.9+), of the
 * pairs in use; the base holds what the others counted while they were
 * (ethtool -L), so that the sum stays the device's total.
 */
static void nbvn_get_queue_stats_rx(struct net_device *ndev, int idx,
				    struct netdev_queue_stats_rx *stats)
{
	struct nbvn *vi = netdev_priv(ndev);
	u64 rx[NBVN_NSTATS];

	nbvn_stats_read(&vi->qps[idx].rx_stats, rx);
	stats->packets = rx[NBVN_RX_PACKETS];
	stats->bytes = rx[NBVN_RX_BYTES];
	stats->alloc_fail = rx[NBVN_RX_ALLOC_FAIL];
}

static void nbvn_get_queue_stats_tx(struct net_device *ndev, int idx,
				    struct netdev_queue_stats_tx *stats)
{
	struct nbvn *vi = netdev_priv(ndev);
	u64 tx[NBVN_NSTATS];

	nbvn_stats_read(&vi->qps[idx].tx_stats, tx);
	stats->packets = tx[NBVN_TX_PACKETS];
	stats->bytes = tx[NBVN_TX_BYTES];
	stats->stop = tx[NBVN_TX_STOP];
	stats->wake = tx[NBVN_TX_WAKE];
}

static void nbvn_get_base_stats(struct net_device *ndev, struct netdev_queue_stats_rx *rx,
				struct netdev_queue_stats_tx *tx)
{
	struct nbvn *vi = netdev_priv(ndev);
	u64 c[NBVN_NSTATS];
	u16 i;

	/* Only the fields the queues report: the core leaves the others unset. */
	rx->packets = 0;
	rx->bytes = 0;
	rx->alloc_fail = 0;
	tx->packets = 0;
	tx->bytes = 0;
	tx->stop = 0;
	tx->wake = 0;
	for (i = vi->nr_qps; i < vi->max_qps; i++) {
		nbvn_stats_read(&vi->qps[i].rx_stats, c);
		rx->packets += c[NBVN_RX_PACKETS];
		rx->bytes += c[NBVN_RX_BYTES];
		rx->alloc_fail += c[NBVN_RX_ALLOC_FAIL];
		nbvn_stats_read(&vi->qps[i].tx_stats, c);
		tx->packets += c[NBVN_TX_PACKETS];
		tx->bytes += c[NBVN_TX_BYTES];
		tx->stop += c[NBVN_TX_STOP];
		tx->wake += c[NBVN_TX_WAKE];
	}
}

static const struct netdev_stat_ops nbvn_stat_ops = {
	.get_queue_stats_rx = nbvn_get_queue_stats_rx,
	.get_queue_stats_tx = nbvn_get_queue_stats_tx,
	.get_base_stats = nbvn_get_base_stats,
};
#endif

/*
 * Reset, and wait until the device says it is done (status reads 0), as a
 * device that resets asynchronously needs before its rings and buffers go.
 * A device that was pulled out reads all ones: nothing is left to wait for.
 */
static void nbvn_reset(struct nbvn *vi)
{
	unsigned int ms;
	u8 status;

	vp_modern_set_status(&vi->mdev, 0);
	for (ms = 0; ms < 1000; ms++) {
		status = vp_modern_get_status(&vi->mdev);
		if (!status || status == 0xff)
			return;
		usleep_range(1000, 2000);
	}
	dev_err(&vi->mdev.pci_dev->dev, "reset: status still %#x after 1 s\n", status);
}

/*
 * Reset the device, which stops its DMA, then free the rings and the
 * pools. Buffers the stack still holds keep their pool alive until they
 * come back; BQL forgets the frames the reset dropped. Nothing may poll:
 * the NAPIs are disabled.
 */
static void nbvn_dev_stop(struct nbvn *vi)
{
	u16 i;

	nbvn_reset(vi);
	for (i = 0; i < vi->nr_qps; i++) {
		struct nbvn_qp *qp = &vi->qps[i];

		netdev_tx_reset_queue(nbvn_txq(qp));
		nbvn_vq_free(vi, &qp->rx);
		nbvn_vq_free(vi, &qp->tx);
		if (xdp_rxq_info_is_reg(&qp->xdp_rxq))
			xdp_rxq_info_unreg(&qp->xdp_rxq);
		nbpool_destroy(qp->rx_pool);
		nbpool_destroy(qp->tx_pool);
		qp->rx_pool = NULL;
		qp->tx_pool = NULL;
	}
	nbvn_vq_free(vi, &vi->cvq);
}

/*
 * IRQ affinity and XPS, as the in-tree driver sets them: with a queue pair
 * per CPU, pair i's vectors on one CPU and that CPU sending on pair i.
 * Otherwise (one pair, fewer pairs than CPUs) the kernel places the
 * vectors as it likes; so with @on false, when the hints must go before
 * free_irq(), which wants none.
 */
static void nbvn_set_affinity(struct nbvn *vi, bool on)
{
	struct pci_dev *pdev = vi->mdev.pci_dev;
	bool spread = on && vi->nr_qps > 1 && vi->nr_qps == num_online_cpus();
	unsigned int cpu;
	u16 i;

	for (i = 0; i < vi->max_qps && 2 + 2 * i < vi->irqs; i++) {
		const struct cpumask *mask = NULL;

		if (spread && i < vi->nr_qps) {
			cpu = cpumask_local_spread(i, dev_to_node(&pdev->dev));
			mask = cpumask_of(cpu);
			netif_set_xps_queue(vi->ndev, mask, i);
		}
		irq_set_affinity_and_hint(pci_irq_vector(pdev, NBVN_VEC_RX(i)), mask);
		irq_set_affinity_and_hint(pci_irq_vector(pdev, NBVN_VEC_TX(i)), mask);
	}
}

/*
 * The driver gives up on the device (a failed probe): say so in its status
 * (VIRTIO_CONFIG_S_FAILED), which a device or its host may act on.
 */
static void nbvn_give_up(struct nbvn *vi)
{
	vp_modern_set_status(&vi->mdev, NBVN_S_FOUND | VIRTIO_CONFIG_S_FAILED);
}

/* The config vector's handler takes the device, each queue's its pair. */
static void *nbvn_irq_data(struct nbvn *vi, unsigned int vec)
{
	return vec == NBVN_VEC_CONFIG ? (void *)vi : (void *)&vi->qps[(vec - 1) / 2];
}

static void nbvn_teardown(struct nbvn *vi, bool failed)
{
	struct pci_dev *pdev = vi->mdev.pci_dev;
	int i;

	nbvn_dev_stop(vi);
	nbvn_set_affinity(vi, false);
	for (i = 0; i < vi->irqs; i++)
		free_irq(pci_irq_vector(pdev, i), nbvn_irq_data(vi, i));
	pci_free_irq_vectors(pdev);
	for (i = 0; i < vi->max_qps; i++) {
		netif_napi_del(&vi->qps[i].rx_napi);
		netif_napi_del(&vi->qps[i].tx_napi);
	}
	if (failed)
		nbvn_give_up(vi);
	vp_modern_remove(&vi->mdev);
}

/*
 * A pool named after the device and queue, "<pci name>-rx" or "-tx" for
 * pair 0, "-rx1", "-tx1"... for the others, of @p's size, layout and
 * direction, a buffer per packet. Never an ERR_PTR.
 */
static struct nbpool *nbvn_pool(struct nbvn_qp *qp, const char *what, struct nbpool_params *p,
				int *err)
{
	struct nbvn *vi = qp->vi;
	struct nbpool *pool;
	char name[32];

	if (qp->index)
		snprintf(name, sizeof(name), "%s-%s%u", pci_name(vi->mdev.pci_dev), what,
			 qp->index);
	else
		snprintf(name, sizeof(name), "%s-%s", pci_name(vi->mdev.pci_dev), what);
	p->dev = &vi->mdev.pci_dev->dev;
	p->netdev = vi->ndev;
	p->name = name;
	p->buffer_count = p->packet_count;
	p->nid = NUMA_NO_NODE;
	if (!p->max_buffers_per_packet)
		p->max_buffers_per_packet = NBVN_MAX_BUFS;
	pool = nbpool_create(p);
	if (IS_ERR(pool)) {
		*err = PTR_ERR(pool);
		return NULL;
	}
	return pool;
}

static int nbvn_pools(struct nbvn_qp *qp)
{
	struct nbvn *vi = qp->vi;
	/* RX: the ring, and room for what TCP receive queues hold before copying starts. */
	struct nbpool_params rx = {
		.packet_count = qp->rx.num * 8, .buffer_size = 2048,
		.headroom = NBVN_RX_HEADROOM, .dma_dir = DMA_FROM_DEVICE, .napi = &qp->rx_napi,
	};
	/*
	 * TX: the virtio-net header goes in the headroom. A device that cannot
	 * checksum has the copy into the pool do it.
	 */
	struct nbpool_params tx = {
		.packet_count = qp->tx.num, .buffer_size = 2048, .headroom = NBVN_HDR,
		.dma_dir = DMA_TO_DEVICE,
		.flags = vi->features & BIT_ULL(VIRTIO_NET_F_CSUM) ? 0 : NBPOOL_F_TX_CSUM,
	};
	int err = 0;

	if (rcu_access_pointer(vi->xdp_prog)) {
		rx.buffer_size = NBVN_XDP_BUF;
		rx.headroom = XDP_PACKET_HEADROOM;
		rx.dma_dir = DMA_BIDIRECTIONAL;
	} else if (vi->features & NBVN_GUEST_TSO) {
		rx.buffer_size = NBVN_GRO_HW_BUF;
		rx.max_buffers_per_packet = nbvn_rx_max_bufs(vi);
	}
	qp->rx_pool = nbvn_pool(qp, "rx", &rx, &err);
	if (qp->rx_pool)
		qp->tx_pool = nbvn_pool(qp, "tx", &tx, &err);
	if (qp->tx_pool && rcu_access_pointer(vi->xdp_prog))
		err = nbpool_xdp_rxq_info_reg(qp->rx_pool, &qp->xdp_rxq, vi->ndev, qp->index,
					      qp->rx_napi.napi_id);
	return err;
}

/* Route config changes and each queue to its vector; read back, as a device may refuse. */
static int nbvn_vectors(struct nbvn *vi)
{
	struct virtio_pci_modern_device *mdev = &vi->mdev;
	u16 i;

	if (vp_modern_config_vector(mdev, NBVN_VEC_CONFIG) != NBVN_VEC_CONFIG)
		goto refused;
	for (i = 0; i < vi->nr_qps; i++)
		if (vp_modern_queue_vector(mdev, 2 * i, NBVN_VEC_RX(i)) != NBVN_VEC_RX(i) ||
		    vp_modern_queue_vector(mdev, 2 * i + 1, NBVN_VEC_TX(i)) != NBVN_VEC_TX(i))
			goto refused;
	/* The control queue is polled: no vector. */
	if (vi->cvq.ring && vp_modern_queue_vector(mdev, vi->cvq_index, VIRTIO_MSI_NO_VECTOR) !=
			    VIRTIO_MSI_NO_VECTOR)
		goto refused;
	return 0;
refused:
	dev_err(&mdev->pci_dev->dev, "device refused its MSI-X vectors\n");
	return -EBUSY;
}

/*
 * From reset (status NBVN_S_FOUND) to rings of @rx_num and @tx_num
 * descriptors, full pools and vectors: what probe does once and every
 * ring change again. DRIVER_OK is the caller's. On failure the device is
 * reset and nothing is left allocated.
 */
static int nbvn_dev_start(struct nbvn *vi, u16 rx_num, u16 tx_num)
{
	struct virtio_pci_modern_device *mdev = &vi->mdev;
	int err = 0;
	u16 i;

	/* No RX checksum state or coalescing while XDP runs: a program may rewrite the frame. */
	vi->features = vi->offered;
	if (rcu_access_pointer(vi->xdp_prog))
		vi->features &= ~(BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) | NBVN_GUEST_TSO);
	if (vi->gro_hw_off)
		vi->features &= ~NBVN_GUEST_TSO;
	vp_modern_set_features(mdev, vi->features);
	vp_modern_set_status(mdev, NBVN_S_FOUND | VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(vp_modern_get_status(mdev) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		dev_err(&mdev->pci_dev->dev, "device refused features %#llx\n", vi->features);
		err = -ENODEV;
		goto fail;
	}
	for (i = 0; !err && i < vi->nr_qps; i++) {
		err = nbvn_vq_init(vi, &vi->qps[i].rx, 2 * i, rx_num, false);
		if (!err)
			err = nbvn_vq_init(vi, &vi->qps[i].tx, 2 * i + 1, tx_num, true);
		if (!err)
			err = nbvn_pools(&vi->qps[i]);
	}
	/* Where the control queue is, and its size, the device says only after FEATURES_OK. */
	if (!err && vi->features & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)) {
		if (vp_modern_get_queue_size(mdev, vi->cvq_index) < NBVN_CTRL_RING) {
			dev_err(&mdev->pci_dev->dev, "control queue %u takes fewer than %u descriptors\n",
				vi->cvq_index, NBVN_CTRL_RING);
			err = -ENODEV;
		} else {
			err = nbvn_vq_init(vi, &vi->cvq, vi->cvq_index, NBVN_CTRL_RING, false);
		}
	}
	if (!err)
		err = nbvn_vectors(vi);
	if (err)
		goto fail;
	for (i = 0; i < 2 * vi->nr_qps; i++)
		vp_modern_set_queue_enable(mdev, i, true);
	if (vi->cvq.ring)
		vp_modern_set_queue_enable(mdev, vi->cvq_index, true);
	vi->rx_num = rx_num;
	vi->tx_num = tx_num;
	return 0;
fail:
	nbvn_dev_stop(vi);
	return err;
}

/* The device goes live, then learns how many queue pairs to use. */
static int nbvn_driver_ok(struct nbvn *vi)
{
	vp_modern_set_status(&vi->mdev, NBVN_S_FOUND | VIRTIO_CONFIG_S_FEATURES_OK |
			     VIRTIO_CONFIG_S_DRIVER_OK);
	return nbvn_set_pairs(vi);
}

/*
 * Reset, and start again with @qps queue pairs and rings of @rx_num and
 * @tx_num descriptors. On failure nothing is left allocated.
 */
static int nbvn_restart(struct nbvn *vi, u16 rx_num, u16 tx_num, u16 qps)
{
	int err;

	nbvn_dev_stop(vi);
	WRITE_ONCE(vi->nr_qps, qps);	/* ndo_xdp_xmit reads it without RTNL */
	vp_modern_set_status(&vi->mdev, NBVN_S_FOUND);
	err = nbvn_dev_start(vi, rx_num, tx_num);
	if (!err) {
		err = nbvn_driver_ok(vi);
		if (err)
			nbvn_dev_stop(vi);
	}
	return err;
}

static void nbvn_get_ringparam(struct net_device *ndev, struct ethtool_ringparam *ring,
			       struct kernel_ethtool_ringparam *kring,
			       struct netlink_ext_ack *extack)
{
	struct nbvn *vi = netdev_priv(ndev);

	ring->rx_max_pending = vi->rx_max;
	ring->tx_max_pending = vi->tx_max;
	ring->rx_pending = vi->rx_num;
	ring->tx_pending = vi->tx_num;
}

/*
 * New rings and pools: ring sizes (ethtool -G), queue pairs (-L), or the
 * RX pools' layout for XDP (@prog set or not) or for the device's
 * coalescing (-K rx-gro-hw, off with @gro_hw_off). As on most NICs that
 * takes a device reset: the interface goes quiet (an xmit in flight is
 * waited for), the device is reset, the old rings and pools are freed and
 * new ones built; frames in flight are lost, as on any reset, and BQL
 * forgets them. If that fails, the old sizes, pairs, program and
 * coalescing come back. Under RTNL.
 */
static int nbvn_rebuild(struct nbvn *vi, u16 rx_num, u16 tx_num, u16 qps, struct bpf_prog *prog,
			bool gro_hw_off)
{
	bool old_gro_hw_off = vi->gro_hw_off;
	struct bpf_prog *old_prog = rtnl_dereference(vi->xdp_prog);
	u16 old_rx = vi->rx_num, old_tx = vi->tx_num, old_qps = vi->nr_qps;
	struct net_device *ndev = vi->ndev;
	bool running = netif_running(ndev), present = netif_device_present(ndev);
	int err;

	if (!nbvn_has_rings(vi))	/* an earlier rebuild failed for good */
		return -ENODEV;
	/* Detached meanwhile: the stack's TX watchdog judges no queue stopped on purpose. */
	netif_device_detach(ndev);
	if (running)
		nbvn_stop(ndev);
	rcu_assign_pointer(vi->xdp_prog, prog);
	vi->gro_hw_off = gro_hw_off;
	err = netif_set_real_num_queues(ndev, qps, qps);
	if (!err)
		err = nbvn_restart(vi, rx_num, tx_num, qps);
	if (err) {
		netdev_err(ndev, "rings rx %u tx %u%s failed (%d); back to rx %u tx %u%s\n",
			   rx_num, tx_num, prog ? " for XDP" : "", err, old_rx, old_tx,
			   old_prog ? " for XDP" : "");
		rcu_assign_pointer(vi->xdp_prog, old_prog);
		vi->gro_hw_off = old_gro_hw_off;
		/* Shrinking back cannot fail; growing back may, and then stays smaller. */
		if (netif_set_real_num_queues(ndev, old_qps, old_qps))
			old_qps = min(old_qps, qps);
		if (nbvn_restart(vi, old_rx, old_tx, old_qps)) {
			netdev_err(ndev, "the old rings failed too: the device stays down until the driver is bound again\n");
			return err;	/* and detached: nothing transmits to it */
		}
	}
	nbvn_set_affinity(vi, true);
	if (running)
		nbvn_open(ndev);
	if (present)
		netif_device_attach(ndev);
	return err;
}

/*
 * ethtool -K rx-gro-hw, and rx, which the core takes it along with (as
 * generic XDP does): the device coalesces as negotiated, so a change goes
 * through a reset (and the RX pools' layout with it). While XDP runs the
 * device does not coalesce anyway: the change waits for the reset that
 * detaches the program. Other features need nothing here. Under RTNL.
 */
static int nbvn_set_features(struct net_device *ndev, netdev_features_t features)
{
	struct nbvn *vi = netdev_priv(ndev);
	bool off = !(features & NETIF_F_GRO_HW);

	if (!((ndev->features ^ features) & NETIF_F_GRO_HW))
		return 0;
	if (rtnl_dereference(vi->xdp_prog)) {
		vi->gro_hw_off = off;
		return 0;
	}
	return nbvn_rebuild(vi, vi->rx_num, vi->tx_num, vi->nr_qps, NULL, off);
}

/* ethtool -G: the core checks the maxima. Under RTNL. */
static int nbvn_set_ringparam(struct net_device *ndev, struct ethtool_ringparam *ring,
			      struct kernel_ethtool_ringparam *kring,
			      struct netlink_ext_ack *extack)
{
	struct nbvn *vi = netdev_priv(ndev);
	/* rx-gro-hw on now or not: the device may coalesce after an ethtool -K. */
	u16 rx_min = vi->offered & NBVN_GUEST_TSO ? NBVN_GRO_HW_RING_MIN : NBVN_RING_MIN;

	if (!is_power_of_2(ring->rx_pending) || !is_power_of_2(ring->tx_pending) ||
	    ring->rx_pending < rx_min || ring->tx_pending < NBVN_RING_MIN) {
		NL_SET_ERR_MSG_MOD(extack, "ring sizes must be powers of 2, at least 8 (RX 32 with rx-gro-hw)");
		return -EINVAL;
	}
	if (ring->rx_pending == vi->rx_num && ring->tx_pending == vi->tx_num)
		return 0;
	return nbvn_rebuild(vi, ring->rx_pending, ring->tx_pending, vi->nr_qps,
			    rtnl_dereference(vi->xdp_prog), vi->gro_hw_off);
}

static void nbvn_get_channels(struct net_device *ndev, struct ethtool_channels *ch)
{
	struct nbvn *vi = netdev_priv(ndev);

	ch->max_combined = vi->max_qps;
	ch->combined_count = vi->nr_qps;
}

/* ethtool -L: combined channels only (the core checks the maximum). Under RTNL. */
static int nbvn_set_channels(struct net_device *ndev, struct ethtool_channels *ch)
{
	struct nbvn *vi = netdev_priv(ndev);

	if (ch->rx_count || ch->tx_count || ch->other_count || !ch->combined_count)
		return -EINVAL;
	if (ch->combined_count == vi->nr_qps)
		return 0;
	return nbvn_rebuild(vi, vi->rx_num, vi->tx_num, ch->combined_count,
			    rtnl_dereference(vi->xdp_prog), vi->gro_hw_off);
}

static const struct ethtool_ops nbvn_ethtool_ops = {
	.get_drvinfo = nbvn_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = nbvn_get_sset_count,
	.get_strings = nbvn_get_strings,
	.get_ethtool_stats = nbvn_get_ethtool_stats,
	.get_ringparam = nbvn_get_ringparam,
	.set_ringparam = nbvn_set_ringparam,
	.get_channels = nbvn_get_channels,
	.set_channels = nbvn_set_channels,
};

/* The largest MTU whose frames fit one buffer of the XDP layout. */
static unsigned int nbvn_xdp_mtu(void)
{
	return NBVN_XDP_BUF - nbpool_skb_tailroom() - XDP_PACKET_HEADROOM - NBVN_HDR - ETH_HLEN;
}

/*
 * A program that does not take multi-buffer frames (xdp.frags) sees only
 * frames of one buffer: the MTU must keep them that small.
 */
static bool nbvn_xdp_mtu_ok(struct bpf_prog *prog, unsigned int mtu)
{
	return !prog || prog->aux->xdp_has_frags || mtu <= nbvn_xdp_mtu();
}

/*
 * Attach, replace or detach the XDP program (under RTNL). Replacing one
 * program with another is a pointer swap under RCU. Attaching the first
 * or detaching the last changes the RX pool's layout (NBVN_XDP_BUF):
 * nbvn_rebuild(), as for a ring change. While the netdev is being
 * unregistered the pointer only goes: the device is about to be reset for
 * good.
 */
static int nbvn_xdp_set(struct net_device *ndev, struct bpf_prog *prog,
			struct netlink_ext_ack *extack)
{
	struct nbvn *vi = netdev_priv(ndev);
	struct bpf_prog *old = rtnl_dereference(vi->xdp_prog);
	int err;

	if (!nbvn_xdp_mtu_ok(prog, ndev->mtu)) {
		NL_SET_ERR_MSG_MOD(extack, "MTU too large for a program without multi-buffer support (xdp.frags)");
		return -EOPNOTSUPP;
	}
	if (!old == !prog || ndev->reg_state != NETREG_REGISTERED) {
		rcu_assign_pointer(vi->xdp_prog, prog);
	} else {
		err = nbvn_rebuild(vi, vi->rx_num, vi->tx_num, vi->nr_qps, prog, vi->gro_hw_off);
		if (err)
			return err;
	}
	if (old)
		bpf_prog_put(old);
	return 0;
}

static int nbvn_bpf(struct net_device *ndev, struct netdev_bpf *bpf)
{
	switch (bpf->command) {
	case XDP_SETUP_PROG:
		return nbvn_xdp_set(ndev, bpf->prog, bpf->extack);
	default:
		return -EINVAL;
	}
}

/* The core checks the range; an XDP program may narrow it. Under RTNL. */
static int nbvn_change_mtu(struct net_device *ndev, int mtu)
{
	struct nbvn *vi = netdev_priv(ndev);

	if (!nbvn_xdp_mtu_ok(rtnl_dereference(vi->xdp_prog), mtu)) {
		netdev_warn(ndev, "MTU %d too large for the XDP program, which lacks multi-buffer support\n",
			    mtu);
		return -EINVAL;
	}
	WRITE_ONCE(ndev->mtu, mtu);
	return 0;
}

static const struct net_device_ops nbvn_netdev_ops = {
	.ndo_open = nbvn_open,
	.ndo_stop = nbvn_stop,
	.ndo_start_xmit = nbvn_xmit,
	.ndo_get_stats64 = nbvn_get_stats64,
	.ndo_validate_addr = eth_validate_addr,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_change_mtu = nbvn_change_mtu,
	.ndo_set_features = nbvn_set_features,
	.ndo_bpf = nbvn_bpf,
	.ndo_xdp_xmit = nbvn_xdp_xmit,
	.ndo_tx_timeout = nbvn_tx_timeout,
};


/*
 * The device's MTU (VIRTIO_NET_F_MTU) is the largest it handles and the one
 * to start with, also below 1500; one below the minimum is ignored.
 */
static void nbvn_device_mtu(struct nbvn *vi, unsigned int mtu)
{
	struct net_device *ndev = vi->ndev;

	if (mtu < ndev->min_mtu) {
		dev_warn(&vi->mdev.pci_dev->dev, "device MTU %u is below %u: ignored\n",
			 mtu, ndev->min_mtu);
		return;
	}
	ndev->max_mtu = min(ndev->max_mtu, mtu);
	ndev->mtu = ndev->max_mtu;
}

/*
 * The largest ring queue @index takes, up to NBVN_RING, or 0 if below
 * NBVN_RING_MIN. Read before a size is written (then it reads back that
 * size); a split ring's size is a power of 2.
 */
static u16 nbvn_ring_max(struct nbvn *vi, u16 index)
{
	u16 max = min_t(u16, vp_modern_get_queue_size(&vi->mdev, index), NBVN_RING);

	return max < NBVN_RING_MIN ? 0 : rounddown_pow_of_two(max);
}

/* Vector @vec's handler: config changes, then each pair's RX and TX. */
static irq_handler_t nbvn_irq_handler(unsigned int vec)
{
	if (vec == NBVN_VEC_CONFIG)
		return nbvn_config_irq;
	return vec % 2 ? nbvn_rx_irq : nbvn_tx_irq;
}

/*
 * Vector @vec's name in /proc/interrupts: the device's, then "config",
 * "rx<pair>" or "tx<pair>". Freed with the device, after the vectors.
 */
static const char *nbvn_irq_name(struct pci_dev *pdev, unsigned int vec)
{
	if (vec == NBVN_VEC_CONFIG)
		return devm_kasprintf(&pdev->dev, GFP_KERNEL, "nbvn-%s-config", pci_name(pdev));
	return devm_kasprintf(&pdev->dev, GFP_KERNEL, "nbvn-%s-%s%u", pci_name(pdev),
			      vec % 2 ? "rx" : "tx", (vec - 1) / 2);
}

/*
 * Queue pairs and their vectors: as many pairs as the device has
 * (VIRTIO_NET_F_MQ), up to NBVN_MAX_QPS and to what its MSI-X vectors
 * allow; in use, one per CPU. Each pair's NAPIs, and a handler on every
 * vector.
 */
static int nbvn_queues_init(struct nbvn *vi)
{
	struct pci_dev *pdev = vi->mdev.pci_dev;
	u16 max = 1, i;
	int nvec, err = 0;

	if (vi->offered & BIT_ULL(VIRTIO_NET_F_MQ))
		max = vp_ioread16((__le16 __iomem *)(vi->mdev.device +
				  offsetof(struct virtio_net_config, max_virtqueue_pairs)));
	if (max < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || max > VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX) {
		dev_warn(&pdev->dev, "device offers %u queue pairs: using one\n", max);
		vi->offered &= ~BIT_ULL(VIRTIO_NET_F_MQ);
		max = 1;
	}
	/* The control queue comes after every pair the device has, used or not. */
	vi->cvq_index = 2 * max;
	max = min_t(u16, max, NBVN_MAX_QPS);
	nvec = pci_alloc_irq_vectors(pdev, NBVN_NVEC(1), NBVN_NVEC(max), PCI_IRQ_MSIX);
	if (nvec < 0)
		return nvec;
	max = min_t(u16, max, (nvec - 1) / 2);
	vi->qps = devm_kcalloc(&pdev->dev, max, sizeof(*vi->qps), GFP_KERNEL);
	if (!vi->qps)
		return -ENOMEM;
	vi->max_qps = max;
	vi->nr_qps = min_t(u16, max, num_online_cpus());
	for (i = 0; i < max; i++) {
		struct nbvn_qp *qp = &vi->qps[i];

		qp->vi = vi;
		qp->index = i;
		u64_stats_init(&qp->rx_stats.syncp);
		u64_stats_init(&qp->tx_stats.syncp);
		netif_napi_add(vi->ndev, &qp->rx_napi, nbvn_rx_poll);
		netif_napi_add(vi->ndev, &qp->tx_napi, nbvn_tx_poll);
		INIT_DELAYED_WORK(&qp->refill, nbvn_refill_work);
	}
	for (i = 0; !err && i < NBVN_NVEC(max); i++) {
		const char *name = nbvn_irq_name(pdev, i);

		err = name ? request_irq(pci_irq_vector(pdev, i), nbvn_irq_handler(i), 0,
					 name, nbvn_irq_data(vi, i)) : -ENOMEM;
		vi->irqs += !err;
	}
	return err;
}

static int nbvn_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct net_device *ndev;
	unsigned int rx_buf;
	struct nbvn *vi;
	u8 mac[ETH_ALEN];
	int err, i;

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	pci_set_master(pdev);
	ndev = devm_alloc_etherdev_mqs(&pdev->dev, sizeof(*vi), NBVN_MAX_QPS, NBVN_MAX_QPS);
	if (!ndev)
		return -ENOMEM;
	SET_NETDEV_DEV(ndev, &pdev->dev);
	vi = netdev_priv(ndev);
	vi->ndev = ndev;
	vi->mdev.pci_dev = pdev;
	err = vp_modern_probe(&vi->mdev);
	if (err)
		return err;
	if (vi->mdev.id.device != VIRTIO_ID_NET) {
		vp_modern_remove(&vi->mdev);
		return -ENODEV;
	}

	nbvn_reset(vi);
	vp_modern_set_status(&vi->mdev, NBVN_S_FOUND);
	vi->offered = vp_modern_get_features(&vi->mdev) & NBVN_FEATURES;
	/* The spec's dependencies: segmentation needs checksums, MQ the control queue. */
	if (!(vi->offered & BIT_ULL(VIRTIO_NET_F_CSUM)))
		vi->offered &= ~(BIT_ULL(VIRTIO_NET_F_HOST_TSO4) | BIT_ULL(VIRTIO_NET_F_HOST_TSO6));
	if (!(vi->offered & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)))
		vi->offered &= ~BIT_ULL(VIRTIO_NET_F_MQ);
	/* Coalescing needs the checksum state (the spec) and frames across buffers (ours). */
	if (!(vi->offered & BIT_ULL(VIRTIO_NET_F_GUEST_CSUM)) ||
	    !(vi->offered & BIT_ULL(VIRTIO_NET_F_MRG_RXBUF)) || !nbvn_gro_hw_fits())
		vi->offered &= ~NBVN_GUEST_TSO;
	vi->features = vi->offered;
	/*
	 * Without ACCESS_PLATFORM the device uses guest-physical addresses,
	 * past the IOMMU and the DMA API: the pool's DMA addresses would mean
	 * nothing to it. A real NIC always goes through the DMA API.
	 */
	if (!(vi->features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM))) {
		dev_err(&pdev->dev, "device does not offer VIRTIO_F_ACCESS_PLATFORM: it would bypass the IOMMU and the DMA API; not binding\n");
		nbvn_give_up(vi);
		vp_modern_remove(&vi->mdev);
		return -ENODEV;
	}
	vi->rx_max = nbvn_ring_max(vi, 0);
	if (vi->rx_max < NBVN_GRO_HW_RING_MIN)
		vi->offered &= ~NBVN_GUEST_TSO;
	vi->tx_max = nbvn_ring_max(vi, 1);
	if (!(vi->features & BIT_ULL(VIRTIO_F_VERSION_1)) || !vi->rx_max || !vi->tx_max) {
		dev_err(&pdev->dev, "device lacks VERSION_1 or rings of %u (features %#llx, rings %u %u)\n",
			NBVN_RING_MIN, vi->features, vi->rx_max, vi->tx_max);
		nbvn_give_up(vi);
		vp_modern_remove(&vi->mdev);
		return -ENODEV;
	}

	vi->ctrl = dmam_alloc_coherent(&pdev->dev, sizeof(*vi->ctrl), &vi->ctrl_dma, GFP_KERNEL);
	err = vi->ctrl ? nbvn_queues_init(vi) : -ENOMEM;
	if (!err)
		err = nbvn_dev_start(vi, vi->rx_max, vi->tx_max);
	if (!err)
		err = netif_set_real_num_queues(ndev, vi->nr_qps, vi->nr_qps);
	if (err)
		goto fail;

	if (vi->features & BIT_ULL(VIRTIO_NET_F_MAC)) {
		for (i = 0; i < ETH_ALEN; i++)
			mac[i] = vp_ioread8((u8 __iomem *)vi->mdev.device +
					    offsetof(struct virtio_net_config, mac) + i);
		eth_hw_addr_set(ndev, mac);
	} else {
		eth_hw_addr_random(ndev);
	}
	ndev->netdev_ops = &nbvn_netdev_ops;
	ndev->ethtool_ops = &nbvn_ethtool_ops;
	/* The TX copy gathers fragments; the device or the copy sums (nbvn_tx_copy()). */
	ndev->hw_features = NETIF_F_SG | NETIF_F_HW_CSUM;
	if (vi->features & BIT_ULL(VIRTIO_NET_F_GUEST_CSUM))
		ndev->hw_features |= NETIF_F_RXCSUM;
	if (vi->features & NBVN_GUEST_TSO)
		ndev->hw_features |= NETIF_F_GRO_HW;
	/*
	 * TSO in frames of up to what a TX packet holds: NBVN_MAX_BUFS
	 * buffers, the virtio-net header in the first. (The stack leaves ECN
	 * segments to software: no HOST_ECN.)
	 */
	if (vi->features & BIT_ULL(VIRTIO_NET_F_HOST_TSO4))
		ndev->hw_features |= NETIF_F_TSO;
	if (vi->features & BIT_ULL(VIRTIO_NET_F_HOST_TSO6))
		ndev->hw_features |= NETIF_F_TSO6;
	netif_set_tso_max_size(ndev, NBVN_MAX_BUFS * nbpool_buffer_size(vi->qps[0].tx_pool) -
			       NBVN_HDR);
	ndev->features = ndev->hw_features;
	/* Every verdict, multi-buffer frames both ways, and a redirect target. */
	nbpool_xdp_features_all(ndev);
#ifdef NBPOOL_HAVE_NETDEV_STAT_OPS
	ndev->stat_ops = &nbvn_stat_ops;
#endif
	/*
	 * A frame of max_mtu fits one RX buffer, or with MRG_RXBUF the
	 * NBVN_MAX_BUFS the device may spread it across (the XDP layout's
	 * buffers are larger), so an MTU change takes no new buffers.
	 */
	ndev->min_mtu = ETH_MIN_MTU;
	rx_buf = nbpool_buffer_size(vi->qps[0].rx_pool) - nbpool_skb_tailroom() -
		 NBVN_RX_HEADROOM;
	ndev->max_mtu = rx_buf - NBVN_HDR - ETH_HLEN;
	if (vi->features & BIT_ULL(VIRTIO_NET_F_MRG_RXBUF))
		ndev->max_mtu = min(NBVN_MAX_MTU, NBVN_MAX_BUFS * rx_buf - NBVN_HDR - ETH_HLEN);
	if (vi->features & BIT_ULL(VIRTIO_NET_F_MTU))
		nbvn_device_mtu(vi, vp_ioread16((__le16 __iomem *)(vi->mdev.device +
						offsetof(struct virtio_net_config, mtu))));
	pci_set_drvdata(pdev, vi);
	err = nbvn_driver_ok(vi);
	if (err)
		goto fail;
	netif_carrier_off(ndev);
	WRITE_ONCE(vi->config_live, true);
	err = register_netdev(ndev);
	if (err)
		goto fail;
	/* XPS maps go with the registered netdev. */
	nbvn_set_affinity(vi, true);
	return 0;
fail:
	nbvn_teardown(vi, true);
	return err < 0 ? err : -ENODEV;
}

static void nbvn_remove(struct pci_dev *pdev)
{
	struct nbvn *vi = pci_get_drvdata(pdev);

	/*
	 * No link change may reach the netdev once it starts going away: a
	 * linkwatch event queued then would outlive it.
	 */
	WRITE_ONCE(vi->config_live, false);
	synchronize_irq(pci_irq_vector(pdev, NBVN_VEC_CONFIG));
	unregister_netdev(vi->ndev);	/* stops it: NAPIs are disabled */
	nbvn_teardown(vi, false);
}

/*
 * System sleep (and the kernel's pm_test): the device is reset and its
 * rings and pools freed, as for a ring change; resume builds them again at
 * the sizes in use. Meanwhile the netdev is detached, so that neither the
 * stack nor netpoll transmits to a device that is not there.
 */
static void nbvn_quiesce(struct nbvn *vi)
{
	struct net_device *ndev = vi->ndev;

	rtnl_lock();
	netif_device_detach(ndev);
	if (netif_running(ndev))
		nbvn_stop(ndev);
	nbvn_dev_stop(vi);
	rtnl_unlock();
}

static int nbvn_suspend(struct device *dev)
{
	nbvn_quiesce(dev_get_drvdata(dev));
	return 0;
}

static int nbvn_resume(struct device *dev)
{
	struct nbvn *vi = dev_get_drvdata(dev);
	struct net_device *ndev = vi->ndev;
	int err;

	rtnl_lock();
	/* From a reset: whatever state a resume from disk left the device in. */
	err = nbvn_restart(vi, vi->rx_num, vi->tx_num, vi->nr_qps);
	if (!err) {
		if (netif_running(ndev))
			nbvn_open(ndev);
		netif_device_attach(ndev);
	}
	rtnl_unlock();
	return err;
}

static DEFINE_SIMPLE_DEV_PM_OPS(nbvn_pm_ops, nbvn_suspend, nbvn_resume);

/*
 * Reboot, power off, kexec: the device stops its DMA (a reset) before the
 * memory of its rings and buffers passes to firmware or the next kernel,
 * and nothing transmits after (the netdev is detached, as for suspend).
 */
static void nbvn_shutdown(struct pci_dev *pdev)
{
	nbvn_quiesce(pci_get_drvdata(pdev));
}

static const struct pci_device_id nbvn_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1041) },	/* modern virtio-net */
	{}
};
MODULE_DEVICE_TABLE(pci, nbvn_ids);

static struct pci_driver nbvn_driver = {
	.name = "nbpool_virtio_net",
	.id_table = nbvn_ids,
	.probe = nbvn_probe,
	.remove = nbvn_remove,
	.shutdown = nbvn_shutdown,
	.driver.pm = pm_sleep_ptr(&nbvn_pm_ops),
};
module_pci_driver(nbvn_driver);

MODULE_DESCRIPTION("virtio-net driver whose ring buffers live in nbpool");
MODULE_LICENSE("GPL");
