// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet links and their net_device: the link tables, bringing a link up
 * and releasing it (its area is mknet_area.c's), the data path's start
 * and stop, carrier, moving doorbells off CPUs that go offline, MTU and
 * the standard statistics.
 */
#include <linux/cpuhotplug.h>
#include <linux/etherdevice.h>
#include <linux/idr.h>
#include <linux/multikernel.h>
#include <linux/rtnetlink.h>
#include <net/netdev_queues.h>
#include "mknet.h"

/* Written under RTNL, read by the message handler under RCU. */
static struct mknet_priv __rcu *mknet_links[MKNET_MAX_LINKS];
static struct mknet_priv __rcu *mknet_remote_links[MK_MAX_INSTANCES];
static DEFINE_IDA(mknet_ida);

/*
 * Name each queue's NAPI context to the stack (netdev netlink's queue
 * and napi ids), or forget them before the contexts stop or go: a busy
 * poller finds the context of its socket's queue this way.
 */
static void mknet_queues_set_napi(struct mknet_priv *priv, bool set)
{
	struct net_device *dev = priv->dev;
	u32 q;

	for (q = 0; q < priv->num_napi; q++) {
		struct napi_struct *napi = set ? &priv->qp[q].napi : NULL;

		if (q < dev->real_num_rx_queues)
			netif_queue_set_napi(dev, q, NETDEV_QUEUE_TYPE_RX, napi);
		if (q < dev->real_num_tx_queues)
			netif_queue_set_napi(dev, q, NETDEV_QUEUE_TYPE_TX, napi);
	}
}

/**
 * mknet_datapath_start - let frames and doorbells flow on an up device
 * @priv: our end
 */
void mknet_datapath_start(struct mknet_priv *priv)
{
	struct net_device *dev = priv->dev;
	u32 q;

	mknet_rx_epochs_publish(priv, true);
	for (q = 0; q < priv->num_napi; q++)
		napi_enable(&priv->qp[q].napi);
	mknet_queues_set_napi(priv, true);
	WRITE_ONCE(priv->admin_state, MKNET_STATE_UP);
	/* The peer sees UP only with our NAPI ready for its doorbells. */
	smp_store_release(&priv->area->state, MKNET_STATE_UP);
	netif_tx_start_all_queues(dev);
	/* A ring being taken back stays stopped; its peer polls for it. */
	for (q = 0; q < priv->num_queues; q++) {
		if (!priv->txq[q].reclaiming)
			continue;
		netif_stop_subqueue(dev, q);
		if (READ_ONCE(priv->peer_attached))
			mknet_ring_peer(priv, q);
	}
	mknet_send_msg(priv, MKNET_MSG_STATE, 0);
	mknet_update_carrier(priv);
	mod_timer(&priv->watchdog, jiffies + MKNET_WATCHDOG);
	/* Frames the peer queued while we were down. */
	local_bh_disable();
	for (q = 0; q < priv->num_napi; q++)
		napi_schedule(&priv->qp[q].napi);
	local_bh_enable();
}

/**
 * mknet_datapath_stop - stop transmit, NAPI and the watchdog
 * @priv: our end
 *
 * On return nothing of ours touches the rings any more.
 */
void mknet_datapath_stop(struct mknet_priv *priv)
{
	struct net_device *dev = priv->dev;
	u32 q;

	WRITE_ONCE(priv->admin_state, MKNET_STATE_DOWN);
	/* Pairs with the peer's carrier check reading our state. */
	smp_store_release(&priv->area->state, MKNET_STATE_DOWN);
	mknet_send_msg(priv, MKNET_MSG_STATE, 0);
	netif_carrier_off(dev);
	netif_tx_disable(dev);
	timer_delete_sync(&priv->watchdog);
	cancel_work_sync(&priv->carrier_work);
	mknet_queues_set_napi(priv, false);
	for (q = 0; q < priv->num_napi; q++) {
		napi_disable(&priv->qp[q].napi);
		mknet_coal_stop(&priv->qp[q]);
	}
	/* We read nothing of the peer's now: it may free what it likes. */
	mknet_rx_epochs_publish(priv, false);
	/* A last watchdog tick may have published the old state. */
	WRITE_ONCE(priv->area->state, MKNET_STATE_DOWN);
}

static bool mknet_peer_alive(struct mknet_priv *priv)
{
	u64 hb;

	/*
	 * Both ends of a pair are this kernel, alive while we run.  Its
	 * entry in the region is writable by every other kernel, and a
	 * verdict read from there would free frames the other end copies.
	 */
	if (!priv->remote)
		return true;
	if (mk_instance_info(priv->peer_instance, &hb, NULL, NULL) != MK_INSTANCE_RUNNING)
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
		if (READ_ONCE(priv->qp[q].peer_broken))
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
	bool up, alive, stopped;

	alive = READ_ONCE(priv->peer_attached) && mknet_peer_alive(priv);
	/*
	 * A stalled heartbeat turns the carrier off, but the peer may still
	 * copy our frames: only a peer the host holds stopped is gone, or
	 * one whose next incarnation runs before discovery has seen it.
	 */
	stopped = !mknet_peer_running(priv);
	if (READ_ONCE(priv->peer_attached) && stopped != READ_ONCE(priv->peer_gone)) {
		/* Frames of ours a stopped peer had are freed by the polls. */
		WRITE_ONCE(priv->peer_gone, stopped);
		if (stopped && netif_running(dev)) {
			local_bh_disable();
			mknet_datapath_tick(priv);
			local_bh_enable();
		}
	}
	up = netif_running(dev) && alive && !stopped &&
	     !mknet_peer_broken(priv) &&
	     READ_ONCE(priv->peer.area->state) == MKNET_STATE_UP;
	if (up && !netif_carrier_ok(dev)) {
		netif_carrier_on(dev);
		mknet_tx_wake_ready(priv);
	} else if (!up && netif_carrier_ok(dev)) {
		netif_carrier_off(dev);
	}
}

/*
 * Follow the peer's wish for GSO: an XDP program that takes frames in
 * one buffer only asks for none.  RTNL holders may wait for this work,
 * so never block on RTNL here; the watchdog's next tick tries again.
 */
static void mknet_follow_peer_rx_flags(struct mknet_priv *priv)
{
	bool no_gso = READ_ONCE(priv->peer_attached) &&
		      (READ_ONCE(priv->peer.area->rx_flags) & MKNET_RX_NO_GSO);

	if (no_gso == READ_ONCE(priv->peer_no_gso) || !rtnl_trylock())
		return;
	WRITE_ONCE(priv->peer_no_gso, no_gso);
	netdev_update_features(priv->dev);
	rtnl_unlock();
}

static void mknet_carrier_work(struct work_struct *work)
{
	struct mknet_priv *priv = container_of(work, struct mknet_priv,
					       carrier_work);

	mknet_update_carrier(priv);
	mknet_follow_peer_rx_flags(priv);
}

static void mknet_watchdog(struct timer_list *t)
{
	struct mknet_priv *priv = from_timer(priv, t, watchdog);

	/* Undo whatever a peer wrote over our area since the last tick. */
	mknet_area_publish(priv);
	schedule_work(&priv->carrier_work);
	mknet_datapath_tick(priv);
	mknet_tx_reclaim_stalled(priv);
	mod_timer(&priv->watchdog, jiffies + MKNET_WATCHDOG);
}

/**
 * mknet_link_init - give a new device its link id and area
 * @dev: the device, not registered yet
 * @peer_instance: instance of the other end
 * @cpu_base: online CPU, by number, that serves our queue 0
 * @remote: a link to another instance, its area in the shared pool; pairs
 *	in this kernel leave a link id for each of those
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
	priv->remote = remote;
	/*
	 * A pair rings like a link by default: the receiver's copy and
	 * stack run on the CPU of its queue, not on the sender's.
	 */
	priv->ipi_doorbells = true;
	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		u64_stats_init(&priv->txq[q].stats.syncp);
		spin_lock_init(&priv->txq[q].complete_lock);
		u64_stats_init(&priv->qp[q].stats.syncp);
	}
	timer_setup(&priv->watchdog, mknet_watchdog, 0);
	INIT_WORK(&priv->carrier_work, mknet_carrier_work);
	INIT_DELAYED_WORK(&priv->reset_work, mknet_reset_work);
	err = mknet_coal_init(priv);
	if (err)
		goto free_id;
	err = mknet_bells_register(priv);
	if (err)
		goto free_coal;

	/* One queue pair per online CPU. */
	err = mknet_area_init(priv, MKNET_RING_DEFAULT,
			      min(num_online_cpus(), mknet_max_queues(dev)));
	/* A pool too full for that may still hold the smallest rings. */
	if (err == -ENOMEM && remote)
		err = mknet_area_init(priv, MKNET_RING_MIN, 1);
	if (err)
		goto free_bells;
	mknet_debugfs_add(priv);
	return 0;

free_bells:
	mknet_bells_unregister(priv);
	/* The contexts mknet_area_init() added before it failed. */
	mknet_napi_resize(priv, 0);
free_coal:
	mknet_coal_free(priv);
free_id:
	ida_free(&mknet_ida, id);
	return err;
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
	if (priv->remote &&
	    rtnl_dereference(mknet_remote_links[priv->peer_instance]) == priv)
		RCU_INIT_POINTER(mknet_remote_links[priv->peer_instance], NULL);
	synchronize_rcu();
	/* Its work may have been scheduled by a HELLO up to now. */
	if (priv->remote)
		cancel_delayed_work_sync(&priv->attach_work);
	/* No doorbell can reach us now; let work scheduled by one finish. */
	cancel_work_sync(&priv->carrier_work);
	cancel_delayed_work_sync(&priv->reset_work);
	mknet_debugfs_remove(priv);
	mknet_bells_unregister(priv);
	mknet_napi_resize(priv, 0);
	mknet_coal_free(priv);
	mknet_area_free(priv);
	/* No poll reads the peer's frames any more. */
	if (priv->peer_mem_held)
		mk_instance_memory_put(priv->peer_instance);
	priv->peer_mem_held = false;
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
	if (priv->remote)
		rcu_assign_pointer(mknet_remote_links[priv->peer_instance], priv);
}

/**
 * mknet_link_get - the end with a link id
 * @id: link id, as a peer's message names it
 *
 * Context: RCU read side.
 * Return: the end, or NULL.
 */
struct mknet_priv *mknet_link_get(u32 id)
{
	return id < MKNET_MAX_LINKS ? rcu_dereference(mknet_links[id]) : NULL;
}

/**
 * mknet_remote_link - our link to another instance
 * @instance: its instance id
 *
 * Context: RCU read side, or RTNL held.
 * Return: the end, or NULL.
 */
struct mknet_priv *mknet_remote_link(u16 instance)
{
	return instance < MK_MAX_INSTANCES ?
	       rcu_dereference_rtnl(mknet_remote_links[instance]) : NULL;
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

/* Whether @apicid is a CPU this kernel runs on now. */
static bool mknet_apicid_online(u32 apicid)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		if (mk_cpu_apicid(cpu) == apicid)
			return true;
	return false;
}

/*
 * The other end of a pair binds our doorbells again: it stops, attaches
 * to our area afresh and starts.  Frames in flight between the two are
 * lost, as in a reshape.
 */
static void mknet_pair_rebind(struct mknet_priv *priv)
{
	struct net_device *peer_dev = rtnl_dereference(priv->loop_peer);
	struct mknet_priv *ppriv;
	bool peer_up;

	if (!peer_dev)
		return;
	ppriv = netdev_priv(peer_dev);
	peer_up = netif_running(peer_dev);
	if (peer_up)
		mknet_datapath_stop(ppriv);
	WRITE_ONCE(ppriv->peer_attached, false);
	if (mknet_attach_peer(ppriv, priv->area))
		netdev_err(peer_dev, "cannot attach to %s again\n",
			   priv->dev->name);
	if (peer_up)
		mknet_datapath_start(ppriv);
}

/**
 * mknet_retarget - keep the peer's doorbells on CPUs we run on
 * @priv: our end
 *
 * Each queue pair's doorbell interrupts the CPU our area names for it.
 * A CPU we took offline may be given to another kernel next, and the
 * peer's doorbells would then interrupt that kernel instead of us: only
 * the heartbeat would find the frames.  Queues whose CPU is gone move to
 * one that is online, and the peer binds them again: the other end of a
 * pair attaches afresh, a peer instance takes our area up again under a
 * new generation, which our HELLO names until it answers.
 *
 * Context: RTNL held.
 */
static void mknet_retarget(struct mknet_priv *priv)
{
	bool moved = false;
	u32 q, apicid;

	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		if (mknet_apicid_online(priv->notify_apicid[q]))
			continue;
		priv->notify_apicid[q] =
			mk_cpu_apicid(mknet_queue_cpu(priv->cpu_base + q));
		moved = true;
	}
	if (!moved)
		return;
	mknet_area_publish(priv);
	netdev_info(priv->dev, "doorbells moved off CPUs that went offline\n");
	if (!priv->remote) {
		mknet_pair_rebind(priv);
		return;
	}
	priv->area_gen = mknet_next_area_gen();
	priv->hello_unanswered = true;
	if (mk_instance_info(priv->peer_instance, NULL, NULL, &apicid) >= 0)
		mknet_send_to(priv, apicid, MKNET_MSG_HELLO, 0);
}

static void mknet_retarget_all(struct work_struct *work)
{
	struct mknet_priv *priv;
	u32 id;

	rtnl_lock();
	for (id = 0; id < MKNET_MAX_LINKS; id++) {
		priv = rtnl_dereference(mknet_links[id]);
		if (priv)
			mknet_retarget(priv);
	}
	rtnl_unlock();
}

static DECLARE_WORK(mknet_retarget_work, mknet_retarget_all);
static int mknet_cpuhp_state;

/* Under the CPU hotplug lock, which RTNL holders may wait for: no RTNL here. */
static int mknet_cpu_dead(unsigned int cpu)
{
	schedule_work(&mknet_retarget_work);
	return 0;
}

/**
 * mknet_cpus_watch - move doorbells off CPUs that go offline, from now on
 *
 * Return: 0 or the error of cpuhp_setup_state_nocalls().
 */
int mknet_cpus_watch(void)
{
	int state = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					      "net/mknet:dead", NULL,
					      mknet_cpu_dead);

	if (state < 0)
		return state;
	mknet_cpuhp_state = state;
	return 0;
}

/**
 * mknet_cpus_unwatch - undo mknet_cpus_watch()
 */
void mknet_cpus_unwatch(void)
{
	cpuhp_remove_state_nocalls(mknet_cpuhp_state);
	cancel_work_sync(&mknet_retarget_work);
}

static int mknet_open(struct net_device *dev)
{
	mknet_datapath_start(netdev_priv(dev));
	return 0;
}

static int mknet_stop(struct net_device *dev)
{
	mknet_datapath_stop(netdev_priv(dev));
	return 0;
}

static int mknet_change_mtu(struct net_device *dev, int new_mtu)
{
	struct mknet_priv *priv = netdev_priv(dev);
	struct bpf_prog *prog = rtnl_dereference(priv->xdp_prog);

	if (prog && !prog->aux->xdp_has_frags && new_mtu > MKNET_XDP_MTU_MAX) {
		netdev_warn(dev, "MTU %d needs fragments, which the XDP program does not take (largest %lu)\n",
			    new_mtu, MKNET_XDP_MTU_MAX);
		return -EINVAL;
	}
	/*
	 * A frame is a chain of pieces of any length, so the ring needs no change:
	 * the new MTU applies from the next frame on, even while up.
	 */
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;
}

static void mknet_txq_stats(const struct mknet_txq *txq,
			    struct netdev_queue_stats_tx *s, u64 *dropped)
{
	const struct mknet_tx_stats *tx = &txq->stats;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&tx->syncp);
		s->packets = u64_stats_read(&tx->packets);
		s->bytes = u64_stats_read(&tx->bytes);
		s->stop = u64_stats_read(&tx->ring_full);
		*dropped = u64_stats_read(&tx->dropped);
	} while (u64_stats_fetch_retry(&tx->syncp, start));
}

static void mknet_qp_rx_stats(const struct mknet_qpair *qp,
			      struct netdev_queue_stats_rx *s, u64 *bad_desc,
			      u64 *bad_other, u64 *xdp_lost)
{
	const struct mknet_rx_stats *rx = &qp->stats;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&rx->syncp);
		s->packets = u64_stats_read(&rx->packets);
		s->bytes = u64_stats_read(&rx->bytes);
		s->alloc_fail = u64_stats_read(&rx->nomem);
		*bad_desc = u64_stats_read(&rx->bad_desc);
		*bad_other = u64_stats_read(&rx->bad_addr) +
			     u64_stats_read(&rx->bad_hdr) +
			     u64_stats_read(&rx->poisoned);
		/* Frames a program kept: not its drops, ours. */
		*xdp_lost = u64_stats_read(&rx->xdp_tx_errors) +
			    u64_stats_read(&rx->xdp_redirect_errors) +
			    u64_stats_read(&rx->xdp_too_big) +
			    /* and frames the peer took back under our copy */
			    u64_stats_read(&rx->drop_peer_reset);
	} while (u64_stats_fetch_retry(&rx->syncp, start));
}

/* Every queue that ever ran counts: the stats outlive a queue count change. */
static void mknet_get_stats64(struct net_device *dev,
			      struct rtnl_link_stats64 *s)
{
	struct mknet_priv *priv = netdev_priv(dev);
	struct netdev_queue_stats_tx tx;
	struct netdev_queue_stats_rx rx;
	u64 dropped, bad_desc, bad_other, xdp_lost;
	u32 q;

	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		mknet_txq_stats(&priv->txq[q], &tx, &dropped);
		s->tx_packets += tx.packets;
		s->tx_bytes += tx.bytes;
		s->tx_dropped += dropped;

		mknet_qp_rx_stats(&priv->qp[q], &rx, &bad_desc, &bad_other,
				  &xdp_lost);
		s->rx_packets += rx.packets;
		s->rx_bytes += rx.bytes;
		s->rx_dropped += rx.alloc_fail + xdp_lost;
		s->rx_errors += bad_desc + bad_other;
		s->rx_frame_errors += bad_desc;
	}
}

static void mknet_get_queue_stats_rx(struct net_device *dev, int idx,
				     struct netdev_queue_stats_rx *s)
{
	struct mknet_priv *priv = netdev_priv(dev);
	u64 bad_desc, bad_other, xdp_lost;

	mknet_qp_rx_stats(&priv->qp[idx], s, &bad_desc, &bad_other, &xdp_lost);
}

static void mknet_get_queue_stats_tx(struct net_device *dev, int idx,
				     struct netdev_queue_stats_tx *s)
{
	struct mknet_priv *priv = netdev_priv(dev);
	u64 dropped;

	mknet_txq_stats(&priv->txq[idx], s, &dropped);
}

/* What the queues beyond the current counts moved before they went. */
static void mknet_get_base_stats(struct net_device *dev,
				 struct netdev_queue_stats_rx *rx,
				 struct netdev_queue_stats_tx *tx)
{
	struct mknet_priv *priv = netdev_priv(dev);
	struct netdev_queue_stats_tx qtx;
	struct netdev_queue_stats_rx qrx;
	u64 dropped, bad_desc, bad_other, xdp_lost;
	u32 q;

	/* Only the fields we fill are reported; the rest stay unset. */
	rx->packets = 0;
	rx->bytes = 0;
	rx->alloc_fail = 0;
	tx->packets = 0;
	tx->bytes = 0;
	tx->stop = 0;
	for (q = dev->real_num_tx_queues; q < MKNET_MAX_QUEUES; q++) {
		mknet_txq_stats(&priv->txq[q], &qtx, &dropped);
		tx->packets += qtx.packets;
		tx->bytes += qtx.bytes;
		tx->stop += qtx.stop;
	}
	for (q = dev->real_num_rx_queues; q < MKNET_MAX_QUEUES; q++) {
		mknet_qp_rx_stats(&priv->qp[q], &qrx, &bad_desc, &bad_other,
				  &xdp_lost);
		rx->packets += qrx.packets;
		rx->bytes += qrx.bytes;
		rx->alloc_fail += qrx.alloc_fail;
	}
}

static const struct netdev_stat_ops mknet_stat_ops = {
	.get_queue_stats_rx	= mknet_get_queue_stats_rx,
	.get_queue_stats_tx	= mknet_get_queue_stats_tx,
	.get_base_stats		= mknet_get_base_stats,
};

/* The other end of a pair in this kernel, as veth shows its peer. */
static int mknet_get_iflink(const struct net_device *dev)
{
	struct mknet_priv *priv = netdev_priv(dev);
	struct net_device *peer;
	int iflink;

	rcu_read_lock();
	peer = rcu_dereference(priv->loop_peer);
	iflink = peer ? READ_ONCE(peer->ifindex) : READ_ONCE(dev->ifindex);
	rcu_read_unlock();
	return iflink;
}

static void mknet_uninit(struct net_device *dev)
{
	mknet_link_release(netdev_priv(dev));
}

static netdev_features_t mknet_fix_features(struct net_device *dev,
					    netdev_features_t features)
{
	struct mknet_priv *priv = netdev_priv(dev);

	if (READ_ONCE(priv->peer_no_gso))
		features &= ~NETIF_F_GSO_MASK;
	return features;
}

static const struct net_device_ops mknet_netdev_ops = {
	.ndo_uninit		= mknet_uninit,
	.ndo_open		= mknet_open,
	.ndo_stop		= mknet_stop,
	.ndo_start_xmit		= mknet_start_xmit,
	.ndo_tx_timeout		= mknet_tx_timeout,
	.ndo_change_mtu		= mknet_change_mtu,
	.ndo_get_stats64	= mknet_get_stats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_get_iflink		= mknet_get_iflink,
	.ndo_fix_features	= mknet_fix_features,
	.ndo_bpf		= mknet_bpf,
	.ndo_xdp_xmit		= mknet_xdp_xmit,
};

#define MKNET_FEATURES	(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM | \
			 NETIF_F_HIGHDMA | NETIF_F_TSO | NETIF_F_TSO6 | \
			 NETIF_F_TSO_ECN | NETIF_F_GRO)

void mknet_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &mknet_netdev_ops;
	dev->stat_ops = &mknet_stat_ops;
	dev->needs_free_netdev = true;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->features |= MKNET_FEATURES;
	dev->hw_features |= MKNET_FEATURES;
	dev->xdp_features = NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT |
			    NETDEV_XDP_ACT_NDO_XMIT | NETDEV_XDP_ACT_RX_SG |
			    NETDEV_XDP_ACT_NDO_XMIT_SG;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
	netif_set_tso_max_size(dev, GSO_LEGACY_MAX_SIZE);
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_NONE;
	dev->watchdog_timeo = MKNET_TX_TIMEOUT;
}
