// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bringing the multikernel core up: boot parameters, taking the region
 * from memblock, then, once SMP is up, mapping and joining it and
 * starting what runs on it (page pool, memory records, message rings,
 * console, our instance entry, heartbeat), last the debugfs files.
 *
 * mk_shared_memory=<size>@<address> names the same physical range on
 * every kernel of the machine.  Where that range is RAM to this kernel it
 * is taken from memblock before the page allocator starts; where it is
 * already marked reserved (as a started instance sees it) it is used as
 * is.  Instance 0 lays out a fresh region; every other instance checks the
 * header it finds and joins without touching anything but its own parts.
 *
 * This file calls into every other file of the core; none calls back.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/memblock.h>
#include <linux/random.h>
#include <asm/sections.h>
#include "internal.h"

static u64 mk_param_size __initdata;
static phys_addr_t mk_param_base __initdata;
static bool mk_param_given __initdata;
static bool mk_region_reserved __initdata;

static struct resource mk_region_res = {
	.name = "Multikernel shared region",
	.flags = IORESOURCE_MEM | IORESOURCE_BUSY,
};

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

static void __init mk_region_reserve(void)
{
	phys_addr_t base = mk_param_base;
	u64 size = mk_param_size;

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
 * mk_reserve_region - take the shared region from memblock
 *
 * Called once from start_kernel(), before memblock is released.  Any
 * problem leaves the framework off with one message; boot goes on.
 * Memory set aside for instances and the region name their places; the
 * CMA areas for instances come last, placed by the CMA core in what they
 * left free.
 */
void __init mk_reserve_region(void)
{
	mk_instance_memory_reserve();
	mk_region_reserve();
	mk_instance_cma_reserve();
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
	mk_ipi_start();
	mk_console_join();
	mk_instance_register(r);
	mk_self_cpus_watch();
	mk_heartbeat_start(r);
	/* Everything above is set up before anyone sees the flag. */
	mk_set_ready();
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

/* The files of the core and of instance control, for tests and a look. */
static int __init mk_debugfs_setup(void)
{
	struct dentry *dir;

	if (!mk_ready())
		return 0;
	dir = debugfs_create_dir("multikernel", NULL);
	mk_instance_debugfs_init(dir);
	mk_debugfs_init(dir);
	return 0;
}
late_initcall(mk_debugfs_setup);
