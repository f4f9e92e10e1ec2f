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
 * console        move the head of our console output far behind where the
 *                host reads, and our console input tail past its head
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
 * Every mode but restore and ping leaves a "fault injection:" line in the
 * log.  Only for tests: the other kernels must count what they drop, keep
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

/* Logged, so that whatever the log shows next can be traced to it. */
static int mk_fault_done(const char *mode)
{
	pr_warn("fault injection: %s\n", mode);
	return 0;
}

/*
 * Hostile modes stop republishing until "restore", so the garbage stays as
 * a hostile peer would keep it.  Set before the damage: the heartbeat must
 * not undo it at once.
 */
static struct mk_region *mk_fault_hostile(void *ctx, const char *mode)
{
	struct mk_region *r = ctx;

	WRITE_ONCE(r->hostile, true);
	mk_fault_done(mode);
	return r;
}

static int mk_fault_instance(void *ctx, const char *args)
{
	struct mk_region *r = mk_fault_hostile(ctx, "instance");

	WRITE_ONCE(r->instances[r->self].state,
		   MK_INSTANCE_STATE_MAX + get_random_u32_below(1000));
	WRITE_ONCE(r->instances[r->self].nr_cpus, U32_MAX);
	return 0;
}

static int mk_fault_header(void *ctx, const char *args)
{
	struct mk_region *r = mk_fault_hostile(ctx, "header");

	get_random_bytes(r->hdr, sizeof(*r->hdr));
	return 0;
}

static int mk_fault_ring(void *ctx, const char *args)
{
	struct mk_region *r = mk_fault_hostile(ctx, "ring");
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

static int mk_fault_slots(void *ctx, const char *args)
{
	struct mk_region *r = ctx;
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
	return mk_fault_done("slots");
}

static int mk_fault_flood(void *ctx, const char *args)
{
	struct mk_region *r = ctx;
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
	return mk_fault_done("flood");
}

static int mk_fault_console(void *ctx, const char *args)
{
	mk_console_scribble(mk_fault_hostile(ctx, "console"));
	return 0;
}

static int mk_fault_restore(void *ctx, const char *args)
{
	struct mk_region *r = ctx;

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
static int mk_fault_garble(struct mk_region *r, int how, const char *mode)
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
	return mk_fault_done(mode);
}

static int mk_fault_garble_random(void *ctx, const char *args)
{
	return mk_fault_garble(ctx, MK_GARBLE_RANDOM, "garble-random");
}

static int mk_fault_garble_zero(void *ctx, const char *args)
{
	return mk_fault_garble(ctx, 0, "garble-zero");
}

static int mk_fault_garble_ff(void *ctx, const char *args)
{
	return mk_fault_garble(ctx, 0xff, "garble-ff");
}

static int mk_fault_ping(void *ctx, const char *args)
{
	struct mk_region *r = ctx;
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

static const struct mk_debugfs_cmd mk_fault_modes[] = {
	{ "instance",		mk_fault_instance },
	{ "header",		mk_fault_header },
	{ "ring",		mk_fault_ring },
	{ "slots",		mk_fault_slots },
	{ "flood",		mk_fault_flood },
	{ "console",		mk_fault_console },
	{ "restore",		mk_fault_restore },
	{ "garble-random",	mk_fault_garble_random },
	{ "garble-zero",	mk_fault_garble_zero },
	{ "garble-ff",		mk_fault_garble_ff },
	{ "ping",		mk_fault_ping },
};

static ssize_t mk_scribble_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	if (!mk_ready())
		return -ENODEV;
	return mk_debugfs_cmd_write(ubuf, len, mk_fault_modes,
				    ARRAY_SIZE(mk_fault_modes), &mk_region);
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
