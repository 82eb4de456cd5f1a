/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the KUnit suites and the stock-kernel self-test: has a destroyed
 * pool been freed? Its debugfs directory goes with its memory.
 */
#ifndef _NBPOOL_TEST_FREED_H
#define _NBPOOL_TEST_FREED_H

#include <linux/debugfs.h>
#include <linux/delay.h>

/* Is there a debugfs directory @name in @parent? */
static inline bool nbpool_test_debugfs_has(struct dentry *parent, const char *name)
{
	struct dentry *d = parent ? debugfs_lookup(name, parent) : NULL;

	dput(d);
	return d;
}

/*
 * Wait up to @ms for the destroyed pool @name to be freed: for its
 * directory to leave /sys/kernel/debug/nbpool/destroyed/ (and never be
 * back in nbpool/, where live pools are). True if it went.
 */
static inline bool nbpool_test_wait_freed(const char *name, unsigned int ms)
{
	struct dentry *root = debugfs_lookup("nbpool", NULL);
	struct dentry *destroyed = root ? debugfs_lookup("destroyed", root) : NULL;
	bool gone = false;

	for (; destroyed && ms && !gone; ms -= min(ms, 20U)) {
		gone = !nbpool_test_debugfs_has(root, name) &&
		       !nbpool_test_debugfs_has(destroyed, name);
		if (!gone)
			msleep(20);
	}
	dput(destroyed);
	dput(root);
	return gone;
}

#endif
