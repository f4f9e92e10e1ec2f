// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet in debugfs, for a look at a link that does not move:
 *
 *   /sys/kernel/debug/mknet/stray_messages   messages for no link of ours
 *   /sys/kernel/debug/mknet/link<id>/area    whether our area, and the
 *                                            peer's once attached, lie in
 *                                            the shared region or in
 *                                            private memory
 *   /sys/kernel/debug/mknet/link<id>/rings   each ring's indices and
 *                                            epochs as both ends see them
 *
 * With CONFIG_MKNET_FAULT_INJECTION each link's directory also has the
 * "scribble" file of mknet_fault.c.
 */
#include <linux/debugfs.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include "mknet.h"

static struct dentry *mknet_debugfs_root;

/* Where both ends' rings are: "region" is writable by other kernels. */
static int mknet_area_show(struct seq_file *m, void *v)
{
	struct mknet_priv *priv = m->private;

	/* The area is reshaped and freed under RTNL; never block on it. */
	if (!rtnl_trylock())
		return restart_syscall();
	if (mknet_area_in_region(priv->area, priv->area_size))
		seq_printf(m, "ours region %zu node %d\n", priv->area_size,
			   mk_phys_node(priv->area_phys));
	else
		seq_printf(m, "ours private %zu\n", priv->area_size);
	if (READ_ONCE(priv->peer_attached))
		seq_printf(m, "peer %s\n",
			   mknet_area_in_region(priv->peer.area,
						mknet_area_size(priv->peer.ring_size,
								priv->peer.num_queues)) ?
			   "region" : "private");
	rtnl_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mknet_area);

/*
 * Each ring as both ends see it: our private indices and epochs, and what
 * the shared words say now.  What a stuck link is waiting for, at a look.
 */
static int mknet_rings_show(struct seq_file *m, void *v)
{
	struct mknet_priv *priv = m->private;
	u32 q;

	/* The area is reshaped and freed under RTNL; never block on it. */
	if (!rtnl_trylock())
		return restart_syscall();
	seq_printf(m, "attached %d gone %d retired %d carrier %d\n",
		   READ_ONCE(priv->peer_attached), READ_ONCE(priv->peer_gone),
		   !!priv->retired_area, netif_carrier_ok(priv->dev));
	for (q = 0; q < priv->num_queues; q++) {
		const struct mknet_txq *txq = &priv->txq[q];

		seq_printf(m, "tx%u prod %u done %u epoch %u reclaiming %d stopped %d",
			   q, READ_ONCE(txq->prod), READ_ONCE(txq->done),
			   txq->epoch, READ_ONCE(txq->reclaiming),
			   netif_tx_queue_stopped(netdev_get_tx_queue(priv->dev, q)));
		if (READ_ONCE(priv->peer_attached) && txq->peer_ctl)
			seq_printf(m, " peer cons %u epoch_ack %u",
				   READ_ONCE(txq->peer_ctl->index),
				   READ_ONCE(txq->peer_ctl->epoch));
		seq_putc(m, '\n');
	}
	for (q = 0; q < priv->num_napi; q++) {
		const struct mknet_qpair *qp = &priv->qp[q];

		seq_printf(m, "rx%u cons %u epoch %u ack %u", q, qp->cons,
			   qp->epoch, READ_ONCE(qp->ctl->epoch));
		if (READ_ONCE(priv->peer_attached) && qp->peer_ctl)
			seq_printf(m, " peer prod %u epoch %u",
				   READ_ONCE(qp->peer_ctl->index),
				   READ_ONCE(qp->peer_ctl->epoch));
		seq_putc(m, '\n');
	}
	seq_puts(m, "notify");
	for (q = 0; q < MKNET_MAX_QUEUES; q++)
		seq_printf(m, " %u", priv->notify_apicid[q]);
	seq_putc(m, '\n');
	rtnl_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mknet_rings);

/**
 * mknet_debugfs_add - create the debugfs files of one end
 * @priv: our end
 */
void mknet_debugfs_add(struct mknet_priv *priv)
{
	char name[16];

	snprintf(name, sizeof(name), "link%u", priv->id);
	priv->debugfs = debugfs_create_dir(name, mknet_debugfs_root);
	debugfs_create_file("area", 0400, priv->debugfs, priv,
			    &mknet_area_fops);
	debugfs_create_file("rings", 0400, priv->debugfs, priv,
			    &mknet_rings_fops);
	if (!priv->remote)
		debugfs_create_bool("ipi_doorbells", 0600, priv->debugfs,
				    &priv->ipi_doorbells);
	mknet_fault_add(priv);
}

void mknet_debugfs_remove(struct mknet_priv *priv)
{
	/* Waits for the writers of the files in it. */
	debugfs_remove_recursive(priv->debugfs);
	priv->debugfs = NULL;
	mknet_fault_remove(priv);
}

/**
 * mknet_debugfs_init - create debugfs mknet/
 * @stray_msgs: messages for no link of ours, shown as stray_messages
 */
void mknet_debugfs_init(atomic_t *stray_msgs)
{
	mknet_debugfs_root = debugfs_create_dir(MKNET_DRV_NAME, NULL);
	debugfs_create_atomic_t("stray_messages", 0444, mknet_debugfs_root,
				stray_msgs);
}

void mknet_debugfs_exit(void)
{
	debugfs_remove_recursive(mknet_debugfs_root);
}
