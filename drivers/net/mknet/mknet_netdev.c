// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet net_device: our area in the shared region, open and stop, MTU and
 * the standard statistics.
 */
#include <linux/etherdevice.h>
#include <linux/multikernel.h>
#include <net/netdev_queues.h>
#include "mknet.h"

/**
 * mknet_area_init - allocate and lay out our area in the shared region
 * @priv: our end
 * @n: descriptors in our TX ring
 * @napi_cpu: CPU the peer should ring our doorbell on
 *
 * Any previous area is left to the caller to free.
 *
 * Return: 0 or -ENOMEM.
 */
int mknet_area_init(struct mknet_priv *priv, u32 n, int napi_cpu)
{
	phys_addr_t phys;
	void *va;

	va = mk_pool_alloc(mknet_area_size(n), &phys);
	if (!va)
		return -ENOMEM;
	memset(va, 0, mknet_area_buf_off(n));

	priv->ring_size = n;
	priv->area_size = mknet_area_size(n);
	priv->area = va;
	priv->tx_ctl = va + sizeof(struct mknet_area);
	priv->rx_ctl = (void *)priv->tx_ctl + sizeof(struct mknet_tx_ctl);
	priv->desc = va + mknet_area_desc_off();
	priv->bufs = va + mknet_area_buf_off(n);
	priv->napi_cpu = napi_cpu;
	priv->tx_prod = 0;
	priv->tx_notified = 0;
	priv->rx_cons = 0;

	priv->area->ring_size = n;
	priv->area->state = MKNET_STATE_DOWN;
	priv->area->notify_apicid = mk_cpu_apicid(napi_cpu);
	priv->area->version = MKNET_AREA_VERSION;
	/* The magic last: a peer that sees it sees a complete header. */
	smp_store_release(&priv->area->magic, MKNET_AREA_MAGIC);
	return 0;
}

void mknet_area_free(struct mknet_priv *priv)
{
	if (!priv->area)
		return;
	WRITE_ONCE(priv->area->magic, 0);
	mk_pool_free(priv->area, priv->area_size);
	priv->area = NULL;
}

/**
 * mknet_attach_peer - start using the peer's area
 * @priv: our end
 * @peer: the peer's area header, inside the shared region
 *
 * The peer's geometry is copied and checked once here; the data path
 * trusts only this copy.
 *
 * Return: 0, or -EINVAL if the header or its extent is not acceptable.
 */
int mknet_attach_peer(struct mknet_priv *priv, const struct mknet_area *peer)
{
	struct mknet_peer_view *v = &priv->peer;
	struct mknet_area copy;
	const void *base = peer;

	memcpy(&copy, peer, sizeof(copy));
	if (mknet_check_area(&copy))
		return -EINVAL;
	if (!mk_region_ptr(mk_region_offset(peer), mknet_area_size(copy.ring_size)))
		return -EINVAL;

	v->area = peer;
	v->tx_ctl = base + sizeof(struct mknet_area);
	v->rx_ctl = (const void *)v->tx_ctl + sizeof(struct mknet_tx_ctl);
	v->desc = base + mknet_area_desc_off();
	v->bufs = base + mknet_area_buf_off(copy.ring_size);
	v->ring_size = copy.ring_size;
	priv->peer_apicid = copy.notify_apicid;
	/* Take up the peer's ring where it is now. */
	priv->rx_cons = READ_ONCE(v->tx_ctl->prod);
	priv->peer_broken = false;
	WRITE_ONCE(priv->rx_ctl->cons, priv->rx_cons);
	WRITE_ONCE(priv->rx_ctl->prod_event, priv->rx_cons);
	/* The view above is complete before the data path may use it. */
	smp_store_release(&priv->peer_attached, true);
	return 0;
}

/**
 * mknet_datapath_start - let frames and doorbells flow on an up device
 * @priv: our end
 */
void mknet_datapath_start(struct mknet_priv *priv)
{
	struct net_device *dev = priv->dev;

	napi_enable(&priv->napi);
	/* The peer sees UP only with our NAPI ready for its doorbells. */
	smp_store_release(&priv->area->state, MKNET_STATE_UP);
	netif_start_queue(dev);
	mknet_send_msg(priv, MKNET_MSG_STATE);
	mknet_update_carrier(priv);
	mod_timer(&priv->watchdog, jiffies + MKNET_WATCHDOG);
	/* Frames the peer queued while we were down. */
	local_bh_disable();
	napi_schedule(&priv->napi);
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

	/* Pairs with the peer's carrier check reading our state. */
	smp_store_release(&priv->area->state, MKNET_STATE_DOWN);
	mknet_send_msg(priv, MKNET_MSG_STATE);
	netif_carrier_off(dev);
	netif_tx_disable(dev);
	timer_delete_sync(&priv->watchdog);
	cancel_work_sync(&priv->carrier_work);
	napi_disable(&priv->napi);
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
	/*
	 * A frame is a chain of page buffers, so the ring needs no change:
	 * the new MTU applies from the next frame on, even while up.
	 */
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;
}

static void mknet_get_stats64(struct net_device *dev,
			      struct rtnl_link_stats64 *s)
{
	struct mknet_priv *priv = netdev_priv(dev);
	const struct mknet_tx_stats *tx = &priv->tx_stats;
	const struct mknet_rx_stats *rx = &priv->rx_stats;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&tx->syncp);
		s->tx_packets = u64_stats_read(&tx->packets);
		s->tx_bytes = u64_stats_read(&tx->bytes);
		s->tx_dropped = u64_stats_read(&tx->dropped);
	} while (u64_stats_fetch_retry(&tx->syncp, start));

	do {
		start = u64_stats_fetch_begin(&rx->syncp);
		s->rx_packets = u64_stats_read(&rx->packets);
		s->rx_bytes = u64_stats_read(&rx->bytes);
		s->rx_dropped = u64_stats_read(&rx->nomem);
		s->rx_errors = u64_stats_read(&rx->bad_desc) +
			       u64_stats_read(&rx->bad_hdr);
		s->rx_frame_errors = u64_stats_read(&rx->bad_desc);
	} while (u64_stats_fetch_retry(&rx->syncp, start));
}

static void mknet_get_queue_stats_rx(struct net_device *dev, int idx,
				     struct netdev_queue_stats_rx *s)
{
	struct mknet_priv *priv = netdev_priv(dev);
	const struct mknet_rx_stats *rx = &priv->rx_stats;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&rx->syncp);
		s->packets = u64_stats_read(&rx->packets);
		s->bytes = u64_stats_read(&rx->bytes);
		s->alloc_fail = u64_stats_read(&rx->nomem);
	} while (u64_stats_fetch_retry(&rx->syncp, start));
}

static void mknet_get_queue_stats_tx(struct net_device *dev, int idx,
				     struct netdev_queue_stats_tx *s)
{
	struct mknet_priv *priv = netdev_priv(dev);
	const struct mknet_tx_stats *tx = &priv->tx_stats;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&tx->syncp);
		s->packets = u64_stats_read(&tx->packets);
		s->bytes = u64_stats_read(&tx->bytes);
		s->stop = u64_stats_read(&tx->ring_full);
	} while (u64_stats_fetch_retry(&tx->syncp, start));
}

static void mknet_get_base_stats(struct net_device *dev,
				 struct netdev_queue_stats_rx *rx,
				 struct netdev_queue_stats_tx *tx)
{
	/* Every counter lives in the one queue pair, which never goes away. */
	rx->packets = 0;
	rx->bytes = 0;
	rx->alloc_fail = 0;
	tx->packets = 0;
	tx->bytes = 0;
	tx->stop = 0;
}

static const struct netdev_stat_ops mknet_stat_ops = {
	.get_queue_stats_rx	= mknet_get_queue_stats_rx,
	.get_queue_stats_tx	= mknet_get_queue_stats_tx,
	.get_base_stats		= mknet_get_base_stats,
};

static void mknet_uninit(struct net_device *dev)
{
	mknet_link_release(netdev_priv(dev));
}

static const struct net_device_ops mknet_netdev_ops = {
	.ndo_uninit		= mknet_uninit,
	.ndo_open		= mknet_open,
	.ndo_stop		= mknet_stop,
	.ndo_start_xmit		= mknet_start_xmit,
	.ndo_change_mtu		= mknet_change_mtu,
	.ndo_get_stats64	= mknet_get_stats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

#define MKNET_FEATURES	(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM | \
			 NETIF_F_HIGHDMA | NETIF_F_TSO | NETIF_F_TSO6 | \
			 NETIF_F_TSO_ECN | NETIF_F_GRO)

void mknet_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &mknet_netdev_ops;
	dev->ethtool_ops = &mknet_ethtool_ops;
	dev->stat_ops = &mknet_stat_ops;
	dev->needs_free_netdev = true;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->features |= MKNET_FEATURES;
	dev->hw_features |= MKNET_FEATURES;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
	netif_set_tso_max_size(dev, GSO_LEGACY_MAX_SIZE);
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_NONE;
}
