// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet: the module, its rtnl_link_ops and the message handler.
 *
 * The driver's files call each other one way, in the order mknet.h gives
 * and make check enforces: main first, txrx (rings, doorbells, NAPI) last.
 *
 * `ip link add NAME type mknet` creates a pair of devices in this kernel,
 * the way veth does, whose frames go through the shared region and whose
 * doorbells are multikernel IPIs between two CPUs: the same path a link
 * between two kernel instances takes.  Each end is served by its own CPU.
 *
 * The carrier of an end is on while both ends are up and the peer
 * instance is running with a moving heartbeat.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/multikernel.h>
#include <net/rtnetlink.h>
#include "mknet.h"

static atomic_t mknet_stray_msgs;

/* Called in hard interrupt context for every MK_MSG_MKNET message. */
static void mknet_msg_handler(const struct mk_msg *msg, void *ctx)
{
	struct mknet_priv *priv;
	struct mknet_msg m;

	if (msg->len != sizeof(m)) {
		/* The length is the message ABI's version: say it once. */
		pr_warn_once(MKNET_DRV_NAME ": message of %u bytes from instance %u, not %zu: another mknet version?\n",
			     msg->len, msg->src_instance, sizeof(m));
		atomic_inc(&mknet_stray_msgs);
		return;
	}
	memcpy(&m, msg->data, sizeof(m));
	if (m.kind == MKNET_MSG_HELLO || m.kind == MKNET_MSG_HELLO_ACK) {
		mknet_remote_hello(msg->src_instance, &m);
		return;
	}
	rcu_read_lock();
	priv = mknet_link_get(m.dst_id);
	if (!priv || priv->peer_instance != msg->src_instance ||
	    priv->peer_id != m.src_id) {
		rcu_read_unlock();
		goto stray;
	}
	switch (m.kind) {
	case MKNET_MSG_STATE:
		schedule_work(&priv->carrier_work);
		break;
	default:
		atomic_inc(&mknet_stray_msgs);
	}
	rcu_read_unlock();
	return;
stray:
	atomic_inc(&mknet_stray_msgs);
}

/*
 * A pair takes link ids that every user namespace of this kernel, and the
 * links to other instances, draw from, and kernel memory.
 */
static int mknet_pair_allowed(struct netlink_ext_ack *extack)
{
	if (!mk_ready()) {
		NL_SET_ERR_MSG(extack, "multikernel shared region is not set up");
		return -ENODEV;
	}
	if (!capable(CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(extack,
			       "mknet pairs need CAP_NET_ADMIN in the initial user namespace");
		return -EPERM;
	}
	return 0;
}

/* Both ends of a new pair, each attached to the other's area. */
static int mknet_pair_ends_init(struct net_device *dev, struct net_device *peer)
{
	struct mknet_priv *priv = netdev_priv(dev), *ppriv = netdev_priv(peer);
	u16 self = mk_self_instance();
	int err;

	/* Each end's queue q on its own CPU, where there are two. */
	err = mknet_link_init(dev, self, 0, false);
	if (err)
		return err;
	err = mknet_link_init(peer, self, 1, false);
	if (err)
		goto release_dev;
	priv->peer_id = ppriv->id;
	ppriv->peer_id = priv->id;
	if (!mknet_attach_peer(priv, ppriv->area) &&
	    !mknet_attach_peer(ppriv, priv->area))
		return 0;
	err = -EINVAL;
	mknet_link_release(ppriv);
release_dev:
	mknet_link_release(priv);
	return err;
}

static int mknet_newlink(struct net *src_net, struct net_device *dev,
			 struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	struct mknet_priv *priv = netdev_priv(dev), *ppriv;
	struct net_device *peer;
	int err;

	err = mknet_pair_allowed(extack);
	if (err)
		return err;
	peer = rtnl_create_link(src_net, MKNET_DRV_NAME "%d", NET_NAME_ENUM,
				dev->rtnl_link_ops, tb, extack);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	ppriv = netdev_priv(peer);
	err = mknet_pair_ends_init(dev, peer);
	if (err)
		goto free_peer;

	if (!tb[IFLA_ADDRESS])
		eth_hw_addr_random(dev);
	eth_hw_addr_random(peer);
	netif_carrier_off(peer);
	err = register_netdevice(peer);
	if (err)
		goto release_peer;
	err = rtnl_configure_link(peer, NULL, 0, NULL);
	if (err)
		goto unregister_peer;

	netif_carrier_off(dev);
	err = register_netdevice(dev);
	if (err)
		goto unregister_peer;

	rcu_assign_pointer(priv->loop_peer, peer);
	rcu_assign_pointer(ppriv->loop_peer, dev);
	mknet_link_publish(priv);
	mknet_link_publish(ppriv);
	return 0;

unregister_peer:
	/* Frees the peer's link through its destructor. */
	unregister_netdevice(peer);
	mknet_link_release(priv);
	return err;
release_peer:
	mknet_link_release(ppriv);
	mknet_link_release(priv);
free_peer:
	free_netdev(peer);
	return err;
}

static void mknet_dellink(struct net_device *dev, struct list_head *head)
{
	struct mknet_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->loop_peer);

	unregister_netdevice_queue(dev, head);
	if (peer) {
		struct mknet_priv *ppriv = netdev_priv(peer);

		RCU_INIT_POINTER(priv->loop_peer, NULL);
		RCU_INIT_POINTER(ppriv->loop_peer, NULL);
		unregister_netdevice_queue(peer, head);
	}
}

static unsigned int mknet_num_queues(void)
{
	return MKNET_MAX_QUEUES;
}

/* Every mknet device, a pair's end or a link to another instance. */
static void mknet_link_setup(struct net_device *dev)
{
	mknet_setup(dev);
	dev->ethtool_ops = &mknet_ethtool_ops;
}

static struct rtnl_link_ops mknet_link_ops = {
	.kind			= MKNET_DRV_NAME,
	.priv_size		= sizeof(struct mknet_priv),
	.setup			= mknet_link_setup,
	.get_num_tx_queues	= mknet_num_queues,
	.get_num_rx_queues	= mknet_num_queues,
	.newlink		= mknet_newlink,
	.dellink		= mknet_dellink,
};

static int __init mknet_init(void)
{
	int err;

	err = mk_msg_register(MK_MSG_MKNET, mknet_msg_handler, NULL);
	if (err)
		return err;
	mknet_debugfs_init(&mknet_stray_msgs);
	err = mknet_cpus_watch();
	if (err)
		goto debugfs_exit;
	err = rtnl_link_register(&mknet_link_ops);
	if (err)
		goto cpus_unwatch;
	mknet_remote_start(&mknet_link_ops);
	return 0;

cpus_unwatch:
	mknet_cpus_unwatch();
debugfs_exit:
	mknet_debugfs_exit();
	mk_msg_unregister(MK_MSG_MKNET);
	return err;
}

static void __exit mknet_exit(void)
{
	mknet_remote_stop();
	mknet_cpus_unwatch();
	rtnl_link_unregister(&mknet_link_ops);
	mknet_debugfs_exit();
	mk_msg_unregister(MK_MSG_MKNET);
}

module_init(mknet_init);
module_exit(mknet_exit);

MODULE_DESCRIPTION("Virtual Ethernet between multikernel instances");
MODULE_LICENSE("GPL");
MODULE_ALIAS_RTNL_LINK(MKNET_DRV_NAME);
