// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet links to other kernel instances.
 *
 * For every other instance that runs, an mknetN device appears here, as
 * a NIC appears when its link partner exists; the peer instance gets one
 * for us the same way.  The two ends find each other with HELLO messages
 * naming the sender's link id and the offset of its area in the shared
 * region.  The receiver checks that area like anything else a peer wrote
 * before it attaches, and answers with a HELLO_ACK carrying its own.  An
 * end that is not attached says HELLO again every second, so it does not
 * matter which kernel loads mknet first.
 *
 * A peer that restarts (its boot generation moves) is detached at once;
 * its new incarnation says HELLO with a new area.  Devices stay when the
 * peer goes: the carrier says whether it is there.  On the host, a link
 * to an instance is detached before the host takes the stopped
 * instance's memory back (mk_memory_notifier_register()): frames the
 * instance left in its ring are never read from pages that are ours again.
 *
 * An end that takes new rings (ethtool -L or -G) says HELLO with its new
 * area, every second until the peer's HELLO_ACK shows the peer moved.
 * Each area has a generation, which HELLO and HELLO_ACK carry beside its
 * offset; a HELLO_ACK also names the receiver's area its sender is
 * attached to.  Only an ACK naming our newest area frees the one before:
 * an ACK to an older HELLO (discovery repeats them) would free an area
 * the peer still polls.
 */
#include <linux/etherdevice.h>
#include <linux/multikernel.h>
#include <linux/rtnetlink.h>
#include "mknet.h"

#define MKNET_DISCOVER_INTERVAL	HZ

static struct delayed_work mknet_discover_work;
/* What the links found are made with: mknet_main.c's, given at start. */
static const struct rtnl_link_ops *mknet_remote_ops;

/* The HELLO or HELLO_ACK the handler left, if one is pending. */
static bool mknet_hello_take(struct mknet_priv *priv, struct mknet_msg *m)
{
	bool pending;

	raw_spin_lock_irq(&priv->hello_lock);
	pending = priv->hello_pending;
	*m = priv->hello;
	priv->hello_pending = false;
	raw_spin_unlock_irq(&priv->hello_lock);
	return pending;
}

/* Attach to the area a HELLO named, with the data path stopped meanwhile. */
static void mknet_remote_reattach(struct mknet_priv *priv,
				  const struct mknet_area *area,
				  const struct mknet_msg *m)
{
	bool up = netif_running(priv->dev);
	int err;

	if (up)
		mknet_datapath_stop(priv);
	WRITE_ONCE(priv->peer_attached, false);
	priv->peer_id = m->src_id;
	err = mknet_attach_peer(priv, area);
	priv->peer_area_gen = err ? 0 : m->area_gen;
	if (err)
		atomic64_inc(&priv->bad_hellos);
	else
		netdev_info(priv->dev, "attached to link %u of instance %u\n",
			    m->src_id, priv->peer_instance);
	if (up)
		mknet_datapath_start(priv);
}

/*
 * The peer instance runs as incarnation @gen: if that is not the one we
 * attached to, what we attached to is gone.  Discovery finds out within
 * a second; the new incarnation's HELLO may tell us first.
 */
static void mknet_remote_incarnation(struct mknet_priv *priv, u64 gen)
{
	if (gen == priv->peer_generation)
		return;
	WRITE_ONCE(priv->peer_generation, gen);
	WRITE_ONCE(priv->peer_attached, false);
	mknet_area_retired_free(priv);
	mknet_update_carrier(priv);
}

static void mknet_remote_attach(struct work_struct *work)
{
	struct mknet_priv *priv = container_of(to_delayed_work(work),
					       struct mknet_priv, attach_work);
	const struct mknet_area *area;
	struct mknet_msg m;
	u32 apicid;
	u64 gen;

	/* RTNL holders may wait for this work: never block on it here. */
	if (!rtnl_trylock()) {
		schedule_delayed_work(&priv->attach_work, 1);
		return;
	}
	if (!mknet_hello_take(priv, &m))
		goto out;
	area = mk_region_ptr(m.area_off, sizeof(*area));
	if (!area || mknet_check_hello(m.area_off, m.src_id)) {
		atomic64_inc(&priv->bad_hellos);
		goto out;
	}
	/* Only a running instance says HELLO; the one running now did. */
	if (mk_instance_info(priv->peer_instance, NULL, &gen, &apicid) !=
	    MK_INSTANCE_RUNNING)
		goto out;
	mknet_remote_incarnation(priv, gen);
	/* The same offset with another generation is another area. */
	if (!READ_ONCE(priv->peer_attached) || priv->peer_id != m.src_id ||
	    priv->peer.area != area || priv->peer_area_gen != m.area_gen)
		mknet_remote_reattach(priv, area, &m);
	if (m.kind == MKNET_MSG_HELLO)
		mknet_send_to(priv, apicid, MKNET_MSG_HELLO_ACK, 0);
	/* The peer took our newest area: the one before is no one's. */
	if (m.kind == MKNET_MSG_HELLO_ACK && READ_ONCE(priv->peer_attached) &&
	    mknet_hello_ack_matches(m.ack_off, m.ack_gen,
				    mk_region_offset(priv->area),
				    priv->area_gen)) {
		mknet_area_retired_free(priv);
		priv->hello_unanswered = false;
	}
out:
	rtnl_unlock();
}

/**
 * mknet_remote_hello - a HELLO or HELLO_ACK arrived
 * @src_instance: the instance it came from
 * @m: its payload, already copied out of the region
 *
 * Context: hard interrupt, from the multikernel message handler.
 */
void mknet_remote_hello(u16 src_instance, const struct mknet_msg *m)
{
	struct mknet_priv *priv;
	unsigned long flags;

	if (src_instance >= MK_MAX_INSTANCES)
		return;
	rcu_read_lock();
	priv = mknet_remote_link(src_instance);
	if (priv) {
		raw_spin_lock_irqsave(&priv->hello_lock, flags);
		priv->hello = *m;
		priv->hello_pending = true;
		raw_spin_unlock_irqrestore(&priv->hello_lock, flags);
		schedule_delayed_work(&priv->attach_work, 0);
	}
	/* No link yet: ours says HELLO itself once discovery creates it. */
	rcu_read_unlock();
}

/**
 * mknet_remote_init_link - set up what a link to another instance needs
 * @priv: our end
 */
static void mknet_remote_init_link(struct mknet_priv *priv)
{
	raw_spin_lock_init(&priv->hello_lock);
	INIT_DELAYED_WORK(&priv->attach_work, mknet_remote_attach);
}

static void mknet_remote_create(u16 instance, u64 gen)
{
	struct mknet_priv *priv;
	struct net_device *dev;

	dev = alloc_netdev_mqs(sizeof(*priv), MKNET_DRV_NAME "%d",
			       NET_NAME_ENUM, mknet_remote_ops->setup,
			       MKNET_MAX_QUEUES, MKNET_MAX_QUEUES);
	if (!dev)
		return;
	dev->rtnl_link_ops = mknet_remote_ops;
	priv = netdev_priv(dev);
	mknet_remote_init_link(priv);
	if (mknet_link_init(dev, instance, 0, true)) {
		free_netdev(dev);
		return;
	}
	WRITE_ONCE(priv->peer_generation, gen);
	eth_hw_addr_random(dev);
	netif_carrier_off(dev);
	if (register_netdevice(dev)) {
		mknet_link_release(priv);
		free_netdev(dev);
		return;
	}
	mknet_link_publish(priv);
	netdev_info(dev, "link to instance %u\n", instance);
}

static void mknet_discover(struct work_struct *work)
{
	u16 self = mk_self_instance(), i;
	struct mknet_priv *priv;
	u32 apicid;
	u64 gen;

	rtnl_lock();
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		if (i == self ||
		    mk_instance_info(i, NULL, &gen, &apicid) != MK_INSTANCE_RUNNING)
			continue;
		priv = mknet_remote_link(i);
		if (!priv) {
			mknet_remote_create(i, gen);
			priv = mknet_remote_link(i);
			if (!priv)
				continue;
		}
		if (!mknet_fault_discovery_late(priv))
			mknet_remote_incarnation(priv, gen);
		/*
		 * Also until the peer takes up the area of our last reshape,
		 * or the generation our doorbells moved in.
		 */
		if (!READ_ONCE(priv->peer_attached) || priv->retired_area ||
		    priv->hello_unanswered)
			mknet_send_to(priv, apicid, MKNET_MSG_HELLO, 0);
	}
	rtnl_unlock();
	schedule_delayed_work(&mknet_discover_work, MKNET_DISCOVER_INTERVAL);
}

/*
 * The host is about to take back a stopped instance's memory: our link to
 * it must not read it again.  The next attach reads the memory the
 * instance has then; until it, polls free our frames and take none.
 */
static int mknet_remote_memory_event(struct notifier_block *nb,
				     unsigned long event, void *data)
{
	unsigned long instance = (unsigned long)data;
	struct mknet_priv *priv;

	if (event != MK_MEMORY_RELEASE)
		return NOTIFY_DONE;
	rtnl_lock();
	priv = mknet_remote_link(instance);
	if (priv && READ_ONCE(priv->peer_attached)) {
		WRITE_ONCE(priv->peer_gone, true);
		WRITE_ONCE(priv->peer_attached, false);
		netdev_info(priv->dev, "instance %lu stopped, its memory given back\n",
			    instance);
	}
	rtnl_unlock();
	/* A poll checks the attachment first: the ones running now end. */
	synchronize_net();
	return NOTIFY_OK;
}

static struct notifier_block mknet_remote_memory_nb = {
	.notifier_call = mknet_remote_memory_event,
};

/**
 * mknet_remote_start - look for other instances from now on
 * @ops: the link ops the devices of the links found are made with, as
 *	``ip link add`` makes a pair
 */
void mknet_remote_start(const struct rtnl_link_ops *ops)
{
	mknet_remote_ops = ops;
	mk_memory_notifier_register(&mknet_remote_memory_nb);
	INIT_DELAYED_WORK(&mknet_discover_work, mknet_discover);
	schedule_delayed_work(&mknet_discover_work, 0);
}

/**
 * mknet_remote_stop - stop looking; links are deleted with the module
 */
void mknet_remote_stop(void)
{
	cancel_delayed_work_sync(&mknet_discover_work);
	mk_memory_notifier_unregister(&mknet_remote_memory_nb);
}
