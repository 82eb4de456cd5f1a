/* SPDX-License-Identifier: GPL-2.0 */
/* Shared fixtures for nbpool's KUnit suites. */
#ifndef _NBPOOL_TEST_H
#define _NBPOOL_TEST_H

#include <kunit/test.h>
#include <linux/sched.h>
#include "nbpool.h"
#include "nbpool_test_freed.h"
#include "nbpool_test_books.h"
#include "nbpool_test_dma.h"

/*
 * The boot's DMA topology (module parameter dma). With a strict IOMMU a DMA
 * address must translate to its buffer; with swiotlb it is a bounce slot,
 * and only data round-trips through it (suite nbpool_dma) prove anything.
 */
bool nbpool_test_iommu(void);
const char *nbpool_test_dma_mode(void);
/* A real DMA device: the guest's first virtio-net NIC. */
struct device *nbpool_test_dev(struct kunit *test);
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
/*
 * Fail this task's @n-th allocation from now on (0 stops it), through fault
 * injection's fail-nth; skips the test on a kernel without it.
 */
static inline void nbpool_test_fail_nth(struct kunit *test, unsigned int n)
{
#ifdef CONFIG_FAULT_INJECTION
	WRITE_ONCE(current->fail_nth, n);
#else
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
#endif
}
/* Byte @i of a test frame: depends on the position, so a misplaced buffer shows. */
static inline u8 nbpool_test_frame_byte(unsigned int i)
{
	return i * 7 + (i >> 8) + 1;
}

/* Write bytes @from .. @from + @len - 1 of the test frame at @dst. */
static inline void nbpool_test_fill(u8 *dst, unsigned int from, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		dst[i] = nbpool_test_frame_byte(from + i);
}

/* How many of the @len bytes at @data are not the test frame's from position @from. */
static inline unsigned int nbpool_test_wrong(const u8 *data, unsigned int from, unsigned int len)
{
	unsigned int i, bad = 0;

	for (i = 0; i < len; i++)
		bad += data[i] != nbpool_test_frame_byte(from + i);
	return bad;
}

/*
 * A received test frame of @total bytes as a device writes it across RX
 * buffers of @pool, each filled to its capacity: a packet per buffer,
 * appended to the first. Returns the first; *@bufs is how many buffers it
 * took.
 */
struct nbpool_packet *nbpool_test_rx_chain(struct kunit *test, struct nbpool *pool,
					   unsigned int total, unsigned int *bufs);
/* How many buffers nbpool_walk_outstanding() reports for @holder. */
int nbpool_test_count_held(struct nbpool *pool, enum nbpool_holder holder);
/*
 * The pool agrees with the test's ledger: the test holds @held packets and
 * has @lent buffers in live skbs (see nbpool_test_books.h). The drain form
 * also takes and gives back everything allocatable, so it changes the
 * pool's counters: use it as a test's last look at a pool.
 */
void nbpool_test_expect_books(struct kunit *test, struct nbpool *pool, unsigned int held,
			      unsigned int lent);
void nbpool_test_expect_drain(struct kunit *test, struct nbpool *pool, unsigned int held,
			      unsigned int lent);
/* The same where the test's @held packets hold @held_bufs buffers in all. */
void nbpool_test_expect_chain_books(struct kunit *test, struct nbpool *pool, unsigned int held,
				    unsigned int held_bufs, unsigned int lent);

#endif
