// SPDX-License-Identifier: GPL-2.0-only
/*
 * How and when mknet tells the peer something: its messages, its
 * doorbells, and interrupt moderation.  Each queue pair asks the peer for
 * moderation (ethtool -C, or lib/dim choosing it from the traffic:
 * adaptive-rx and adaptive-tx, on by default) and carries out what the
 * peer asks of it: mknet_notify() decides every doorbell, for frames and
 * for completions alike, and the pair's timer rings those the peer's
 * moderation lets wait.  The doorbells themselves are here too, ours
 * for the peer to ring and the peer's: a link's are multikernel
 * doorbells (a pending bit and a bare IPI), and a pair's by default; a
 * pair's end may schedule its other end's NAPI directly instead.
 *
 * Each queue pair's NAPI context owns its timer and both DIM contexts:
 * it is what receives on queue q and completes our TX ring q.
 */
#include <linux/dim.h>
#include <linux/hrtimer.h>
#include <linux/netdevice.h>
#include "mknet.h"

/*
 * DIM's profiles for mknet, both directions: the first is no moderation
 * at all, where DIM starts and where it stays while holding doorbells
 * costs more throughput than the interrupts it saves (DIM weighs
 * throughput first, then the interrupt rate).  A held doorbell costs a
 * timer interrupt of the ringer's, so each later step holds for more
 * frames.  Users may change them (ethtool's rx-profile, tx-profile).
 */
static const struct dim_cq_moder mknet_dim_profile[NET_DIM_PARAMS_NUM_PROFILES] = {
	{ .usec = 0, .pkts = 1 },
	{ .usec = 8, .pkts = 32 },
	{ .usec = 32, .pkts = 64 },
	{ .usec = 64, .pkts = 128 },
	{ .usec = 128, .pkts = 256 },
};

/*
 * Completions wait by default, up to 1 ms: the answer to a request
 * carries them, so a ping-pong exchange costs two doorbells, not three or
 * four.  A sender whose queue stopped waiting for them gets them at once
 * (mknet_notify()).  The count is of descriptors consumed past the
 * completion event, which the sender moves to its newest frame at every
 * frame: it only tells on the half-ring event of a full ring.
 */
#define MKNET_TX_COAL_USECS	1000
#define MKNET_TX_COAL_FRAMES	64

/*
 * A lingering pair polls again this long after the last poll
 * (mknet_linger_next()): a stream's frames wait for it instead of
 * interrupting.  napi_defer_hard_irqs does the same for every poll.
 */
#define MKNET_LINGER_USECS	50

static void mknet_dim_set_profile(struct dim_cq_moder __rcu *rcu_profile)
{
	struct dim_cq_moder *p = rcu_dereference_protected(rcu_profile, true);
	int i;

	for (i = 0; i < NET_DIM_PARAMS_NUM_PROFILES; i++) {
		p[i].usec = mknet_dim_profile[i].usec;
		p[i].pkts = mknet_dim_profile[i].pkts;
	}
}

/* A profile entry as moderation we can do; users may edit the profiles. */
static void mknet_coal_apply(struct mknet_coal *c, const struct dim_cq_moder *m)
{
	if (!READ_ONCE(c->adaptive))
		return;
	WRITE_ONCE(c->usecs, min_t(u32, m->usec, MKNET_COAL_USECS_MAX));
	WRITE_ONCE(c->frames, min_t(u32, m->pkts, MKNET_RING_MAX));
}

static void mknet_rx_dim_work(struct work_struct *work)
{
	struct dim *dim = container_of(work, struct dim, work);
	struct mknet_qpair *qp = container_of(dim, struct mknet_qpair, rx_dim);
	struct dim_cq_moder m = net_dim_get_rx_irq_moder(qp->priv->dev, dim);

	mknet_coal_apply(&qp->coal, &m);
	dim->state = DIM_START_MEASURE;
}

static void mknet_tx_dim_work(struct work_struct *work)
{
	struct dim *dim = container_of(work, struct dim, work);
	struct mknet_qpair *qp = container_of(dim, struct mknet_qpair, tx_dim);
	struct mknet_priv *priv = qp->priv;
	struct dim_cq_moder m = net_dim_get_tx_irq_moder(priv->dev, dim);

	mknet_coal_apply(&priv->txq[qp->index].coal, &m);
	dim->state = DIM_START_MEASURE;
}

static enum hrtimer_restart mknet_linger_timer(struct hrtimer *t)
{
	struct mknet_qpair *qp = container_of(t, struct mknet_qpair,
					      linger_timer);

	napi_schedule(&qp->napi);
	return HRTIMER_NORESTART;
}

/**
 * mknet_coal_init - moderation of a new end: adaptive for frames, from no
 *	moderation; completions held
 * @priv: our end, its queues not yet in use
 *
 * Context: RTNL held.
 * Return: 0, or -ENOMEM.
 */
int mknet_coal_init(struct mknet_priv *priv)
{
	struct net_device *dev = priv->dev;
	struct dim_cq_moder m;
	int err;
	u32 q;

	err = net_dim_init_irq_moder(dev, DIM_PROFILE_RX | DIM_PROFILE_TX,
				     DIM_COALESCE_USEC | DIM_COALESCE_PKTS,
				     DIM_CQ_PERIOD_MODE_START_FROM_EQE,
				     DIM_CQ_PERIOD_MODE_START_FROM_EQE,
				     mknet_rx_dim_work, mknet_tx_dim_work);
	if (err)
		return err;
	/* Nobody reads the profiles before the device is registered. */
	mknet_dim_set_profile(dev->irq_moder->rx_profile);
	mknet_dim_set_profile(dev->irq_moder->tx_profile);
	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		struct mknet_qpair *qp = &priv->qp[q];

		qp->priv = priv;
		qp->index = q;
		hrtimer_init(&qp->bell_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		qp->bell_timer.function = mknet_bell_timer;
		hrtimer_init(&qp->linger_timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL);
		qp->linger_timer.function = mknet_linger_timer;
		net_dim_setting(dev, &qp->rx_dim, false);
		net_dim_setting(dev, &qp->tx_dim, true);
		qp->rx_dim.profile_ix = 0;
		qp->tx_dim.profile_ix = 0;
		qp->coal.adaptive = true;
		m = net_dim_get_rx_irq_moder(dev, &qp->rx_dim);
		mknet_coal_apply(&qp->coal, &m);
		priv->txq[q].coal.usecs = MKNET_TX_COAL_USECS;
		priv->txq[q].coal.frames = MKNET_TX_COAL_FRAMES;
	}
	return 0;
}

/**
 * mknet_coal_stop - no timer or DIM work of a queue pair runs after this
 * @qp: the queue pair, its NAPI context disabled or about to be deleted
 *
 * Context: process context, sleeps.
 */
void mknet_coal_stop(struct mknet_qpair *qp)
{
	hrtimer_cancel(&qp->bell_timer);
	hrtimer_cancel(&qp->linger_timer);
	qp->linger_left = 0;
	net_dim_work_cancel(&qp->rx_dim);
	net_dim_work_cancel(&qp->tx_dim);
}

/**
 * mknet_coal_free - undo mknet_coal_init()
 * @priv: our end, every queue pair stopped with mknet_coal_stop()
 *
 * Context: RTNL held.
 */
void mknet_coal_free(struct mknet_priv *priv)
{
	net_dim_free_irq_moder(priv->dev);
	priv->dev->irq_moder = NULL;
}

/**
 * mknet_coal_set - set the moderation of one queue pair
 * @priv: our end
 * @q: the queue pair, present or not (a later one starts with it)
 * @rx: receive moderation
 * @tx: completion moderation of our TX ring @q
 *
 * Turning adaptive moderation on starts DIM from no moderation.
 *
 * Context: RTNL held.
 */
void mknet_coal_set(struct mknet_priv *priv, u32 q, const struct mknet_coal *rx,
		    const struct mknet_coal *tx)
{
	struct mknet_qpair *qp = &priv->qp[q];
	struct mknet_txq *txq = &priv->txq[q];

	if (rx->adaptive && !qp->coal.adaptive)
		qp->rx_dim.profile_ix = 0;
	if (tx->adaptive && !txq->coal.adaptive)
		qp->tx_dim.profile_ix = 0;
	WRITE_ONCE(qp->coal.usecs, rx->usecs);
	WRITE_ONCE(qp->coal.frames, rx->frames);
	WRITE_ONCE(qp->coal.adaptive, rx->adaptive);
	WRITE_ONCE(txq->coal.usecs, tx->usecs);
	WRITE_ONCE(txq->coal.frames, tx->frames);
	WRITE_ONCE(txq->coal.adaptive, tx->adaptive);
	/* The poll publishes it; an idle pair's would wait for the watchdog. */
	if (q < priv->num_napi && netif_running(priv->dev)) {
		local_bh_disable();
		napi_schedule(&qp->napi);
		local_bh_enable();
	}
}

/**
 * mknet_send_to - send a message of ours to a CPU of the peer instance
 * @priv: our end
 * @apicid: physical APIC ID of the peer's CPU
 * @kind: &enum mknet_msg_kind; a HELLO or HELLO_ACK names our area, and
 *	a HELLO_ACK the peer's area we are attached to
 * @queue: zero
 *
 * Return: 0 or the error of mk_msg_send().
 */
int mknet_send_to(struct mknet_priv *priv, u32 apicid, u32 kind, u32 queue)
{
	struct mknet_msg m = {
		.dst_id = priv->peer_id,
		.src_id = priv->id,
		.kind = kind,
		.queue = queue,
	};

	if (kind == MKNET_MSG_HELLO || kind == MKNET_MSG_HELLO_ACK) {
		m.area_off = mk_region_offset(priv->area);
		m.area_gen = priv->area_gen;
	}
	/* The peer frees the area it retired only once we name its newest. */
	if (kind == MKNET_MSG_HELLO_ACK && READ_ONCE(priv->peer_attached)) {
		m.ack_off = mk_region_offset(priv->peer.area);
		m.ack_gen = priv->peer_area_gen;
	}
	return mk_msg_send(priv->peer_instance, apicid, MK_MSG_MKNET, &m,
			   sizeof(m));
}

/**
 * mknet_send_msg - send a state change to the other end
 * @priv: our end
 * @kind: &enum mknet_msg_kind
 * @queue: queue pair; the message goes to the peer's CPU for it
 *
 * Return: 0, -ENOTCONN before the ends are attached, or the error of
 * mk_msg_send().
 */
int mknet_send_msg(struct mknet_priv *priv, u32 kind, u32 queue)
{
	if (!READ_ONCE(priv->peer_attached))
		return -ENOTCONN;
	return mknet_send_to(priv, priv->peer_apicid[queue], kind, queue);
}

/* Whether a doorbell for @qp may schedule its NAPI; counts it if so. */
static bool mknet_bell_take(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	/* Pairs with the release in mknet_napi_resize(). */
	if (qp->index >= smp_load_acquire(&priv->num_napi)) {
		atomic64_inc(&priv->stray_bells);
		return false;
	}
	atomic64_inc(&qp->doorbells_received);
	return netif_running(priv->dev);
}

/*
 * The peer rang the doorbell of one of our queue pairs.  Called in hard
 * interrupt context by the multikernel core.
 */
static void mknet_bell_irq(u16 src_instance, void *ctx)
{
	struct mknet_qpair *qp = ctx;
	struct mknet_priv *priv = qp->priv;

	if (src_instance != priv->peer_instance) {
		atomic64_inc(&priv->stray_bells);
		return;
	}
	if (mknet_bell_take(priv, qp))
		napi_schedule_irqoff(&qp->napi);
}

/**
 * mknet_bells_register - get a multikernel doorbell for each queue pair
 * @priv: our end, not yet published
 *
 * One for every queue pair we may ever have, so that the doorbells we
 * publish never change while a peer uses them.
 *
 * Return: 0, or the error of mk_bell_register().
 */
int mknet_bells_register(struct mknet_priv *priv)
{
	u32 q;

	for (q = 0; q < MKNET_MAX_QUEUES; q++)
		priv->qp[q].bell = -1;
	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		int bell = mk_bell_register(mknet_bell_irq, &priv->qp[q]);

		if (bell < 0) {
			mknet_bells_unregister(priv);
			return bell;
		}
		priv->qp[q].bell = bell;
	}
	return 0;
}

/**
 * mknet_bells_unregister - undo mknet_bells_register()
 * @priv: our end
 *
 * Context: process context, sleeps.
 */
void mknet_bells_unregister(struct mknet_priv *priv)
{
	u32 q;

	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		mk_bell_unregister(priv->qp[q].bell);
		priv->qp[q].bell = -1;
	}
}

/*
 * Ring the other end of a pair as veth rings its peer: schedule its NAPI
 * context of queue pair @q on this CPU (mknet_ring_peer() says when),
 * through the same check and counter as a doorbell from another kernel.
 * Its lifetime: mknet_dellink() clears both loop_peer pointers before
 * unregistering, which waits for RCU readers.
 */
static int mknet_ring_pair(struct mknet_priv *priv, u32 q)
{
	struct net_device *peer;
	int err = -ENOTCONN;

	rcu_read_lock();
	peer = rcu_dereference(priv->loop_peer);
	if (peer) {
		struct mknet_priv *other = netdev_priv(peer);

		if (mknet_bell_take(other, &other->qp[q]))
			napi_schedule(&other->qp[q].napi);
		err = 0;
	}
	rcu_read_unlock();
	return err;
}

/*
 * Whether a pair's end rings its other end without an IPI: always with
 * ipi_doorbells off, and whenever the doorbell's CPU is the one we run
 * on, where an IPI would only interrupt us to schedule the same NAPI
 * context.  Read without pinning the CPU: after a migration the NAPI
 * context is scheduled on another CPU of ours, once.
 */
static bool mknet_ring_local(const struct mknet_priv *priv, u32 q)
{
	if (priv->remote)
		return false;
	return !READ_ONCE(priv->ipi_doorbells) ||
	       priv->peer_bell[q].apicid == mk_cpu_apicid(raw_smp_processor_id());
}

/**
 * mknet_ring_peer - ring the peer's doorbell of a queue pair
 * @priv: our end
 * @q: the queue pair
 *
 * A link rings the multikernel doorbell its peer named, and so does a
 * pair's end by default when that doorbell is another CPU's.  Otherwise
 * a pair's end schedules its other end's NAPI here.  With debugfs
 * ipi_doorbells 0 it always does: round trips then take no IPI, but the
 * receiver's copy and stack run on the sender's CPU, which halved a TCP
 * stream over a pair in a bench run.
 *
 * Return: 0, -ENOTCONN before the ends are attached, or the error of
 * mk_bell_ring(): the peer stopped or moved, which the watchdog handles.
 */
int mknet_ring_peer(struct mknet_priv *priv, u32 q)
{
	if (!READ_ONCE(priv->peer_attached))
		return -ENOTCONN;
	if (mknet_ring_local(priv, q))
		return mknet_ring_pair(priv, q);
	return mk_bell_ring(&priv->peer_bell[q]);
}

static ktime_t mknet_usecs(u32 usecs)
{
	return ns_to_ktime((u64)usecs * NSEC_PER_USEC);
}

/* A doorbell went: one held for the same pair would be spare. */
static void mknet_bell_rung(struct mknet_priv *priv, u32 q)
{
	struct mknet_qpair *qp = &priv->qp[q];

	WRITE_ONCE(qp->bell_last, ktime_get());
	if (hrtimer_is_queued(&qp->bell_timer))
		hrtimer_try_to_cancel(&qp->bell_timer);
}

/*
 * Hold a doorbell the peer's moderation lets wait: the pair's timer rings
 * it when the wait is over, unless a doorbell goes before.  Of two waits,
 * the shorter wins; within a microsecond (the rounding of the rest of an
 * interval, which every frame of a flood computes anew) the running one
 * does, so that a flood does not restart the timer at each frame.
 */
static void mknet_bell_defer(struct mknet_priv *priv, u32 q, u32 usecs)
{
	struct hrtimer *t = &priv->qp[q].bell_timer;

	if (hrtimer_is_queued(t) &&
	    ktime_before(hrtimer_get_remaining(t), mknet_usecs(usecs + 1)))
		return;
	hrtimer_start(t, mknet_usecs(usecs), HRTIMER_MODE_REL_PINNED);
}

/**
 * mknet_bell_timer - ring a doorbell the peer let us hold
 * @t: &mknet_qpair.bell_timer
 *
 * Context: hard interrupt.  Frames or completions covered by a doorbell
 * that went before make this one spare: the peer then just polls once
 * more.
 *
 * Return: %HRTIMER_NORESTART.
 */
enum hrtimer_restart mknet_bell_timer(struct hrtimer *t)
{
	struct mknet_qpair *qp = container_of(t, struct mknet_qpair, bell_timer);
	struct mknet_priv *priv = qp->priv;

	/* Refused only when the peer stopped or moved: the watchdog's. */
	if (!mknet_ring_peer(priv, qp->index)) {
		WRITE_ONCE(qp->bell_last, ktime_get());
		atomic64_inc(&qp->bell_timer_rang);
	}
	return HRTIMER_NORESTART;
}

/*
 * How long a doorbell the peer wants may wait under the moderation it
 * asked for (mknet_coal_wait()).  A doorbell for frames is spaced from
 * the last doorbell of the pair by the interval.  A completion is held
 * the whole interval from the first, since no one waits on it as on a
 * frame, and a doorbell for frames of ours that goes meanwhile (the
 * answer to a request) carries it; but not while the peer's queue is
 * stopped waiting for it.  The clock is read only when there is
 * moderation to apply.
 */
static u32 mknet_notify_wait(struct mknet_priv *priv, u32 q, bool frames,
			     const struct mknet_ring_ctl *peer, u32 usecs,
			     u32 nframes, u32 past)
{
	s64 since = 0;

	if (!usecs || (nframes && past >= nframes))
		return 0;
	if (!frames && READ_ONCE(peer->stopped))
		return 0;
	if (frames)
		since = max_t(s64, ktime_us_delta(ktime_get(),
						  READ_ONCE(priv->qp[q].bell_last)), 0);
	return mknet_coal_wait(usecs, nframes, past, since);
}

/**
 * mknet_notify - ring the peer's doorbell of a queue pair, if it asked
 * @priv: our end
 * @q: the queue pair
 * @frames: for frames we published on our TX ring @q; false: for
 *	descriptors we consumed of the peer's TX ring @q (a completion)
 * @bounded: set when the peer asked for more moderation than we allow
 *
 * The one rule for both of mknet's doorbells: the peer's event index in
 * the ring's control says whether it wants to hear of the index we
 * moved (virtio's event index), and the moderation it publishes beside
 * it how long the doorbell may wait.  A held doorbell goes on the pair's
 * timer.  One that is held, or cannot be sent (the peer stopped or
 * moved), stays owed: the index notified keeps its old value, so the
 * next decision, the timer or the watchdog's republishing still covers
 * what it was for.
 *
 * Context: for frames, the TX queue lock of @q held; for a completion,
 * the poll of queue pair @q.
 * Return: what was done, &enum mknet_notified.
 */
enum mknet_notified mknet_notify(struct mknet_priv *priv, u32 q, bool frames,
				 bool *bounded)
{
	const struct mknet_ring_ctl *peer;
	u32 index, *notified, ring_size, event, usecs, nframes, wait;

	if (frames) {
		struct mknet_txq *txq = &priv->txq[q];

		peer = txq->peer_ctl;
		index = txq->prod;
		notified = &txq->notified;
		ring_size = priv->ring_size;
	} else {
		struct mknet_qpair *qp = &priv->qp[q];

		peer = qp->peer_ctl;
		index = qp->cons;
		notified = &qp->cons_notified;
		ring_size = priv->peer.ring_size;
	}
	if (index == *notified)
		return MKNET_NOTIFY_NONE;
	/* Our index must be visible before we read the event. */
	smp_mb();
	event = READ_ONCE(peer->event);
	if (!mknet_need_event(event, index, *notified)) {
		*notified = index;
		return MKNET_NOTIFY_SUPPRESSED;
	}
	usecs = READ_ONCE(peer->coal_usecs);
	nframes = READ_ONCE(peer->coal_frames);
	*bounded = mknet_coal_bound(&usecs, &nframes, ring_size);
	wait = mknet_notify_wait(priv, q, frames, peer, usecs, nframes,
				 index - event);
	if (wait) {
		mknet_bell_defer(priv, q, wait);
		return MKNET_NOTIFY_HELD;
	}
	if (mknet_ring_peer(priv, q))
		return MKNET_NOTIFY_BUSY;
	mknet_bell_rung(priv, q);
	*notified = index;
	return MKNET_NOTIFY_RANG;
}

/* Write one direction's moderation into our area if it changed. */
static void mknet_coal_write(const struct mknet_coal *want,
			     struct mknet_coal *published, u32 *usecs,
			     u32 *frames, bool always)
{
	u32 u = READ_ONCE(want->usecs), f = READ_ONCE(want->frames);

	if (!always && u == published->usecs && f == published->frames)
		return;
	published->usecs = u;
	published->frames = f;
	WRITE_ONCE(*usecs, u);
	WRITE_ONCE(*frames, f);
}

/**
 * mknet_coal_publish - write the moderation a queue pair wants into our area
 * @priv: our end
 * @qp: the queue pair
 * @always: write it even if it did not change (the watchdog's republish)
 *
 * For the frames the peer sends us on @qp, and for the completions of
 * our TX ring of its index.
 *
 * Context: the poll of @qp, the only writer of those words.
 */
void mknet_coal_publish(struct mknet_priv *priv, struct mknet_qpair *qp,
			bool always)
{
	struct mknet_txq *txq = &priv->txq[qp->index];

	mknet_coal_write(&qp->coal, &qp->published[0], &qp->ctl->coal_usecs,
			 &qp->ctl->coal_frames, always);
	if (qp->index < priv->num_queues)
		mknet_coal_write(&txq->coal, &qp->published[1],
				 &txq->ctl->coal_usecs, &txq->ctl->coal_frames,
				 always);
}

/**
 * mknet_coal_linger - whether a completed poll leaves the doorbell off
 * @priv: our end
 * @qp: the queue pair
 *
 * What the pair moved since its last poll, received and sent on our TX
 * ring of its index, decides (mknet_linger_next()).  A poll that lingers
 * does not ask the peer for a doorbell: the peer takes our NAPI context
 * for on (mknet_peer_napi_on()) while its frames wait, and
 * @qp->linger_timer polls again.
 *
 * Context: the poll of @qp, after napi_complete_done() said it completed.
 * Return: true if the poll lingers; false if it asks for a doorbell now.
 */
bool mknet_coal_linger(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	u64 rx = u64_stats_read(&qp->stats.bytes), tx = qp->linger_tx, moved;
	struct mknet_txq *txq = &priv->txq[qp->index];
	u64 all, xdp;

	/*
	 * Only the stack's frames: XDP's are not a socket's stream, and an
	 * XDP_TX bounce is as quick as its doorbells.  Read without the TX
	 * lock, the difference may run ahead of a later one: it only goes
	 * forward here.
	 */
	if (qp->index < priv->num_queues) {
		xdp = READ_ONCE(txq->xdp_bytes);
		all = u64_stats_read(&txq->stats.bytes);
		if (all > xdp)
			tx = max(tx, all - xdp);
	}
	moved = rx - qp->linger_rx + tx - qp->linger_tx;
	qp->linger_rx = rx;
	qp->linger_tx = tx;
	if (!mknet_linger_next(&qp->linger_left, moved,
			       READ_ONCE(qp->coal.adaptive)))
		return false;
	mknet_qp_count(qp, &qp->stats.polls_lingered);
	hrtimer_start(&qp->linger_timer, mknet_usecs(MKNET_LINGER_USECS),
		      HRTIMER_MODE_REL_PINNED);
	return true;
}

/**
 * mknet_dim_sample - feed lib/dim what a queue pair moved since the last time
 * @priv: our end
 * @qp: the queue pair
 *
 * Context: the poll of @qp.
 */
void mknet_dim_sample(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	struct mknet_txq *txq = &priv->txq[qp->index];
	/* The interrupts moderation is about: our doorbells, either kind. */
	u16 events = atomic64_read(&qp->doorbells_received);
	struct dim_sample s = {};

	if (READ_ONCE(qp->coal.adaptive)) {
		dim_update_sample(events, u64_stats_read(&qp->stats.packets),
				  u64_stats_read(&qp->stats.bytes), &s);
		net_dim(&qp->rx_dim, s);
	}
	/* Only this pair's poll samples our TX ring of its index. */
	if (qp->index < priv->num_queues && READ_ONCE(txq->coal.adaptive)) {
		dim_update_sample(events, u64_stats_read(&txq->stats.packets),
				  u64_stats_read(&txq->stats.bytes), &s);
		net_dim(&qp->tx_dim, s);
	}
}
