// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet ethtool: driver info, ring and channel geometry (a change stops
 * the data path and gives the ends fresh areas, mknet_area.c), interrupt
 * moderation, and the counters that are ours alone (the standard ones are
 * in ndo_get_stats64).
 */
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/multikernel.h>
#include <linux/rtnetlink.h>
#include <net/page_pool/helpers.h>
#include "mknet.h"

struct mknet_stat_desc {
	char name[ETH_GSTRING_LEN];
	size_t offset;
};

#define MKNET_TX_STAT(_name, _field) \
	{ _name, offsetof(struct mknet_tx_stats, _field) }
#define MKNET_RX_STAT(_name, _field) \
	{ _name, offsetof(struct mknet_rx_stats, _field) }

static const struct mknet_stat_desc mknet_tx_stat_desc[] = {
	MKNET_TX_STAT("doorbells", doorbells),
	MKNET_TX_STAT("doorbells_suppressed", doorbells_suppressed),
	MKNET_TX_STAT("doorbell_busy", doorbell_busy),
	MKNET_TX_STAT("ring_full", ring_full),
	MKNET_TX_STAT("dropped", dropped),
	MKNET_TX_STAT("drop_detached", drop_detached),
	MKNET_TX_STAT("drop_bad_frame", drop_bad_frame),
	MKNET_TX_STAT("drop_no_room", drop_no_room),
	MKNET_TX_STAT("linearized", linearized),
	MKNET_TX_STAT("timeouts", timeouts),
	MKNET_TX_STAT("reclaims", reclaims),
	MKNET_TX_STAT("doorbells_deferred", doorbells_deferred),
	MKNET_TX_STAT("peer_coal_bounded", peer_coal_bounded),
	MKNET_TX_STAT("xdp_xmit", xdp_xmit),
	MKNET_TX_STAT("xdp_xmit_errors", xdp_xmit_errors),
};

static const struct mknet_stat_desc mknet_rx_stat_desc[] = {
	MKNET_RX_STAT("polls", polls),
	MKNET_RX_STAT("polls_lingered", polls_lingered),
	MKNET_RX_STAT("completion_doorbells", completion_doorbells),
	MKNET_RX_STAT("completion_doorbell_busy", completion_doorbell_busy),
	MKNET_RX_STAT("completions_covered", completions_covered),
	MKNET_RX_STAT("completions_deferred", completions_deferred),
	MKNET_RX_STAT("completions_rescheduled", completions_rescheduled),
	MKNET_RX_STAT("peer_coal_bounded", peer_coal_bounded),
	MKNET_RX_STAT("queue_wakes", wakes),
	MKNET_RX_STAT("tx_completed", tx_completed),
	MKNET_RX_STAT("tx_freed_in_flight", tx_freed_in_flight),
	MKNET_RX_STAT("peer_resets", peer_resets),
	MKNET_RX_STAT("drop_peer_reset", drop_peer_reset),
	MKNET_RX_STAT("bad_peer_cons", bad_peer_cons),
	MKNET_RX_STAT("drop_bad_index", bad_index),
	MKNET_RX_STAT("drop_bad_desc", bad_desc),
	MKNET_RX_STAT("drop_bad_addr", bad_addr),
	MKNET_RX_STAT("drop_bad_hdr", bad_hdr),
	MKNET_RX_STAT("drop_poisoned", poisoned),
	MKNET_RX_STAT("drop_nomem", nomem),
	MKNET_RX_STAT("xdp_packets", xdp_packets),
	MKNET_RX_STAT("xdp_drops", xdp_drops),
	MKNET_RX_STAT("xdp_tx", xdp_tx),
	MKNET_RX_STAT("xdp_redirect", xdp_redirect),
	MKNET_RX_STAT("xdp_tx_errors", xdp_tx_errors),
	MKNET_RX_STAT("xdp_redirect_errors", xdp_redirect_errors),
	MKNET_RX_STAT("drop_xdp_too_big", xdp_too_big),
};

#define MKNET_N_TX_STATS	ARRAY_SIZE(mknet_tx_stat_desc)
/* Plus the doorbells taken in the IPI handler, and rung by the timer. */
#define MKNET_N_RX_STATS	(ARRAY_SIZE(mknet_rx_stat_desc) + 2)

/*
 * Per queue, for the queues that are there now: rxN for each NAPI
 * context (it also wakes txN), txN for each of our TX rings.  Counts and
 * strings agree because both are read under RTNL, which any change of
 * the queue count holds.  The page_pool counters, summed over the
 * queues, come last.
 */
static u32 mknet_n_stats(const struct mknet_priv *priv)
{
	return priv->num_queues * MKNET_N_TX_STATS +
	       priv->num_napi * MKNET_N_RX_STATS + 2 +
	       page_pool_ethtool_stats_get_count();
}

static void mknet_get_drvinfo(struct net_device *dev,
			      struct ethtool_drvinfo *info)
{
	struct mknet_priv *priv = netdev_priv(dev);

	strscpy(info->driver, MKNET_DRV_NAME, sizeof(info->driver));
	snprintf(info->bus_info, sizeof(info->bus_info), "mk%u:%u-mk%u:%u",
		 mk_self_instance(), priv->id, priv->peer_instance,
		 priv->peer_id);
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
		if (mknet_peer_running(priv)) {
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
static int mknet_reshape(struct mknet_priv *priv, u32 tx, u32 rx, u32 queues,
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

static void mknet_get_ringparam(struct net_device *dev,
				struct ethtool_ringparam *ring,
				struct kernel_ethtool_ringparam *kring,
				struct netlink_ext_ack *extack)
{
	struct mknet_priv *priv = netdev_priv(dev);

	ring->rx_max_pending = MKNET_RING_MAX;
	ring->tx_max_pending = MKNET_RING_MAX;
	ring->tx_pending = priv->ring_size;
	/* We receive from the peer's TX rings. */
	ring->rx_pending = priv->peer.ring_size;
}

static int mknet_set_ringparam(struct net_device *dev,
			       struct ethtool_ringparam *ring,
			       struct kernel_ethtool_ringparam *kring,
			       struct netlink_ext_ack *extack)
{
	struct mknet_priv *priv = netdev_priv(dev);

	if (!mknet_ring_size_valid(ring->tx_pending) ||
	    !mknet_ring_size_valid(ring->rx_pending)) {
		NL_SET_ERR_MSG_FMT(extack,
				   "ring sizes are powers of two from %u to %u",
				   MKNET_RING_MIN, MKNET_RING_MAX);
		return -EINVAL;
	}
	return mknet_reshape(priv, ring->tx_pending, ring->rx_pending,
			     priv->num_queues, extack);
}

static void mknet_get_channels(struct net_device *dev,
			       struct ethtool_channels *ch)
{
	struct mknet_priv *priv = netdev_priv(dev);

	ch->max_combined = mknet_max_queues(dev);
	ch->combined_count = priv->num_queues;
}

/* The core has checked the count against max_combined already. */
static int mknet_set_channels(struct net_device *dev,
			      struct ethtool_channels *ch)
{
	struct mknet_priv *priv = netdev_priv(dev);

	return mknet_reshape(priv, priv->ring_size, priv->peer.ring_size,
			     ch->combined_count, NULL);
}

static void mknet_coal_to_ethtool(const struct mknet_coal *rx,
				  const struct mknet_coal *tx,
				  struct ethtool_coalesce *ec)
{
	ec->rx_coalesce_usecs = READ_ONCE(rx->usecs);
	ec->rx_max_coalesced_frames = READ_ONCE(rx->frames);
	ec->use_adaptive_rx_coalesce = READ_ONCE(rx->adaptive);
	ec->tx_coalesce_usecs = READ_ONCE(tx->usecs);
	ec->tx_max_coalesced_frames = READ_ONCE(tx->frames);
	ec->use_adaptive_tx_coalesce = READ_ONCE(tx->adaptive);
}

static int mknet_coal_check(u32 usecs, u32 frames, const char *dir,
			    struct netlink_ext_ack *extack)
{
	if (usecs > MKNET_COAL_USECS_MAX) {
		NL_SET_ERR_MSG_FMT(extack, "%s-usecs: at most %u", dir,
				   MKNET_COAL_USECS_MAX);
		return -EINVAL;
	}
	if (frames > MKNET_RING_MAX) {
		NL_SET_ERR_MSG_FMT(extack, "%s-frames: at most %u, the largest ring",
				   dir, MKNET_RING_MAX);
		return -EINVAL;
	}
	/* With no interval, nothing waits: a count is kept but means nothing. */
	return 0;
}

static int mknet_coal_from_ethtool(const struct ethtool_coalesce *ec,
				   struct mknet_coal *rx, struct mknet_coal *tx,
				   struct netlink_ext_ack *extack)
{
	int err;

	err = mknet_coal_check(ec->rx_coalesce_usecs,
			       ec->rx_max_coalesced_frames, "rx", extack);
	if (!err)
		err = mknet_coal_check(ec->tx_coalesce_usecs,
				       ec->tx_max_coalesced_frames, "tx", extack);
	if (err)
		return err;
	rx->usecs = ec->rx_coalesce_usecs;
	rx->frames = ec->rx_max_coalesced_frames;
	rx->adaptive = ec->use_adaptive_rx_coalesce;
	tx->usecs = ec->tx_coalesce_usecs;
	tx->frames = ec->tx_max_coalesced_frames;
	tx->adaptive = ec->use_adaptive_tx_coalesce;
	return 0;
}

/* The device's moderation is its first queue pair's. */
static int mknet_get_coalesce(struct net_device *dev,
			      struct ethtool_coalesce *ec,
			      struct kernel_ethtool_coalesce *kec,
			      struct netlink_ext_ack *extack)
{
	struct mknet_priv *priv = netdev_priv(dev);

	mknet_coal_to_ethtool(&priv->qp[0].coal, &priv->txq[0].coal, ec);
	return 0;
}

/* Every queue pair, including those a later `ethtool -L` adds. */
static int mknet_set_coalesce(struct net_device *dev,
			      struct ethtool_coalesce *ec,
			      struct kernel_ethtool_coalesce *kec,
			      struct netlink_ext_ack *extack)
{
	struct mknet_priv *priv = netdev_priv(dev);
	struct mknet_coal rx, tx;
	int err;
	u32 q;

	err = mknet_coal_from_ethtool(ec, &rx, &tx, extack);
	if (err)
		return err;
	for (q = 0; q < MKNET_MAX_QUEUES; q++)
		mknet_coal_set(priv, q, &rx, &tx);
	return 0;
}

static int mknet_get_per_queue_coalesce(struct net_device *dev, u32 q,
					struct ethtool_coalesce *ec)
{
	struct mknet_priv *priv = netdev_priv(dev);

	if (q >= priv->num_napi)
		return -EINVAL;
	mknet_coal_to_ethtool(&priv->qp[q].coal, &priv->txq[q].coal, ec);
	return 0;
}

static int mknet_set_per_queue_coalesce(struct net_device *dev, u32 q,
					struct ethtool_coalesce *ec)
{
	struct mknet_priv *priv = netdev_priv(dev);
	struct mknet_coal rx, tx;
	int err;

	if (q >= priv->num_napi)
		return -EINVAL;
	err = mknet_coal_from_ethtool(ec, &rx, &tx, NULL);
	if (err)
		return err;
	mknet_coal_set(priv, q, &rx, &tx);
	return 0;
}

static int mknet_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? mknet_n_stats(netdev_priv(dev)) :
	       -EOPNOTSUPP;
}

static void mknet_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	struct mknet_priv *priv = netdev_priv(dev);
	unsigned int i, q;

	if (sset != ETH_SS_STATS)
		return;
	for (q = 0; q < priv->num_queues; q++)
		for (i = 0; i < MKNET_N_TX_STATS; i++)
			ethtool_sprintf(&buf, "tx%u_%s", q,
					mknet_tx_stat_desc[i].name);
	for (q = 0; q < priv->num_napi; q++) {
		for (i = 0; i < ARRAY_SIZE(mknet_rx_stat_desc); i++)
			ethtool_sprintf(&buf, "rx%u_%s", q,
					mknet_rx_stat_desc[i].name);
		ethtool_sprintf(&buf, "rx%u_doorbells_received", q);
		ethtool_sprintf(&buf, "rx%u_doorbells_timed", q);
	}
	ethtool_puts(&buf, "drop_bad_hello");
	ethtool_puts(&buf, "stray_doorbells");
	page_pool_ethtool_stats_get_strings(buf);
}

static void mknet_get_page_pool_stats(struct mknet_priv *priv, u64 *data)
{
#ifdef CONFIG_PAGE_POOL_STATS
	struct page_pool_stats pp = {};
	u32 q;

	for (q = 0; q < priv->num_napi; q++)
		page_pool_get_stats(priv->qp[q].page_pool, &pp);
	page_pool_ethtool_stats_get(data, &pp);
#endif
}

static void mknet_get_ethtool_stats(struct net_device *dev,
				    struct ethtool_stats *stats, u64 *data)
{
	struct mknet_priv *priv = netdev_priv(dev);
	unsigned int start, i, q;

	for (q = 0; q < priv->num_queues; q++) {
		const struct mknet_tx_stats *tx = &priv->txq[q].stats;

		do {
			start = u64_stats_fetch_begin(&tx->syncp);
			for (i = 0; i < MKNET_N_TX_STATS; i++)
				data[i] = u64_stats_read((void *)tx +
						mknet_tx_stat_desc[i].offset);
		} while (u64_stats_fetch_retry(&tx->syncp, start));
		data += MKNET_N_TX_STATS;
	}
	for (q = 0; q < priv->num_napi; q++) {
		const struct mknet_rx_stats *rx = &priv->qp[q].stats;

		do {
			start = u64_stats_fetch_begin(&rx->syncp);
			for (i = 0; i < ARRAY_SIZE(mknet_rx_stat_desc); i++)
				data[i] = u64_stats_read((void *)rx +
						mknet_rx_stat_desc[i].offset);
		} while (u64_stats_fetch_retry(&rx->syncp, start));
		data[i] = atomic64_read(&priv->qp[q].doorbells_received);
		data[i + 1] = atomic64_read(&priv->qp[q].bell_timer_rang);
		data += MKNET_N_RX_STATS;
	}
	data[0] = atomic64_read(&priv->bad_hellos);
	data[1] = atomic64_read(&priv->stray_bells);
	mknet_get_page_pool_stats(priv, data + 2);
}

const struct ethtool_ops mknet_ethtool_ops = {
	.supported_coalesce_params = ETHTOOL_COALESCE_USECS |
				     ETHTOOL_COALESCE_MAX_FRAMES |
				     ETHTOOL_COALESCE_USE_ADAPTIVE |
				     ETHTOOL_COALESCE_RX_PROFILE |
				     ETHTOOL_COALESCE_TX_PROFILE,
	.get_drvinfo		= mknet_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_ringparam		= mknet_get_ringparam,
	.set_ringparam		= mknet_set_ringparam,
	.get_channels		= mknet_get_channels,
	.set_channels		= mknet_set_channels,
	.get_sset_count		= mknet_get_sset_count,
	.get_strings		= mknet_get_strings,
	.get_ethtool_stats	= mknet_get_ethtool_stats,
	.get_coalesce		= mknet_get_coalesce,
	.set_coalesce		= mknet_set_coalesce,
	.get_per_queue_coalesce	= mknet_get_per_queue_coalesce,
	.set_per_queue_coalesce	= mknet_set_per_queue_coalesce,
};
