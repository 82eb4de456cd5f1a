// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool: a pool's life. Creation, destruction, destroyed pools whose
 * buffers are still out, and the module.
 *
 * The model, in brief (Documentation/nbpool.rst has it whole): a pool owns
 * buffer_count buffers on pages it takes from its page_pool and maps for
 * DMA once, and packet_count descriptors. A buffer is free, held by the
 * driver in a packet, or lent to the stack inside an skb. Buffers keep
 * their memory and DMA address until the pool is freed, and the data path
 * never calls the page allocator or the DMA API.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/bitmap.h>
#include <linux/netdevice.h>
#include "nbpool_internal.h"

#define CREATE_TRACE_POINTS
#include "nbpool_trace.h"

/* What pool->owner_napi points at when no poll may use the cache. */
struct napi_struct nbpool_unowned_napi = NBPOOL_NAPI_UNOWNED;

static LIST_HEAD(nbpool_zombies);
static DEFINE_SPINLOCK(nbpool_zombies_lock);
static void nbpool_zombie_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(nbpool_zombie_work, nbpool_zombie_work_fn);

/* How often a destroyed pool checks for buffers that came back. */
#define NBPOOL_ZOMBIE_POLL	(HZ / 10)
/* How often it says that some are still out. */
#define NBPOOL_ZOMBIE_REPORT	(60 * HZ)

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

bool nbpool_pool_valid(const struct nbpool *pool, const char *caller)
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
	if ((pp->flags & NBPOOL_F_TX_CSUM) && pp->dma_dir == DMA_FROM_DEVICE) {
		nbpool_bad_param(name, flags, "%#x: NBPOOL_F_TX_CSUM in a pool that only receives",
				 pp->flags);
		return -EINVAL;
	}
	if (pp->max_buffers_per_packet > NBPOOL_MAX_BUFFERS_PER_PACKET) {
		nbpool_bad_param(name, max_buffers_per_packet, "%u: must be 0..%u",
				 pp->max_buffers_per_packet, NBPOOL_MAX_BUFFERS_PER_PACKET);
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

/* Final teardown: no packet is held and no buffer is lent. */
static void nbpool_free_pool(struct nbpool *pool)
{
	nbpool_debugfs_remove(pool);
	cancel_work_sync(&pool->take_back_work);
	nbpool_pages_free(pool);
	bitmap_free(pool->lent_pages);
	kvfree(pool->free_pkts);
	kvfree(pool->free_bufs);
	kvfree(pool->frags);
	kvfree(pool->packets);
	kvfree(pool->pages);
	free_percpu(pool->pcpu);
	pool->magic = 0;
	/* nbpool_give_back() may still look at the pool after its last packet. */
	kfree_rcu(pool, rcu);
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
	unsigned int i;
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
	init_llist_head(&pool->remote);
	pool->packet_count = params->packet_count;
	pool->buffer_count = params->buffer_count;
	pool->buffer_size = ALIGN(params->buffer_size ?: NBPOOL_DEFAULT_BUFFER_SIZE,
				  SMP_CACHE_BYTES);
	pool->headroom = params->headroom;
	pool->fresh_range.offset = params->headroom;
	pool->data_end = pool->buffer_size -
			 (nbpool_dma_receives(params->dma_dir) ? nbpool_skb_tailroom() : 0);
	pool->dma_dir = params->dma_dir;
	pool->tx_csum = params->flags & NBPOOL_F_TX_CSUM;
	pool->nid = nid;
	pool->rx_copy_watermark = params->rx_copy_watermark ?: params->buffer_count / 8;
	pool->max_frags = max(params->max_buffers_per_packet, 1U) - 1;
	/* Small pools: at most a quarter of the packets waiting in the owner's cache. */
	pool->cache.max = clamp(min(pool->packet_count, pool->buffer_count) / 4, 1U,
				NBPOOL_CACHE_SIZE);
	raw_spin_lock_init(&pool->lock);
	mutex_init(&pool->take_back_lock);
	INIT_WORK(&pool->take_back_work, nbpool_take_back_work);
	init_waitqueue_head(&pool->waitq);
	INIT_LIST_HEAD(&pool->zombie_node);

	err = nbpool_geometry(pool);
	if (err)
		goto fail;

	err = -ENOMEM;
	pool->pcpu = alloc_percpu(struct nbpool_pcpu_counters);
	pool->pages = kvzalloc_node(array_size(pool->nr_pages, sizeof(*pool->pages)), GFP_KERNEL, nid);
	pool->packets = kvzalloc_node(array_size(pool->packet_count, sizeof(*pool->packets)),
				      GFP_KERNEL, nid);
	pool->free_bufs = kvmalloc_node(array_size(pool->buffer_count, sizeof(*pool->free_bufs)),
					GFP_KERNEL, nid);
	pool->free_pkts = kvmalloc_node(array_size(pool->packet_count, sizeof(*pool->free_pkts)),
					GFP_KERNEL, nid);
	pool->lent_pages = bitmap_zalloc(pool->nr_pages, GFP_KERNEL);
	if (pool->max_frags)
		pool->frags = kvzalloc_node(array3_size(pool->packet_count, pool->max_frags,
							sizeof(*pool->frags)), GFP_KERNEL, nid);
	if (!pool->pcpu || !pool->pages || !pool->packets || !pool->free_bufs ||
	    !pool->free_pkts || !pool->lent_pages || (pool->max_frags && !pool->frags))
		goto fail;

	/*
	 * page_pool only supplies the pages: the pool keeps them all its life
	 * (nbpool_pages.c). We map them ourselves so that nbpool_destroy()
	 * can unmap pages still in the stack on every kernel (6.1's page_pool
	 * cannot).
	 */
	ppp.order = pool->order;
	ppp.pool_size = min(pool->nr_pages, 16384U);
	ppp.nid = nid;
	ppp.dev = pool->dev;
	ppp.dma_dir = pool->dma_dir;
	nbpool_pp_params_link(&ppp, pool->netdev, pool->napi);
	pool->pp = page_pool_create(&ppp);
	if (IS_ERR(pool->pp)) {
		err = PTR_ERR(pool->pp);
		pool->pp = NULL;
		goto fail;
	}
	err = nbpool_pages_create(pool);
	if (err)
		goto fail;
	for (i = 0; i < pool->packet_count; i++) {
		pool->packets[i].pool = pool;
		pool->packets[i].index = i;
		pool->packets[i].data_end = pool->data_end;
		if (pool->max_frags)
			pool->packets[i].frags = pool->frags + i * pool->max_frags;
	}
	/* Either way round, a fresh pool hands out packet 0, 1, 2... */
	for (i = 0; i < pool->packet_count; i++)
		nbpool_push_pkt(pool, &pool->packets[IS_ENABLED(CONFIG_DEBUG_NET) ?
							i : pool->packet_count - 1 - i]);

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
	nbpool_reclaim(pool, NBPOOL_SCAN_ALL);
	return !pool->buffers_held && !pool->buffers_lent;
}

struct nbpool_report {
	unsigned int shown;
	unsigned int driver, stack;
	unsigned int first[8];
	int first_pkt[8];
	enum nbpool_holder first_holder[8];
};

/* Collects under the lock what nbpool_report_out() prints after it. */
static void nbpool_report_one(void *arg, unsigned int buffer, int packet,
			      enum nbpool_holder holder)
{
	struct nbpool_report *r = arg;

	if (r->shown < ARRAY_SIZE(r->first)) {
		r->first[r->shown] = buffer;
		r->first_pkt[r->shown] = packet;
		r->first_holder[r->shown] = holder;
	}
	r->shown++;
	if (holder == NBPOOL_HOLDER_DRIVER)
		r->driver++;
	else
		r->stack++;
}

static void nbpool_report_out(struct nbpool *pool, const char *when, bool list)
{
	struct nbpool_report r = {};
	unsigned int i;

	nbpool_walk_outstanding(pool, nbpool_report_one, &r);
	pr_warn("nbpool %s: %s with %u of %u buffers not back (%u held by the driver, %u in the stack)\n",
		pool->name, when, r.shown, pool->buffer_count, r.driver, r.stack);
	if (!list)
		return;
	for (i = 0; i < min_t(unsigned int, r.shown, ARRAY_SIZE(r.first)); i++)
		pr_warn("nbpool %s:   buffer %u (packet %d) held by the %s\n", pool->name,
			r.first[i], r.first_pkt[i], nbpool_holder_name(r.first_holder[i]));
	if (r.shown > ARRAY_SIZE(r.first))
		pr_warn("nbpool %s:   ... and %u more; see debugfs nbpool/destroyed/%pd/outstanding\n",
			pool->name, r.shown - (unsigned int)ARRAY_SIZE(r.first), pool->debugfs);
}

/* A packet came back to a destroyed pool: let the reaper look now. */
void nbpool_kick_reaper(void)
{
	mod_delayed_work(system_wq, &nbpool_zombie_work, 0);
}

/*
 * Destroyed pools whose buffers are still out. The module stays pinned
 * until every one is back, so nothing can call into freed code.
 */
static void nbpool_zombie_work_fn(struct work_struct *work)
{
	struct nbpool *pool, *tmp;
	LIST_HEAD(done);
	unsigned long flags;
	bool more;

	spin_lock(&nbpool_zombies_lock);
	list_for_each_entry_safe(pool, tmp, &nbpool_zombies, zombie_node) {
		bool back;

		nbpool_lock(pool, flags);
		back = nbpool_all_back(pool);
		nbpool_unlock(pool, flags);
		if (back) {
			list_move(&pool->zombie_node, &done);
		} else if (time_after(jiffies, pool->reported + NBPOOL_ZOMBIE_REPORT)) {
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
 * must be disabled (napi_disable()) and not yet freed: a NAPI still
 * enabled is reported, and the kernel WARNs as for page_pool_destroy(). When
 * this returns no buffer is mapped for DMA any more. Packets the driver
 * still holds may still be freed with nbpool_free(); buffers inside skbs
 * come back when the stack frees them. Until then the pool is reported by
 * name with what is still out, and the module cannot be unloaded; the
 * memory is freed when the last holder lets go.
 *
 * Context: process context; sleeps.
 */
void nbpool_destroy(struct nbpool *pool)
{
	unsigned long flags;
	bool back, twice, owned;

	might_sleep();
	if (!pool)
		return;
	if (!nbpool_pool_valid(pool, __func__))
		return;
	if (pool->napi && !test_bit(NAPI_STATE_SCHED, &pool->napi->state))
		pr_warn_ratelimited("%s: pool %s: its NAPI is still enabled; call napi_disable() first\n",
				    __func__, pool->name);

	/* The owner's cache goes back; no poll may use it again. */
	mutex_lock(&pool->take_back_lock);
	owned = READ_ONCE(pool->owner_napi) != &nbpool_unowned_napi;
	WRITE_ONCE(pool->owner_napi, &nbpool_unowned_napi);
	mutex_unlock(&pool->take_back_lock);
	cancel_work_sync(&pool->take_back_work);
	if (owned)
		synchronize_rcu();	/* no CPU is still in the owner's fast path */
	nbpool_cache_flush(pool, 0);

	nbpool_lock(pool, flags);
	twice = pool->dying;
	WRITE_ONCE(pool->dying, true);
	back = !twice && nbpool_all_back(pool);
	nbpool_unlock(pool, flags);
	if (twice) {
		pr_err_ratelimited("%s: pool %s destroyed twice\n", __func__, pool->name);
		return;
	}
	nbpool_pp_unlink_napi(pool->pp);	/* its page_pool may outlive the NAPI */
	wake_up_all(&pool->waitq);	/* blocked allocations give up */

	if (back) {
		trace_nbpool_destroy(pool->name, 0);
		nbpool_free_pool(pool);
		return;
	}

	nbpool_pages_unmap(pool);
	nbpool_debugfs_retire(pool);
	pool->reported = jiffies;
	nbpool_report_out(pool, "destroyed", true);
	trace_nbpool_destroy(pool->name, pool->buffer_count - READ_ONCE(pool->nr_free_bufs));
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
	rcu_barrier();		/* pools freed with kfree_rcu() */
	nbpool_debugfs_exit();
}

module_init(nbpool_init);
module_exit(nbpool_exit);
MODULE_DESCRIPTION("Fixed-size, pre-mapped packet buffer pools for NIC drivers");
MODULE_LICENSE("GPL");
