// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet data path.
 *
 * Transmit copies a frame into our own page buffers, publishes the
 * producer index and rings the peer's doorbell only if the peer asked for
 * it (virtio's event index).  The doorbell is the multikernel IPI; its
 * handler schedules NAPI, whose poll copies frames out of the peer's
 * buffers into fresh skbs, returns the buffers by publishing our consumer
 * index, and wakes our own TX queue when the peer has freed room.
 *
 * Everything read from the peer's area is an index, a descriptor or
 * payload.  Indices are bounded by the ring size we copied at attach,
 * descriptors are copied before they are checked, and payload is only
 * ever copied, so a peer that rewrites its area under us can garble its
 * own frames but make us read nothing outside its buffers.
 */
#include <linux/multikernel.h>
#include <linux/skbuff.h>
#include <linux/virtio_net.h>
#include "mknet.h"

static void mknet_tx_drop(struct mknet_priv *priv, struct sk_buff *skb)
{
	u64_stats_update_begin(&priv->tx_stats.syncp);
	u64_stats_inc(&priv->tx_stats.dropped);
	u64_stats_update_end(&priv->tx_stats.syncp);
	dev_kfree_skb_any(skb);
}

/* Room in our ring, given the consumer index the peer published. */
static bool mknet_tx_room(struct mknet_priv *priv, u32 *room)
{
	u32 cons = READ_ONCE(priv->peer.rx_ctl->cons);
	u32 used = priv->tx_prod - cons;

	if (used > priv->ring_size)
		return false;
	*room = priv->ring_size - used;
	return true;
}

static void mknet_tx_doorbell(struct mknet_priv *priv)
{
	u32 event;
	int err;

	/* Our producer index must be visible before we read the event. */
	smp_mb();
	event = READ_ONCE(priv->peer.rx_ctl->prod_event);
	if (!mknet_need_event(event, priv->tx_prod, priv->tx_notified)) {
		priv->tx_notified = priv->tx_prod;
		u64_stats_update_begin(&priv->tx_stats.syncp);
		u64_stats_inc(&priv->tx_stats.doorbells_suppressed);
		u64_stats_update_end(&priv->tx_stats.syncp);
		return;
	}
	priv->tx_notified = priv->tx_prod;
	err = mknet_send_msg(priv, MKNET_MSG_DOORBELL);
	u64_stats_update_begin(&priv->tx_stats.syncp);
	/*
	 * A full message ring means doorbells the peer has not taken yet:
	 * the frames are seen when it does, so nothing is lost.
	 */
	if (err)
		u64_stats_inc(&priv->tx_stats.doorbell_busy);
	else
		u64_stats_inc(&priv->tx_stats.doorbells);
	u64_stats_update_end(&priv->tx_stats.syncp);
}

/* Stop before a frame of the largest size would no longer fit. */
static void mknet_tx_maybe_stop(struct mknet_priv *priv, u32 room)
{
	u32 cons;

	if (room >= MKNET_MAX_DESCS)
		return;
	netif_stop_queue(priv->dev);
	u64_stats_update_begin(&priv->tx_stats.syncp);
	u64_stats_inc(&priv->tx_stats.ring_full);
	u64_stats_update_end(&priv->tx_stats.syncp);

	/* Ask for a doorbell once the peer has consumed half the ring. */
	cons = priv->tx_prod - (priv->ring_size - room);
	WRITE_ONCE(priv->tx_ctl->cons_event,
		   cons + (priv->ring_size - room) / 2);
	/* Re-check after publishing the event: the peer may have raced us. */
	smp_mb();
	if (mknet_tx_room(priv, &room) && room >= MKNET_MAX_DESCS)
		netif_start_queue(priv->dev);
}

netdev_tx_t mknet_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct mknet_priv *priv = netdev_priv(dev);
	u32 room, n, i, off = 0, len = skb->len;
	struct virtio_net_hdr hdr;
	struct mknet_desc d;

	if (unlikely(!READ_ONCE(priv->peer_attached))) {
		mknet_tx_drop(priv, skb);
		return NETDEV_TX_OK;
	}
	if (unlikely(!mknet_tx_room(priv, &room))) {
		u64_stats_update_begin(&priv->tx_stats.syncp);
		u64_stats_inc(&priv->tx_stats.bad_peer_index);
		u64_stats_update_end(&priv->tx_stats.syncp);
		mknet_tx_drop(priv, skb);
		return NETDEV_TX_OK;
	}
	n = DIV_ROUND_UP(len, MKNET_BUF_SIZE);
	if (unlikely(!n || n > MKNET_MAX_DESCS || n > room ||
		     virtio_net_hdr_from_skb(skb, &hdr, true, false, 0))) {
		mknet_tx_drop(priv, skb);
		return NETDEV_TX_OK;
	}

	for (i = 0; i < n; i++) {
		u32 idx = (priv->tx_prod + i) & (priv->ring_size - 1);
		u32 chunk = min(len - off, MKNET_BUF_SIZE);

		skb_copy_bits(skb, off, priv->bufs + idx * MKNET_BUF_SIZE, chunk);
		memset(&d, 0, sizeof(d));
		d.len = chunk;
		d.flags = i + 1 < n ? MKNET_DESC_MORE : 0;
		if (!i) {
			d.flags |= MKNET_DESC_HDR;
			d.hdr = hdr;
		}
		memcpy(&priv->desc[idx], &d, sizeof(d));
		off += chunk;
	}
	priv->tx_prod += n;
	/* Descriptors and buffers before the index that publishes them. */
	smp_store_release(&priv->tx_ctl->prod, priv->tx_prod);

	u64_stats_update_begin(&priv->tx_stats.syncp);
	u64_stats_inc(&priv->tx_stats.packets);
	u64_stats_add(&priv->tx_stats.bytes, len);
	u64_stats_update_end(&priv->tx_stats.syncp);
	consume_skb(skb);

	mknet_tx_maybe_stop(priv, room - n);
	if (!netdev_xmit_more() || netif_queue_stopped(dev))
		mknet_tx_doorbell(priv);
	return NETDEV_TX_OK;
}

/* Wake our queue once the peer has consumed enough of our ring. */
static void mknet_tx_complete(struct mknet_priv *priv)
{
	struct netdev_queue *txq = netdev_get_tx_queue(priv->dev, 0);
	u32 room;

	if (!netif_tx_queue_stopped(txq) || !mknet_tx_room(priv, &room) ||
	    room < MKNET_MAX_DESCS)
		return;
	__netif_tx_lock(txq, smp_processor_id());
	if (netif_tx_queue_stopped(txq) && mknet_tx_room(priv, &room) &&
	    room >= MKNET_MAX_DESCS) {
		netif_tx_wake_queue(txq);
		u64_stats_update_begin(&priv->rx_stats.syncp);
		u64_stats_inc(&priv->rx_stats.wakes);
		u64_stats_update_end(&priv->rx_stats.syncp);
	}
	__netif_tx_unlock(txq);
}

static void mknet_rx_count(struct mknet_priv *priv, u64_stats_t *ctr)
{
	u64_stats_update_begin(&priv->rx_stats.syncp);
	u64_stats_inc(ctr);
	u64_stats_update_end(&priv->rx_stats.syncp);
}

/* Copy @len bytes from offset @off of a frame spread over @descs. */
static void mknet_copy_frame(const struct mknet_priv *priv,
			     const struct mknet_desc *descs, u32 first,
			     u32 off, void *dst, u32 len)
{
	u32 i = 0, mask = priv->peer.ring_size - 1;

	while (off >= descs[i].len) {
		off -= descs[i].len;
		i++;
	}
	while (len) {
		u32 chunk = min(len, descs[i].len - off);
		const u8 *src = priv->peer.bufs +
				((first + i) & mask) * MKNET_BUF_SIZE + off;

		memcpy(dst, src, chunk);
		dst += chunk;
		len -= chunk;
		off = 0;
		i++;
	}
}

#define MKNET_RX_HEAD	256

static struct sk_buff *mknet_build_skb(struct mknet_priv *priv,
				       const struct mknet_desc *descs, u32 n,
				       u32 first, u32 total)
{
	u32 head = total <= SKB_WITH_OVERHEAD(2048) - NET_IP_ALIGN ? total :
		   MKNET_RX_HEAD;
	struct sk_buff *skb;
	u32 off;

	skb = napi_alloc_skb(&priv->napi, head);
	if (!skb)
		return NULL;
	mknet_copy_frame(priv, descs, first, 0, skb_put(skb, head), head);

	for (off = head; off < total; ) {
		u32 chunk = min_t(u32, total - off, PAGE_SIZE);
		struct page *page = dev_alloc_page();

		if (!page) {
			kfree_skb(skb);
			return NULL;
		}
		mknet_copy_frame(priv, descs, first, off, page_address(page),
				 chunk);
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, chunk,
				PAGE_SIZE);
		off += chunk;
	}
	return skb;
}

/*
 * Take one frame starting at @cons.  Returns the descriptors it used
 * (always at least one, so a bad descriptor is skipped, never retried).
 */
static u32 mknet_rx_frame(struct mknet_priv *priv, u32 cons, u32 avail)
{
	struct mknet_desc descs[MKNET_MAX_DESCS];
	u32 mask = priv->peer.ring_size - 1;
	u32 i, n, total = 0;
	struct sk_buff *skb;

	/* Copy first: the peer may rewrite descriptors while we look. */
	avail = min(avail, MKNET_MAX_DESCS);
	for (i = 0; i < avail; i++) {
		memcpy(&descs[i], &priv->peer.desc[(cons + i) & mask],
		       sizeof(descs[i]));
		if (!(descs[i].flags & MKNET_DESC_MORE))
			break;
	}
	if (mknet_frame_check(descs, min(i + 1, avail), &n, &total)) {
		mknet_rx_count(priv, &priv->rx_stats.bad_desc);
		return n;
	}
	if (total < ETH_HLEN) {
		mknet_rx_count(priv, &priv->rx_stats.bad_desc);
		return n;
	}
	skb = mknet_build_skb(priv, descs, n, cons, total);
	if (!skb) {
		mknet_rx_count(priv, &priv->rx_stats.nomem);
		return n;
	}
	if (virtio_net_hdr_to_skb(skb, &descs[0].hdr, true)) {
		mknet_rx_count(priv, &priv->rx_stats.bad_hdr);
		kfree_skb(skb);
		return n;
	}
	skb->protocol = eth_type_trans(skb, priv->dev);
	skb_record_rx_queue(skb, 0);

	u64_stats_update_begin(&priv->rx_stats.syncp);
	u64_stats_inc(&priv->rx_stats.packets);
	u64_stats_add(&priv->rx_stats.bytes, total);
	u64_stats_update_end(&priv->rx_stats.syncp);
	napi_gro_receive(&priv->napi, skb);
	return n;
}

static void mknet_rx_release(struct mknet_priv *priv, u32 old)
{
	u32 event;

	/* Our reads of the buffers are done before the peer may reuse them. */
	smp_store_release(&priv->rx_ctl->cons, priv->rx_cons);
	/* Our consumer index must be visible before we read the event. */
	smp_mb();
	event = READ_ONCE(priv->peer.tx_ctl->cons_event);
	if (mknet_need_event(event, priv->rx_cons, old) &&
	    !mknet_send_msg(priv, MKNET_MSG_DOORBELL))
		mknet_rx_count(priv, &priv->rx_stats.completion_doorbells);
}

/* A peer with an impossible index is cut off until it makes sense again. */
static void mknet_set_peer_broken(struct mknet_priv *priv, bool broken)
{
	if (priv->peer_broken == broken)
		return;
	WRITE_ONCE(priv->peer_broken, broken);
	schedule_work(&priv->carrier_work);
}

/* Returns frames taken, or -ERANGE when the peer's index is impossible. */
static int mknet_rx(struct mknet_priv *priv, int budget)
{
	u32 prod, avail, old = priv->rx_cons;
	int done = 0;

	/* Pairs with the peer's release: descriptors up to prod are written. */
	prod = smp_load_acquire(&priv->peer.tx_ctl->prod);
	avail = prod - priv->rx_cons;
	if (avail > priv->peer.ring_size) {
		mknet_rx_count(priv, &priv->rx_stats.bad_index);
		mknet_set_peer_broken(priv, true);
		return -ERANGE;
	}
	mknet_set_peer_broken(priv, false);
	while (done < budget && avail) {
		u32 used = mknet_rx_frame(priv, priv->rx_cons, avail);

		priv->rx_cons += used;
		avail -= used;
		done++;
	}
	if (priv->rx_cons != old)
		mknet_rx_release(priv, old);
	return done;
}

/**
 * mknet_rx_pending - has the peer published frames we have not taken
 * @priv: our end
 *
 * Return: true if NAPI has work.
 */
bool mknet_rx_pending(struct mknet_priv *priv)
{
	return READ_ONCE(priv->peer_attached) &&
	       READ_ONCE(priv->peer.tx_ctl->prod) != priv->rx_cons;
}

int mknet_poll(struct napi_struct *napi, int budget)
{
	struct mknet_priv *priv = container_of(napi, struct mknet_priv, napi);
	int done;

	mknet_rx_count(priv, &priv->rx_stats.polls);
	if (!READ_ONCE(priv->peer_attached)) {
		napi_complete_done(napi, 0);
		return 0;
	}
	mknet_tx_complete(priv);
	done = mknet_rx(priv, budget);
	if (done < 0) {
		/*
		 * The peer's index makes no sense.  Polling again at once would
		 * only spin on it; the watchdog looks again in a while.
		 */
		napi_complete_done(napi, 0);
		return 0;
	}
	if (done < budget && napi_complete_done(napi, done)) {
		/* Ask for a doorbell at the next frame, then look once more. */
		WRITE_ONCE(priv->rx_ctl->prod_event, priv->rx_cons);
		/*
		 * The event must be visible before we re-read the producer
		 * index, or a frame published in between is never signalled.
		 */
		smp_mb();
		if (mknet_rx_pending(priv))
			napi_schedule(napi);
	}
	return done;
}
