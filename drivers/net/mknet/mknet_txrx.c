// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet data path.
 *
 * Each queue pair q has our TX ring q and the peer's TX ring q, which we
 * receive from.  Transmit copies a frame into our page buffers of the
 * ring the stack chose, publishes its producer index and rings the peer's
 * doorbell for q only if the peer asked for it (virtio's event index).
 * A doorbell that cannot be sent (the message ring is full) stays owed
 * and is retried from a short timer through NAPI q.
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

/* Try a failed doorbell again soon: a full message ring drains quickly. */
static void mknet_kick_later(struct mknet_priv *priv)
{
	if (!hrtimer_active(&priv->kick_timer))
		hrtimer_start(&priv->kick_timer, ns_to_ktime(MKNET_KICK_RETRY_NS),
			      HRTIMER_MODE_REL_SOFT);
}

/*
 * Ring the peer's doorbell for the frames published since the last one,
 * if it asked for one.  A doorbell that cannot be sent stays owed: @notified
 * keeps its old value, so the next decision still covers these frames, and
 * the kick timer retries it.
 *
 * Context: TX queue lock of @q held.
 */
static void mknet_tx_doorbell(struct mknet_priv *priv, struct mknet_txq *txq,
			      u32 q)
{
	u32 event;
	int err;

	if (txq->prod == txq->notified)
		return;
	/* Our producer index must be visible before we read the event. */
	smp_mb();
	event = READ_ONCE(txq->peer_rx_ctl->prod_event);
	if (!mknet_need_event(event, txq->prod, txq->notified)) {
		txq->notified = txq->prod;
		WRITE_ONCE(txq->kick_owed, false);
		mknet_tx_count(txq, &txq->stats.doorbells_suppressed);
		return;
	}
	err = mknet_send_msg(priv, MKNET_MSG_DOORBELL, q);
	if (!err) {
		txq->notified = txq->prod;
		WRITE_ONCE(txq->kick_owed, false);
		mknet_tx_count(txq, &txq->stats.doorbells);
		return;
	}
	mknet_tx_count(txq, &txq->stats.doorbell_busy);
	/* Only a full ring clears by itself; a peer gone is the watchdog's. */
	WRITE_ONCE(txq->kick_owed, err == -ENOSPC);
	if (err == -ENOSPC)
		mknet_kick_later(priv);
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
	txq->cons_event = cons + (priv->ring_size - room) / 2;
	WRITE_ONCE(txq->ctl->cons_event, txq->cons_event);
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

/*
 * Drop a frame we cannot send.  Frames published earlier in an xmit_more
 * batch still need the doorbell this last frame would have rung.
 */
static netdev_tx_t mknet_tx_drop_last(struct mknet_priv *priv,
				      struct mknet_txq *txq, u32 q,
				      struct sk_buff *skb)
{
	mknet_tx_drop(txq, skb);
	if (!netdev_xmit_more() && READ_ONCE(priv->peer_attached))
		mknet_tx_doorbell(priv, txq, q);
	return NETDEV_TX_OK;
}

/* Fault injection: fail this frame as a bad one would. */
static bool mknet_tx_fail_injected(struct mknet_priv *priv)
{
	return unlikely(atomic_read(&priv->fail_xmits)) &&
	       atomic_dec_if_positive(&priv->fail_xmits) >= 0;
}

netdev_tx_t mknet_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct mknet_priv *priv = netdev_priv(dev);
	u32 q = skb_get_queue_mapping(skb), room, n, len = skb->len;
	struct mknet_txq *txq = &priv->txq[q];
	struct virtio_net_hdr hdr;

	if (unlikely(!READ_ONCE(priv->peer_attached)))
		return mknet_tx_drop_last(priv, txq, q, skb);
	if (unlikely(!mknet_tx_room(priv, txq, &room))) {
		mknet_tx_count(txq, &txq->stats.bad_peer_index);
		return mknet_tx_drop_last(priv, txq, q, skb);
	}
	n = DIV_ROUND_UP(len, MKNET_BUF_SIZE);
	if (unlikely(!n || n > MKNET_MAX_DESCS || n > room ||
		     virtio_net_hdr_from_skb(skb, &hdr, true, false, 0) ||
		     mknet_tx_fail_injected(priv)))
		return mknet_tx_drop_last(priv, txq, q, skb);

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

/* This pair has an RX ring: the peer has a TX ring of its index. */
static bool mknet_rxq_live(const struct mknet_priv *priv,
			   const struct mknet_rxq *rxq)
{
	return READ_ONCE(priv->peer_attached) &&
	       rxq->index < priv->peer.num_queues;
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

/**
 * mknet_tx_wake_ready - wake the TX queues that have room for a frame
 * @priv: our end, its carrier just turned on
 *
 * A queue stopped on a full ring stays stopped: the peer's completion
 * doorbell wakes it once there is room, and waking it earlier would only
 * have the next large frame dropped.
 */
void mknet_tx_wake_ready(struct mknet_priv *priv)
{
	u32 q, room;

	for (q = 0; q < priv->num_queues; q++) {
		struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, q);

		__netif_tx_lock_bh(nq);
		if (mknet_tx_room(priv, &priv->txq[q], &room) &&
		    room >= MKNET_MAX_DESCS)
			netif_tx_wake_queue(nq);
		__netif_tx_unlock_bh(nq);
	}
}

/**
 * mknet_kick_timer - retry the doorbells a full message ring refused
 * @t: &mknet_priv.kick_timer
 *
 * Context: softirq (a soft hrtimer); each queue pair's NAPI does the work.
 *
 * Return: %HRTIMER_NORESTART; a retry that fails again restarts it.
 */
enum hrtimer_restart mknet_kick_timer(struct hrtimer *t)
{
	struct mknet_priv *priv = container_of(t, struct mknet_priv, kick_timer);
	u32 q;

	for (q = 0; q < priv->num_napi; q++) {
		struct mknet_rxq *rxq = &priv->rxq[q];

		if (READ_ONCE(rxq->kick_owed) ||
		    (q < priv->num_queues && READ_ONCE(priv->txq[q].kick_owed)))
			napi_schedule(&rxq->napi);
	}
	return HRTIMER_NORESTART;
}

/* What the receive path builds must fit the skb it builds it in. */
static_assert(MKNET_RX_MAX_FRAGS <= MAX_SKB_FRAGS);
static_assert(PAGE_SIZE >= MKNET_BUF_SIZE);
static_assert(SKB_WITH_OVERHEAD(2048) - NET_IP_ALIGN >= MKNET_RX_HEAD);

static struct sk_buff *mknet_build_skb(struct mknet_priv *priv,
				       struct mknet_rxq *rxq,
				       const struct mknet_desc *descs, u32 n,
				       u32 first, u32 total)
{
	u32 head = total <= SKB_WITH_OVERHEAD(2048) - NET_IP_ALIGN ? total :
		   MKNET_RX_HEAD;
	u32 mask = priv->peer.ring_size - 1;
	struct sk_buff *skb;
	u32 off;

	/* mknet_frame_check() bounds the frame; say so where it matters. */
	if (WARN_ON_ONCE(mknet_rx_frags(total, head) > MKNET_RX_MAX_FRAGS))
		return NULL;
	skb = napi_alloc_skb(&rxq->napi, head);
	if (!skb)
		return NULL;
	if (mknet_frame_copy(skb_put(skb, head), rxq->peer_bufs, mask, descs,
			     n, first, 0, head))
		goto free;

	for (off = head; off < total; ) {
		u32 chunk = min(total - off, MKNET_BUF_SIZE);
		struct page *page = dev_alloc_page();

		if (!page)
			goto free;
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, chunk,
				PAGE_SIZE);
		if (mknet_frame_copy(page_address(page), rxq->peer_bufs, mask,
				     descs, n, first, off, chunk))
			goto free;
		off += chunk;
	}
	return skb;
free:
	kfree_skb(skb);
	return NULL;
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
	skb = mknet_build_skb(priv, rxq, descs, n, cons, total);
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

/*
 * Tell the peer we freed room, if it asked.  As on transmit, a doorbell
 * that cannot be sent stays owed and is retried.
 */
static void mknet_rx_kick(struct mknet_priv *priv, struct mknet_rxq *rxq)
{
	u32 event;
	int err;

	/* Our consumer index must be visible before we read the event. */
	smp_mb();
	event = READ_ONCE(rxq->peer_tx_ctl->cons_event);
	if (!mknet_need_event(event, rxq->cons, rxq->cons_notified)) {
		rxq->cons_notified = rxq->cons;
		WRITE_ONCE(rxq->kick_owed, false);
		return;
	}
	err = mknet_send_msg(priv, MKNET_MSG_DOORBELL, rxq->index);
	if (!err) {
		rxq->cons_notified = rxq->cons;
		WRITE_ONCE(rxq->kick_owed, false);
		mknet_rx_count(rxq, &rxq->stats.completion_doorbells);
		return;
	}
	WRITE_ONCE(rxq->kick_owed, err == -ENOSPC);
	if (err == -ENOSPC)
		mknet_kick_later(priv);
}

static void mknet_rx_release(struct mknet_priv *priv, struct mknet_rxq *rxq)
{
	/* Our reads of the buffers are done before the peer may reuse them. */
	smp_store_release(&rxq->ctl->cons, rxq->cons);
	mknet_rx_kick(priv, rxq);
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
		mknet_rx_release(priv, rxq);
	return done;
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

/*
 * What this pair owes or must rewrite in our area: doorbells that could
 * not be sent, and, when the watchdog asks, our indices and events
 * published again from our private copies, so that a peer that scribbled
 * over them is undone without a frame of ours to carry the fix.
 */
static void mknet_pair_upkeep(struct mknet_priv *priv, struct mknet_rxq *rxq)
{
	struct mknet_txq *txq = &priv->txq[rxq->index];
	bool republish = READ_ONCE(rxq->republish);
	struct netdev_queue *nq;

	if (republish) {
		WRITE_ONCE(rxq->republish, false);
		WRITE_ONCE(rxq->ctl->cons, rxq->cons);
		WRITE_ONCE(rxq->ctl->prod_event, rxq->prod_event);
	}
	if (mknet_rxq_live(priv, rxq) &&
	    (rxq->kick_owed || (republish && rxq->cons != rxq->cons_notified)))
		mknet_rx_kick(priv, rxq);
	if (rxq->index >= priv->num_queues ||
	    !(republish || READ_ONCE(txq->kick_owed)))
		return;
	nq = netdev_get_tx_queue(priv->dev, rxq->index);
	__netif_tx_lock(nq, smp_processor_id());
	if (republish) {
		WRITE_ONCE(txq->ctl->prod, txq->prod);
		WRITE_ONCE(txq->ctl->cons_event, txq->cons_event);
	}
	if (txq->kick_owed || republish)
		mknet_tx_doorbell(priv, txq, rxq->index);
	__netif_tx_unlock(nq);
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
	mknet_pair_upkeep(priv, rxq);
	mknet_tx_complete(priv, rxq);
	/* Fault injection may have us stop taking frames, as a hung peer. */
	if (!mknet_rxq_live(priv, rxq) || READ_ONCE(priv->rx_stalled)) {
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
		rxq->prod_event = rxq->cons;
		WRITE_ONCE(rxq->ctl->prod_event, rxq->prod_event);
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

/**
 * mknet_doorbell_irq - the peer rang the doorbell of one of our queue pairs
 * @priv: our end
 * @queue: the queue pair its message names
 *
 * Context: hard interrupt, from the multikernel message handler.
 * Return: false if we have no such queue pair.
 */
bool mknet_doorbell_irq(struct mknet_priv *priv, u32 queue)
{
	struct mknet_rxq *rxq;

	/* Pairs with the release in mknet_napi_resize(). */
	if (queue >= smp_load_acquire(&priv->num_napi))
		return false;
	rxq = &priv->rxq[queue];
	atomic64_inc(&rxq->doorbells_received);
	if (netif_running(priv->dev))
		napi_schedule_irqoff(&rxq->napi);
	return true;
}

/**
 * mknet_datapath_tick - the watchdog's look at every queue pair
 * @priv: our end
 *
 * Each pair's poll rewrites its indices, and takes a frame whose
 * doorbell the peer forgot or lost with its CPU.
 *
 * Context: the watchdog timer.
 */
void mknet_datapath_tick(struct mknet_priv *priv)
{
	u32 q;

	for (q = 0; q < priv->num_napi; q++) {
		WRITE_ONCE(priv->rxq[q].republish, true);
		napi_schedule(&priv->rxq[q].napi);
	}
}
