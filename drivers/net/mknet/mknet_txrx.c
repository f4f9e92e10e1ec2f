// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet data path.
 *
 * Each queue pair q has our TX ring q and the peer's TX ring q, which we
 * receive from.  Transmit publishes descriptors that name the skb's own
 * memory (its linear part and fragments, by physical address), keeps the
 * skb, and rings the peer's doorbell for q only if the peer asked for it
 * (virtio's event index).  A doorbell that cannot be rung stays owed
 * and is retried from a short timer through NAPI q.
 *
 * The doorbell is a multikernel doorbell (a pending bit and a bare IPI);
 * its handler schedules NAPI q on the CPU the doorbell went to.  The poll
 * copies each of the peer's frames once, straight out of the peer's
 * memory into pages of our page_pool, publishes our consumer index, and
 * completes our own TX ring q: the skbs whose descriptors the peer has
 * consumed are freed, byte queue limits are told, and the queue is woken.
 *
 * Interrupt moderation (ethtool -C, adaptive with lib/dim by default) is
 * the receiver's to choose and the sender's to carry out, as a NIC holds
 * its interrupt: each end publishes beside its event indices how long a
 * doorbell for it may wait and after how many descriptors it is due at
 * once; the other end holds a due doorbell on a timer of its own for
 * that long, bounded whatever the numbers say.
 *
 * Everything read from the peer's area is an index or a descriptor, and
 * every address a descriptor names is checked, on a private copy,
 * against the peer's RAM as the multikernel core knows it.  A peer that
 * rewrites its area or its pages under us garbles its own frames, but
 * cannot make us read anything outside its RAM.
 */
#include <linux/multikernel.h>
#include <linux/skbuff.h>
#include <linux/virtio_net.h>
#include <net/page_pool/helpers.h>
#include "mknet.h"

/**
 * mknet_send_to - send a message of ours to a CPU of the peer instance
 * @priv: our end
 * @apicid: physical APIC ID of the peer's CPU
 * @kind: &enum mknet_msg_kind; a HELLO or HELLO_ACK names our area
 * @queue: the queue pair a DOORBELL is for
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

	if (kind == MKNET_MSG_HELLO || kind == MKNET_MSG_HELLO_ACK)
		m.area_off = mk_region_offset(priv->area);
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

/**
 * mknet_ring_peer - ring the peer's doorbell of a queue pair
 * @priv: our end
 * @q: the queue pair
 *
 * Return: 0, -ENOTCONN before the ends are attached, -ENOSPC when fault
 * injection refuses it, or the error of mk_bell_ring().
 */
int mknet_ring_peer(struct mknet_priv *priv, u32 q)
{
	if (!READ_ONCE(priv->peer_attached))
		return -ENOTCONN;
	/* Fault injection: a doorbell that cannot be rung for now. */
	if (unlikely(atomic_read(&priv->fail_sends)) &&
	    atomic_dec_if_positive(&priv->fail_sends) >= 0)
		return -ENOSPC;
	return mk_bell_ring(&priv->peer_bell[q]);
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

/*
 * Room in a TX ring.  A descriptor is ours again once we completed it and
 * the peer consumed it: the two differ only after we freed the frames of
 * a peer that went away, or when the peer's index makes no sense.
 */
static u32 mknet_tx_room(const struct mknet_priv *priv,
			 const struct mknet_txq *txq)
{
	u32 unconsumed = txq->prod - READ_ONCE(txq->peer_rx_ctl->cons);
	u32 used;

	/* Pairs with the completion's release: the slots are clean. */
	used = txq->prod - smp_load_acquire(&txq->done);
	if (unconsumed <= priv->ring_size && unconsumed > used)
		used = unconsumed;
	/* Fault injection may have put our producer index far ahead. */
	return used <= priv->ring_size ? priv->ring_size - used : 0;
}

/* Try a refused doorbell again soon. */
static void mknet_kick_later(struct mknet_priv *priv)
{
	if (!hrtimer_active(&priv->kick_timer))
		hrtimer_start(&priv->kick_timer, ns_to_ktime(MKNET_KICK_RETRY_NS),
			      HRTIMER_MODE_REL_SOFT);
}

static ktime_t mknet_usecs(u32 usecs)
{
	return ns_to_ktime((u64)usecs * NSEC_PER_USEC);
}

/* A doorbell went: one held for the same pair would be spare. */
static void mknet_bell_rung(struct mknet_priv *priv, u32 q)
{
	struct hrtimer *t = &priv->rxq[q].bell_timer;

	if (hrtimer_is_queued(t))
		hrtimer_try_to_cancel(t);
}

/*
 * Hold a doorbell the peer's moderation lets wait: the pair's timer rings
 * it when the wait is over, unless a doorbell goes before.  Of two waits,
 * the shorter wins.
 */
static void mknet_bell_defer(struct mknet_priv *priv, u32 q, u32 usecs)
{
	struct hrtimer *t = &priv->rxq[q].bell_timer;

	if (hrtimer_is_queued(t) &&
	    ktime_before(hrtimer_get_remaining(t), mknet_usecs(usecs)))
		return;
	hrtimer_start(t, mknet_usecs(usecs), HRTIMER_MODE_REL_PINNED);
}

/**
 * mknet_bell_timer - ring a doorbell the peer let us hold
 * @t: &mknet_rxq.bell_timer
 *
 * Context: hard interrupt.  Frames or completions covered by a doorbell
 * that went before make this one spare: the peer then just polls once
 * more.
 *
 * Return: %HRTIMER_NORESTART.
 */
enum hrtimer_restart mknet_bell_timer(struct hrtimer *t)
{
	struct mknet_rxq *rxq = container_of(t, struct mknet_rxq, bell_timer);
	struct mknet_priv *priv = rxq->priv;

	if (!mknet_ring_peer(priv, rxq->index)) {
		atomic64_inc(&rxq->bell_timer_rang);
	} else if (READ_ONCE(priv->peer_attached)) {
		/* Refused: the kick timer's NAPI rings it as owed. */
		WRITE_ONCE(rxq->kick_owed, true);
		mknet_kick_later(priv);
	}
	return HRTIMER_NORESTART;
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
	const struct mknet_rx_ctl *ctl = txq->peer_rx_ctl;
	u32 event, usecs, frames;
	int err;

	if (txq->prod == txq->notified)
		return;
	/* Our producer index must be visible before we read the event. */
	smp_mb();
	event = READ_ONCE(ctl->prod_event);
	if (!mknet_need_event(event, txq->prod, txq->notified)) {
		txq->notified = txq->prod;
		WRITE_ONCE(txq->kick_owed, false);
		mknet_tx_count(txq, &txq->stats.doorbells_suppressed);
		return;
	}
	usecs = READ_ONCE(ctl->coal_usecs);
	frames = READ_ONCE(ctl->coal_frames);
	if (mknet_coal_bound(&usecs, &frames, priv->ring_size))
		mknet_tx_count(txq, &txq->stats.peer_coal_bounded);
	/* Still owed (@notified stays), so later frames decide again. */
	if (!txq->kick_owed &&
	    !mknet_coal_ring_now(usecs, frames, txq->prod - event)) {
		mknet_tx_count(txq, &txq->stats.doorbells_deferred);
		mknet_bell_defer(priv, q, usecs);
		return;
	}
	err = mknet_ring_peer(priv, q);
	if (!err) {
		mknet_bell_rung(priv, q);
		txq->notified = txq->prod;
		WRITE_ONCE(txq->kick_owed, false);
		mknet_tx_count(txq, &txq->stats.doorbells);
		return;
	}
	mknet_tx_count(txq, &txq->stats.doorbell_busy);
	/* Only a refusal clears by itself; a peer gone is the watchdog's. */
	WRITE_ONCE(txq->kick_owed, err == -ENOSPC);
	if (err == -ENOSPC)
		mknet_kick_later(priv);
}

/*
 * Ask for a completion doorbell.  A frame stopped on a full ring waits
 * for half of it; otherwise the peer rings once it has consumed all we
 * published, so the skbs go back to their sockets promptly and TCP small
 * queues never hold a stream back.
 */
static void mknet_tx_want_completion(struct mknet_txq *txq, u32 event)
{
	if (event == txq->cons_event)
		return;
	txq->cons_event = event;
	WRITE_ONCE(txq->ctl->cons_event, event);
}

/* Stop before a frame of the most descriptors would no longer fit. */
static void mknet_tx_maybe_stop(struct mknet_priv *priv, struct mknet_txq *txq,
				u32 q, u32 room)
{
	if (room >= MKNET_MAX_DESCS) {
		mknet_tx_want_completion(txq, txq->prod - 1);
		return;
	}
	netif_stop_subqueue(priv->dev, q);
	mknet_tx_count(txq, &txq->stats.ring_full);
	mknet_tx_want_completion(txq, txq->prod -
				 (priv->ring_size - room) / 2);
	/*
	 * Re-check after publishing the event: the peer may have consumed
	 * past it before it saw it.  Completion is NAPI's: schedule it.
	 */
	smp_mb();
	if (txq->prod - READ_ONCE(txq->peer_rx_ctl->cons) + MKNET_MAX_DESCS <=
	    priv->ring_size)
		napi_schedule(&priv->rxq[q].napi);
}

/* Where the bytes of @skb are: one piece for its linear part and each fragment. */
static u32 mknet_tx_pieces(const struct sk_buff *skb, u64 *addr, u32 *len)
{
	const struct skb_shared_info *sh = skb_shinfo(skb);
	u32 i, n = 0;

	if (skb_headlen(skb)) {
		addr[n] = virt_to_phys(skb->data);
		len[n++] = skb_headlen(skb);
	}
	for (i = 0; i < sh->nr_frags; i++) {
		const skb_frag_t *f = &sh->frags[i];

		if (!skb_frag_size(f))
			continue;
		addr[n] = page_to_phys(skb_frag_page(f)) + skb_frag_off(f);
		len[n++] = skb_frag_size(f);
	}
	return n;
}

static void mknet_tx_post(struct mknet_priv *priv, struct mknet_txq *txq,
			  struct sk_buff *skb, const struct virtio_net_hdr *hdr,
			  const u64 *addr, const u32 *len, u32 n)
{
	u32 i, mask = priv->ring_size - 1;
	struct mknet_desc d;

	for (i = 0; i < n; i++) {
		memset(&d, 0, sizeof(d));
		d.addr = addr[i];
		d.len = len[i];
		d.flags = i + 1 < n ? MKNET_DESC_MORE : 0;
		if (!i) {
			d.flags |= MKNET_DESC_HDR;
			d.hdr = *hdr;
		}
		memcpy(&txq->desc[(txq->prod + i) & mask], &d, sizeof(d));
	}
	txq->skbs[(txq->prod + n - 1) & mask] = skb;
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

/* A frame the peer can take in one piece per descriptor, or none. */
static bool mknet_tx_shape(struct mknet_txq *txq, struct sk_buff *skb)
{
	if (unlikely(skb->len < ETH_HLEN || skb->len > MKNET_MAX_FRAME ||
		     !skb_frags_readable(skb)))
		return false;
	if (likely(!skb_has_frag_list(skb) &&
		   skb_shinfo(skb)->nr_frags < MKNET_MAX_DESCS))
		return true;
	mknet_tx_count(txq, &txq->stats.linearized);
	return !__skb_linearize(skb);
}

netdev_tx_t mknet_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct mknet_priv *priv = netdev_priv(dev);
	u32 q = skb_get_queue_mapping(skb), room, n, len = skb->len;
	struct mknet_txq *txq = &priv->txq[q];
	u32 piece_len[MKNET_MAX_DESCS];
	u64 addr[MKNET_MAX_DESCS];
	struct virtio_net_hdr hdr;
	bool kick;

	if (unlikely(!READ_ONCE(priv->peer_attached)))
		return mknet_tx_drop_last(priv, txq, q, skb);
	room = mknet_tx_room(priv, txq);
	if (unlikely(!mknet_tx_shape(txq, skb) ||
		     virtio_net_hdr_from_skb(skb, &hdr, true, false, 0) ||
		     mknet_tx_fail_injected(priv)))
		return mknet_tx_drop_last(priv, txq, q, skb);
	n = mknet_tx_pieces(skb, addr, piece_len);
	if (unlikely(n > room))
		return mknet_tx_drop_last(priv, txq, q, skb);

	mknet_tx_post(priv, txq, skb, &hdr, addr, piece_len, n);
	/* Byte queue limits hear of it before the frame can complete. */
	kick = __netdev_tx_sent_queue(netdev_get_tx_queue(dev, q), len,
				      netdev_xmit_more());
	/* Descriptors and the skb before the indices that publish them. */
	smp_store_release(&txq->prod, txq->prod + n);
	/* Pairs with the peer's acquire of our producer index. */
	smp_store_release(&txq->ctl->prod, txq->prod);

	u64_stats_update_begin(&txq->stats.syncp);
	u64_stats_inc(&txq->stats.packets);
	u64_stats_add(&txq->stats.bytes, len);
	u64_stats_update_end(&txq->stats.syncp);

	mknet_tx_maybe_stop(priv, txq, q, room - n);
	if (kick || __netif_subqueue_stopped(dev, q))
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

/* Free the skbs of descriptors @txq->done up to @to. */
static void mknet_tx_free(struct mknet_priv *priv, struct mknet_txq *txq,
			  u32 to, int budget, u32 *pkts, u32 *bytes)
{
	u32 done = txq->done, mask = priv->ring_size - 1;

	for (; done != to; done++) {
		struct sk_buff *skb = txq->skbs[done & mask];

		/* A stale descriptor must never name memory we freed. */
		WRITE_ONCE(txq->desc[done & mask].len, 0);
		if (!skb)
			continue;
		txq->skbs[done & mask] = NULL;
		(*pkts)++;
		*bytes += skb->len;
		napi_consume_skb(skb, budget);
	}
	/* The descriptors are clean before transmit may fill them again. */
	smp_store_release(&txq->done, done);
}

/*
 * Complete our TX ring @q: free what the peer consumed, or everything
 * once the peer is gone, and wake the queue.  Counted in @rxq, the queue
 * pair whose poll does it.
 *
 * Context: NAPI, holding the ring's completion lock.
 */
static void __mknet_tx_complete(struct mknet_priv *priv, struct mknet_rxq *rxq,
				u32 q, int budget)
{
	struct mknet_txq *txq = &priv->txq[q];
	bool gone = READ_ONCE(priv->peer_gone);
	u32 prod, cons, pkts = 0, bytes = 0;
	struct netdev_queue *nq;

	if (!txq->peer_rx_ctl)
		return;
	nq = netdev_get_tx_queue(priv->dev, q);
	/* Pairs with the release in transmit: the skbs are in place. */
	prod = smp_load_acquire(&txq->prod);
	if (prod - txq->done > priv->ring_size)
		return;
	if (gone) {
		cons = prod;
	} else {
		cons = READ_ONCE(txq->peer_rx_ctl->cons);
		if (cons - txq->done > prod - txq->done) {
			mknet_rx_count(rxq, &rxq->stats.bad_peer_cons);
			return;
		}
	}
	if (cons == txq->done)
		goto wake;
	mknet_tx_free(priv, txq, cons, budget, &pkts, &bytes);
	netdev_tx_completed_queue(nq, pkts, bytes);
	u64_stats_update_begin(&rxq->stats.syncp);
	u64_stats_add(gone ? &rxq->stats.tx_freed_in_flight :
			     &rxq->stats.tx_completed, pkts);
	u64_stats_update_end(&rxq->stats.syncp);
wake:
	if (!netif_tx_queue_stopped(nq) ||
	    mknet_tx_room(priv, txq) < MKNET_MAX_DESCS)
		return;
	__netif_tx_lock(nq, smp_processor_id());
	if (netif_tx_queue_stopped(nq) &&
	    mknet_tx_room(priv, txq) >= MKNET_MAX_DESCS) {
		netif_tx_wake_queue(nq);
		mknet_rx_count(rxq, &rxq->stats.wakes);
	}
	__netif_tx_unlock(nq);
}

/*
 * Any poll completes every TX ring of ours, so that whatever the peer
 * sends back, on whichever queue, gives us our frames back without a
 * completion doorbell of its own.  A poll that finds a ring being
 * completed elsewhere leaves a note the completer reads after it is done.
 */
static void mknet_tx_complete(struct mknet_priv *priv, struct mknet_rxq *rxq,
			      int budget)
{
	u32 q;

	for (q = 0; q < priv->num_queues; q++) {
		struct mknet_txq *txq = &priv->txq[q];

		WRITE_ONCE(txq->complete_again, true);
		/* The note is seen by a completer that is about to unlock. */
		smp_mb();
		while (READ_ONCE(txq->complete_again) &&
		       spin_trylock(&txq->complete_lock)) {
			WRITE_ONCE(txq->complete_again, false);
			__mknet_tx_complete(priv, rxq, q, budget);
			spin_unlock(&txq->complete_lock);
			/* Pairs with the barrier after the note. */
			smp_mb();
		}
	}
}

/**
 * mknet_tx_purge - free every frame of a TX ring, sent or not
 * @priv: our end, its data path stopped
 * @q: the ring
 *
 * For a ring whose peer is gone or is about to take our ring up afresh:
 * nobody reads these frames any more.
 */
void mknet_tx_purge(struct mknet_priv *priv, u32 q)
{
	struct mknet_txq *txq = &priv->txq[q];
	u32 pkts = 0, bytes = 0;

	if (!txq->skbs)
		return;
	/* Every slot, whatever fault injection did to the indices. */
	txq->done = txq->prod - priv->ring_size;
	mknet_tx_free(priv, txq, txq->prod, 0, &pkts, &bytes);
	if (q < priv->dev->num_tx_queues)
		netdev_tx_reset_queue(netdev_get_tx_queue(priv->dev, q));
	u64_stats_update_begin(&priv->rxq[q].stats.syncp);
	u64_stats_add(&priv->rxq[q].stats.tx_freed_in_flight, pkts);
	u64_stats_update_end(&priv->rxq[q].stats.syncp);
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
	u32 q;

	for (q = 0; q < priv->num_queues; q++) {
		struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, q);

		__netif_tx_lock_bh(nq);
		if (mknet_tx_room(priv, &priv->txq[q]) >= MKNET_MAX_DESCS)
			netif_tx_wake_queue(nq);
		__netif_tx_unlock_bh(nq);
	}
}

/**
 * mknet_kick_timer - retry the doorbells that were refused
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
#define MKNET_RX_HEADROOM	XDP_PACKET_HEADROOM
#define MKNET_RX_SHINFO		SKB_DATA_ALIGN(sizeof(struct skb_shared_info))
/* The longest frame kept whole in the linear part, in one page. */
#define MKNET_RX_LINEAR_MAX	(SKB_WITH_OVERHEAD(PAGE_SIZE) - \
				 MKNET_RX_HEADROOM - SMP_CACHE_BYTES)
static_assert(MKNET_RX_LINEAR_MAX >= MKNET_RX_HEAD);

/* A page_pool buffer with room for @len bytes after the headroom. */
static struct sk_buff *mknet_rx_head(struct mknet_rxq *rxq, const u8 *const *src,
				     const struct mknet_desc *descs, u32 n,
				     u32 len)
{
	u32 truesize = SKB_DATA_ALIGN(MKNET_RX_HEADROOM + len) + MKNET_RX_SHINFO;
	struct sk_buff *skb;
	struct page *page;
	u32 off;
	u8 *buf;

	page = page_pool_dev_alloc_frag(rxq->page_pool, &off, truesize);
	if (!page)
		return NULL;
	buf = page_address(page) + off;
	if (mknet_frame_copy(buf + MKNET_RX_HEADROOM, src, descs, n, 0, len))
		goto put;
	skb = napi_build_skb(buf, truesize);
	if (!skb)
		goto put;
	skb_mark_for_recycle(skb);
	skb_reserve(skb, MKNET_RX_HEADROOM);
	skb_put(skb, len);
	return skb;
put:
	page_pool_put_full_page(rxq->page_pool, page, true);
	return NULL;
}

/* The one copy of a frame: out of the peer's memory into our pages. */
static struct sk_buff *mknet_build_skb(struct mknet_rxq *rxq,
				       const u8 *const *src,
				       const struct mknet_desc *descs, u32 n,
				       u32 total)
{
	u32 head = total <= MKNET_RX_LINEAR_MAX ? total : MKNET_RX_HEAD;
	struct sk_buff *skb;
	u32 off;

	/* mknet_frame_check() bounds the frame; say so where it matters. */
	if (WARN_ON_ONCE(mknet_rx_frags(total, head) > MKNET_RX_MAX_FRAGS))
		return NULL;
	skb = mknet_rx_head(rxq, src, descs, n, head);
	if (!skb)
		return NULL;
	for (off = head; off < total; ) {
		u32 chunk = min(total - off, MKNET_BUF_SIZE);
		struct page *page = page_pool_dev_alloc_pages(rxq->page_pool);

		if (!page)
			goto free;
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, chunk,
				PAGE_SIZE);
		if (mknet_frame_copy(page_address(page), src, descs, n, off,
				     chunk))
			goto free;
		off += chunk;
	}
	return skb;
free:
	kfree_skb(skb);
	return NULL;
}

/*
 * Where we map each descriptor's bytes, if all lie in the peer's RAM as
 * the core told us at attach.  Nothing else is ever read.
 */
static bool mknet_rx_resolve(const struct mknet_peer_view *v,
			     const struct mknet_desc *descs, u32 n,
			     const u8 **src)
{
	u32 i;

	for (i = 0; i < n; i++) {
		int k = mknet_span_find(v->spans, v->nr_spans, descs[i].addr,
					descs[i].len);

		if (k < 0)
			return false;
		src[i] = v->span_virt[k] + (descs[i].addr - v->spans[k].start);
	}
	return true;
}

/*
 * Take one frame starting at @cons.  Returns the descriptors it used
 * (always at least one, so a bad descriptor is skipped, never retried).
 */
static u32 mknet_rx_frame(struct mknet_priv *priv, struct mknet_rxq *rxq,
			  u32 cons, u32 avail)
{
	struct mknet_desc descs[MKNET_MAX_DESCS];
	const u8 *src[MKNET_MAX_DESCS];
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
	if (!mknet_rx_resolve(&priv->peer, descs, n, src)) {
		mknet_rx_count(rxq, &rxq->stats.bad_addr);
		return n;
	}
	skb = mknet_build_skb(rxq, src, descs, n, total);
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
	const struct mknet_tx_ctl *ctl = rxq->peer_tx_ctl;
	u32 event, usecs, frames;
	int err;

	/* Our consumer index must be visible before we read the event. */
	smp_mb();
	event = READ_ONCE(ctl->cons_event);
	if (!mknet_need_event(event, rxq->cons, rxq->cons_notified)) {
		rxq->cons_notified = rxq->cons;
		WRITE_ONCE(rxq->kick_owed, false);
		return;
	}
	usecs = READ_ONCE(ctl->coal_usecs);
	frames = READ_ONCE(ctl->coal_frames);
	if (mknet_coal_bound(&usecs, &frames, priv->peer.ring_size))
		mknet_rx_count(rxq, &rxq->stats.peer_coal_bounded);
	if (!rxq->kick_owed &&
	    !mknet_coal_ring_now(usecs, frames, rxq->cons - event)) {
		/* Owed until rung: @cons_notified stays. */
		mknet_rx_count(rxq, &rxq->stats.completions_deferred);
		mknet_bell_defer(priv, rxq->index, usecs);
		return;
	}
	err = mknet_ring_peer(priv, rxq->index);
	if (!err) {
		mknet_bell_rung(priv, rxq->index);
		rxq->cons_notified = rxq->cons;
		WRITE_ONCE(rxq->kick_owed, false);
		mknet_rx_count(rxq, &rxq->stats.completion_doorbells);
		return;
	}
	mknet_rx_count(rxq, &rxq->stats.completion_doorbell_busy);
	WRITE_ONCE(rxq->kick_owed, err == -ENOSPC);
	if (err == -ENOSPC)
		mknet_kick_later(priv);
}

/*
 * Whether the peer polls after seeing our consumer index: it does if it
 * has frames of ours to take, and it did if it took one we published
 * after that index (@prods moved since): a poll completes after taking.
 */
static u32 mknet_tx_prods(const struct mknet_priv *priv)
{
	u32 q, sum = 0;

	for (q = 0; q < priv->num_queues; q++)
		sum += READ_ONCE(priv->txq[q].prod);
	return sum;
}

static bool mknet_tx_makes_peer_poll(const struct mknet_priv *priv, u32 prods)
{
	u32 q;

	if (mknet_tx_prods(priv) != prods)
		return true;
	for (q = 0; q < priv->num_queues; q++) {
		const struct mknet_txq *txq = &priv->txq[q];

		if (txq->peer_rx_ctl && READ_ONCE(txq->prod) !=
					READ_ONCE(txq->peer_rx_ctl->cons))
			return true;
	}
	return false;
}

static void mknet_rx_release(struct mknet_priv *priv, struct mknet_rxq *rxq)
{
	/* Our reads of the peer's pages are done before it may free them. */
	smp_store_release(&rxq->ctl->cons, rxq->cons);
	/* Whether the peer wants to hear of it is decided after GRO. */
	if (!rxq->completion_due) {
		rxq->completion_due = true;
		/* A frame of ours counted as later is published after it. */
		smp_mb();
		rxq->prods_seen = mknet_tx_prods(priv);
	}
}

/*
 * The completion doorbell, decided once GRO has handed our frames up, so
 * that what answers them (TCP's ACKs) is sent.  Every poll of the peer
 * completes all its TX rings after taking our frames.  A frame of ours
 * published after our consumer index is ordered after it, so the poll
 * that takes it sees the index; for one pending before, it reads our
 * index after publishing its own consumer index and we read that after
 * publishing ours, so one of us sees the other.  Only when neither holds
 * is a doorbell needed.
 */
static void mknet_rx_complete_due(struct mknet_priv *priv,
				  struct mknet_rxq *rxq)
{
	if (!rxq->completion_due)
		return;
	rxq->completion_due = false;
	/* Our consumer index is visible before we look at the peer's. */
	smp_mb();
	if (mknet_tx_makes_peer_poll(priv, rxq->prods_seen)) {
		rxq->cons_notified = rxq->cons;
		mknet_rx_count(rxq, &rxq->stats.completions_covered);
		return;
	}
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

/*
 * Write into our area the moderation this pair wants of the peer: for
 * the frames it sends us, and for the completions of our TX ring.  Only
 * this poll writes those words.
 */
static void mknet_coal_publish(struct mknet_priv *priv, struct mknet_rxq *rxq,
			       bool always)
{
	struct mknet_txq *txq = &priv->txq[rxq->index];

	mknet_coal_write(&rxq->coal, &rxq->published[0], &rxq->ctl->coal_usecs,
			 &rxq->ctl->coal_frames, always);
	if (rxq->index < priv->num_queues)
		mknet_coal_write(&txq->coal, &rxq->published[1],
				 &txq->ctl->coal_usecs, &txq->ctl->coal_frames,
				 always);
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
		mknet_coal_publish(priv, rxq, true);
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

/* Feed lib/dim what this queue pair moved since the last sample. */
static void mknet_dim_sample(struct mknet_priv *priv, struct mknet_rxq *rxq)
{
	struct mknet_txq *txq = &priv->txq[rxq->index];
	/* The interrupts moderation is about: our doorbells, either kind. */
	u16 events = atomic64_read(&rxq->doorbells_received);
	struct dim_sample s = {};

	if (READ_ONCE(rxq->coal.adaptive)) {
		dim_update_sample(events, u64_stats_read(&rxq->stats.packets),
				  u64_stats_read(&rxq->stats.bytes), &s);
		net_dim(&rxq->rx_dim, s);
	}
	/* Only this pair's poll samples our TX ring of its index. */
	if (rxq->index < priv->num_queues && READ_ONCE(txq->coal.adaptive)) {
		dim_update_sample(events, u64_stats_read(&txq->stats.packets),
				  u64_stats_read(&txq->stats.bytes), &s);
		net_dim(&rxq->tx_dim, s);
	}
}

int mknet_poll(struct napi_struct *napi, int budget)
{
	struct mknet_rxq *rxq = container_of(napi, struct mknet_rxq, napi);
	struct mknet_priv *priv = rxq->priv;
	bool complete;
	int done;

	mknet_rx_count(rxq, &rxq->stats.polls);
	if (!READ_ONCE(priv->peer_attached)) {
		/* A peer that went away still has frames of ours to free. */
		mknet_tx_complete(priv, rxq, budget);
		napi_complete_done(napi, 0);
		return 0;
	}
	mknet_pair_upkeep(priv, rxq);
	mknet_tx_complete(priv, rxq, budget);
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
	/* What the peer sent back in answer to its frames completes ours. */
	smp_mb();
	mknet_tx_complete(priv, rxq, budget);
	if (done == budget)
		return done;
	complete = napi_complete_done(napi, done);
	/* GRO has handed the frames up: their answers are on their way. */
	mknet_rx_complete_due(priv, rxq);
	if (complete) {
		mknet_dim_sample(priv, rxq);
		mknet_coal_publish(priv, rxq, false);
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

/*
 * The peer rang the doorbell of one of our queue pairs.  Called in hard
 * interrupt context by the multikernel core.
 */
static void mknet_bell_irq(u16 src_instance, void *ctx)
{
	struct mknet_rxq *rxq = ctx;
	struct mknet_priv *priv = rxq->priv;

	if (src_instance != priv->peer_instance ||
	    /* Pairs with the release in mknet_napi_resize(). */
	    rxq->index >= smp_load_acquire(&priv->num_napi)) {
		atomic64_inc(&priv->stray_bells);
		return;
	}
	atomic64_inc(&rxq->doorbells_received);
	if (netif_running(priv->dev))
		napi_schedule_irqoff(&rxq->napi);
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
		priv->rxq[q].bell = -1;
	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		int bell = mk_bell_register(mknet_bell_irq, &priv->rxq[q]);

		if (bell < 0) {
			mknet_bells_unregister(priv);
			return bell;
		}
		priv->rxq[q].bell = bell;
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
		mk_bell_unregister(priv->rxq[q].bell);
		priv->rxq[q].bell = -1;
	}
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

/**
 * mknet_rxq_pool_create - give a queue pair the pages it receives into
 * @priv: our end
 * @rxq: the queue pair, its NAPI context added
 *
 * Return: 0, or the error of page_pool_create().
 */
int mknet_rxq_pool_create(struct mknet_priv *priv, struct mknet_rxq *rxq)
{
	struct page_pool_params pp = {
		.order = 0,
		.pool_size = MKNET_RING_MAX,
		.nid = NUMA_NO_NODE,
		.napi = &rxq->napi,
		.netdev = priv->dev,
		.queue_idx = rxq->index,
	};
	struct page_pool *pool = page_pool_create(&pp);

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	rxq->page_pool = pool;
	return 0;
}

/**
 * mknet_rxq_pool_destroy - release a queue pair's pages
 * @rxq: the queue pair, its NAPI context deleted
 *
 * Pages still in skbs return to the page allocator as they are freed.
 */
void mknet_rxq_pool_destroy(struct mknet_rxq *rxq)
{
	page_pool_destroy(rxq->page_pool);
	rxq->page_pool = NULL;
}

/*
 * Free what a stuck ring holds.  The descriptors are cleaned as their
 * skbs go, so a peer that resumes counts them as bad and moves on; the
 * ring has room again once it has.  The other end of a pair is ours: its
 * polls must not be reading these skbs while they are freed.
 */
static void mknet_tx_reset(struct mknet_priv *priv)
{
	struct net_device *peer_dev = rtnl_dereference(priv->loop_peer);
	struct mknet_priv *ppriv = peer_dev && netif_running(peer_dev) ?
				   netdev_priv(peer_dev) : NULL;
	u32 q;

	if (ppriv)
		for (q = 0; q < ppriv->num_napi; q++)
			napi_disable(&ppriv->rxq[q].napi);
	for (q = 0; q < priv->num_napi; q++)
		napi_disable(&priv->rxq[q].napi);
	for (q = 0; q < priv->num_queues; q++) {
		struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, q);

		__netif_tx_lock_bh(nq);
		mknet_tx_purge(priv, q);
		__netif_tx_unlock_bh(nq);
	}
	local_bh_disable();
	for (q = 0; q < priv->num_napi; q++) {
		napi_enable(&priv->rxq[q].napi);
		napi_schedule(&priv->rxq[q].napi);
	}
	if (ppriv)
		for (q = 0; q < ppriv->num_napi; q++) {
			napi_enable(&ppriv->rxq[q].napi);
			napi_schedule(&ppriv->rxq[q].napi);
		}
	local_bh_enable();
}

/**
 * mknet_reset_work - free the frames of TX rings the peer stopped taking
 * @work: &mknet_priv.reset_work
 */
void mknet_reset_work(struct work_struct *work)
{
	struct mknet_priv *priv = container_of(to_delayed_work(work),
					       struct mknet_priv, reset_work);

	/* RTNL holders may wait for this work: never block on it here. */
	if (!rtnl_trylock()) {
		schedule_delayed_work(&priv->reset_work, 1);
		return;
	}
	if (netif_running(priv->dev) && READ_ONCE(priv->peer_attached)) {
		netdev_warn(priv->dev, "peer stopped taking frames: freeing those in flight\n");
		mknet_tx_reset(priv);
	}
	rtnl_unlock();
}

/**
 * mknet_tx_timeout - a TX queue stayed stopped too long
 * @dev: our device
 * @q: the queue
 *
 * Context: the stack's TX watchdog, a timer.
 */
void mknet_tx_timeout(struct net_device *dev, unsigned int q)
{
	struct mknet_priv *priv = netdev_priv(dev);
	struct mknet_txq *txq = &priv->txq[q];

	__netif_tx_lock(netdev_get_tx_queue(dev, q), smp_processor_id());
	mknet_tx_count(txq, &txq->stats.timeouts);
	__netif_tx_unlock(netdev_get_tx_queue(dev, q));
	schedule_delayed_work(&priv->reset_work, 0);
}
