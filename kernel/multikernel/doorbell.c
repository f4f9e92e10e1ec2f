// SPDX-License-Identifier: GPL-2.0-only
/*
 * Doorbells: a bare IPI with a pending bit, for data paths that keep
 * their own rings and only need the other kernel to look.
 *
 * A kernel registers up to MK_MAX_BELLS handlers and tells its peers
 * their numbers in whatever way its protocol has.  A peer binds a number
 * once, which checks the CPU it will interrupt against the instance table
 * and remembers the instance's boot generation; ringing then costs an
 * atomic OR on the bit in the ring from the ringer to the owner, and an
 * IPI only when the bit was clear: while it is set, an IPI is on its way
 * or its handler has yet to take the word.  The owner's IPI handler takes
 * every word of every ring into it with an atomic exchange before it runs
 * the handlers, so a bell set after that exchange has an IPI of its own.
 *
 * Whatever a peer writes into the bits costs the owner an exchange and a
 * population count per word: a private mask of the registered doorbells
 * splits off the bits nobody registered, which are counted in one add
 * and never looked at one by one.  Handlers run within the CPU's drain
 * budget for the tick (msg.c); registered bits beyond it are put back
 * into the word, where they still read as pending to the ringer, and the
 * drain that ran out of budget has armed the catch-up timer for them.
 * A word a peer keeps set would swallow the IPIs of that ring; the
 * heartbeat finds a bit that stayed set from one beat to the next with
 * no drain between and interrupts us, so nothing waits longer than two
 * heartbeats.  A bit set only just now has its IPI on the way to the CPU
 * the ringer chose, which is where its handler should run.
 */
#include <linux/bitops.h>
#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include "internal.h"

struct mk_bell_handler {
	mk_bell_handler_t fn;
	void *ctx;
	struct rcu_head rcu;
};

static struct mk_bell_handler __rcu *mk_bell_handlers[MK_MAX_BELLS];
/*
 * Which doorbells have a handler, as a filter for the IPI path; the
 * handler pointer stays the authority.  A bit is set after its handler
 * is published and cleared before it is withdrawn.
 */
static unsigned long mk_bells_registered[MK_BELL_WORDS];
static DEFINE_MUTEX(mk_bells_lock);

/* The bits are u64 words in the region, taken as unsigned long here. */
static_assert(MK_MAX_BELLS % BITS_PER_LONG == 0 && BITS_PER_LONG == 64);

/**
 * mk_bell_register - get a doorbell other kernels can ring
 * @fn: called when it rings, in hard interrupt context
 * @ctx: passed to @fn
 *
 * Context: process context, may sleep.
 * Return: the doorbell's number, from 0 to %MK_MAX_BELLS - 1; -EINVAL
 * without @fn; -ENOSPC when all are taken; -ENOMEM.
 */
int mk_bell_register(mk_bell_handler_t fn, void *ctx)
{
	struct mk_bell_handler *h;
	int bell;

	if (!fn)
		return -EINVAL;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->fn = fn;
	h->ctx = ctx;

	mutex_lock(&mk_bells_lock);
	for (bell = 0; bell < MK_MAX_BELLS; bell++)
		if (!rcu_access_pointer(mk_bell_handlers[bell]))
			break;
	if (bell < MK_MAX_BELLS) {
		rcu_assign_pointer(mk_bell_handlers[bell], h);
		set_bit(bell, mk_bells_registered);
	}
	mutex_unlock(&mk_bells_lock);

	if (bell == MK_MAX_BELLS) {
		kfree(h);
		return -ENOSPC;
	}
	return bell;
}
EXPORT_SYMBOL_GPL(mk_bell_register);

/**
 * mk_bell_unregister - give a doorbell back
 * @bell: a number mk_bell_register() returned
 *
 * Waits until no CPU runs its handler, so @ctx may be freed on return.
 * A ring of it after this is counted as unknown.
 *
 * Context: process context, sleeps.
 */
void mk_bell_unregister(int bell)
{
	struct mk_bell_handler *h;

	if (bell < 0 || bell >= MK_MAX_BELLS)
		return;
	mutex_lock(&mk_bells_lock);
	clear_bit(bell, mk_bells_registered);
	h = rcu_replace_pointer(mk_bell_handlers[bell], NULL,
				lockdep_is_held(&mk_bells_lock));
	mutex_unlock(&mk_bells_lock);
	if (!h)
		return;
	/* The IPI handler runs with interrupts off: an RCU reader. */
	synchronize_rcu();
	kfree(h);
}
EXPORT_SYMBOL_GPL(mk_bell_unregister);

/**
 * mk_bell_bind - check a doorbell of another instance before ringing it
 * @b: filled in; rings nothing until this succeeds
 * @instance: the instance that owns the doorbell; may be our own
 * @apicid: the CPU of @instance to interrupt
 * @bell: its number, as the owner said
 *
 * Everything mk_msg_send() checks on each message is checked here once.
 *
 * Context: any; does not sleep.
 * Return: 0; -ENODEV if the framework is off; -EINVAL for a bad
 * instance, number, or an APIC ID that is not one of @instance's CPUs;
 * -EHOSTDOWN if @instance is not running.
 */
int mk_bell_bind(struct mk_bell *b, u16 instance, u32 apicid, u32 bell)
{
	struct mk_instance_desc desc;
	int err;

	b->bound = false;
	if (!mk_ready())
		return -ENODEV;
	if (instance >= MK_MAX_INSTANCES || bell >= MK_MAX_BELLS)
		return -EINVAL;
	err = mk_instance_read(instance, &desc);
	if (err)
		return err;
	if (desc.state != MK_INSTANCE_RUNNING)
		return -EHOSTDOWN;
	if (!mk_instance_has_apicid(&desc, apicid))
		return -EINVAL;
	b->instance = instance;
	b->apicid = apicid;
	b->bell = bell;
	b->generation = desc.boot_generation;
	b->bound = true;
	return 0;
}
EXPORT_SYMBOL_GPL(mk_bell_bind);

/*
 * Whether an instance entry lists @apicid now.  An instance takes CPUs
 * it gives away out of its list; what the entry says only stops us.
 */
static bool mk_entry_lists(const struct mk_instance_desc *d, u32 apicid)
{
	u32 i, n = min_t(u32, READ_ONCE(d->nr_cpus), MK_MAX_INSTANCE_CPUS);

	for (i = 0; i < n; i++)
		if (READ_ONCE(d->apic_ids[i]) == apicid)
			return true;
	return false;
}

/**
 * mk_bell_ring - ring a doorbell of another instance
 * @b: a doorbell mk_bell_bind() accepted
 *
 * The CPU is checked against the owner's entry again on every ring, as
 * mk_msg_send() does for a message: once the owner has taken it out of
 * its list (it went offline there, and may run another kernel next),
 * the bell is not rung until its owner names a CPU of its own again and
 * the caller binds that.
 *
 * Context: any; does not sleep.
 * Return: 0; -ENOTCONN if @b is not bound; -EHOSTDOWN once its instance
 * stopped or restarted since it was bound; -EADDRNOTAVAIL if its CPU is
 * no longer one of the instance's.
 */
int mk_bell_ring(const struct mk_bell *b)
{
	struct mk_region *r = &mk_region;
	const struct mk_instance_desc *d;
	struct mk_ring_tx *tx;

	if (unlikely(!b->bound))
		return -ENOTCONN;
	/* The entry decides; what it says only stops us. */
	if (!mk_instance_running(b->instance, b->generation))
		return -EHOSTDOWN;
	d = &r->instances[b->instance];
	if (unlikely(!mk_entry_lists(d, b->apicid)))
		return -EADDRNOTAVAIL;
	tx = &r->tx[b->instance];
	/* A full barrier: what the bell announces is visible before it. */
	if (test_and_set_bit(b->bell, (unsigned long *)tx->ring->bells)) {
		atomic_long_inc(&tx->bells_pending);
		return 0;
	}
	/* Counted first: no count of IPIs taken runs ahead of this one. */
	atomic_long_inc(&tx->bells_rung);
	mk_arch_send_ipi(b->apicid);
	return 0;
}
EXPORT_SYMBOL_GPL(mk_bell_ring);

static void mk_bell_dispatch(struct mk_ring_rx *rx, unsigned int bell)
{
	struct mk_bell_handler *h;

	rcu_read_lock();
	h = rcu_dereference(mk_bell_handlers[bell]);
	if (h)
		h->fn(rx->src, h->ctx);
	rcu_read_unlock();
	atomic_long_inc(h ? &rx->bells_received : &rx->bells_unknown);
}

/**
 * mk_bells_split - sort the bits taken from a doorbell word
 * @bits: the word as taken from the ring
 * @registered: the doorbells of the word that have a handler
 * @budget: handlers that may run now
 * @later: set to the registered bits beyond @budget, lowest first kept
 * @unknown: set to the number of bits nobody registered
 *
 * Return: the bits whose handlers run now, at most @budget of them.
 */
unsigned long mk_bells_split(unsigned long bits, unsigned long registered,
			     unsigned int budget, unsigned long *later,
			     unsigned int *unknown)
{
	unsigned long now = bits & registered;
	unsigned long rest = now;
	unsigned int n;

	*unknown = hweight_long(bits & ~registered);
	for (n = 0; n < budget && rest; n++)
		rest &= rest - 1;
	*later = rest;
	return now & ~rest;
}

/**
 * mk_bells_take - run the handlers of the doorbells rung on a ring
 * @rx: our side of a ring into us
 * @budget: handlers that may run
 *
 * Registered doorbells beyond @budget are left set in the ring for the
 * next drain, which the caller arranges when it spent its budget.
 *
 * Context: hard interrupt, from the multikernel IPI or its catch-up timer.
 * Return: handlers run, at most @budget.
 */
unsigned int mk_bells_take(struct mk_ring_rx *rx, unsigned int budget)
{
	unsigned long *words = (unsigned long *)rx->ring->bells;
	unsigned int w, ran = 0;

	for (w = 0; w < MK_BELL_WORDS; w++) {
		unsigned long bits, later;
		unsigned int unknown;

		if (!READ_ONCE(words[w]))
			continue;
		bits = xchg(&words[w], 0);
		atomic_long_inc(&rx->bell_takes);
		bits = mk_bells_split(bits, READ_ONCE(mk_bells_registered[w]),
				      budget - ran, &later, &unknown);
		if (unknown)
			atomic_long_add(unknown, &rx->bells_unknown);
		if (later) {
			/* Still pending: the ringer need not interrupt us. */
			atomic_long_or(later, (atomic_long_t *)&words[w]);
			atomic_long_add(hweight_long(later), &rx->bells_later);
		}
		ran += hweight_long(bits);
		while (bits) {
			unsigned int b = __ffs(bits);

			bits &= bits - 1;
			mk_bell_dispatch(rx, w * BITS_PER_LONG + b);
		}
	}
	return ran;
}

/**
 * mk_bells_waiting - are doorbells of a ring into us waiting to be taken
 * @rx: our side of the ring
 *
 * Return: true if any bit is set.
 */
bool mk_bells_waiting(const struct mk_ring_rx *rx)
{
	unsigned int w;

	for (w = 0; w < MK_BELL_WORDS; w++)
		if (READ_ONCE(rx->ring->bells[w]))
			return true;
	return false;
}

/**
 * mk_bells_stranded - have doorbells into us waited a whole heartbeat
 * @rx: our side of the ring
 *
 * True when bits were set at the last call and still are, with no drain
 * of the ring in between: a peer keeps them set, so its rings send no
 * IPI.  Bits set only at this call are not: their IPI may be on its way.
 *
 * Context: the heartbeat timer; one caller at a time per @rx.
 * Return: true if the caller should drain the ring itself.
 */
bool mk_bells_stranded(struct mk_ring_rx *rx)
{
	long takes = atomic_long_read(&rx->bell_takes);
	bool waiting = mk_bells_waiting(rx);
	bool stranded = waiting && rx->tick_bells_waiting &&
			takes == rx->tick_bell_takes;

	rx->tick_bells_waiting = waiting;
	rx->tick_bell_takes = takes;
	return stranded;
}
