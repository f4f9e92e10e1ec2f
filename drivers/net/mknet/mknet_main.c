// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet: links, doorbells and carrier.
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
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/multikernel.h>
#include <net/rtnetlink.h>
#include "mknet.h"

static struct mknet_priv __rcu *mknet_links[MKNET_MAX_LINKS];
static DEFINE_IDA(mknet_ida);
static atomic_t mknet_stray_msgs;

/**
 * mknet_send_to - send a message of ours to a CPU of the peer instance
 * @priv: our end
 * @apicid: physical APIC ID of the peer's CPU
 * @kind: &enum mknet_msg_kind; a HELLO or HELLO_ACK names our area
 * @queue: the queue pair a DOORBELL is for
 *
 * Return: 0 or the error of multikernel_send_ipi_data().
 */
int mknet_send_to(struct mknet_priv *priv, u32 apicid, u32 kind, u32 queue)
{
	struct mknet_msg m = {
		.dst_id = priv->peer_id,
		.src_id = priv->id,
		.kind = kind,
		.queue = queue,
	};

	if (kind == MKNET_MSG_HELLO || kind == MKNET_MSG_HELLO_ACK)
		m.area_off = mk_region_offset(priv->area);
	return multikernel_send_ipi_data(priv->peer_instance, apicid,
					 MK_MSG_MKNET, &m, sizeof(m));
}

/**
 * mknet_send_msg - send a doorbell or state change to the other end
 * @priv: our end
 * @kind: &enum mknet_msg_kind
 * @queue: queue pair; its doorbells go to the peer's CPU for it
 *
 * Return: 0, -ENOTCONN before the ends are attached, or the error of
 * multikernel_send_ipi_data().
 */
int mknet_send_msg(struct mknet_priv *priv, u32 kind, u32 queue)
{
	if (!READ_ONCE(priv->peer_attached))
		return -ENOTCONN;
	/* Fault injection: a message ring that stays full. */
	if (unlikely(atomic_read(&priv->fail_sends)) &&
	    kind == MKNET_MSG_DOORBELL &&
	    atomic_dec_if_positive(&priv->fail_sends) >= 0)
		return -ENOSPC;
	return mknet_send_to(priv, priv->peer_apicid[queue], kind, queue);
}

static bool mknet_peer_alive(struct mknet_priv *priv)
{
	u64 hb;

	if (mk_instance_state(priv->peer_instance, &hb) != MK_INSTANCE_RUNNING)
		return false;
	if (hb != priv->peer_heartbeat) {
		priv->peer_heartbeat = hb;
		priv->peer_heartbeat_at = jiffies;
	}
	return time_before(jiffies, priv->peer_heartbeat_at + MKNET_PEER_TIMEOUT);
}

static bool mknet_peer_broken(struct mknet_priv *priv)
{
	u32 q;

	for (q = 0; q < priv->num_napi; q++)
		if (READ_ONCE(priv->rxq[q].peer_broken))
			return true;
	return false;
}

/**
 * mknet_update_carrier - set the carrier from both ends' state
 * @priv: our end
 *
 * Context: process context.
 */
void mknet_update_carrier(struct mknet_priv *priv)
{
	struct net_device *dev = priv->dev;
	bool up;

	up = netif_running(dev) && READ_ONCE(priv->peer_attached) &&
	     !mknet_peer_broken(priv) &&
	     READ_ONCE(priv->peer.area->state) == MKNET_STATE_UP &&
	     mknet_peer_alive(priv);
	if (up && !netif_carrier_ok(dev)) {
		netif_carrier_on(dev);
		mknet_tx_wake_ready(priv);
	} else if (!up && netif_carrier_ok(dev)) {
		netif_carrier_off(dev);
	}
}

static void mknet_carrier_work(struct work_struct *work)
{
	struct mknet_priv *priv = container_of(work, struct mknet_priv,
					       carrier_work);

	mknet_update_carrier(priv);
}

static void mknet_watchdog(struct timer_list *t)
{
	struct mknet_priv *priv = from_timer(priv, t, watchdog);
	u32 q;

	/* Undo whatever a peer wrote over our area since the last tick. */
	mknet_area_publish(priv);
	schedule_work(&priv->carrier_work);
	/*
	 * Each pair's poll rewrites its indices, and takes a frame whose
	 * doorbell the peer forgot or lost with its CPU.
	 */
	for (q = 0; q < priv->num_napi; q++) {
		WRITE_ONCE(priv->rxq[q].republish, true);
		napi_schedule(&priv->rxq[q].napi);
	}
	mod_timer(&priv->watchdog, jiffies + MKNET_WATCHDOG);
}

/* Called in hard interrupt context for every MK_MSG_MKNET message. */
static void mknet_msg_handler(const struct mk_msg *msg, void *ctx)
{
	struct mknet_priv *priv;
	struct mknet_rxq *rxq;
	struct mknet_msg m;

	if (msg->len != sizeof(m)) {
		atomic_inc(&mknet_stray_msgs);
		return;
	}
	memcpy(&m, msg->data, sizeof(m));
	if (m.kind == MKNET_MSG_HELLO || m.kind == MKNET_MSG_HELLO_ACK) {
		mknet_remote_hello(msg->src_instance, &m);
		return;
	}
	if (m.dst_id >= MKNET_MAX_LINKS)
		goto stray;

	rcu_read_lock();
	priv = rcu_dereference(mknet_links[m.dst_id]);
	if (!priv || priv->peer_instance != msg->src_instance ||
	    priv->peer_id != m.src_id) {
		rcu_read_unlock();
		goto stray;
	}
	switch (m.kind) {
	case MKNET_MSG_DOORBELL:
		/* Pairs with the release in mknet_napi_resize(). */
		if (m.queue >= smp_load_acquire(&priv->num_napi)) {
			rcu_read_unlock();
			goto stray;
		}
		rxq = &priv->rxq[m.queue];
		atomic64_inc(&rxq->doorbells_received);
		if (netif_running(priv->dev))
			napi_schedule_irqoff(&rxq->napi);
		break;
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

/**
 * mknet_link_init - give a new device its link id and area
 * @dev: the device, not registered yet
 * @peer_instance: instance of the other end
 * @cpu_base: online CPU, by number, that serves our queue 0
 * @remote: a link to another instance; pairs in this kernel leave a link
 *	id for each of those
 *
 * Return: 0, or -ENOSPC / -ENOMEM.
 */
int mknet_link_init(struct net_device *dev, u16 peer_instance, u32 cpu_base,
		    bool remote)
{
	struct mknet_priv *priv = netdev_priv(dev);
	int id, err;
	u32 q;

	id = ida_alloc_max(&mknet_ida, (remote ? MKNET_MAX_LINKS :
					MKNET_PAIR_LINKS) - 1, GFP_KERNEL);
	if (id < 0)
		return id;
	priv->dev = dev;
	priv->id = id;
	priv->peer_instance = peer_instance;
	priv->cpu_base = cpu_base;
	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		u64_stats_init(&priv->txq[q].stats.syncp);
		u64_stats_init(&priv->rxq[q].stats.syncp);
	}
	timer_setup(&priv->watchdog, mknet_watchdog, 0);
	hrtimer_init(&priv->kick_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	priv->kick_timer.function = mknet_kick_timer;
	INIT_WORK(&priv->carrier_work, mknet_carrier_work);

	/* One queue pair per online CPU. */
	err = mknet_area_init(priv, MKNET_RING_DEFAULT,
			      min(num_online_cpus(), mknet_max_queues(dev)));
	if (err) {
		ida_free(&mknet_ida, id);
		return err;
	}
	mknet_debugfs_add(priv);
	return 0;
}

/**
 * mknet_link_release - undo mknet_link_init()
 * @priv: our end
 *
 * Safe to call twice: register_netdevice() calls ndo_uninit on failure
 * and newlink's error path may too.
 */
void mknet_link_release(struct mknet_priv *priv)
{
	if (!priv->area)
		return;
	RCU_INIT_POINTER(mknet_links[priv->id], NULL);
	mknet_remote_release(priv);
	synchronize_rcu();
	/* No doorbell can reach us now; let work scheduled by one finish. */
	cancel_work_sync(&priv->carrier_work);
	mknet_debugfs_remove(priv);
	mknet_napi_resize(priv, 0);
	hrtimer_cancel(&priv->kick_timer);
	mknet_area_free(priv);
	ida_free(&mknet_ida, priv->id);
}

/**
 * mknet_link_publish - let doorbells for a registered device reach it
 * @priv: our end
 *
 * Context: RTNL held.
 */
void mknet_link_publish(struct mknet_priv *priv)
{
	rcu_assign_pointer(mknet_links[priv->id], priv);
}

/**
 * mknet_max_queues - queue pairs a device can have
 * @dev: the device; `ip link add` may have given it fewer queues
 *
 * Return: at most %MKNET_MAX_QUEUES.
 */
u32 mknet_max_queues(const struct net_device *dev)
{
	return min3(MKNET_MAX_QUEUES, dev->num_tx_queues, dev->num_rx_queues);
}

static int mknet_area_reshape(struct mknet_priv *priv, u32 n, u32 nq)
{
	struct mknet_area *old = priv->area;
	size_t old_size = priv->area_size;
	int err;

	if (n == priv->ring_size && nq == priv->num_queues)
		return 0;
	err = mknet_area_init(priv, n, nq);
	if (!err)
		mk_pool_free(old, old_size);
	return err;
}

/**
 * mknet_reshape - change the ring sizes or the queue count of a pair
 * @priv: the end ethtool -G or -L was given
 * @tx: new size of its TX rings
 * @rx: new size of its RX rings, which are the other end's TX rings
 * @queues: new number of queue pairs, for both ends
 * @extack: for the error message
 *
 * Both ends stop, get fresh areas and attach to each other again; frames
 * in flight are lost, as on a reset of a real NIC.  Counters stay.
 *
 * Context: RTNL held.
 * Return: 0, -EPERM without CAP_NET_ADMIN in the initial user namespace,
 * -EOPNOTSUPP for a link to another instance, or -ENOMEM.
 */
int mknet_reshape(struct mknet_priv *priv, u32 tx, u32 rx, u32 queues,
		  struct netlink_ext_ack *extack)
{
	struct net_device *peer_dev = rtnl_dereference(priv->loop_peer);
	struct mknet_priv *ppriv;
	bool up, peer_up;
	int err;

	/* Rings come from this instance's slice of the shared pool. */
	if (!capable(CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(extack,
			       "rings take shared memory: needs CAP_NET_ADMIN in the initial user namespace");
		return -EPERM;
	}
	if (!peer_dev) {
		NL_SET_ERR_MSG(extack,
			       "rings and queues of a link to another instance are fixed");
		return -EOPNOTSUPP;
	}
	ppriv = netdev_priv(peer_dev);
	if (queues > mknet_max_queues(peer_dev)) {
		NL_SET_ERR_MSG_FMT(extack, "the other end has room for %u queues",
				   mknet_max_queues(peer_dev));
		return -EINVAL;
	}
	if (tx == priv->ring_size && rx == ppriv->ring_size &&
	    queues == priv->num_queues && queues == ppriv->num_queues)
		return 0;

	up = netif_running(priv->dev);
	peer_up = netif_running(peer_dev);
	if (up)
		mknet_datapath_stop(priv);
	if (peer_up)
		mknet_datapath_stop(ppriv);
	WRITE_ONCE(priv->peer_attached, false);
	WRITE_ONCE(ppriv->peer_attached, false);

	err = mknet_area_reshape(priv, tx, queues);
	if (!err)
		err = mknet_area_reshape(ppriv, rx, queues);
	if (err)
		NL_SET_ERR_MSG(extack, "no room for the rings in the shared page pool");
	/* Whatever shape we ended with, the ends must find each other. */
	if (mknet_attach_peer(priv, ppriv->area) ||
	    mknet_attach_peer(ppriv, priv->area))
		err = -EINVAL;

	if (peer_up)
		mknet_datapath_start(ppriv);
	if (up)
		mknet_datapath_start(priv);
	return err;
}

static int mknet_newlink(struct net *src_net, struct net_device *dev,
			 struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	struct mknet_priv *priv = netdev_priv(dev), *ppriv;
	u16 self = mk_self_instance();
	struct net_device *peer;
	int err;

	if (!multikernel_ready()) {
		NL_SET_ERR_MSG(extack, "multikernel shared region is not set up");
		return -ENODEV;
	}
	/*
	 * A pair takes link ids and shared memory that every user namespace
	 * of this kernel, and the links to other instances, draw from.
	 */
	if (!capable(CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(extack,
			       "mknet pairs need CAP_NET_ADMIN in the initial user namespace");
		return -EPERM;
	}

	peer = rtnl_create_link(src_net, MKNET_DRV_NAME "%d", NET_NAME_ENUM,
				dev->rtnl_link_ops, tb, extack);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	ppriv = netdev_priv(peer);

	/* Each end's queue q on its own CPU, where there are two. */
	err = mknet_link_init(dev, self, 0, false);
	if (err)
		goto free_peer;
	err = mknet_link_init(peer, self, 1, false);
	if (err)
		goto release_dev;
	priv->peer_id = ppriv->id;
	ppriv->peer_id = priv->id;
	if (mknet_attach_peer(priv, ppriv->area) ||
	    mknet_attach_peer(ppriv, priv->area)) {
		err = -EINVAL;
		goto release_peer;
	}

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
	rcu_assign_pointer(mknet_links[priv->id], priv);
	rcu_assign_pointer(mknet_links[ppriv->id], ppriv);
	return 0;

unregister_peer:
	/* Frees the peer's link through its destructor. */
	unregister_netdevice(peer);
	mknet_link_release(priv);
	return err;
release_peer:
	mknet_link_release(ppriv);
release_dev:
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

struct rtnl_link_ops mknet_link_ops = {
	.kind			= MKNET_DRV_NAME,
	.priv_size		= sizeof(struct mknet_priv),
	.setup			= mknet_setup,
	.get_num_tx_queues	= mknet_num_queues,
	.get_num_rx_queues	= mknet_num_queues,
	.newlink		= mknet_newlink,
	.dellink		= mknet_dellink,
};

static int __init mknet_init(void)
{
	int err;

	err = multikernel_register_handler(MK_MSG_MKNET, mknet_msg_handler, NULL);
	if (err)
		return err;
	mknet_debugfs_init(&mknet_stray_msgs);
	err = rtnl_link_register(&mknet_link_ops);
	if (err) {
		mknet_debugfs_exit();
		multikernel_unregister_handler(MK_MSG_MKNET);
		return err;
	}
	mknet_remote_start();
	return 0;
}

static void __exit mknet_exit(void)
{
	mknet_remote_stop();
	rtnl_link_unregister(&mknet_link_ops);
	mknet_debugfs_exit();
	multikernel_unregister_handler(MK_MSG_MKNET);
}

module_init(mknet_init);
module_exit(mknet_exit);

MODULE_DESCRIPTION("Virtual Ethernet between multikernel instances");
MODULE_LICENSE("GPL");
MODULE_ALIAS_RTNL_LINK(MKNET_DRV_NAME);
