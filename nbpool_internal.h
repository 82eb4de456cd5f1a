/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbpool's private types, shared by the pool's files:
 *   nbpool_main.c     lifecycle: create, destroy, destroyed pools, the module
 *   nbpool_pages.c    the pages: allocation, DMA mapping, lending to skbs and
 *                     taking lent buffers back, the memory table
 *   nbpool_alloc.c    the hot path: alloc and free, the owner's cache, the
 *                     list of packets coming back from other contexts
 *   nbpool_stats.c    statistics, the outstanding-buffer walk, ethtool, getters
 *   nbpool_packet.c   packet data bounds, DMA syncs, skbs
 *   nbpool_offload.c  offload metadata between packets and skbs
 *   nbpool_xdp.c      XDP programs on packets, XDP frames in and out
 *   nbpool_debugfs.c  /sys/kernel/debug/nbpool, and nbpool/destroyed
 * Drivers use nbpool.h only.
 */
#ifndef _NBPOOL_INTERNAL_H
#define _NBPOOL_INTERNAL_H

#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/llist.h>
#include <linux/workqueue.h>
#include <linux/scatterlist.h>
#include <linux/rcupdate.h>
#include "nbpool.h"
#include "nbpool_compat.h"

#define NBPOOL_MAGIC		0x6e62706c	/* "nbpl" */
#define NBPOOL_NAME_LEN		32
/* Largest page order a pool uses (64 KiB buffers need 4; big counts more). */
#define NBPOOL_MAX_ORDER	8U
/* Most pages a pool has (its page table and lent-page bitmap scale with it). */
#define NBPOOL_MAX_PAGES	(1U << 16)

/* nbpool_packet.flags (NBPOOL_PKT_HELD and _DIRTY are in nbpool.h, for its inline setters) */
#define NBPOOL_PKT_LENT		BIT(1)	/* coming back without its buffer (in an skb) */
#define NBPOOL_PKT_CPU_SYNCED	BIT(2)	/* cpu_synced_start/end say what the CPU may read */
#define NBPOOL_PKT_FRAGS_SYNCED	BIT(3)	/* every chained buffer synced for the CPU */
#define NBPOOL_PKT_MOVED	BIT(4)	/* coming back alone: its buffer is in another packet */

/*
 * One page (of pool->order) cut into pool->bufs_per_page buffers. The pool
 * holds the page from nbpool_create() to the pool's end: its memory and DMA
 * address never change. Each skb built on one of its buffers holds one more
 * page reference, so once the page's reference count is back to the pool's
 * own one, every buffer lent from it is back.
 */
struct nbpool_page {
	struct page *page;
	dma_addr_t dma;
	unsigned long lent;	/* buffers recorded as inside skbs */
};

/* Counted under pool->lock. */
struct nbpool_counters {
	u64 allocs;
	u64 frees;
	u64 alloc_fail;
	u64 returned;		/* lent buffers that came back from the stack */
};

/* Counted where they happen, in any context: per CPU. */
struct nbpool_pcpu_counters {
	u64 lent;
	u64 rx_copies;
	u64 tx_copies;
	u64 xdp_pass;
	u64 xdp_drops;
	u64 xdp_tx;
	u64 xdp_redirects;
	u64 xdp_xmit_copies;
	u64 tx_csums;
};

/*
 * Ready packets (buffer attached) for the pool's owning NAPI poll only:
 * touched without a lock or atomics, refilled and flushed in batches of
 * half its size under pool->lock. From the pool's point of view their
 * buffers are held. At most page_pool's cache size, so that a poll's bulk
 * of 64 stays in it; at most a quarter of the pool, so that small pools do
 * not strand their packets there (see nbpool_create()). When anyone else
 * runs short while the cache holds packets, the pool takes them back (see
 * nbpool_cache_take_back()).
 */
#define NBPOOL_CACHE_SIZE	128U

/*
 * Only allocs are counted per packet; the cache's frees follow from
 * count = moved_in - moved_out - allocs + frees (see nbpool_get_stats()).
 */
struct nbpool_cache {
	unsigned int count;
	unsigned int max;	/* 1 .. NBPOOL_CACHE_SIZE, set at create */
	u64 allocs;
	u64 moved_in;		/* packets refilled from the pool */
	u64 moved_out;		/* packets flushed back to it */
	struct nbpool_packet *pkts[NBPOOL_CACHE_SIZE];
};

struct nbpool {
	u32 magic;
	/* Set at create, read-only after. */
	struct page_pool *pp;
	struct device *dev;
	struct net_device *netdev;
	struct napi_struct *napi;
	/*
	 * napi while the pool is live and its cache may be used;
	 * nbpool_unowned_napi for pools without one (or on kernels where a
	 * napi cannot own the cache), while the cache is being taken back and
	 * once nbpool_destroy() starts, so the fast path tests no NULL.
	 */
	struct napi_struct *owner_napi;
	struct nbpool_page *pages;
	struct nbpool_packet *packets;
	unsigned int packet_count;
	unsigned int buffer_count;
	unsigned int buffer_size;	/* stride between buffers */
	unsigned int data_end;		/* usable bytes of a buffer */
	unsigned int headroom;
	/* A new packet's offset (the headroom) and length (0). */
	typeof_member(struct nbpool_packet, range) fresh_range;
	unsigned int order;
	unsigned int bufs_per_page;
	unsigned int nr_pages;
	unsigned int rx_copy_watermark;
	unsigned int max_frags;		/* buffers a packet may chain after its first */
	struct nbpool_frag *frags;	/* max_frags for each packet, in packet order */
	enum dma_data_direction dma_dir;	/* what the driver asked for */
	bool dma_sync;			/* syncs are not no-ops on this device */
	bool tx_csum;			/* NBPOOL_F_TX_CSUM */
	bool sync_alloc;		/* so new packets are synced for the device */
	int nid;
	char name[NBPOOL_NAME_LEN];
	struct nbpool_pcpu_counters __percpu *pcpu;
	atomic64_t bad_calls;
	atomic_t waiters;		/* in nbpool_alloc_timeout() */
	bool dying;			/* nbpool_destroy() started; set under lock */

	/*
	 * Packets freed or lent outside the owner's poll, from any context:
	 * taken back under the lock (see nbpool_take_remote()).
	 */
	struct llist_head remote ____cacheline_aligned_in_smp;

	struct nbpool_cache cache ____cacheline_aligned_in_smp;

	/*
	 * Everything below is protected by lock: a raw spinlock taken with
	 * interrupts off, so that allocation works in hardirq context even on
	 * PREEMPT_RT, where a spinlock_t sleeps. Nothing under it allocates,
	 * sleeps or prints; the longest section is one pass over the pool's
	 * pages (stats and the outstanding walk).
	 */
	raw_spinlock_t lock ____cacheline_aligned_in_smp;
	u32 *free_bufs;			/* stack of buffer ids */
	unsigned int nr_free_bufs;
	struct nbpool_packet **free_pkts;	/* see nbpool_pop_pkt() */
	unsigned int nr_free_pkts;
	unsigned int pkts_head;
	unsigned int buffers_held;	/* in packets (chains too): the driver's, the cache's, coming back */
	unsigned int buffers_lent;	/* recorded in pages' lent masks */
	unsigned long *lent_pages;	/* pages with lent buffers */
	unsigned int scan_from;		/* where the next bounded scan starts */
	struct nbpool_counters cnt;

	/* Taking the owner's cache back (nbpool_cache_take_back()). */
	struct mutex take_back_lock;
	struct work_struct take_back_work;

	wait_queue_head_t waitq;
	struct sg_table *sgt;		/* built on first use, never changed */
	struct dentry *debugfs;
	struct list_head zombie_node;
	unsigned long reported;		/* jiffies of the last "still out" */
	struct rcu_head rcu;
};

static inline struct nbpool_page *nbpool_page_of(const struct nbpool *pool, u32 buf_id)
{
	return &pool->pages[buf_id / pool->bufs_per_page];
}

static inline unsigned int nbpool_slot_of(const struct nbpool *pool, u32 buf_id)
{
	return buf_id % pool->bufs_per_page;
}

static inline bool nbpool_dma_receives(enum dma_data_direction dir)
{
	return dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL;
}

/*
 * Free descriptors. A stack (the most recently freed first, while its cache
 * lines are warm), except in debug builds (CONFIG_DEBUG_NET), where they
 * form a ring and the least recently freed goes first: a driver that uses a
 * packet pointer after giving the packet back (a stale ring entry after
 * nbpool_packet_to_skb(), say) then finds it still free and is refused as
 * a bad call, instead of freeing the packet's next owner. Under pool->lock.
 */
static inline void nbpool_push_pkt(struct nbpool *pool, struct nbpool_packet *pkt)
{
	unsigned int at = pool->nr_free_pkts++;

	if (IS_ENABLED(CONFIG_DEBUG_NET))
		at = (pool->pkts_head + at) % pool->packet_count;
	pool->free_pkts[at] = pkt;
}

static inline struct nbpool_packet *nbpool_pop_pkt(struct nbpool *pool)
{
	struct nbpool_packet *pkt;

	if (!IS_ENABLED(CONFIG_DEBUG_NET))
		return pool->free_pkts[--pool->nr_free_pkts];
	pkt = pool->free_pkts[pool->pkts_head];
	pool->pkts_head = (pool->pkts_head + 1) % pool->packet_count;
	pool->nr_free_pkts--;
	return pkt;
}

bool nbpool_packet_invalid(const struct nbpool_packet *pkt, const char *caller);

/* Do @len bytes at @offset fit in a data area of @end bytes (without overflow)? */
static inline bool nbpool_fits(unsigned int offset, unsigned int len, unsigned int end)
{
	return offset <= end && len <= end - offset;
}

/*
 * Does @pkt point at one of @pool's descriptors? (Then pkt->pool == pool.)
 * The descriptor the pool keeps at @pkt's index must be @pkt itself: exact
 * for any pointer that can be read, and without dividing by the
 * descriptor's size, which is not a power of two.
 */
static inline bool nbpool_packet_in(const struct nbpool *pool, const struct nbpool_packet *pkt)
{
	u32 index = READ_ONCE(pkt->index);

	return index < pool->packet_count && &pool->packets[index] == pkt;
}

/*
 * Is @pkt one of its pool's descriptors? Checks that need no lock (whether
 * the driver holds it is checked separately); inline because every free
 * runs it. nbpool_packet_valid() also reports a failure.
 */
static inline bool nbpool_packet_ok(const struct nbpool_packet *pkt)
{
	const struct nbpool *pool;

	if (unlikely(!pkt))
		return false;
	pool = pkt->pool;
	return likely(pool && pool->magic == NBPOOL_MAGIC && nbpool_packet_in(pool, pkt));
}

static inline bool nbpool_packet_valid(const struct nbpool_packet *pkt, const char *caller)
{
	return likely(nbpool_packet_ok(pkt)) || nbpool_packet_invalid(pkt, caller);
}

/*
 * pool->lock is taken with interrupts off, so that the pool works from
 * every context a driver is called in (netpoll calls with them off).
 */
#define nbpool_lock(pool, flags)	raw_spin_lock_irqsave(&(pool)->lock, flags)
#define nbpool_unlock(pool, flags)	raw_spin_unlock_irqrestore(&(pool)->lock, flags)

/* nbpool_main.c */
extern struct napi_struct nbpool_unowned_napi;
bool nbpool_pool_valid(const struct nbpool *pool, const char *caller);
void nbpool_count_bad(struct nbpool *pool);
void nbpool_kick_reaper(void);

/* nbpool_stats.c: each counter's name, in the order of struct nbpool_stats */
#define NBPOOL_NR_STATS	(sizeof(struct nbpool_stats) / sizeof(u64))
extern const char * const nbpool_stat_names[];

/* nbpool_pages.c */
int nbpool_pages_create(struct nbpool *pool);
void nbpool_pages_unmap(struct nbpool *pool);
void nbpool_pages_free(struct nbpool *pool);
void nbpool_lend_record(struct nbpool *pool, u32 buf_id);
unsigned int nbpool_pages_scan(struct nbpool *pool, unsigned int max);
void nbpool_push_buffer(struct nbpool *pool, u32 buf_id);

/* nbpool_alloc.c */
void nbpool_take_remote(struct nbpool *pool);
void nbpool_reclaim(struct nbpool *pool, unsigned int pages);
#define NBPOOL_SCAN_ALL	UINT_MAX
void nbpool_cache_flush(struct nbpool *pool, unsigned int keep);
void nbpool_cache_take_back(struct nbpool *pool);
void nbpool_take_back_work(struct work_struct *work);
int nbpool_give_back(struct nbpool_packet *pkt, u8 how, const char *caller);
void nbpool_put_frags(struct nbpool *pool, struct nbpool_packet *pkt, unsigned int keep);
void nbpool_packet_clean(struct nbpool *pool, struct nbpool_packet *pkt);
void nbpool_packet_clean_own(struct nbpool *pool, struct nbpool_packet *pkt);
int nbpool_take_buffer(struct nbpool *pool, u32 *buf_id);
void nbpool_buffer_addr(const struct nbpool *pool, u32 buf_id, void **buf, dma_addr_t *dma);
unsigned int nbpool_buffers_free(struct nbpool *pool);

/* nbpool_packet.c */
bool nbpool_packet_rx_check(struct nbpool_packet *pkt, const char *caller);

/*
 * nbpool_packet_rx_ready() - nbpool_packet_rx_check(), with the common case
 * inline: a held packet of one buffer, within its data area, of a
 * receiving pool whose device needs no syncs, outside NMI.
 */
static __always_inline bool nbpool_packet_rx_ready(struct nbpool_packet *pkt, const char *caller)
{
	const struct nbpool *pool;

	if (likely(nbpool_packet_ok(pkt))) {
		pool = pkt->pool;
		if (likely((pkt->flags & NBPOOL_PKT_HELD) && !pkt->nr_frags && !pool->dma_sync &&
			   pool->dma_dir != DMA_TO_DEVICE &&
			   nbpool_fits(pkt->offset, pkt->len, pkt->data_end) && !in_nmi()))
			return true;
	}
	return nbpool_packet_rx_check(pkt, caller);
}
void nbpool_packet_cpu_wrote(struct nbpool_packet *pkt);

/*
 * nbpool_packet_reset() - nbpool_packet_repost() for a packet known to be
 * held; inline, as XDP_DROP runs it for every frame. Context: as
 * nbpool_packet_repost().
 */
static __always_inline void nbpool_packet_reset(struct nbpool_packet *pkt)
{
	struct nbpool *pool = pkt->pool;

	if (pkt->flags & NBPOOL_PKT_DIRTY || pkt->nr_frags)
		nbpool_packet_clean_own(pool, pkt);
	pkt->range = pool->fresh_range;
	pkt->flags = NBPOOL_PKT_HELD;
	if (pool->sync_alloc)
		dma_sync_single_for_device(pool->dev, pkt->buf_dma, pool->data_end, pool->dma_dir);
}

void nbpool_lend_out(struct nbpool_packet *pkt, const char *caller);
struct nbpool_packet *nbpool_alloc_frame(struct nbpool *pool, unsigned int len, gfp_t gfp,
					 const char *caller);

__wsum nbpool_copy_from_skb(struct nbpool_packet *pkt, const struct sk_buff *skb, int start);

/* nbpool_offload.c */
void nbpool_offload_to_skb(struct nbpool_packet *pkt, struct sk_buff *skb);
void nbpool_offload_from_skb(struct nbpool_packet *pkt, const struct sk_buff *skb,
			     bool csum_done);
bool nbpool_copy_and_csum(struct nbpool_packet *pkt, struct sk_buff *skb);

/* nbpool_debugfs.c */
void nbpool_debugfs_init(void);
void nbpool_debugfs_exit(void);
void nbpool_debugfs_add(struct nbpool *pool);
void nbpool_debugfs_retire(struct nbpool *pool);
void nbpool_debugfs_remove(struct nbpool *pool);

#endif /* _NBPOOL_INTERNAL_H */
