// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool: the hot path. Taking packets and giving them back.
 *
 * Three ways in and out, fastest first:
 * - The pool's owning NAPI poll (pool->napi, on kernels whose NAPI records
 *   the CPU it runs on) allocates from and frees into pool->cache without a
 *   lock or an atomic operation; the cache is refilled and flushed in
 *   batches under the lock.
 * - Everyone else gives packets back, freed or lent to an skb, through
 *   pool->remote, a lockless list that works from any context (hardirq, with
 *   interrupts off, netpoll): page_pool's ptr_ring plays this part for
 *   pages. The list is taken back under the lock by whoever needs packets or
 *   reads the books.
 * - Everything else takes pool->lock, a raw spinlock with interrupts off,
 *   so allocation works with interrupts off and in hardirq context too,
 *   PREEMPT_RT included.
 * Nothing prints while holding the lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/dma-mapping.h>
#include <linux/sched/signal.h>
#include <linux/netdevice.h>
#include "nbpool_internal.h"
#include "nbpool_trace.h"

/*
 * Pages with lent buffers a bounded scan looks at when the pool runs low;
 * only an allocation that would otherwise fail looks at all of them.
 */
#define NBPOOL_SCAN_PAGES	32U

/* A packet as the driver gets it: headroom offset, no data, clean metadata. */
static __always_inline void nbpool_packet_init(struct nbpool *pool, struct nbpool_packet *pkt)
{
	/* The rest is as a fresh packet has it: see nbpool_packet_clean(). */
	pkt->range = pool->fresh_range;
	pkt->flags = NBPOOL_PKT_HELD;
}

/**
 * nbpool_packet_clean() - a packet comes home: clear what it carried
 * @pool: the pool
 * @pkt: the packet, its state no longer held
 *
 * Metadata a driver or nbpool set (NBPOOL_PKT_DIRTY) goes, and so does the
 * timestamp, which the list of returning packets overwrites: every packet
 * in the pool is ready to hand out without clearing anything but its
 * offset, length and state (nbpool_packet_init()).
 *
 * Context: pool->lock held, or the owner's poll (for a packet of one buffer).
 */
void nbpool_packet_clean(struct nbpool *pool, struct nbpool_packet *pkt)
{
	if (pkt->nr_frags)
		nbpool_put_frags(pool, pkt, 0);
	pkt->link_header_len = 0;
	pkt->direction = NBPOOL_DIR_NONE;
	pkt->status = 0;
	pkt->timestamp = 0;
	memset(&pkt->offload, 0, sizeof(pkt->offload));
}

/**
 * nbpool_packet_clean_own() - nbpool_packet_clean() for a packet the caller owns
 * @pool: the pool
 * @pkt: the packet
 *
 * Context: any context but NMI; takes the pool's lock only to give back
 * chained buffers.
 */
void nbpool_packet_clean_own(struct nbpool *pool, struct nbpool_packet *pkt)
{
	unsigned long flags;

	if (!pkt->nr_frags) {
		nbpool_packet_clean(pool, pkt);
		return;
	}
	nbpool_lock(pool, flags);
	nbpool_packet_clean(pool, pkt);
	nbpool_unlock(pool, flags);
}

/**
 * nbpool_put_frags() - give back the buffers a packet chains after its first
 * @pool: the pool
 * @pkt: the packet, held or on its way home
 * @keep: how many chained buffers it keeps (the first @keep)
 *
 * Context: pool->lock held.
 */
void nbpool_put_frags(struct nbpool *pool, struct nbpool_packet *pkt, unsigned int keep)
{
	unsigned int i;

	lockdep_assert_held(&pool->lock);
	for (i = keep; i < pkt->nr_frags; i++)
		nbpool_push_buffer(pool, pkt->frags[i].buf_id);
	pool->buffers_held -= pkt->nr_frags - keep;
	pkt->nr_frags = keep;
}

/* Give a descriptor and its buffers back (the reverse of nbpool_take()). */
static void nbpool_put(struct nbpool *pool, struct nbpool_packet *pkt)
{
	lockdep_assert_held(&pool->lock);
	nbpool_put_frags(pool, pkt, 0);
	pool->buffers_held--;
	nbpool_push_buffer(pool, pkt->buf_id);
	nbpool_push_pkt(pool, pkt);
}

/*
 * A packet is home, under the lock (@how: its flags on the way back):
 * freed; lent to an skb, whose buffers stay with the stack until it lets
 * go (nbpool_lend_record()); or a descriptor alone, its buffer moved into
 * another packet's chain.
 */
static void nbpool_home(struct nbpool *pool, struct nbpool_packet *pkt, u8 how)
{
	unsigned int i;

	if (how & NBPOOL_PKT_LENT) {
		nbpool_lend_record(pool, pkt->buf_id);
		for (i = 0; i < pkt->nr_frags; i++)
			nbpool_lend_record(pool, pkt->frags[i].buf_id);
		pkt->nr_frags = 0;
		nbpool_packet_clean(pool, pkt);
		nbpool_push_pkt(pool, pkt);
	} else if (how & NBPOOL_PKT_MOVED) {
		nbpool_packet_clean(pool, pkt);
		nbpool_push_pkt(pool, pkt);
	} else {
		nbpool_packet_clean(pool, pkt);
		nbpool_put(pool, pkt);
		pool->cnt.frees++;
	}
	pkt->flags = 0;
}

/**
 * nbpool_take_remote() - take back the packets given back through the list
 * @pool: the pool
 *
 * Freed packets bring their buffers; lent ones leave them with their pages
 * until the stack lets go (nbpool_lend_record()).
 *
 * Context: pool->lock held.
 */
void nbpool_take_remote(struct nbpool *pool)
{
	struct nbpool_packet *pkt, *next;
	struct llist_node *first;

	lockdep_assert_held(&pool->lock);
	if (llist_empty(&pool->remote))
		return;
	first = llist_del_all(&pool->remote);
	llist_for_each_entry_safe(pkt, next, first, free_node)
		nbpool_home(pool, pkt, pkt->flags);
}

/**
 * nbpool_reclaim() - take back what came home
 * @pool: the pool
 * @pages: how many pages with lent buffers to look at, at most
 *	(NBPOOL_SCAN_ALL: every one)
 *
 * Packets given back through the lockless list, and lent buffers whose
 * pages the stack has let go of.
 *
 * Context: pool->lock held.
 */
void nbpool_reclaim(struct nbpool *pool, unsigned int pages)
{
	nbpool_take_remote(pool);
	if (pool->buffers_lent)
		nbpool_pages_scan(pool, pages);
}

/**
 * nbpool_buffer_addr() - where buffer @buf_id is, for the CPU and the device
 * @pool: the pool
 * @buf_id: the buffer
 * @buf: its CPU address
 * @dma: its DMA address
 *
 * Context: any.
 */
void nbpool_buffer_addr(const struct nbpool *pool, u32 buf_id, void **buf, dma_addr_t *dma)
{
	const struct nbpool_page *page = nbpool_page_of(pool, buf_id);
	unsigned int at = nbpool_slot_of(pool, buf_id) * pool->buffer_size;

	*buf = page_address(page->page) + at;
	*dma = page->dma + at;
}

static void nbpool_count_fail(struct nbpool *pool, unsigned int wanted)
{
	pool->cnt.alloc_fail++;
	trace_nbpool_exhausted(pool->name, wanted, pool->nr_free_bufs, pool->nr_free_pkts);
}

/* Take back what the stack and other CPUs returned before running low, not after. */
static void nbpool_reclaim_if_low(struct nbpool *pool)
{
	if (unlikely(pool->nr_free_bufs < pool->rx_copy_watermark || !pool->nr_free_bufs ||
		     !pool->nr_free_pkts))
		nbpool_reclaim(pool, pool->nr_free_bufs ? NBPOOL_SCAN_PAGES : NBPOOL_SCAN_ALL);
}

/* Take a free descriptor with a free buffer attached; NULL if either ran out. */
static struct nbpool_packet *nbpool_take(struct nbpool *pool)
{
	struct nbpool_packet *pkt;
	u32 buf_id;

	lockdep_assert_held(&pool->lock);
	nbpool_reclaim_if_low(pool);
	if (unlikely(!pool->nr_free_bufs || !pool->nr_free_pkts || pool->dying))
		return NULL;

	buf_id = pool->free_bufs[--pool->nr_free_bufs];
	pool->buffers_held++;
	pkt = nbpool_pop_pkt(pool);
	nbpool_buffer_addr(pool, buf_id, &pkt->buf, &pkt->buf_dma);
	pkt->buf_id = buf_id;
	return pkt;
}

/**
 * nbpool_take_buffer() - take a free buffer without a descriptor
 * @pool: the pool
 * @buf_id: the buffer taken
 *
 * For a packet's chain (nbpool_packet_add_buffer()): counted as held.
 *
 * Context: pool->lock held.
 * Return: 0, or -ENOBUFS when no buffer is free (counted as an exhaustion
 * event).
 */
int nbpool_take_buffer(struct nbpool *pool, u32 *buf_id)
{
	lockdep_assert_held(&pool->lock);
	nbpool_reclaim_if_low(pool);
	if (unlikely(!pool->nr_free_bufs || pool->dying)) {
		nbpool_count_fail(pool, 1);
		return -ENOBUFS;
	}
	*buf_id = pool->free_bufs[--pool->nr_free_bufs];
	pool->buffers_held++;
	return 0;
}

/*
 * Hand a fresh buffer to the device; callers check pool->sync_alloc first.
 * Returns @pkt, so that nbpool_alloc() can end in a tail call.
 */
static noinline struct nbpool_packet *nbpool_sync_new(struct nbpool *pool,
						       struct nbpool_packet *pkt)
{
	dma_sync_single_for_device(pool->dev, pkt->buf_dma, pool->data_end, pool->dma_dir);
	return pkt;
}

/* Is the caller the live pool's owning NAPI poll, which may use pool->cache? */
static __always_inline bool nbpool_owner(const struct nbpool *pool)
{
	return nbpool_napi_local(READ_ONCE(pool->owner_napi));
}

static noinline bool nbpool_cache_refill(struct nbpool *pool)
{
	struct nbpool_cache *c = &pool->cache;
	unsigned int had = c->count;
	unsigned long flags;

	nbpool_lock(pool, flags);
	nbpool_take_remote(pool);
	while (c->count < c->max / 2 || !c->count) {
		struct nbpool_packet *pkt = nbpool_take(pool);

		if (!pkt)
			break;
		c->pkts[c->count++] = pkt;
	}
	c->moved_in += c->count - had;
	if (!c->count)
		nbpool_count_fail(pool, 1);
	nbpool_unlock(pool, flags);
	return c->count;
}

/*
 * Give all but @keep cached packets back. The owner's poll, or whoever made
 * sure that no poll can use the cache (nbpool_cache_take_back(), destroy).
 */
void nbpool_cache_flush(struct nbpool *pool, unsigned int keep)
{
	struct nbpool_cache *c = &pool->cache;
	unsigned long flags;

	nbpool_lock(pool, flags);
	while (c->count > keep) {
		nbpool_put(pool, c->pkts[--c->count]);
		c->moved_out++;
	}
	nbpool_unlock(pool, flags);
}

/**
 * nbpool_cache_take_back() - give the owner's cached packets to everyone
 * @pool: the pool
 *
 * A caller that runs short while the owner's cache holds packets (its NAPI
 * idle, threaded or busy-polled, so the cache is not used) gets them here.
 * Stops the owner fast path, waits until no CPU can still be inside it (it
 * runs in softirq, so an RCU grace period covers it), flushes the cache and
 * lets the owner use it again.
 *
 * Context: process context; sleeps.
 */
void nbpool_cache_take_back(struct nbpool *pool)
{
	mutex_lock(&pool->take_back_lock);
	if (READ_ONCE(pool->cache.count) && READ_ONCE(pool->owner_napi) == pool->napi) {
		WRITE_ONCE(pool->owner_napi, &nbpool_unowned_napi);
		synchronize_rcu();
		nbpool_cache_flush(pool, 0);
		WRITE_ONCE(pool->owner_napi, pool->napi);
	}
	mutex_unlock(&pool->take_back_lock);
}

void nbpool_take_back_work(struct work_struct *work)
{
	nbpool_cache_take_back(container_of(work, struct nbpool, take_back_work));
}

/* Take a packet from the owner's cache, which must not be empty; not counted. */
static __always_inline struct nbpool_packet *nbpool_cache_get(struct nbpool *pool)
{
	struct nbpool_packet *pkt = pool->cache.pkts[--pool->cache.count];

	nbpool_packet_init(pool, pkt);
	return pkt;
}

/* Up to @count packets under the lock; a shortfall is an exhaustion event if @final. */
static unsigned int nbpool_take_n(struct nbpool *pool, struct nbpool_packet **pkts,
				  unsigned int count, bool final)
{
	unsigned long flags;
	unsigned int n;

	nbpool_lock(pool, flags);
	for (n = 0; n < count; n++) {
		struct nbpool_packet *pkt = nbpool_take(pool);

		if (!pkt)
			break;
		nbpool_packet_init(pool, pkt);
		pkts[n] = pkt;
	}
	pool->cnt.allocs += n;
	if (unlikely(n < count) && final)
		nbpool_count_fail(pool, count - n);
	nbpool_unlock(pool, flags);
	return n;
}

/*
 * Up to @count packets for everyone but the owner. If the pool runs short
 * while packets wait in the owner's cache, take those back: now if @gfp
 * allows sleeping, else from a work item, in time for a later call.
 */
static unsigned int nbpool_alloc_locked(struct nbpool *pool, struct nbpool_packet **pkts,
					unsigned int count, gfp_t gfp)
{
	unsigned long flags;
	unsigned int n;

	n = nbpool_take_n(pool, pkts, count, !READ_ONCE(pool->cache.count));
	if (likely(n == count) || !READ_ONCE(pool->cache.count))
		return n;
	if (gfpflags_allow_blocking(gfp)) {
		nbpool_cache_take_back(pool);
		return n + nbpool_take_n(pool, pkts + n, count - n, true);
	}
	schedule_work(&pool->take_back_work);
	nbpool_lock(pool, flags);
	nbpool_count_fail(pool, count - n);
	nbpool_unlock(pool, flags);
	return n;
}

/* nbpool_alloc() off its fast path: a bad pool, an empty cache, or not the owner. */
static noinline struct nbpool_packet *nbpool_alloc_slow(struct nbpool *pool, gfp_t gfp)
{
	struct nbpool_packet *pkt;

	if (!nbpool_pool_valid(pool, "nbpool_alloc"))
		return NULL;
	if (nbpool_owner(pool)) {
		if (!pool->cache.count && !nbpool_cache_refill(pool))
			return NULL;
		pkt = nbpool_cache_get(pool);
		pool->cache.allocs++;
	} else if (!nbpool_alloc_locked(pool, &pkt, 1, gfp)) {
		return NULL;
	}
	if (pool->sync_alloc)
		nbpool_sync_new(pool, pkt);
	return pkt;
}

/**
 * nbpool_alloc() - take a packet with a free buffer from the pool
 * @pool: the pool
 * @gfp: %GFP_ATOMIC (or any flags without __GFP_DIRECT_RECLAIM) never
 *	sleeps; with %GFP_KERNEL the call may sleep to take back packets
 *	waiting in an idle owner's cache when the rest of the pool is used up.
 *	nbpool never allocates memory here.
 *
 * The packet's data offset is the pool's headroom, its length 0. In pools
 * that can receive, the whole data area is synced for the device. Called
 * from the pool's own NAPI poll, it takes no lock (see the pool's napi).
 *
 * Context: any context but NMI, any CPU; sleeps only as @gfp allows.
 * Return: the packet, or NULL when every packet or every buffer is in use
 * (counted as an exhaustion event) or on a bad call.
 */
struct nbpool_packet *nbpool_alloc(struct nbpool *pool, gfp_t gfp)
{
	struct nbpool_packet *pkt;

	/*
	 * The fast path, kept free of calls but tail calls so that it needs
	 * no stack frame: the owner's poll, a packet in its cache.
	 */
	if (unlikely(!pool || pool->magic != NBPOOL_MAGIC || !nbpool_owner(pool) ||
		     !pool->cache.count))
		return nbpool_alloc_slow(pool, gfp);
	pkt = nbpool_cache_get(pool);
	pool->cache.allocs++;
	if (unlikely(pool->sync_alloc))
		return nbpool_sync_new(pool, pkt);
	return pkt;
}
EXPORT_SYMBOL(nbpool_alloc);

/**
 * nbpool_alloc_bulk() - take up to @count packets in one call
 * @pool: the pool
 * @pkts: array that receives the packets
 * @count: number wanted
 * @gfp: as for nbpool_alloc()
 *
 * Partial success is normal: the first N entries of @pkts are filled; the
 * others are left as they were.
 *
 * Context: as nbpool_alloc().
 * Return: the number of packets allocated, 0 .. @count. Fewer than @count
 * counts one exhaustion event.
 */
unsigned int nbpool_alloc_bulk(struct nbpool *pool, struct nbpool_packet **pkts,
			       unsigned int count, gfp_t gfp)
{
	unsigned int n;

	if (!nbpool_pool_valid(pool, __func__))
		return 0;
	if (unlikely(!pkts && count)) {
		nbpool_count_bad(pool);
		pr_err_ratelimited("%s: pool %s: NULL array for %u packets\n", __func__,
				   pool->name, count);
		return 0;
	}

	if (nbpool_owner(pool)) {
		struct nbpool_cache *c = &pool->cache;

		/* A refill that finds nothing counts the exhaustion event. */
		for (n = 0; n < count;) {
			unsigned int take;

			if (unlikely(!c->count) && !nbpool_cache_refill(pool))
				break;
			for (take = min(count - n, c->count); take; take--)
				pkts[n++] = nbpool_cache_get(pool);
		}
		c->allocs += n;
	} else {
		n = nbpool_alloc_locked(pool, pkts, count, gfp);
	}
	if (pool->sync_alloc)
		for (count = 0; count < n; count++)
			nbpool_sync_new(pool, pkts[count]);
	return n;
}
EXPORT_SYMBOL(nbpool_alloc_bulk);

/**
 * nbpool_alloc_timeout() - take a packet, waiting for one to come back
 * @pool: the pool
 * @timeout: longest wait in jiffies (MAX_SCHEDULE_TIMEOUT for no limit)
 *
 * DriverKit's blocking allocation: waits until a packet is freed or a
 * buffer comes back from the stack, the timeout passes or a signal
 * arrives. Frees wake it at once; buffers the stack lets go of are seen
 * within 10 ms (the stack tells no one).
 *
 * Context: process context; sleeps.
 * Return: the packet; ERR_PTR(-ETIMEDOUT) when the time ran out;
 * ERR_PTR(-ERESTARTSYS) when a signal arrived; ERR_PTR(-ENODEV) when the
 * pool is being destroyed; ERR_PTR(-EINVAL) on a bad call.
 */
struct nbpool_packet *nbpool_alloc_timeout(struct nbpool *pool, long timeout)
{
	const long poll = max_t(long, 1, msecs_to_jiffies(10));
	struct nbpool_packet *pkt = NULL;

	might_sleep();
	if (!nbpool_pool_valid(pool, __func__))
		return ERR_PTR(-EINVAL);

	for (;;) {
		long left, wait;

		if (nbpool_alloc_locked(pool, &pkt, 1, GFP_KERNEL))
			break;
		if (READ_ONCE(pool->dying))
			return ERR_PTR(-ENODEV);
		if (timeout <= 0)
			return ERR_PTR(-ETIMEDOUT);
		/* Only lent buffers come back unannounced: poll for those. */
		wait = READ_ONCE(pool->buffers_lent) ? min(timeout, poll) : timeout;
		atomic_inc(&pool->waiters);
		smp_mb__after_atomic();	/* pairs with the barrier in nbpool_give_back() */
		left = wait_event_interruptible_timeout(pool->waitq,
							!llist_empty(&pool->remote) ||
							READ_ONCE(pool->dying), wait);
		atomic_dec(&pool->waiters);
		if (left < 0)
			return ERR_PTR(-ERESTARTSYS);
		if (timeout != MAX_SCHEDULE_TIMEOUT)
			timeout -= wait - left;
	}
	if (pool->sync_alloc)
		nbpool_sync_new(pool, pkt);
	return pkt;
}
EXPORT_SYMBOL(nbpool_alloc_timeout);

/*
 * A held packet is about to be given back (@how: 0 freed, NBPOOL_PKT_LENT
 * lent, NBPOOL_PKT_MOVED its descriptor alone). Atomic, so that of two frees of one packet racing on other CPUs
 * than the owner's only one can pass, and a free can never turn a packet
 * that is on its way back into another state.
 */
static bool nbpool_unhold(struct nbpool_packet *pkt, u8 how)
{
	u8 old = READ_ONCE(pkt->flags);

	do {
		if (unlikely(!(old & NBPOOL_PKT_HELD)))
			return false;
	} while (!try_cmpxchg(&pkt->flags, &old, how));
	return true;
}

static noinline int nbpool_bad_free(struct nbpool *pool, struct nbpool_packet *pkt,
				    const char *caller)
{
	nbpool_count_bad(pool);
	pr_err_ratelimited("%s: pool %s: packet %u is not allocated (double free?)\n",
			   caller, pool->name, pkt->index);
	WARN_ONCE(1, "nbpool: double free\n");
	return -EINVAL;
}

/* A packet comes back to a destroyed pool: under the lock, and the reaper looks. */
static noinline int nbpool_give_back_dying(struct nbpool *pool, struct nbpool_packet *pkt, u8 how)
{
	unsigned long flags;

	nbpool_lock(pool, flags);
	nbpool_home(pool, pkt, how);
	nbpool_unlock(pool, flags);
	nbpool_kick_reaper();
	return 0;
}

/**
 * nbpool_give_back() - a packet comes back from anyone but the owner's poll
 * @pkt: a packet the caller holds (of a valid pool)
 * @how: 0 (freed with its buffer), NBPOOL_PKT_LENT (its buffer stays in an
 *	skb) or NBPOOL_PKT_MOVED (its buffer is in another packet's chain)
 * @caller: function name for the message on a double free
 *
 * Onto the lockless list while the pool lives. Once nbpool_destroy() has
 * started, under the lock, where the reaper of the destroyed pool sees it.
 *
 * Context: any but NMI.
 * Return: 0, or -EINVAL for a packet the caller does not hold.
 */
int nbpool_give_back(struct nbpool_packet *pkt, u8 how, const char *caller)
{
	struct nbpool *pool = pkt->pool;

	if (unlikely(!nbpool_unhold(pkt, how)))
		return nbpool_bad_free(pool, pkt, caller);
	if (unlikely(READ_ONCE(pool->dying)))
		return nbpool_give_back_dying(pool, pkt, how);
	/*
	 * A packet on the list still counts as held, so the pool cannot be
	 * freed before the list is taken; its struct is freed after an RCU
	 * grace period, which a section without preemption holds off, so the
	 * waiter check below is safe even if a reaper took the list and freed
	 * the pool meanwhile.
	 */
	preempt_disable();
	llist_add(&pkt->free_node, &pool->remote);	/* a full barrier */
	if (unlikely(atomic_read(&pool->waiters)))
		wake_up(&pool->waitq);
	preempt_enable();
	return 0;
}


/*
 * Free into the owner's cache; the caller is the owning NAPI poll. The
 * slow half of the owner's free: a full cache, or a double free to refuse.
 */
static noinline int nbpool_cache_put(struct nbpool *pool, struct nbpool_packet *pkt)
{
	struct nbpool_cache *c = &pool->cache;

	if (!nbpool_unhold(pkt, 0))
		return nbpool_bad_free(pool, pkt, "nbpool_free");
	/* The cache holds clean packets of one buffer: a chain's others go home. */
	nbpool_packet_clean_own(pool, pkt);
	if (unlikely(c->count == c->max))
		nbpool_cache_flush(pool, c->max / 2);
	c->pkts[c->count++] = pkt;
	return 0;
}

static noinline int nbpool_free_invalid(struct nbpool_packet *pkt)
{
	nbpool_packet_invalid(pkt, "nbpool_free");
	return -EINVAL;
}

/**
 * nbpool_free() - give a packet and its buffer back to the pool
 * @pkt: a packet from nbpool_alloc() and friends, still held by the driver
 *
 * Also valid after nbpool_destroy() for packets the driver still held. A
 * double free or a descriptor that is not the pool's is refused with a
 * warning and counted in bad_calls; the pool's accounting is unchanged.
 * The pool's owning NAPI poll frees into a lockless cache; every other
 * caller, in any context, onto a lockless list that the pool takes back
 * when it needs packets or reads its books. Of two frees of one packet
 * racing each other, the one in the owner's poll is not checked against
 * the other.
 *
 * Context: any context but NMI: process, softirq, hardirq, interrupts off
 * (netpoll). Never sleeps.
 * Return: 0, or -EINVAL for a refused packet.
 */
int nbpool_free(struct nbpool_packet *pkt)
{
	struct nbpool_cache *c;
	struct nbpool *pool;
	unsigned int n;

	/* Frameless like nbpool_alloc(): everything but the fast path is a tail call. */
	if (unlikely(!nbpool_packet_ok(pkt)))
		return nbpool_free_invalid(pkt);
	pool = pkt->pool;
	if (!nbpool_owner(pool))
		return nbpool_give_back(pkt, 0, "nbpool_free");
	c = &pool->cache;
	n = c->count;
	/* Held, nothing set beyond offset and length (no NBPOOL_PKT_DIRTY), room. */
	if (unlikely(pkt->flags != NBPOOL_PKT_HELD || n == c->max))
		return nbpool_cache_put(pool, pkt);
	pkt->flags = 0;
	c->pkts[n] = pkt;
	c->count = n + 1;
	return 0;
}
EXPORT_SYMBOL(nbpool_free);

/*
 * The owner frees a run of @pool's packets into its cache, stopping before
 * the first entry that is not a held packet of @pool (or when the cache is
 * full even after a flush). Return: how many it took.
 */
static unsigned int nbpool_cache_put_run(struct nbpool *pool, struct nbpool_packet **pkts,
					 unsigned int count)
{
	struct nbpool_cache *c = &pool->cache;
	unsigned int i, room;

	if (count > c->max - c->count && c->count > c->max / 2)
		nbpool_cache_flush(pool, c->max / 2);
	room = min(count, c->max - c->count);
	for (i = 0; i < room; i++) {
		struct nbpool_packet *pkt = pkts[i];

		if (unlikely(!pkt || !nbpool_packet_in(pool, pkt) ||
			     READ_ONCE(pkt->flags) != NBPOOL_PKT_HELD))
			break;
		pkt->flags = 0;
		c->pkts[c->count + i] = pkt;
	}
	c->count += i;
	return i;
}

/**
 * nbpool_free_bulk() - give back @count packets
 * @pkts: the packets; they may belong to different pools
 * @count: number of entries in @pkts
 *
 * Every valid entry is freed even if others are refused (see nbpool_free()).
 *
 * Context: as nbpool_free().
 * Return: the number of entries refused; 0 when all were freed.
 */
unsigned int nbpool_free_bulk(struct nbpool_packet **pkts, unsigned int count)
{
	unsigned int i = 0, refused = 0;

	while (i < count) {
		struct nbpool_packet *pkt = pkts[i];
		struct nbpool *pool;
		unsigned int done;

		if (unlikely(!nbpool_packet_ok(pkt))) {
			nbpool_packet_invalid(pkt, __func__);
			refused++;
			i++;
			continue;
		}
		pool = pkt->pool;
		if (nbpool_owner(pool)) {
			done = nbpool_cache_put_run(pool, pkts + i, count - i);
			if (unlikely(!done)) {
				refused += nbpool_cache_put(pool, pkt) != 0;
				done = 1;
			}
			i += done;
			continue;
		}
		refused += nbpool_give_back(pkt, 0, __func__) != 0;
		i++;
	}
	return refused;
}
EXPORT_SYMBOL(nbpool_free_bulk);

/*
 * Free buffers, for the copy-under-pressure decision: below the watermark,
 * first take back what the stack has returned. Racy reads are fine here.
 */
unsigned int nbpool_buffers_free(struct nbpool *pool)
{
	unsigned int n = READ_ONCE(pool->nr_free_bufs) + READ_ONCE(pool->cache.count);
	unsigned long flags;

	if (n >= pool->rx_copy_watermark)
		return n;
	nbpool_lock(pool, flags);
	nbpool_reclaim(pool, NBPOOL_SCAN_PAGES);
	n = pool->nr_free_bufs + READ_ONCE(pool->cache.count);
	nbpool_unlock(pool, flags);
	return n;
}
