// SPDX-License-Identifier: GPL-2.0
/*
 * Suite nbpool_faults: nbpool_create() under failslab and fail_page_alloc.
 * Every failure must come back as a clean -ENOMEM with nothing leaked
 * (kmemleak checks at the end of the boot) and no warning (the boot runs
 * with panic_on_warn). The guest's plan arms the injectors for tasks that
 * ask (task-filter) with verbose=1, so the harness counts each injected
 * fault from the log.
 */
#include <linux/fault-inject.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/fs.h>
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

static int write_knob(const char *path, const char *val)
{
	struct file *f = filp_open(path, O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, val, strlen(val), &pos);
	filp_close(f, NULL);
	return n < 0 ? n : 0;
}

static void set_probability(struct kunit *test, const char *pct)
{
	KUNIT_ASSERT_EQ(test, write_knob("/sys/kernel/debug/failslab/probability", pct), 0);
	KUNIT_ASSERT_EQ(test, write_knob("/sys/kernel/debug/fail_page_alloc/probability", pct), 0);
}

/* A pool that survived injected faults must be whole: use all of it. */
static void exercise(struct kunit *test, struct nbpool *pool, unsigned int count)
{
	struct nbpool_packet *pkt;
	struct nbpool_stats st;
	struct sk_buff *skb;
	unsigned int n = 0;

	while ((pkt = nbpool_alloc(pool, GFP_KERNEL))) {
		n++;
		if (nbpool_packet_set_len(pkt, 32) || n % 3 ||
		    !(skb = nbpool_packet_to_skb(pkt)))
			nbpool_free(pkt);
		else
			kfree_skb(skb);
		if (n > 3 * count)
			break;
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
}

/* Random faults at 1%, 10% and 50% of the allocations, 100 cycles each shape. */
static void nbpool_faults_random(struct kunit *test)
{
	static const char * const pcts[] = { "1", "10", "50" };
	unsigned int i, s, cycle;

	for (i = 0; i < ARRAY_SIZE(pcts); i++) {
		unsigned int ok = 0, failed = 0;

		set_probability(test, pcts[i]);
		for (s = 0; s < ARRAY_SIZE(shapes); s++) {
			struct nbpool_params p = nbpool_test_params(test, shapes[s].count,
								   shapes[s].size, shapes[s].dir);

			for (cycle = 0; cycle < 100; cycle++) {
				struct nbpool *pool;

				current->make_it_fail = 1;
				pool = nbpool_create(&p);
				current->make_it_fail = 0;
				if (IS_ERR(pool)) {
					KUNIT_EXPECT_EQ(test, PTR_ERR(pool), (long)-ENOMEM);
					failed++;
					continue;
				}
				ok++;
				exercise(test, pool, shapes[s].count);
				current->make_it_fail = 1;
				nbpool_destroy(pool);	/* teardown under faults too */
				current->make_it_fail = 0;
			}
		}
		set_probability(test, "0");
		kunit_info(test, "%s%%: %u pools created, %u creations failed cleanly\n",
			   pcts[i], ok, failed);
		KUNIT_EXPECT_GT(test, ok + failed, 0U);
		if (i > 0)
			KUNIT_EXPECT_GT(test, failed, 0U);
	}
}

static void faults_exit(struct kunit *test)
{
	current->make_it_fail = 0;
	WRITE_ONCE(current->fail_nth, 0);
	write_knob("/sys/kernel/debug/failslab/probability", "0");
	write_knob("/sys/kernel/debug/fail_page_alloc/probability", "0");
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
