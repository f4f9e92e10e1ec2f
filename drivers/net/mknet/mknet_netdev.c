// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet links and their net_device: the link tables, each end's area (in
 * the shared region, or private for a pair) from allocation to release,
 * attaching to the peer's,
 * carrier, open and stop, MTU and the standard statistics.
 */
#include <linux/cpuhotplug.h>
#include <linux/etherdevice.h>
#include <linux/idr.h>
#include <linux/multikernel.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/netdev_queues.h>
#include "mknet.h"

/* Written under RTNL, read by the message handler under RCU. */
static struct mknet_priv __rcu *mknet_links[MKNET_MAX_LINKS];
static struct mknet_priv __rcu *mknet_remote_links[MK_MAX_INSTANCES];
static DEFINE_IDA(mknet_ida);
/* The generation of the last area taken, by any link; under RTNL. */
static u32 mknet_area_gen;

static_assert(sizeof(struct mknet_area) == 128);
static_assert(sizeof(struct mknet_desc) == 24);
static_assert(sizeof(struct mknet_msg) == 40);

/* The CPU of the @nth queue, counted round the online CPUs. */
static int mknet_queue_cpu(u32 nth)
{
	int cpu = cpumask_nth(nth % num_online_cpus(), cpu_online_mask);

	return cpu < nr_cpu_ids ? cpu : cpumask_first(cpu_online_mask);
}

/* Never 0, which a HELLO_ACK from a detached peer carries.  Under RTNL. */
static u32 mknet_next_area_gen(void)
{
	if (!++mknet_area_gen)
		mknet_area_gen = 1;
	return mknet_area_gen;
}

/*
 * A link to another kernel has its area in the shared pool.  Both ends of
 * a pair are this kernel: their areas are private memory, which no other
 * kernel can write, so a descriptor in them is always one we wrote, and
 * pairs never take pool memory a link to another instance needs.
 */
static void *mknet_area_alloc(struct mknet_priv *priv, size_t size,
			      phys_addr_t *phys)
{
	if (priv->remote)
		return mk_pool_alloc(size, phys);
	*phys = 0;
	return kvzalloc(size, GFP_KERNEL);
}

static void mknet_area_mem_free(struct mknet_priv *priv, void *va,
				size_t size)
{
	if (priv->remote)
		mk_pool_free(va, size);
	else
		kvfree(va);
}

/**
 * mknet_area_publish - write our area's header from what we know
 * @priv: our end
 *
 * Nothing in the header is ever read back: it is published again from
 * private state at every watchdog tick, so a peer that scribbled over it
 * is undone within one.
 */
static void mknet_area_publish(struct mknet_priv *priv)
{
	struct mknet_area *area = priv->area;
	u32 q;

	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		WRITE_ONCE(area->notify_apicid[q], priv->notify_apicid[q]);
		WRITE_ONCE(area->notify_bell[q], priv->rxq[q].bell);
	}
	WRITE_ONCE(area->ring_size, priv->ring_size);
	WRITE_ONCE(area->num_queues, priv->num_queues);
	WRITE_ONCE(area->state, READ_ONCE(priv->admin_state));
	WRITE_ONCE(area->rx_flags, READ_ONCE(priv->rx_flags));
	WRITE_ONCE(area->version, MKNET_AREA_VERSION);
	/* The magic last: a peer that sees it sees a complete header. */
	smp_store_release(&area->magic, MKNET_AREA_MAGIC);
}

/**
 * mknet_area_init - allocate and lay out our area
 * @priv: our end
 * @n: descriptors in each of our TX rings
 * @nq: TX rings
 *
 * Any previous area is left to the caller to free.
 *
 * Context: RTNL held.
 * Return: 0, or -ENOMEM.
 */
static int mknet_area_init(struct mknet_priv *priv, u32 n, u32 nq)
{
	void **bufs;
	phys_addr_t phys;
	void *va;
	int err;
	u32 q;

	bufs = kcalloc(n * nq, sizeof(*bufs), GFP_KERNEL);
	if (!bufs)
		return -ENOMEM;
	va = mknet_area_alloc(priv, mknet_area_size(n, nq), &phys);
	if (!va) {
		kfree(bufs);
		return -ENOMEM;
	}
	/*
	 * Our TX rings need their completion contexts before the stack may
	 * pick their queues, and on failure it keeps the queues it had: the
	 * rings of the old area are all it can have.
	 */
	err = priv->num_napi < nq ? mknet_napi_resize(priv, nq) : 0;
	if (!err)
		err = netif_set_real_num_tx_queues(priv->dev, nq);
	if (err) {
		mknet_area_mem_free(priv, va, mknet_area_size(n, nq));
		kfree(bufs);
		return err;
	}
	memset(va, 0, mknet_area_size(n, nq));

	priv->area = va;
	priv->area_size = mknet_area_size(n, nq);
	priv->area_phys = phys;
	priv->area_gen = mknet_next_area_gen();
	priv->ring_size = n;
	priv->num_queues = nq;
	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		struct mknet_txq *txq = &priv->txq[q];

		txq->ctl = va + mknet_area_tx_ctl_off(q);
		txq->desc = q < nq ? va + mknet_area_desc_off(n, q) : NULL;
		txq->bufs = q < nq ? bufs + q * n : NULL;
		txq->prod = 0;
		txq->done = 0;
		txq->notified = 0;
		txq->cons_event = 0;
		/* Epochs go on across areas: the peer compares them. */
		txq->reclaiming = false;
		txq->stall_done = 0;
		txq->stall_since = jiffies;
		txq->ctl->epoch = txq->epoch;
		priv->rxq[q].ctl = va + mknet_area_rx_ctl_off(q);
		priv->rxq[q].cons = 0;
		priv->rxq[q].prod_event = 0;
		/* Every queue, ours or not: the peer may have more. */
		priv->notify_apicid[q] =
			mk_cpu_apicid(mknet_queue_cpu(priv->cpu_base + q));
	}
	priv->admin_state = MKNET_STATE_DOWN;
	mknet_area_publish(priv);
	return 0;
}

/*
 * Whether the peer lets go of every frame of ours: it acknowledges a new
 * epoch of each ring (or stopped reading, or is known stopped) within
 * %MKNET_RELEASE_WAIT_MS.  Our data path is stopped.
 */
static bool mknet_tx_release_wait(struct mknet_priv *priv)
{
	unsigned long until = jiffies + msecs_to_jiffies(MKNET_RELEASE_WAIT_MS);
	u32 q, busy;

	/*
	 * The other end of a pair goes with us: closed before either is
	 * released, its area maybe freed already.  Nothing reads our frames.
	 */
	if (!priv->remote)
		return true;
	for (q = 0; q < priv->num_queues; q++)
		if (priv->txq[q].prod != priv->txq[q].done)
			mknet_tx_reclaim(priv, q);
	do {
		busy = 0;
		for (q = 0; q < priv->num_queues; q++)
			if (priv->txq[q].reclaiming && !mknet_tx_quiet(priv, q))
				busy++;
		if (!busy)
			return true;
		msleep(20);
		/* Peer gone: its CPUs are held, nothing reads our frames. */
		if (mknet_peer_state(priv) != MK_INSTANCE_RUNNING)
			return true;
	} while (time_before(jiffies, until));
	return false;
}

/*
 * With the rings quiet: nothing of ours is in flight after this.  A peer
 * that may still copy our frames and does not let go of them in time
 * keeps them, and the area their descriptors are in, for good: a leak is
 * better than pages of ours reused under its copy.
 */
static void mknet_area_free(struct mknet_priv *priv)
{
	void **bufs = priv->txq[0].bufs;
	u32 q;

	if (!priv->area)
		return;
	if (priv->retired_area &&
	    mknet_peer_state(priv) == MK_INSTANCE_RUNNING) {
		netdev_warn(priv->dev, "peer never took up our last rings: leaving them to it\n");
		priv->retired_area = NULL;
		priv->retired_bufs = NULL;
	}
	mknet_area_retired_free(priv);
	if (!mknet_tx_release_wait(priv)) {
		netdev_warn(priv->dev, "peer holds frames of ours: leaving them and our area to it\n");
		priv->area = NULL;
		return;
	}
	for (q = 0; q < priv->num_queues; q++)
		mknet_tx_purge(priv, q);
	for (q = 0; q < MKNET_MAX_QUEUES; q++)
		priv->txq[q].bufs = NULL;
	kfree(bufs);
	WRITE_ONCE(priv->area->magic, 0);
	mknet_area_mem_free(priv, priv->area, priv->area_size);
	priv->area = NULL;
}

/**
 * mknet_napi_resize - add or delete NAPI contexts
 * @priv: our end
 * @want: contexts wanted
 *
 * One NAPI context per queue pair, as many as the end with more queues
 * has: ours reclaim our TX ring q and take the peer's TX ring q.  Called
 * with the data path stopped, so a context being added or deleted is
 * disabled and a doorbell for it schedules nothing.  Each context gets
 * the page_pool it receives into.
 *
 * Return: 0, or -ENOMEM with the contexts that could be added.
 */
int mknet_napi_resize(struct mknet_priv *priv, u32 want)
{
	while (priv->num_napi < want) {
		struct mknet_rxq *rxq = &priv->rxq[priv->num_napi];
		int err;

		rxq->priv = priv;
		rxq->index = priv->num_napi;
		netif_napi_add(priv->dev, &rxq->napi, mknet_poll);
		err = mknet_fault_resize(priv) ? -ENOMEM :
		      mknet_rxq_pool_create(priv, rxq);
		if (err) {
			netif_napi_del(&rxq->napi);
			return err;
		}
		/* The IPI handler schedules only contexts below this. */
		smp_store_release(&priv->num_napi, priv->num_napi + 1);
	}
	while (priv->num_napi > want) {
		struct mknet_rxq *rxq = &priv->rxq[priv->num_napi - 1];

		WRITE_ONCE(priv->num_napi, priv->num_napi - 1);
		mknet_coal_stop(rxq);
		netif_napi_del(&rxq->napi);
		mknet_rxq_pool_destroy(rxq);
	}
	return 0;
}

/**
 * mknet_attach_peer - start using the peer's area
 * @priv: our end, its data path stopped
 * @peer: the peer's area header: inside the shared region for a link to
 *	another instance, the other end's private area for a pair
 *
 * The peer's geometry is copied and checked once here; the data path
 * trusts only this copy.
 *
 * Context: RTNL held, or the device not registered yet.
 * Return: 0, -EINVAL if the header or its extent is not acceptable, the
 * error of mk_bell_bind() for a doorbell it names, or the error of
 * resizing the RX queues.
 */
int mknet_attach_peer(struct mknet_priv *priv, const struct mknet_area *peer)
{
	struct mk_mem_range mem[MK_MAX_MEM_RANGES];
	struct mk_bell bells[MKNET_MAX_QUEUES];
	struct mknet_peer_view *v = &priv->peer;
	struct mknet_area copy;
	const void *base = peer;
	int err, i, nr;
	u32 q;

	memcpy(&copy, peer, sizeof(copy));
	if (mknet_check_area(&copy))
		return -EINVAL;
	if (priv->remote &&
	    !mknet_area_in_region(peer, mknet_area_size(copy.ring_size,
							 copy.num_queues)))
		return -EINVAL;
	/* The peer's memory comes from the core, never from the peer. */
	if (!priv->peer_mem_held) {
		err = mk_instance_memory_get(priv->peer_instance);
		if (err) {
			netdev_err_once(priv->dev, "memory of instance %u not mapped (%d)\n",
					priv->peer_instance, err);
			return err;
		}
		priv->peer_mem_held = true;
	}
	nr = mk_instance_memory(priv->peer_instance, mem, ARRAY_SIZE(mem));
	if (nr <= 0) {
		netdev_err_once(priv->dev, "memory of instance %u unknown (%d)\n",
				priv->peer_instance, nr);
		return nr ? nr : -ENOENT;
	}
	/* A CPU or a doorbell the peer does not own is refused. */
	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		err = mk_bell_bind(&bells[q], priv->peer_instance,
				   copy.notify_apicid[q], copy.notify_bell[q]);
		if (err)
			return err;
	}
	err = netif_set_real_num_rx_queues(priv->dev, copy.num_queues);
	if (err)
		return err;
	err = mknet_napi_resize(priv, max(priv->num_queues, copy.num_queues));
	if (err)
		return err;

	v->area = peer;
	v->ring_size = copy.ring_size;
	v->num_queues = copy.num_queues;
	for (i = 0; i < nr; i++) {
		v->spans[i].start = mem[i].start;
		v->spans[i].size = mem[i].size;
		v->span_virt[i] = mem[i].virt;
	}
	v->nr_spans = nr;
	WRITE_ONCE(priv->peer_gone, false);
	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		struct mknet_rxq *rxq = &priv->rxq[q];

		priv->peer_apicid[q] = copy.notify_apicid[q];
		priv->peer_bell[q] = bells[q];
		rxq->peer_broken = false;
		priv->txq[q].peer_rx_ctl = base + mknet_area_rx_ctl_off(q);
		if (q >= copy.num_queues)
			continue;
		rxq->peer_tx_ctl = base + mknet_area_tx_ctl_off(q);
		rxq->peer_desc = base + mknet_area_desc_off(copy.ring_size, q);
		/* Take up the peer's ring where it is now. */
		rxq->epoch = READ_ONCE(rxq->peer_tx_ctl->epoch);
		rxq->cons = READ_ONCE(rxq->peer_tx_ctl->prod);
		rxq->cons_notified = rxq->cons;
		rxq->prod_event = rxq->cons;
		WRITE_ONCE(rxq->ctl->cons, rxq->cons);
		WRITE_ONCE(rxq->ctl->prod_event, rxq->prod_event);
	}
	/*
	 * Frames the old peer had, or that a new one will never look at:
	 * freed once the peer says it reads none of them.
	 */
	for (q = 0; q < priv->num_queues; q++)
		if (priv->txq[q].prod != priv->txq[q].done)
			mknet_tx_reclaim(priv, q);
	/* The view above is complete before the data path may use it. */
	smp_store_release(&priv->peer_attached, true);
	return 0;
}

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
		struct napi_struct *napi = set ? &priv->rxq[q].napi : NULL;

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
		napi_enable(&priv->rxq[q].napi);
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
		napi_schedule(&priv->rxq[q].napi);
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
		napi_disable(&priv->rxq[q].napi);
		mknet_coal_stop(&priv->rxq[q]);
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
	bool up, alive, stopped;

	alive = READ_ONCE(priv->peer_attached) && mknet_peer_alive(priv);
	/*
	 * A stalled heartbeat turns the carrier off, but the peer may still
	 * copy our frames: only a peer the host holds stopped is gone.
	 */
	stopped = priv->remote && mknet_peer_state(priv) != MK_INSTANCE_RUNNING;
	if (READ_ONCE(priv->peer_attached) && stopped != READ_ONCE(priv->peer_gone)) {
		/* Frames of ours a stopped peer had are freed by the polls. */
		WRITE_ONCE(priv->peer_gone, stopped);
		if (stopped && netif_running(dev)) {
			local_bh_disable();
			mknet_datapath_tick(priv);
			local_bh_enable();
		}
	}
	up = netif_running(dev) && alive && !mknet_peer_broken(priv) &&
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
	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		u64_stats_init(&priv->txq[q].stats.syncp);
		spin_lock_init(&priv->txq[q].complete_lock);
		u64_stats_init(&priv->rxq[q].stats.syncp);
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

/**
 * mknet_area_retired_free - free the area a reshape replaced, if any
 * @priv: our end, attached to the peer again or going away
 */
void mknet_area_retired_free(struct mknet_priv *priv)
{
	if (priv->retired_bufs) {
		mknet_tx_free_bufs(priv, priv->retired_bufs,
				   priv->retired_nbufs);
		kfree(priv->retired_bufs);
		priv->retired_bufs = NULL;
	}
	if (!priv->retired_area)
		return;
	mk_pool_free(priv->retired_area, priv->retired_size);
	/* Our completions wait for this: see __mknet_tx_complete(). */
	WRITE_ONCE(priv->retired_area, NULL);
}

/*
 * A peer in another kernel reads our old area until it has our HELLO
 * with the new one: that one is kept, unusable, until we are attached
 * again.  A pair in one kernel attaches both ends before it returns.
 */
static int mknet_area_reshape(struct mknet_priv *priv, u32 n, u32 nq)
{
	void **old_bufs = priv->txq[0].bufs;
	struct mknet_area *old = priv->area;
	size_t old_size = priv->area_size;
	u32 q, old_nbufs;
	int err;

	if (n == priv->ring_size && nq == priv->num_queues)
		return 0;
	/* The other end of a pair is stopped: it reads nothing of ours. */
	if (!priv->remote)
		for (q = 0; q < priv->num_queues; q++)
			mknet_tx_purge(priv, q);
	old_nbufs = priv->num_queues * priv->ring_size;
	err = mknet_area_init(priv, n, nq);
	if (err)
		return err;
	WRITE_ONCE(old->magic, 0);
	if (!priv->remote) {
		kfree(old_bufs);
		kvfree(old);
		return 0;
	}
	/*
	 * The peer may be copying frames of the old rings until it takes up
	 * the new: they go with the old area.  Their bytes leave the queues'
	 * byte limits now, as the rings they were counted in.
	 */
	for (q = 0; q < priv->dev->num_tx_queues; q++)
		netdev_tx_reset_queue(netdev_get_tx_queue(priv->dev, q));
	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		struct mknet_rx_ctl *ctl = (void *)old + mknet_area_rx_ctl_off(q);

		WRITE_ONCE(ctl->epoch_ack, MKNET_EPOCH_MOVED);
	}
	/* mknet_reshape_remote() freed or refused the one before. */
	priv->retired_size = old_size;
	priv->retired_bufs = old_bufs;
	priv->retired_nbufs = old_nbufs;
	WRITE_ONCE(priv->retired_area, old);
	return 0;
}

/*
 * A link to another kernel changes only our side: our TX rings, which
 * are the peer's RX rings.  We take a fresh area, attach it to the
 * peer's rings at once (so our consumer indices in it are right before
 * the peer looks), and say HELLO with it; the peer moves to it as it
 * does to a peer that restarted, and its HELLO_ACK frees the old one.
 * The peer's TX rings, our RX rings, are the peer's to size.
 */
static int mknet_reshape_remote(struct mknet_priv *priv, u32 tx, u32 rx,
				u32 queues, struct netlink_ext_ack *extack)
{
	bool up = netif_running(priv->dev);
	bool attached = READ_ONCE(priv->peer_attached);
	u32 apicid;
	int err;

	if (rx != priv->peer.ring_size) {
		NL_SET_ERR_MSG_FMT(extack,
				   "rx is the other kernel's TX ring size (%u): set its tx there",
				   priv->peer.ring_size);
		return -EOPNOTSUPP;
	}
	if (tx == priv->ring_size && queues == priv->num_queues)
		return 0;
	/* It may still read the area before the current one. */
	if (priv->retired_area) {
		if (mknet_peer_state(priv) == MK_INSTANCE_RUNNING) {
			NL_SET_ERR_MSG(extack,
				       "the other kernel has not taken up the last change yet");
			return -EBUSY;
		}
		mknet_area_retired_free(priv);
	}
	if (up)
		mknet_datapath_stop(priv);
	WRITE_ONCE(priv->peer_attached, false);
	err = mknet_area_reshape(priv, tx, queues);
	if (err)
		NL_SET_ERR_MSG(extack, "no room for the rings in the shared page pool");
	/* A peer area that no longer checks out waits for its next HELLO. */
	if (attached)
		mknet_attach_peer(priv, priv->peer.area);
	if (up)
		mknet_datapath_start(priv);
	mknet_update_carrier(priv);
	/* Unanswered, discovery says it again every second. */
	if (mk_instance_info(priv->peer_instance, NULL, NULL, &apicid) >= 0)
		mknet_send_to(priv, apicid, MKNET_MSG_HELLO, 0);
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
 * in flight are lost, as on a reset of a real NIC.  Counters stay.  On a
 * link to another instance only our end does, and @rx must stay the
 * peer's ring size.
 *
 * Context: RTNL held.
 * Return: 0, -EPERM without CAP_NET_ADMIN in the initial user namespace,
 * -EOPNOTSUPP for another @rx on a link to another instance, or -ENOMEM.
 */
int mknet_reshape(struct mknet_priv *priv, u32 tx, u32 rx, u32 queues,
		  struct netlink_ext_ack *extack)
{
	struct net_device *peer_dev = rtnl_dereference(priv->loop_peer);
	struct mknet_priv *ppriv;
	bool up, peer_up;
	int err;

	/*
	 * Rings come from our slice of the shared pool, or on a pair from
	 * kernel memory every user namespace draws from.
	 */
	if (!capable(CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(extack,
			       "rings take memory the whole kernel shares: needs CAP_NET_ADMIN in the initial user namespace");
		return -EPERM;
	}
	if (!peer_dev)
		return mknet_reshape_remote(priv, tx, rx, queues, extack);
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
		NL_SET_ERR_MSG(extack, "no memory for the rings");
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

static void mknet_rxq_stats(const struct mknet_rxq *rxq,
			    struct netdev_queue_stats_rx *s, u64 *bad_desc,
			    u64 *bad_other, u64 *xdp_lost)
{
	const struct mknet_rx_stats *rx = &rxq->stats;
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

		mknet_rxq_stats(&priv->rxq[q], &rx, &bad_desc, &bad_other,
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

	mknet_rxq_stats(&priv->rxq[idx], s, &bad_desc, &bad_other, &xdp_lost);
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
		mknet_rxq_stats(&priv->rxq[q], &qrx, &bad_desc, &bad_other,
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

/* Ask the peer for what our XDP program can take; it follows in its work. */
static void mknet_set_rx_flags(struct mknet_priv *priv, u32 flags)
{
	if (flags == priv->rx_flags)
		return;
	WRITE_ONCE(priv->rx_flags, flags);
	if (priv->area)
		WRITE_ONCE(priv->area->rx_flags, flags);
	mknet_send_msg(priv, MKNET_MSG_STATE, 0);
}

static int mknet_xdp_setup(struct net_device *dev, struct bpf_prog *prog,
			   struct netlink_ext_ack *extack)
{
	struct mknet_priv *priv = netdev_priv(dev);
	bool frags = !prog || prog->aux->xdp_has_frags;
	struct bpf_prog *old;

	if (!frags && dev->mtu > MKNET_XDP_MTU_MAX) {
		/* Netlink keeps 80 characters of it. */
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "MTU %u needs frags; program lacks xdp.frags (max MTU %lu)",
				       dev->mtu, MKNET_XDP_MTU_MAX);
		return -EOPNOTSUPP;
	}
	/* NAPI reads the program under RCU; bpf_prog_put() waits for it. */
	old = rcu_replace_pointer(priv->xdp_prog, prog, lockdep_rtnl_is_held());
	if (old)
		bpf_prog_put(old);
	mknet_set_rx_flags(priv, frags ? 0 : MKNET_RX_NO_GSO);
	return 0;
}

static int mknet_bpf(struct net_device *dev, struct netdev_bpf *bpf)
{
	switch (bpf->command) {
	case XDP_SETUP_PROG:
		return mknet_xdp_setup(dev, bpf->prog, bpf->extack);
	default:
		return -EINVAL;
	}
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
