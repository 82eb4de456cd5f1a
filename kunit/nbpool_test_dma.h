/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the KUnit suites and the stock-kernel self-test: what the device
 * sees at a DMA address, and the DMA topology a boot promises its tests,
 * asserted rather than assumed. "iommu": a strict, translating IOMMU domain,
 * so a wrong or stale address faults. "swiotlb": no IOMMU and every mapping
 * bounced (swiotlb=force), so a missing or short sync leaves stale data.
 */
#ifndef _NBPOOL_TEST_DMA_H
#define _NBPOOL_TEST_DMA_H

#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/io.h>
#include <linux/string.h>

/* Physical address the IOMMU (or the direct mapping) sends @dma to. */
static inline phys_addr_t nbpool_test_dma_to_phys(struct device *dev, dma_addr_t dma)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	if (dom && (dom->type & __IOMMU_DOMAIN_PAGING))
		return iommu_iova_to_phys(dom, dma);
	return dma;	/* no translation: bus address == physical */
}

/*
 * The bytes the device reaches at @dma, as a CPU pointer: a test writes
 * there what a receiving device would write, and reads there what a
 * transmitting device would read. Through a strict IOMMU that is the
 * buffer itself; with swiotlb it is the bounce slot, and only the syncs
 * move data between the two.
 */
static inline void *nbpool_test_device_view(struct device *dev, dma_addr_t dma)
{
	return phys_to_virt(nbpool_test_dma_to_phys(dev, dma));
}

/* Is @dev in the topology @want ("iommu" or "swiotlb")? If not, says why. */
static inline bool nbpool_test_topology(struct device *dev, const char *want, char *why,
					size_t len)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);
	int type = dom ? (int)dom->type : -1;
	struct page *page = alloc_page(GFP_KERNEL);
	bool bounced = false, ok;
	dma_addr_t dma;

	if (!page) {
		snprintf(why, len, "out of memory");
		return false;
	}
	dma = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (!dma_mapping_error(dev, dma)) {
		bounced = dma_need_sync(dev, dma) &&
			  nbpool_test_dma_to_phys(dev, dma) != page_to_phys(page);
		dma_unmap_page(dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	}
	__free_page(page);
	if (!strcmp(want, "iommu"))
		ok = type == IOMMU_DOMAIN_DMA && !bounced;	/* strict: not DMA_FQ */
	else if (!strcmp(want, "swiotlb"))
		ok = !(type >= 0 && (type & __IOMMU_DOMAIN_PAGING)) && bounced;
	else
		ok = false;
	snprintf(why, len, "wanted %s; IOMMU domain type %d (%d is strict DMA), mappings %s",
		 want, type, IOMMU_DOMAIN_DMA, bounced ? "bounced" : "not bounced");
	return ok;
}

#endif
