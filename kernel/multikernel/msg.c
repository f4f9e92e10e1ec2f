// SPDX-License-Identifier: GPL-2.0-only
/*
 * Typed messages between kernel instances.
 *
 * Each ordered pair of instances (including an instance and itself, which
 * is how two CPUs of one kernel talk) owns one ring of fixed-size slots.
 * A sender claims a slot under a lock private to its kernel, fills it,
 * publishes the new head with a store-release and only then writes the
 * ICR.  The receiver drains in the IPI handler, in hard interrupt context:
 * it acknowledges the APIC first and then loads the head with acquire, so
 * a message published after that load has its IPI arrive after the EOI and
 * is drained by the next interrupt.  Coalesced IPIs therefore never strand
 * a message.
 *
 * The IPI handler that drains the rings, within a budget, is in ipi.c.
 *
 * A slot is copied to the stack before it is checked and dispatched, and
 * the tail is advanced past it before the handler runs: the producer may
 * reuse the slot at once, and a handler never sees shared memory.
 *
 * Both indices are private; the copies in the ring are only published.
 * Each heartbeat republishes them, so a ring a peer scribbled over works
 * again within a second or two of the scribbling stopping: a garbage tail
 * that read as a full ring, or a garbage head, is overwritten by its
 * owner.  Producer and consumer can still disagree afterwards, when the
 * consumer had taken a garbage head for real and read past the true one;
 * a head that stays impossible for a whole heartbeat is then taken as the
 * producer's word and the tail moved to it (counted in @resync).
 */
#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include "internal.h"

struct mk_handler {
	mk_msg_handler_t fn;
	void *ctx;
	struct rcu_head rcu;
};

static struct mk_handler __rcu *mk_handlers[MK_MSG_TYPE_MAX];
static DEFINE_MUTEX(mk_handlers_lock);

void mk_ring_tx_init(struct mk_ring_tx *tx, struct mk_ring *ring)
{
	raw_spin_lock_init(&tx->lock);
	tx->ring = ring;
	/* Carry on from what we published before a restart of this kernel. */
	tx->head = READ_ONCE(ring->head);
}

void mk_ring_rx_init(struct mk_ring_rx *rx, struct mk_ring *ring, u16 src)
{
	raw_spin_lock_init(&rx->lock);
	rx->ring = ring;
	rx->src = src;
	/* Messages queued for an earlier incarnation of us are stale. */
	rx->tail = READ_ONCE(ring->head);
	rx->tick_tail = rx->tail;
	/* Pairs with the producer's acquire of the tail. */
	smp_store_release(&ring->tail, rx->tail);
}

/**
 * mk_ring_produce - queue one message on a ring
 * @tx: our side of the ring
 * @type: message type
 * @src_apicid: APIC ID of the sending CPU, passed to the receiver
 * @data: payload
 * @len: payload length, at most %MK_MSG_MAX_DATA
 *
 * Return: 0, or -ENOSPC if the consumer has not freed a slot.
 */
int mk_ring_produce(struct mk_ring_tx *tx, u16 type, u32 src_apicid,
		    const void *data, size_t len)
{
	struct mk_ring *ring = tx->ring;
	struct mk_slot *slot;
	unsigned long flags;
	u32 tail;

	raw_spin_lock_irqsave(&tx->lock, flags);
	/* Pairs with the consumer's release: it is done with those slots. */
	tail = smp_load_acquire(&ring->tail);
	/*
	 * A tail ahead of our head, or more than a ring behind it, is a
	 * consumer that lost track; treat both as full rather than trust it.
	 */
	if ((u32)(tx->head - tail) >= MK_RING_SLOTS) {
		tx->ring_full++;
		raw_spin_unlock_irqrestore(&tx->lock, flags);
		return -ENOSPC;
	}

	slot = &ring->slots[tx->head % MK_RING_SLOTS];
	WRITE_ONCE(slot->type, type);
	WRITE_ONCE(slot->len, len);
	WRITE_ONCE(slot->src_apicid, src_apicid);
	if (len)
		memcpy(slot->data, data, len);
	tx->head++;
	/* The slot is complete before the consumer can see its index. */
	smp_store_release(&ring->head, tx->head);
	tx->sent++;
	raw_spin_unlock_irqrestore(&tx->lock, flags);
	return 0;
}

static void mk_slot_to_msg(const struct mk_slot *copy, u16 src,
			   struct mk_msg *msg)
{
	msg->src_instance = src;
	msg->type = copy->type;
	msg->src_apicid = copy->src_apicid;
	msg->len = copy->len;
	memcpy(msg->data, copy->data, copy->len);
}

/**
 * mk_ring_consume - deliver what is in a ring
 * @rx: our side of the ring
 * @deliver: called for each well-formed message; returns false if no
 *	handler took it
 * @arg: passed to @deliver
 *
 * @budget: slots that may be consumed
 *
 * Drains at most one ring's worth of slots, those published when the head
 * was loaded, and no more than @budget of them.  Later messages come with
 * their own IPI; slots left over for the budget stay in the ring for the
 * caller's next drain.
 *
 * Return: number of slots consumed, good or bad.
 */
unsigned int mk_ring_consume(struct mk_ring_rx *rx, mk_deliver_t deliver,
			     void *arg, unsigned int budget)
{
	struct mk_ring *ring = rx->ring;
	struct mk_ring_view view;
	struct mk_slot copy;
	struct mk_msg msg;
	unsigned int i;
	int err;

	raw_spin_lock(&rx->lock);
	/* Pairs with the producer's release: slots up to head are filled. */
	if (mk_ring_check_indices(smp_load_acquire(&ring->head), rx->tail,
				  &view)) {
		rx->corrupt++;
		raw_spin_unlock(&rx->lock);
		return 0;
	}
	view.count = min(view.count, budget);

	for (i = 0; i < view.count; i++) {
		memcpy(&copy, &ring->slots[(view.first + i) % MK_RING_SLOTS],
		       sizeof(copy));
		rx->tail++;
		/* The copy is ours now; give the slot back before handling. */
		smp_store_release(&ring->tail, rx->tail);

		err = mk_slot_check(&copy);
		if (err == -ENOENT) {
			rx->unknown_type++;
			continue;
		}
		if (err) {
			rx->dropped++;
			continue;
		}
		mk_slot_to_msg(&copy, rx->src, &msg);
		if (deliver(&msg, arg))
			rx->received++;
		else
			rx->unknown_type++;
	}
	raw_spin_unlock(&rx->lock);
	return view.count;
}

/**
 * mk_ring_tx_republish - write our producer index into the ring again
 * @tx: our side of a ring we produce into
 *
 * Context: any; takes @tx->lock.
 */
void mk_ring_tx_republish(struct mk_ring_tx *tx)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&tx->lock, flags);
	/* Pairs with the consumer's acquire; our slots were filled before. */
	smp_store_release(&tx->ring->head, tx->head);
	raw_spin_unlock_irqrestore(&tx->lock, flags);
}

/**
 * mk_ring_rx_republish - write our consumer index into the ring again
 * @rx: our side of a ring we consume from
 *
 * Also brings the tail back in step with a producer whose head has been
 * impossible since the last call with the same value, and reports
 * messages nobody drained since the last call: their interrupt came while
 * the ring read as corrupt.
 *
 * Context: any; takes @rx->lock.
 * Return: true if the ring holds messages that are waiting for a drain.
 */
bool mk_ring_rx_republish(struct mk_ring_rx *rx)
{
	struct mk_ring_view view;
	unsigned long flags;
	bool stranded;
	u32 head;

	raw_spin_lock_irqsave(&rx->lock, flags);
	head = READ_ONCE(rx->ring->head);
	if (!mk_ring_check_indices(head, rx->tail, &view)) {
		rx->bad_head_seen = false;
	} else if (rx->bad_head_seen && head == rx->bad_head) {
		/* A producer that republishes means it: nothing to read. */
		rx->tail = head;
		rx->resync++;
		rx->bad_head_seen = false;
		view.count = 0;
	} else {
		rx->bad_head = head;
		rx->bad_head_seen = true;
		view.count = 0;
	}
	stranded = view.count && rx->tick_pending && rx->tail == rx->tick_tail;
	rx->tick_pending = view.count;
	rx->tick_tail = rx->tail;
	/* Pairs with the producer's acquire: we are done with those slots. */
	smp_store_release(&rx->ring->tail, rx->tail);
	raw_spin_unlock_irqrestore(&rx->lock, flags);
	return stranded;
}

/**
 * mk_rings_republish - republish the indices of every ring we touch
 * @r: the region
 *
 * Context: any; called from the heartbeat timer.
 */
void mk_rings_republish(struct mk_region *r)
{
	bool stranded = false;
	u16 i;

	for (i = 0; i < MK_MAX_INSTANCES; i++)
		mk_ring_tx_republish(&r->tx[i]);
	/* Heads first: our ring to ourselves heals in one pass. */
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		stranded |= mk_ring_rx_republish(&r->rx[i]);
		/* A doorbell bit a peer keeps set swallows its IPIs. */
		stranded |= mk_bells_stranded(&r->rx[i]);
	}
	/*
	 * Their doorbells were spent on a ring that read as corrupt, or on
	 * bits nobody took.
	 */
	if (stranded)
		mk_arch_send_ipi(mk_arch_cpu_apicid(smp_processor_id()));
}

bool mk_dispatch(const struct mk_msg *msg, void *arg)
{
	struct mk_handler *h;
	bool handled = false;

	rcu_read_lock();
	h = rcu_dereference(mk_handlers[msg->type]);
	if (h) {
		h->fn(msg, h->ctx);
		handled = true;
	}
	rcu_read_unlock();
	return handled;
}

void mk_messaging_start(struct mk_region *r)
{
	u16 i;

	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		mk_ring_rx_init(&r->rx[i], mk_ring_at(r, i, r->self), i);
		mk_ring_tx_init(&r->tx[i], mk_ring_at(r, r->self, i));
	}
}

/**
 * mk_msg_register - receive the messages of one type
 * @type: &enum mk_msg_type
 * @fn: called for each message, in hard interrupt context
 * @ctx: passed to @fn
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for an invalid type or no @fn; -EBUSY if the type
 * has a handler; -ENOMEM.
 */
int mk_msg_register(u16 type, mk_msg_handler_t fn, void *ctx)
{
	struct mk_handler *h;
	int err = 0;

	if (type == MK_MSG_INVALID || type >= MK_MSG_TYPE_MAX || !fn)
		return -EINVAL;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->fn = fn;
	h->ctx = ctx;

	mutex_lock(&mk_handlers_lock);
	if (rcu_access_pointer(mk_handlers[type]))
		err = -EBUSY;
	else
		rcu_assign_pointer(mk_handlers[type], h);
	mutex_unlock(&mk_handlers_lock);

	if (err)
		kfree(h);
	return err;
}
EXPORT_SYMBOL_GPL(mk_msg_register);

/**
 * mk_msg_unregister - stop receiving the messages of a type
 * @type: type passed to mk_msg_register()
 *
 * Waits until no CPU runs the old handler, so its context may be freed on
 * return.  Messages of @type that arrive later are counted as unknown.
 *
 * Context: process context, sleeps.
 */
void mk_msg_unregister(u16 type)
{
	struct mk_handler *h;

	if (type >= MK_MSG_TYPE_MAX)
		return;

	mutex_lock(&mk_handlers_lock);
	h = rcu_replace_pointer(mk_handlers[type], NULL,
				lockdep_is_held(&mk_handlers_lock));
	mutex_unlock(&mk_handlers_lock);
	if (!h)
		return;
	/* The IPI handler runs with interrupts off: an RCU reader. */
	synchronize_rcu();
	kfree(h);
}
EXPORT_SYMBOL_GPL(mk_msg_unregister);

/**
 * mk_msg_send - send a message to a CPU of an instance
 * @instance: destination instance; may be our own
 * @apicid: physical APIC ID of a CPU listed for @instance
 * @type: &enum mk_msg_type
 * @data: payload, copied into the ring
 * @len: payload bytes, at most %MK_MSG_MAX_DATA
 *
 * Context: any; does not sleep.
 * Return: 0; -ENODEV if the framework is off; -EINVAL for a bad instance,
 * type or APIC ID; -EMSGSIZE; -EHOSTDOWN if @instance is not running;
 * -ENOSPC if its ring is full (the receiver is behind; retry later).
 */
int mk_msg_send(u16 instance, u32 apicid, u16 type, const void *data,
		size_t len)
{
	struct mk_region *r = &mk_region;
	struct mk_instance_desc desc;
	struct mk_ring_tx *tx;
	unsigned long flags;
	int err;

	if (!mk_ready())
		return -ENODEV;
	if (instance >= MK_MAX_INSTANCES || type == MK_MSG_INVALID ||
	    type >= MK_MSG_TYPE_MAX)
		return -EINVAL;
	if (len > MK_MSG_MAX_DATA || (len && !data))
		return -EMSGSIZE;

	err = mk_instance_read(instance, &desc);
	if (err)
		return err;
	if (desc.state != MK_INSTANCE_RUNNING)
		return -EHOSTDOWN;
	if (!mk_instance_has_apicid(&desc, apicid))
		return -EINVAL;

	tx = &r->tx[instance];
	local_irq_save(flags);
	err = mk_ring_produce(tx, type, mk_arch_cpu_apicid(smp_processor_id()),
			      data, len);
	if (!err) {
		/* Counted first: no count of IPIs taken runs ahead of this one. */
		raw_spin_lock(&tx->lock);
		tx->ipis_sent++;
		raw_spin_unlock(&tx->lock);
		mk_arch_send_ipi(apicid);
	}
	local_irq_restore(flags);
	return err;
}
EXPORT_SYMBOL_GPL(mk_msg_send);

struct mk_pfn_payload {
	u64 pfn;
	u32 offset;
	u32 len;
};

/**
 * mk_msg_send_pfn - hand a page range of the shared region to another instance
 * @instance: destination instance
 * @apicid: destination CPU, physical APIC ID
 * @pfn: first page frame of the range; must lie in the region's page pool
 * @offset: byte offset into the first page
 * @len: bytes
 *
 * Context: any; does not sleep.
 * Return: as mk_msg_send(), or -EFAULT for a range outside the pool.
 */
int mk_msg_send_pfn(u16 instance, u32 apicid, unsigned long pfn, u32 offset,
		    u32 len)
{
	struct mk_pfn_payload p = { .pfn = pfn, .offset = offset, .len = len };
	u64 off;

	if (!mk_ready())
		return -ENODEV;
	if (mk_range_check(&mk_region.layout, mk_region.phys, pfn, offset, len,
			   &off))
		return -EFAULT;
	return mk_msg_send(instance, apicid, MK_MSG_PFN, &p, sizeof(p));
}

static int mk_pfn_msg_parse(const struct mk_msg *msg, struct mk_pfn_ref *ref,
			    u64 *region_off)
{
	struct mk_pfn_payload p;

	if (!msg || msg->type != MK_MSG_PFN || msg->len != sizeof(p))
		return -EINVAL;
	memcpy(&p, msg->data, sizeof(p));
	if (mk_range_check(&mk_region.layout, mk_region.phys, p.pfn, p.offset,
			   p.len, region_off))
		return -EFAULT;
	ref->pfn = p.pfn;
	ref->offset = p.offset;
	ref->len = p.len;
	return 0;
}

/**
 * mk_msg_pfn - read and check the page range of a %MK_MSG_PFN message
 * @msg: message given to a %MK_MSG_PFN handler
 * @ref: filled with the range on success
 *
 * Return: 0; -EINVAL if @msg is not a PFN message; -EFAULT if the range
 * the peer named is not wholly inside the shared page pool.
 */
int mk_msg_pfn(const struct mk_msg *msg, struct mk_pfn_ref *ref)
{
	u64 off;

	if (!ref)
		return -EINVAL;
	return mk_pfn_msg_parse(msg, ref, &off);
}

/**
 * mk_msg_pfn_ptr - address of the range a %MK_MSG_PFN message names
 * @msg: message given to a %MK_MSG_PFN handler
 * @len: set to the length of the range
 *
 * The region is mapped once at boot, so nothing needs unmapping.  The
 * bytes still belong to the shared region: the peer can change them while
 * they are read, so copy before checking.
 *
 * Return: kernel address of the first byte, or NULL if the range fails
 * mk_msg_pfn()'s checks.
 */
void *mk_msg_pfn_ptr(const struct mk_msg *msg, u32 *len)
{
	struct mk_pfn_ref ref;
	u64 off;

	if (mk_pfn_msg_parse(msg, &ref, &off))
		return NULL;
	*len = ref.len;
	return mk_region.virt + off;
}
