// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection: make this kernel a hostile peer of the others, or
 * damage what it owns in the region and watch it heal.
 *
 *   echo MODE > /sys/kernel/debug/multikernel/scribble
 *
 * A hostile peer, until told to restore (nothing is republished meanwhile):
 *
 * instance       write an impossible state and CPU count into our own
 *                entry of the instance table
 * header         overwrite the region header with random bytes
 * ring           move the head of every ring we produce into far past its
 *                tail
 * slots          publish a ring's worth of random slots to every peer
 * flood          send 20000 messages of a type nobody handles to every peer
 * restore        republish everything we own, and go on doing so
 *
 * Damage once, with no restore: the heartbeat must repair it by itself.
 *
 * garble-random  random bytes over everything this kernel owns in the
 * garble-zero    region: our instance entry, the header on instance 0,
 * garble-ff      head and slots of the rings we produce into, tail of the
 *                rings we consume from; or zeros, or 0xff bytes
 * ping           send a message of the test type to each of our own CPUs
 *                through our ring to ourselves; fails if none could be sent
 *
 * Only for tests: the other kernels must count what they drop, keep
 * running, and go on talking to us once we restore; we must be whole
 * again a few seconds after a garble.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/debugfs.h>
#include <linux/random.h>
#include <linux/slab.h>
#include "internal.h"

#define MK_FLOOD_MSGS		20000
#define MK_FLOOD_TYPE		(MK_MSG_TYPE_MAX - 1)
/* What garble writes: random bytes, or this byte value. */
#define MK_GARBLE_RANDOM	(-1)

static int mk_fault_peer_apicid(u16 i, u32 *apicid)
{
	return mk_instance_info(i, NULL, NULL, apicid) == MK_INSTANCE_RUNNING ?
	       0 : -EHOSTDOWN;
}

static int mk_fault_instance(struct mk_region *r)
{
	WRITE_ONCE(r->instances[r->self].state,
		   MK_INSTANCE_STATE_MAX + get_random_u32_below(1000));
	WRITE_ONCE(r->instances[r->self].nr_cpus, U32_MAX);
	return 0;
}

static int mk_fault_header(struct mk_region *r)
{
	get_random_bytes(r->hdr, sizeof(*r->hdr));
	return 0;
}

static int mk_fault_ring(struct mk_region *r)
{
	unsigned long flags;
	u32 apicid;
	u16 i;

	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		raw_spin_lock_irqsave(&r->tx[i].lock, flags);
		WRITE_ONCE(r->tx[i].ring->head, r->tx[i].head + 1000);
		raw_spin_unlock_irqrestore(&r->tx[i].lock, flags);
	}
	for (i = 0; i < MK_MAX_INSTANCES; i++)
		if (i != r->self && !mk_fault_peer_apicid(i, &apicid))
			mk_arch_send_ipi(apicid);
	return 0;
}

/* Publish a ring's worth of random slots, as a producer gone mad. */
static void mk_fault_slots_to(struct mk_region *r, u16 dst,
			      const struct mk_slot *junk)
{
	struct mk_ring_tx *tx = &r->tx[dst];
	unsigned long flags;
	u32 i;

	raw_spin_lock_irqsave(&tx->lock, flags);
	for (i = 0; i < MK_RING_SLOTS; i++)
		memcpy(&tx->ring->slots[(tx->head + i) % MK_RING_SLOTS],
		       &junk[i], sizeof(*junk));
	tx->head += MK_RING_SLOTS;
	/* The slots are written before the peer sees the index. */
	smp_store_release(&tx->ring->head, tx->head);
	raw_spin_unlock_irqrestore(&tx->lock, flags);
}

static int mk_fault_slots(struct mk_region *r)
{
	struct mk_slot *junk;
	u32 apicid;
	u16 i;

	/* Filled outside the ring lock: the random pool takes its own. */
	junk = kmalloc_array(MK_RING_SLOTS, sizeof(*junk), GFP_KERNEL);
	if (!junk)
		return -ENOMEM;
	for (i = 0; i < MK_MAX_INSTANCES; i++)
		if (i != r->self && !mk_fault_peer_apicid(i, &apicid)) {
			get_random_bytes(junk, MK_RING_SLOTS * sizeof(*junk));
			mk_fault_slots_to(r, i, junk);
			mk_arch_send_ipi(apicid);
		}
	kfree(junk);
	return 0;
}

static int mk_fault_flood(struct mk_region *r)
{
	u8 junk[MK_MSG_MAX_DATA] = {};
	u32 apicid, n;
	u16 i;

	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		if (i == r->self || mk_fault_peer_apicid(i, &apicid))
			continue;
		for (n = 0; n < MK_FLOOD_MSGS; n++) {
			mk_msg_send(i, apicid, MK_FLOOD_TYPE, junk,
				    sizeof(junk));
			cond_resched();
		}
	}
	return 0;
}

static int mk_fault_restore(struct mk_region *r)
{
	WRITE_ONCE(r->hostile, false);
	mk_republish(r);
	return 0;
}

static void mk_garble(void *p, size_t len, int how)
{
	if (how == MK_GARBLE_RANDOM)
		get_random_bytes(p, len);
	else
		memset(p, how, len);
}

/*
 * No lock is taken: the region is written by peers at any time anyway,
 * and what we own must survive exactly that.
 */
static int mk_fault_garble(struct mk_region *r, int how)
{
	u16 i;

	if (r->self == 0)
		mk_garble(r->hdr, sizeof(*r->hdr), how);
	mk_garble(&r->instances[r->self], sizeof(*r->instances), how);
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		struct mk_ring *tx = r->tx[i].ring, *rx = r->rx[i].ring;

		mk_garble(&tx->head, offsetof(struct mk_ring, tail), how);
		mk_garble(tx->slots, sizeof(tx->slots), how);
		mk_garble(&rx->tail, offsetof(struct mk_ring, slots) -
			  offsetof(struct mk_ring, tail), how);
	}
	return 0;
}

static int mk_fault_garble_random(struct mk_region *r)
{
	return mk_fault_garble(r, MK_GARBLE_RANDOM);
}

static int mk_fault_garble_zero(struct mk_region *r)
{
	return mk_fault_garble(r, 0);
}

static int mk_fault_garble_ff(struct mk_region *r)
{
	return mk_fault_garble(r, 0xff);
}

static int mk_fault_ping(struct mk_region *r)
{
	int err = -EHOSTDOWN, sent = 0;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		err = mk_msg_send(r->self, mk_arch_cpu_apicid(cpu),
				  MK_MSG_TEST, NULL, 0);
		if (!err)
			sent++;
	}
	return sent ? 0 : err;
}

/*
 * HOSTILE modes stop republishing until "restore", so the garbage stays
 * as a hostile peer would keep it; DAMAGE modes act once; QUIET ones are
 * no fault and not logged.
 */
enum mk_fault_kind {
	MK_FAULT_HOSTILE,
	MK_FAULT_DAMAGE,
	MK_FAULT_QUIET,
};

/**
 * struct mk_fault_mode - one word written to debugfs multikernel/scribble
 * @name: the word
 * @fn: what it does
 * @kind: &enum mk_fault_kind
 */
struct mk_fault_mode {
	const char *name;
	int (*fn)(struct mk_region *r);
	enum mk_fault_kind kind;
};

static const struct mk_fault_mode mk_fault_modes[] = {
	{ "instance",		mk_fault_instance,	MK_FAULT_HOSTILE },
	{ "header",		mk_fault_header,	MK_FAULT_HOSTILE },
	{ "ring",		mk_fault_ring,		MK_FAULT_HOSTILE },
	{ "slots",		mk_fault_slots,		MK_FAULT_DAMAGE },
	{ "flood",		mk_fault_flood,		MK_FAULT_DAMAGE },
	{ "restore",		mk_fault_restore,	MK_FAULT_QUIET },
	{ "garble-random",	mk_fault_garble_random,	MK_FAULT_DAMAGE },
	{ "garble-zero",	mk_fault_garble_zero,	MK_FAULT_DAMAGE },
	{ "garble-ff",		mk_fault_garble_ff,	MK_FAULT_DAMAGE },
	{ "ping",		mk_fault_ping,		MK_FAULT_QUIET },
};

static int mk_fault(const char *name)
{
	struct mk_region *r = &mk_region;
	const struct mk_fault_mode *m;
	int err;

	if (!mk_ready())
		return -ENODEV;
	for (m = mk_fault_modes; m < mk_fault_modes + ARRAY_SIZE(mk_fault_modes);
	     m++) {
		if (strcmp(name, m->name))
			continue;
		/* Before the damage: the heartbeat must not undo it at once. */
		if (m->kind == MK_FAULT_HOSTILE)
			WRITE_ONCE(r->hostile, true);
		err = m->fn(r);
		if (!err && m->kind != MK_FAULT_QUIET)
			pr_warn("fault injection: %s\n", name);
		return err;
	}
	return -EINVAL;
}

static ssize_t mk_scribble_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char mode[16];
	int err;

	if (len >= sizeof(mode))
		return -EINVAL;
	if (copy_from_user(mode, ubuf, len))
		return -EFAULT;
	mode[len] = '\0';
	err = mk_fault(strim(mode));
	return err ?: len;
}

static const struct file_operations mk_scribble_fops = {
	.open	= simple_open,
	.write	= mk_scribble_write,
	.llseek	= noop_llseek,
};

/**
 * mk_fault_init - create debugfs multikernel/scribble
 * @dir: debugfs multikernel/
 */
void __init mk_fault_init(struct dentry *dir)
{
	debugfs_create_file("scribble", 0200, dir, NULL, &mk_scribble_fops);
}
