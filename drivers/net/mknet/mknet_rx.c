// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet receive path: the NAPI poll of each queue pair.
 *
 * The peer's doorbell of queue pair q (mknet_coal.c) schedules NAPI q:
 * a link's on the CPU the doorbell's IPI went to, a pair's on the CPU
 * of the other end that rang it.  The poll copies each of the peer's
 * frames once, straight out of the peer's memory into pages of our
 * page_pool, publishes our consumer index, and completes our own TX
 * ring q (mknet_tx.c).
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
 * copy; what it sends back (XDP_TX) is posted on our TX ring in bulk.
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

/*
 * A frame the copy could not take: the peer's memory poisoned (-EIO), a
 * frame mknet_frame_check() should have refused (-EINVAL), or no memory.
 */
static void mknet_rx_count_copy_error(struct mknet_qpair *qp, int err)
{
	switch (err) {
	case -EIO:
		mknet_qp_count(qp, &qp->stats.poisoned);
		break;
	case -EINVAL:
		mknet_qp_count(qp, &qp->stats.bad_desc);
		break;
	default:
		mknet_qp_count(qp, &qp->stats.nomem);
	}
}

/*
 * This pair has an RX ring: the peer has a TX ring of its index, and it
 * is the peer we attached to.  A restarted instance's new area may lie
 * where its last one did; until we attach to it, it is not read.
 */
static bool mknet_qp_live(const struct mknet_priv *priv,
			  const struct mknet_qpair *qp)
{
	return READ_ONCE(priv->peer_attached) &&
	       qp->index < priv->peer.num_queues && mknet_peer_running(priv);
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

		WRITE_ONCE(qp->ctl->epoch,
			   running && mknet_qp_live(priv, qp) ?
			   qp->epoch : MKNET_EPOCH_IDLE);
	}
	/* Seen before any poll reads the peer's epochs or descriptors. */
	smp_mb();
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
	if (likely(READ_ONCE(qp->peer_ctl->epoch) == qp->epoch))
		return false;
	mknet_qp_count(qp, &qp->stats.drop_peer_reset);
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
		mknet_qp_count(qp, &qp->stats.bad_hdr);
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
 * Finish the checksum the peer left to us (VIRTIO_NET_HDR_F_NEEDS_CSUM).
 * The checksum field must lie in the linear part.
 */
static int mknet_xdp_csum_finish(struct xdp_buff *xdp,
				 const struct virtio_net_hdr *hdr)
{
	u32 len = xdp->data_end - xdp->data, start, field, pos, i;
	const struct skb_shared_info *sh;
	__wsum csum;

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

/*
 * A frame that leaves by XDP_TX or XDP_REDIRECT carries no offload: a
 * GSO frame cannot leave as one frame, and a partial checksum is
 * finished here.  Most frames need neither, so this stays inline.
 */
static int mknet_xdp_csum(struct xdp_buff *xdp,
			  const struct virtio_net_hdr *hdr)
{
	if (hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return -EMSGSIZE;
	if (!(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	return mknet_xdp_csum_finish(xdp, hdr);
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

	if (!n)
		return;
	qp->xdp_tx_count = 0;
	sent = mknet_xdp_tx_bulk(priv, q, qp->xdp_tx_bulk, n);
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

/*
 * Carry out an XDP program's verdict on a frame.  Returns true if the
 * buffer was taken (handed up, sent back or redirected); otherwise it is
 * the caller's to return.
 */
static bool mknet_xdp_verdict(struct mknet_priv *priv, struct mknet_qpair *qp,
			      struct bpf_prog *prog, struct xdp_buff *xdp,
			      struct virtio_net_hdr *hdr, u32 act)
{
	struct sk_buff *skb;

	switch (act) {
	case XDP_PASS:
		skb = mknet_xdp_build_skb(xdp);
		if (!skb) {
			mknet_qp_count(qp, &qp->stats.nomem);
			return false;
		}
		mknet_rx_deliver(priv, qp, skb, hdr);
		return true;
	case XDP_TX:
		if (mknet_xdp_csum(xdp, hdr) || mknet_xdp_tx(priv, qp, xdp)) {
			mknet_qp_count(qp, &qp->stats.xdp_tx_errors);
			trace_xdp_exception(priv->dev, prog, act);
			return false;
		}
		return true;
	case XDP_REDIRECT:
		if (mknet_xdp_csum(xdp, hdr) ||
		    xdp_do_redirect(priv->dev, xdp, prog)) {
			mknet_qp_count(qp, &qp->stats.xdp_redirect_errors);
			trace_xdp_exception(priv->dev, prog, act);
			return false;
		}
		qp->xdp_redirected = true;
		mknet_qp_count(qp, &qp->stats.xdp_redirect);
		return true;
	default:
		bpf_warn_invalid_xdp_action(priv->dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		trace_xdp_exception(priv->dev, prog, act);
		fallthrough;
	case XDP_DROP:
		mknet_qp_count(qp, &qp->stats.xdp_drops);
		return false;
	}
}

/* Run the XDP program on one frame and carry out its verdict. */
static void mknet_rx_xdp(struct mknet_priv *priv, struct mknet_qpair *qp,
			 struct bpf_prog *prog, const u8 *const *src,
			 const struct mknet_desc *descs, u32 n, u32 total)
{
	struct virtio_net_hdr hdr = descs[0].hdr;
	/*
	 * Not cleared (CONFIG_INIT_STACK_ALL_ZERO would, per frame): the
	 * fill sets every field but txq, which only a devmap program reads.
	 */
	struct xdp_buff xdp __uninitialized;
	void *data;
	u32 act;
	int err;

	/* Only a frags-aware program sees a frame larger than a page. */
	if (total > MKNET_RX_LINEAR_MAX && !prog->aux->xdp_has_frags) {
		mknet_qp_count(qp, &qp->stats.xdp_too_big);
		return;
	}
	xdp.txq = NULL;
	err = mknet_xdp_fill(qp, &xdp, src, descs, n, total);
	if (err) {
		mknet_rx_count_copy_error(qp, err);
		return;
	}
	if (mknet_rx_epoch_moved(qp))
		goto drop;
	data = xdp.data;
	mknet_qp_count(qp, &qp->stats.xdp_packets);
	act = bpf_prog_run_xdp(prog, &xdp);
	if ((act == XDP_PASS || act == XDP_TX || act == XDP_REDIRECT) &&
	    mknet_hdr_shift(&hdr, data - xdp.data)) {
		mknet_qp_count(qp, &qp->stats.bad_hdr);
		goto drop;
	}
	if (mknet_xdp_verdict(priv, qp, prog, &xdp, &hdr, act))
		return;
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
	/*
	 * Left uninitialized (CONFIG_INIT_STACK_ALL_ZERO would clear 576
	 * bytes per frame): only the entries written below are read.
	 */
	struct mknet_desc descs[MKNET_MAX_DESCS] __uninitialized;
	const u8 *src[MKNET_MAX_DESCS] __uninitialized;
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
		mknet_qp_count(qp, &qp->stats.bad_desc);
		return n;
	}
	if (!mknet_rx_resolve(&priv->peer, descs, n, src)) {
		mknet_qp_count(qp, &qp->stats.bad_addr);
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

/* The completion doorbell: tell the peer we freed room, if it asked. */
static void mknet_rx_kick(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	bool bounded = false;

	switch (mknet_notify(priv, qp->index, false, &bounded)) {
	case MKNET_NOTIFY_NONE:
	case MKNET_NOTIFY_SUPPRESSED:
		return;
	case MKNET_NOTIFY_HELD:
		mknet_qp_count(qp, &qp->stats.completions_deferred);
		break;
	case MKNET_NOTIFY_BUSY:
		mknet_qp_count(qp, &qp->stats.completion_doorbell_busy);
		break;
	case MKNET_NOTIFY_RANG:
		mknet_qp_count(qp, &qp->stats.completion_doorbells);
		break;
	}
	if (bounded)
		mknet_qp_count(qp, &qp->stats.peer_coal_bounded);
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

		if (txq->peer_ctl && READ_ONCE(txq->prod) !=
					READ_ONCE(txq->peer_ctl->index))
			return true;
	}
	return false;
}

static void mknet_rx_release(struct mknet_priv *priv, struct mknet_qpair *qp)
{
	/* Our reads of the peer's pages are done before it may free them. */
	smp_store_release(&qp->ctl->index, qp->cons);
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
	const struct mknet_ring_ctl *ctl;

	if (qp->index >= priv->num_queues)
		return false;
	ctl = priv->txq[qp->index].peer_ctl;
	return ctl && READ_ONCE(ctl->event) != READ_ONCE(ctl->index);
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
		mknet_qp_count(qp, &qp->stats.completions_covered);
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
	u32 epoch = smp_load_acquire(&qp->peer_ctl->epoch);

	if (likely(epoch == qp->epoch))
		return false;
	qp->epoch = epoch;
	qp->cons = READ_ONCE(qp->peer_ctl->index);
	qp->cons_notified = qp->cons;
	qp->prod_event = qp->cons;
	WRITE_ONCE(qp->ctl->index, qp->cons);
	WRITE_ONCE(qp->ctl->event, qp->prod_event);
	/* Our reads of its frames are done before it frees them. */
	smp_store_release(&qp->ctl->epoch, epoch);
	mknet_qp_count(qp, &qp->stats.peer_resets);
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
	prod = smp_load_acquire(&qp->peer_ctl->index);
	avail = prod - qp->cons;
	if (avail > priv->peer.ring_size) {
		mknet_qp_count(qp, &qp->stats.bad_index);
		mknet_set_peer_broken(priv, qp, true);
		return -ERANGE;
	}
	mknet_set_peer_broken(priv, qp, false);
	rcu_read_lock();
	prog = rcu_dereference(priv->xdp_prog);
	while (done < budget && avail &&
	       READ_ONCE(qp->peer_ctl->epoch) == qp->epoch) {
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
	       READ_ONCE(qp->peer_ctl->index) != qp->cons;
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
	WRITE_ONCE(qp->ctl->event, qp->prod_event);
	/*
	 * The event must be visible before we re-read the peer's indices,
	 * or what it published in between is never signalled.
	 */
	smp_mb();
	again = mknet_rx_pending(qp);
	if (was_on && qp->index < priv->num_queues && txq->peer_ctl) {
		cons = READ_ONCE(txq->peer_ctl->index);
		/* What the peer would have rung for, had it seen the event. */
		if (mknet_need_event(READ_ONCE(txq->cons_event), cons,
				     txq->cons_checked))
			again = true;
		txq->cons_checked = cons;
	}
	if (again)
		napi_schedule(&qp->napi);
}

/*
 * When the watchdog asks: our indices and events published again from our
 * private copies, so that a peer that scribbled over them is undone without
 * a frame of ours to carry the fix, and the doorbells that could not be
 * sent (the peer stopped or moved meanwhile) rung now; our TX ring of
 * this pair likewise.
 */
static void mknet_pair_republish(struct mknet_priv *priv,
				 struct mknet_qpair *qp)
{
	if (!READ_ONCE(qp->republish))
		return;
	WRITE_ONCE(qp->republish, false);
	WRITE_ONCE(qp->ctl->index, qp->cons);
	WRITE_ONCE(qp->ctl->event, qp->prod_event);
	WRITE_ONCE(qp->ctl->epoch, mknet_qp_live(priv, qp) ?
		   qp->epoch : MKNET_EPOCH_IDLE);
	mknet_coal_publish(priv, qp, true);
	if (mknet_qp_live(priv, qp) && qp->cons != qp->cons_notified)
		mknet_rx_kick(priv, qp);
	if (qp->index < priv->num_queues)
		mknet_tx_republish(priv, qp->index);
}

int mknet_poll(struct napi_struct *napi, int budget)
{
	struct mknet_qpair *qp = container_of(napi, struct mknet_qpair, napi);
	struct mknet_priv *priv = qp->priv;
	bool complete, live;
	int done;

	mknet_qp_count(qp, &qp->stats.polls);
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
	live = mknet_qp_live(priv, qp);
	if (!live || mknet_fault_rx_stalled(priv)) {
		if (live)
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
		if (!mknet_coal_linger(priv, qp))
			mknet_poll_rearm(priv, qp);
	}
	return done;
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
