// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet transmit path.
 *
 * Each queue pair q has our TX ring q and the peer's TX ring q, which we
 * receive from (mknet_rx.c).  Transmit publishes descriptors that name
 * the skb's own memory (its linear part and fragments, by physical
 * address), keeps the skb, and lets mknet_notify() decide whether the
 * peer wants a doorbell for it.  The completion, run by the poll of the
 * pair, frees the skbs whose descriptors the peer has consumed, tells
 * byte queue limits and wakes the queue.  Frames the peer has not
 * consumed are taken back only through a new ring epoch the peer
 * acknowledges, or once the peer is known stopped: until then it may be
 * copying one.
 *
 * What other devices redirect to us (ndo_xdp_xmit) and what our XDP
 * program sends back go out on the same rings beside the stack's skbs,
 * under the same TX queue lock, as XDP frames the peer reads in place.
 */
#include <linux/multikernel.h>
#include <linux/skbuff.h>
#include <linux/virtio_net.h>
#include <net/xdp.h>
#include "mknet.h"

/* A TX ring slot holding an XDP frame, not an skb: both are aligned. */
#define MKNET_TX_XDP		0x1UL

static void *mknet_xdp_to_buf(struct xdp_frame *frame)
{
	return (void *)((unsigned long)frame | MKNET_TX_XDP);
}

static struct xdp_frame *mknet_buf_to_xdp(void *buf)
{
	unsigned long v = (unsigned long)buf;

	return v & MKNET_TX_XDP ? (struct xdp_frame *)(v & ~MKNET_TX_XDP) :
				  NULL;
}

static void mknet_tx_count(struct mknet_txq *txq, u64_stats_t *ctr)
{
	u64_stats_update_begin(&txq->stats.syncp);
	u64_stats_inc(ctr);
	u64_stats_update_end(&txq->stats.syncp);
}

/*
 * Room in a TX ring.  A descriptor is ours again once we completed it and
 * the peer consumed it: the two differ only after we freed the frames of
 * a peer that went away, or when the peer's index makes no sense.
 */
static u32 mknet_tx_room(const struct mknet_priv *priv,
			 const struct mknet_txq *txq)
{
	u32 unconsumed = txq->prod - READ_ONCE(txq->peer_ctl->index);
	u32 used;

	/* Taking frames back: nothing is published until the peer agrees. */
	if (READ_ONCE(txq->reclaiming))
		return 0;
	/* Pairs with the completion's release: the slots are clean. */
	used = txq->prod - smp_load_acquire(&txq->done);
	if (unconsumed <= priv->ring_size && unconsumed > used)
		used = unconsumed;
	/* Fault injection may have put our producer index far ahead. */
	return used <= priv->ring_size ? priv->ring_size - used : 0;
}

/*
 * The doorbell for the frames published since the last one, counted.
 *
 * Context: TX queue lock of @q held.
 */
static void mknet_tx_doorbell(struct mknet_priv *priv, struct mknet_txq *txq,
			      u32 q)
{
	bool bounded = false;

	switch (mknet_notify(priv, q, true, &bounded)) {
	case MKNET_NOTIFY_NONE:
		return;
	case MKNET_NOTIFY_SUPPRESSED:
		mknet_tx_count(txq, &txq->stats.doorbells_suppressed);
		return;
	case MKNET_NOTIFY_HELD:
		mknet_tx_count(txq, &txq->stats.doorbells_deferred);
		break;
	case MKNET_NOTIFY_BUSY:
		mknet_tx_count(txq, &txq->stats.doorbell_busy);
		break;
	case MKNET_NOTIFY_RANG:
		mknet_tx_count(txq, &txq->stats.doorbells);
		break;
	}
	if (bounded)
		mknet_tx_count(txq, &txq->stats.peer_coal_bounded);
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
	WRITE_ONCE(txq->ctl->event, event);
}

/*
 * Tell the peer whether our queue is stopped, so that it holds no
 * completion the queue waits for.  If the peer consumed frames before
 * it saw the word, it may be holding their completion: complete them
 * ourselves, in NAPI.
 */
static void mknet_tx_set_stopped(struct mknet_priv *priv,
				 struct mknet_txq *txq, u32 q)
{
	u32 stopped = netif_xmit_stopped(netdev_get_tx_queue(priv->dev, q));

	if (stopped == txq->stopped)
		return;
	txq->stopped = stopped;
	WRITE_ONCE(txq->ctl->stopped, stopped);
	/* Pairs with the barrier in mknet_notify(): one sees the other. */
	smp_mb();
	if (stopped && READ_ONCE(txq->peer_ctl->index) != READ_ONCE(txq->done))
		napi_schedule(&priv->qp[q].napi);
}

/* Stop before a frame of the most descriptors would no longer fit. */
static void mknet_tx_maybe_stop(struct mknet_priv *priv, struct mknet_txq *txq,
				u32 q, u32 room)
{
	if (room >= MKNET_MAX_DESCS) {
		mknet_tx_want_completion(txq, txq->prod - 1);
		mknet_tx_set_stopped(priv, txq, q);
		return;
	}
	netif_stop_subqueue(priv->dev, q);
	mknet_tx_count(txq, &txq->stats.ring_full);
	mknet_tx_want_completion(txq, txq->prod -
				 (priv->ring_size - room) / 2);
	mknet_tx_set_stopped(priv, txq, q);
	/*
	 * Re-check after publishing the event: the peer may have consumed
	 * past it before it saw it.  Completion is NAPI's: schedule it.
	 */
	smp_mb();
	if (txq->prod - READ_ONCE(txq->peer_ctl->index) + MKNET_MAX_DESCS <=
	    priv->ring_size)
		napi_schedule(&priv->qp[q].napi);
}

/* The non-empty fragments of @sh as pieces, after the @n already there. */
static u32 mknet_frag_pieces(const struct skb_shared_info *sh, u64 *addr,
			     u32 *len, u32 n)
{
	u32 i;

	for (i = 0; i < sh->nr_frags; i++) {
		const skb_frag_t *f = &sh->frags[i];

		if (!skb_frag_size(f))
			continue;
		addr[n] = page_to_phys(skb_frag_page(f)) + skb_frag_off(f);
		len[n++] = skb_frag_size(f);
	}
	return n;
}

/* Where the bytes of @skb are: one piece for its linear part and each fragment. */
static u32 mknet_tx_pieces(const struct sk_buff *skb, u64 *addr, u32 *len)
{
	const struct skb_shared_info *sh = skb_shinfo(skb);
	u32 n = 0;

	if (skb_headlen(skb)) {
		addr[n] = virt_to_phys(skb->data);
		len[n++] = skb_headlen(skb);
	}
	return mknet_frag_pieces(sh, addr, len, n);
}

static void mknet_tx_post(struct mknet_priv *priv, struct mknet_txq *txq,
			  void *buf, const struct virtio_net_hdr *hdr,
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
	txq->bufs[(txq->prod + n - 1) & mask] = buf;
}

/*
 * Drop a frame we cannot send, counted in @why as well as in the total.
 * Frames published earlier in an xmit_more batch still need the doorbell
 * this last frame would have rung.
 */
static netdev_tx_t mknet_tx_drop_last(struct mknet_priv *priv,
				      struct mknet_txq *txq, u32 q,
				      struct sk_buff *skb, u64_stats_t *why)
{
	u64_stats_update_begin(&txq->stats.syncp);
	u64_stats_inc(&txq->stats.dropped);
	u64_stats_inc(why);
	u64_stats_update_end(&txq->stats.syncp);
	dev_kfree_skb_any(skb);
	if (!netdev_xmit_more() && READ_ONCE(priv->peer_attached))
		mknet_tx_doorbell(priv, txq, q);
	return NETDEV_TX_OK;
}

/*
 * Whether every page of the frame lies where the peer reads our frames.
 * The head never lies elsewhere: only movable allocations (page cache,
 * user memory a socket sends from) take pages the peer does not read.
 */
static bool mknet_tx_frags_readable(const struct sk_buff *skb)
{
	const struct skb_shared_info *sh = skb_shinfo(skb);
	u32 i;

	for (i = 0; i < sh->nr_frags; i++)
		if (unlikely(!mk_page_readable_by_peers(skb_frag_page(&sh->frags[i]))))
			return false;
	return true;
}

/* A frame the peer can take in one piece per descriptor, or none. */
static bool mknet_tx_shape(struct mknet_txq *txq, struct sk_buff *skb)
{
	if (unlikely(skb->len < ETH_HLEN || skb->len > MKNET_MAX_FRAME ||
		     !skb_frags_readable(skb)))
		return false;
	if (likely(!skb_has_frag_list(skb) &&
		   skb_shinfo(skb)->nr_frags < MKNET_MAX_DESCS &&
		   mknet_tx_frags_readable(skb)))
		return true;
	mknet_tx_count(txq, &txq->stats.linearized);
	return !__skb_linearize(skb);
}

netdev_tx_t mknet_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct mknet_priv *priv = netdev_priv(dev);
	u32 q = skb_get_queue_mapping(skb), room, n, len = skb->len;
	/* Only the pieces mknet_tx_pieces() writes are read: not cleared. */
	u32 piece_len[MKNET_MAX_DESCS] __uninitialized;
	u64 addr[MKNET_MAX_DESCS] __uninitialized;
	struct virtio_net_hdr hdr;
	struct mknet_txq *txq;
	bool kick;

	/* A queue the stack has but we have no ring for: never written. */
	if (unlikely(q >= priv->num_queues)) {
		dev_core_stats_tx_dropped_inc(dev);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	txq = &priv->txq[q];
	if (unlikely(!READ_ONCE(priv->peer_attached)))
		return mknet_tx_drop_last(priv, txq, q, skb,
					  &txq->stats.drop_detached);
	room = mknet_tx_room(priv, txq);
	if (unlikely(!mknet_tx_shape(txq, skb) ||
		     virtio_net_hdr_from_skb(skb, &hdr, true, false, 0) ||
		     mknet_fault_xmit(priv)))
		return mknet_tx_drop_last(priv, txq, q, skb,
					  &txq->stats.drop_bad_frame);
	n = mknet_tx_pieces(skb, addr, piece_len);
	if (unlikely(n > room))
		return mknet_tx_drop_last(priv, txq, q, skb,
					  &txq->stats.drop_no_room);

	mknet_tx_post(priv, txq, skb, &hdr, addr, piece_len, n);
	/* Byte queue limits hear of it before the frame can complete. */
	kick = __netdev_tx_sent_queue(netdev_get_tx_queue(dev, q), len,
				      netdev_xmit_more());
	/* Descriptors and the skb before the indices that publish them. */
	smp_store_release(&txq->prod, txq->prod + n);
	/* Pairs with the peer's acquire of our producer index. */
	smp_store_release(&txq->ctl->index, txq->prod);

	u64_stats_update_begin(&txq->stats.syncp);
	u64_stats_inc(&txq->stats.packets);
	u64_stats_add(&txq->stats.bytes, len);
	u64_stats_update_end(&txq->stats.syncp);

	mknet_tx_maybe_stop(priv, txq, q, room - n);
	if (kick || __netif_subqueue_stopped(dev, q))
		mknet_tx_doorbell(priv, txq, q);
	return NETDEV_TX_OK;
}

/* Where the bytes of an XDP frame are; -EMSGSIZE if the peer cannot take it. */
static int mknet_xdp_pieces(const struct xdp_frame *frame, u64 *addr,
			    u32 *len)
{
	u32 total = xdp_get_frame_len(frame);
	const struct skb_shared_info *sh;

	if (total < ETH_HLEN || total > MKNET_MAX_FRAME)
		return -EMSGSIZE;
	addr[0] = virt_to_phys(frame->data);
	len[0] = frame->len;
	if (!xdp_frame_has_frags(frame))
		return 1;
	sh = xdp_get_shared_info_from_frame(frame);
	/* A descriptor for the head and one for each fragment. */
	if (sh->nr_frags >= MKNET_MAX_DESCS)
		return -EMSGSIZE;
	return mknet_frag_pieces(sh, addr, len, 1);
}

/*
 * Post XDP frames on our TX ring @q, in order, while they fit.  They
 * carry no offload: the header is all zero.  Returns how many went out.
 *
 * Context: TX queue lock of @q held.
 */
static u32 mknet_xdp_post(struct mknet_priv *priv, u32 q,
			  struct xdp_frame **frames, u32 count)
{
	const struct virtio_net_hdr hdr = {};
	struct mknet_txq *txq = &priv->txq[q];
	/* Only the pieces mknet_xdp_pieces() writes are read: not cleared. */
	u32 piece_len[MKNET_MAX_DESCS] __uninitialized;
	u64 addr[MKNET_MAX_DESCS] __uninitialized;
	u32 room, i, bytes = 0;

	/*
	 * Down, reshaping, or a peer not taking frames: the rings are not
	 * ours to fill, and another device's pages must not wait in them.
	 */
	if (READ_ONCE(priv->admin_state) != MKNET_STATE_UP ||
	    !READ_ONCE(priv->peer_attached) || q >= priv->num_queues ||
	    !netif_carrier_ok(priv->dev))
		return 0;
	room = mknet_tx_room(priv, txq);
	for (i = 0; i < count; i++) {
		int n = mknet_xdp_pieces(frames[i], addr, piece_len);

		if (n < 0 || n > room)
			break;
		mknet_tx_post(priv, txq, mknet_xdp_to_buf(frames[i]), &hdr,
			      addr, piece_len, n);
		/* As in transmit: the slots before the index. */
		smp_store_release(&txq->prod, txq->prod + n);
		room -= n;
		bytes += xdp_get_frame_len(frames[i]);
	}
	if (!i)
		return 0;
	/* Pairs with the peer's acquire of our producer index. */
	smp_store_release(&txq->ctl->index, txq->prod);
	u64_stats_update_begin(&txq->stats.syncp);
	u64_stats_add(&txq->stats.packets, i);
	u64_stats_add(&txq->stats.bytes, bytes);
	u64_stats_update_end(&txq->stats.syncp);
	WRITE_ONCE(txq->xdp_bytes, txq->xdp_bytes + bytes);
	/* The stack's frames must not find the ring full unannounced. */
	mknet_tx_maybe_stop(priv, txq, q, room);
	return i;
}

/**
 * mknet_xdp_xmit - send frames another device redirected to us
 * @dev: our device
 * @n: frames in @frames
 * @frames: the frames; those not sent stay the caller's to free
 * @flags: %XDP_XMIT_FLUSH rings the peer's doorbell for the batch
 *
 * The queue is chosen by CPU, as the stack would for a flow.
 *
 * Context: softirq.
 *
 * Return: frames sent, or -EINVAL for unknown flags.
 */
int mknet_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		   u32 flags)
{
	struct mknet_priv *priv = netdev_priv(dev);
	u32 nq_count = READ_ONCE(priv->num_queues), q, sent;
	struct netdev_queue *nq;
	struct mknet_txq *txq;

	if (unlikely(flags & ~XDP_XMIT_FLAGS_MASK))
		return -EINVAL;
	/* A reshape may change the count: mknet_xdp_post() checks again. */
	if (unlikely(!nq_count))
		return 0;
	q = smp_processor_id() % nq_count;
	nq = netdev_get_tx_queue(dev, q);
	txq = &priv->txq[q];
	__netif_tx_lock(nq, smp_processor_id());
	sent = mknet_xdp_post(priv, q, frames, n);
	if ((flags & XDP_XMIT_FLUSH) && READ_ONCE(priv->peer_attached))
		mknet_tx_doorbell(priv, txq, q);
	u64_stats_update_begin(&txq->stats.syncp);
	u64_stats_add(&txq->stats.xdp_xmit, sent);
	u64_stats_add(&txq->stats.xdp_xmit_errors, n - sent);
	u64_stats_update_end(&txq->stats.syncp);
	__netif_tx_unlock(nq);
	return sent;
}

/**
 * mknet_xdp_tx_bulk - send back what an XDP program returned XDP_TX for
 * @priv: our end
 * @q: our TX ring
 * @frames: the frames, in order
 * @n: how many
 *
 * All under one TX lock, with one doorbell.
 *
 * Context: NAPI.
 * Return: frames sent; the rest are the caller's.
 */
u32 mknet_xdp_tx_bulk(struct mknet_priv *priv, u32 q, struct xdp_frame **frames,
		      u32 n)
{
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, q);
	u32 sent;

	__netif_tx_lock(nq, smp_processor_id());
	sent = mknet_xdp_post(priv, q, frames, n);
	if (sent)
		mknet_tx_doorbell(priv, &priv->txq[q], q);
	__netif_tx_unlock(nq);
	return sent;
}

/* Free one frame of a TX ring: an skb, or an XDP frame. */
static void mknet_tx_buf_free(void *buf, int budget)
{
	struct xdp_frame *frame = mknet_buf_to_xdp(buf);

	/* Maybe another device's page_pool: never direct. */
	if (frame)
		xdp_return_frame(frame);
	else
		napi_consume_skb(buf, budget);
}

/*
 * Free the frames of descriptors @txq->done up to @to.  Only skbs count
 * in @pkts and @bytes, which byte queue limits hear of; XDP frames, which
 * the stack never queued, count in @xdp.
 */
static void mknet_tx_free(struct mknet_priv *priv, struct mknet_txq *txq,
			  u32 to, int budget, u32 *pkts, u32 *bytes, u32 *xdp)
{
	u32 done = txq->done, mask = priv->ring_size - 1;

	for (; done != to; done++) {
		void *buf = txq->bufs[done & mask];

		/* A stale descriptor must never name memory we freed. */
		WRITE_ONCE(txq->desc[done & mask].len, 0);
		if (!buf)
			continue;
		txq->bufs[done & mask] = NULL;
		if (mknet_buf_to_xdp(buf)) {
			(*xdp)++;
		} else {
			(*pkts)++;
			*bytes += ((struct sk_buff *)buf)->len;
		}
		mknet_tx_buf_free(buf, budget);
	}
	/* The descriptors are clean before transmit may fill them again. */
	smp_store_release(&txq->done, done);
}

/**
 * mknet_tx_republish - publish our TX ring's control again
 * @priv: our end
 * @q: our TX ring
 *
 * From our private copies, so that a peer that scribbled over them is
 * undone without a frame of ours to carry the fix; and the doorbell that
 * could not be sent (the peer stopped or moved meanwhile) rung now.
 *
 * Context: NAPI of queue pair @q.
 */
void mknet_tx_republish(struct mknet_priv *priv, u32 q)
{
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, q);
	struct mknet_txq *txq = &priv->txq[q];

	__netif_tx_lock(nq, smp_processor_id());
	WRITE_ONCE(txq->ctl->index, txq->prod);
	WRITE_ONCE(txq->ctl->event, txq->cons_event);
	WRITE_ONCE(txq->ctl->stopped, txq->stopped);
	WRITE_ONCE(txq->ctl->epoch, txq->epoch);
	/* A reclaim waits for the peer's poll: ask for it again. */
	if (txq->reclaiming && READ_ONCE(priv->peer_attached))
		mknet_ring_peer(priv, q);
	mknet_tx_doorbell(priv, txq, q);
	__netif_tx_unlock(nq);
}

/* Wake a TX queue stopped on a full ring once a frame of the most fits. */
static void mknet_tx_wake(struct mknet_priv *priv, struct mknet_qpair *qp,
			  struct mknet_txq *txq, struct netdev_queue *nq)
{
	if (!netif_tx_queue_stopped(nq) ||
	    mknet_tx_room(priv, txq) < MKNET_MAX_DESCS)
		return;
	__netif_tx_lock(nq, smp_processor_id());
	if (netif_tx_queue_stopped(nq) &&
	    mknet_tx_room(priv, txq) >= MKNET_MAX_DESCS) {
		netif_tx_wake_queue(nq);
		mknet_qp_count(qp, &qp->stats.wakes);
	}
	__netif_tx_unlock(nq);
}

/*
 * Complete our TX ring @q: free what the peer consumed, or everything
 * once the peer is gone, and wake the queue.  Counted in @qp, the queue
 * pair whose poll does it.
 *
 * Context: NAPI, holding the ring's completion lock.
 */
static void __mknet_tx_complete(struct mknet_priv *priv, struct mknet_qpair *qp,
				u32 q, int budget)
{
	struct mknet_txq *txq = &priv->txq[q];
	bool gone = READ_ONCE(priv->peer_gone);
	bool reclaim = READ_ONCE(txq->reclaiming);
	u32 prod, cons, pkts = 0, bytes = 0, xdp = 0;
	struct netdev_queue *nq;

	if (!txq->peer_ctl)
		return;
	nq = netdev_get_tx_queue(priv->dev, q);
	/* Pairs with the release in transmit: the frames are in place. */
	prod = smp_load_acquire(&txq->prod);
	if (prod - txq->done > priv->ring_size)
		return;
	/* A reclaim the peer acknowledged frees all, as for a gone peer. */
	if (reclaim) {
		if (!mknet_tx_quiet(priv, q))
			return;
		gone = true;
	}
	if (gone) {
		cons = prod;
	} else {
		/* Until the peer takes up our new area, its cons is of the old. */
		if (READ_ONCE(priv->retired_area))
			return;
		/* Pairs with the release of the peer's consumer index. */
		cons = smp_load_acquire(&txq->peer_ctl->index);
		/*
		 * Our producer index again, after the peer's: the peer may
		 * have consumed frames transmit published after our first read.
		 */
		prod = smp_load_acquire(&txq->prod);
		if (cons - txq->done > prod - txq->done) {
			/*
			 * Only the index of a peer attached and reading at our
			 * epoch must make sense: one stopped, restarted or still
			 * to take up the ring shows its last view, or none.
			 */
			if (READ_ONCE(priv->peer_attached) &&
			    READ_ONCE(txq->peer_ctl->epoch) == txq->epoch)
				mknet_qp_count(qp, &qp->stats.bad_peer_cons);
			return;
		}
	}
	if (cons != txq->done) {
		mknet_tx_free(priv, txq, cons, budget, &pkts, &bytes, &xdp);
		netdev_tx_completed_queue(nq, pkts, bytes);
		u64_stats_update_begin(&qp->stats.syncp);
		u64_stats_add(gone ? &qp->stats.tx_freed_in_flight :
				     &qp->stats.tx_completed, pkts + xdp);
		u64_stats_update_end(&qp->stats.syncp);
	}
	/* All taken back: the ring is ours to fill again. */
	if (reclaim)
		WRITE_ONCE(txq->reclaiming, false);
	mknet_tx_wake(priv, qp, txq, nq);
}

/**
 * mknet_tx_complete - complete every TX ring of ours
 * @priv: our end
 * @qp: the queue pair whose poll does it, which counts it
 * @budget: the poll's budget, for napi_consume_skb()
 *
 * Any poll completes every TX ring of ours, so that whatever the peer
 * sends back, on whichever queue, gives us our frames back without a
 * completion doorbell of its own.  A poll that finds a ring being
 * completed elsewhere leaves a note the completer reads after it is done.
 * Polls on other CPUs may keep leaving notes (a peer ringing every
 * queue's doorbell without pause): after %MKNET_COMPLETE_ROUNDS rounds
 * the note stays for our next run, which softirq's own budget schedules.
 *
 * Context: NAPI.
 */
void mknet_tx_complete(struct mknet_priv *priv, struct mknet_qpair *qp,
		       int budget)
{
	u32 q, round;

	for (q = 0; q < priv->num_queues; q++) {
		struct mknet_txq *txq = &priv->txq[q];

		WRITE_ONCE(txq->complete_again, true);
		/* The note is seen by a completer that is about to unlock. */
		smp_mb();
		for (round = 0; READ_ONCE(txq->complete_again); round++) {
			if (round == MKNET_COMPLETE_ROUNDS) {
				mknet_qp_count(qp,
					       &qp->stats.completions_rescheduled);
				/* Running: NAPI polls us again, not at once. */
				napi_schedule(&qp->napi);
				break;
			}
			if (!spin_trylock(&txq->complete_lock))
				break;
			WRITE_ONCE(txq->complete_again, false);
			__mknet_tx_complete(priv, qp, q, budget);
			if (mknet_fault_storming(priv))
				WRITE_ONCE(txq->complete_again, true);
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
	u32 pkts = 0, bytes = 0, xdp = 0;

	if (!txq->bufs)
		return;
	/* Every slot, whatever fault injection did to the indices. */
	txq->done = txq->prod - priv->ring_size;
	WRITE_ONCE(txq->reclaiming, false);
	mknet_tx_free(priv, txq, txq->prod, 0, &pkts, &bytes, &xdp);
	if (q < priv->dev->num_tx_queues)
		netdev_tx_reset_queue(netdev_get_tx_queue(priv->dev, q));
	u64_stats_update_begin(&priv->qp[q].stats.syncp);
	u64_stats_add(&priv->qp[q].stats.tx_freed_in_flight, pkts + xdp);
	u64_stats_update_end(&priv->qp[q].stats.syncp);
}

/**
 * mknet_tx_free_bufs - free the frames of rings no peer reads any more
 * @priv: our end
 * @bufs: the rings' frames, as &mknet_txq.bufs holds them
 * @n: entries in @bufs
 *
 * Context: process context.
 */
void mknet_tx_free_bufs(struct mknet_priv *priv, void **bufs, u32 n)
{
	u32 i, freed = 0;

	for (i = 0; i < n; i++) {
		if (!bufs[i])
			continue;
		/* Budget 0: not in NAPI, the skb goes the slow way. */
		mknet_tx_buf_free(bufs[i], 0);
		bufs[i] = NULL;
		freed++;
	}
	u64_stats_update_begin(&priv->qp[0].stats.syncp);
	u64_stats_add(&priv->qp[0].stats.tx_freed_in_flight, freed);
	u64_stats_update_end(&priv->qp[0].stats.syncp);
}

/**
 * mknet_tx_reclaim - take back the frames of a TX ring that the peer holds
 * @priv: our end
 * @q: the ring
 *
 * The peer may be copying any frame it has not consumed, so none is freed
 * here.  The ring's epoch moves and the ring stops; the peer, at its next
 * poll of the ring, takes it up at our producer index and acknowledges
 * the epoch in its area, and rings us.  Only then, or once the peer is
 * known stopped, does the completion free the frames and start the ring
 * again.
 *
 * Context: TX queue lock of @q held, or the data path stopped.
 * Return: true if a reclaim started, false if one is already under way.
 */
bool mknet_tx_reclaim(struct mknet_priv *priv, u32 q)
{
	struct mknet_txq *txq = &priv->txq[q];

	if (txq->reclaiming || !txq->bufs)
		return false;
	netif_stop_subqueue(priv->dev, q);
	txq->epoch = mknet_epoch_next(txq->epoch);
	WRITE_ONCE(txq->reclaiming, true);
	/* Pairs with the acquire of the peer's poll. */
	smp_store_release(&txq->ctl->epoch, txq->epoch);
	mknet_tx_count(txq, &txq->stats.reclaims);
	if (READ_ONCE(priv->peer_attached))
		mknet_ring_peer(priv, q);
	return true;
}

/**
 * mknet_tx_quiet - whether the peer reads no frame of a TX ring any more
 * @priv: our end
 * @q: the ring, with a reclaim started
 *
 * Return: true once the peer acknowledged the ring's epoch, stopped
 * reading our rings, or is known stopped.
 */
bool mknet_tx_quiet(const struct mknet_priv *priv, u32 q)
{
	const struct mknet_txq *txq = &priv->txq[q];

	if (READ_ONCE(priv->peer_gone) || !txq->peer_ctl)
		return true;
	/* Our epoch is visible before we read the peer's answer. */
	smp_mb();
	return mknet_epoch_quiet(READ_ONCE(txq->peer_ctl->epoch),
				 txq->epoch);
}

/**
 * mknet_tx_reclaim_stalled - take back frames the peer sits on
 * @priv: our end
 *
 * A peer that stopped its receive path, stopped advancing its consumer
 * index or restarted into a kernel without mknet would hold our skbs,
 * their sockets' memory and other devices' XDP pages for good, whatever
 * our carrier says.  A ring whose completions have not moved for
 * %MKNET_TX_RECLAIM_AFTER with frames out is reclaimed.
 *
 * Context: the watchdog timer.
 */
void mknet_tx_reclaim_stalled(struct mknet_priv *priv)
{
	u32 q;

	for (q = 0; q < priv->num_queues; q++) {
		struct mknet_txq *txq = &priv->txq[q];
		struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, q);
		/* Pairs with the completion's release. */
		u32 done = smp_load_acquire(&txq->done);

		if (READ_ONCE(txq->prod) == done || done != txq->stall_done) {
			txq->stall_done = done;
			txq->stall_since = jiffies;
			continue;
		}
		if (!time_after(jiffies, txq->stall_since +
					 MKNET_TX_RECLAIM_AFTER))
			continue;
		__netif_tx_lock(nq, smp_processor_id());
		if (mknet_tx_reclaim(priv, q))
			netdev_warn_once(priv->dev,
					 "peer holds frames without consuming them: taking them back\n");
		__netif_tx_unlock(nq);
		txq->stall_since = jiffies;
	}
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

/*
 * Take back what the stuck rings hold.  The frames are freed once the
 * peer has acknowledged, by the completion, as for any other reclaim.
 */
static void mknet_tx_reset(struct mknet_priv *priv)
{
	u32 q;

	for (q = 0; q < priv->num_queues; q++) {
		struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, q);

		__netif_tx_lock_bh(nq);
		mknet_tx_reclaim(priv, q);
		__netif_tx_unlock_bh(nq);
	}
	local_bh_disable();
	for (q = 0; q < priv->num_napi; q++)
		napi_schedule(&priv->qp[q].napi);
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
		netdev_warn(priv->dev, "peer stopped taking frames: taking back those in flight\n");
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
