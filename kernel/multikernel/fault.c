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
 * storm [SECS]   for SECS seconds (20 if not given), in a loop: set every
 *                doorbell bit and publish a full ring of messages of a
 *                type nobody handles on each ring to a running peer, and
 *                send an IPI to the next CPU of that peer; logs the IPIs
 *                sent.  The slots stay valid and the head only moves as
 *                far as the peer's tail allows, so every IPI brings the
 *                most work a peer can ask of the receiver.
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
 * write-foreign  on an instance, write back the first byte of each range
 *                of another kernel's RAM we have mapped: fails with
 *                EFAULT if every write faulted, as the read-only mapping
 *                must make it; ENOENT if nothing is mapped
 *
 * Every mode but restore, ping and write-foreign leaves a "fault
 * injection:" line in the log.  Only for tests: the other kernels must
 * count what they drop, keep running, and go on talking to us once we
 * restore; we must be whole again a few seconds after a garble.
 *
 * Only with CONFIG_MULTIKERNEL_FAULT_INJECTION.  The command files of the
 * drivers' own fault injection (mknet's scribble) share the parser below.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/multikernel_fault.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "internal.h"

/* Longest write taken, with room for arguments and echo's newline. */
#define MK_DEBUGFS_CMD_LEN	64

#define MK_FLOOD_MSGS		20000
#define MK_FLOOD_TYPE		(MK_MSG_TYPE_MAX - 1)
/* How long a storm lasts unless told, and at most. */
#define MK_STORM_SECS		20
#define MK_STORM_MAX_SECS	600

/**
 * mk_debugfs_cmd_write - run the command written to a debugfs file
 * @ubuf: what user space wrote
 * @len: bytes at @ubuf
 * @cmds: the commands the file knows
 * @nr_cmds: entries in @cmds
 * @ctx: passed to the command's function, with the command's data
 *
 * A write is one command: its name, then optionally whitespace and its
 * arguments.  Whitespace around the whole is ignored, so ``echo NAME``
 * works; a command must come in one write.  The function gets the
 * arguments with the whitespace around them removed, or NULL when the
 * name stood alone.
 *
 * Whatever lock the commands need, the caller takes around this call.
 *
 * Context: process; may sleep to fault @ubuf in.
 * Return: @len once the command returned 0, else its error; -EINVAL for
 * a write of 64 bytes or more or a name not in @cmds, -EFAULT when @ubuf
 * cannot be read.
 */
ssize_t mk_debugfs_cmd_write(const char __user *ubuf, size_t len,
			     const struct mk_debugfs_cmd *cmds,
			     unsigned int nr_cmds, void *ctx)
{
	char buf[MK_DEBUGFS_CMD_LEN], *args, *name;
	unsigned int i;
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	args = strim(buf);
	name = strsep(&args, " \t\n");
	if (args)
		args = skip_spaces(args);

	for (i = 0; i < nr_cmds; i++) {
		if (strcmp(name, cmds[i].name))
			continue;
		err = cmds[i].fn(ctx, args, cmds[i].data);
		return err ?: len;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(mk_debugfs_cmd_write);

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

/**
 * mk_self_hostile - does this kernel play a hostile peer now
 *
 * For what the core does not republish itself, the console areas: while
 * this is true, their owner writes none of its indices again, so the
 * garbage a hostile mode left stays until "restore".
 *
 * Return: true from a hostile mode until "restore".
 */
bool mk_self_hostile(void)
{
	return mk_hostile(&mk_region);
}

static int mk_fault_instance(void *ctx, const char *args, unsigned long data)
{
	struct mk_region *r = mk_fault_hostile(ctx, "instance");

	WRITE_ONCE(r->instances[r->self].state,
		   MK_INSTANCE_STATE_MAX + get_random_u32_below(1000));
	WRITE_ONCE(r->instances[r->self].nr_cpus, U32_MAX);
	return 0;
}

static int mk_fault_header(void *ctx, const char *args, unsigned long data)
{
	struct mk_region *r = mk_fault_hostile(ctx, "header");

	get_random_bytes(r->hdr, sizeof(*r->hdr));
	return 0;
}

static int mk_fault_ring(void *ctx, const char *args, unsigned long data)
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

static int mk_fault_slots(void *ctx, const char *args, unsigned long data)
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

static int mk_fault_flood(void *ctx, const char *args, unsigned long data)
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

/*
 * The CPUs of a running peer we may interrupt: not our own, which the
 * host's entry lists too once it gave them to us.
 */
static u32 mk_storm_targets(struct mk_region *r, u16 i, u32 *apicids)
{
	struct mk_instance_desc desc;
	u32 c, n = 0;

	if (i == r->self || mk_instance_read(i, &desc) ||
	    desc.state != MK_INSTANCE_RUNNING)
		return 0;
	for (c = 0; c < desc.nr_cpus; c++)
		if (!mk_instance_has_apicid(&r->me, desc.apic_ids[c]))
			apicids[n++] = desc.apic_ids[c];
	return n;
}

/* Every bell rung, and a full ring of work as far as the peer allows. */
static void mk_storm_ring(struct mk_ring_tx *tx)
{
	unsigned long flags;
	unsigned int w;

	for (w = 0; w < MK_BELL_WORDS; w++)
		WRITE_ONCE(tx->ring->bells[w], ~0ULL);
	raw_spin_lock_irqsave(&tx->lock, flags);
	tx->head = READ_ONCE(tx->ring->tail) + MK_RING_SLOTS;
	/* The slots were filled before the storm; order them before it. */
	smp_store_release(&tx->ring->head, tx->head);
	raw_spin_unlock_irqrestore(&tx->lock, flags);
}

static int mk_fault_storm(void *ctx, const char *args, unsigned long data)
{
	struct mk_region *r = ctx;
	unsigned int secs = MK_STORM_SECS;
	unsigned long end, sent = 0, start = jiffies;
	struct mk_slot slot = {
		.type = MK_FLOOD_TYPE,
		.len = MK_MSG_MAX_DATA,
	};
	u32 (*apicids)[MK_MAX_INSTANCE_CPUS];
	u32 nr[MK_MAX_INSTANCES], k;
	u16 i;

	if (args && (kstrtouint(args, 0, &secs) || !secs ||
		     secs > MK_STORM_MAX_SECS))
		return -EINVAL;
	apicids = kcalloc(MK_MAX_INSTANCES, sizeof(*apicids), GFP_KERNEL);
	if (!apicids)
		return -ENOMEM;
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		nr[i] = mk_storm_targets(r, i, apicids[i]);
		if (!nr[i])
			continue;
		for (k = 0; k < MK_RING_SLOTS; k++)
			memcpy(&r->tx[i].ring->slots[k], &slot, sizeof(slot));
	}
	mk_fault_done("storm");

	end = start + secs * HZ;
	for (k = 0; time_before(jiffies, end); k++) {
		for (i = 0; i < MK_MAX_INSTANCES; i++) {
			if (!nr[i])
				continue;
			mk_storm_ring(&r->tx[i]);
			mk_arch_send_ipi(apicids[i][k % nr[i]]);
			sent++;
		}
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	kfree(apicids);
	pr_warn("fault injection: storm: %lu IPIs in %u ms\n", sent,
		jiffies_to_msecs(jiffies - start));
	return sent ? 0 : -EHOSTDOWN;
}

static int mk_fault_console(void *ctx, const char *args, unsigned long data)
{
	mk_fault_hostile(ctx, "console");
	mk_console_scribble();
	return 0;
}

static int mk_fault_restore(void *ctx, const char *args, unsigned long data)
{
	struct mk_region *r = ctx;

	WRITE_ONCE(r->hostile, false);
	mk_republish(r);
	return 0;
}

/**
 * mk_fault_fill - what a garble command writes over a structure
 * @p: the structure
 * @len: its bytes
 * @how: a byte value, or %MK_GARBLE_RANDOM for random bytes
 */
void mk_fault_fill(void *p, size_t len, unsigned long how)
{
	if (how == MK_GARBLE_RANDOM)
		get_random_bytes(p, len);
	else
		memset(p, how, len);
}
EXPORT_SYMBOL_GPL(mk_fault_fill);

/*
 * @how is a byte value, or MK_GARBLE_RANDOM.  No lock is taken: the
 * region is written by peers at any time anyway, and what we own must
 * survive exactly that.
 */
static int mk_fault_garble(void *ctx, const char *args, unsigned long how)
{
	struct mk_region *r = ctx;
	u16 i;

	if (r->self == 0)
		mk_fault_fill(r->hdr, sizeof(*r->hdr), how);
	mk_fault_fill(&r->instances[r->self], sizeof(*r->instances), how);
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		struct mk_ring *tx = r->tx[i].ring, *rx = r->rx[i].ring;

		mk_fault_fill(&tx->head, offsetof(struct mk_ring, tail), how);
		mk_fault_fill(tx->slots, sizeof(tx->slots), how);
		mk_fault_fill(&rx->tail, offsetof(struct mk_ring, slots) -
			  offsetof(struct mk_ring, tail), how);
	}
	if (how == MK_GARBLE_RANDOM)
		pr_warn("fault injection: garble with random bytes\n");
	else
		pr_warn("fault injection: garble with %#04lx\n", how);
	return 0;
}

static int mk_fault_ping(void *ctx, const char *args, unsigned long data)
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

/*
 * The byte written is the byte read, so a mapping that wrongly took the
 * write costs the other kernel nothing; the log says it happened.
 */
static int mk_fault_write_foreign(void *ctx, const char *args, unsigned long data)
{
	struct mk_mem_range ranges[MK_MAX_MEM_RANGES];
	u16 self = mk_self_instance(), id;
	int err = -ENOENT, n, i;
	u8 b;

	if (!self)
		return -EOPNOTSUPP;
	for (id = 0; id < MK_MAX_INSTANCES; id++) {
		if (id == self)
			continue;
		n = mk_instance_memory(id, ranges, ARRAY_SIZE(ranges));
		for (i = 0; i < n; i++) {
			if (!ranges[i].virt)
				continue;
			if (copy_from_kernel_nofault(&b, ranges[i].virt, 1))
				return -EIO;
			if (!copy_to_kernel_nofault(ranges[i].virt, &b, 1)) {
				pr_err("fault injection: a write to instance %u's RAM at %pa went through\n",
				       id, &ranges[i].start);
				return 0;
			}
			err = -EFAULT;
		}
	}
	return err;
}

static const struct mk_debugfs_cmd mk_fault_modes[] = {
	{ "instance",		mk_fault_instance },
	{ "header",		mk_fault_header },
	{ "ring",		mk_fault_ring },
	{ "slots",		mk_fault_slots },
	{ "flood",		mk_fault_flood },
	{ "storm",		mk_fault_storm },
	{ "console",		mk_fault_console },
	{ "restore",		mk_fault_restore },
	{ "garble-random",	mk_fault_garble, MK_GARBLE_RANDOM },
	{ "garble-zero",	mk_fault_garble, 0 },
	{ "garble-ff",		mk_fault_garble, 0xff },
	{ "ping",		mk_fault_ping },
	{ "write-foreign",	mk_fault_write_foreign },
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
