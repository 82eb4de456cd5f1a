// SPDX-License-Identifier: GPL-2.0
/*
 * Suite nbpool_long (module nbpool_kunit_long): long runs on 4 vCPUs with
 * lockdep, KASAN and kmemleak on: cross-CPU operations, and teardowns racing
 * frees on another CPU and skbs sitting in a socket queue. make check runs
 * a million operations and 100 races; make check-full ten million and 1000
 * (the module parameters ops and races).
 */
#include "nbpool_test.h"
#include "nbpool_test_stress.h"

static unsigned long ops = 1000000;
module_param(ops, ulong, 0444);
MODULE_PARM_DESC(ops, "cross-CPU operations in nbpool_long_cross_cpu, over its ten rounds");
static unsigned int races = 100;
module_param(races, uint, 0444);
MODULE_PARM_DESC(races, "teardown races in nbpool_long_teardown_races");

/*
 * The operations run in ten rounds, each a case of its own: insmod waits
 * for a case in D state, and 10M operations in one case outlast the
 * hung-task limit (120 s) on the 7.3 debug kernel under TCG.
 */
static const unsigned int cross_cpu_rounds[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static void cross_cpu_round_desc(const unsigned int *round, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "round %u of %zu", *round,
		 ARRAY_SIZE(cross_cpu_rounds));
}
KUNIT_ARRAY_PARAM(cross_cpu_round, cross_cpu_rounds, cross_cpu_round_desc);

static void nbpool_long_cross_cpu(struct kunit *test)
{
	/* A pool with a NAPI that never polls: the owner's cache stays out of it. */
	nbpool_test_cross_cpu(test, 1024, DIV_ROUND_UP_ULL(ops, ARRAY_SIZE(cross_cpu_rounds)), true);
}

static void nbpool_long_teardown_races(struct kunit *test)
{
	struct nbpool_params p = nbpool_test_params(test, 16, 2048, DMA_FROM_DEVICE);
	unsigned int round, cpu, still_mapped = 0, not_freed = 0;
	struct nbpool_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct napi_struct *napi = nbpool_test_idle_napi(test);
	char name[24];

	KUNIT_ASSERT_NOT_NULL(test, r);
	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	KUNIT_ASSERT_LT(test, cpu, nr_cpu_ids);

	for (round = 0; round < races; round++) {
		snprintf(name, sizeof(name), "race-%u", round);
		p.name = name;
		/* Every other round with a NAPI, and the frees with BH off. */
		p.napi = round & 1 ? napi : NULL;
		KUNIT_ASSERT_EQ(test, nbpool_stress_teardown_race(r, &p, cpu, round & 1,
								  nbpool_test_iommu(), &still_mapped), 0);
	}
	/* Every destroyed pool is freed once its buffers are back. */
	for (round = 0; round < races; round++) {
		snprintf(name, sizeof(name), "race-%u", round);
		not_freed += !nbpool_test_wait_freed(name, 5000);
	}
	KUNIT_EXPECT_EQ(test, still_mapped, 0U);
	KUNIT_EXPECT_EQ(test, not_freed, 0U);
	kunit_info(test, "%u teardown races run\n", races);
}

static struct kunit_case nbpool_long_cases[] = {
	KUNIT_CASE_SLOW(nbpool_long_teardown_races),
	KUNIT_CASE_PARAM_ATTR(nbpool_long_cross_cpu, cross_cpu_round_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite nbpool_long_suite = {
	.name = "nbpool_long",
	.test_cases = nbpool_long_cases,
};
kunit_test_suite(nbpool_long_suite);

MODULE_DESCRIPTION("KUnit: nbpool's long cross-CPU runs and teardown races");
MODULE_LICENSE("GPL");
