/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State one kernel keeps about the shared region.  Nothing here lives in
 * the region: indices are private copies, so a peer that scribbles over a
 * ring can confuse that ring but never our own bookkeeping.
 */
#ifndef _KERNEL_MULTIKERNEL_INTERNAL_H
#define _KERNEL_MULTIKERNEL_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cma.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/multikernel_arch.h>
#include <linux/numa.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include "layout.h"

/*
 * What one CPU does for multikernel IPIs in one tick, in work and in time:
 * a message slot or a doorbell handler is one unit.  Four rings' worth of
 * units, or a quarter of the tick, whichever runs out first, keeps up with
 * any honest sender (mknet rings one doorbell per NAPI round, and data
 * never travels in slots) while no peer can take more of the CPU.
 */
#define MK_DRAIN_BUDGET		(4 * MK_RING_SLOTS)
#define MK_DRAIN_NSEC		(TICK_NSEC / 4)

/**
 * struct mk_budget - what one CPU may still drain in the current tick
 * @tick: jiffies value the budget was given for
 * @left: units left in that tick
 * @ns_left: nanoseconds left in that tick
 */
struct mk_budget {
	unsigned long tick;
	unsigned int left;
	u64 ns_left;
};

/**
 * mk_budget_refill - start a new tick's budget if the tick changed
 * @b: the budget
 * @now: jiffies
 * @units: units a tick brings
 * @ns: nanoseconds a tick brings
 *
 * Return: units left for @now; 0 once either part is spent.
 */
static inline unsigned int mk_budget_refill(struct mk_budget *b,
					    unsigned long now,
					    unsigned int units, u64 ns)
{
	if (b->tick != now) {
		b->tick = now;
		b->left = units;
		b->ns_left = ns;
	}
	return b->left;
}

/**
 * mk_budget_charge - take work done from a budget
 * @b: the budget
 * @units: units done, at most what was left
 * @ns: time they took
 *
 * Return: units still left; 0 once the time is spent too.
 */
static inline unsigned int mk_budget_charge(struct mk_budget *b,
					    unsigned int units, u64 ns)
{
	b->left -= min(units, b->left);
	if (ns >= b->ns_left) {
		b->ns_left = 0;
		b->left = 0;
	} else {
		b->ns_left -= ns;
	}
	return b->left;
}

/**
 * struct mk_ring_tx - our side of a ring we produce into
 * @lock: serialises the CPUs of this kernel that send on the ring
 * @ring: the ring in the shared region
 * @head: next index to fill; published to @ring->head
 * @sent: messages published
 * @ring_full: sends refused because the consumer had not caught up
 * @ipis_sent: doorbells sent for this ring
 * @bells_rung: doorbells of the receiver rung with an IPI
 * @bells_pending: doorbells rung while already pending: no IPI needed
 */
struct mk_ring_tx {
	raw_spinlock_t lock;
	struct mk_ring *ring;
	u32 head;
	u64 sent;
	u64 ring_full;
	u64 ipis_sent;
	atomic_long_t bells_rung;
	atomic_long_t bells_pending;
};

/**
 * struct mk_ring_rx - our side of a ring we consume from
 * @lock: serialises CPUs of this kernel that drain the ring
 * @ring: the ring in the shared region
 * @src: instance producing into the ring
 * @tail: next index to read; published to @ring->tail
 * @bad_head: producer index that made no sense at the last republish
 * @bad_head_seen: @bad_head is valid
 * @tick_tail: @tail at the last republish
 * @tick_pending: slots were waiting at the last republish; still waiting
 *	at @tick_tail now, they are stranded
 * @received: messages handed to a handler
 * @dropped: slots dropped as malformed (bad length or type 0)
 * @unknown_type: messages of a type nobody handles
 * @corrupt: times the producer index made no sense; the ring was skipped
 * @resync: times @tail was moved to a producer index that stayed
 *	impossible for a whole heartbeat
 * @bells_received: doorbells of ours the sender rang, handled
 * @bells_unknown: doorbell bits set that no handler is registered for
 * @bells_later: doorbells put back for a later drain: the budget of the
 *	tick was spent
 * @bell_takes: doorbell words found set and taken by a drain
 * @tick_bell_takes: @bell_takes at the last republish
 * @tick_bells_waiting: doorbell bits were set at the last republish; set
 *	now with nothing taken since, no IPI is coming for them
 */
struct mk_ring_rx {
	raw_spinlock_t lock;
	struct mk_ring *ring;
	u16 src;
	u32 tail;
	u32 bad_head;
	bool bad_head_seen;
	u32 tick_tail;
	bool tick_pending;
	u64 received;
	u64 dropped;
	u64 unknown_type;
	u64 corrupt;
	u64 resync;
	atomic_long_t bells_received;
	atomic_long_t bells_unknown;
	atomic_long_t bells_later;
	atomic_long_t bell_takes;
	long tick_bell_takes;
	bool tick_bells_waiting;
};

/**
 * struct mk_region - this kernel's view of the shared region
 * @phys: physical base, from mk_shared_memory=
 * @size: bytes, from mk_shared_memory=
 * @virt: kernel mapping of the whole region
 * @layout: offsets, computed from @size
 * @hdr: the header in the region
 * @hdr_own: the header as instance 0 wrote it or as we validated it at
 *	join; instance 0 republishes it from here
 * @instances: the instance table in the region
 * @me: our instance entry; the one in the table is rewritten from it
 * @self: our instance id, from mk_instance=
 * @hostile: fault injection plays a hostile peer: the garbage it wrote
 *	stays until it is told to restore, nothing is republished; only
 *	with CONFIG_MULTIKERNEL_FAULT_INJECTION, read through mk_hostile()
 * @tx: rings [@self][dst], indexed by destination instance
 * @rx: rings [src][@self], indexed by source instance
 * @ipis_received: multikernel IPIs taken by this kernel
 * @ipis_deferred: IPIs that found their CPU's budget for the tick spent
 *	and left the rings to the catch-up timer
 * @drains_cut: drains that spent the budget with work maybe left over
 * @catchups: drains run by the catch-up timer
 * @bad_apicid: per instance, reads of its entry refused because it lists
 *	an APIC ID we cannot send to
 * @heartbeat: bumps our heartbeat and republishes what we own
 */
struct mk_region {
	phys_addr_t phys;
	u64 size;
	void *virt;
	struct mk_layout layout;
	struct mk_region_header *hdr;
	struct mk_region_header hdr_own;
	struct mk_instance_desc *instances;
	struct mk_instance_desc me;
	u16 self;
#ifdef CONFIG_MULTIKERNEL_FAULT_INJECTION
	bool hostile;
#endif
	struct mk_ring_tx tx[MK_MAX_INSTANCES];
	struct mk_ring_rx rx[MK_MAX_INSTANCES];
	atomic_long_t ipis_received;
	atomic_long_t ipis_deferred;
	atomic_long_t drains_cut;
	atomic_long_t catchups;
	atomic_long_t bad_apicid[MK_MAX_INSTANCES];
	struct timer_list heartbeat;
};

extern struct mk_region mk_region;

static inline struct mk_ring *mk_ring_at(struct mk_region *r, u16 src, u16 dst)
{
	return r->virt + r->layout.rings_off +
	       r->layout.ring_stride * (src * MK_MAX_INSTANCES + dst);
}

/**
 * struct mk_pfn_ref - a page range of the shared region named by a peer
 * @pfn: first page frame
 * @offset: byte offset into that page
 * @len: length in bytes
 */
struct mk_pfn_ref {
	u64 pfn;
	u32 offset;
	u32 len;
};

/*
 * The type of the core's own test messages (fault.c's ping, the KUnit
 * loopback suites).  No driver sends or handles it, so it is no part of
 * the public enum mk_msg_type, which keeps its number free.
 */
#define MK_MSG_TEST		2
static_assert(MK_MSG_TEST > MK_MSG_PFN && MK_MSG_TEST < MK_MSG_MKNET);

typedef bool (*mk_deliver_t)(const struct mk_msg *msg, void *arg);

void mk_ring_tx_init(struct mk_ring_tx *tx, struct mk_ring *ring);
void mk_ring_rx_init(struct mk_ring_rx *rx, struct mk_ring *ring, u16 src);
int mk_ring_produce(struct mk_ring_tx *tx, u16 type, u32 src_apicid,
		    const void *data, size_t len);
unsigned int mk_ring_consume(struct mk_ring_rx *rx, mk_deliver_t deliver,
			     void *arg, unsigned int budget);
bool mk_dispatch(const struct mk_msg *msg, void *arg);
void mk_ring_tx_republish(struct mk_ring_tx *tx);
bool mk_ring_rx_republish(struct mk_ring_rx *rx);
void mk_rings_republish(struct mk_region *r);
void mk_republish(struct mk_region *r);
unsigned int mk_bells_take(struct mk_ring_rx *rx, unsigned int budget);
unsigned long mk_bells_split(unsigned long bits, unsigned long registered,
			     unsigned int budget, unsigned long *later,
			     unsigned int *unknown);
bool mk_bells_waiting(const struct mk_ring_rx *rx);
bool mk_bells_stranded(struct mk_ring_rx *rx);

int mk_msg_send_pfn(u16 instance, u32 apicid, unsigned long pfn, u32 offset,
		    u32 len);
int mk_msg_pfn(const struct mk_msg *msg, struct mk_pfn_ref *ref);
void *mk_msg_pfn_ptr(const struct mk_msg *msg, u32 *len);

int mk_instance_read(u16 instance, struct mk_instance_desc *copy);
int mk_parse_range(const char *s, u64 *size, phys_addr_t *base);
void __init mk_set_ready(void);
void mk_publish_self(struct mk_region *r);
void mk_messaging_start(struct mk_region *r);
void __init mk_ipi_start(void);
int __init mk_pool_init(struct mk_region *r);
void __init mk_heartbeat_start(struct mk_region *r);
void mk_instance_set_state(u16 instance, u32 state);
void __init mk_instance_memory_reserve(void);
void __init mk_instance_cma_reserve(void);
int mk_child_memory(u16 id, struct mk_mem_range *range);
int mk_child_memory_check(int id, phys_addr_t base, u64 size);
int mk_child_memory_place(int id, u64 size, int nid, bool must,
			  phys_addr_t *base);
void mk_child_memory_set(int id, phys_addr_t base, u64 size);
/**
 * enum mk_memory_spec - what a memory file of an instance was given
 * @MK_MEMORY_NONE: "none": no memory
 * @MK_MEMORY_SIZE: "<size>": the CMA area if there is one, else placed
 *	in the memory set aside
 * @MK_MEMORY_AT: "<size>@<address>" in the memory set aside
 * @MK_MEMORY_CMA: "<size>@cma": from a CMA area at each start
 * @MK_MEMORY_NODE: "<size>@node<N>": from node N's CMA area at each start
 *	if there are CMA areas, else placed in the memory set aside on node N
 */
enum mk_memory_spec {
	MK_MEMORY_NONE,
	MK_MEMORY_SIZE,
	MK_MEMORY_AT,
	MK_MEMORY_CMA,
	MK_MEMORY_NODE,
};

/* CMA areas for instances: one per NUMA node, on nodes below the limit. */
#define MK_CMA_AREAS	8
#define MK_CMA_NODES	MAX_NUMNODES
#ifdef CONFIG_CMA
static_assert(MK_CMA_AREAS <= MAX_CMA_AREAS);
#endif

int mk_memory_spec_parse(const char *s, u64 *size, phys_addr_t *base,
			 int *nid);
int mk_cma_spec_parse(const char *s, u64 *all, u64 *per_node);
int mk_child_memory_want_cma(int id, u64 size, int nid);
u64 mk_child_memory_cma(int id);
int mk_child_memory_asked_node(int id);
int mk_child_memory_nid(u16 id);
u64 mk_instance_cma_size(void);
int mk_child_memory_alloc(int id, int cpu_nid);
void mk_child_memory_release(int id);
ssize_t mk_instance_cma_show(char *buf);
ssize_t mk_instance_cma_nodes_show(char *buf);
void __init mk_memory_init(const struct mk_region *r);
int mk_host_ram_param(char *buf, size_t len);
void __init mk_console_join(void);
struct dentry;
void __init mk_instance_debugfs_init(struct dentry *dir);
#ifdef CONFIG_DEBUG_FS
void __init mk_debugfs_init(struct dentry *dir);
#else
static inline void mk_debugfs_init(struct dentry *dir) { }
#endif

/*
 * fault.c: this kernel as a hostile peer of the others, for the tests.
 * Without CONFIG_MULTIKERNEL_FAULT_INJECTION nothing of it is built and
 * the region is never hostile.
 */
#ifdef CONFIG_MULTIKERNEL_FAULT_INJECTION
void __init mk_fault_init(struct dentry *dir);
void mk_console_scribble(void);

static inline bool mk_hostile(const struct mk_region *r)
{
	return READ_ONCE(r->hostile);
}
#else
static inline void mk_fault_init(struct dentry *dir) { }
static inline bool mk_hostile(const struct mk_region *r) { return false; }
#endif

#endif /* _KERNEL_MULTIKERNEL_INTERNAL_H */
