// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet areas: each end's area (in the shared region on a link to another
 * instance, private memory on a pair) from allocation to release, the
 * NAPI contexts of its queue pairs, attaching to the peer's area, and
 * the fresh area a ring or queue count change (mknet_ethtool.c) takes.
 *
 * The area holds our TX rings and our consumer side of the peer's; its
 * header is republished from private state, never read back.  An area
 * the peer may still read is never freed under it: a reshape keeps the
 * old one until the peer has taken up the new, and a release leaves it
 * to a peer that does not let go of our frames.
 */
#include <linux/delay.h>
#include <linux/slab.h>
#include "mknet.h"

/* The generation of the last area taken, by any link; under RTNL. */
static u32 mknet_area_gen;

/**
 * mknet_next_area_gen - a generation for an area, new or taken up anew
 *
 * Context: RTNL held.
 * Return: the next generation of any link's area; never 0, which a
 * HELLO_ACK from a detached peer carries.
 */
u32 mknet_next_area_gen(void)
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
void mknet_area_publish(struct mknet_priv *priv)
{
	struct mknet_area *area = priv->area;
	u32 q;

	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		WRITE_ONCE(area->notify_apicid[q], priv->notify_apicid[q]);
		WRITE_ONCE(area->notify_bell[q], priv->qp[q].bell);
	}
	WRITE_ONCE(area->ring_size, priv->ring_size);
	WRITE_ONCE(area->num_queues, priv->num_queues);
	WRITE_ONCE(area->state, READ_ONCE(priv->admin_state));
	WRITE_ONCE(area->rx_flags, READ_ONCE(priv->rx_flags));
	WRITE_ONCE(area->version, MKNET_AREA_VERSION);
	/* The magic last: a peer that sees it sees a complete header. */
	smp_store_release(&area->magic, MKNET_AREA_MAGIC);
}

/* TX ring @q of a new area @va of @n descriptors: empty, @bufs its frames. */
static void mknet_txq_init(struct mknet_txq *txq, void *va, void **bufs, u32 n,
			   u32 q)
{
	txq->ctl = va + mknet_area_tx_ctl_off(q);
	txq->desc = bufs ? va + mknet_area_desc_off(n, q) : NULL;
	txq->bufs = bufs;
	txq->prod = 0;
	txq->done = 0;
	txq->notified = 0;
	txq->cons_event = 0;
	txq->stopped = 0;
	/*
	 * Epochs go on across areas: the peer compares them.  The first is
	 * not idle either, or a peer reading the ring would look stopped.
	 */
	if (txq->epoch == MKNET_EPOCH_IDLE)
		txq->epoch = mknet_epoch_next(txq->epoch);
	txq->reclaiming = false;
	txq->stall_done = 0;
	txq->stall_since = jiffies;
	txq->ctl->epoch = txq->epoch;
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
int mknet_area_init(struct mknet_priv *priv, u32 n, u32 nq)
{
	phys_addr_t phys;
	void **bufs;
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
		mknet_txq_init(&priv->txq[q], va, q < nq ? bufs + q * n : NULL,
			       n, q);
		priv->qp[q].ctl = va + mknet_area_rx_ctl_off(q);
		priv->qp[q].cons = 0;
		priv->qp[q].prod_event = 0;
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
		/* Stopped or replaced: nothing reads our frames. */
		if (!mknet_peer_running(priv))
			return true;
	} while (time_before(jiffies, until));
	return false;
}

/**
 * mknet_area_free - free our area and any a reshape replaced, with frames
 * @priv: our end, its rings quiet
 *
 * Nothing of ours is in flight after this.  A peer that may still copy
 * our frames and does not let go of them in time keeps them, and the
 * area their descriptors are in, for good: a leak is better than pages
 * of ours reused under its copy.
 *
 * Context: process context; it may wait for the peer.
 */
void mknet_area_free(struct mknet_priv *priv)
{
	void **bufs = priv->txq[0].bufs;
	u32 q;

	if (!priv->area)
		return;
	if (priv->retired_area && mknet_peer_running(priv)) {
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
		struct mknet_qpair *qp = &priv->qp[priv->num_napi];
		int err;

		qp->priv = priv;
		qp->index = priv->num_napi;
		netif_napi_add(priv->dev, &qp->napi, mknet_poll);
		err = mknet_fault_resize(priv) ? -ENOMEM :
		      mknet_qp_pool_create(priv, qp);
		if (err) {
			netif_napi_del(&qp->napi);
			return err;
		}
		/* The IPI handler schedules only contexts below this. */
		smp_store_release(&priv->num_napi, priv->num_napi + 1);
	}
	while (priv->num_napi > want) {
		struct mknet_qpair *qp = &priv->qp[priv->num_napi - 1];

		WRITE_ONCE(priv->num_napi, priv->num_napi - 1);
		mknet_coal_stop(qp);
		netif_napi_del(&qp->napi);
		mknet_qp_pool_destroy(qp);
	}
	return 0;
}

/*
 * The peer's RAM, which its descriptors may name: from the core, never
 * from the peer, and mapped for us from the first attach on.  Returns
 * the ranges in @mem, or an error.
 */
static int mknet_peer_ram(struct mknet_priv *priv, struct mk_mem_range *mem,
			  u32 max)
{
	int err, nr;

	if (!priv->peer_mem_held) {
		err = mk_instance_memory_get(priv->peer_instance);
		if (err) {
			netdev_err_once(priv->dev, "memory of instance %u not mapped (%d)\n",
					priv->peer_instance, err);
			return err;
		}
		priv->peer_mem_held = true;
	}
	nr = mk_instance_memory(priv->peer_instance, mem, max);
	if (nr <= 0) {
		netdev_err_once(priv->dev, "memory of instance %u unknown (%d)\n",
				priv->peer_instance, nr);
		return nr ? nr : -ENOENT;
	}
	return nr;
}

/* The peer's area as checked (@copy), and the @nr ranges of its RAM. */
static void mknet_peer_view_set(struct mknet_peer_view *v,
				const struct mknet_area *peer,
				const struct mknet_area *copy,
				const struct mk_mem_range *mem, int nr)
{
	int i;

	v->area = peer;
	v->ring_size = copy->ring_size;
	v->num_queues = copy->num_queues;
	for (i = 0; i < nr; i++) {
		v->spans[i].start = mem[i].start;
		v->spans[i].size = mem[i].size;
		v->span_virt[i] = mem[i].virt;
	}
	v->nr_spans = nr;
}

/* Take up the peer's TX ring of @qp's index where it is now, if it has one. */
static void mknet_qp_take_up(struct mknet_qpair *qp,
			     const struct mknet_area *peer,
			     const struct mknet_area *copy)
{
	const void *base = peer;

	qp->peer_broken = false;
	if (qp->index >= copy->num_queues)
		return;
	qp->peer_ctl = base + mknet_area_tx_ctl_off(qp->index);
	qp->peer_desc = base + mknet_area_desc_off(copy->ring_size, qp->index);
	qp->epoch = READ_ONCE(qp->peer_ctl->epoch);
	qp->cons = READ_ONCE(qp->peer_ctl->index);
	qp->cons_notified = qp->cons;
	qp->prod_event = qp->cons;
	WRITE_ONCE(qp->ctl->index, qp->cons);
	WRITE_ONCE(qp->ctl->event, qp->prod_event);
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
	struct mknet_area copy;
	int err, nr;
	u32 q;

	memcpy(&copy, peer, sizeof(copy));
	if (mknet_check_area(&copy))
		return -EINVAL;
	if (priv->remote &&
	    !mknet_area_in_region(peer, mknet_area_size(copy.ring_size,
							 copy.num_queues)))
		return -EINVAL;
	nr = mknet_peer_ram(priv, mem, ARRAY_SIZE(mem));
	if (nr < 0)
		return nr;
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

	mknet_peer_view_set(&priv->peer, peer, &copy, mem, nr);
	WRITE_ONCE(priv->peer_gone, false);
	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		priv->peer_apicid[q] = copy.notify_apicid[q];
		priv->peer_bell[q] = bells[q];
		priv->txq[q].peer_ctl = (const void *)peer +
					mknet_area_rx_ctl_off(q);
		mknet_qp_take_up(&priv->qp[q], peer, &copy);
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

/**
 * mknet_area_reshape - give our end a fresh area of another shape
 * @priv: our end, its data path stopped and detached from the peer
 * @n: descriptors in each of our TX rings
 * @nq: TX rings
 *
 * A peer in another kernel reads our old area until it has our HELLO
 * with the new one: that one is kept, unusable, until we are attached
 * again.  A pair in one kernel attaches both ends before it returns.
 *
 * Context: RTNL held.
 * Return: 0, or the error of mknet_area_init(), the old area kept.
 */
int mknet_area_reshape(struct mknet_priv *priv, u32 n, u32 nq)
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
		struct mknet_ring_ctl *ctl = (void *)old + mknet_area_rx_ctl_off(q);

		WRITE_ONCE(ctl->epoch, MKNET_EPOCH_MOVED);
	}
	/* mknet_reshape_remote() freed or refused the one before. */
	priv->retired_size = old_size;
	priv->retired_bufs = old_bufs;
	priv->retired_nbufs = old_nbufs;
	WRITE_ONCE(priv->retired_area, old);
	return 0;
}
