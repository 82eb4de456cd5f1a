// SPDX-License-Identifier: GPL-2.0
/*
 * Suite nbpool_faults: nbpool_create() under failslab and fail_page_alloc.
 * Every failure must come back as a clean -ENOMEM with nothing leaked
 * (kmemleak checks at the end of the boot) and no warning (the boot runs
 * with panic_on_warn). Faults are injected with the kernel's per-task
 * fail-nth; the guest's plan makes sleeping and order-0 allocations
 * eligible (ignore-gfp-wait=N, min-order=0).
 */
#include <linux/fault-inject.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/random.h>
#include "nbpool_test.h"

struct fault_shape {
	const char *what;
	unsigned int count;
	unsigned int size;
	enum dma_data_direction dir;
};

static const struct fault_shape shapes[] = {
	{ "64 x 2048 RX", 64, 2048, DMA_FROM_DEVICE },
	{ "1000 x 256 TX", 1000, 256, DMA_TO_DEVICE },
	{ "8 x 9216 RX (order 2)", 8, 9216, DMA_FROM_DEVICE },
};

/* A pool that survived injected faults must be whole: use all of it. */
static void exercise(struct kunit *test, struct nbpool *pool, unsigned int count)
{
	struct nbpool_packet *pkt;
	struct nbpool_stats st;
	struct sk_buff *skb;
	unsigned int n = 0;

	/* Every third packet goes through an skb; the rest straight back. */
	while (n <= 3 * count && (pkt = nbpool_alloc(pool, GFP_KERNEL))) {
		skb = NULL;
		if (++n % 3 == 0 && !nbpool_packet_set_len(pkt, 32))
			skb = nbpool_packet_to_skb(pkt);
		if (skb)
			kfree_skb(skb);
		else
			nbpool_free(pkt);
	}
	nbpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.buffers_free, (u64)count);
	KUNIT_EXPECT_EQ(test, st.allocs, st.frees + st.lent);
}

/*
 * Fail the 1st, 2nd, 3rd... allocation of nbpool_create() in turn (the
 * kernel's fail-nth), until it runs with no allocation left to fail.
 */
static void nbpool_faults_every_site(struct kunit *test)
{
	unsigned int s, nth, injected = 0;

	for (s = 0; s < ARRAY_SIZE(shapes); s++) {
		struct nbpool_params p = nbpool_test_params(test, shapes[s].count,
							   shapes[s].size, shapes[s].dir);

		for (nth = 1; nth < 2000; nth++) {
			struct nbpool *pool;
			bool hit;

			WRITE_ONCE(current->fail_nth, nth);
			pool = nbpool_create(&p);
			hit = !READ_ONCE(current->fail_nth);
			WRITE_ONCE(current->fail_nth, 0);
			if (IS_ERR(pool)) {
				KUNIT_EXPECT_EQ(test, PTR_ERR(pool), (long)-ENOMEM);
				KUNIT_EXPECT_TRUE(test, hit);
			} else {
				exercise(test, pool, shapes[s].count);
				nbpool_destroy(pool);
			}
			injected += hit;
			if (!hit)
				break;	/* created with no fault: every site was tried */
		}
		KUNIT_EXPECT_LT(test, nth, 2000U);
		kunit_info(test, "%s: %u allocation sites failed one by one\n",
			   shapes[s].what, nth - 1);
	}
	KUNIT_EXPECT_GT(test, injected, 10U);
	kunit_info(test, "%u faults injected, one per allocation site\n", injected);
}

/*
 * Random faults: each allocation fails with probability @pct. Only the first
 * failure matters to nbpool_create() (it unwinds and returns), so failing
 * the N-th allocation with N drawn from the geometric distribution of @pct
 * is the same experiment, and needs no global fault-injection knobs.
 */
static unsigned int geometric(unsigned int pct)
{
	unsigned int n = 1;

	while (n < 10000 && get_random_u32_below(100) >= pct)
		n++;
	return n;
}

static void nbpool_faults_random(struct kunit *test)
{
	static const unsigned int pcts[] = { 1, 10, 50 };
	unsigned int i, s, cycle, injected = 0;

	for (i = 0; i < ARRAY_SIZE(pcts); i++) {
		unsigned int ok = 0, failed = 0;

		for (s = 0; s < ARRAY_SIZE(shapes); s++) {
			struct nbpool_params p = nbpool_test_params(test, shapes[s].count,
								   shapes[s].size, shapes[s].dir);

			for (cycle = 0; cycle < 100; cycle++) {
				struct nbpool *pool;

				WRITE_ONCE(current->fail_nth, geometric(pcts[i]));
				pool = nbpool_create(&p);
				injected += !READ_ONCE(current->fail_nth);
				WRITE_ONCE(current->fail_nth, 0);
				if (IS_ERR(pool)) {
					KUNIT_EXPECT_EQ(test, PTR_ERR(pool), (long)-ENOMEM);
					failed++;
					continue;
				}
				ok++;
				exercise(test, pool, shapes[s].count);
				nbpool_destroy(pool);
			}
		}
		kunit_info(test, "%u%%: %u pools created, %u creations failed cleanly\n",
			   pcts[i], ok, failed);
		KUNIT_EXPECT_GT(test, failed, 0U);
	}
	kunit_info(test, "%u faults injected at random\n", injected);
}

static void faults_exit(struct kunit *test)
{
	WRITE_ONCE(current->fail_nth, 0);
}

static struct kunit_case nbpool_faults_cases[] = {
	KUNIT_CASE(nbpool_faults_every_site),
	KUNIT_CASE(nbpool_faults_random),
	{}
};

static struct kunit_suite nbpool_faults_suite = {
	.name = "nbpool_faults",
	.exit = faults_exit,
	.test_cases = nbpool_faults_cases,
};
kunit_test_suite(nbpool_faults_suite);
