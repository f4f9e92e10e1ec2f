/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mknet: a virtual Ethernet device between kernel instances (or two CPUs
 * of one kernel): descriptors in the multikernel shared region name the
 * sender's pages, which the receiver copies once.
 */
#ifndef _MKNET_H
#define _MKNET_H

#include <linux/dim.h>
#include <linux/hrtimer.h>
#include <linux/if_vlan.h>
#include <linux/multikernel.h>
#include <linux/netdevice.h>
#include <linux/timer.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/xdp.h>
#include "mknet_shm.h"

#define MKNET_DRV_NAME		"mknet"
/* Link ids kept for links to other instances: one per instance. */
#define MKNET_PAIR_LINKS	(MKNET_MAX_LINKS - MK_MAX_INSTANCES)
/* The peer's heartbeat must move within this many jiffies. */
#define MKNET_PEER_TIMEOUT	(3 * HZ)
/* Slow poll: catches a doorbell the peer never rang. */
#define MKNET_WATCHDOG		(HZ / 2)
/* A TX queue stopped this long has a peer that stopped taking frames. */
#define MKNET_TX_TIMEOUT	(5 * HZ)
/*
 * Frames of ours the peer has not consumed for this long, whatever the
 * carrier, are taken back: through a new ring epoch, or when the peer
 * is known stopped.
 */
#define MKNET_TX_RECLAIM_AFTER	(3 * HZ)
/* How long unregistering waits for the peer to let go of our frames. */
#define MKNET_RELEASE_WAIT_MS	2000
/* Receive buffers start this far into their page, as XDP wants. */
#define MKNET_RX_HEADROOM	XDP_PACKET_HEADROOM
/* The longest frame kept whole in the linear part, in one page. */
#define MKNET_RX_LINEAR_MAX	(SKB_WITH_OVERHEAD(PAGE_SIZE) - \
				 MKNET_RX_HEADROOM - SMP_CACHE_BYTES)
/* The largest MTU whose frames an XDP program sees in one buffer. */
#define MKNET_XDP_MTU_MAX	(MKNET_RX_LINEAR_MAX - ETH_HLEN - VLAN_HLEN)
/* XDP_TX frames a poll gathers before it takes the TX lock for them. */
#define MKNET_XDP_TX_BULK	16
/*
 * Rounds a poll completes one TX ring for as long as other polls keep
 * asking; after that it leaves the ring to its own next run.
 */
#define MKNET_COMPLETE_ROUNDS	4
/**
 * struct mknet_coal - interrupt moderation of one direction of a queue
 * @usecs: the other end may hold our doorbell this long after it is due;
 *	0: at once
 * @frames: but rings once this many descriptors are waiting (0: only
 *	@usecs ends the wait)
 * @adaptive: lib/dim chooses @usecs and @frames from the traffic
 *
 * Written by ethtool and the DIM work, published in our area by the
 * poll; the other end honours what it reads there.
 */
struct mknet_coal {
	u32 usecs;
	u32 frames;
	bool adaptive;
};

/* Counters of the transmit path, updated under the TX queue lock. */
struct mknet_tx_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t dropped;
	u64_stats_t drop_detached;
	u64_stats_t drop_bad_frame;
	u64_stats_t drop_no_room;
	u64_stats_t doorbells;
	u64_stats_t doorbells_suppressed;
	u64_stats_t doorbell_busy;
	u64_stats_t ring_full;
	u64_stats_t linearized;
	u64_stats_t timeouts;
	u64_stats_t reclaims;
	u64_stats_t doorbells_deferred;
	u64_stats_t peer_coal_bounded;
	u64_stats_t xdp_xmit;
	u64_stats_t xdp_xmit_errors;
};

/* Counters of the NAPI poll. */
struct mknet_rx_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t dropped;
	u64_stats_t polls;
	u64_stats_t polls_lingered;
	u64_stats_t peer_coal_bounded;
	u64_stats_t completion_doorbells;
	u64_stats_t completion_doorbell_busy;
	u64_stats_t completions_covered;
	u64_stats_t completions_deferred;
	u64_stats_t completions_rescheduled;
	u64_stats_t wakes;
	u64_stats_t tx_completed;
	u64_stats_t tx_freed_in_flight;
	u64_stats_t peer_resets;
	u64_stats_t drop_peer_reset;
	u64_stats_t bad_peer_cons;
	u64_stats_t bad_index;
	u64_stats_t bad_desc;
	u64_stats_t bad_addr;
	u64_stats_t bad_hdr;
	u64_stats_t poisoned;
	u64_stats_t nomem;
	u64_stats_t xdp_packets;
	u64_stats_t xdp_drops;
	u64_stats_t xdp_tx;
	u64_stats_t xdp_redirect;
	u64_stats_t xdp_tx_errors;
	u64_stats_t xdp_redirect_errors;
	u64_stats_t xdp_too_big;
};

/**
 * struct mknet_peer_view - the peer's area and memory, as we may read them
 * @area: its header
 * @ring_size: its ring size, copied and checked once at attach
 * @num_queues: its TX rings, which are our RX queues; copied likewise
 * @nr_spans: entries in @spans
 * @spans: the peer's RAM, as the multikernel core knows it: the only
 *	memory its descriptors may name
 * @span_virt: where we map the start of each span
 */
struct mknet_peer_view {
	const struct mknet_area *area;
	u32 ring_size;
	u32 num_queues;
	u32 nr_spans;
	struct mknet_span spans[MK_MAX_MEM_RANGES];
	const u8 *span_virt[MK_MAX_MEM_RANGES];
};

/**
 * struct mknet_txq - one of our TX rings
 * @ctl: its producer side in our area: producer index, completion event
 * @desc: its descriptors
 * @bufs: the frame each descriptor ends, kept until the peer consumed it:
 *	an skb, or an XDP frame tagged with %MKNET_TX_XDP
 * @peer_ctl: its consumer side in the peer's area: how far the peer
 *	consumed it, and when the peer wants a doorbell for frames
 * @prod: our producer index (private copy); the completion side reads it
 * @done: descriptors completed: their frames are freed and they are ours
 *	again; written by NAPI only
 * @notified: producer index at the last doorbell decision
 * @cons_event: the completion event we asked for (private copy)
 * @stopped: whether we told the peer our queue is stopped (private copy
 *	of &mknet_ring_ctl.stopped)
 * @cons_checked: the peer's consumer index as the poll of this pair last
 *	read it after asking for a doorbell (mknet_poll_rearm()); written
 *	by that poll only
 * @complete_lock: one poll at a time completes this ring
 * @complete_again: a poll found the ring being completed elsewhere; the
 *	completer goes round again, %MKNET_COMPLETE_ROUNDS times at most
 * @epoch: the epoch we published for this ring
 * @reclaiming: we moved @epoch to take back the frames the peer has not
 *	consumed; the ring stays stopped until the peer acknowledged it
 *	(or is known stopped) and the completion has freed them
 * @stall_done: @done when the watchdog last saw it move
 * @stall_since: jiffies since when @done has not moved with frames out
 * @coal: completion moderation: how long a completion may wait
 * @xdp_bytes: the bytes of @stats that XDP frames took, for lingering
 * @stats: its counters, updated under the TX queue lock
 */
struct mknet_txq {
	struct mknet_ring_ctl *ctl;
	struct mknet_desc *desc;
	void **bufs;
	const struct mknet_ring_ctl *peer_ctl;
	u32 prod;
	u32 done;
	u32 notified;
	u32 cons_event;
	u32 stopped;
	u32 cons_checked;
	spinlock_t complete_lock;	/* see @complete_lock above */
	bool complete_again;
	u32 epoch;
	bool reclaiming;
	u32 stall_done;
	unsigned long stall_since;
	struct mknet_coal coal;
	u64 xdp_bytes;
	struct mknet_tx_stats stats;
} ____cacheline_aligned_in_smp;

/**
 * struct mknet_qpair - queue pair q: the peer's TX ring q as we consume
 *	it, and the NAPI context that receives from it and also reclaims
 *	our TX ring q (struct mknet_txq holds that ring's transmit side)
 * @priv: our end
 * @index: queue index
 * @napi: receive and TX completion of this queue pair
 * @ctl: our consumer side of the peer's ring, in our area
 * @peer_ctl: its producer side, in the peer's area
 * @peer_desc: the peer's descriptors
 * @page_pool: pages we copy the peer's frames into
 * @xdp_rxq: the XDP view of this queue, its memory the page_pool
 * @xdp_tx_bulk: frames XDP_TX sends back, posted together (one TX lock,
 *	one doorbell) when the bulk is full and when the poll ends
 * @xdp_tx_count: frames in @xdp_tx_bulk
 * @xdp_redirected: XDP_REDIRECT queued frames; this poll flushes them
 * @cons: our consumer index (private copy)
 * @epoch: the peer's epoch of this ring that @cons belongs to
 * @cons_notified: consumer index at the last completion doorbell decision
 * @prod_event: the event we asked the peer for (private copy)
 * @completion_due: we consumed frames; whether to tell the peer is
 *	decided at the end of the poll
 * @prods_seen: our producer indices, summed, when we consumed them
 * @republish: the watchdog asks the poll to rewrite our indices
 * @peer_broken: the peer's producer index of this ring makes no sense;
 *	the carrier is off until it does again
 * @coal: receive moderation: how long a frame may wait for its poll
 * @rx_dim: adaptive receive moderation
 * @tx_dim: adaptive completion moderation of our TX ring of this index
 * @published: the moderation of this pair we last wrote into our area,
 *	receive and completion
 * @bell_timer: rings the peer's doorbell of this pair when the wait it
 *	asked for is over
 * @bell_last: when we last rang the peer's doorbell of this pair, for
 *	any of the three reasons (frames, completions, @bell_timer)
 * @bell_timer_rang: held doorbells @bell_timer rang
 * @linger_timer: polls the pair again while it lingers (mknet_coal_linger())
 * @linger_left: polls that move little the pair still lingers for
 * @linger_rx: bytes received on this pair at the end of the last poll
 * @linger_tx: bytes the stack sent on our TX ring of its index, likewise
 * @stats: its counters, updated in NAPI
 * @doorbells_received: doorbells taken for this queue in the IPI handler
 * @bell: our multikernel doorbell for this queue pair, which the peer
 *	rings; negative when none is registered
 */
struct mknet_qpair {
	struct mknet_priv *priv;
	u32 index;
	struct napi_struct napi;
	struct mknet_ring_ctl *ctl;
	const struct mknet_ring_ctl *peer_ctl;
	const struct mknet_desc *peer_desc;
	struct page_pool *page_pool;
	struct xdp_rxq_info xdp_rxq;
	struct xdp_frame *xdp_tx_bulk[MKNET_XDP_TX_BULK];
	u32 xdp_tx_count;
	bool xdp_redirected;
	u32 cons;
	u32 epoch;
	u32 cons_notified;
	u32 prod_event;
	bool completion_due;
	u32 prods_seen;
	bool republish;
	bool peer_broken;
	struct mknet_coal coal;
	struct dim rx_dim;
	struct dim tx_dim;
	struct mknet_coal published[2];
	struct hrtimer bell_timer;
	ktime_t bell_last;
	atomic64_t bell_timer_rang;
	struct hrtimer linger_timer;
	u32 linger_left;
	u64 linger_rx;
	u64 linger_tx;
	struct mknet_rx_stats stats;
	atomic64_t doorbells_received;
	int bell;
} ____cacheline_aligned_in_smp;

/* Count an event of a queue pair's poll. */
static inline void mknet_qp_count(struct mknet_qpair *qp, u64_stats_t *ctr)
{
	u64_stats_update_begin(&qp->stats.syncp);
	u64_stats_inc(ctr);
	u64_stats_update_end(&qp->stats.syncp);
}

/* Kind 1 was a doorbell; doorbells are multikernel doorbells now. */
enum mknet_msg_kind {
	MKNET_MSG_STATE = 2,
	MKNET_MSG_HELLO,
	MKNET_MSG_HELLO_ACK,
};

/**
 * struct mknet_msg - payload of an %MK_MSG_MKNET message
 * @dst_id: link id of the receiving end; unknown (U32_MAX) in a HELLO
 * @src_id: link id of the sending end
 * @kind: &enum mknet_msg_kind
 * @queue: zero
 * @area_off: HELLO and HELLO_ACK: the sender's area, as an offset into
 *	the shared region
 * @ack_off: HELLO_ACK: the receiver's area the sender is attached to
 * @area_gen: HELLO and HELLO_ACK: the generation of the sender's area
 * @ack_gen: HELLO_ACK: the generation of the area named by @ack_off, as
 *	the HELLO that named it said; 0 when the sender is not attached
 *
 * Its length is part of the ABI: a message of another length comes from
 * another version of mknet and is not taken.
 */
struct mknet_msg {
	u32 dst_id;
	u32 src_id;
	u32 kind;
	u32 queue;
	u64 area_off;
	u64 ack_off;
	u32 area_gen;
	u32 ack_gen;
};

/* What travels in a message slot is the same on both ends. */
static_assert(sizeof(struct mknet_msg) == 40);

/**
 * enum mknet_fault_flag - what one fault injection command turns on
 * @MKNET_FAULT_RX_STALLED: take no frames, as a hung peer would not
 * @MKNET_FAULT_FAIL_RESIZE: the next NAPI context to add fails
 * @MKNET_FAULT_COMPLETE_STORM: every TX completion finds another poll
 *	asking for one more, as under a storm of doorbells on every queue
 * @MKNET_FAULT_DISCOVERY_LATE: discovery does not see the peer instance
 *	restart: only the new incarnation's HELLO tells us
 */
enum mknet_fault_flag {
	MKNET_FAULT_RX_STALLED,
	MKNET_FAULT_FAIL_RESIZE,
	MKNET_FAULT_COMPLETE_STORM,
	MKNET_FAULT_DISCOVERY_LATE,
};

/**
 * struct mknet_faults - what fault injection makes one end do wrong
 * @fail_xmits: frames still to drop as bad
 * @flags: the faults the data path and reshapes look for, bits of
 *	&enum mknet_fault_flag
 * @buf: memory of ours that forged frames name
 * @prod_scribbled: TX ring 0 shows the peer a bad producer index
 * @prod_area_gen: the area it was shown in
 * @saved_prod: the real producer index meanwhile
 *
 * Only with CONFIG_MKNET_FAULT_INJECTION; mknet_fault.c sets them.
 */
struct mknet_faults {
	atomic_t fail_xmits;
	unsigned long flags;
	void *buf;
	bool prod_scribbled;
	u32 prod_area_gen;
	u32 saved_prod;
};

/**
 * struct mknet_priv - one end of a link
 * @dev: our net_device
 * @id: link id of this end, unique in this kernel
 * @peer_instance: instance the other end lives in
 * @peer_id: link id of the other end in that instance
 * @loop_peer: the other end when both live in this kernel (a pair)
 * @area: our area: in the shared region on a link to another instance,
 *	private memory (no other kernel can write it) on a pair
 * @area_size: bytes in @area
 * @area_phys: physical address of @area in the region; 0 on a pair
 * @area_gen: generation of @area, never 0: a HELLO_ACK frees
 *	@retired_area only if it names @area with this generation
 * @retired_area: on a link to another kernel, the area a reshape replaced,
 *	kept until the peer has attached to the new one: it may read the
 *	old one until then
 * @retired_size: bytes in @retired_area
 * @retired_bufs: the frames of @retired_area's rings, freed with it
 * @retired_nbufs: entries in @retired_bufs
 * @admin_state: &enum mknet_admin_state we publish in @area
 * @notify_apicid: CPUs we publish for the peer's doorbells of each queue
 * @ring_size: descriptors in each of our TX rings
 * @num_queues: our TX rings
 * @num_napi: NAPI contexts added: the larger of our and the peer's
 *	queue counts
 * @peer: the peer's area; valid once @peer_attached
 * @peer_mem_held: the peer's RAM is mapped for us, by
 *	mk_instance_memory_get(), from the first attach to the link's release
 * @peer_attached: @peer may be used
 * @peer_area_gen: generation of the peer's area we attached to, as its
 *	HELLO or HELLO_ACK said; our HELLO_ACKs echo it
 * @peer_gone: the incarnation of the peer instance we attached to is
 *	stopped (its CPUs held by the host) or replaced by the next one:
 *	the polls free every frame of ours it still had.  Not for a
 *	stalled heartbeat alone, and never on a pair, whose other end is
 *	this kernel
 * @peer_apicid: CPUs the peer wants the doorbells of each queue on
 * @peer_bell: the peer's doorbell of each queue, bound at attach
 * @stray_bells: doorbells of ours rung by an instance that is not our peer
 * @ipi_doorbells: a pair's end rings its other end through the
 *	multikernel doorbell, an IPI, as a link does, when the doorbell is
 *	another CPU's (the default); cleared through debugfs, it always
 *	schedules the other end's NAPI where it runs
 * @xdp_prog: the XDP program run on every frame we receive
 * @rx_flags: the MKNET_RX_* flags we ask of the peer, published in @area
 * @peer_no_gso: the peer asks for no GSO; our features follow
 * @cpu_base: our queue q is served by online CPU number @cpu_base + q,
 *	counted round the online mask
 * @txq: our TX rings
 * @qp: the peer's TX rings as we consume them, with their NAPI
 * @watchdog: carrier and lost-doorbell checks; republishes our area
 * @carrier_work: re-evaluates the carrier in process context
 * @reset_work: frees the frames of TX rings the peer stopped taking
 * @peer_heartbeat: last heartbeat seen of the peer instance
 * @peer_heartbeat_at: jiffies when it last moved
 * @debugfs: our directory in debugfs: the rings as both ends see them
 * @faults: what fault injection makes this end do wrong
 * @remote: a link to another instance, with the handshake of mknet_remote.c
 * @peer_generation: boot generation of the peer instance we attached to
 * @hello_lock: guards @hello and @hello_pending against the message
 *	handler, which runs in hard interrupt context under the core's raw
 *	ring lock: hence raw
 * @hello: the last HELLO or HELLO_ACK, for @attach_work
 * @hello_pending: @hello is not handled yet
 * @hello_unanswered: our area took a new generation that the peer has
 *	not acknowledged; discovery says HELLO until it does
 * @bad_hellos: HELLOs refused, shown as drop_bad_hello
 * @attach_work: attaches to the area a HELLO named, in process context
 */
struct mknet_priv {
	struct net_device *dev;
	u32 id;
	u16 peer_instance;
	u32 peer_id;
	struct net_device __rcu *loop_peer;

	struct mknet_area *area;
	size_t area_size;
	phys_addr_t area_phys;
	u32 area_gen;
	struct mknet_area *retired_area;
	size_t retired_size;
	void **retired_bufs;
	u32 retired_nbufs;
	u32 admin_state;
	u32 notify_apicid[MKNET_MAX_QUEUES];
	u32 ring_size;
	u32 num_queues;
	u32 num_napi;

	struct mknet_peer_view peer;
	bool peer_mem_held;
	bool peer_attached;
	u32 peer_area_gen;
	bool peer_gone;
	u32 peer_apicid[MKNET_MAX_QUEUES];
	struct mk_bell peer_bell[MKNET_MAX_QUEUES];
	atomic64_t stray_bells;
	bool ipi_doorbells;
	struct bpf_prog __rcu *xdp_prog;
	u32 rx_flags;
	bool peer_no_gso;
	u32 cpu_base;

	struct mknet_txq txq[MKNET_MAX_QUEUES];
	struct mknet_qpair qp[MKNET_MAX_QUEUES];

	struct timer_list watchdog;
	struct work_struct carrier_work;
	struct delayed_work reset_work;
	u64 peer_heartbeat;
	unsigned long peer_heartbeat_at;
	struct dentry *debugfs;
#ifdef CONFIG_MKNET_FAULT_INJECTION
	struct mknet_faults faults;
#endif

	bool remote;
	u64 peer_generation;
	raw_spinlock_t hello_lock;
	struct mknet_msg hello;
	bool hello_pending;
	bool hello_unanswered;
	atomic64_t bad_hellos;
	struct delayed_work attach_work;
};

/**
 * mknet_area_in_region - whether an area lies in the shared region
 * @area: an area of ours or a peer's
 * @size: its bytes
 *
 * Return: true for an area other kernels can write.
 */
static inline bool mknet_area_in_region(const void *area, size_t size)
{
	return mk_region_ptr(mk_region_offset(area), size) == area;
}

/*
 * The other end may read our rings and write its own: always on a pair;
 * on a link while the incarnation of the peer instance we know runs, not
 * once it stopped or another replaced it that discovery has yet to see.
 */
static inline bool mknet_peer_running(const struct mknet_priv *priv)
{
	return !priv->remote ||
	       mk_instance_running(priv->peer_instance,
				   READ_ONCE(priv->peer_generation));
}

/* The CPU of the @nth queue, counted round the online CPUs. */
static inline int mknet_queue_cpu(u32 nth)
{
	int cpu = cpumask_nth(nth % num_online_cpus(), cpu_online_mask);

	return cpu < nr_cpu_ids ? cpu : cpumask_first(cpu_online_mask);
}

/*
 * Calls go one way, down this list: mknet_main.c (the module, link ops),
 * mknet_remote.c (links to other instances), mknet_ethtool.c (with ring
 * and queue count changes), mknet_netdev.c (links, carrier, net_device
 * ops), mknet_xdp.c (XDP setup), mknet_area.c (areas, NAPI contexts,
 * attaching to the peer), mknet_debugfs.c, mknet_fault.c, mknet_rx.c
 * (the NAPI poll), mknet_tx.c (transmit, completion), mknet_coal.c
 * (messages, doorbells, moderation).
 */

/* mknet_remote.c: links to other instances */
void mknet_remote_hello(u16 src_instance, const struct mknet_msg *m);
void mknet_remote_start(const struct rtnl_link_ops *ops);
void mknet_remote_stop(void);

/* mknet_ethtool.c */
extern const struct ethtool_ops mknet_ethtool_ops;

/* mknet_netdev.c: links, carrier, net_device ops */
int mknet_link_init(struct net_device *dev, u16 peer_instance, u32 cpu_base,
		    bool remote);
void mknet_link_publish(struct mknet_priv *priv);
void mknet_link_release(struct mknet_priv *priv);
struct mknet_priv *mknet_link_get(u32 id);
struct mknet_priv *mknet_remote_link(u16 instance);
void mknet_update_carrier(struct mknet_priv *priv);
u32 mknet_max_queues(const struct net_device *dev);
void mknet_setup(struct net_device *dev);
void mknet_datapath_start(struct mknet_priv *priv);
void mknet_datapath_stop(struct mknet_priv *priv);
int mknet_cpus_watch(void);
void mknet_cpus_unwatch(void);

/* mknet_xdp.c: XDP setup */
int mknet_bpf(struct net_device *dev, struct netdev_bpf *bpf);

/* mknet_area.c: areas, NAPI contexts, attaching to the peer */
u32 mknet_next_area_gen(void);
void mknet_area_publish(struct mknet_priv *priv);
int mknet_area_init(struct mknet_priv *priv, u32 n, u32 nq);
void mknet_area_free(struct mknet_priv *priv);
int mknet_napi_resize(struct mknet_priv *priv, u32 want);
int mknet_attach_peer(struct mknet_priv *priv, const struct mknet_area *peer);
void mknet_area_retired_free(struct mknet_priv *priv);
int mknet_area_reshape(struct mknet_priv *priv, u32 n, u32 nq);

/* mknet_debugfs.c: the rings and areas of each link, for a look */
#ifdef CONFIG_DEBUG_FS
void mknet_debugfs_add(struct mknet_priv *priv);
void mknet_debugfs_remove(struct mknet_priv *priv);
void mknet_debugfs_init(atomic_t *stray_msgs);
void mknet_debugfs_exit(void);
#else
static inline void mknet_debugfs_add(struct mknet_priv *priv) { }
static inline void mknet_debugfs_remove(struct mknet_priv *priv) { }
static inline void mknet_debugfs_init(atomic_t *stray_msgs) { }
static inline void mknet_debugfs_exit(void) { }
#endif

/*
 * mknet_fault.c: make this end a hostile or broken peer, for the tests.
 * Without CONFIG_MKNET_FAULT_INJECTION the checks below are constant
 * false and the data path carries none of them.
 */
#ifdef CONFIG_MKNET_FAULT_INJECTION
void mknet_fault_add(struct mknet_priv *priv);
void mknet_fault_remove(struct mknet_priv *priv);

/* The frame being sent is dropped as one the peer could not take. */
static inline bool mknet_fault_xmit(struct mknet_priv *priv)
{
	return unlikely(atomic_read(&priv->faults.fail_xmits)) &&
	       atomic_dec_if_positive(&priv->faults.fail_xmits) >= 0;
}

/* Take no frames, as a hung peer would not. */
static inline bool mknet_fault_rx_stalled(const struct mknet_priv *priv)
{
	return unlikely(test_bit(MKNET_FAULT_RX_STALLED, &priv->faults.flags));
}

/* The NAPI context being added cannot have its page_pool. */
static inline bool mknet_fault_resize(struct mknet_priv *priv)
{
	return unlikely(test_and_clear_bit(MKNET_FAULT_FAIL_RESIZE,
					   &priv->faults.flags));
}

/* A completion finds another poll asking for one more. */
static inline bool mknet_fault_storming(const struct mknet_priv *priv)
{
	return unlikely(test_bit(MKNET_FAULT_COMPLETE_STORM,
				 &priv->faults.flags));
}

/* Discovery is late to see the peer restart, as it may be by up to 1 s. */
static inline bool mknet_fault_discovery_late(const struct mknet_priv *priv)
{
	return unlikely(test_bit(MKNET_FAULT_DISCOVERY_LATE,
				 &priv->faults.flags));
}
#else
static inline void mknet_fault_add(struct mknet_priv *priv) { }
static inline void mknet_fault_remove(struct mknet_priv *priv) { }
static inline bool mknet_fault_xmit(struct mknet_priv *priv) { return false; }
static inline bool mknet_fault_rx_stalled(const struct mknet_priv *priv)
{
	return false;
}

static inline bool mknet_fault_resize(struct mknet_priv *priv) { return false; }
static inline bool mknet_fault_storming(const struct mknet_priv *priv)
{
	return false;
}

static inline bool mknet_fault_discovery_late(const struct mknet_priv *priv)
{
	return false;
}
#endif

/* mknet_rx.c: the NAPI poll: receive, and what it drives */
int mknet_poll(struct napi_struct *napi, int budget);
void mknet_datapath_tick(struct mknet_priv *priv);
void mknet_rx_epochs_publish(struct mknet_priv *priv, bool running);
int mknet_qp_pool_create(struct mknet_priv *priv, struct mknet_qpair *qp);
void mknet_qp_pool_destroy(struct mknet_qpair *qp);

/* mknet_tx.c: transmit, completion, taking frames back */
netdev_tx_t mknet_start_xmit(struct sk_buff *skb, struct net_device *dev);
int mknet_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		   u32 flags);
u32 mknet_xdp_tx_bulk(struct mknet_priv *priv, u32 q, struct xdp_frame **frames,
		      u32 n);
void mknet_tx_republish(struct mknet_priv *priv, u32 q);
void mknet_tx_complete(struct mknet_priv *priv, struct mknet_qpair *qp,
		       int budget);
void mknet_tx_wake_ready(struct mknet_priv *priv);
void mknet_tx_purge(struct mknet_priv *priv, u32 q);
bool mknet_tx_reclaim(struct mknet_priv *priv, u32 q);
void mknet_tx_free_bufs(struct mknet_priv *priv, void **bufs, u32 n);
void mknet_tx_reclaim_stalled(struct mknet_priv *priv);
bool mknet_tx_quiet(const struct mknet_priv *priv, u32 q);
void mknet_tx_timeout(struct net_device *dev, unsigned int q);
void mknet_reset_work(struct work_struct *work);

/**
 * enum mknet_notified - what mknet_notify() did
 * @MKNET_NOTIFY_NONE: nothing new to tell
 * @MKNET_NOTIFY_SUPPRESSED: the peer did not ask to hear of it
 * @MKNET_NOTIFY_HELD: its moderation lets the doorbell wait: on the timer
 * @MKNET_NOTIFY_BUSY: the doorbell could not be sent (the peer stopped or
 *	moved); it stays owed
 * @MKNET_NOTIFY_RANG: the doorbell went
 */
enum mknet_notified {
	MKNET_NOTIFY_NONE,
	MKNET_NOTIFY_SUPPRESSED,
	MKNET_NOTIFY_HELD,
	MKNET_NOTIFY_BUSY,
	MKNET_NOTIFY_RANG,
};

/* mknet_coal.c: messages, doorbells and interrupt moderation */
int mknet_coal_init(struct mknet_priv *priv);
void mknet_coal_free(struct mknet_priv *priv);
void mknet_coal_stop(struct mknet_qpair *qp);
bool mknet_coal_linger(struct mknet_priv *priv, struct mknet_qpair *qp);
void mknet_coal_set(struct mknet_priv *priv, u32 q, const struct mknet_coal *rx,
		    const struct mknet_coal *tx);
void mknet_coal_publish(struct mknet_priv *priv, struct mknet_qpair *qp,
			bool always);
void mknet_dim_sample(struct mknet_priv *priv, struct mknet_qpair *qp);
int mknet_send_to(struct mknet_priv *priv, u32 apicid, u32 kind, u32 queue);
int mknet_send_msg(struct mknet_priv *priv, u32 kind, u32 queue);
int mknet_bells_register(struct mknet_priv *priv);
void mknet_bells_unregister(struct mknet_priv *priv);
int mknet_ring_peer(struct mknet_priv *priv, u32 q);
enum hrtimer_restart mknet_bell_timer(struct hrtimer *t);
enum mknet_notified mknet_notify(struct mknet_priv *priv, u32 q, bool frames,
				 bool *bounded);

#endif /* _MKNET_H */
