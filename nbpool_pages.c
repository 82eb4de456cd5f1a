// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool: the pages behind the buffers.
 *
 * The pool takes nr_pages pages from its page_pool when it is created, maps
 * each one for DMA itself and cuts it into bufs_per_page buffers. It keeps
 * every page until the pool is freed: a buffer's memory and DMA address
 * never change, and the data path never reaches the page allocator, the
 * DMA API or an IOMMU flush.
 *
 * Lending. An skb built on a buffer (nbpool_packet_to_skb()) is not marked
 * for page_pool recycling: it holds a plain page reference, taken when it
 * is built, which the stack drops when it frees the skb, however it got
 * there (GRO, clones, coalescing, splice). The pool records which buffers
 * of which pages it lent. A page whose reference count is back to 1, the
 * pool's own, has every buffer it lent back; the pool looks at the pages
 * with lent buffers when it runs short (a bounded scan), when it reports its
 * state and when it is torn down. Nothing is read from page_pool's or
 * struct page's private fields: page_ref_count() is the whole test.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include "nbpool_internal.h"

void nbpool_push_buffer(struct nbpool *pool, u32 buf_id)
{
	pool->free_bufs[pool->nr_free_bufs++] = buf_id;
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
		pool->sync_alloc = nbpool_dma_receives(pool->dma_dir);
	}
	return dma;
}

/**
 * nbpool_pages_create() - take and map every page, put every buffer on the free stack
 * @pool: a pool being created, with its geometry and arrays set up
 *
 * Context: process context; sleeps.
 * Return: 0, or -ENOMEM (the caller frees what was taken).
 */
int nbpool_pages_create(struct nbpool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_pages; i++) {
		struct nbpool_page *p = &pool->pages[i];

		p->page = page_pool_alloc_pages(pool->pp, GFP_KERNEL | __GFP_NOWARN);
		if (!p->page)
			return -ENOMEM;
		p->dma = nbpool_map(pool, p->page);
		if (!p->dma)
			return -ENOMEM;
	}
	/* Buffer 0 on top of the stack, so a fresh pool hands out 0, 1, 2... */
	for (i = pool->buffer_count; i-- > 0;)
		nbpool_push_buffer(pool, i);
	return 0;
}

/* Unmap every page; the device must not touch the pool's memory again. */
void nbpool_pages_unmap(struct nbpool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_pages; i++) {
		if (!pool->pages[i].dma)
			continue;
		dma_unmap_page_attrs(pool->dev, pool->pages[i].dma, PAGE_SIZE << pool->order,
				     pool->dma_dir, DMA_ATTR_SKIP_CPU_SYNC);
		pool->pages[i].dma = 0;
	}
}

/* Unmap and give every page back to page_pool, then destroy it. */
void nbpool_pages_free(struct nbpool *pool)
{
	unsigned int i;

	if (!pool->pp)
		return;
	nbpool_pages_unmap(pool);
	for (i = 0; i < pool->nr_pages && pool->pages[i].page; i++)
		page_pool_put_full_page(pool->pp, pool->pages[i].page, false);
	page_pool_destroy(pool->pp);
	if (pool->sgt) {
		sg_free_table(pool->sgt);
		kfree(pool->sgt);
	}
}

/**
 * nbpool_lend_record() - a packet's buffer is inside an skb: note it on its page
 * @pool: the pool
 * @buf_id: the buffer, which a packet coming back without it held
 *
 * The skb holds a page reference since nbpool_packet_to_skb(); from here on
 * the buffer comes back with its page (nbpool_pages_scan()).
 *
 * Context: pool->lock held.
 */
void nbpool_lend_record(struct nbpool *pool, u32 buf_id)
{
	unsigned int idx = buf_id / pool->bufs_per_page;

	lockdep_assert_held(&pool->lock);
	pool->pages[idx].lent |= BIT(nbpool_slot_of(pool, buf_id));
	__set_bit(idx, pool->lent_pages);
	pool->buffers_lent++;
	pool->buffers_held--;
}

/* Has the stack let go of page @idx? Then its lent buffers are free again. */
static unsigned int nbpool_page_back(struct nbpool *pool, unsigned int idx)
{
	struct nbpool_page *p = &pool->pages[idx];
	unsigned long lent = p->lent, bit;
	unsigned int n = 0;

	if (page_ref_count(p->page) != 1)
		return 0;
	/* Whatever the stack did with the buffers happened before its last put. */
	smp_acquire__after_ctrl_dep();
	for_each_set_bit(bit, &lent, BITS_PER_LONG) {
		nbpool_push_buffer(pool, idx * pool->bufs_per_page + bit);
		n++;
	}
	p->lent = 0;
	__clear_bit(idx, pool->lent_pages);
	pool->buffers_lent -= n;
	pool->cnt.returned += n;
	return n;
}

/**
 * nbpool_pages_scan() - take back lent buffers whose pages the stack let go
 * @pool: the pool
 * @max: how many pages with lent buffers to look at, at most
 *
 * Looks at pages with lent buffers in turn, from where the last scan ended,
 * so that bounded scans reach every page.
 *
 * Context: pool->lock held.
 * Return: the number of buffers that came back.
 */
unsigned int nbpool_pages_scan(struct nbpool *pool, unsigned int max)
{
	unsigned int idx, n = 0, seen = 0;

	lockdep_assert_held(&pool->lock);
	for_each_set_bit_wrap(idx, pool->lent_pages, pool->nr_pages, pool->scan_from) {
		n += nbpool_page_back(pool, idx);
		if (++seen == max)
			break;
	}
	if (seen)
		pool->scan_from = (idx + 1) % pool->nr_pages;
	return n;
}

/**
 * nbpool_memory_sgt() - one table describing all of the pool's memory
 * @pool: the pool
 *
 * DriverKit's CopyMemoryDescriptor: for devices that register the whole
 * buffer region once. One entry per page, with the CPU page and the DMA
 * address the pool mapped it at; buffer n lies at byte offset
 * (n % bufs_per_page) * nbpool_buffer_size() of entry n / bufs_per_page.
 * Pages never change while the pool lives, so neither does the table. The
 * table belongs to the pool: do not map, unmap or free it.
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
	sgt = READ_ONCE(pool->sgt);
	if (sgt)
		return sgt;

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
