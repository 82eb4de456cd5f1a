/* SPDX-License-Identifier: GPL-2.0 */
/* Shared fixtures for nbpool's KUnit suites. */
#ifndef _NBPOOL_TEST_H
#define _NBPOOL_TEST_H

#include <kunit/test.h>
#include "nbpool.h"
#include "nbpool_test_freed.h"

/* A real DMA device: the guest's first virtio-net NIC, behind the IOMMU. */
struct device *nbpool_test_dev(struct kunit *test);
/* Physical address the IOMMU (or direct mapping) translates @dma to. */
phys_addr_t nbpool_test_dma_to_phys(struct device *dev, dma_addr_t dma);
/* Parameters for a pool of @count packets and buffers of @size bytes. */
struct nbpool_params nbpool_test_params(struct kunit *test, unsigned int count,
					unsigned int size, enum dma_data_direction dir);
/* Create a pool that is destroyed when the test ends; fails the test on error. */
struct nbpool *nbpool_test_create(struct kunit *test, const struct nbpool_params *p);
/*
 * A NAPI that is added but never enabled, removed when the test ends: a
 * pool's live owner that never polls (and is disabled, as nbpool_destroy()
 * wants), so that frees in BH context take the lockless remote list.
 */
struct napi_struct *nbpool_test_idle_napi(struct kunit *test);
/*
 * Kthreads on every CPU allocate and cross-free until @target operations;
 * @with_napi gives the pool an idle NAPI (see nbpool_test_idle_napi()).
 */
void nbpool_test_cross_cpu(struct kunit *test, unsigned int count, u64 target, bool with_napi);
/* How many buffers nbpool_walk_outstanding() reports for @holder. */
int nbpool_test_count_held(struct nbpool *pool, enum nbpool_holder holder);
/* Check the pool's books: free + driver + stack == buffers; allocs - frees == held. */
void nbpool_test_expect_balanced(struct kunit *test, struct nbpool *pool,
				 unsigned int held);

#endif
