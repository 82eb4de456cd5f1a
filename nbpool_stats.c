// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool: what a pool can tell about itself. Geometry, statistics, the
 * walk over buffers that are not free, and the ethtool helpers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ethtool.h>
#include <linux/percpu.h>
#include "nbpool_internal.h"

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
 * nbpool_device() - the device the pool's buffers are mapped for
 * @pool: the pool
 *
 * DriverKit's getPoolOwnerDevice.
 *
 * Context: any.
 * Return: the dev given to nbpool_create().
 */
struct device *nbpool_device(const struct nbpool *pool)
{
	return pool->dev;
}
EXPORT_SYMBOL(nbpool_device);

/**
 * nbpool_get_stats() - snapshot of a pool's counters
 * @pool: the pool
 * @stats: filled in; all zero on a bad call
 *
 * Takes back what came home first (packets given back from other contexts,
 * lent buffers whose pages the stack let go of), so the buffer figures are
 * exact at the time of the call, except for the owner's cache when its poll
 * runs meanwhile.
 *
 * Context: any context but NMI.
 */
void nbpool_get_stats(struct nbpool *pool, struct nbpool_stats *stats)
{
	const struct nbpool_cache *c = &pool->cache;
	unsigned int cached, cpu;
	unsigned long flags;
	u64 cache_frees;

	memset(stats, 0, sizeof(*stats));
	if (!nbpool_pool_valid(pool, __func__))
		return;
	for_each_possible_cpu(cpu) {
		const struct nbpool_pcpu_counters *pc = per_cpu_ptr(pool->pcpu, cpu);

		stats->lent += READ_ONCE(pc->lent);
		stats->rx_copies += READ_ONCE(pc->rx_copies);
		stats->tx_copies += READ_ONCE(pc->tx_copies);
		stats->xdp_pass += READ_ONCE(pc->xdp_pass);
		stats->xdp_drops += READ_ONCE(pc->xdp_drops);
		stats->xdp_tx += READ_ONCE(pc->xdp_tx);
		stats->xdp_redirects += READ_ONCE(pc->xdp_redirects);
		stats->xdp_xmit_copies += READ_ONCE(pc->xdp_xmit_copies);
		stats->tx_csums += READ_ONCE(pc->tx_csums);
	}

	nbpool_lock(pool, flags);
	nbpool_reclaim(pool, NBPOOL_SCAN_ALL);
	/* The owner's cache is read without its (non-existent) lock: a snapshot. */
	cached = READ_ONCE(c->count);
	stats->alloc_fast = READ_ONCE(c->allocs);
	/* moved_* change under the lock; a racing owner can skew this by a bulk. */
	cache_frees = cached + c->moved_out + stats->alloc_fast;
	cache_frees -= min(cache_frees, c->moved_in);
	stats->allocs = pool->cnt.allocs + stats->alloc_fast;
	stats->frees = pool->cnt.frees + cache_frees;
	stats->alloc_fail = pool->cnt.alloc_fail;
	stats->returned = pool->cnt.returned;
	stats->bad_calls = atomic64_read(&pool->bad_calls);
	stats->buffers = pool->buffer_count;
	stats->buffers_free = pool->nr_free_bufs + cached;
	stats->buffers_driver = pool->buffers_held - cached;
	stats->buffers_stack = pool->buffers_lent;
	stats->packets_free = pool->nr_free_pkts + cached;
	nbpool_unlock(pool, flags);
}
EXPORT_SYMBOL(nbpool_get_stats);

/**
 * nbpool_holder_name() - a word for an &enum nbpool_holder value
 * @holder: the value
 *
 * Context: any.
 * Return: "driver", "stack" or "?".
 */
const char *nbpool_holder_name(enum nbpool_holder holder)
{
	switch (holder) {
	case NBPOOL_HOLDER_DRIVER:
		return "driver";
	case NBPOOL_HOLDER_STACK:
		return "stack";
	}
	return "?";
}
EXPORT_SYMBOL(nbpool_holder_name);

/**
 * nbpool_walk_outstanding() - list the buffers that are not free
 * @pool: the pool, live or destroyed but not yet freed
 * @fn: called once per buffer, under the pool's lock with interrupts off:
 *	must not sleep or call into the pool
 * @arg: passed to @fn
 *
 * For finding leaks: who holds what. Packets waiting in the owning NAPI's
 * cache are free and not listed. Buffers whose skbs the stack has freed
 * are taken back first and not listed either.
 *
 * Context: any context but NMI.
 * Return: the number of buffers listed.
 */
unsigned int nbpool_walk_outstanding(struct nbpool *pool, nbpool_outstanding_fn fn, void *arg)
{
	unsigned int i, n = 0;
	unsigned long flags, b;

	if (!nbpool_pool_valid(pool, __func__))
		return 0;

	nbpool_lock(pool, flags);
	nbpool_reclaim(pool, NBPOOL_SCAN_ALL);
	for (i = 0; i < pool->packet_count; i++) {
		const struct nbpool_packet *pkt = &pool->packets[i];

		unsigned int f;

		if (!(pkt->flags & NBPOOL_PKT_HELD))
			continue;
		fn(arg, pkt->buf_id, pkt->index, NBPOOL_HOLDER_DRIVER);
		for (f = 0; f < pkt->nr_frags; f++)
			fn(arg, pkt->frags[f].buf_id, pkt->index, NBPOOL_HOLDER_DRIVER);
		n += 1 + pkt->nr_frags;
	}
	for_each_set_bit(i, pool->lent_pages, pool->nr_pages) {
		unsigned long lent = pool->pages[i].lent;

		for_each_set_bit(b, &lent, BITS_PER_LONG) {
			fn(arg, i * pool->bufs_per_page + b, -1, NBPOOL_HOLDER_STACK);
			n++;
		}
	}
	nbpool_unlock(pool, flags);
	return n;
}
EXPORT_SYMBOL(nbpool_walk_outstanding);

/* In the order of struct nbpool_stats; ethtool shows them as "<prefix>_<name>". */
const char * const nbpool_stat_names[] = {
	"allocs", "alloc_fast", "frees", "alloc_fail", "lent", "returned", "rx_copies",
	"tx_copies", "bad_calls", "buffers", "buffers_free", "buffers_driver",
	"buffers_stack", "packets_free", "xdp_pass", "xdp_drops", "xdp_tx", "xdp_redirects",
	"xdp_xmit_copies", "tx_csums",
};

static_assert(ARRAY_SIZE(nbpool_stat_names) == NBPOOL_NR_STATS);

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
 * Context: as nbpool_get_stats().
 */
void nbpool_ethtool_stats(struct nbpool *pool, u64 *data)
{
	struct nbpool_stats st;

	nbpool_get_stats(pool, &st);
	memcpy(data, &st, sizeof(st));
}
EXPORT_SYMBOL(nbpool_ethtool_stats);
