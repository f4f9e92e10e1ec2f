// SPDX-License-Identifier: GPL-2.0-only
/*
 * The core in debugfs, for a look at what the IPI handler does:
 * multikernel/ipis shows the IPIs taken, those that found their CPU's
 * drain budget for the tick spent, drains cut short, catch-up drains,
 * and the doorbell bits taken per peer.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "internal.h"

static int mk_ipis_show(struct seq_file *m, void *unused)
{
	struct mk_region *r = m->private;
	u16 i;

	seq_printf(m, "received %ld\n", atomic_long_read(&r->ipis_received));
	seq_printf(m, "deferred %ld\n", atomic_long_read(&r->ipis_deferred));
	seq_printf(m, "drains_cut %ld\n", atomic_long_read(&r->drains_cut));
	seq_printf(m, "catchups %ld\n", atomic_long_read(&r->catchups));
	seq_printf(m, "budget_per_tick %u\n", MK_DRAIN_BUDGET);
	for (i = 0; i < MK_MAX_INSTANCES; i++)
		seq_printf(m, "instance %u bells_received %ld bells_unknown %ld bells_later %ld\n",
			   i, atomic_long_read(&r->rx[i].bells_received),
			   atomic_long_read(&r->rx[i].bells_unknown),
			   atomic_long_read(&r->rx[i].bells_later));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mk_ipis);

/**
 * mk_debugfs_init - create the core's files in debugfs multikernel/
 * @dir: debugfs multikernel/
 */
void __init mk_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("ipis", 0400, dir, &mk_region, &mk_ipis_fops);
	mk_fault_init(dir);
}
