// SPDX-License-Identifier: GPL-2.0
/* Shared fixtures for nbpool's KUnit suites. */
#include <linux/pci.h>
#include <linux/etherdevice.h>
#include "nbpool_test.h"

#define VIRTIO_NET_MODERN_ID	0x1041

/* The DMA topology this boot promises (qemu/plans/kunit): iommu or swiotlb. */
static char *dma = "iommu";
module_param(dma, charp, 0444);
MODULE_PARM_DESC(dma, "the boot's DMA topology: iommu (strict) or swiotlb (bounced)");

bool nbpool_test_iommu(void)
{
	return !strcmp(dma, "iommu");
}
EXPORT_SYMBOL_GPL(nbpool_test_iommu);

const char *nbpool_test_dma_mode(void)
{
	return dma;
}
EXPORT_SYMBOL_GPL(nbpool_test_dma_mode);

struct device *nbpool_test_dev(struct kunit *test)
{
	static struct pci_dev *pdev;

	if (!pdev)
		pdev = pci_get_device(PCI_VENDOR_ID_REDHAT_QUMRANET, VIRTIO_NET_MODERN_ID, NULL);
	KUNIT_ASSERT_NOT_NULL_MSG(test, pdev, "no virtio-net PCI device to DMA with");
	return &pdev->dev;
}
EXPORT_SYMBOL_GPL(nbpool_test_dev);

struct idle_napi {
	struct net_device *ndev;
	struct napi_struct napi;
};

static int idle_napi_poll(struct napi_struct *napi, int budget)
{
	return 0;
}

static void idle_napi_free(void *arg)
{
	struct idle_napi *in = arg;

	netif_napi_del(&in->napi);
	free_netdev(in->ndev);
	kfree(in);
}

struct napi_struct *nbpool_test_idle_napi(struct kunit *test)
{
	struct idle_napi *in = kzalloc(sizeof(*in), GFP_KERNEL);
	struct net_device *ndev;

	KUNIT_ASSERT_NOT_NULL(test, in);
	ndev = alloc_etherdev(0);
	if (!ndev)
		kfree(in);
	KUNIT_ASSERT_NOT_NULL(test, ndev);
	in->ndev = ndev;
	netif_napi_add(in->ndev, &in->napi, idle_napi_poll);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, idle_napi_free, in));
	return &in->napi;
}
EXPORT_SYMBOL_GPL(nbpool_test_idle_napi);

struct nbpool_params nbpool_test_params(struct kunit *test, unsigned int count,
					unsigned int size, enum dma_data_direction dir)
{
	struct nbpool_params p = {
		.dev = nbpool_test_dev(test),
		.name = "kunit",
		.packet_count = count,
		.buffer_count = count,
		.buffer_size = size,
		.dma_dir = dir,
		.nid = NUMA_NO_NODE,
	};
	return p;
}
EXPORT_SYMBOL_GPL(nbpool_test_params);

static void nbpool_test_destroy(void *pool)
{
	nbpool_destroy(pool);
}

struct nbpool *nbpool_test_create(struct kunit *test, const struct nbpool_params *p)
{
	struct nbpool *pool = nbpool_create(p);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(pool), "nbpool_create: %ld", PTR_ERR(pool));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, nbpool_test_destroy, pool));
	return pool;
}
EXPORT_SYMBOL_GPL(nbpool_test_create);

struct holder_count {
	enum nbpool_holder holder;
	int n;
};

static void count_holder(void *arg, unsigned int buffer, int packet, enum nbpool_holder holder)
{
	struct holder_count *c = arg;

	c->n += holder == c->holder;
}

int nbpool_test_count_held(struct nbpool *pool, enum nbpool_holder holder)
{
	struct holder_count c = { .holder = holder };

	nbpool_walk_outstanding(pool, count_holder, &c);
	return c.n;
}
EXPORT_SYMBOL_GPL(nbpool_test_count_held);

static void nbpool_test_books_expect(struct kunit *test, struct nbpool *pool, unsigned int held,
				    unsigned int held_bufs, unsigned int lent, bool drain)
{
	char why[256] = "";

	KUNIT_EXPECT_TRUE_MSG(test, nbpool_test_books_chains(pool, held, held_bufs, lent, drain,
							     why, sizeof(why)), "%s", why);
}

void nbpool_test_expect_books(struct kunit *test, struct nbpool *pool, unsigned int held,
			      unsigned int lent)
{
	nbpool_test_books_expect(test, pool, held, held, lent, false);
}
EXPORT_SYMBOL_GPL(nbpool_test_expect_books);

void nbpool_test_expect_chain_books(struct kunit *test, struct nbpool *pool, unsigned int held,
				    unsigned int held_bufs, unsigned int lent)
{
	nbpool_test_books_expect(test, pool, held, held_bufs, lent, false);
}
EXPORT_SYMBOL_GPL(nbpool_test_expect_chain_books);

void nbpool_test_expect_drain(struct kunit *test, struct nbpool *pool, unsigned int held,
			      unsigned int lent)
{
	nbpool_test_books_expect(test, pool, held, held, lent, true);
}
EXPORT_SYMBOL_GPL(nbpool_test_expect_drain);

struct nbpool_packet *nbpool_test_rx_chain(struct kunit *test, struct nbpool *pool,
					   unsigned int total, unsigned int *bufs)
{
	struct nbpool_packet *head = NULL, *pkt;
	unsigned int at = 0, len;

	*bufs = 0;
	do {
		pkt = nbpool_alloc(pool, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pkt);
		len = min(total - at, nbpool_packet_capacity(pkt));
		nbpool_test_fill(nbpool_test_device_view(nbpool_test_dev(test),
							 nbpool_packet_dma_addr(pkt)), at, len);
		KUNIT_ASSERT_EQ(test, nbpool_packet_set_len(pkt, len), 0);
		if (head)
			KUNIT_ASSERT_EQ(test, nbpool_packet_append(head, pkt), 0);
		else
			head = pkt;
		at += len;
		++*bufs;
	} while (at < total);
	return head;
}
EXPORT_SYMBOL_GPL(nbpool_test_rx_chain);

MODULE_DESCRIPTION("KUnit fixtures and main suites for nbpool");
MODULE_LICENSE("GPL");
