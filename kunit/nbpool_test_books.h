/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the KUnit suites and the stock-kernel self-test: check a pool's
 * books against the test's own ledger instead of against each other. The
 * test knows how many packets it holds and how many buffers it lent to skbs
 * that are still alive; the pool must say the same buffer by buffer (its
 * outstanding walk), in its counters, and by what it still hands out.
 */
#ifndef _NBPOOL_TEST_BOOKS_H
#define _NBPOOL_TEST_BOOKS_H

#include <linux/bitmap.h>
#include <linux/slab.h>
#include "nbpool.h"

struct nbpool_test_walk {
	unsigned long *seen;		/* buffers listed so far */
	unsigned int count[NBPOOL_HOLDER_STACK + 1];
	unsigned int dup;		/* listed twice, or out of range */
	unsigned int buffers;
};

static inline void nbpool_test_walk_one(void *arg, unsigned int buffer, int packet,
					enum nbpool_holder holder)
{
	struct nbpool_test_walk *w = arg;

	if (buffer >= w->buffers || __test_and_set_bit(buffer, w->seen) ||
	    holder > NBPOOL_HOLDER_STACK) {
		w->dup++;
		return;
	}
	w->count[holder]++;
}

/*
 * nbpool_test_books_chains() - does the pool agree with the test's ledger?
 * @pool: the pool
 * @held: packets the test holds
 * @held_bufs: buffers in them (more than @held where packets chain buffers)
 * @lent: buffers the test turned into skbs that are still alive
 * @drain: also take every packet that can be allocated (then give them
 *	back): exactly min(free packets, free buffers) must come, each with a
 *	buffer nobody holds. Changes the pool's alloc/free counters.
 * @why: where a mismatch is described
 * @len: size of @why
 *
 * Context: process context.
 * Return: true if everything matched.
 */
static inline bool nbpool_test_books_chains(struct nbpool *pool, unsigned int held,
					    unsigned int held_bufs, unsigned int lent,
					    bool drain, char *why, size_t len)
{
	unsigned int buffers = nbpool_buffer_count(pool), packets = nbpool_packet_count(pool);
	struct nbpool_test_walk w = { .buffers = buffers };
	struct nbpool_packet **pkts = NULL;
	unsigned int n = 0, dup = 0, want;
	struct nbpool_stats st;
	bool ok;

	w.seen = bitmap_zalloc(buffers, GFP_KERNEL);
	if (drain)
		pkts = kvmalloc_array(buffers + 1, sizeof(*pkts), GFP_KERNEL);
	if (!w.seen || (drain && !pkts)) {
		snprintf(why, len, "out of memory for the check");
		bitmap_free(w.seen);
		return false;
	}
	nbpool_get_stats(pool, &st);	/* takes back what came home first */
	nbpool_walk_outstanding(pool, nbpool_test_walk_one, &w);
	want = min(packets - held, buffers - held_bufs - lent);
	ok = w.count[NBPOOL_HOLDER_DRIVER] == held_bufs && w.count[NBPOOL_HOLDER_STACK] == lent &&
	     !w.dup &&
	     st.buffers == buffers && st.buffers_driver == held_bufs && st.buffers_stack == lent &&
	     st.buffers_free == buffers - held_bufs - lent && st.packets_free == packets - held;
	if (!ok) {
		snprintf(why, len,
			 "ledger: %u held with %u buffers, %u lent; walk: %u driver, %u stack, %u bad; stats: %llu driver, %llu stack, %llu free of %llu, %llu packets free",
			 held, held_bufs, lent, w.count[NBPOOL_HOLDER_DRIVER], w.count[NBPOOL_HOLDER_STACK],
			 w.dup, st.buffers_driver, st.buffers_stack,
			 st.buffers_free, st.buffers, st.packets_free);
	} else if (drain) {
		/* One more than should come, to prove that no more does. */
		while (n <= want && (pkts[n] = nbpool_alloc(pool, GFP_KERNEL))) {
			u32 b = nbpool_packet_buffer_index(pkts[n]);

			dup += b >= buffers || __test_and_set_bit(b, w.seen);
			n++;
		}
		nbpool_free_bulk(pkts, n);
		ok = n == want && !dup;
		if (!ok)
			snprintf(why, len, "ledger: %u held, %u lent; %u of %u free packets allocatable, %u with a buffer someone holds",
				 held, lent, n, want, dup);
	}
	kvfree(pkts);
	bitmap_free(w.seen);
	return ok;
}

/* The same for a test whose packets each hold one buffer. */
static inline bool nbpool_test_books(struct nbpool *pool, unsigned int held, unsigned int lent,
				     bool drain, char *why, size_t len)
{
	return nbpool_test_books_chains(pool, held, held, lent, drain, why, len);
}

#endif
