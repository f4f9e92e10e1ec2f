/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mknet's layout in the shared region, and the checks applied to what the
 * peer wrote there.
 *
 * Each end of a link owns one area, allocated from its own slice of the
 * multikernel page pool, and is the only writer of it.  An area holds
 * control only, never payload:
 *
 *   struct mknet_area               header: magic, geometry, admin state,
 *                                   the CPU and doorbell to ring for
 *                                   each queue
 *   struct mknet_ring_ctl[MAX_QUEUES]
 *                                   our TX ring q: producer index,
 *                                   completion event
 *   struct mknet_ring_ctl[MAX_QUEUES]
 *                                   the peer's TX ring q as we consume it:
 *                                   consumer index, and the producer event
 *                                   that asks the peer for a doorbell
 *   struct mknet_desc[nq][n]        our TX descriptors, ring after ring
 *
 * A descriptor names bytes of the sender's own memory by physical
 * address: the skb's linear part or one of its fragments, which the
 * sender keeps until the receiver's consumer index has passed it.  The
 * receiver copies them once, into its own pages, after checking that the
 * range lies wholly inside the sender's RAM as the receiver learnt it
 * from the multikernel core (from the host's records, never from the
 * sender).  A frame spans one or more consecutive descriptors of one
 * ring, chained by MKNET_DESC_MORE; the first one carries a virtio-net
 * header for checksum and GSO offload.
 *
 * The control blocks come in the maximal number so that either end can
 * have more queues than the other: each end consumes every TX ring the
 * other has.
 */
#ifndef _MKNET_SHM_H
#define _MKNET_SHM_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/virtio_net.h>
#ifdef __KERNEL__
#include <linux/uaccess.h>
#endif

#define MKNET_AREA_MAGIC	0x54454e4bU	/* "KNET" */
/*
 * 6: HELLO_ACK names the area it acknowledges (struct mknet_msg).
 * 7: ring epochs: a sender frees frames the receiver may read only once
 *    the receiver acknowledged a new epoch of their ring.
 */
#define MKNET_AREA_VERSION	7
/* Receive buffers are pages of this size; an area starts on one. */
#define MKNET_BUF_SIZE		4096U
#define MKNET_RING_MIN		64U
#define MKNET_RING_MAX		1024U
#define MKNET_RING_DEFAULT	256U
#define MKNET_MAX_QUEUES	8U
/* Link ids of one kernel: a message naming a larger one is refused. */
#define MKNET_MAX_LINKS		64U

/*
 * The receiver keeps the first MKNET_RX_HEAD bytes of a large frame in
 * the skb's linear part and the rest in fragments of up to MKNET_BUF_SIZE
 * bytes, of which an skb holds MKNET_RX_MAX_FRAGS: MAX_SKB_FRAGS at its
 * smallest (the kernel checks this against its own value).  The longest
 * frame is what that holds: 17 pages, enough for a 64 KiB GSO frame with
 * its headers and for the largest MTU.  A frame has at most
 * MKNET_MAX_DESCS descriptors: an skb's linear part and 17 fragments.
 */
#define MKNET_RX_HEAD		256U
#define MKNET_RX_MAX_FRAGS	17U
#define MKNET_MAX_FRAME		(MKNET_RX_MAX_FRAGS * MKNET_BUF_SIZE)
#define MKNET_MAX_DESCS		18U

/* The largest MTU, with its Ethernet header and a VLAN tag. */
static_assert(ETH_MAX_MTU + ETH_HLEN + 4 <= MKNET_MAX_FRAME);
/* A frame's descriptors: the linear part and one per receive fragment. */
static_assert(MKNET_RX_MAX_FRAGS + 1 == MKNET_MAX_DESCS);
static_assert((MKNET_MAX_FRAME - MKNET_RX_HEAD + MKNET_BUF_SIZE - 1) /
	      MKNET_BUF_SIZE <= MKNET_RX_MAX_FRAGS);

enum mknet_admin_state {
	MKNET_STATE_DOWN,
	MKNET_STATE_UP,
};

/**
 * struct mknet_area - header of one end's area
 * @magic: %MKNET_AREA_MAGIC
 * @version: %MKNET_AREA_VERSION
 * @ring_size: descriptors in each TX ring, a power of two
 * @state: &enum mknet_admin_state of this end
 * @num_queues: TX rings, 1 to %MKNET_MAX_QUEUES
 * @notify_apicid: CPU to send the doorbells of queue q to
 * @notify_bell: the multikernel doorbell to ring for queue q
 * @rx_flags: what this end asks of the frames sent to it:
 *	%MKNET_RX_NO_GSO
 * @pad: zero
 */
struct mknet_area {
	u32 magic;
	u32 version;
	u32 ring_size;
	u32 state;
	u32 num_queues;
	u32 notify_apicid[MKNET_MAX_QUEUES];
	u32 notify_bell[MKNET_MAX_QUEUES];
	u32 rx_flags;
	u8 pad[40];
};

/* Both ends lay the area out alike, whatever their compilers. */
static_assert(sizeof(struct mknet_area) == 128);

/*
 * Send no frame larger than a receive buffer: no GSO.  An end whose XDP
 * program takes a frame in one buffer only asks for this; the other end
 * turns off its segmentation offloads while asked.
 */
#define MKNET_RX_NO_GSO		BIT(0)

/**
 * struct mknet_ring_ctl - one end's side of a ring, in its own area
 * @index: of our TX ring, the descriptors we published (producer index);
 *	of the peer's TX ring, the descriptors we consumed (consumer
 *	index), whose buffers are the peer's again
 * @event: send me a doorbell once your index of this ring passed this
 *	one: the peer's consumer index (a completion) for our TX ring, its
 *	producer index (frames) for the ring we consume
 * @coal_usecs: that doorbell may wait this long (0: ring at once)...
 * @coal_frames: ...unless this many descriptors went past @event (0: no
 *	such count)
 * @stopped: of our TX ring, nonzero while our queue is stopped (a full
 *	ring or byte queue limits): completions may not wait for
 *	@coal_usecs then; zero in the ring we consume
 * @epoch: of our TX ring, moved when we take back the frames the peer has
 *	not consumed, never %MKNET_EPOCH_IDLE; no descriptor is published
 *	from then until the peer acknowledges it.  Of the ring we consume,
 *	the acknowledgment: the peer's @epoch we took up.  We read no
 *	descriptor and no frame of an earlier one any more, and @index is
 *	the peer's producer index of that moment; %MKNET_EPOCH_IDLE while
 *	we read none of the peer's rings at all (our receive path stopped),
 *	%MKNET_EPOCH_MOVED in an area we replaced: ask the new one
 * @pad: zero; keeps each ring's control in a cache line of its own
 *
 * Each ring has one on each end, the producer's and the consumer's, laid
 * out alike: each end writes its own and reads the other's.
 */
struct mknet_ring_ctl {
	u32 index;
	u32 event;
	u32 coal_usecs;
	u32 coal_frames;
	u32 stopped;
	u32 epoch;
	u8 pad[40];
};

/* A fresh area acknowledges idle: it reads nothing yet. */
#define MKNET_EPOCH_IDLE	0U
#define MKNET_EPOCH_MOVED	0xffffffffU

/* The epoch after @epoch: never one of the two marks above. */
static inline u32 mknet_epoch_next(u32 epoch)
{
	epoch++;
	return epoch == MKNET_EPOCH_IDLE || epoch == MKNET_EPOCH_MOVED ?
	       1 : epoch;
}

/**
 * mknet_epoch_quiet - whether a receiver no longer reads frames of ours
 *	older than @epoch
 * @ack: its &mknet_ring_ctl.epoch of our ring, read after @epoch was published
 * @epoch: the epoch we published, from mknet_epoch_next()
 *
 * Return: true if the frames our ring had before @epoch may be freed.
 */
static inline bool mknet_epoch_quiet(u32 ack, u32 epoch)
{
	return ack == epoch || ack == MKNET_EPOCH_IDLE;
}

/* The longest wait for a doorbell an end may ask for. */
#define MKNET_COAL_USECS_MAX	10000U

/**
 * mknet_coal_bound - bound the moderation the other end asked for
 * @usecs: its coal_usecs, copied; lowered to %MKNET_COAL_USECS_MAX
 * @frames: its coal_frames, copied; lowered to @ring_size
 * @ring_size: descriptors in the ring the doorbell is for
 *
 * Whatever an end asks for only delays the doorbells it receives, and
 * by no more than these bounds.
 *
 * Return: true if a value was out of bounds.
 */
static inline bool mknet_coal_bound(u32 *usecs, u32 *frames, u32 ring_size)
{
	bool bad = *usecs > MKNET_COAL_USECS_MAX || *frames > ring_size;

	if (*usecs > MKNET_COAL_USECS_MAX)
		*usecs = MKNET_COAL_USECS_MAX;
	if (*frames > ring_size)
		*frames = ring_size;
	return bad;
}

/**
 * mknet_coal_wait - how long a doorbell the other end wants may wait
 * @usecs: its bounded interval; 0 means no moderation
 * @frames: its bounded count; 0 means none
 * @past: descriptors published (or consumed) past its event index
 * @since: microseconds since the last doorbell of the same queue pair
 *
 * The interval is the least time between two doorbells, as a NIC
 * throttles its interrupt: a doorbell rings at once if the last went at
 * least @usecs ago, else when the interval since it is over, or earlier
 * once @frames are due.  A flood thus rings once per interval, while a
 * lone frame, a ping or the request of a ping-pong slower than the
 * interval, never waits for the moderation a stream left behind.
 *
 * Return: 0 to ring now, else the microseconds to hold it.
 */
static inline u32 mknet_coal_wait(u32 usecs, u32 frames, u32 past, u64 since)
{
	if (!usecs || (frames && past >= frames) || since >= usecs)
		return 0;
	return usecs - since;
}

/* A poll that moved this much, either way, is a stream's: it lingers. */
#define MKNET_LINGER_BYTES	16384
/* Polls that move less a pair still lingers for after one that did. */
#define MKNET_LINGER_POLLS	16

/**
 * mknet_linger_next - whether a completed poll lingers
 * @left: polls that move little the pair still lingers for; updated
 * @moved: bytes the pair moved since its last poll, received and sent
 * @adaptive: adaptive receive moderation is on
 *
 * A poll that lingers completes NAPI without asking the other end for a
 * doorbell and polls again from a timer.  Only a poll that moved
 * %MKNET_LINGER_BYTES starts it, so a request and its answer always ask
 * for their doorbell; it winds down over %MKNET_LINGER_POLLS polls.
 *
 * Return: true if the poll lingers.
 */
static inline bool mknet_linger_next(u32 *left, u64 moved, bool adaptive)
{
	if (adaptive && moved >= MKNET_LINGER_BYTES) {
		*left = MKNET_LINGER_POLLS;
		return true;
	}
	if (!*left)
		return false;
	(*left)--;
	return true;
}

#define MKNET_DESC_MORE		0x1	/* frame continues in the next one */
#define MKNET_DESC_HDR		0x2	/* @hdr is valid: first of a frame */
#define MKNET_DESC_FLAGS	(MKNET_DESC_MORE | MKNET_DESC_HDR)

/**
 * struct mknet_desc - one piece of a frame, in the sender's memory
 * @addr: physical address of its first byte
 * @len: bytes, at most %MKNET_MAX_FRAME; zero in a descriptor the sender
 *	has completed, so that a stale one never names freed memory
 * @flags: MKNET_DESC_*
 * @hdr: offload information, on the first descriptor of a frame
 */
struct mknet_desc {
	u64 addr;
	u32 len;
	u16 flags;
	struct virtio_net_hdr hdr;
};

static_assert(sizeof(struct mknet_desc) == 24);

/**
 * struct mknet_span - physical memory a sender's descriptors may name
 * @start: physical address of its first byte
 * @size: bytes
 */
struct mknet_span {
	u64 start;
	u64 size;
};

static inline size_t mknet_area_tx_ctl_off(u32 q)
{
	return sizeof(struct mknet_area) + q * sizeof(struct mknet_ring_ctl);
}

static inline size_t mknet_area_rx_ctl_off(u32 q)
{
	return mknet_area_tx_ctl_off(MKNET_MAX_QUEUES) +
	       q * sizeof(struct mknet_ring_ctl);
}

/* Descriptors of ring @q, in an area of rings of @n descriptors. */
static inline size_t mknet_area_desc_off(u32 n, u32 q)
{
	return mknet_area_rx_ctl_off(MKNET_MAX_QUEUES) +
	       (size_t)q * n * sizeof(struct mknet_desc);
}

static inline size_t mknet_area_size(u32 n, u32 nq)
{
	return mknet_area_desc_off(n, nq);
}

static inline bool mknet_ring_size_valid(u32 n)
{
	return n >= MKNET_RING_MIN && n <= MKNET_RING_MAX && !(n & (n - 1));
}

/*
 * virtio's event index test: has the index moved from @old to @new past
 * @event, the point after which the other side asked to be told?
 */
static inline bool mknet_need_event(u32 event, u32 new, u32 old)
{
	return (u32)(new - event - 1) < (u32)(new - old);
}

/**
 * mknet_check_area - check a copy of the peer's area header
 * @copy: the header, copied out of the region
 *
 * Return: 0, or -EINVAL.
 */
static inline int mknet_check_area(const struct mknet_area *copy)
{
	if (copy->magic != MKNET_AREA_MAGIC ||
	    copy->version != MKNET_AREA_VERSION ||
	    !mknet_ring_size_valid(copy->ring_size) ||
	    !copy->num_queues || copy->num_queues > MKNET_MAX_QUEUES ||
	    copy->state > MKNET_STATE_UP)
		return -EINVAL;
	return 0;
}

/**
 * mknet_check_desc - check a copy of one of the peer's descriptors
 * @copy: the descriptor, copied out of the region
 * @first: it starts a frame
 *
 * Return: 0, or -EINVAL.
 */
static inline int mknet_check_desc(const struct mknet_desc *copy, bool first)
{
	if (!copy->len || copy->len > MKNET_MAX_FRAME ||
	    copy->flags & ~MKNET_DESC_FLAGS ||
	    !!(copy->flags & MKNET_DESC_HDR) != first)
		return -EINVAL;
	return 0;
}

/**
 * mknet_frame_check - find and check one frame among copied descriptors
 * @d: copies of the next @n descriptors of the peer's ring
 * @n: descriptors published and copied, at most %MKNET_MAX_DESCS
 * @used: set to the descriptors to consume, always at least one so that a
 *	bad descriptor is skipped, never retried
 * @total: set to the frame length when the frame is good
 *
 * Return: 0 for a good frame, which is at most %MKNET_MAX_FRAME long;
 * -EINVAL for a malformed descriptor, a longer frame, a chain longer
 * than %MKNET_MAX_DESCS or one that runs past what was published.
 */
static inline int mknet_frame_check(const struct mknet_desc *d, u32 n,
				    u32 *used, u32 *total)
{
	u32 i, len = 0;

	*used = 1;
	n = n < MKNET_MAX_DESCS ? n : MKNET_MAX_DESCS;
	for (i = 0; i < n; i++) {
		if (mknet_check_desc(&d[i], i == 0)) {
			*used = i + 1;
			return -EINVAL;
		}
		/* At most 18 lengths of at most 68 KiB each: no overflow. */
		len += d[i].len;
		if (!(d[i].flags & MKNET_DESC_MORE)) {
			*used = i + 1;
			*total = len;
			return len > MKNET_MAX_FRAME ? -EINVAL : 0;
		}
	}
	/* The chain goes on past what we may read. */
	*used = n ? n : 1;
	return -EINVAL;
}

/**
 * mknet_check_hello - check what a HELLO or HELLO_ACK says of its sender
 * @area_off: offset of the sender's area in the shared region
 * @src_id: the sender's link id
 *
 * An area starts on a page, so its indices never straddle cache lines
 * and are read and written whole; the caller checks that the area lies
 * inside the region.
 *
 * Return: 0, or -EINVAL.
 */
static inline int mknet_check_hello(u64 area_off, u32 src_id)
{
	if (area_off & (MKNET_BUF_SIZE - 1) || src_id >= MKNET_MAX_LINKS)
		return -EINVAL;
	return 0;
}

/**
 * mknet_hello_ack_matches - whether a HELLO_ACK shows its sender on our
 *	current area
 * @ack_off: the area of ours the ACK says its sender is attached to
 * @ack_gen: that area's generation, as our HELLO gave it; 0 from a
 *	sender that is not attached
 * @area_off: our current area
 * @area_gen: its generation, never 0
 *
 * Only such an ACK lets the end free the area a reshape retired.  An ACK
 * to an older HELLO names the retired area, which the peer may still
 * poll, or one before it; the generation also tells a later area placed
 * where an earlier one was.
 *
 * Return: true if the ACK names @area_off with @area_gen.
 */
static inline bool mknet_hello_ack_matches(u64 ack_off, u32 ack_gen,
					   u64 area_off, u32 area_gen)
{
	return ack_gen && ack_gen == area_gen && ack_off == area_off;
}

/**
 * mknet_rx_frags - page fragments a frame of @total bytes is received into
 * @total: frame length accepted by mknet_frame_check()
 * @head: bytes the receiver puts in the skb's linear part
 *
 * Return: fragments of up to %MKNET_BUF_SIZE bytes after @head bytes.
 */
static inline u32 mknet_rx_frags(u32 total, u32 head)
{
	return total > head ? (total - head + MKNET_BUF_SIZE - 1) /
			      MKNET_BUF_SIZE : 0;
}

/**
 * mknet_span_find - the span that wholly holds a range the peer named
 * @spans: the sender's memory, sorted or not, not overlapping
 * @n: entries in @spans
 * @addr: physical address of the range, from a checked descriptor copy
 * @len: its length, non-zero
 *
 * A range that straddles the end of a span, wraps round the address
 * space or lies in a hole between spans is refused, so whatever the
 * sender wrote, the receiver reads only memory the core said it may.
 *
 * Return: the index of the span, or -EINVAL.
 */
static inline int mknet_span_find(const struct mknet_span *spans, u32 n,
				  u64 addr, u32 len)
{
	u32 i;

	for (i = 0; i < n; i++) {
		u64 off = addr - spans[i].start;

		if (addr >= spans[i].start && off < spans[i].size &&
		    len <= spans[i].size - off)
			return i;
	}
	return -EINVAL;
}

/*
 * Copy @len bytes of the peer's memory; false if a source byte was
 * poisoned.  The peer's RAM is another kernel's: a memory error in it
 * costs us one frame, never a machine check panic.
 */
static inline bool mknet_copy_from_peer(void *dst, const void *src, u32 len)
{
#ifdef __KERNEL__
	return !copy_mc_to_kernel(dst, src, len);
#else
	memcpy(dst, src, len);
	return true;
#endif
}

/**
 * mknet_frame_copy - copy part of a checked frame out of the peer's memory
 * @dst: where to
 * @src: where this kernel maps each descriptor's first byte, resolved
 *	through mknet_span_find()
 * @d: the frame's descriptors, as mknet_frame_check() accepted them
 * @n: descriptors in the frame
 * @off: offset in the frame of the first byte to copy
 * @len: bytes to copy
 *
 * Reads only the bytes the descriptors name, each within its own range.
 *
 * Return: 0, -EINVAL if @off and @len do not lie within the frame, or
 * -EIO if the peer's memory is poisoned (what @dst holds is then not
 * to be used).
 */
static inline int mknet_frame_copy(void *dst, const u8 *const *src,
				   const struct mknet_desc *d, u32 n,
				   u32 off, u32 len)
{
	u32 i = 0;

	while (i < n && off >= d[i].len)
		off -= d[i++].len;
	while (len && i < n) {
		u32 chunk = len < d[i].len - off ? len : d[i].len - off;

		if (!mknet_copy_from_peer(dst, src[i] + off, chunk))
			return -EIO;
		dst = (u8 *)dst + chunk;
		len -= chunk;
		off = 0;
		i++;
	}
	return len ? -EINVAL : 0;
}

#endif /* _MKNET_SHM_H */
