// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet interrupt moderation: what each queue pair asks of the peer
 * (ethtool -C), lib/dim choosing it from the traffic (adaptive-rx and
 * adaptive-tx, on by default), and the timer that holds the doorbells
 * the peer's own moderation lets wait.
 *
 * Each queue pair's NAPI context owns its timer and both DIM contexts:
 * it is what receives on queue q and completes our TX ring q.  How the
 * data path publishes and honours the values is in mknet_txrx.c.
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

/**
 * mknet_coal_init - moderation of a new end: adaptive, from no moderation
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
		net_dim_setting(dev, &qp->rx_dim, false);
		net_dim_setting(dev, &qp->tx_dim, true);
		qp->rx_dim.profile_ix = 0;
		qp->tx_dim.profile_ix = 0;
		qp->coal.adaptive = true;
		priv->txq[q].coal.adaptive = true;
		m = net_dim_get_rx_irq_moder(dev, &qp->rx_dim);
		mknet_coal_apply(&qp->coal, &m);
		m = net_dim_get_tx_irq_moder(dev, &qp->tx_dim);
		mknet_coal_apply(&priv->txq[q].coal, &m);
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
