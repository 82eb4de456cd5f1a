// SPDX-License-Identifier: GPL-2.0
/* Suite nbpool_create: parameters, geometry and the create/destroy cycle. */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/io.h>
#include <linux/slab.h>
#include "nbpool_test.h"

static void nbpool_create_basic(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 64, 2048, DMA_FROM_DEVICE);
	struct nbpool *pool;

	p.packet_count = 48;
	p.headroom = 128;
	pool = nbpool_test_create(test, &p);
	KUNIT_EXPECT_EQ(test, nbpool_buffer_count(pool), 64U);
	KUNIT_EXPECT_EQ(test, nbpool_packet_count(pool), 48U);
	KUNIT_EXPECT_EQ(test, nbpool_buffer_size(pool), 2048U);
	nbpool_test_expect_drain(test, pool, 0, 0);
}

static void nbpool_create_destroy_null(struct kunit *test)
{
	nbpool_destroy(NULL);	/* documented no-op */
	KUNIT_EXPECT_TRUE(test, IS_ERR(nbpool_create(NULL)));
}

struct bad_param_case {
	const char *what;
	void (*mutate)(struct nbpool_params *p);
};

static void no_dev(struct nbpool_params *p)
{
	p->dev = NULL;
}
static void zero_packets(struct nbpool_params *p)
{
	p->packet_count = 0;
}
static void zero_buffers(struct nbpool_params *p)
{
	p->buffer_count = 0;
}
static void fewer_buffers(struct nbpool_params *p)
{
	p->buffer_count = p->packet_count - 1;
}
static void huge_count(struct nbpool_params *p)
{
	p->buffer_count = UINT_MAX;
	p->packet_count = UINT_MAX;
}
static void tiny_size(struct nbpool_params *p)
{
	p->buffer_size = 32;
}
static void huge_size(struct nbpool_params *p)
{
	p->buffer_size = 1U << 20;
}
static void headroom_fills(struct nbpool_params *p)
{
	p->headroom = p->buffer_size;
}
static void no_room_for_shinfo(struct nbpool_params *p)
{
	p->buffer_size = 512;
	p->headroom = 256;	/* 512 - 256 < the skb tailroom of an RX pool */
}
static void bad_flags(struct nbpool_params *p)
{
	p->flags = 0x80;
}
static void rx_pool_tx_csum(struct nbpool_params *p)
{
	p->flags = NBPOOL_F_TX_CSUM;	/* the pool only receives */
}
static void bad_dir(struct nbpool_params *p)
{
	p->dma_dir = DMA_NONE;
}
static void bad_nid(struct nbpool_params *p)
{
	p->nid = MAX_NUMNODES;
}
static void bad_watermark(struct nbpool_params *p)
{
	p->rx_copy_watermark = p->buffer_count + 1;
}

static const struct bad_param_case bad_params[] = {
	{ "no device", no_dev },
	{ "packet_count 0", zero_packets },
	{ "buffer_count 0", zero_buffers },
	{ "buffer_count < packet_count", fewer_buffers },
	{ "counts UINT_MAX", huge_count },
	{ "buffer_size 32", tiny_size },
	{ "buffer_size 1 MiB", huge_size },
	{ "headroom == buffer_size", headroom_fills },
	{ "no room for skb_shared_info", no_room_for_shinfo },
	{ "unknown flag", bad_flags },
	{ "NBPOOL_F_TX_CSUM, RX only", rx_pool_tx_csum },
	{ "DMA_NONE", bad_dir },
	{ "nid MAX_NUMNODES", bad_nid },
	{ "watermark > buffers", bad_watermark },
};

static void bad_param_desc(const struct bad_param_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(bad_param, bad_params, bad_param_desc);

static void nbpool_create_bad_param(struct kunit *test)
{
	const struct bad_param_case *c = test->param_value;
	struct nbpool_params p = nbpool_test_params(test, 16, 2048, DMA_FROM_DEVICE);
	struct nbpool *pool;

	c->mutate(&p);
	pool = nbpool_create(&p);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pool), (long)-EINVAL);
	if (!IS_ERR(pool))
		nbpool_destroy(pool);
}

struct geometry_case {
	unsigned int size;
	unsigned int count;
	enum dma_data_direction dir;
};

/*
 * Sizes x counts, each pool at most 128 MiB (the guest has 2 GiB). make check
 * caps the count (geometry_count=16384, a quarter of the largest pools) to
 * save a minute per boot; make check-full and a bare insmod run them whole.
 */
static unsigned int geometry_count = 65536;
module_param(geometry_count, uint, 0444);
MODULE_PARM_DESC(geometry_count, "the most buffers a geometry case creates (default 65536)");

static const struct geometry_case geometries[] = {
	{ 256, 1, DMA_TO_DEVICE }, { 256, 65536, DMA_TO_DEVICE },
	{ 1500, 1, DMA_FROM_DEVICE }, { 1500, 3, DMA_FROM_DEVICE },
	{ 1500, 65536, DMA_FROM_DEVICE },
	{ 2048, 1, DMA_FROM_DEVICE }, { 2048, 1025, DMA_BIDIRECTIONAL },
	{ 2048, 65536, DMA_FROM_DEVICE },
	{ 4096, 1, DMA_FROM_DEVICE }, { 4096, 16384, DMA_FROM_DEVICE },
	{ 9216, 1, DMA_BIDIRECTIONAL }, { 9216, 4096, DMA_FROM_DEVICE },
	{ 16384, 1, DMA_FROM_DEVICE }, { 16384, 2048, DMA_TO_DEVICE },
};

static unsigned int geometry_buffers(const struct geometry_case *c)
{
	return min(c->count, max(geometry_count, 1U));
}

static void geometry_desc(const struct geometry_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u bytes x %u", c->size, geometry_buffers(c));
}
KUNIT_ARRAY_PARAM(geometry, geometries, geometry_desc);

/*
 * Every buffer: distinct, inside its own stride, its DMA address translating
 * to the byte at nbpool_packet_data(); then capacity is exact.
 */
static void nbpool_create_geometry(struct kunit *test)
{
	const struct geometry_case *c = test->param_value;
	unsigned int i, stride, count = geometry_buffers(c), bad_dma = 0, bad_place = 0;
	struct nbpool_params p = nbpool_test_params(test, count, c->size, c->dir);
	struct nbpool_packet **pkts;
	unsigned long *seen;
	struct nbpool *pool;

	p.headroom = 64;
	pool = nbpool_test_create(test, &p);
	stride = nbpool_buffer_size(pool);
	KUNIT_EXPECT_GE(test, stride, c->size);
	pkts = kvcalloc(count, sizeof(*pkts), GFP_KERNEL);
	seen = bitmap_zalloc(count, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkts);
	KUNIT_ASSERT_NOT_NULL(test, seen);

	KUNIT_EXPECT_EQ(test, nbpool_alloc_bulk(pool, pkts, count, GFP_KERNEL), count);
	for (i = 0; i < count; i++) {
		struct nbpool_packet *pkt = pkts[i];
		struct page *head = virt_to_head_page(pkt->buf);
		unsigned long off = pkt->buf - page_address(head);
		unsigned int id = nbpool_packet_buffer_index(pkt);

		KUNIT_EXPECT_LT(test, id, count);
		if (id < count)
			KUNIT_EXPECT_FALSE(test, __test_and_set_bit(id, seen));
		KUNIT_EXPECT_EQ(test, nbpool_packet_offset(pkt), 64U);
		/* Buffers tile their (compound) page and never straddle its end. */
		if (off % stride || virt_to_head_page(pkt->buf + stride - 1) != head)
			bad_place++;
		if (nbpool_test_iommu() &&
		    nbpool_test_dma_to_phys(p.dev, nbpool_packet_dma_addr(pkt)) !=
		    virt_to_phys(nbpool_packet_data(pkt)))
			bad_dma++;
		KUNIT_EXPECT_GE(test, nbpool_packet_capacity(pkt) + 64, c->size -
				(c->dir == DMA_TO_DEVICE ? 0 : nbpool_skb_tailroom()));
	}
	KUNIT_EXPECT_EQ(test, bad_place, 0U);
	KUNIT_EXPECT_EQ(test, bad_dma, 0U);
	KUNIT_EXPECT_NULL(test, nbpool_alloc(pool, GFP_KERNEL));
	nbpool_test_expect_books(test, pool, count, 0);
	nbpool_free_bulk(pkts, count);
	nbpool_test_expect_books(test, pool, 0, 0);
	bitmap_free(seen);
	kvfree(pkts);
}

/* Many create/destroy cycles leave nothing behind (kmemleak checks at the end). */
static void nbpool_create_cycles(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 256, 2048, DMA_FROM_DEVICE);
	unsigned int i;

	for (i = 0; i < 50; i++) {
		struct nbpool *pool = nbpool_create(&p);
		struct nbpool_packet *pkt;

		KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
		pkt = nbpool_alloc(pool, GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL(test, pkt);
		nbpool_free(pkt);
		nbpool_destroy(pool);
	}
}

static struct kunit_case nbpool_create_cases[] = {
	KUNIT_CASE(nbpool_create_basic),
	KUNIT_CASE(nbpool_create_destroy_null),
	KUNIT_CASE_PARAM(nbpool_create_bad_param, bad_param_gen_params),
	KUNIT_CASE_PARAM(nbpool_create_geometry, geometry_gen_params),
	KUNIT_CASE(nbpool_create_cycles),
	{}
};

static struct kunit_suite nbpool_create_suite = {
	.name = "nbpool_create",
	.test_cases = nbpool_create_cases,
};
kunit_test_suite(nbpool_create_suite);
