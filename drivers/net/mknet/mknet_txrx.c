// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet data path.
 *
 * Each queue pair q has our TX ring q and the peer's TX ring q, which we
 * receive from.  Transmit copies a frame into our page buffers of the
 * ring the stack chose, publishes its producer index and rings the peer's
 * doorbell for q only if the peer asked for it (virtio's event index).
 * The doorbell is the multikernel IPI; its handler schedules NAPI q on
 * the CPU the doorbell went to, whose poll copies frames out of the
 * peer's buffers into fresh skbs, returns the buffers by publishing our
 * consumer index, and wakes our TX queue q when the peer has freed room.
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

static void mknet_tx_count(struct mknet_txq *txq, u64_stats_t *ctr)
{
	u64_stats_update_begin(&txq->stats.syncp);
	u64_stats_inc(ctr);
	u64_stats_update_end(&txq->stats.syncp);
}

static void mknet_tx_drop(struct mknet_txq *txq, struct sk_buff *skb)
{
	mknet_tx_count(txq, &txq->stats.dropped);
	dev_kfree_skb_any(skb);
}

/* Room in a TX ring, given the consumer index the peer published. */
static bool mknet_tx_room(const struct mknet_priv *priv,
			  const struct mknet_txq *txq, u32 *room)
{
	u32 cons = READ_ONCE(txq->peer_rx_ctl->cons);
	u32 used = txq->prod - cons;

	if (used > priv->ring_size)
		return false;
	*room = priv->ring_size - used;
	return true;
}

static void mknet_tx_doorbell(struct mknet_priv *priv, struct mknet_txq *txq,
			      u32 q)
{
	u32 event;

	/* Our producer index must be visible before we read the event. */
	smp_mb();
	event = READ_ONCE(txq->peer_rx_ctl->prod_event);
	if (!mknet_need_event(event, txq->prod, txq->notified)) {
		txq->notified = txq->prod;
		mknet_tx_count(txq, &txq->stats.doorbells_suppressed);
		return;
	}
	txq->notified = txq->prod;
	/*
	 * A full message ring means doorbells the peer has not taken yet:
	 * the frames are seen when it does, so nothing is lost.
	 */
	if (mknet_send_msg(priv, MKNET_MSG_DOORBELL, q))
		mknet_tx_count(txq, &txq->stats.doorbell_busy);
	else
		mknet_tx_count(txq, &txq->stats.doorbells);
}

/* Stop before a frame of the largest size would no longer fit. */
static void mknet_tx_maybe_stop(struct mknet_priv *priv, struct mknet_txq *txq,
				u32 q, u32 room)
{
	u32 cons;

	if (room >= MKNET_MAX_DESCS)
		return;
	netif_stop_subqueue(priv->dev, q);
	mknet_tx_count(txq, &txq->stats.ring_full);

	/* Ask for a doorbell once the peer has consumed half the ring. */
	cons = txq->prod - (priv->ring_size - room);
	WRITE_ONCE(txq->ctl->cons_event, cons + (priv->ring_size - room) / 2);
	/* Re-check after publishing the event: the peer may have raced us. */
	smp_mb();
	if (mknet_tx_room(priv, txq, &room) && room >= MKNET_MAX_DESCS)
		netif_start_subqueue(priv->dev, q);
}

static void mknet_tx_copy(struct mknet_priv *priv, struct mknet_txq *txq,
			  struct sk_buff *skb, const struct virtio_net_hdr *hdr,
			  u32 n)
{
	u32 i, off = 0, len = skb->len;
	struct mknet_desc d;

	for (i = 0; i < n; i++) {
		u32 idx = (txq->prod + i) & (priv->ring_size - 1);
		u32 chunk = min(len - off, MKNET_BUF_SIZE);

		skb_copy_bits(skb, off, txq->bufs + idx * MKNET_BUF_SIZE, chunk);
		memset(&d, 0, sizeof(d));
		d.len = chunk;
		d.flags = i + 1 < n ? MKNET_DESC_MORE : 0;
		if (!i) {
			d.flags |= MKNET_DESC_HDR;
			d.hdr = *hdr;
		}
		memcpy(&txq->desc[idx], &d, sizeof(d));
		off += chunk;
	}
}

netdev_tx_t mknet_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct mknet_priv *priv = netdev_priv(dev);
	u32 q = skb_get_queue_mapping(skb), room, n, len = skb->len;
	struct mknet_txq *txq = &priv->txq[q];
	struct virtio_net_hdr hdr;

	if (unlikely(!READ_ONCE(priv->peer_attached))) {
		mknet_tx_drop(txq, skb);
		return NETDEV_TX_OK;
	}
	if (unlikely(!mknet_tx_room(priv, txq, &room))) {
		mknet_tx_count(txq, &txq->stats.bad_peer_index);
		mknet_tx_drop(txq, skb);
		return NETDEV_TX_OK;
	}
	n = DIV_ROUND_UP(len, MKNET_BUF_SIZE);
	if (unlikely(!n || n > MKNET_MAX_DESCS || n > room ||
		     virtio_net_hdr_from_skb(skb, &hdr, true, false, 0))) {
		mknet_tx_drop(txq, skb);
		return NETDEV_TX_OK;
	}

	mknet_tx_copy(priv, txq, skb, &hdr, n);
	txq->prod += n;
	/* Descriptors and buffers before the index that publishes them. */
	smp_store_release(&txq->ctl->prod, txq->prod);

	u64_stats_update_begin(&txq->stats.syncp);
	u64_stats_inc(&txq->stats.packets);
	u64_stats_add(&txq->stats.bytes, len);
	u64_stats_update_end(&txq->stats.syncp);
	consume_skb(skb);

	mknet_tx_maybe_stop(priv, txq, q, room - n);
	if (!netdev_xmit_more() || __netif_subqueue_stopped(dev, q))
		mknet_tx_doorbell(priv, txq, q);
	return NETDEV_TX_OK;
}

static void mknet_rx_count(struct mknet_rxq *rxq, u64_stats_t *ctr)
{
	u64_stats_update_begin(&rxq->stats.syncp);
	u64_stats_inc(ctr);
	u64_stats_update_end(&rxq->stats.syncp);
}

/* Wake our TX queue of this pair once the peer has consumed enough. */
static void mknet_tx_complete(struct mknet_priv *priv, struct mknet_rxq *rxq)
{
	struct mknet_txq *txq = &priv->txq[rxq->index];
	struct netdev_queue *nq;
	u32 room;

	/* The peer has more queues than we: no TX ring of ours here. */
	if (rxq->index >= priv->num_queues)
		return;
	nq = netdev_get_tx_queue(priv->dev, rxq->index);
	if (!netif_tx_queue_stopped(nq) || !mknet_tx_room(priv, txq, &room) ||
	    room < MKNET_MAX_DESCS)
		return;
	__netif_tx_lock(nq, smp_processor_id());
	if (netif_tx_queue_stopped(nq) && mknet_tx_room(priv, txq, &room) &&
	    room >= MKNET_MAX_DESCS) {
		netif_tx_wake_queue(nq);
		mknet_rx_count(rxq, &rxq->stats.wakes);
	}
	__netif_tx_unlock(nq);
}

/* Copy @len bytes from offset @off of a frame spread over @descs. */
static void mknet_copy_frame(const struct mknet_priv *priv,
			     const struct mknet_rxq *rxq,
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
		const u8 *src = rxq->peer_bufs +
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
				       struct mknet_rxq *rxq,
				       const struct mknet_desc *descs,
				       u32 first, u32 total)
{
	u32 head = total <= SKB_WITH_OVERHEAD(2048) - NET_IP_ALIGN ? total :
		   MKNET_RX_HEAD;
	struct sk_buff *skb;
	u32 off;

	skb = napi_alloc_skb(&rxq->napi, head);
	if (!skb)
		return NULL;
	mknet_copy_frame(priv, rxq, descs, first, 0, skb_put(skb, head), head);

	for (off = head; off < total; ) {
		u32 chunk = min_t(u32, total - off, PAGE_SIZE);
		struct page *page = dev_alloc_page();

		if (!page) {
			kfree_skb(skb);
			return NULL;
		}
		mknet_copy_frame(priv, rxq, descs, first, off,
				 page_address(page), chunk);
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
static u32 mknet_rx_frame(struct mknet_priv *priv, struct mknet_rxq *rxq,
			  u32 cons, u32 avail)
{
	struct mknet_desc descs[MKNET_MAX_DESCS];
	u32 mask = priv->peer.ring_size - 1;
	u32 i, n, total = 0;
	struct sk_buff *skb;

	/* Copy first: the peer may rewrite descriptors while we look. */
	avail = min(avail, MKNET_MAX_DESCS);
	for (i = 0; i < avail; i++) {
		memcpy(&descs[i], &rxq->peer_desc[(cons + i) & mask],
		       sizeof(descs[i]));
		if (!(descs[i].flags & MKNET_DESC_MORE))
			break;
	}
	if (mknet_frame_check(descs, min(i + 1, avail), &n, &total) ||
	    total < ETH_HLEN) {
		mknet_rx_count(rxq, &rxq->stats.bad_desc);
		return n;
	}
	skb = mknet_build_skb(priv, rxq, descs, cons, total);
	if (!skb) {
		mknet_rx_count(rxq, &rxq->stats.nomem);
		return n;
	}
	if (virtio_net_hdr_to_skb(skb, &descs[0].hdr, true)) {
		mknet_rx_count(rxq, &rxq->stats.bad_hdr);
		kfree_skb(skb);
		return n;
	}
	skb->protocol = eth_type_trans(skb, priv->dev);
	skb_record_rx_queue(skb, rxq->index);

	u64_stats_update_begin(&rxq->stats.syncp);
	u64_stats_inc(&rxq->stats.packets);
	u64_stats_add(&rxq->stats.bytes, total);
	u64_stats_update_end(&rxq->stats.syncp);
	napi_gro_receive(&rxq->napi, skb);
	return n;
}

static void mknet_rx_release(struct mknet_priv *priv, struct mknet_rxq *rxq,
			     u32 old)
{
	u32 event;

	/* Our reads of the buffers are done before the peer may reuse them. */
	smp_store_release(&rxq->ctl->cons, rxq->cons);
	/* Our consumer index must be visible before we read the event. */
	smp_mb();
	event = READ_ONCE(rxq->peer_tx_ctl->cons_event);
	if (mknet_need_event(event, rxq->cons, old) &&
	    !mknet_send_msg(priv, MKNET_MSG_DOORBELL, rxq->index))
		mknet_rx_count(rxq, &rxq->stats.completion_doorbells);
}

/* A peer with an impossible index is cut off until it makes sense again. */
static void mknet_set_peer_broken(struct mknet_priv *priv,
				  struct mknet_rxq *rxq, bool broken)
{
	if (rxq->peer_broken == broken)
		return;
	WRITE_ONCE(rxq->peer_broken, broken);
	schedule_work(&priv->carrier_work);
}

/* Returns frames taken, or -ERANGE when the peer's index is impossible. */
static int mknet_rx(struct mknet_priv *priv, struct mknet_rxq *rxq,
		    int budget)
{
	u32 prod, avail, old = rxq->cons;
	int done = 0;

	/* Pairs with the peer's release: descriptors up to prod are written. */
	prod = smp_load_acquire(&rxq->peer_tx_ctl->prod);
	avail = prod - rxq->cons;
	if (avail > priv->peer.ring_size) {
		mknet_rx_count(rxq, &rxq->stats.bad_index);
		mknet_set_peer_broken(priv, rxq, true);
		return -ERANGE;
	}
	mknet_set_peer_broken(priv, rxq, false);
	while (done < budget && avail) {
		u32 used = mknet_rx_frame(priv, rxq, rxq->cons, avail);

		rxq->cons += used;
		avail -= used;
		done++;
	}
	if (rxq->cons != old)
		mknet_rx_release(priv, rxq, old);
	return done;
}

/* This pair has an RX ring: the peer has a TX ring of its index. */
static bool mknet_rxq_live(const struct mknet_priv *priv,
			   const struct mknet_rxq *rxq)
{
	return READ_ONCE(priv->peer_attached) &&
	       rxq->index < priv->peer.num_queues;
}

/**
 * mknet_rx_pending - has the peer published frames we have not taken
 * @rxq: the queue to look at
 *
 * Return: true if its NAPI has work.
 */
bool mknet_rx_pending(struct mknet_rxq *rxq)
{
	return mknet_rxq_live(rxq->priv, rxq) &&
	       READ_ONCE(rxq->peer_tx_ctl->prod) != rxq->cons;
}

int mknet_poll(struct napi_struct *napi, int budget)
{
	struct mknet_rxq *rxq = container_of(napi, struct mknet_rxq, napi);
	struct mknet_priv *priv = rxq->priv;
	int done;

	mknet_rx_count(rxq, &rxq->stats.polls);
	if (!READ_ONCE(priv->peer_attached)) {
		napi_complete_done(napi, 0);
		return 0;
	}
	mknet_tx_complete(priv, rxq);
	if (!mknet_rxq_live(priv, rxq)) {
		napi_complete_done(napi, 0);
		return 0;
	}
	done = mknet_rx(priv, rxq, budget);
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
		WRITE_ONCE(rxq->ctl->prod_event, rxq->cons);
		/*
		 * The event must be visible before we re-read the producer
		 * index, or a frame published in between is never signalled.
		 */
		smp_mb();
		if (mknet_rx_pending(rxq))
			napi_schedule(napi);
	}
	return done;
}
