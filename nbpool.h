/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbpool: a fixed-size, pre-mapped packet buffer pool for NIC drivers.
 *
 * A driver creates one pool per queue (or per device) when it starts. The pool
 * allocates and DMA-maps every buffer up front; afterwards the data path never
 * calls the page allocator or the DMA mapping API, and a buffer keeps its
 * memory and DMA address for the pool's life. Buffers are lent to the network
 * stack inside skbs and come back when the stack lets go of them.
 *
 * See Documentation/nbpool.rst for the model and the calling-context table.
 */
#ifndef _NBPOOL_H
#define _NBPOOL_H

#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/dma-direction.h>
#include <linux/numa.h>
#include <linux/bug.h>
#include <linux/llist.h>
#include <linux/skbuff.h>
#include <linux/if_ether.h>

struct device;
struct net_device;
struct napi_struct;
struct sg_table;
struct nbpool;
struct bpf_prog;
struct xdp_buff;
struct xdp_frame;
struct xdp_rxq_info;

/* Limits checked by nbpool_create(). */
#define NBPOOL_MAX_BUFFERS	(1U << 18)
#define NBPOOL_MIN_BUFFER_SIZE	64U
#define NBPOOL_MAX_BUFFER_SIZE	(64U * 1024)
#define NBPOOL_DEFAULT_BUFFER_SIZE 2048U
/* A packet's buffers become one skb: its head and a fragment for each other. */
#define NBPOOL_MAX_BUFFERS_PER_PACKET	((unsigned int)MAX_SKB_FRAGS + 1)

/*
 * NBPOOL_F_TX_CSUM: nbpool_packet_from_skb() finishes a %CHECKSUM_PARTIAL
 * skb's checksum in the pass that copies it, for a device that cannot
 * checksum: its driver may then offer %NETIF_F_HW_CSUM. Where the copy
 * cannot (a GSO skb, a CRC such as SCTP's, a checksum field beyond the
 * first buffer) the request stays in the packet's offload metadata, as
 * without the flag. A pool that only receives (%DMA_FROM_DEVICE) cannot
 * have it.
 */
#define NBPOOL_F_TX_CSUM	(1U << 0)
/* Every flag; any other bit set is refused with -EINVAL. */
#define NBPOOL_F_ALL		NBPOOL_F_TX_CSUM

/**
 * struct nbpool_params - how to build a pool
 * @dev: the device that DMAs to and from the buffers. Required.
 * @netdev: the net_device the pool serves; used for skbs built by the pool
 *	and for messages, and (6.8+) the kernel lists the pool's page_pool
 *	under it (netlink page-pool-get, as ynl shows it). Optional. If it
 *	is never registered, free it only after the pool is gone (a
 *	registered one may go first: the kernel moves the listing).
 * @napi: the NAPI context that owns the pool's RX path. Optional; when set,
 *	nbpool_alloc() and nbpool_free() called from that NAPI's poll take a
 *	lockless fast path (on kernels whose NAPI records its running CPU),
 *	and (6.9+) the page_pool listing names it when it was added
 *	(netif_napi_add()) and not yet enabled at nbpool_create().
 * @name: name used in debugfs, messages and tracepoints. Defaults to
 *	dev_name(@dev). Copied; need not outlive the call.
 * @packet_count: number of packet descriptors. Required, at least 1.
 * @buffer_count: number of buffers; at least @packet_count. Required.
 * @buffer_size: bytes of memory per buffer, headroom included. Zero means
 *	%NBPOOL_DEFAULT_BUFFER_SIZE. Buffers smaller than a page share pages;
 *	larger ones use higher-order pages. In pools that can receive (@dma_dir
 *	is %DMA_FROM_DEVICE or %DMA_BIDIRECTIONAL) the last
 *	nbpool_skb_tailroom() bytes of each buffer are kept for the
 *	&struct skb_shared_info of the skb built on it.
 * @headroom: data offset every newly allocated packet starts at. Zero means
 *	no headroom.
 * @dma_dir: %DMA_FROM_DEVICE for RX pools, %DMA_TO_DEVICE for TX pools,
 *	%DMA_BIDIRECTIONAL (the zero value) for both.
 * @nid: NUMA node for buffers and descriptors; %NUMA_NO_NODE follows @dev.
 *	Zero is node 0 like any other node number.
 * @flags: NBPOOL_F_* flags; zero for none.
 * @rx_copy_watermark: when fewer buffers than this are free,
 *	nbpool_packet_to_skb() copies the data into a new skb instead of
 *	lending the buffer, so the RX ring never starves. Zero means
 *	@buffer_count / 8.
 * @max_buffers_per_packet: most buffers one packet may hold (DriverKit's
 *	maxBuffersPerPacket), up to %NBPOOL_MAX_BUFFERS_PER_PACKET: frames
 *	larger than a buffer (jumbo frames, GSO) as a chain of buffers. Zero
 *	means 1.
 */
struct nbpool_params {
	struct device *dev;
	struct net_device *netdev;
	struct napi_struct *napi;
	const char *name;
	unsigned int packet_count;
	unsigned int buffer_count;
	unsigned int buffer_size;
	unsigned int headroom;
	enum dma_data_direction dma_dir;
	int nid;
	unsigned int flags;
	unsigned int rx_copy_watermark;
	unsigned int max_buffers_per_packet;
};

/**
 * enum nbpool_direction - which way a packet travels (DriverKit's direction)
 * @NBPOOL_DIR_NONE: not set
 * @NBPOOL_DIR_TX: the packet is being transmitted
 * @NBPOOL_DIR_RX: the packet was received
 */
enum nbpool_direction {
	NBPOOL_DIR_NONE,
	NBPOOL_DIR_TX,
	NBPOOL_DIR_RX,
};

/**
 * struct nbpool_offload - what the device and the stack tell each other
 *	about a packet (DriverKit's checksum, TSO, LRO and VLAN metadata)
 * @ip_summed: %CHECKSUM_NONE (nothing known), %CHECKSUM_UNNECESSARY (the
 *	device verified the checksums), %CHECKSUM_COMPLETE (the device summed
 *	the frame into @csum) or %CHECKSUM_PARTIAL (a checksum still to be
 *	computed from @csum_start, stored at @csum_offset: what the device
 *	inserts on TX, and what a virtual device may hand on RX)
 * @csum_level: with %CHECKSUM_UNNECESSARY, how many checksums the device
 *	verified beyond the first (0 .. %SKB_MAX_CSUM_LEVEL; tunnels)
 * @hash_type: a &enum pkt_hash_types value; %PKT_HASH_TYPE_NONE for no hash
 * @vlan_present: @vlan_proto and @vlan_tci hold a tag the device stripped
 *	(RX) or is to insert (TX)
 * @vlan_proto: htons(%ETH_P_8021Q) or htons(%ETH_P_8021AD)
 * @vlan_tci: the tag's priority, DEI and VLAN ID
 * @csum_start: with %CHECKSUM_PARTIAL, where summing starts, in bytes from
 *	the packet's first data byte (nbpool_packet_data())
 * @csum_offset: where the 16-bit sum goes, in bytes from @csum_start
 * @gso_size: payload bytes per segment, nonzero only for a segmentation
 *	offload: the MSS the device cuts a TSO/USO packet to (TX), or the
 *	size of the segments the device coalesced (LRO, RX)
 * @gso_segs: number of segments
 * @gso_type: %SKB_GSO_TCPV4, %SKB_GSO_TCPV6, %SKB_GSO_UDP_L4, ... bits
 * @hash: the device's receive hash
 * @csum: with %CHECKSUM_COMPLETE, the ones' complement sum of the frame
 *	after its link-layer header
 *
 * A packet from nbpool_alloc() or nbpool_packet_repost() has all of it
 * zero: nothing offloaded. Drivers set it with the setters below, which
 * refuse bad values, and read it with nbpool_packet_offload().
 */
struct nbpool_offload {
	u8 ip_summed;
	u8 csum_level;
	u8 hash_type;
	u8 vlan_present;
	__be16 vlan_proto;
	u16 vlan_tci;
	u16 csum_start;
	u16 csum_offset;
	u16 gso_size;
	u16 gso_segs;
	u32 gso_type;
	u32 hash;
	__wsum csum;
};

/**
 * struct nbpool_frag - a buffer a packet holds after its first
 * @buf: CPU address of the start of the buffer
 * @dma: DMA address of the start of the buffer
 * @buf_id: index of the buffer within the pool
 * @offset: offset of its first data byte from @buf
 * @len: number of data bytes in it
 *
 * Read it with nbpool_packet_frag(); change @len with
 * nbpool_packet_set_frag_len().
 */
struct nbpool_frag {
	void *buf;
	dma_addr_t dma;
	u32 buf_id;
	u32 offset;
	u32 len;
};

/**
 * struct nbpool_packet - a packet descriptor holding one or more pool buffers
 * @pool: the pool the descriptor belongs to
 * @buf: CPU address of the start of the buffer
 * @buf_dma: DMA address of the start of the buffer
 * @buf_id: index of the buffer within the pool
 * @index: index of the descriptor, 0 .. nbpool_packet_count() - 1, stable
 *	for the life of the pool
 * @offset: offset of the first data byte from @buf
 * @len: number of data bytes
 * @data_end: bytes of the buffer usable for data (offset + len <= data_end)
 * @link_header_len: length of the link-layer header at the data start
 * @direction: an &enum nbpool_direction value
 * @flags: internal state bits; not for drivers
 * @status: completion status the driver records (0 or a negative errno)
 * @cpu_synced_start: start of the range last synced for the CPU
 * @cpu_synced_end: its end; both valid only with nbpool's internal flag set
 *	(16 bits: a pool that receives has less than 64 KiB of data per buffer)
 * @timestamp: time stamp in nanoseconds the driver records
 * @free_node: nbpool's link while a freed packet waits to be taken back;
 *	shares @timestamp's bytes, which mean nothing once the packet is freed
 * @offload: checksum, hash, VLAN and segmentation metadata
 * @nr_frags: buffers the packet holds after its first (see @frags)
 * @frags: room for the pool's max_buffers_per_packet - 1 more buffers;
 *	the first @nr_frags are in use
 *
 * The first buffer is the packet's own (@buf, @offset, @len); a packet
 * chains more as &struct nbpool_frag, each with its own offset and length.
 *
 * Drivers read and change packets only through the accessors below; the
 * fields are visible so that the accessors can be inline.
 */
struct nbpool_packet {
	struct nbpool *pool;
	void *buf;
	dma_addr_t buf_dma;
	u32 buf_id;
	u32 index;

	/* offset and len: reset with one store when a packet is allocated */
	struct_group(range,
		u32 offset;
		u32 len;
	);
	u32 data_end;
	u16 link_header_len;
	u8 direction;
	u8 flags;
	int status;
	u16 cpu_synced_start;
	u16 cpu_synced_end;
	union {
		u64 timestamp;
		struct llist_node free_node;
	};
	struct nbpool_offload offload;
	u8 nr_frags;
	struct nbpool_frag *frags;
};

/*
 * nbpool_packet.flags bits the inline calls below use; nbpool's own,
 * drivers never test them. HELD: the driver owns the packet. DIRTY: it
 * carries something a fresh packet does not (metadata, chained buffers),
 * to be cleared when it comes home, so that allocation writes only offset,
 * length and state.
 */
#define NBPOOL_PKT_HELD		BIT(0)
#define NBPOOL_PKT_DIRTY	BIT(7)

/* Pool lifecycle (nbpool_main.c) */
struct nbpool *nbpool_create(const struct nbpool_params *params);
void nbpool_destroy(struct nbpool *pool);

/* Packets (nbpool_alloc.c) */
struct nbpool_packet *nbpool_alloc(struct nbpool *pool, gfp_t gfp);
struct nbpool_packet *nbpool_alloc_timeout(struct nbpool *pool, long timeout);
int nbpool_free(struct nbpool_packet *pkt);
unsigned int nbpool_alloc_bulk(struct nbpool *pool, struct nbpool_packet **pkts,
			       unsigned int count, gfp_t gfp);
unsigned int nbpool_free_bulk(struct nbpool_packet **pkts, unsigned int count);

/* Geometry (nbpool_stats.c, nbpool_pages.c) */
unsigned int nbpool_buffer_count(const struct nbpool *pool);
unsigned int nbpool_packet_count(const struct nbpool *pool);
unsigned int nbpool_buffer_size(const struct nbpool *pool);
struct device *nbpool_device(const struct nbpool *pool);
unsigned int nbpool_skb_tailroom(void);
struct sg_table *nbpool_memory_sgt(struct nbpool *pool);

/* Packet data, DMA and skbs (nbpool_packet.c) */
int __nbpool_packet_set_len(struct nbpool_packet *pkt, unsigned int len);
int nbpool_packet_set_offset(struct nbpool_packet *pkt, unsigned int offset);
void nbpool_packet_sync_for_cpu(struct nbpool_packet *pkt);
void nbpool_packet_sync_for_device(struct nbpool_packet *pkt);
int nbpool_packet_sync_range_for_device(struct nbpool_packet *pkt, unsigned int offset,
					unsigned int len);
int nbpool_packet_repost(struct nbpool_packet *pkt);
int nbpool_packet_append(struct nbpool_packet *pkt, struct nbpool_packet *next);
int nbpool_packet_add_buffer(struct nbpool_packet *pkt, gfp_t gfp);
int nbpool_packet_set_frag_len(struct nbpool_packet *pkt, unsigned int i, unsigned int len);
struct sk_buff *nbpool_packet_to_skb(struct nbpool_packet *pkt);
struct nbpool_packet *nbpool_packet_from_skb(struct nbpool *pool,
					     struct sk_buff *skb, gfp_t gfp);

/* XDP on pool buffers (nbpool_xdp.c) */
int nbpool_xdp_rxq_info_reg(struct nbpool *pool, struct xdp_rxq_info *rxq,
			    struct net_device *dev, u32 queue_index, unsigned int napi_id);
int nbpool_packet_xdp_prepare(struct nbpool_packet *pkt, struct xdp_buff *xdp,
			      struct xdp_rxq_info *rxq);
u32 nbpool_packet_xdp_verdict(struct nbpool_packet *pkt, struct xdp_buff *xdp,
			      struct bpf_prog *prog, u32 act);
struct xdp_frame *nbpool_packet_xdp_frame(struct nbpool_packet *pkt, struct xdp_buff *xdp);
u32 nbpool_packet_run_xdp(struct nbpool_packet *pkt, struct bpf_prog *prog,
			  struct xdp_rxq_info *rxq);
struct nbpool_packet *nbpool_packet_from_xdp_frame(struct nbpool *pool,
						   struct xdp_frame *xdpf, gfp_t gfp);

/**
 * struct nbpool_stats - a snapshot of a pool's counters
 * @allocs: packets handed out by the nbpool_alloc family
 * @alloc_fast: of those, served without a lock from the owning NAPI's cache
 * @frees: packets given back by the nbpool_free family
 * @alloc_fail: allocations refused because no packet or buffer was free
 *	(exhaustion events)
 * @lent: buffers lent to the stack inside skbs without a copy
 * @returned: lent buffers that came back from the stack
 * @rx_copies: received packets copied into a new skb because free buffers
 *	were below the watermark
 * @tx_copies: skbs copied into pool buffers by nbpool_packet_from_skb()
 * @bad_calls: calls refused for bad arguments (double free, wrong pool, ...)
 * @buffers: capacity in buffers (nbpool_buffer_count())
 * @buffers_free: buffers ready to be allocated
 * @buffers_driver: buffers held by the driver in packets
 * @buffers_stack: buffers lent to the stack inside skbs
 * @packets_free: free packet descriptors
 * @xdp_pass: XDP verdicts: frames passed to the stack
 * @xdp_drops: frames dropped (%XDP_DROP, %XDP_ABORTED, an unknown verdict,
 *	an %XDP_TX the pool cannot serve, a redirect that failed)
 * @xdp_tx: frames sent back out by %XDP_TX
 * @xdp_redirects: frames redirected (their buffers lent until the frames
 *	are returned)
 * @xdp_xmit_copies: frames from other devices copied into pool buffers by
 *	nbpool_packet_from_xdp_frame()
 * @tx_csums: of @tx_copies, skbs whose checksum the copy finished
 *	(%NBPOOL_F_TX_CSUM)
 *
 * buffers_free + buffers_driver + buffers_stack == buffers, and every
 * buffer counted free can be allocated. Buffers in redirected XDP frames
 * count as lent, in buffers_stack.
 */
struct nbpool_stats {
	u64 allocs;
	u64 alloc_fast;
	u64 frees;
	u64 alloc_fail;
	u64 lent;
	u64 returned;
	u64 rx_copies;
	u64 tx_copies;
	u64 bad_calls;
	u64 buffers;
	u64 buffers_free;
	u64 buffers_driver;
	u64 buffers_stack;
	u64 packets_free;
	u64 xdp_pass;
	u64 xdp_drops;
	u64 xdp_tx;
	u64 xdp_redirects;
	u64 xdp_xmit_copies;
	u64 tx_csums;
};

void nbpool_get_stats(struct nbpool *pool, struct nbpool_stats *stats);

/**
 * enum nbpool_holder - who has a buffer that is not free
 * @NBPOOL_HOLDER_DRIVER: a packet the driver holds
 * @NBPOOL_HOLDER_STACK: an skb in the network stack (it comes back when
 *	the stack has let go of every skb on its page)
 */
enum nbpool_holder {
	NBPOOL_HOLDER_DRIVER,
	NBPOOL_HOLDER_STACK,
};

/**
 * typedef nbpool_outstanding_fn - called for each buffer that is not free
 * @arg: the caller's argument
 * @buffer: buffer index
 * @packet: index of the packet holding it, or -1
 * @holder: who has it
 */
typedef void (*nbpool_outstanding_fn)(void *arg, unsigned int buffer, int packet,
				      enum nbpool_holder holder);

unsigned int nbpool_walk_outstanding(struct nbpool *pool, nbpool_outstanding_fn fn,
					 void *arg);
const char *nbpool_holder_name(enum nbpool_holder holder);
int nbpool_ethtool_stats_count(void);
void nbpool_ethtool_stats_strings(u8 *data, const char *prefix);
void nbpool_ethtool_stats(struct nbpool *pool, u64 *data);

/**
 * nbpool_packet_data() - CPU address of a packet's first data byte
 * @pkt: the packet
 *
 * Context: any.
 * Return: buffer start plus the packet's data offset.
 */
static inline void *nbpool_packet_data(const struct nbpool_packet *pkt)
{
	return pkt->buf + pkt->offset;
}

/**
 * nbpool_packet_dma_addr() - DMA address of a packet's first data byte
 * @pkt: the packet
 *
 * The address the device must be given for the byte nbpool_packet_data()
 * points at: the data offset is included.
 *
 * Context: any.
 * Return: the DMA address of buffer start plus data offset.
 */
static inline dma_addr_t nbpool_packet_dma_addr(const struct nbpool_packet *pkt)
{
	return pkt->buf_dma + pkt->offset;
}

/**
 * nbpool_packet_len() - number of data bytes in a packet's first buffer
 * @pkt: the packet
 *
 * The whole frame, for a packet of one buffer; see
 * nbpool_packet_total_len() for a chain.
 *
 * Context: any.
 * Return: the data length; 0 for a new packet.
 */
static inline unsigned int nbpool_packet_len(const struct nbpool_packet *pkt)
{
	return pkt->len;
}

/**
 * nbpool_packet_offset() - data offset of a packet from its buffer start
 * @pkt: the packet
 *
 * Context: any.
 * Return: the offset; the pool's headroom for a new packet.
 */
static inline unsigned int nbpool_packet_offset(const struct nbpool_packet *pkt)
{
	return pkt->offset;
}

/**
 * nbpool_packet_headroom() - bytes of the buffer before the data
 * @pkt: the packet
 *
 * DriverKit's headroom: room to prepend headers in place.
 *
 * Context: any.
 * Return: the data offset.
 */
static inline unsigned int nbpool_packet_headroom(const struct nbpool_packet *pkt)
{
	return pkt->offset;
}

/**
 * nbpool_packet_capacity() - bytes the data may occupy from the data offset
 * @pkt: the packet
 *
 * The most the device may write at nbpool_packet_dma_addr(): post this as
 * the RX descriptor's length.
 *
 * Context: any.
 * Return: usable bytes from the current offset to the end of the data area.
 */
static inline unsigned int nbpool_packet_capacity(const struct nbpool_packet *pkt)
{
	return pkt->data_end - pkt->offset;
}

/**
 * nbpool_packet_set_len() - set the number of data bytes
 * @pkt: a packet held by the caller
 * @len: new length; offset + @len must stay within the data area
 *	(nbpool_packet_capacity())
 *
 * Inline, as every received frame goes through it: it checks that @pkt
 * is held and that @len fits, as the other inline setters it reads only
 * the packet; that a descriptor is one of its pool's own (not a copy) the
 * calls that reach the pool check. The messages are out of line.
 *
 * Context: any; the caller owns the packet.
 * Return: 0, or -EINVAL (with a warning, nothing changed) when @len does
 * not fit or @pkt is not a held packet (NULL, or freed).
 */
static inline int nbpool_packet_set_len(struct nbpool_packet *pkt, unsigned int len)
{
	if (likely(pkt && (READ_ONCE(pkt->flags) & NBPOOL_PKT_HELD) &&
		   len <= nbpool_packet_capacity(pkt))) {
		pkt->len = len;
		return 0;
	}
	return __nbpool_packet_set_len(pkt, len);
}

/**
 * nbpool_packet_buffers() - number of buffers a packet holds
 * @pkt: the packet
 *
 * Context: any.
 * Return: 1 plus the buffers chained with nbpool_packet_append() or
 * nbpool_packet_add_buffer() (or by nbpool_packet_from_skb()).
 */
static inline unsigned int nbpool_packet_buffers(const struct nbpool_packet *pkt)
{
	return 1 + pkt->nr_frags;
}

/**
 * nbpool_packet_frag() - one of the buffers a packet holds after its first
 * @pkt: the packet
 * @i: 0 .. nbpool_packet_buffers() - 2
 *
 * Context: any.
 * Return: the buffer: nbpool_frag_data() and nbpool_frag_dma_addr() give its
 * data's addresses, ->len its length.
 */
static inline const struct nbpool_frag *nbpool_packet_frag(const struct nbpool_packet *pkt,
							   unsigned int i)
{
	return &pkt->frags[i];
}

/**
 * nbpool_frag_data() - CPU address of a chained buffer's first data byte
 * @frag: from nbpool_packet_frag()
 *
 * Context: any.
 * Return: buffer start plus the buffer's data offset.
 */
static inline void *nbpool_frag_data(const struct nbpool_frag *frag)
{
	return frag->buf + frag->offset;
}

/**
 * nbpool_frag_dma_addr() - DMA address of a chained buffer's first data byte
 * @frag: from nbpool_packet_frag()
 *
 * Context: any.
 * Return: the DMA address of buffer start plus the buffer's data offset.
 */
static inline dma_addr_t nbpool_frag_dma_addr(const struct nbpool_frag *frag)
{
	return frag->dma + frag->offset;
}

/**
 * nbpool_packet_total_len() - data bytes in all of a packet's buffers
 * @pkt: the packet
 *
 * Context: any.
 * Return: the length of the frame the packet holds.
 */
static inline unsigned int nbpool_packet_total_len(const struct nbpool_packet *pkt)
{
	unsigned int i, len = pkt->len;

	for (i = 0; i < pkt->nr_frags; i++)
		len += pkt->frags[i].len;
	return len;
}

/**
 * nbpool_packet_index() - stable index of a packet descriptor
 * @pkt: the packet
 *
 * Context: any.
 * Return: 0 .. nbpool_packet_count() - 1.
 */
static inline unsigned int nbpool_packet_index(const struct nbpool_packet *pkt)
{
	return pkt->index;
}

/**
 * nbpool_packet_buffer_index() - index of the buffer a packet holds
 * @pkt: the packet
 *
 * Context: any.
 * Return: 0 .. nbpool_buffer_count() - 1.
 */
static inline unsigned int nbpool_packet_buffer_index(const struct nbpool_packet *pkt)
{
	return pkt->buf_id;
}

/**
 * nbpool_packet_pool() - the pool a packet belongs to
 * @pkt: the packet
 *
 * Context: any.
 * Return: the owning pool.
 */
static inline struct nbpool *nbpool_packet_pool(const struct nbpool_packet *pkt)
{
	return pkt->pool;
}

/**
 * nbpool_packet_set_link_header_len() - record the link-layer header length
 * @pkt: the packet
 * @len: bytes of link-layer header at the start of the data
 *
 * Context: any; the caller owns the packet.
 */
static inline void nbpool_packet_set_link_header_len(struct nbpool_packet *pkt, u16 len)
{
	pkt->flags |= NBPOOL_PKT_DIRTY;
	pkt->link_header_len = len;
}

/**
 * nbpool_packet_link_header_len() - the recorded link-layer header length
 * @pkt: the packet
 *
 * Context: any.
 * Return: what nbpool_packet_set_link_header_len() stored; 0 for a new packet.
 */
static inline u16 nbpool_packet_link_header_len(const struct nbpool_packet *pkt)
{
	return pkt->link_header_len;
}

/**
 * nbpool_packet_set_direction() - record which way the packet travels
 * @pkt: the packet
 * @dir: an &enum nbpool_direction value
 *
 * Context: any; the caller owns the packet.
 */
static inline void nbpool_packet_set_direction(struct nbpool_packet *pkt,
					       enum nbpool_direction dir)
{
	pkt->flags |= NBPOOL_PKT_DIRTY;
	pkt->direction = dir;
}

/**
 * nbpool_packet_direction() - the recorded direction
 * @pkt: the packet
 *
 * Context: any.
 * Return: an &enum nbpool_direction value; %NBPOOL_DIR_NONE for a new packet.
 */
static inline enum nbpool_direction nbpool_packet_direction(const struct nbpool_packet *pkt)
{
	return pkt->direction;
}

/**
 * nbpool_packet_set_timestamp() - record a time stamp
 * @pkt: the packet
 * @ns: time in nanoseconds (e.g. from ktime_get_ns() or the device)
 *
 * Context: any; the caller owns the packet.
 */
static inline void nbpool_packet_set_timestamp(struct nbpool_packet *pkt, u64 ns)
{
	pkt->flags |= NBPOOL_PKT_DIRTY;
	pkt->timestamp = ns;
}

/**
 * nbpool_packet_timestamp() - the recorded time stamp
 * @pkt: the packet
 *
 * Context: any.
 * Return: nanoseconds; 0 for a new packet.
 */
static inline u64 nbpool_packet_timestamp(const struct nbpool_packet *pkt)
{
	return pkt->timestamp;
}

/**
 * nbpool_packet_set_status() - record a completion status
 * @pkt: the packet
 * @status: 0 for success or a negative errno
 *
 * Context: any; the caller owns the packet.
 */
static inline void nbpool_packet_set_status(struct nbpool_packet *pkt, int status)
{
	pkt->flags |= NBPOOL_PKT_DIRTY;
	pkt->status = status;
}

/**
 * nbpool_packet_status() - the recorded completion status
 * @pkt: the packet
 *
 * Context: any.
 * Return: 0 or a negative errno; 0 for a new packet.
 */
static inline int nbpool_packet_status(const struct nbpool_packet *pkt)
{
	return pkt->status;
}

/* Offload metadata (nbpool_offload.c); the setters below report through it. */
int nbpool_packet_bad_offload(struct nbpool_packet *pkt, const char *caller,
			      const char *what, unsigned int value);

/**
 * nbpool_packet_offload() - the packet's offload metadata
 * @pkt: the packet
 *
 * On TX, what nbpool_packet_from_skb() took from the stack's skb: the
 * checksum the device must insert (%CHECKSUM_PARTIAL), the segmentation it
 * must do (@gso_size nonzero) and the VLAN tag it must insert. DriverKit's
 * getTxChecksumInfo(), getTSOInfo() and getVlanTag().
 *
 * Context: any.
 * Return: the metadata; valid while the caller owns the packet.
 */
static inline const struct nbpool_offload *
nbpool_packet_offload(const struct nbpool_packet *pkt)
{
	return &pkt->offload;
}

/**
 * nbpool_packet_set_csum_unnecessary() - the device verified the checksums
 * @pkt: a received packet
 * @level: how many checksums beyond the outermost the device verified
 *	(0 .. %SKB_MAX_CSUM_LEVEL)
 *
 * nbpool_packet_to_skb() gives the skb %CHECKSUM_UNNECESSARY at @level.
 *
 * Context: any; the caller owns the packet.
 * Return: 0, or -EINVAL with a message and a count in bad_calls (nothing
 * changed) when @level is out of range.
 */
static inline int nbpool_packet_set_csum_unnecessary(struct nbpool_packet *pkt,
						     unsigned int level)
{
	if (unlikely(level > SKB_MAX_CSUM_LEVEL))
		return nbpool_packet_bad_offload(pkt, __func__, "checksum level", level);
	pkt->flags |= NBPOOL_PKT_DIRTY;
	pkt->offload.ip_summed = CHECKSUM_UNNECESSARY;
	pkt->offload.csum_level = level;
	return 0;
}

/**
 * nbpool_packet_set_csum_complete() - the device summed the frame
 * @pkt: a received packet
 * @csum: the ones' complement sum of the frame after the link-layer header
 *
 * nbpool_packet_to_skb() gives the skb %CHECKSUM_COMPLETE with @csum.
 *
 * Context: any; the caller owns the packet.
 */
static inline void nbpool_packet_set_csum_complete(struct nbpool_packet *pkt, __wsum csum)
{
	pkt->flags |= NBPOOL_PKT_DIRTY;
	pkt->offload.ip_summed = CHECKSUM_COMPLETE;
	pkt->offload.csum = csum;
}

/**
 * nbpool_packet_set_csum_partial() - a checksum still to be computed
 * @pkt: the packet
 * @start: where summing starts, in bytes from nbpool_packet_data()
 * @offset: where the 16-bit sum goes, in bytes from @start
 *
 * On TX, for a driver that builds a packet itself and wants the device to
 * insert the checksum; on RX, a frame whose checksum its sender left to
 * the receiver (virtio's NEEDS_CSUM): the skb gets %CHECKSUM_PARTIAL.
 *
 * Context: any; the caller owns the packet.
 * Return: 0, or -EINVAL with a message and a count in bad_calls (nothing
 * changed) when the sum would not lie within nbpool_packet_capacity().
 */
static inline int nbpool_packet_set_csum_partial(struct nbpool_packet *pkt,
						 unsigned int start, unsigned int offset)
{
	unsigned int room = nbpool_packet_capacity(pkt);

	if (unlikely(room < sizeof(__sum16) || start > room - sizeof(__sum16)))
		return nbpool_packet_bad_offload(pkt, __func__, "checksum start", start);
	if (unlikely(offset > room - sizeof(__sum16) - start))
		return nbpool_packet_bad_offload(pkt, __func__, "checksum offset", offset);
	pkt->flags |= NBPOOL_PKT_DIRTY;
	pkt->offload.ip_summed = CHECKSUM_PARTIAL;
	pkt->offload.csum_start = start;
	pkt->offload.csum_offset = offset;
	return 0;
}

/**
 * nbpool_packet_set_rx_hash() - record the device's receive hash
 * @pkt: a received packet
 * @hash: the hash value
 * @type: what it covers: %PKT_HASH_TYPE_L2, %PKT_HASH_TYPE_L3 or
 *	%PKT_HASH_TYPE_L4
 *
 * Context: any; the caller owns the packet.
 * Return: 0, or -EINVAL with a message and a count in bad_calls (nothing
 * changed) for a @type that is not one of those.
 */
static inline int nbpool_packet_set_rx_hash(struct nbpool_packet *pkt, u32 hash,
					    enum pkt_hash_types type)
{
	if (unlikely(type == PKT_HASH_TYPE_NONE || (unsigned int)type > PKT_HASH_TYPE_L4))
		return nbpool_packet_bad_offload(pkt, __func__, "hash type", type);
	pkt->flags |= NBPOOL_PKT_DIRTY;
	pkt->offload.hash_type = type;
	pkt->offload.hash = hash;
	return 0;
}

/**
 * nbpool_packet_set_vlan_tag() - record a VLAN tag (DriverKit's setVlanTag())
 * @pkt: the packet
 * @proto: htons(%ETH_P_8021Q) or htons(%ETH_P_8021AD)
 * @tci: the tag's priority, DEI and VLAN ID
 *
 * On RX, a tag the device stripped: the skb carries it out of band.
 *
 * Context: any; the caller owns the packet.
 * Return: 0, or -EINVAL with a message and a count in bad_calls (nothing
 * changed) when @proto is not a VLAN protocol.
 */
static inline int nbpool_packet_set_vlan_tag(struct nbpool_packet *pkt, __be16 proto, u16 tci)
{
	if (unlikely(proto != htons(ETH_P_8021Q) && proto != htons(ETH_P_8021AD)))
		return nbpool_packet_bad_offload(pkt, __func__, "VLAN protocol", ntohs(proto));
	pkt->flags |= NBPOOL_PKT_DIRTY;
	pkt->offload.vlan_present = 1;
	pkt->offload.vlan_proto = proto;
	pkt->offload.vlan_tci = tci;
	return 0;
}

/**
 * nbpool_packet_set_gso() - record a segmentation offload
 * @pkt: the packet
 * @size: payload bytes per segment (1 .. %GSO_BY_FRAGS - 1)
 * @type: %SKB_GSO_* bits, at least one
 * @segs: number of segments (at most 65535)
 *
 * On RX, the segments the device coalesced (LRO, DriverKit's setLROInfo());
 * the skb gets them as GRO would have left them.
 *
 * Context: any; the caller owns the packet.
 * Return: 0, or -EINVAL with a message and a count in bad_calls (nothing
 * changed) for a @size, @type or @segs out of range.
 */
static inline int nbpool_packet_set_gso(struct nbpool_packet *pkt, unsigned int size,
					u32 type, unsigned int segs)
{
	if (unlikely(!size || size >= GSO_BY_FRAGS))
		return nbpool_packet_bad_offload(pkt, __func__, "GSO size", size);
	if (unlikely(!type))
		return nbpool_packet_bad_offload(pkt, __func__, "GSO type", type);
	if (unlikely(segs > U16_MAX))
		return nbpool_packet_bad_offload(pkt, __func__, "GSO segment count", segs);
	pkt->flags |= NBPOOL_PKT_DIRTY;
	pkt->offload.gso_size = size;
	pkt->offload.gso_type = type;
	pkt->offload.gso_segs = segs;
	return 0;
}

#endif /* _NBPOOL_H */
