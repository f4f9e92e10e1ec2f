// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet data path.
 *
 * Each queue pair q has our TX ring q and the peer's TX ring q, which we
 * receive from.  Transmit publishes descriptors that name the skb's own
 * memory (its linear part and fragments, by physical address), keeps the
 * skb, and rings the peer's doorbell for q only if the peer asked for it
 * (virtio's event index).  A doorbell can only be refused when the peer
 * stopped or moved its CPUs; it stays owed, and the watchdog's
 * republishing rings it once the peer is back.
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
 * cannot make us read anything outside its RAM.  The copy is machine
 * check safe: a poisoned page of the peer's costs the frame
 * (drop_poisoned), not this kernel.
 *
 * An XDP program sees each frame in our page_pool pages right after the
 * copy.  What it sends back (XDP_TX) and what other devices redirect to
 * us (ndo_xdp_xmit) go out on our TX rings beside the stack's skbs, under
 * the same TX queue lock, as XDP frames the peer reads in place.
 */
#include <linux/bpf_trace.h>
#include <linux/filter.h>
#include <linux/multikernel.h>
#include <linux/skbuff.h>
#include <linux/unaligned.h>
#include <linux/virtio_net.h>
#include <net/checksum.h>
#include <net/page_pool/helpers.h>
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

/**
 * mknet_ring_peer - ring the peer's doorbell of a queue pair
 * @priv: our end
 * @q: the queue pair
 *
 * Return: 0, -ENOTCONN before the ends are attached, or the error of
 * mk_bell_ring(): the peer stopped or moved, which the watchdog handles.
 */
int mknet_ring_peer(struct mknet_priv *priv, u32 q)
{
	if (!READ_ONCE(priv->peer_attached))
		return -ENOTCONN;
	return mk_bell_ring(&priv->peer_bell[q]);
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
	u32 unconsumed = txq->prod - READ_ONCE(txq->peer_rx_ctl->cons);
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
 * How long the doorbell of pair @q may wait under the moderation the
 * peer asked for (mknet_coal_wait()); the clock is read only when there
 * is moderation to apply.
 */
static u32 mknet_bell_wait(struct mknet_priv *priv, u32 q, u32 usecs,
			   u32 frames, u32 past)
{
	s64 since;

	if (!usecs || (frames && past >= frames))
		return 0;
	since = ktime_us_delta(ktime_get(), READ_ONCE(priv->qp[q].bell_last));
	return mknet_coal_wait(usecs, frames, past, max_t(s64, since, 0));
}

/*
 * Hold a doorbell the peer's moderation lets wait: the pair's timer rings
 * it when the wait is over, unless a doorbell goes before.  Of two waits,
 * the shorter wins.
 */
static void mknet_bell_defer(struct mknet_priv *priv, u32 q, u32 usecs)
{
	struct hrtimer *t = &priv->qp[q].bell_timer;

	if (hrtimer_is_queued(t) &&
	    ktime_before(hrtimer_get_remaining(t), mknet_usecs(usecs)))
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
 * Ring the peer's doorbell for the frames published since the last one,
 * if it asked for one.  A doorbell that cannot be sent (the peer stopped
 * or moved) stays owed: @notified keeps its old value, so the next
 * decision, or the watchdog's republishing, still covers these frames.
 *
 * Context: TX queue lock of @q held.
 */
static void mknet_tx_doorbell(struct mknet_priv *priv, struct mknet_txq *txq,
			      u32 q)
{
	const struct mknet_rx_ctl *ctl = txq->peer_rx_ctl;
	u32 event, usecs, frames, wait;

	if (txq->prod == txq->notified)
		return;
	/* Our producer index must be visible before we read the event. */
	smp_mb();
	event = READ_ONCE(ctl->prod_event);
	if (!mknet_need_event(event, txq->prod, txq->notified)) {
		txq->notified = txq->prod;
		mknet_tx_count(txq, &txq->stats.doorbells_suppressed);
		return;
	}
	usecs = READ_ONCE(ctl->coal_usecs);
	frames = READ_ONCE(ctl->coal_frames);
	if (mknet_coal_bound(&usecs, &frames, priv->ring_size))
		mknet_tx_count(txq, &txq->stats.peer_coal_bounded);
	/* Still owed (@notified stays), so later frames decide again. */
	wait = mknet_bell_wait(priv, q, usecs, frames, txq->prod - event);
	if (wait) {
		mknet_tx_count(txq, &txq->stats.doorbells_deferred);
		mknet_bell_defer(priv, q, wait);
		return;
	}
	if (mknet_ring_peer(priv, q)) {
		mknet_tx_count(txq, &txq->stats.doorbell_busy);
		return;
	}
	mknet_bell_rung(priv, q);
	txq->notified = txq->prod;
	mknet_tx_count(txq, &txq->stats.doorbells);
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
	u32 piece_len[MKNET_MAX_DESCS];
	u64 addr[MKNET_MAX_DESCS];
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
	u32 piece_len[MKNET_MAX_DESCS];
	u64 addr[MKNET_MAX_DESCS];
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
	smp_store_release(&txq->ctl->prod, txq->prod);
	u64_stats_update_begin(&txq->stats.syncp);
	u64_stats_add(&txq->stats.packets, i);
	u64_stats_add(&txq->stats.bytes, bytes);
	u64_stats_update_end(&txq->stats.syncp);
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

static void mknet_rx_count(struct mknet_qpair *qp, u64_stats_t *ctr)
{
	u64_stats_update_begin(&qp->stats.syncp);
	u64_stats_inc(ctr);
	u64_stats_update_end(&qp->stats.syncp);
}

/*
 * A frame the copy could not take: the peer's memory poisoned (-EIO), a
 * frame mknet_frame_check() should have refused (-EINVAL), or no memory.
 */
static void mknet_rx_count_copy_error(struct mknet_qpair *qp, int err)
{
	switch (err) {
	case -EIO:
		mknet_rx_count(qp, &qp->stats.poisoned);
		break;
	case -EINVAL:
		mknet_rx_count(qp, &qp->stats.bad_desc);
		break;
	default:
		mknet_rx_count(qp, &qp->stats.nomem);
	}
}

/* This pair has an RX ring: the peer has a TX ring of its index. */
static bool mknet_qp_live(const struct mknet_priv *priv,
			  const struct mknet_qpair *qp)
{
	return READ_ONCE(priv->peer_attached) &&
	       qp->index < priv->peer.num_queues;
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

	if (!txq->peer_rx_ctl)
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
		cons = READ_ONCE(txq->peer_rx_ctl->cons);
		if (cons - txq->done > prod - txq->done) {
			mknet_rx_count(qp, &qp->stats.bad_peer_cons);
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
	if (!netif_tx_queue_stopped(nq) ||
	    mknet_tx_room(priv, txq) < MKNET_MAX_DESCS)
		return;
	__netif_tx_lock(nq, smp_processor_id());
	if (netif_tx_queue_stopped(nq) &&
	    mknet_tx_room(priv, txq) >= MKNET_MAX_DESCS) {
		netif_tx_wake_queue(nq);
		mknet_rx_count(qp, &qp->stats.wakes);
	}
	__netif_tx_unlock(nq);
}

/*
 * Any poll completes every TX ring of ours, so that whatever the peer
 * sends back, on whichever queue, gives us our frames back without a
 * completion doorbell of its own.  A poll that finds a ring being
 * completed elsewhere leaves a note the completer reads after it is done.
 * Polls on other CPUs may keep leaving notes (a peer ringing every
 * queue's doorbell without pause): after %MKNET_COMPLETE_ROUNDS rounds
 * the note stays for our next run, which softirq's own budget schedules.
 */
static void mknet_tx_complete(struct mknet_priv *priv, struct mknet_qpair *qp,
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
				mknet_rx_count(qp,
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

	if (READ_ONCE(priv->peer_gone) || !txq->peer_rx_ctl)
		return true;
	/* Our epoch is visible before we read the peer's answer. */
	smp_mb();
	return mknet_epoch_quiet(READ_ONCE(txq->peer_rx_ctl->epoch_ack),
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
 * mknet_rx_epochs_publish - say in our area whether we read the peer's rings
 * @priv: our end, its NAPI contexts disabled
 * @running: the receive path is about to start; else it just stopped
 *
 * A stopped receive path acknowledges every epoch: the peer may free
 * whatever it likes.  A starting one acknowledges the epochs it took up,
 * and its polls take up any later one before they read a descriptor.
 */
void mknet_rx_epochs_publish(struct mknet_priv *priv, bool running)
{
	u32 q;

	for (q = 0; q < MKNET_MAX_QUEUES; q++) {
		struct mknet_qpair *qp = &priv->qp[q];

		WRITE_ONCE(qp->ctl->epoch_ack,
			   running && mknet_qp_live(priv, qp) ?
			   qp->epoch : MKNET_EPOCH_IDLE);
	}
	/* Seen before any poll reads the peer's epochs or descriptors. */
	smp_mb();
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
 * mknet_rx_epoch_moved - whether a frame just copied was taken back
 * @qp: the queue it came from
 *
 * The peer frees frames only after we acknowledge their epoch; one that
 * moved during our copy says the peer no longer stands by the frame.
 *
 * Return: true to drop it.
 */
static bool mknet_rx_epoch_moved(struct mknet_qpair *qp)
{
	/* The copy is done before we look at the epoch. */
	smp_rmb();
	if (likely(READ_ONCE(qp->peer_tx_ctl->epoch) == qp->epoch))
		return false;
	mknet_rx_count(qp, &qp->stats.drop_peer_reset);
	return true;
}

/* What the receive path builds must fit the skb it builds it in. */
static_assert(MKNET_RX_MAX_FRAGS <= MAX_SKB_FRAGS);
static_assert(PAGE_SIZE >= MKNET_BUF_SIZE);
#define MKNET_RX_SHINFO		SKB_DATA_ALIGN(sizeof(struct skb_shared_info))
static_assert(MKNET_RX_LINEAR_MAX >= MKNET_RX_HEAD);

/*
 * A page_pool buffer with room for @len bytes after the headroom.
 * Returns the skb, ERR_PTR(-EIO) if the peer's memory is poisoned, or
 * another ERR_PTR.
 */
static struct sk_buff *mknet_rx_head(struct mknet_qpair *qp, const u8 *const *src,
				     const struct mknet_desc *descs, u32 n,
				     u32 len)
{
	u32 truesize = SKB_DATA_ALIGN(MKNET_RX_HEADROOM + len) + MKNET_RX_SHINFO;
	struct sk_buff *skb;
	struct page *page;
	u32 off;
	int err;
	u8 *buf;

	page = page_pool_dev_alloc_frag(qp->page_pool, &off, truesize);
	if (!page)
		return ERR_PTR(-ENOMEM);
	buf = page_address(page) + off;
	err = mknet_frame_copy(buf + MKNET_RX_HEADROOM, src, descs, n, 0, len);
	if (err)
		goto put;
	skb = napi_build_skb(buf, truesize);
	if (!skb) {
		err = -ENOMEM;
		goto put;
	}
	skb_mark_for_recycle(skb);
	skb_reserve(skb, MKNET_RX_HEADROOM);
	skb_put(skb, len);
	return skb;
put:
	page_pool_put_full_page(qp->page_pool, page, true);
	return ERR_PTR(err);
}

/*
 * The one copy of a frame: out of the peer's memory into our pages.
 * Errors as mknet_rx_head().
 */
static struct sk_buff *mknet_build_skb(struct mknet_qpair *qp,
				       const u8 *const *src,
				       const struct mknet_desc *descs, u32 n,
				       u32 total)
{
	u32 head = total <= MKNET_RX_LINEAR_MAX ? total : MKNET_RX_HEAD;
	struct sk_buff *skb;
	u32 off;
	int err;

	/* mknet_frame_check() bounds the frame; say so where it matters. */
	if (WARN_ON_ONCE(mknet_rx_frags(total, head) > MKNET_RX_MAX_FRAGS))
		return ERR_PTR(-EINVAL);
	skb = mknet_rx_head(qp, src, descs, n, head);
	if (IS_ERR(skb))
		return skb;
	for (off = head; off < total; ) {
		u32 chunk = min(total - off, MKNET_BUF_SIZE);
		struct page *page = page_pool_dev_alloc_pages(qp->page_pool);

		if (!page) {
			err = -ENOMEM;
			goto free;
		}
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, chunk,
				PAGE_SIZE);
		err = mknet_frame_copy(page_address(page), src, descs, n, off,
				       chunk);
		if (err)
			goto free;
		off += chunk;
	}
	return skb;
free:
	kfree_skb(skb);
	return ERR_PTR(err);
}

/* Hand a frame to the stack with the offloads the peer's header names. */
static void mknet_rx_deliver(struct mknet_priv *priv, struct mknet_qpair *qp,
			     struct sk_buff *skb,
			     const struct virtio_net_hdr *hdr)
{
	if (virtio_net_hdr_to_skb(skb, hdr, true)) {
		mknet_rx_count(qp, &qp->stats.bad_hdr);
		kfree_skb(skb);
		return;
	}
	u64_stats_update_begin(&qp->stats.syncp);
	u64_stats_inc(&qp->stats.packets);
	u64_stats_add(&qp->stats.bytes, skb->len);
	u64_stats_update_end(&qp->stats.syncp);
	skb->protocol = eth_type_trans(skb, priv->dev);
	skb_record_rx_queue(skb, qp->index);
	napi_gro_receive(&qp->napi, skb);
}

/*
 * The one copy of a frame, for an XDP program: as much as fits beside
 * the headroom and the shared info in one page, the rest in fragments of
 * whole pages, which bpf_xdp_adjust_tail() may grow into.  Returns 0,
 * -EIO if the peer's memory is poisoned, or another error.
 */
static int mknet_xdp_fill(struct mknet_qpair *qp, struct xdp_buff *xdp,
			  const u8 *const *src,
			  const struct mknet_desc *descs, u32 n, u32 total)
{
	u32 head = min(total, MKNET_RX_LINEAR_MAX), off, chunk;
	struct skb_shared_info *sh;
	struct page *page;
	int err;

	page = page_pool_dev_alloc_pages(qp->page_pool);
	if (!page)
		return -ENOMEM;
	xdp_init_buff(xdp, PAGE_SIZE, &qp->xdp_rxq);
	xdp_prepare_buff(xdp, page_address(page), MKNET_RX_HEADROOM, head, true);
	err = mknet_frame_copy(xdp->data, src, descs, n, 0, head);
	if (err)
		goto put;
	if (head == total)
		return 0;
	sh = xdp_get_shared_info_from_buff(xdp);
	sh->nr_frags = 0;
	sh->xdp_frags_size = 0;
	xdp_buff_set_frags_flag(xdp);
	for (off = head; off < total; off += chunk) {
		chunk = min(total - off, MKNET_BUF_SIZE);
		/* mknet_frame_check() bounds the frame; say so where it matters. */
		err = -EINVAL;
		if (WARN_ON_ONCE(sh->nr_frags >= MKNET_RX_MAX_FRAGS))
			goto put;
		err = -ENOMEM;
		page = page_pool_dev_alloc_pages(qp->page_pool);
		if (!page)
			goto put;
		skb_frag_fill_page_desc(&sh->frags[sh->nr_frags++], page, 0,
					chunk);
		sh->xdp_frags_size += chunk;
		if (page_is_pfmemalloc(page))
			xdp_buff_set_frag_pfmemalloc(xdp);
		err = mknet_frame_copy(page_address(page), src, descs, n, off,
				       chunk);
		if (err)
			goto put;
	}
	return 0;
put:
	xdp_return_buff(xdp);
	return err;
}

/* The program moved the frame's start by @shift bytes: so do the offsets. */
static int mknet_hdr_shift(struct virtio_net_hdr *hdr, int shift)
{
	int start;

	if (!shift || !(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	start = __virtio16_to_cpu(true, hdr->csum_start) + shift;
	if (start < 0 || start > U16_MAX)
		return -EINVAL;
	hdr->csum_start = __cpu_to_virtio16(true, start);
	return 0;
}

/*
 * A frame that leaves by XDP_TX or XDP_REDIRECT carries no offload, so
 * the checksum the peer left to us is finished here; a GSO frame cannot
 * leave as one frame.  The checksum field must lie in the linear part.
 */
static int mknet_xdp_csum(struct xdp_buff *xdp,
			  const struct virtio_net_hdr *hdr)
{
	u32 len = xdp->data_end - xdp->data, start, field, pos, i;
	const struct skb_shared_info *sh;
	__wsum csum;

	if (hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return -EMSGSIZE;
	if (!(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	start = __virtio16_to_cpu(true, hdr->csum_start);
	field = start + __virtio16_to_cpu(true, hdr->csum_offset);
	if (field + sizeof(__sum16) > len)
		return -EINVAL;
	csum = csum_partial(xdp->data + start, len - start, 0);
	if (xdp_buff_has_frags(xdp)) {
		sh = xdp_get_shared_info_from_buff(xdp);
		pos = len - start;
		for (i = 0; i < sh->nr_frags; i++) {
			const skb_frag_t *f = &sh->frags[i];

			csum = csum_block_add(csum,
					      csum_partial(skb_frag_address(f),
							   skb_frag_size(f), 0),
					      pos);
			pos += skb_frag_size(f);
		}
	}
	put_unaligned(csum_fold(csum) ?: CSUM_MANGLED_0,
		      (__sum16 *)(xdp->data + field));
	return 0;
}

/* An skb around an XDP buffer the program passed, pages and all. */
static struct sk_buff *mknet_xdp_build_skb(struct xdp_buff *xdp)
{
	const struct skb_shared_info *sh = xdp_get_shared_info_from_buff(xdp);
	u32 metalen = xdp->data - xdp->data_meta, nr_frags = 0, size = 0;
	struct sk_buff *skb;

	/* Building the skb clears the shared info's counts: read them first. */
	if (xdp_buff_has_frags(xdp)) {
		nr_frags = sh->nr_frags;
		size = sh->xdp_frags_size;
	}
	skb = napi_build_skb(xdp->data_hard_start, xdp->frame_sz);
	if (!skb)
		return NULL;
	skb_mark_for_recycle(skb);
	skb_reserve(skb, xdp->data - xdp->data_hard_start);
	__skb_put(skb, xdp->data_end - xdp->data);
	if (metalen)
		skb_metadata_set(skb, metalen);
	if (nr_frags)
		xdp_update_skb_shared_info(skb, nr_frags, size,
					   nr_frags * PAGE_SIZE,
					   xdp_buff_is_frag_pfmemalloc(xdp));
	return skb;
}

/*
 * Post what XDP_TX gathered on our TX ring of this queue pair, under one
 * lock, with one doorbell.  What does not fit is dropped, as a full NIC
 * ring drops, and counted.
 */
static void mknet_xdp_tx_flush(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	u32 q = qp->index % priv->num_queues, n = qp->xdp_tx_count, sent, i;
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, q);

	if (!n)
		return;
	qp->xdp_tx_count = 0;
	__netif_tx_lock(nq, smp_processor_id());
	sent = mknet_xdp_post(priv, q, qp->xdp_tx_bulk, n);
	if (sent)
		mknet_tx_doorbell(priv, &priv->txq[q], q);
	__netif_tx_unlock(nq);
	for (i = sent; i < n; i++)
		xdp_return_frame_rx_napi(qp->xdp_tx_bulk[i]);
	u64_stats_update_begin(&qp->stats.syncp);
	u64_stats_add(&qp->stats.xdp_tx, sent);
	u64_stats_add(&qp->stats.xdp_tx_errors, n - sent);
	u64_stats_update_end(&qp->stats.syncp);
}

/* Gather a frame to send back to the peer; posted with the bulk. */
static int mknet_xdp_tx(struct mknet_priv *priv, struct mknet_qpair *qp,
			struct xdp_buff *xdp)
{
	struct xdp_frame *frame = xdp_convert_buff_to_frame(xdp);

	if (!frame)
		return -ENOMEM;
	qp->xdp_tx_bulk[qp->xdp_tx_count++] = frame;
	if (qp->xdp_tx_count == MKNET_XDP_TX_BULK)
		mknet_xdp_tx_flush(priv, qp);
	return 0;
}

/* Run the XDP program on one frame and carry out its verdict. */
static void mknet_rx_xdp(struct mknet_priv *priv, struct mknet_qpair *qp,
			 struct bpf_prog *prog, const u8 *const *src,
			 const struct mknet_desc *descs, u32 n, u32 total)
{
	struct virtio_net_hdr hdr = descs[0].hdr;
	struct sk_buff *skb;
	struct xdp_buff xdp;
	void *data;
	u32 act;
	int err;

	/* Only a frags-aware program sees a frame larger than a page. */
	if (total > MKNET_RX_LINEAR_MAX && !prog->aux->xdp_has_frags) {
		mknet_rx_count(qp, &qp->stats.xdp_too_big);
		return;
	}
	err = mknet_xdp_fill(qp, &xdp, src, descs, n, total);
	if (err) {
		mknet_rx_count_copy_error(qp, err);
		return;
	}
	if (mknet_rx_epoch_moved(qp))
		goto drop;
	data = xdp.data;
	mknet_rx_count(qp, &qp->stats.xdp_packets);
	act = bpf_prog_run_xdp(prog, &xdp);
	if ((act == XDP_PASS || act == XDP_TX || act == XDP_REDIRECT) &&
	    mknet_hdr_shift(&hdr, data - xdp.data)) {
		mknet_rx_count(qp, &qp->stats.bad_hdr);
		goto drop;
	}
	switch (act) {
	case XDP_PASS:
		skb = mknet_xdp_build_skb(&xdp);
		if (!skb) {
			mknet_rx_count(qp, &qp->stats.nomem);
			goto drop;
		}
		mknet_rx_deliver(priv, qp, skb, &hdr);
		return;
	case XDP_TX:
		if (mknet_xdp_csum(&xdp, &hdr) || mknet_xdp_tx(priv, qp, &xdp)) {
			mknet_rx_count(qp, &qp->stats.xdp_tx_errors);
			trace_xdp_exception(priv->dev, prog, act);
			goto drop;
		}
		return;
	case XDP_REDIRECT:
		if (mknet_xdp_csum(&xdp, &hdr) ||
		    xdp_do_redirect(priv->dev, &xdp, prog)) {
			mknet_rx_count(qp, &qp->stats.xdp_redirect_errors);
			trace_xdp_exception(priv->dev, prog, act);
			goto drop;
		}
		qp->xdp_redirected = true;
		mknet_rx_count(qp, &qp->stats.xdp_redirect);
		return;
	default:
		bpf_warn_invalid_xdp_action(priv->dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		trace_xdp_exception(priv->dev, prog, act);
		fallthrough;
	case XDP_DROP:
		mknet_rx_count(qp, &qp->stats.xdp_drops);
		break;
	}
drop:
	xdp_return_buff(&xdp);
}

/* What a poll's XDP verdicts left to do: flush redirects, post XDP_TX. */
static void mknet_xdp_finish(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	if (qp->xdp_redirected) {
		qp->xdp_redirected = false;
		xdp_do_flush();
	}
	mknet_xdp_tx_flush(priv, qp);
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
static u32 mknet_rx_frame(struct mknet_priv *priv, struct mknet_qpair *qp,
			  struct bpf_prog *prog, u32 cons, u32 avail)
{
	struct mknet_desc descs[MKNET_MAX_DESCS];
	const u8 *src[MKNET_MAX_DESCS];
	u32 mask = priv->peer.ring_size - 1;
	u32 i, n, total = 0;
	struct sk_buff *skb;

	/* Copy first: the peer may rewrite descriptors while we look. */
	avail = min(avail, MKNET_MAX_DESCS);
	for (i = 0; i < avail; i++) {
		memcpy(&descs[i], &qp->peer_desc[(cons + i) & mask],
		       sizeof(descs[i]));
		if (!(descs[i].flags & MKNET_DESC_MORE))
			break;
	}
	if (mknet_frame_check(descs, min(i + 1, avail), &n, &total) ||
	    total < ETH_HLEN) {
		mknet_rx_count(qp, &qp->stats.bad_desc);
		return n;
	}
	if (!mknet_rx_resolve(&priv->peer, descs, n, src)) {
		mknet_rx_count(qp, &qp->stats.bad_addr);
		return n;
	}
	if (prog) {
		mknet_rx_xdp(priv, qp, prog, src, descs, n, total);
		return n;
	}
	skb = mknet_build_skb(qp, src, descs, n, total);
	if (IS_ERR(skb)) {
		mknet_rx_count_copy_error(qp, PTR_ERR(skb));
		return n;
	}
	if (mknet_rx_epoch_moved(qp)) {
		kfree_skb(skb);
		return n;
	}
	mknet_rx_deliver(priv, qp, skb, &descs[0].hdr);
	return n;
}

/*
 * Tell the peer we freed room, if it asked.  As on transmit, a doorbell
 * that cannot be sent stays owed (@cons_notified stays).
 */
static void mknet_rx_kick(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	const struct mknet_tx_ctl *ctl = qp->peer_tx_ctl;
	u32 event, usecs, frames, wait;

	/* Our consumer index must be visible before we read the event. */
	smp_mb();
	event = READ_ONCE(ctl->cons_event);
	if (!mknet_need_event(event, qp->cons, qp->cons_notified)) {
		qp->cons_notified = qp->cons;
		return;
	}
	usecs = READ_ONCE(ctl->coal_usecs);
	frames = READ_ONCE(ctl->coal_frames);
	if (mknet_coal_bound(&usecs, &frames, priv->peer.ring_size))
		mknet_rx_count(qp, &qp->stats.peer_coal_bounded);
	/*
	 * No one waits on a completion as on a frame: it is held for the
	 * whole interval from the first, and a doorbell for frames of ours
	 * that goes meanwhile (the answer to a request) carries it.
	 */
	wait = mknet_coal_wait(usecs, frames, qp->cons - event, 0);
	if (wait) {
		/* Owed until rung: @cons_notified stays. */
		mknet_rx_count(qp, &qp->stats.completions_deferred);
		mknet_bell_defer(priv, qp->index, wait);
		return;
	}
	if (mknet_ring_peer(priv, qp->index)) {
		mknet_rx_count(qp, &qp->stats.completion_doorbell_busy);
		return;
	}
	mknet_bell_rung(priv, qp->index);
	qp->cons_notified = qp->cons;
	mknet_rx_count(qp, &qp->stats.completion_doorbells);
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

static void mknet_rx_release(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	/* Our reads of the peer's pages are done before it may free them. */
	smp_store_release(&qp->ctl->cons, qp->cons);
	/* Whether the peer wants to hear of it is decided after GRO. */
	if (!qp->completion_due) {
		qp->completion_due = true;
		/* A frame of ours counted as later is published after it. */
		smp_mb();
		qp->prods_seen = mknet_tx_prods(priv);
	}
}

/*
 * Whether the peer's NAPI context of this pair is still on: it took
 * frames of ours since it last asked for a doorbell (its consumer index
 * is past its event index), and has not asked again because it is
 * scheduled, deferred (napi_defer_hard_irqs) or owned by a busy-polling
 * socket.  Each of these ends in a poll, and every poll completes its TX
 * rings.  A peer that took nothing since it asked is not on, even with
 * frames of ours waiting: their doorbell may be held by its moderation.
 * When it asks, it reads our consumer index after (mknet_poll_rearm()),
 * as we read its event after publishing ours: one of us sees the other.
 */
static bool mknet_peer_napi_on(const struct mknet_priv *priv,
			       const struct mknet_qpair *qp)
{
	const struct mknet_rx_ctl *ctl;

	if (qp->index >= priv->num_queues)
		return false;
	ctl = priv->txq[qp->index].peer_rx_ctl;
	return ctl && READ_ONCE(ctl->prod_event) != READ_ONCE(ctl->cons);
}

/*
 * The completion doorbell, decided once GRO has handed our frames up, so
 * that what answers them (TCP's ACKs) is sent.  Every poll of the peer
 * completes all its TX rings after taking our frames.  A frame of ours
 * published after our consumer index is ordered after it, so the poll
 * that takes it sees the index; for one pending before, it reads our
 * index after publishing its own consumer index and we read that after
 * publishing ours, so one of us sees the other.  A peer whose NAPI is
 * still on polls anyway.  Only when none of these holds is a doorbell
 * needed.
 */
static void mknet_rx_complete_due(struct mknet_priv *priv,
				  struct mknet_qpair *qp)
{
	if (!qp->completion_due)
		return;
	qp->completion_due = false;
	/* Our consumer index is visible before we look at the peer's. */
	smp_mb();
	if (mknet_tx_makes_peer_poll(priv, qp->prods_seen) ||
	    mknet_peer_napi_on(priv, qp)) {
		qp->cons_notified = qp->cons;
		mknet_rx_count(qp, &qp->stats.completions_covered);
		return;
	}
	mknet_rx_kick(priv, qp);
}

/* A peer with an impossible index is cut off until it makes sense again. */
static void mknet_set_peer_broken(struct mknet_priv *priv,
				  struct mknet_qpair *qp, bool broken)
{
	if (qp->peer_broken == broken)
		return;
	WRITE_ONCE(qp->peer_broken, broken);
	schedule_work(&priv->carrier_work);
}

/*
 * The peer moved the epoch of this ring: it takes back every frame we
 * have not consumed and publishes nothing until we answer.  We take the
 * ring up at its producer index, acknowledge (our reads of its frames are
 * done), and ring it, since it waits for that to free them.
 */
static bool mknet_rx_take_epoch(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	/* Pairs with the release in the peer's mknet_tx_reclaim(). */
	u32 epoch = smp_load_acquire(&qp->peer_tx_ctl->epoch);

	if (likely(epoch == qp->epoch))
		return false;
	qp->epoch = epoch;
	qp->cons = READ_ONCE(qp->peer_tx_ctl->prod);
	qp->cons_notified = qp->cons;
	qp->prod_event = qp->cons;
	WRITE_ONCE(qp->ctl->cons, qp->cons);
	WRITE_ONCE(qp->ctl->prod_event, qp->prod_event);
	/* Our reads of its frames are done before it frees them. */
	smp_store_release(&qp->ctl->epoch_ack, epoch);
	mknet_rx_count(qp, &qp->stats.peer_resets);
	mknet_ring_peer(priv, qp->index);
	return true;
}

/* Returns frames taken, or -ERANGE when the peer's index is impossible. */
static int mknet_rx(struct mknet_priv *priv, struct mknet_qpair *qp,
		    int budget)
{
	u32 prod, avail, old;
	struct bpf_prog *prog;
	int done = 0;

	if (mknet_rx_take_epoch(priv, qp))
		return 0;
	old = qp->cons;
	/* Pairs with the peer's release: descriptors up to prod are written. */
	prod = smp_load_acquire(&qp->peer_tx_ctl->prod);
	avail = prod - qp->cons;
	if (avail > priv->peer.ring_size) {
		mknet_rx_count(qp, &qp->stats.bad_index);
		mknet_set_peer_broken(priv, qp, true);
		return -ERANGE;
	}
	mknet_set_peer_broken(priv, qp, false);
	rcu_read_lock();
	prog = rcu_dereference(priv->xdp_prog);
	while (done < budget && avail &&
	       READ_ONCE(qp->peer_tx_ctl->epoch) == qp->epoch) {
		u32 used = mknet_rx_frame(priv, qp, prog, qp->cons, avail);

		qp->cons += used;
		avail -= used;
		done++;
	}
	mknet_xdp_finish(priv, qp);
	rcu_read_unlock();
	if (qp->cons != old)
		mknet_rx_release(priv, qp);
	return done;
}

/**
 * mknet_rx_pending - has the peer published frames we have not taken
 * @qp: the queue to look at
 *
 * Return: true if its NAPI has work.
 */
static bool mknet_rx_pending(struct mknet_qpair *qp)
{
	return mknet_qp_live(qp->priv, qp) &&
	       READ_ONCE(qp->peer_tx_ctl->prod) != qp->cons;
}

/*
 * NAPI completed: ask for a doorbell at the next frame, then look once
 * more at the peer's frames.  If we had taken frames since we last asked,
 * the peer took our NAPI for on (mknet_peer_napi_on()) until the event
 * was visible, and may have consumed past the completion we asked for
 * without ringing: look at its consumer index too.  Only then, so that
 * a peer consuming a flood of ours does not keep this poll running.
 */
static void mknet_poll_rearm(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	struct mknet_txq *txq = &priv->txq[qp->index];
	bool was_on = qp->prod_event != qp->cons, again;
	u32 cons;

	qp->prod_event = qp->cons;
	WRITE_ONCE(qp->ctl->prod_event, qp->prod_event);
	/*
	 * The event must be visible before we re-read the peer's indices,
	 * or what it published in between is never signalled.
	 */
	smp_mb();
	again = mknet_rx_pending(qp);
	if (was_on && qp->index < priv->num_queues && txq->peer_rx_ctl) {
		cons = READ_ONCE(txq->peer_rx_ctl->cons);
		/* What the peer would have rung for, had it seen the event. */
		if (mknet_need_event(READ_ONCE(txq->cons_event), cons,
				     txq->cons_checked))
			again = true;
		txq->cons_checked = cons;
	}
	if (again)
		napi_schedule(&qp->napi);
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
static void mknet_coal_publish(struct mknet_priv *priv, struct mknet_qpair *qp,
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

/*
 * When the watchdog asks: our indices and events published again from our
 * private copies, so that a peer that scribbled over them is undone without
 * a frame of ours to carry the fix, and the doorbells that could not be
 * sent (the peer stopped or moved meanwhile) rung now.
 */
static void mknet_pair_republish(struct mknet_priv *priv,
				 struct mknet_qpair *qp)
{
	struct mknet_txq *txq = &priv->txq[qp->index];
	struct netdev_queue *nq;

	if (!READ_ONCE(qp->republish))
		return;
	WRITE_ONCE(qp->republish, false);
	WRITE_ONCE(qp->ctl->cons, qp->cons);
	WRITE_ONCE(qp->ctl->prod_event, qp->prod_event);
	WRITE_ONCE(qp->ctl->epoch_ack, mknet_qp_live(priv, qp) ?
		   qp->epoch : MKNET_EPOCH_IDLE);
	mknet_coal_publish(priv, qp, true);
	if (mknet_qp_live(priv, qp) && qp->cons != qp->cons_notified)
		mknet_rx_kick(priv, qp);
	if (qp->index >= priv->num_queues)
		return;
	nq = netdev_get_tx_queue(priv->dev, qp->index);
	__netif_tx_lock(nq, smp_processor_id());
	WRITE_ONCE(txq->ctl->prod, txq->prod);
	WRITE_ONCE(txq->ctl->cons_event, txq->cons_event);
	WRITE_ONCE(txq->ctl->epoch, txq->epoch);
	/* A reclaim waits for the peer's poll: ask for it again. */
	if (txq->reclaiming && READ_ONCE(priv->peer_attached))
		mknet_ring_peer(priv, qp->index);
	mknet_tx_doorbell(priv, txq, qp->index);
	__netif_tx_unlock(nq);
}

/* Feed lib/dim what this queue pair moved since the last sample. */
static void mknet_dim_sample(struct mknet_priv *priv, struct mknet_qpair *qp)
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

int mknet_poll(struct napi_struct *napi, int budget)
{
	struct mknet_qpair *qp = container_of(napi, struct mknet_qpair, napi);
	struct mknet_priv *priv = qp->priv;
	bool complete;
	int done;

	mknet_rx_count(qp, &qp->stats.polls);
	if (!READ_ONCE(priv->peer_attached)) {
		/* A peer that went away still has frames of ours to free. */
		mknet_tx_complete(priv, qp, budget);
		napi_complete_done(napi, 0);
		return 0;
	}
	mknet_pair_republish(priv, qp);
	mknet_tx_complete(priv, qp, budget);
	/*
	 * Fault injection may have us stop taking frames, as a peer that
	 * never advances its consumer index; it still answers reclaims.
	 */
	if (!mknet_qp_live(priv, qp) || mknet_fault_rx_stalled(priv)) {
		if (mknet_qp_live(priv, qp))
			mknet_rx_take_epoch(priv, qp);
		napi_complete_done(napi, 0);
		return 0;
	}
	done = mknet_rx(priv, qp, budget);
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
	mknet_tx_complete(priv, qp, budget);
	if (done == budget)
		return done;
	complete = napi_complete_done(napi, done);
	/* GRO has handed the frames up: their answers are on their way. */
	mknet_rx_complete_due(priv, qp);
	if (complete) {
		mknet_dim_sample(priv, qp);
		mknet_coal_publish(priv, qp, false);
		mknet_poll_rearm(priv, qp);
	}
	return done;
}

/*
 * The peer rang the doorbell of one of our queue pairs.  Called in hard
 * interrupt context by the multikernel core.
 */
static void mknet_bell_irq(u16 src_instance, void *ctx)
{
	struct mknet_qpair *qp = ctx;
	struct mknet_priv *priv = qp->priv;

	if (src_instance != priv->peer_instance ||
	    /* Pairs with the release in mknet_napi_resize(). */
	    qp->index >= smp_load_acquire(&priv->num_napi)) {
		atomic64_inc(&priv->stray_bells);
		return;
	}
	atomic64_inc(&qp->doorbells_received);
	if (netif_running(priv->dev))
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
		WRITE_ONCE(priv->qp[q].republish, true);
		napi_schedule(&priv->qp[q].napi);
	}
}

/**
 * mknet_qp_pool_create - give a queue pair the pages it receives into
 * @priv: our end
 * @qp: the queue pair, its NAPI context added
 *
 * Return: 0, or the error of page_pool_create().
 */
int mknet_qp_pool_create(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	struct page_pool_params pp = {
		.order = 0,
		.pool_size = MKNET_RING_MAX,
		.nid = NUMA_NO_NODE,
		.napi = &qp->napi,
		.netdev = priv->dev,
		.queue_idx = qp->index,
	};
	struct page_pool *pool = page_pool_create(&pp);
	int err;

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	err = xdp_rxq_info_reg(&qp->xdp_rxq, priv->dev, qp->index,
			       qp->napi.napi_id);
	if (err)
		goto destroy;
	err = xdp_rxq_info_reg_mem_model(&qp->xdp_rxq, MEM_TYPE_PAGE_POOL,
					 pool);
	if (err)
		goto unreg;
	qp->page_pool = pool;
	return 0;
unreg:
	xdp_rxq_info_unreg(&qp->xdp_rxq);
destroy:
	page_pool_destroy(pool);
	return err;
}

/**
 * mknet_qp_pool_destroy - release a queue pair's pages
 * @qp: the queue pair, its NAPI context deleted
 *
 * Pages still in skbs return to the page allocator as they are freed.
 */
void mknet_qp_pool_destroy(struct mknet_qpair *qp)
{
	/* The XDP memory model holds a reference of its own on the pool. */
	xdp_rxq_info_unreg(&qp->xdp_rxq);
	page_pool_destroy(qp->page_pool);
	qp->page_pool = NULL;
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
