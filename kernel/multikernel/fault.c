// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection: make this kernel a hostile peer of the others.
 *
 *   echo MODE > /sys/kernel/debug/multikernel/scribble
 *
 * instance  write an impossible state and CPU count into our own entry
 *           of the instance table
 * header    overwrite the region header with random bytes
 * ring      move the head of every ring we produce into far past its tail
 * slots     publish a ring's worth of random slots to every peer
 * flood     send 20000 messages of a type nobody handles to every peer
 * restore   put back the header, our entry and the ring heads
 *
 * Only for tests: the other kernels must count what they drop, keep
 * running, and go on talking to us once we restore.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/debugfs.h>
#include <linux/random.h>
#include "internal.h"

#define MK_FLOOD_MSGS		20000
#define MK_FLOOD_TYPE		(MK_MSG_TYPE_MAX - 1)

static struct mk_region_header mk_saved_header;
static struct mk_instance_desc mk_saved_self;
static bool mk_saved;

static void mk_fault_save(struct mk_region *r)
{
	if (mk_saved)
		return;
	memcpy(&mk_saved_header, r->hdr, sizeof(mk_saved_header));
	memcpy(&mk_saved_self, &r->instances[r->self], sizeof(mk_saved_self));
	mk_saved = true;
}

static void mk_fault_restore(struct mk_region *r)
{
	unsigned long flags;
	u16 i;

	if (mk_saved) {
		memcpy(r->hdr, &mk_saved_header, sizeof(mk_saved_header));
		/* The heartbeat moved on meanwhile; keep it. */
		mk_saved_self.heartbeat = READ_ONCE(r->instances[r->self].heartbeat);
		memcpy(&r->instances[r->self], &mk_saved_self,
		       sizeof(mk_saved_self));
		mk_saved = false;
	}
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		raw_spin_lock_irqsave(&r->tx[i].lock, flags);
		/* Slots up to our head were complete when we wrote them. */
		smp_store_release(&r->tx[i].ring->head, r->tx[i].head);
		raw_spin_unlock_irqrestore(&r->tx[i].lock, flags);
	}
}

/* Publish a ring's worth of random slots, as a producer gone mad. */
static void mk_fault_slots(struct mk_region *r, u16 dst)
{
	struct mk_ring_tx *tx = &r->tx[dst];
	unsigned long flags;
	u32 i;

	raw_spin_lock_irqsave(&tx->lock, flags);
	for (i = 0; i < MK_RING_SLOTS; i++)
		get_random_bytes(&tx->ring->slots[(tx->head + i) % MK_RING_SLOTS],
				 sizeof(struct mk_slot));
	tx->head += MK_RING_SLOTS;
	/* The slots are written before the peer sees the index. */
	smp_store_release(&tx->ring->head, tx->head);
	raw_spin_unlock_irqrestore(&tx->lock, flags);
}

static int mk_fault_peer_apicid(u16 i, u32 *apicid)
{
	return mk_instance_info(i, NULL, NULL, apicid) == MK_INSTANCE_RUNNING ?
	       0 : -EHOSTDOWN;
}

static int mk_fault(const char *mode)
{
	struct mk_region *r = &mk_region;
	u8 junk[MK_MSG_MAX_DATA] = {};
	unsigned long flags;
	u32 apicid, n;
	u16 i;

	if (!multikernel_ready())
		return -ENODEV;
	if (!strcmp(mode, "restore")) {
		mk_fault_restore(r);
		return 0;
	}
	mk_fault_save(r);
	if (!strcmp(mode, "instance")) {
		WRITE_ONCE(r->instances[r->self].state,
			   MK_INSTANCE_STATE_MAX + get_random_u32_below(1000));
		WRITE_ONCE(r->instances[r->self].nr_cpus, U32_MAX);
	} else if (!strcmp(mode, "header")) {
		get_random_bytes(r->hdr, sizeof(*r->hdr));
	} else if (!strcmp(mode, "ring")) {
		for (i = 0; i < MK_MAX_INSTANCES; i++) {
			raw_spin_lock_irqsave(&r->tx[i].lock, flags);
			WRITE_ONCE(r->tx[i].ring->head, r->tx[i].head + 1000);
			raw_spin_unlock_irqrestore(&r->tx[i].lock, flags);
		}
		for (i = 0; i < MK_MAX_INSTANCES; i++)
			if (i != r->self && !mk_fault_peer_apicid(i, &apicid))
				mk_arch_send_ipi(apicid);
	} else if (!strcmp(mode, "slots")) {
		for (i = 0; i < MK_MAX_INSTANCES; i++)
			if (i != r->self && !mk_fault_peer_apicid(i, &apicid)) {
				mk_fault_slots(r, i);
				mk_arch_send_ipi(apicid);
			}
	} else if (!strcmp(mode, "flood")) {
		for (i = 0; i < MK_MAX_INSTANCES; i++) {
			if (i == r->self || mk_fault_peer_apicid(i, &apicid))
				continue;
			for (n = 0; n < MK_FLOOD_MSGS; n++) {
				multikernel_send_ipi_data(i, apicid, MK_FLOOD_TYPE,
							  junk, sizeof(junk));
				cond_resched();
			}
		}
	} else {
		return -EINVAL;
	}
	pr_warn("fault injection: %s\n", mode);
	return 0;
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
