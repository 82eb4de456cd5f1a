/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the KUnit suites and the stock-kernel self-test: has a destroyed
 * pool been freed? Its debugfs directory goes with its memory.
 */
#ifndef _NBPOOL_TEST_FREED_H
#define _NBPOOL_TEST_FREED_H

#include <linux/debugfs.h>
#include <linux/delay.h>

/* Wait up to @ms for /sys/kernel/debug/nbpool/@name to go; true if it did. */
static inline bool nbpool_test_wait_freed(const char *name, unsigned int ms)
{
	struct dentry *root = debugfs_lookup("nbpool", NULL);
	bool gone = false;

	for (; root && ms && !gone; ms -= min(ms, 20U)) {
		struct dentry *d = debugfs_lookup(name, root);

		gone = !d;
		dput(d);
		if (!gone)
			msleep(20);
	}
	dput(root);
	return gone;
}

#endif
