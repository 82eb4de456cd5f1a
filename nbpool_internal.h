/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbpool's private types, shared by nbpool_main.c, nbpool_packet.c and
 * nbpool_debugfs.c. Drivers use nbpool.h only.
 */
#ifndef _NBPOOL_INTERNAL_H
#define _NBPOOL_INTERNAL_H

#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <linux/llist.h>
#include <linux/workqueue.h>
#include <linux/scatterlist.h>
#include "nbpool.h"
#include "nbpool_compat.h"

#define NBPOOL_MAGIC		0x6e62706c	/* "nbpl" */
#define NBPOOL_NAME_LEN		32
/*
 * page_pool's recycle ring holds at most 16384 pages (6.12 caps it), and a
 * ptr_ring frees consumed slots in batches of up to 16, so it must be a
 * little larger than the number of pages that can be in it at once.
 */
#define NBPOOL_RING_SLACK	64U
#define NBPOOL_MAX_PAGES	(16384U - NBPOOL_RING_SLACK)
/* Largest page order a pool uses (64 KiB buffers need 4; big counts more). */
#define NBPOOL_MAX_ORDER	8U

/* nbpool_packet.flags */
#define NBPOOL_PKT_HELD		BIT(0)	/* allocated to the driver */
#define NBPOOL_PKT_CPU_SYNCED	BIT(1)	/* data synced for the CPU since alloc */

/*
 * One page (of pool->order) cut into pool->bufs_per_page buffers. The page
 * is "home" while the pool holds a page_pool reference on it; it goes
 * "away" when the pool drops that reference so that page_pool can tell us
 * (by recycling the page) when the stack has freed every skb built on it.
 */
struct nbpool_page {
	struct page *page;
	dma_addr_t dma;
	unsigned long free;	/* buffers on the pool's free stack */
	unsigned long lent;	/* buffers inside skbs, one pp reference each */
	u16 held;		/* buffers in packets held by the driver */
	bool away;
	bool lost;		/* page_pool gave it away; waiting for a new one */
};

struct nbpool_counters {
	u64 allocs;
	u64 frees;
	u64 alloc_fail;
	u64 lent;
	u64 rx_copies;
	u64 tx_copies;
	u64 recycled;
};

/*
 * Ready packets (buffer attached) for the pool's owning NAPI poll only:
 * touched without a lock or atomics, refilled and flushed in batches of
 * half its size under pool->lock. From the page's point of view their
 * buffers are held. At most page_pool's cache size, so that a poll's bulk
 * of 64 stays in it; at most a quarter of the pool, so that small pools
 * do not strand their packets there (see nbpool_create()).
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
	 * napi while the pool is live; nbpool_unowned_napi for pools without
	 * one (or on kernels where a napi cannot own the cache) and once
	 * nbpool_destroy() starts, so the fast path tests no NULL.
	 */
	struct napi_struct *owner_napi;
	struct nbpool_page *pages;
	struct nbpool_packet *packets;
	unsigned int packet_count;
	unsigned int buffer_count;
	unsigned int buffer_size;	/* stride between buffers */
	unsigned int data_end;		/* usable bytes of a buffer */
	unsigned int headroom;
	unsigned int order;
	unsigned int bufs_per_page;
	unsigned int nr_pages;
	unsigned int rx_copy_watermark;
	enum dma_data_direction dma_dir;	/* what the driver asked for */
	bool dma_sync;			/* syncs are not no-ops on this device */
	bool sync_alloc;		/* so new packets are synced for the device */
	int nid;
	char name[NBPOOL_NAME_LEN];
	struct xarray page_of_pfn;	/* pfn -> index into pages[] */
	unsigned int released_by_us;	/* page_pool releases we asked for */
	unsigned int pages_replaced;	/* lost pages replaced with new ones */
	struct delayed_work replenish_work;

	atomic64_t bad_calls;

	/* Freed in softirq on other CPUs; see nbpool_take_remote(). */
	struct llist_head remote_frees ____cacheline_aligned_in_smp;

	struct nbpool_cache cache ____cacheline_aligned_in_smp;

	/* Everything below is protected by lock. */
	spinlock_t lock ____cacheline_aligned_in_smp;
	u32 *free_bufs;			/* stack of buffer ids */
	unsigned int nr_free_bufs;	/* entries on the stack */
	unsigned int buffers_avail;	/* entries on home pages */
	struct nbpool_packet **free_pkts;
	unsigned int nr_free_pkts;
	unsigned int buffers_held;
	unsigned int pages_away;
	struct nbpool_counters cnt;
	bool dying;

	wait_queue_head_t waitq;
	struct sg_table *sgt;
	struct dentry *debugfs;
	struct list_head zombie_node;
	unsigned long reported;		/* jiffies of the last "still out" */
};

static inline struct nbpool_page *nbpool_page_of(const struct nbpool *pool, u32 buf_id)
{
	return &pool->pages[buf_id / pool->bufs_per_page];
}

static inline unsigned int nbpool_slot_of(const struct nbpool *pool, u32 buf_id)
{
	return buf_id % pool->bufs_per_page;
}

bool nbpool_packet_invalid(const struct nbpool_packet *pkt, const char *caller);

/* Does @pkt point at one of @pool's descriptors? (Then pkt->pool == pool.) */
static inline bool nbpool_packet_in(const struct nbpool *pool, const struct nbpool_packet *pkt)
{
	uintptr_t off = (uintptr_t)pkt - (uintptr_t)pool->packets;

	return off < (uintptr_t)pool->packet_count * sizeof(*pkt) && !(off % sizeof(*pkt));
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

/* nbpool_main.c */
void nbpool_count_bad(struct nbpool *pool);
void nbpool_lend(struct nbpool_packet *pkt);
void nbpool_count_rx_copy(struct nbpool *pool);
void nbpool_count_tx_copy(struct nbpool *pool);
unsigned int nbpool_buffers_free(struct nbpool *pool);

/* nbpool_debugfs.c */
void nbpool_debugfs_init(void);
void nbpool_debugfs_exit(void);
void nbpool_debugfs_add(struct nbpool *pool);
void nbpool_debugfs_remove(struct nbpool *pool);

#endif /* _NBPOOL_INTERNAL_H */
