// SPDX-License-Identifier: GPL-2.0
/*
 * nbpool: per-pool files under /sys/kernel/debug/nbpool/<pool>/, and
 * under nbpool/destroyed/<pool>/ for a destroyed pool still waiting for
 * its buffers.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "nbpool_internal.h"

static struct dentry *nbpool_debugfs_root, *nbpool_debugfs_destroyed;
static atomic_t nbpool_debugfs_seq = ATOMIC_INIT(0);

static int nbpool_stats_show(struct seq_file *m, void *v)
{
	struct nbpool *pool = m->private;
	struct nbpool_stats st;
	unsigned int i;

	nbpool_get_stats(pool, &st);
	seq_printf(m, "name %s\n", pool->name);
	seq_printf(m, "state %s\n", READ_ONCE(pool->dying) ? "destroyed" : "live");
	seq_printf(m, "buffer_size %u\npacket_count %u\npages %u\norder %u\nbuffers_per_page %u\n",
		   pool->buffer_size, pool->packet_count, pool->nr_pages, pool->order,
		   pool->bufs_per_page);
	seq_printf(m, "headroom %u\ndata_end %u\nrx_copy_watermark %u\n",
		   pool->headroom, pool->data_end, pool->rx_copy_watermark);
	for (i = 0; i < NBPOOL_NR_STATS; i++)
		seq_printf(m, "%s %llu\n", nbpool_stat_names[i], ((u64 *)&st)[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nbpool_stats);

static void nbpool_outstanding_line(void *m, unsigned int buffer, int packet,
				    enum nbpool_holder holder)
{
	if (packet >= 0)
		seq_printf(m, "buffer %u packet %d %s\n", buffer, packet, nbpool_holder_name(holder));
	else
		seq_printf(m, "buffer %u %s\n", buffer, nbpool_holder_name(holder));
}

/* Every buffer that is not free, and who has it. */
static int nbpool_outstanding_show(struct seq_file *m, void *v)
{
	nbpool_walk_outstanding(m->private, nbpool_outstanding_line, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nbpool_outstanding);

/* One line per page: the DMA address it was mapped at, for the pool's life. */
static int nbpool_memory_show(struct seq_file *m, void *v)
{
	struct nbpool *pool = m->private;
	unsigned int i;

	for (i = 0; i < pool->nr_pages; i++)
		seq_printf(m, "page %u dma %pad\n", i, &pool->pages[i].dma);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nbpool_memory);

/* The pool's files in @parent, in a directory named after it. */
static void nbpool_debugfs_create(struct nbpool *pool, struct dentry *parent)
{
	struct dentry *dir;
	char name[NBPOOL_NAME_LEN + 12];

	if (IS_ERR_OR_NULL(parent))
		return;
	/* Pool names need not be unique; the directory names must. */
	dir = debugfs_lookup(pool->name, parent);
	if (dir) {
		dput(dir);
		snprintf(name, sizeof(name), "%s.%d", pool->name,
			 atomic_inc_return(&nbpool_debugfs_seq));
	} else {
		strscpy(name, pool->name, sizeof(name));
	}
	dir = debugfs_create_dir(name, parent);
	if (IS_ERR(dir))
		return;
	debugfs_create_file("stats", 0444, dir, pool, &nbpool_stats_fops);
	debugfs_create_file("outstanding", 0444, dir, pool, &nbpool_outstanding_fops);
	debugfs_create_file("memory", 0444, dir, pool, &nbpool_memory_fops);
	pool->debugfs = dir;
}

void nbpool_debugfs_add(struct nbpool *pool)
{
	nbpool_debugfs_create(pool, nbpool_debugfs_root);
}

/*
 * A destroyed pool that waits for buffers moves to destroyed/: its name is
 * free for the pool the driver creates next (after ethtool -G, say), and
 * what is still out stays in view.
 */
void nbpool_debugfs_retire(struct nbpool *pool)
{
	nbpool_debugfs_remove(pool);
	nbpool_debugfs_create(pool, nbpool_debugfs_destroyed);
}

void nbpool_debugfs_remove(struct nbpool *pool)
{
	debugfs_remove(pool->debugfs);
	pool->debugfs = NULL;
}

void nbpool_debugfs_init(void)
{
	nbpool_debugfs_root = debugfs_create_dir("nbpool", NULL);
	if (!IS_ERR(nbpool_debugfs_root))
		nbpool_debugfs_destroyed = debugfs_create_dir("destroyed", nbpool_debugfs_root);
}

void nbpool_debugfs_exit(void)
{
	debugfs_remove(nbpool_debugfs_root);
}
