// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared region as the rest of the core and its drivers read it:
 * whether it is up, our instance id, the instance table (each entry
 * copied and checked before use), addresses inside the region, and our
 * own entry, written from its private copy, and the console areas with
 * the hooks of the driver that fills them.  Nothing here calls out of
 * this file but into layout.c, the arch and those hooks; init.c sets it
 * all up.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "internal.h"

struct mk_region mk_region;

static bool mk_joined;
/* The console driver, drivers/tty/mkcon.c, once it has registered. */
static const struct mk_console_ops *mk_console_hooks;

/**
 * mk_parse_range - parse "<size>@<address>"
 * @s: the text; one trailing newline is allowed, as sysfs writes carry
 * @size: set to the size
 * @base: set to the address
 *
 * Both numbers take memparse()'s suffixes.
 *
 * Return: 0, or -EINVAL if @s is anything else.
 */
int mk_parse_range(const char *s, u64 *size, phys_addr_t *base)
{
	const char *p = s;
	char *end;

	if (!s)
		return -EINVAL;
	*size = memparse(p, &end);
	if (end == p || *end != '@')
		return -EINVAL;
	p = end + 1;
	*base = memparse(p, &end);
	if (end == p || (*end && strcmp(end, "\n")))
		return -EINVAL;
	return 0;
}

/**
 * mk_ready - is the shared region up
 *
 * Return: true once this kernel has joined a valid region.
 */
bool mk_ready(void)
{
	/* Pairs with the release in mk_set_ready(). */
	return smp_load_acquire(&mk_joined);
}
EXPORT_SYMBOL_GPL(mk_ready);

/**
 * mk_set_ready - say the region is up, once everything on it is
 *
 * Whoever sees mk_ready() true sees all that was set up before this.
 */
void __init mk_set_ready(void)
{
	/* Pairs with the acquire in mk_ready(). */
	smp_store_release(&mk_joined, true);
}

/**
 * mk_self_instance - this kernel's instance id
 *
 * Return: the id given by mk_instance=, 0 by default.
 */
u16 mk_self_instance(void)
{
	return mk_region.self;
}
EXPORT_SYMBOL_GPL(mk_self_instance);

/**
 * mk_cpu_apicid - physical APIC ID of one of our CPUs
 * @cpu: logical CPU number in this kernel
 *
 * Return: the APIC ID other kernels must use to reach @cpu.
 */
u32 mk_cpu_apicid(unsigned int cpu)
{
	return mk_arch_cpu_apicid(cpu);
}
EXPORT_SYMBOL_GPL(mk_cpu_apicid);

int mk_instance_read(u16 instance, struct mk_instance_desc *copy)
{
	int err;

	if (instance >= MK_MAX_INSTANCES)
		return -EINVAL;
	memcpy(copy, &mk_region.instances[instance], sizeof(*copy));
	err = mk_instance_check(copy, mk_arch_apicid_limit());
	if (err == -ERANGE)
		atomic_long_inc(&mk_region.bad_apicid[instance]);
	return err;
}

/**
 * mk_instance_info - what an instance publishes about itself
 * @instance: instance id
 * @heartbeat: if not NULL, set to its heartbeat counter
 * @boot_generation: if not NULL, set to the count of its (re)joins; a
 *	change means it restarted and everything it had set up is gone
 * @apicid: if not NULL, set to the physical APIC ID of its first CPU
 *
 * The entry is copied and checked once; everything returned comes from
 * that copy.
 *
 * Return: its &enum mk_instance_state, or -ENODEV if the framework is
 * off, -EINVAL for a bad id or a malformed table entry, -ERANGE for an
 * entry that lists an APIC ID no IPI of ours may go to.
 */
int mk_instance_info(u16 instance, u64 *heartbeat, u64 *boot_generation,
		     u32 *apicid)
{
	struct mk_instance_desc copy;
	int err;

	if (!mk_ready())
		return -ENODEV;
	err = mk_instance_read(instance, &copy);
	if (err)
		return err;
	if (heartbeat)
		*heartbeat = copy.heartbeat;
	if (boot_generation)
		*boot_generation = copy.boot_generation;
	if (apicid)
		*apicid = copy.nr_cpus ? copy.apic_ids[0] : U32_MAX;
	return copy.state;
}
EXPORT_SYMBOL_GPL(mk_instance_info);

/**
 * mk_instance_running - whether one incarnation of an instance still runs
 * @instance: instance id
 * @boot_generation: the incarnation, as mk_instance_info() gave it
 *
 * Cheap enough for a data path: two words of the instance's entry, not
 * the checked copy of mk_instance_info().  A stopped instance, and one
 * that restarted since, read and write nothing set up with @boot_generation.
 *
 * Context: any.
 * Return: true if @instance runs and has not restarted since.
 */
bool mk_instance_running(u16 instance, u64 boot_generation)
{
	const struct mk_instance_desc *d;

	if (!mk_ready() || instance >= MK_MAX_INSTANCES)
		return false;
	d = &mk_region.instances[instance];
	return READ_ONCE(d->state) == MK_INSTANCE_RUNNING &&
	       READ_ONCE(d->boot_generation) == boot_generation;
}
EXPORT_SYMBOL_GPL(mk_instance_running);

/**
 * mk_region_ptr - kernel address of a range of the shared region
 * @offset: byte offset from the start of the region
 * @len: bytes the caller will touch
 *
 * Return: the address, or NULL if any byte lies outside the region.
 */
void *mk_region_ptr(u64 offset, u64 len)
{
	if (!mk_ready() || offset > mk_region.size ||
	    len > mk_region.size - offset)
		return NULL;
	return mk_region.virt + offset;
}
EXPORT_SYMBOL_GPL(mk_region_ptr);

/**
 * mk_region_offset - offset in the region of a kernel address inside it
 * @vaddr: address returned by mk_pool_alloc() or mk_region_ptr()
 *
 * Return: the byte offset from the start of the region.
 */
u64 mk_region_offset(const void *vaddr)
{
	return vaddr - mk_region.virt;
}
EXPORT_SYMBOL_GPL(mk_region_offset);

/*
 * Write our whole entry from the private copy.  The state goes last: a
 * peer that sees RUNNING sees the CPU list with it.
 */
void mk_publish_self(struct mk_region *r)
{
	struct mk_instance_desc *me = &r->instances[r->self];

	WRITE_ONCE(me->nr_cpus, r->me.nr_cpus);
	WRITE_ONCE(me->heartbeat, READ_ONCE(r->me.heartbeat));
	WRITE_ONCE(me->boot_generation, r->me.boot_generation);
	memcpy(me->apic_ids, r->me.apic_ids, sizeof(me->apic_ids));
	memset(me->pad, 0, sizeof(me->pad));
	/* The state last: a peer that sees RUNNING sees the CPU list too. */
	smp_store_release(&me->state, READ_ONCE(r->me.state));
}

/**
 * mk_instance_set_state - write the state of ourselves or of an instance
 *	we started
 * @instance: its id
 * @state: &enum mk_instance_state
 *
 * The host writes the entry of an instance it starts or stops; the
 * instance itself writes it while it runs, from its private copy.
 */
void mk_instance_set_state(u16 instance, u32 state)
{
	struct mk_region *r = &mk_region;

	if (!mk_ready() || instance >= MK_MAX_INSTANCES)
		return;
	if (instance == r->self) {
		WRITE_ONCE(r->me.state, state);
		mk_publish_self(r);
		return;
	}
	/* Whoever sees the new state sees what we wrote before it. */
	smp_store_release(&r->instances[instance].state, state);
}

/**
 * mk_console_register - give the core the console driver's hooks
 * @ops: the hooks; they stay in use for as long as this kernel runs
 *
 * The console driver calls this before the core joins the region (a
 * core initcall), so that its @ops->join runs in the join.
 *
 * Return: 0, or -EBUSY if a console driver registered already.
 */
int __init mk_console_register(const struct mk_console_ops *ops)
{
	if (mk_console_hooks)
		return -EBUSY;
	mk_console_hooks = ops;
	return 0;
}

/**
 * mk_instance_console_area - the console area of an instance in the region
 * @instance: its id
 *
 * Valid from the console driver's join hook on: the region is mapped
 * by then, though mk_ready() is still false.
 *
 * Return: the area, or NULL for a bad id or when there is no region.
 */
struct mk_console_area *mk_instance_console_area(u16 instance)
{
	struct mk_region *r = &mk_region;

	if (!r->virt || instance >= MK_MAX_INSTANCES)
		return NULL;
	return r->virt + r->layout.console_off +
	       r->layout.console_stride * instance;
}

/* In the join, before our new boot generation is published. */
void __init mk_console_join(void)
{
	if (mk_console_hooks && mk_console_hooks->join)
		mk_console_hooks->join();
}

#ifdef CONFIG_MULTIKERNEL_FAULT_INJECTION
/* Fault injection's "console" mode, once the region is hostile. */
void mk_console_scribble(void)
{
	if (mk_console_hooks && mk_console_hooks->scribble)
		mk_console_hooks->scribble();
}
#endif
