// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool: pool lifecycle, buffers, DMA and statistics.
 *
 * Memory model. The pool owns nr_pages pages from its page_pool, maps each
 * one for DMA itself when the pool is created and cuts it into
 * bufs_per_page buffers. Free buffers sit on a stack of buffer ids; free
 * descriptors on a stack of packets. A buffer is in one of three places:
 * free, held by the driver in a packet, or lent to the stack in an skb.
 *
 * page_pool counts references per page. The pool holds one on every page
 * that is "home"; each skb holding one of the page's buffers holds one
 * more. Once a page has buffers in the stack and none in the driver's
 * hands, the pool drops its reference ("the page goes away"); when the
 * stack frees the last skb, page_pool puts the page in its recycle ring,
 * and the pool takes it back from there ("reclaim") the next time it runs
 * short. Buffers of an away page that were still free wait with it. This
 * keeps capacity exact: the pool never owns more than buffer_count buffers
 * and the data path never reaches the page allocator or the DMA API.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/dma-mapping.h>
#include <linux/ptr_ring.h>
#include <linux/sched/signal.h>
#include <linux/ethtool.h>
#include "nbpool_internal.h"

#define CREATE_TRACE_POINTS
#include "nbpool_trace.h"

/* What pool->owner_napi points at when no poll may use the cache. */
static struct napi_struct nbpool_unowned_napi = NBPOOL_NAPI_UNOWNED;

static LIST_HEAD(nbpool_zombies);
static DEFINE_SPINLOCK(nbpool_zombies_lock);
static void nbpool_zombie_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(nbpool_zombie_work, nbpool_zombie_work_fn);

/* How often a destroyed pool checks for buffers that came back. */
#define NBPOOL_ZOMBIE_POLL	(HZ / 10)
/* How often it says that some are still out. */
#define NBPOOL_ZOMBIE_REPORT	(60 * HZ)

static bool nbpool_dma_receives(enum dma_data_direction dir)
{
	return dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL;
}

/**
 * nbpool_skb_tailroom() - bytes each receive buffer keeps for skb metadata
 *
 * In pools that can receive, the last nbpool_skb_tailroom() bytes of every
 * buffer hold the &struct skb_shared_info of the skb nbpool_packet_to_skb()
 * builds on it, so data never reaches them.
 *
 * Context: any.
 * Return: SKB_DATA_ALIGN(sizeof(struct skb_shared_info)).
 */
unsigned int nbpool_skb_tailroom(void)
{
	return SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
}
EXPORT_SYMBOL(nbpool_skb_tailroom);

static unsigned long nbpool_page_mask(const struct nbpool *pool, unsigned int idx)
{
	unsigned int first = idx * pool->bufs_per_page;
	unsigned int n = min(pool->bufs_per_page, pool->buffer_count - first);

	return n == BITS_PER_LONG ? ~0UL : BIT(n) - 1;
}

static void nbpool_push_buffer(struct nbpool *pool, u32 buf_id)
{
	struct nbpool_page *p = nbpool_page_of(pool, buf_id);

	p->free |= BIT(nbpool_slot_of(pool, buf_id));
	pool->free_bufs[pool->nr_free_bufs++] = buf_id;
	if (!p->away)
		pool->buffers_avail++;
}

/* Caller ensures buffers_avail > 0. */
static u32 nbpool_pop_buffer(struct nbpool *pool)
{
	for (;;) {
		u32 buf_id = pool->free_bufs[--pool->nr_free_bufs];
		struct nbpool_page *p = nbpool_page_of(pool, buf_id);

		p->free &= ~BIT(nbpool_slot_of(pool, buf_id));
		if (likely(!p->away)) {
			pool->buffers_avail--;
			return buf_id;
		}
		/* Its page is away: the buffer comes back with the page. */
	}
}

/* Push every buffer of page @idx that is not on the stack already. */
static void nbpool_page_refill(struct nbpool *pool, unsigned int idx, unsigned long bufs)
{
	unsigned int first = idx * pool->bufs_per_page;
	unsigned long bit;

	for_each_set_bit(bit, &bufs, BITS_PER_LONG)
		nbpool_push_buffer(pool, first + bit);
}

/*
 * Drop the pool's reference on a page whose buffers are all free or lent,
 * so that page_pool hands it back once the stack frees the last skb.
 */
static void nbpool_page_release(struct nbpool *pool, struct nbpool_page *p)
{
	lockdep_assert_held(&pool->lock);

	if (nbpool_pp_refs(p->page) == 1 && page_ref_count(p->page) == 1 &&
	    !page_is_pfmemalloc(p->page)) {
		/*
		 * Every skb built on it is gone, and nobody kept a plain page
		 * reference (as splice does): no need to let go.
		 */
		unsigned long back = p->lent;

		p->lent = 0;
		nbpool_page_refill(pool, p - pool->pages, back);
		pool->cnt.recycled++;
		return;
	}
	p->away = true;
	pool->pages_away++;
	pool->buffers_avail -= hweight_long(p->free);
	page_pool_put_full_page(pool->pp, p->page, false);
}

/* Pages page_pool gave to the page allocator instead of back to us. */
static unsigned int nbpool_pages_lost(const struct nbpool *pool)
{
	return atomic_read(&pool->pp->pages_state_release_cnt) - pool->released_by_us;
}

/*
 * Hand a page that page_pool allocated but the pool does not use back to
 * the page allocator. page_pool has no call for that; its documented
 * fallback for pages with an elevated refcount does it: it releases the
 * page from the pool and drops a reference, and we drop the last one.
 */
static void nbpool_pp_discard(struct nbpool *pool, struct page *page)
{
	nbpool_pp_set_refs(page, 1);
	get_page(page);
	page_pool_put_full_page(pool->pp, page, false);
	put_page(page);
	pool->released_by_us++;
}


/* Page @idx is home again (recycled or replaced): all its buffers are free. */
static void nbpool_page_back(struct nbpool *pool, unsigned int idx)
{
	struct nbpool_page *p = &pool->pages[idx];

	p->away = false;
	p->lent = 0;
	pool->pages_away--;
	pool->buffers_avail += hweight_long(p->free);
	nbpool_page_refill(pool, idx, nbpool_page_mask(pool, idx) & ~p->free);
}

/*
 * A page came out of page_pool. If it is one of ours that went away, it is
 * home again with all its buffers; return false for a page we do not know.
 */
static bool nbpool_page_home(struct nbpool *pool, struct page *page)
{
	void *entry = xa_load(&pool->page_of_pfn, page_to_pfn(page));
	struct nbpool_page *p = entry ? &pool->pages[xa_to_value(entry)] : NULL;
	unsigned int idx;

	if (!p || p->page != page || !p->away)
		return false;
	idx = p - pool->pages;
	nbpool_pp_set_refs(page, 1);
	nbpool_page_back(pool, idx);
	pool->cnt.recycled++;
	return true;
}

/* Take every page page_pool holds in its cache: ours come home, others go. */
static void nbpool_pp_drain_cache(struct nbpool *pool)
{
	while (pool->pp->alloc.count) {
		struct page *page = page_pool_alloc_pages(pool->pp, GFP_ATOMIC | __GFP_NOWARN);

		if (!nbpool_page_home(pool, page))
			nbpool_pp_discard(pool, page);
	}
}

/* Give a descriptor and its buffer back (the reverse of nbpool_take()). */
static void nbpool_put(struct nbpool *pool, struct nbpool_packet *pkt)
{
	struct nbpool_page *p = nbpool_page_of(pool, pkt->buf_id);

	lockdep_assert_held(&pool->lock);

	p->held--;
	pool->buffers_held--;
	nbpool_push_buffer(pool, pkt->buf_id);
	if (!p->held && p->lent)
		nbpool_page_release(pool, p);
	pool->free_pkts[pool->nr_free_pkts++] = pkt;
}

/*
 * Packets freed in softirq (or with BH off) outside the owner's poll go
 * onto pool->remote_frees, a lockless list (page_pool's ptr_ring plays this
 * part for pages), and come back here: on the owner's next refill, or
 * under the lock when anyone needs buffers, reads the books or tears the
 * pool down. Until then their buffers count as held.
 */
static void nbpool_take_remote(struct nbpool *pool)
{
	struct nbpool_packet *pkt, *next;
	struct llist_node *first;
	unsigned int n = 0;

	lockdep_assert_held(&pool->lock);

	if (llist_empty(&pool->remote_frees))
		return;
	first = llist_del_all(&pool->remote_frees);
	llist_for_each_entry_safe(pkt, next, first, free_node) {
		nbpool_put(pool, pkt);
		n++;
	}
	pool->cnt.frees += n;
}

/*
 * Take back what came home: packets other CPUs freed onto the lockless
 * list, and pages that page_pool recycled after the stack freed them
 * (only pages already in page_pool's cache or ring: never a new page; we
 * are page_pool's only consumer, serialized by pool->lock).
 */
static void nbpool_reclaim(struct nbpool *pool)
{
	struct page_pool *pp = pool->pp;

	lockdep_assert_held(&pool->lock);

	nbpool_take_remote(pool);

	while (pool->pages_away && (pp->alloc.count || !__ptr_ring_empty(&pp->ring))) {
		struct page *page = page_pool_alloc_pages(pp, GFP_ATOMIC | __GFP_NOWARN);

		if (!page)
			break;
		/* Not ours: cannot happen (all pages are on pool->nid); drop it. */
		if (!nbpool_page_home(pool, page))
			nbpool_pp_discard(pool, page);
	}
	if (unlikely(nbpool_pages_lost(pool) > pool->pages_replaced && !pool->dying))
		queue_delayed_work(system_wq, &pool->replenish_work, 0);
}

/* Map a page of the pool's order for the device; 0 on failure. */
static dma_addr_t nbpool_map(struct nbpool *pool, struct page *page)
{
	dma_addr_t dma = dma_map_page_attrs(pool->dev, page, 0, PAGE_SIZE << pool->order,
					    pool->dma_dir, DMA_ATTR_SKIP_CPU_SYNC);

	if (dma_mapping_error(pool->dev, dma))
		return 0;
	/* Sync needs can differ per page (e.g. swiotlb bounces only some). */
	if (dma_need_sync(pool->dev, dma)) {
		pool->dma_sync = true;
		WRITE_ONCE(pool->sync_alloc, nbpool_dma_receives(pool->dma_dir));
	}
	return dma;
}

static void nbpool_unmap(struct nbpool *pool, dma_addr_t dma)
{
	dma_unmap_page_attrs(pool->dev, dma, PAGE_SIZE << pool->order, pool->dma_dir,
			     DMA_ATTR_SKIP_CPU_SYNC);
}

/*
 * Mark away pages that page_pool gave to the page allocator (a plain page
 * reference at recycle time, e.g. from splice, makes it do that): they no
 * longer carry our page_pool in page->pp. The struct page itself is never
 * freed, so reading it is safe. Marking happens before any replacement is
 * allocated, so a freed page that comes back to us as a new page is never
 * mistaken for the old one.
 */
static void nbpool_mark_lost(struct nbpool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_pages; i++) {
		struct nbpool_page *p = &pool->pages[i];

		if (!p->away || p->lost || READ_ONCE(p->page->pp) == pool->pp)
			continue;
		p->lost = true;
		xa_erase_bh(&pool->page_of_pfn, page_to_pfn(p->page));
		p->page = NULL;
	}
}

/* Put a new page in place of lost page @idx. */
static int nbpool_replace_page(struct nbpool *pool, unsigned int idx)
{
	struct nbpool_page *p = &pool->pages[idx];
	struct page *page;
	dma_addr_t dma;

	/* Pages of ours that page_pool hands us on the way come home. */
	do {
		page = page_pool_alloc_pages(pool->pp, GFP_ATOMIC | __GFP_NOWARN | __GFP_THISNODE);
		if (!page)
			return -ENOMEM;
	} while (nbpool_page_home(pool, page));
	nbpool_pp_drain_cache(pool);	/* a bulk refill leaves extras behind */

	dma = nbpool_map(pool, page);
	if (!dma) {
		nbpool_pp_discard(pool, page);
		return -ENOMEM;
	}
	if (xa_err(xa_store_bh(&pool->page_of_pfn, page_to_pfn(page), xa_mk_value(idx),
			    GFP_ATOMIC))) {
		nbpool_unmap(pool, dma);
		nbpool_pp_discard(pool, page);
		return -ENOMEM;
	}
	nbpool_unmap(pool, p->dma);
	nbpool_pp_set_refs(page, 1);
	p->page = page;
	p->dma = dma;
	p->lost = false;
	if (pool->sgt) {
		struct scatterlist *sg;
		unsigned int j;

		for_each_sgtable_sg(pool->sgt, sg, j) {
			if (j == idx) {
				sg_set_page(sg, page, PAGE_SIZE << pool->order, 0);
				sg_dma_address(sg) = dma;
			}
		}
	}
	nbpool_page_back(pool, idx);
	pool->pages_replaced++;
	return 0;
}

/* Replace lost pages. Runs from a work item, rarely; retries with a delay. */
static void nbpool_replenish_work_fn(struct work_struct *work)
{
	struct nbpool *pool = container_of(to_delayed_work(work), struct nbpool, replenish_work);
	bool again = false;
	unsigned int i;

	spin_lock_bh(&pool->lock);
	if (!pool->dying) {
		nbpool_reclaim(pool);
		nbpool_mark_lost(pool);
		for (i = 0; i < pool->nr_pages && !again; i++)
			if (pool->pages[i].lost)
				again = nbpool_replace_page(pool, i) < 0;
	}
	spin_unlock_bh(&pool->lock);
	if (again)
		queue_delayed_work(system_wq, &pool->replenish_work, HZ / 10);
}

static bool nbpool_pool_valid(const struct nbpool *pool, const char *caller)
{
	if (unlikely(!pool || pool->magic != NBPOOL_MAGIC)) {
		pr_err_ratelimited("%s: invalid pool %p\n", caller, pool);
		return false;
	}
	return true;
}

void nbpool_count_bad(struct nbpool *pool)
{
	atomic64_inc(&pool->bad_calls);
}

/* Refuse calls from contexts where pool->lock (a BH lock) cannot be taken. */
static bool nbpool_context_ok(struct nbpool *pool, const char *caller)
{
	if (unlikely(in_hardirq() || in_nmi() || irqs_disabled())) {
		nbpool_count_bad(pool);
		pr_err_ratelimited("%s: pool %s: called from hardirq or with interrupts off\n",
				   caller, pool->name);
		return false;
	}
	return true;
}

/**
 * nbpool_packet_invalid() - say why a packet failed nbpool_packet_valid()
 * @pkt: the packet
 * @caller: function name for the message
 *
 * The cold half of nbpool_packet_valid(): one rate-limited message, and for
 * a descriptor that is not its pool's, a warning and a count.
 *
 * Return: false.
 */
bool nbpool_packet_invalid(const struct nbpool_packet *pkt, const char *caller)
{
	struct nbpool *pool;

	if (!pkt) {
		pr_err_ratelimited("%s: NULL packet\n", caller);
		return false;
	}
	pool = pkt->pool;
	if (!nbpool_pool_valid(pool, caller))
		return false;
	nbpool_count_bad(pool);
	pr_err_ratelimited("%s: packet %p is not a descriptor of pool %s\n",
			   caller, pkt, pool->name);
	WARN_ONCE(1, "nbpool: foreign packet\n");
	return false;
}

/* Take a free descriptor with a free buffer attached; NULL if either ran out. */
static struct nbpool_packet *nbpool_take(struct nbpool *pool)
{
	struct nbpool_packet *pkt;
	struct nbpool_page *p;
	u32 buf_id;

	lockdep_assert_held(&pool->lock);

	/* Take back what the stack and other CPUs returned before running low, not after. */
	if (unlikely(pool->buffers_avail < pool->rx_copy_watermark || !pool->buffers_avail ||
		     !pool->nr_free_pkts))
		nbpool_reclaim(pool);
	if (unlikely(!pool->buffers_avail || !pool->nr_free_pkts || pool->dying))
		return NULL;

	buf_id = nbpool_pop_buffer(pool);
	p = nbpool_page_of(pool, buf_id);
	p->held++;
	pool->buffers_held++;

	pkt = pool->free_pkts[--pool->nr_free_pkts];
	pkt->buf = page_address(p->page) + nbpool_slot_of(pool, buf_id) * pool->buffer_size;
	pkt->buf_dma = p->dma + nbpool_slot_of(pool, buf_id) * pool->buffer_size;
	pkt->buf_id = buf_id;
	return pkt;
}

/* A packet as the driver gets it: headroom offset, no data, clean metadata. */
static void nbpool_packet_init(struct nbpool *pool, struct nbpool_packet *pkt)
{
	pkt->offset = pool->headroom;
	pkt->len = 0;
	pkt->link_header_len = 0;
	pkt->direction = NBPOOL_DIR_NONE;
	pkt->flags = NBPOOL_PKT_HELD;
	pkt->status = 0;
	pkt->timestamp = 0;
}

static struct nbpool_packet *__nbpool_alloc(struct nbpool *pool)
{
	struct nbpool_packet *pkt = nbpool_take(pool);

	if (likely(pkt)) {
		nbpool_packet_init(pool, pkt);
		pool->cnt.allocs++;
	}
	return pkt;
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

static void nbpool_count_fail(struct nbpool *pool, unsigned int wanted)
{
	pool->cnt.alloc_fail++;
	trace_nbpool_exhausted(pool->name, wanted, pool->buffers_avail, pool->nr_free_pkts);
}

/* Is the caller the live pool's owning NAPI poll, which may use pool->cache? */
static __always_inline bool nbpool_owner(const struct nbpool *pool)
{
	return nbpool_napi_local(READ_ONCE(pool->owner_napi));
}

/*
 * pool->lock is a BH lock. In softirq, or with BH already off, a plain
 * spin_lock() is enough (page_pool does the same for its ring); elsewhere
 * BH goes off too. The result tells nbpool_unlock() which one it was.
 */
static bool nbpool_lock(struct nbpool *pool)
	__acquires(&pool->lock)
{
	if (in_softirq()) {
		spin_lock(&pool->lock);
		return false;
	}
	spin_lock_bh(&pool->lock);
	return true;
}

static void nbpool_unlock(struct nbpool *pool, bool bh)
	__releases(&pool->lock)
{
	if (bh)
		spin_unlock_bh(&pool->lock);
	else
		spin_unlock(&pool->lock);
}

static noinline bool nbpool_cache_refill(struct nbpool *pool)
{
	struct nbpool_cache *c = &pool->cache;
	unsigned int had = c->count;

	spin_lock(&pool->lock);
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
	spin_unlock(&pool->lock);
	return c->count;
}

/* Give all but @keep cached packets back; BH must be off. */
static noinline void nbpool_cache_flush(struct nbpool *pool, unsigned int keep)
{
	struct nbpool_cache *c = &pool->cache;

	spin_lock(&pool->lock);
	while (c->count > keep) {
		nbpool_put(pool, c->pkts[--c->count]);
		c->moved_out++;
	}
	spin_unlock(&pool->lock);
}

/* Take a packet from the owner's cache, which must not be empty; not counted. */
static __always_inline struct nbpool_packet *nbpool_cache_get(struct nbpool *pool)
{
	struct nbpool_packet *pkt = pool->cache.pkts[--pool->cache.count];

	nbpool_packet_init(pool, pkt);
	return pkt;
}

/* nbpool_alloc() off its fast path: a bad pool, an empty cache, or not the owner. */
static noinline struct nbpool_packet *nbpool_alloc_slow(struct nbpool *pool)
{
	struct nbpool_packet *pkt;
	bool bh;

	if (!nbpool_pool_valid(pool, "nbpool_alloc"))
		return NULL;
	if (nbpool_owner(pool)) {
		if (!pool->cache.count && !nbpool_cache_refill(pool))
			return NULL;
		pkt = nbpool_cache_get(pool);
		pool->cache.allocs++;
	} else {
		if (!nbpool_context_ok(pool, "nbpool_alloc"))
			return NULL;
		bh = nbpool_lock(pool);
		pkt = __nbpool_alloc(pool);
		if (unlikely(!pkt))
			nbpool_count_fail(pool, 1);
		nbpool_unlock(pool, bh);
		if (!pkt)
			return NULL;
	}
	if (pool->sync_alloc)
		nbpool_sync_new(pool, pkt);
	return pkt;
}

/**
 * nbpool_alloc() - take a packet with a free buffer from the pool
 * @pool: the pool
 * @gfp: allocation flags; nbpool never allocates memory here, so they only
 *	document the caller's context (the call never sleeps)
 *
 * The packet's data offset is the pool's headroom, its length 0. In pools
 * that can receive, the whole data area is synced for the device. Called
 * from the pool's own NAPI poll, it takes no lock (see the pool's napi).
 *
 * Context: process or softirq context, any CPU; not hardirq and not with
 * interrupts disabled. Never sleeps.
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
		return nbpool_alloc_slow(pool);
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
 * Partial success is normal: the first N entries of @pkts are filled.
 *
 * Context: as nbpool_alloc().
 * Return: the number of packets allocated, 0 .. @count. Fewer than @count
 * counts one exhaustion event.
 */
unsigned int nbpool_alloc_bulk(struct nbpool *pool, struct nbpool_packet **pkts,
			       unsigned int count, gfp_t gfp)
{
	unsigned int n;
	bool bh;

	if (!nbpool_pool_valid(pool, __func__))
		return 0;
	if (unlikely(!pkts && count)) {
		pr_err_ratelimited("%s: NULL array for %u packets\n", __func__, count);
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
		goto sync;
	}
	if (!nbpool_context_ok(pool, __func__))
		return 0;

	bh = nbpool_lock(pool);
	for (n = 0; n < count; n++) {
		struct nbpool_packet *pkt = __nbpool_alloc(pool);

		if (!pkt)
			break;	/* pkts[n] and on stay as the caller left them */
		pkts[n] = pkt;
	}
	if (unlikely(n < count))
		nbpool_count_fail(pool, count - n);
	nbpool_unlock(pool, bh);
sync:
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
 * arrives. Buffers that come back through the stack or the lockless
 * remote list (see nbpool_free()) are noticed within 10 ms.
 *
 * Context: process context; sleeps.
 * Return: the packet; ERR_PTR(-ETIMEDOUT) when the time ran out;
 * ERR_PTR(-ERESTARTSYS) when a signal arrived; ERR_PTR(-ENODEV) when the
 * pool is being destroyed; ERR_PTR(-EINVAL) on a bad call.
 */
struct nbpool_packet *nbpool_alloc_timeout(struct nbpool *pool, long timeout)
{
	/* Buffers the stack or other CPUs' softirqs give back wake no one: poll. */
	const long poll = max_t(long, 1, msecs_to_jiffies(10));
	struct nbpool_packet *pkt = NULL;
	bool dying;

	might_sleep();
	if (!nbpool_pool_valid(pool, __func__))
		return ERR_PTR(-EINVAL);

	for (;;) {
		long left;

		spin_lock_bh(&pool->lock);
		pkt = __nbpool_alloc(pool);
		dying = pool->dying;
		spin_unlock_bh(&pool->lock);
		if (pkt)
			break;
		if (dying)
			return ERR_PTR(-ENODEV);
		if (timeout <= 0)
			return ERR_PTR(-ETIMEDOUT);
		left = wait_event_interruptible_timeout(pool->waitq,
							(READ_ONCE(pool->nr_free_pkts) &&
							 READ_ONCE(pool->buffers_avail)) ||
							!llist_empty(&pool->remote_frees),
							min(timeout, poll));
		if (left < 0)
			return ERR_PTR(-ERESTARTSYS);
		if (timeout != MAX_SCHEDULE_TIMEOUT)
			timeout -= min(timeout, poll) - left;
	}
	if (pool->sync_alloc)
		nbpool_sync_new(pool, pkt);
	return pkt;
}
EXPORT_SYMBOL(nbpool_alloc_timeout);

/*
 * A held packet is about to be freed: refuse a double free. Atomic, so
 * that of two frees of one packet racing on other CPUs than the owner's
 * (one of them on the lockless list) only one can pass.
 */
static bool nbpool_unhold(struct nbpool *pool, struct nbpool_packet *pkt)
{
	if (likely(xchg(&pkt->flags, 0) & NBPOOL_PKT_HELD))
		return true;
	nbpool_count_bad(pool);
	pr_err_ratelimited("nbpool_free: pool %s: packet %u is not allocated (double free?)\n",
			   pool->name, pkt->index);
	WARN_ONCE(1, "nbpool: double free\n");
	return false;
}

static void __nbpool_free(struct nbpool *pool, struct nbpool_packet *pkt)
{
	lockdep_assert_held(&pool->lock);

	if (nbpool_unhold(pool, pkt)) {
		nbpool_put(pool, pkt);
		pool->cnt.frees++;
	}
}

/*
 * Called with pool->lock held after freeing: wake a blocked allocation, or
 * tell a destroyed pool's reaper. Under the lock because a destroyed pool
 * may be freed the moment the lock is dropped.
 */
static void nbpool_after_free(struct nbpool *pool)
{
	if (unlikely(pool->dying))
		mod_delayed_work(system_wq, &nbpool_zombie_work, 0);
	else if (wq_has_sleeper(&pool->waitq))
		wake_up(&pool->waitq);
}

/*
 * Free into the owner's cache; the caller is the owning NAPI poll. The
 * slow half of the owner's free: a full cache, or a double free to refuse.
 */
static noinline void nbpool_cache_put(struct nbpool *pool, struct nbpool_packet *pkt)
{
	struct nbpool_cache *c = &pool->cache;

	if (!nbpool_unhold(pool, pkt))
		return;
	if (unlikely(c->count == c->max))
		nbpool_cache_flush(pool, c->max / 2);
	c->pkts[c->count++] = pkt;
}

/*
 * nbpool_free() for everyone but the pool's owning poll: onto the remote
 * list or under the lock, where a destroyed pool's reaper sees it come back.
 */
static noinline void nbpool_free_not_owner(struct nbpool *pool, struct nbpool_packet *pkt,
					   const char *caller)
{
	bool bh;

	if (!nbpool_context_ok(pool, caller))
		return;
	/*
	 * In softirq (or with BH off) but not the owner's poll, while the pool
	 * has a live owner to take the packet back: no lock. After llist_add()
	 * nothing here touches the pool, which cannot be freed before the
	 * packet is taken back.
	 */
	if (in_softirq() && READ_ONCE(pool->owner_napi) != &nbpool_unowned_napi) {
		if (nbpool_unhold(pool, pkt))
			llist_add(&pkt->free_node, &pool->remote_frees);
		return;
	}
	bh = nbpool_lock(pool);
	__nbpool_free(pool, pkt);
	nbpool_after_free(pool);
	nbpool_unlock(pool, bh);
}

/**
 * nbpool_free() - give a packet and its buffer back to the pool
 * @pkt: a packet from nbpool_alloc() and friends, still held by the driver
 *
 * Also valid after nbpool_destroy() for packets the driver still held.
 * A double free or a descriptor that is not the pool's is refused with a
 * warning and counted in bad_calls; the pool's accounting is unchanged.
 * A pool created with a NAPI (on kernels with napi->list_owner, 6.2+)
 * takes frees from its poll into a lockless cache, and single frees from
 * softirq or with BH off outside that poll onto a lockless list: counted
 * as freed once the pool takes them back, which its poll's next refill,
 * nbpool_get_stats() and any allocation that runs short do. Everything
 * else, and everything once nbpool_destroy() has started, takes the lock.
 * Of two frees of one packet racing each other, the one in the owner's
 * poll is not checked against the other.
 *
 * Context: process or softirq context, any CPU; not hardirq and not with
 * interrupts disabled. Never sleeps.
 */
void nbpool_free(struct nbpool_packet *pkt)
{
	struct nbpool_cache *c;
	struct nbpool *pool;
	unsigned int n;

	/* Frameless like nbpool_alloc(): everything but the fast path is a tail call. */
	if (unlikely(!nbpool_packet_ok(pkt))) {
		nbpool_packet_invalid(pkt, __func__);
		return;
	}
	pool = pkt->pool;
	if (!nbpool_owner(pool))
		return nbpool_free_not_owner(pool, pkt, __func__);
	c = &pool->cache;
	n = c->count;
	if (unlikely(!(pkt->flags & NBPOOL_PKT_HELD) || n == c->max))
		return nbpool_cache_put(pool, pkt);
	pkt->flags = 0;
	c->pkts[n] = pkt;
	c->count = n + 1;
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

		if (unlikely(!nbpool_packet_in(pool, pkt) || !(pkt->flags & NBPOOL_PKT_HELD)))
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
 */
void nbpool_free_bulk(struct nbpool_packet **pkts, unsigned int count)
{
	unsigned int i = 0;

	while (i < count) {
		struct nbpool_packet *pkt = pkts[i];
		struct nbpool *pool;
		unsigned int done;
		bool bh;

		if (unlikely(!nbpool_packet_ok(pkt))) {
			nbpool_packet_invalid(pkt, __func__);
			i++;
			continue;
		}
		pool = pkt->pool;
		if (nbpool_owner(pool)) {
			done = nbpool_cache_put_run(pool, pkts + i, count - i);
			if (unlikely(!done)) {
				nbpool_cache_put(pool, pkt);	/* refuses the double free */
				done = 1;
			}
			i += done;
			continue;
		}
		/* One lock round per run of packets from the same pool. */
		if (!nbpool_context_ok(pool, __func__))
			return;
		bh = nbpool_lock(pool);
		do {
			__nbpool_free(pool, pkts[i]);
			i++;
		} while (i < count && nbpool_packet_in(pool, pkts[i]));
		nbpool_after_free(pool);
		nbpool_unlock(pool, bh);
	}
}
EXPORT_SYMBOL(nbpool_free_bulk);

/**
 * nbpool_lend() - hand a held packet's buffer to the stack in an skb
 * @pkt: the packet; its descriptor is freed, its buffer stays with the skb
 *
 * For nbpool_packet_to_skb(): the skb, marked for recycling, holds one
 * page_pool reference on the buffer's page.
 */
void nbpool_lend(struct nbpool_packet *pkt)
{
	struct nbpool *pool = pkt->pool;
	struct nbpool_page *p = nbpool_page_of(pool, pkt->buf_id);

	spin_lock_bh(&pool->lock);
	nbpool_pp_get(p->page);
	p->lent |= BIT(nbpool_slot_of(pool, pkt->buf_id));
	p->held--;
	pool->buffers_held--;
	if (!p->held)
		nbpool_page_release(pool, p);
	pkt->flags = 0;
	pool->free_pkts[pool->nr_free_pkts++] = pkt;
	pool->cnt.lent++;
	spin_unlock_bh(&pool->lock);
}

void nbpool_count_rx_copy(struct nbpool *pool)
{
	spin_lock_bh(&pool->lock);
	pool->cnt.rx_copies++;
	spin_unlock_bh(&pool->lock);
	trace_nbpool_rx_copy(pool->name, READ_ONCE(pool->buffers_avail),
			     pool->rx_copy_watermark);
}

void nbpool_count_tx_copy(struct nbpool *pool)
{
	spin_lock_bh(&pool->lock);
	pool->cnt.tx_copies++;
	spin_unlock_bh(&pool->lock);
}

/*
 * Free buffers, for the copy-under-pressure decision: below the watermark,
 * first take back what the stack has returned. Racy reads are fine here.
 */
unsigned int nbpool_buffers_free(struct nbpool *pool)
{
	unsigned int n = READ_ONCE(pool->buffers_avail) + READ_ONCE(pool->cache.count);

	if (n >= pool->rx_copy_watermark)
		return n;
	spin_lock_bh(&pool->lock);
	nbpool_reclaim(pool);
	n = pool->buffers_avail + READ_ONCE(pool->cache.count);
	spin_unlock_bh(&pool->lock);
	return n;
}

/**
 * nbpool_buffer_count() - how many buffers the pool owns
 * @pool: the pool
 *
 * Context: any.
 * Return: buffer_count as created.
 */
unsigned int nbpool_buffer_count(const struct nbpool *pool)
{
	return pool->buffer_count;
}
EXPORT_SYMBOL(nbpool_buffer_count);

/**
 * nbpool_packet_count() - how many packet descriptors the pool has
 * @pool: the pool
 *
 * Context: any.
 * Return: packet_count as created.
 */
unsigned int nbpool_packet_count(const struct nbpool *pool)
{
	return pool->packet_count;
}
EXPORT_SYMBOL(nbpool_packet_count);

/**
 * nbpool_buffer_size() - bytes between the starts of two buffers
 * @pool: the pool
 *
 * Context: any.
 * Return: buffer_size as created, rounded up to a multiple of the cache
 * line size.
 */
unsigned int nbpool_buffer_size(const struct nbpool *pool)
{
	return pool->buffer_size;
}
EXPORT_SYMBOL(nbpool_buffer_size);

/**
 * nbpool_get_stats() - snapshot of a pool's counters
 * @pool: the pool
 * @stats: filled in
 *
 * Takes back pages the stack has returned first, so the figures are exact
 * at the time of the call.
 *
 * Context: process or softirq context.
 */
void nbpool_get_stats(struct nbpool *pool, struct nbpool_stats *stats)
{
	const struct nbpool_cache *c = &pool->cache;
	unsigned int cached;
	u64 cache_frees;

	memset(stats, 0, sizeof(*stats));
	if (!nbpool_pool_valid(pool, __func__) || !nbpool_context_ok(pool, __func__))
		return;

	spin_lock_bh(&pool->lock);
	nbpool_reclaim(pool);
	/* The owner's cache is read without its (non-existent) lock: a snapshot. */
	cached = READ_ONCE(c->count);
	stats->alloc_fast = READ_ONCE(c->allocs);
	/* moved_* change under the lock; a racing owner can skew this by a bulk. */
	cache_frees = cached + c->moved_out + stats->alloc_fast;
	cache_frees -= min(cache_frees, c->moved_in);
	stats->allocs = pool->cnt.allocs + stats->alloc_fast;
	stats->frees = pool->cnt.frees + cache_frees;
	stats->alloc_fail = pool->cnt.alloc_fail;
	stats->lent = pool->cnt.lent;
	stats->rx_copies = pool->cnt.rx_copies;
	stats->tx_copies = pool->cnt.tx_copies;
	stats->recycled = pool->cnt.recycled;
	stats->bad_calls = atomic64_read(&pool->bad_calls);
	stats->pages_lost = nbpool_pages_lost(pool);
	stats->pages_replaced = pool->pages_replaced;
	stats->buffers = pool->buffer_count;
	stats->buffers_free = pool->buffers_avail + cached;
	stats->buffers_driver = pool->buffers_held - cached;
	stats->buffers_stack = pool->buffer_count - pool->buffers_avail - pool->buffers_held;
	stats->packets_free = pool->nr_free_pkts + cached;
	spin_unlock_bh(&pool->lock);
}
EXPORT_SYMBOL(nbpool_get_stats);

/**
 * nbpool_holder_name() - a word for an &enum nbpool_holder value
 * @holder: the value
 *
 * Context: any.
 * Return: "driver", "stack", "page-in-stack" or "?".
 */
const char *nbpool_holder_name(enum nbpool_holder holder)
{
	switch (holder) {
	case NBPOOL_HOLDER_DRIVER:
		return "driver";
	case NBPOOL_HOLDER_STACK:
		return "stack";
	case NBPOOL_HOLDER_PAGE:
		return "page-in-stack";
	}
	return "?";
}
EXPORT_SYMBOL(nbpool_holder_name);

/**
 * nbpool_walk_outstanding() - list the buffers that are not free
 * @pool: the pool, live or destroyed but not yet freed
 * @fn: called once per buffer, under the pool's lock: must not sleep or
 *	call into the pool
 * @arg: passed to @fn
 *
 * For finding leaks: who holds what. Packets waiting in the owning NAPI's
 * cache are free and not listed. A buffer lent to an skb that the stack
 * has freed shows as held by the stack until the pool notices (on its next
 * allocation miss or stats read).
 *
 * Context: process or softirq context.
 * Return: the number of buffers listed.
 */
unsigned int nbpool_walk_outstanding(struct nbpool *pool, nbpool_outstanding_fn fn, void *arg)
{
	unsigned int i, n = 0;
	unsigned long b;

	if (!nbpool_pool_valid(pool, __func__) || !nbpool_context_ok(pool, __func__))
		return 0;

	spin_lock_bh(&pool->lock);
	nbpool_take_remote(pool);	/* freed, so not listed */
	for (i = 0; i < pool->packet_count; i++) {
		const struct nbpool_packet *pkt = &pool->packets[i];

		if (pkt->flags & NBPOOL_PKT_HELD) {
			fn(arg, pkt->buf_id, pkt->index, NBPOOL_HOLDER_DRIVER);
			n++;
		}
	}
	for (i = 0; i < pool->nr_pages; i++) {
		const struct nbpool_page *p = &pool->pages[i];
		unsigned long waiting = p->away ? nbpool_page_mask(pool, i) & ~(p->free | p->lent) : 0;
		unsigned long bits = p->lent | waiting;

		for_each_set_bit(b, &bits, BITS_PER_LONG) {
			fn(arg, i * pool->bufs_per_page + b, -1,
			   p->lent & BIT(b) ? NBPOOL_HOLDER_STACK : NBPOOL_HOLDER_PAGE);
			n++;
		}
	}
	spin_unlock_bh(&pool->lock);
	return n;
}
EXPORT_SYMBOL(nbpool_walk_outstanding);

/* In the order of struct nbpool_stats; ethtool shows them as "<prefix>_<name>". */
static const char * const nbpool_stat_names[] = {
	"allocs", "alloc_fast", "frees", "alloc_fail", "lent", "rx_copies",
	"tx_copies", "recycled", "pages_lost", "pages_replaced", "bad_calls",
	"buffers", "buffers_free", "buffers_driver", "buffers_stack", "packets_free",
};

static_assert(ARRAY_SIZE(nbpool_stat_names) == sizeof(struct nbpool_stats) / sizeof(u64));

/**
 * nbpool_ethtool_stats_count() - number of values nbpool adds to ethtool -S
 *
 * Context: any.
 * Return: the number of strings and values the two calls below write.
 */
int nbpool_ethtool_stats_count(void)
{
	return ARRAY_SIZE(nbpool_stat_names);
}
EXPORT_SYMBOL(nbpool_ethtool_stats_count);

/**
 * nbpool_ethtool_stats_strings() - write the stat names for ethtool -S
 * @data: room for nbpool_ethtool_stats_count() * ETH_GSTRING_LEN bytes
 * @prefix: what each name starts with, e.g. "rx_pool" for "rx_pool_allocs",
 *	so that a driver with several pools can tell them apart; NULL for
 *	"nbpool"
 *
 * Context: any.
 */
void nbpool_ethtool_stats_strings(u8 *data, const char *prefix)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nbpool_stat_names); i++)
		snprintf(data + i * ETH_GSTRING_LEN, ETH_GSTRING_LEN, "%s_%s",
			 prefix ?: "nbpool", nbpool_stat_names[i]);
}
EXPORT_SYMBOL(nbpool_ethtool_stats_strings);

/**
 * nbpool_ethtool_stats() - write the stat values for ethtool -S
 * @pool: the pool
 * @data: room for nbpool_ethtool_stats_count() values, in the order of
 *	nbpool_ethtool_stats_strings()
 *
 * Context: process or softirq context.
 */
void nbpool_ethtool_stats(struct nbpool *pool, u64 *data)
{
	struct nbpool_stats st;

	nbpool_get_stats(pool, &st);
	memcpy(data, &st, sizeof(st));
}
EXPORT_SYMBOL(nbpool_ethtool_stats);

/**
 * nbpool_memory_sgt() - one table describing all of the pool's memory
 * @pool: the pool
 *
 * DriverKit's CopyMemoryDescriptor: for devices that register the whole
 * buffer region once. One entry per page, with the CPU page and the DMA
 * address the pool mapped it at; buffer n lies at byte offset
 * (n % bufs_per_page) * nbpool_buffer_size() of entry n / bufs_per_page.
 * The table belongs to the pool: do not map, unmap or free it.
 *
 * Context: process context; may sleep (the first call builds the table).
 * Return: the table, or ERR_PTR(-ENOMEM) / ERR_PTR(-EINVAL).
 */
struct sg_table *nbpool_memory_sgt(struct nbpool *pool)
{
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i;

	might_sleep();
	if (!nbpool_pool_valid(pool, __func__))
		return ERR_PTR(-EINVAL);
	if (pool->sgt)
		return pool->sgt;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	if (sg_alloc_table(sgt, pool->nr_pages, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	for_each_sgtable_sg(sgt, sg, i) {
		sg_set_page(sg, pool->pages[i].page, PAGE_SIZE << pool->order, 0);
		sg_dma_address(sg) = pool->pages[i].dma;
		sg_dma_len(sg) = PAGE_SIZE << pool->order;
	}
	sgt->nents = sgt->orig_nents;
	if (cmpxchg(&pool->sgt, NULL, sgt)) {
		sg_free_table(sgt);
		kfree(sgt);
	}
	return pool->sgt;
}
EXPORT_SYMBOL(nbpool_memory_sgt);

#define nbpool_bad_param(name, field, fmt, ...) \
	pr_err_ratelimited("nbpool_create(%s): invalid " #field " " fmt "\n", name, ##__VA_ARGS__)

static int nbpool_check_params(const struct nbpool_params *pp, const char *name)
{
	unsigned int size = pp->buffer_size ?: NBPOOL_DEFAULT_BUFFER_SIZE;
	unsigned int tail = nbpool_dma_receives(pp->dma_dir) ? nbpool_skb_tailroom() : 0;

	if (!pp->dev) {
		nbpool_bad_param(name, dev, "NULL: a DMA device is required");
		return -EINVAL;
	}
	if (!pp->packet_count) {
		nbpool_bad_param(name, packet_count, "0: must be at least 1");
		return -EINVAL;
	}
	if (!pp->buffer_count || pp->buffer_count > NBPOOL_MAX_BUFFERS) {
		nbpool_bad_param(name, buffer_count, "%u: must be 1..%u",
				 pp->buffer_count, NBPOOL_MAX_BUFFERS);
		return -EINVAL;
	}
	if (pp->buffer_count < pp->packet_count) {
		nbpool_bad_param(name, buffer_count, "%u: smaller than packet_count %u",
				 pp->buffer_count, pp->packet_count);
		return -EINVAL;
	}
	if (size < NBPOOL_MIN_BUFFER_SIZE || size > NBPOOL_MAX_BUFFER_SIZE) {
		nbpool_bad_param(name, buffer_size, "%u: must be %u..%u",
				 size, NBPOOL_MIN_BUFFER_SIZE, NBPOOL_MAX_BUFFER_SIZE);
		return -EINVAL;
	}
	if (pp->headroom >= size || size - pp->headroom <= tail) {
		nbpool_bad_param(name, buffer_size, "%u: no room for data after headroom %u and skb tailroom %u",
				 size, pp->headroom, tail);
		return -EINVAL;
	}
	if (!valid_dma_direction(pp->dma_dir)) {
		nbpool_bad_param(name, dma_dir, "%d", pp->dma_dir);
		return -EINVAL;
	}
	if (pp->nid != NUMA_NO_NODE && (pp->nid < 0 || pp->nid >= MAX_NUMNODES ||
					!node_state(pp->nid, N_MEMORY))) {
		nbpool_bad_param(name, nid, "%d: not an online node with memory", pp->nid);
		return -EINVAL;
	}
	if (pp->flags & ~NBPOOL_F_ALL) {
		nbpool_bad_param(name, flags, "%#x: unknown bits %#x", pp->flags,
				 pp->flags & ~NBPOOL_F_ALL);
		return -EINVAL;
	}
	if (pp->rx_copy_watermark > pp->buffer_count) {
		nbpool_bad_param(name, rx_copy_watermark, "%u: above buffer_count %u",
				 pp->rx_copy_watermark, pp->buffer_count);
		return -EINVAL;
	}
	return 0;
}

/* Page order and buffers per page: buffers never straddle pages. */
static int nbpool_geometry(struct nbpool *pool)
{
	unsigned int order = get_order(pool->buffer_size);

	for (; order <= NBPOOL_MAX_ORDER; order++) {
		unsigned int bpp = min_t(unsigned long, (PAGE_SIZE << order) / pool->buffer_size,
					 BITS_PER_LONG);

		if (DIV_ROUND_UP(pool->buffer_count, bpp) <= NBPOOL_MAX_PAGES) {
			pool->order = order;
			pool->bufs_per_page = bpp;
			pool->nr_pages = DIV_ROUND_UP(pool->buffer_count, bpp);
			return 0;
		}
	}
	nbpool_bad_param(pool->name, buffer_count, "%u: too many buffers of %u bytes",
			 pool->buffer_count, pool->buffer_size);
	return -EINVAL;
}

/* Unmap every page; the device must not touch the pool's memory again. */
static void nbpool_unmap_pages(struct nbpool *pool, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (!pool->pages[i].dma)
			continue;
		nbpool_unmap(pool, pool->pages[i].dma);
		pool->pages[i].dma = 0;
	}
}

/* Final teardown: every page is home (or lost) and no packet is held. */
static void nbpool_free_pool(struct nbpool *pool)
{
	unsigned int i;

	nbpool_debugfs_remove(pool);
	cancel_delayed_work_sync(&pool->replenish_work);
	if (pool->pp) {
		nbpool_unmap_pages(pool, pool->nr_pages);
		for (i = 0; i < pool->nr_pages; i++)
			if (pool->pages[i].page && !pool->pages[i].away)
				page_pool_put_full_page(pool->pp, pool->pages[i].page, false);
		page_pool_destroy(pool->pp);
	}
	if (pool->sgt) {
		sg_free_table(pool->sgt);
		kfree(pool->sgt);
	}
	xa_destroy(&pool->page_of_pfn);
	kvfree(pool->free_pkts);
	kvfree(pool->free_bufs);
	kvfree(pool->packets);
	kvfree(pool->pages);
	pool->magic = 0;
	kfree(pool);
}

static int nbpool_fill(struct nbpool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_pages; i++) {
		struct nbpool_page *p = &pool->pages[i];
		int err;

		/*
		 * All on pool->nid: page_pool's ring refill drops pages of
		 * other nodes, and would then allocate new ones.
		 */
		p->page = page_pool_alloc_pages(pool->pp,
						GFP_KERNEL | __GFP_NOWARN | __GFP_THISNODE);
		if (!p->page)
			return -ENOMEM;
		nbpool_pp_set_refs(p->page, 1);
		p->dma = nbpool_map(pool, p->page);
		if (!p->dma)
			return -ENOMEM;
		err = xa_err(xa_store_bh(&pool->page_of_pfn, page_to_pfn(p->page),
				      xa_mk_value(i), GFP_KERNEL));
		if (err)
			return err;
	}
	nbpool_pp_drain_cache(pool);	/* order-0 refills come in bulk: drop the extras */

	/* Buffer 0 on top of the stack, so a fresh pool hands out 0, 1, 2... */
	for (i = pool->buffer_count; i-- > 0;)
		nbpool_push_buffer(pool, i);
	for (i = pool->packet_count; i-- > 0;) {
		pool->packets[i].pool = pool;
		pool->packets[i].index = i;
		pool->packets[i].data_end = pool->data_end;
		pool->free_pkts[pool->nr_free_pkts++] = &pool->packets[i];
	}
	return 0;
}

/**
 * nbpool_create() - create a pool and allocate and map all of its buffers
 * @params: what to build; see &struct nbpool_params. Not referenced after
 *	the call.
 *
 * Allocates buffer_count buffers and packet_count descriptors on the
 * requested node and maps every buffer for DMA to @params->dev before it
 * returns. Each invalid parameter is refused with one message naming it.
 *
 * Context: process context; sleeps.
 * Return: the pool, ERR_PTR(-EINVAL) for invalid parameters or
 * ERR_PTR(-ENOMEM) when memory or DMA mappings ran out.
 */
struct nbpool *nbpool_create(const struct nbpool_params *params)
{
	struct page_pool_params ppp = {};
	const char *name;
	struct nbpool *pool;
	int nid, err;

	might_sleep();
	if (!params) {
		pr_err_ratelimited("%s: NULL params\n", __func__);
		return ERR_PTR(-EINVAL);
	}
	name = params->name ?: (params->dev ? dev_name(params->dev) : "?");
	err = nbpool_check_params(params, name);
	if (err)
		return ERR_PTR(err);

	/* A node with memory: every page must come from it (see nbpool_fill()). */
	nid = params->nid;
	if (nid == NUMA_NO_NODE)
		nid = dev_to_node(params->dev);
	if (nid == NUMA_NO_NODE || !node_state(nid, N_MEMORY))
		nid = numa_mem_id();

	pool = kzalloc_node(sizeof(*pool), GFP_KERNEL, nid);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	pool->magic = NBPOOL_MAGIC;
	strscpy(pool->name, name, sizeof(pool->name));
	pool->dev = params->dev;
	pool->netdev = params->netdev;
	pool->napi = params->napi;
	pool->owner_napi = &nbpool_unowned_napi;
	if (NBPOOL_NAPI_CAN_OWN && params->napi)
		pool->owner_napi = params->napi;
	init_llist_head(&pool->remote_frees);
	pool->packet_count = params->packet_count;
	pool->buffer_count = params->buffer_count;
	pool->buffer_size = ALIGN(params->buffer_size ?: NBPOOL_DEFAULT_BUFFER_SIZE,
				  SMP_CACHE_BYTES);
	pool->headroom = params->headroom;
	pool->data_end = pool->buffer_size -
			 (nbpool_dma_receives(params->dma_dir) ? nbpool_skb_tailroom() : 0);
	pool->dma_dir = params->dma_dir;
	pool->nid = nid;
	pool->rx_copy_watermark = params->rx_copy_watermark ?: params->buffer_count / 8;
	/* Small pools: at most a quarter of the packets waiting in the owner's cache. */
	pool->cache.max = clamp(min(pool->packet_count, pool->buffer_count) / 4, 1U,
				NBPOOL_CACHE_SIZE);
	spin_lock_init(&pool->lock);
	init_waitqueue_head(&pool->waitq);
	/* Changed with the _bh calls: also used under pool->lock. */
	xa_init_flags(&pool->page_of_pfn, XA_FLAGS_LOCK_BH);
	INIT_LIST_HEAD(&pool->zombie_node);
	INIT_DELAYED_WORK(&pool->replenish_work, nbpool_replenish_work_fn);

	err = nbpool_geometry(pool);
	if (err)
		goto fail;

	err = -ENOMEM;
	pool->pages = kvzalloc_node(array_size(pool->nr_pages, sizeof(*pool->pages)), GFP_KERNEL, nid);
	pool->packets = kvzalloc_node(array_size(pool->packet_count, sizeof(*pool->packets)),
				      GFP_KERNEL, nid);
	pool->free_bufs = kvmalloc_node(array_size(pool->buffer_count, sizeof(*pool->free_bufs)),
					GFP_KERNEL, nid);
	pool->free_pkts = kvmalloc_node(array_size(pool->packet_count, sizeof(*pool->free_pkts)),
					GFP_KERNEL, nid);
	if (!pool->pages || !pool->packets || !pool->free_bufs || !pool->free_pkts)
		goto fail;

	/* We map pages ourselves so that nbpool_destroy() can unmap pages
	 * still in the stack on every kernel (6.1's page_pool cannot).
	 */
	ppp.order = pool->order;
	ppp.pool_size = pool->nr_pages + NBPOOL_RING_SLACK;
	ppp.nid = nid;
	ppp.dev = pool->dev;
	ppp.dma_dir = pool->dma_dir;
	ppp.flags = NBPOOL_PP_FLAGS;
	pool->pp = page_pool_create(&ppp);
	if (IS_ERR(pool->pp)) {
		err = PTR_ERR(pool->pp);
		pool->pp = NULL;
		goto fail;
	}

	err = nbpool_fill(pool);
	if (err)
		goto fail;

	nbpool_debugfs_add(pool);
	trace_nbpool_create(pool->name, pool->buffer_count, pool->packet_count,
			    pool->buffer_size, pool->nr_pages, pool->order);
	return pool;

fail:
	nbpool_free_pool(pool);
	return ERR_PTR(err);
}
EXPORT_SYMBOL(nbpool_create);

/* Called with pool->lock held: is nothing of the pool out any more? */
static bool nbpool_all_back(struct nbpool *pool)
{
	nbpool_reclaim(pool);
	return !pool->buffers_held &&
	       pool->pages_away <= nbpool_pages_lost(pool) - pool->pages_replaced;
}

struct nbpool_report {
	const char *name;
	unsigned int shown;
};

#define NBPOOL_REPORT_MAX	8

static void nbpool_report_one(void *arg, unsigned int buffer, int packet,
			      enum nbpool_holder holder)
{
	struct nbpool_report *r = arg;

	if (r->shown++ < NBPOOL_REPORT_MAX)
		pr_warn("nbpool %s:   buffer %u (packet %d) held by the %s\n", r->name, buffer,
			packet, nbpool_holder_name(holder));
}

static void nbpool_report_out(struct nbpool *pool, const char *when, bool list)
{
	pr_warn("nbpool %s: %s with %u of %u buffers not back (%u held by the driver, %u pages in the stack)\n",
		pool->name, when, pool->buffer_count - READ_ONCE(pool->buffers_avail),
		pool->buffer_count, READ_ONCE(pool->buffers_held), READ_ONCE(pool->pages_away));
	if (list) {
		struct nbpool_report r = { .name = pool->name };

		nbpool_walk_outstanding(pool, nbpool_report_one, &r);
		if (r.shown > NBPOOL_REPORT_MAX)
			pr_warn("nbpool %s:   ... and %u more; see debugfs nbpool/%s/outstanding\n",
				pool->name, r.shown - NBPOOL_REPORT_MAX, pool->name);
	}
}

/*
 * Destroyed pools whose buffers are still out. The module stays pinned
 * until every one is back, so nothing can call into freed code.
 */
static void nbpool_zombie_work_fn(struct work_struct *work)
{
	struct nbpool *pool, *tmp;
	LIST_HEAD(done);
	bool more;

	spin_lock(&nbpool_zombies_lock);
	list_for_each_entry_safe(pool, tmp, &nbpool_zombies, zombie_node) {
		bool back;

		spin_lock_bh(&pool->lock);
		back = nbpool_all_back(pool);
		spin_unlock_bh(&pool->lock);
		if (back)
			list_move(&pool->zombie_node, &done);
		else if (time_after(jiffies, pool->reported + NBPOOL_ZOMBIE_REPORT)) {
			pool->reported = jiffies;
			nbpool_report_out(pool, "still not freed", false);
		}
	}
	more = !list_empty(&nbpool_zombies);
	spin_unlock(&nbpool_zombies_lock);

	list_for_each_entry_safe(pool, tmp, &done, zombie_node) {
		pr_info("nbpool %s: every buffer is back; pool freed\n", pool->name);
		trace_nbpool_destroy(pool->name, 0);
		nbpool_free_pool(pool);
		module_put(THIS_MODULE);
	}
	if (more)
		queue_delayed_work(system_wq, &nbpool_zombie_work, NBPOOL_ZOMBIE_POLL);
}

/**
 * nbpool_destroy() - tear a pool down
 * @pool: the pool, or NULL (a no-op)
 *
 * The device must have stopped using the pool's buffers and the pool's NAPI
 * must be disabled (napi_disable()). When this returns
 * no buffer is mapped for DMA any more. Packets the driver still holds may
 * still be freed with nbpool_free(); buffers inside skbs come back when the
 * stack frees them. Until then the pool is reported by name with what is
 * still out, and the module cannot be unloaded; the memory is freed when
 * the last holder lets go.
 *
 * Context: process context; sleeps.
 */
void nbpool_destroy(struct nbpool *pool)
{
	bool back;

	might_sleep();
	if (!pool)
		return;
	if (!nbpool_pool_valid(pool, __func__))
		return;

	/* From here on every free takes the lock, where the reaper sees it. */
	WRITE_ONCE(pool->owner_napi, &nbpool_unowned_napi);
	local_bh_disable();
	nbpool_cache_flush(pool, 0);	/* the NAPI is disabled by now */
	local_bh_enable();

	spin_lock_bh(&pool->lock);
	if (pool->dying) {
		spin_unlock_bh(&pool->lock);
		pr_err_ratelimited("%s: pool %s destroyed twice\n", __func__, pool->name);
		return;
	}
	pool->dying = true;
	back = nbpool_all_back(pool);
	spin_unlock_bh(&pool->lock);

	if (back) {
		trace_nbpool_destroy(pool->name, 0);
		nbpool_free_pool(pool);
		return;
	}

	nbpool_unmap_pages(pool, pool->nr_pages);
	pool->reported = jiffies;
	nbpool_report_out(pool, "destroyed", true);
	trace_nbpool_destroy(pool->name, pool->buffer_count - pool->buffers_avail);
	__module_get(THIS_MODULE);
	spin_lock(&nbpool_zombies_lock);
	list_add_tail(&pool->zombie_node, &nbpool_zombies);
	spin_unlock(&nbpool_zombies_lock);
	mod_delayed_work(system_wq, &nbpool_zombie_work, NBPOOL_ZOMBIE_POLL);
}
EXPORT_SYMBOL(nbpool_destroy);

static int __init nbpool_init(void)
{
	nbpool_debugfs_init();
	return 0;
}

static void __exit nbpool_exit(void)
{
	/* No zombie can be left: each one holds a module reference. */
	cancel_delayed_work_sync(&nbpool_zombie_work);
	nbpool_debugfs_exit();
}

module_init(nbpool_init);
module_exit(nbpool_exit);
MODULE_DESCRIPTION("Fixed-size, pre-mapped packet buffer pools for NIC drivers");
MODULE_LICENSE("GPL");
