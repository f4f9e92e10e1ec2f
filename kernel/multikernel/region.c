// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared region: boot parameters, reservation, the header and the
 * instance table.
 *
 * mk_shared_memory=<size>@<address> names the same physical range on
 * every kernel of the machine.  Where that range is RAM to this kernel it
 * is taken from memblock before the page allocator starts; where it is
 * already marked reserved (as a started instance sees it) it is used as
 * is.  Instance 0 lays out a fresh region; every other instance checks the
 * header it finds and joins without touching anything but its own parts.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/memblock.h>
#include <linux/random.h>
#include <linux/string.h>
#include <asm/sections.h>
#include "internal.h"

struct mk_region mk_region;

static u64 mk_param_size __initdata;
static phys_addr_t mk_param_base __initdata;
static bool mk_param_given __initdata;
static bool mk_region_reserved __initdata;
static bool mk_joined;

static struct resource mk_region_res = {
	.name = "Multikernel shared region",
	.flags = IORESOURCE_MEM | IORESOURCE_BUSY,
};

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

static int __init mk_shared_memory_setup(char *arg)
{
	phys_addr_t base;
	u64 size;

	if (mk_parse_range(arg, &size, &base)) {
		pr_err("mk_shared_memory=%s: expected <size>@<address>, framework off\n",
		       arg ?: "");
		return 0;
	}
	mk_param_base = base;
	mk_param_size = size;
	mk_param_given = true;
	return 0;
}
early_param("mk_shared_memory", mk_shared_memory_setup);

static int __init mk_instance_setup(char *arg)
{
	u16 id;

	if (!arg || kstrtou16(arg, 0, &id) || id >= MK_MAX_INSTANCES) {
		pr_err("mk_instance=%s: expected 0..%d, framework off\n",
		       arg ? arg : "", MK_MAX_INSTANCES - 1);
		mk_region.self = U16_MAX;
		return 0;
	}
	mk_region.self = id;
	return 0;
}
early_param("mk_instance", mk_instance_setup);

static int __init mk_region_check_param(void)
{
	phys_addr_t base = mk_param_base;
	u64 size = mk_param_size;
	struct mk_layout l;

	if (mk_region.self >= MK_MAX_INSTANCES)
		return -EINVAL;
	if (!size || base + size < base) {
		pr_err("region %llx@%pa: empty or wraps around\n", size, &base);
		return -EINVAL;
	}
	if (!PAGE_ALIGNED(base) || !PAGE_ALIGNED(size)) {
		pr_err("region %llx@%pa: not page aligned\n", size, &base);
		return -EINVAL;
	}
	if (mk_layout_compute(size, &l)) {
		pr_err("region of %llu bytes is too small: needs at least %llu\n",
		       size, l.pool_off + MK_REGION_MIN_POOL);
		return -EINVAL;
	}
	if (base < __pa_symbol(_end) && base + size > __pa_symbol(_text)) {
		pr_err("region %llx@%pa overlaps the kernel image\n", size, &base);
		return -EINVAL;
	}
	return 0;
}

/**
 * mk_reserve_region - take the shared region from memblock
 *
 * Called once from start_kernel(), before memblock is released.  Any
 * problem leaves the framework off with one message; boot goes on.
 */
void __init mk_reserve_region(void)
{
	phys_addr_t base = mk_param_base;
	u64 size = mk_param_size;

	mk_instance_memory_reserve();
	if (!mk_param_given)
		return;
	/* Even a region refused below means other kernels may run here. */
	mk_arch_machine_shared();
	if (mk_region_check_param())
		return;

	if (memblock_is_region_memory(base, size)) {
		if (memblock_is_region_reserved(base, size)) {
			pr_err("region %llx@%pa overlaps memory already in use\n",
			       size, &base);
			return;
		}
		if (memblock_reserve(base, size)) {
			pr_err("cannot reserve region %llx@%pa\n", size, &base);
			return;
		}
	} else if (!mk_arch_region_is_reserved(base, size)) {
		pr_err("region %llx@%pa is neither RAM nor reserved memory\n",
		       size, &base);
		return;
	}
	mk_region_reserved = true;
}

/**
 * mk_ready - is the shared region up
 *
 * Return: true once this kernel has joined a valid region.
 */
bool mk_ready(void)
{
	/* Pairs with the release in mk_region_init(). */
	return smp_load_acquire(&mk_joined);
}
EXPORT_SYMBOL_GPL(mk_ready);

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
static void mk_publish_self(struct mk_region *r)
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
 * mk_republish - write everything this kernel owns in the region again
 * @r: the region
 *
 * Our instance entry, the indices of our rings and, on instance 0, the
 * header.  Called every heartbeat: whatever a peer scribbled over them is
 * gone a second after it stops, and nothing we own is read back.
 */
void mk_republish(struct mk_region *r)
{
	if (r->self == 0)
		memcpy(r->hdr, &r->hdr_own, sizeof(r->hdr_own));
	mk_publish_self(r);
	mk_rings_republish(r);
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

/* The APIC IDs of the CPUs we run on now, into @ids.  Return: how many. */
static u32 mk_self_cpus(u32 *ids)
{
	unsigned int cpu;
	u32 n = 0;

	for_each_online_cpu(cpu) {
		if (n == MK_MAX_INSTANCE_CPUS)
			break;
		ids[n++] = mk_arch_cpu_apicid(cpu);
	}
	return n;
}

static void __init mk_instance_register(struct mk_region *r)
{
	/*
	 * The only value of our entry read from the region: the generation
	 * our previous incarnation published, to count on from.  Whatever
	 * it is, it is a number; it is private from here on.
	 */
	r->me.boot_generation =
		READ_ONCE(r->instances[r->self].boot_generation) + 1;
	r->me.nr_cpus = mk_self_cpus(r->me.apic_ids);
	if (num_online_cpus() > MK_MAX_INSTANCE_CPUS)
		pr_warn("only the first %d CPUs are listed\n",
			MK_MAX_INSTANCE_CPUS);
	r->me.state = MK_INSTANCE_RUNNING;
	mk_publish_self(r);
}

/*
 * Our entry lists the CPUs we run on now, not those we booted with: a
 * CPU we take offline may be given to an instance next, and a peer that
 * checks the CPU of a doorbell of ours against our entry must not find
 * it there.  Called once the CPU is dead, or online.
 */
static int mk_self_cpus_changed(unsigned int cpu)
{
	struct mk_region *r = &mk_region;
	u32 ids[MK_MAX_INSTANCE_CPUS], n, i;

	n = mk_self_cpus(ids);
	/*
	 * The heartbeat may publish the list while it changes: shorter
	 * first, so that a torn copy, mended at the next heartbeat, is more
	 * likely to leave one of ours out than to name one that is not.
	 */
	WRITE_ONCE(r->me.nr_cpus, min(n, r->me.nr_cpus));
	for (i = 0; i < n; i++)
		WRITE_ONCE(r->me.apic_ids[i], ids[i]);
	WRITE_ONCE(r->me.nr_cpus, n);
	mk_publish_self(r);
	return 0;
}

static void __init mk_self_cpus_watch(void)
{
	if (cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "multikernel:online",
				      mk_self_cpus_changed, NULL) < 0 ||
	    cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "multikernel:dead",
				      NULL, mk_self_cpus_changed) < 0)
		pr_warn("CPU hotplug not followed: our entry keeps the CPUs we booted with\n");
}

static int __init mk_region_join(struct mk_region *r)
{
	struct mk_region_header copy;
	int err;

	if (r->self == 0) {
		/* First instance: nothing in the region is meaningful yet. */
		memset(r->virt, 0, r->layout.pool_off);
		mk_header_init(&r->hdr_own, &r->layout, get_random_u64());
		memcpy(r->hdr, &r->hdr_own, sizeof(r->hdr_own));
		return 0;
	}

	memcpy(&copy, r->hdr, sizeof(copy));
	err = mk_header_validate(&copy, r->size);
	if (err)
		pr_err("instance %u: region header invalid (%d), not joining\n",
		       r->self, err);
	else
		r->hdr_own = copy;
	return err;
}

static int __init mk_region_init(void)
{
	struct mk_region *r = &mk_region;
	int err;

	if (!mk_region_reserved)
		return 0;

	r->phys = mk_param_base;
	r->size = mk_param_size;
	mk_layout_compute(r->size, &r->layout);
	r->virt = memremap(r->phys, r->size, MEMREMAP_WB);
	if (!r->virt) {
		pr_err("cannot map region %llx@%pa\n", r->size, &r->phys);
		return -ENOMEM;
	}
	r->hdr = r->virt;
	r->instances = r->virt + r->layout.instances_off;

	err = mk_region_join(r);
	if (err)
		goto unmap;
	err = mk_pool_init(r);
	if (err)
		goto unmap;

	mk_region_res.start = r->phys;
	mk_region_res.end = r->phys + r->size - 1;
	if (insert_resource(&iomem_resource, &mk_region_res))
		pr_warn("region not shown in /proc/iomem\n");

	mk_memory_init(r);
	mk_messaging_start(r);
	mk_console_join(r);
	mk_instance_register(r);
	mk_self_cpus_watch();
	mk_heartbeat_start(r);
	/* Everything above is set up before anyone sees the flag. */
	smp_store_release(&mk_joined, true);
	pr_info("instance %u joined region %llx@%pa, generation %llx\n",
		r->self, r->size, &r->phys, r->hdr_own.generation);
	return 0;

unmap:
	memunmap(r->virt);
	r->virt = NULL;
	return err;
}

/* Before device drivers, after SMP bring-up so every CPU can be listed. */
core_initcall(mk_region_init);
