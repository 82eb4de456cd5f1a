// SPDX-License-Identifier: GPL-2.0
/* Suite nbpool_dma: DMA addresses translate to the right bytes. */
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/io.h>
#include <linux/scatterlist.h>
#include "nbpool_test.h"

/*
 * Map the page the device would reach through @dma a second time, at a new
 * virtual address, and return that address (vunmap the page-aligned part).
 */
static void *nbpool_test_second_mapping(struct kunit *test, struct device *dev, dma_addr_t dma)
{
	phys_addr_t phys = nbpool_test_dma_to_phys(dev, dma);
	struct page *page;
	void *va;

	KUNIT_ASSERT_NE(test, phys, (phys_addr_t)0);
	page = pfn_to_page(PHYS_PFN(phys));
	va = vmap(&page, 1, VM_MAP, PAGE_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, va);
	return va + offset_in_page(phys);
}

/* The boot is the DMA topology it claims: a strict IOMMU, or bounce buffers. */
static void nbpool_dma_topology(struct kunit *test)
{
	char why[160];

	KUNIT_EXPECT_TRUE_MSG(test, nbpool_test_topology(nbpool_test_dev(test),
							 nbpool_test_dma_mode(), why, sizeof(why)),
			      "%s", why);
}

/*
 * Bytes the CPU writes at nbpool_packet_data() are the bytes the device
 * reads at the DMA address, and a byte the device writes there is what the
 * CPU reads after the sync: through the IOMMU, or through a bounce buffer.
 */
static void nbpool_dma_roundtrip(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 32, 2048, DMA_BIDIRECTIONAL);
	struct nbpool_packet *pkts[32];
	struct nbpool *pool;
	unsigned int i, j;

	p.headroom = 128;
	pool = nbpool_test_create(test, &p);
	KUNIT_ASSERT_EQ(test, nbpool_alloc_bulk(pool, pkts, 32, GFP_KERNEL), 32U);
	for (i = 0; i < 32; i++) {
		u8 *data = nbpool_packet_data(pkts[i]);
		unsigned int len = 64 + i * 7;
		u8 *other;

		/* Move the data start: the DMA address must follow it. */
		KUNIT_ASSERT_EQ(test, nbpool_packet_set_offset(pkts[i], 128 + i), 0);
		data = nbpool_packet_data(pkts[i]);
		KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkts[i], len), 0);
		for (j = 0; j < len; j++)
			data[j] = (u8)(i * 31 + j);
		nbpool_packet_sync_for_device(pkts[i]);

		other = nbpool_test_second_mapping(test, p.dev, nbpool_packet_dma_addr(pkts[i]));
		KUNIT_EXPECT_PTR_NE(test, (void *)other, (void *)data);
		/* Stay within the page the second mapping covers. */
		len = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(other));
		KUNIT_EXPECT_EQ(test, memcmp(other, data, len), 0);
		/* And the other way round: a byte "the device" writes shows up. */
		other[0] ^= 0xff;
		nbpool_packet_sync_for_cpu(pkts[i]);
		KUNIT_EXPECT_EQ(test, data[0], (u8)~(u8)(i * 31));
		vunmap((void *)((unsigned long)other & PAGE_MASK));
	}
	nbpool_free_bulk(pkts, 32);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

/* The memory table covers every buffer with the DMA address the packet has. */
static void nbpool_dma_memory_sgt(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 10, 3000, DMA_FROM_DEVICE);
	struct nbpool_packet *pkts[10];
	struct scatterlist *sg;
	struct sg_table *sgt;
	struct nbpool *pool;
	unsigned int i, n, covered = 0;

	pool = nbpool_test_create(test, &p);
	sgt = nbpool_memory_sgt(pool);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));
	KUNIT_EXPECT_PTR_EQ(test, nbpool_memory_sgt(pool), sgt);
	KUNIT_ASSERT_EQ(test, nbpool_alloc_bulk(pool, pkts, 10, GFP_KERNEL), 10U);
	for (i = 0; i < 10; i++) {
		bool found = false;

		for_each_sgtable_dma_sg(sgt, sg, n) {
			dma_addr_t a = sg_dma_address(sg);
			unsigned long off = pkts[i]->buf - page_address(sg_page(sg));

			if (pkts[i]->buf_dma >= a && pkts[i]->buf_dma < a + sg_dma_len(sg)) {
				found = true;
				KUNIT_EXPECT_EQ(test, (dma_addr_t)(a + off), pkts[i]->buf_dma);
			}
		}
		KUNIT_EXPECT_TRUE(test, found);
	}
	for_each_sgtable_dma_sg(sgt, sg, n)
		covered += sg_dma_len(sg);
	KUNIT_EXPECT_GE(test, covered, 10U * nbpool_buffer_size(pool));
	nbpool_free_bulk(pkts, 10);
}

static struct kunit_case nbpool_dma_cases[] = {
	KUNIT_CASE(nbpool_dma_topology),
	KUNIT_CASE(nbpool_dma_roundtrip),
	KUNIT_CASE(nbpool_dma_memory_sgt),
	{}
};

static struct kunit_suite nbpool_dma_suite = {
	.name = "nbpool_dma",
	.test_cases = nbpool_dma_cases,
};
kunit_test_suite(nbpool_dma_suite);
