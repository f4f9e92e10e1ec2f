// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/multikernel/: the region, this instance, and one directory
 * per instance id with what the table says of it, the memory of it we
 * may read, and the counters of the rings between it and us.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include "internal.h"

static struct kobject *mk_kobj;
static struct kobject *mk_instance_kobj[MK_MAX_INSTANCES];

static const char * const mk_state_names[MK_INSTANCE_STATE_MAX] = {
	[MK_INSTANCE_EMPTY] = "empty",
	[MK_INSTANCE_LOADED] = "loaded",
	[MK_INSTANCE_BOOTING] = "booting",
	[MK_INSTANCE_RUNNING] = "running",
	[MK_INSTANCE_STOPPED] = "stopped",
	[MK_INSTANCE_CRASHED] = "crashed",
};

static ssize_t region_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	if (!mk_ready())
		return sysfs_emit(buf, "off\n");
	return sysfs_emit(buf, "%pa %llu\n", &mk_region.phys, mk_region.size);
}

static ssize_t instance_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%u\n", mk_region.self);
}

static ssize_t generation_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	if (!mk_ready())
		return -ENODEV;
	/* Our own copy: the region's may have been scribbled over. */
	return sysfs_emit(buf, "%#llx\n", mk_region.hdr_own.generation);
}

static ssize_t abi_version_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", MK_ABI_VERSION);
}

/*
 * The NUMA node the region lies on: every link's rings are there.  -1
 * where it is not our RAM (an instance's view of it, say).
 */
static ssize_t region_node_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", mk_ready() ? mk_phys_node(mk_region.phys) :
			  NUMA_NO_NODE);
}

/* The CMA areas instances' memory comes from: bytes, and bytes free. */
static ssize_t instance_cma_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return mk_instance_cma_show(buf);
}

/* The same per area: node, base, bytes, bytes free. */
static ssize_t instance_cma_nodes_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	return mk_instance_cma_nodes_show(buf);
}

/* What the IPI storm budget did, machine-wide for this kernel. */
#define MK_IPI_ATTR(_name, _field)					\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lu\n",					\
			  atomic_long_read(&mk_region._field));		\
}									\
static struct kobj_attribute mk_attr_##_name = __ATTR_RO(_name)

MK_IPI_ATTR(ipis_received, ipis_received);
MK_IPI_ATTR(ipis_deferred, ipis_deferred);
MK_IPI_ATTR(drains_cut, drains_cut);
MK_IPI_ATTR(drain_catchups, catchups);

/*
 * Where memory lies (the region, an instance's RAM) and which physical
 * CPUs run what: for root alone, as /proc/iomem's addresses are.
 */
static struct kobj_attribute mk_attr_region = __ATTR(region, 0400, region_show,
						     NULL);
static struct kobj_attribute mk_attr_instance = __ATTR_RO(instance);
static struct kobj_attribute mk_attr_generation = __ATTR_RO(generation);
static struct kobj_attribute mk_attr_abi_version = __ATTR_RO(abi_version);
static struct kobj_attribute mk_attr_instance_cma = __ATTR_RO(instance_cma);
static struct kobj_attribute mk_attr_instance_cma_nodes =
	__ATTR(instance_cma_nodes, 0400, instance_cma_nodes_show, NULL);
static struct kobj_attribute mk_attr_region_node = __ATTR_RO(region_node);

static struct attribute *mk_attrs[] = {
	&mk_attr_region.attr,
	&mk_attr_instance.attr,
	&mk_attr_generation.attr,
	&mk_attr_abi_version.attr,
	&mk_attr_instance_cma.attr,
	&mk_attr_instance_cma_nodes.attr,
	&mk_attr_region_node.attr,
	&mk_attr_ipis_received.attr,
	&mk_attr_ipis_deferred.attr,
	&mk_attr_drains_cut.attr,
	&mk_attr_drain_catchups.attr,
	NULL,
};

static const struct attribute_group mk_group = {
	.attrs = mk_attrs,
};

/**
 * mk_kobj_to_id - which instance a sysfs directory is for
 * @kobj: /sys/kernel/multikernel/instances/<id>
 *
 * Return: the id, or -ENODEV.
 */
int mk_kobj_to_id(struct kobject *kobj)
{
	int i;

	for (i = 0; i < MK_MAX_INSTANCES; i++)
		if (mk_instance_kobj[i] == kobj)
			return i;
	return -ENODEV;
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct mk_instance_desc copy;
	int id = mk_kobj_to_id(kobj);

	if (id < 0)
		return id;
	if (mk_instance_read(id, &copy))
		return sysfs_emit(buf, "invalid\n");
	return sysfs_emit(buf, "%s\n", mk_state_names[copy.state]);
}

static ssize_t heartbeat_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct mk_instance_desc copy;
	int id = mk_kobj_to_id(kobj);

	if (id < 0)
		return id;
	mk_instance_read(id, &copy);
	return sysfs_emit(buf, "%llu\n", copy.heartbeat);
}

static ssize_t apic_ids_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	struct mk_instance_desc copy;
	int id = mk_kobj_to_id(kobj);
	ssize_t len = 0;
	u32 i;

	if (id < 0)
		return id;
	if (mk_instance_read(id, &copy))
		return sysfs_emit(buf, "\n");
	for (i = 0; i < copy.nr_cpus; i++)
		len += sysfs_emit_at(buf, len, "%s%u", i ? "," : "",
				     copy.apic_ids[i]);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

/* One "<start>-<end>" per line, end exclusive; empty if nothing is known. */
static ssize_t readable_memory_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	struct mk_mem_range r[MK_MAX_MEM_RANGES];
	int id = mk_kobj_to_id(kobj), i, n;
	ssize_t len = 0;

	if (id < 0)
		return id;
	n = mk_instance_memory(id, r, ARRAY_SIZE(r));
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		len += sysfs_emit_at(buf, len, "%#llx-%#llx\n", (u64)r[i].start,
				     (u64)r[i].start + r[i].size);
	return len;
}

/* A counter of instance <id>: @_read names it, with id in scope. */
#define MK_COUNTER_ATTR(_name, _read)					\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	int id = mk_kobj_to_id(kobj);					\
									\
	if (id < 0)							\
		return id;						\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(_read));	\
}									\
static struct kobj_attribute mk_attr_##_name = __ATTR_RO(_name)

MK_COUNTER_ATTR(sent, READ_ONCE(mk_region.tx[id].sent));
MK_COUNTER_ATTR(ring_full, READ_ONCE(mk_region.tx[id].ring_full));
MK_COUNTER_ATTR(ipis_sent, READ_ONCE(mk_region.tx[id].ipis_sent));
MK_COUNTER_ATTR(bells_rung, atomic_long_read(&mk_region.tx[id].bells_rung));
MK_COUNTER_ATTR(bells_pending,
		atomic_long_read(&mk_region.tx[id].bells_pending));
MK_COUNTER_ATTR(received, READ_ONCE(mk_region.rx[id].received));
MK_COUNTER_ATTR(dropped, READ_ONCE(mk_region.rx[id].dropped));
MK_COUNTER_ATTR(unknown_type, READ_ONCE(mk_region.rx[id].unknown_type));
MK_COUNTER_ATTR(corrupt, READ_ONCE(mk_region.rx[id].corrupt));
MK_COUNTER_ATTR(resync, READ_ONCE(mk_region.rx[id].resync));
MK_COUNTER_ATTR(bells_received,
		atomic_long_read(&mk_region.rx[id].bells_received));
MK_COUNTER_ATTR(bells_unknown,
		atomic_long_read(&mk_region.rx[id].bells_unknown));
MK_COUNTER_ATTR(bad_apicid, atomic_long_read(&mk_region.bad_apicid[id]));

static struct kobj_attribute mk_attr_state = __ATTR_RO(state);
static struct kobj_attribute mk_attr_heartbeat = __ATTR_RO(heartbeat);
/* Physical layout, root only: see mk_attr_region. */
static struct kobj_attribute mk_attr_apic_ids = __ATTR(apic_ids, 0400,
						       apic_ids_show, NULL);
static struct kobj_attribute mk_attr_readable_memory =
	__ATTR(readable_memory, 0400, readable_memory_show, NULL);

static struct attribute *mk_instance_attrs[] = {
	&mk_attr_state.attr,
	&mk_attr_heartbeat.attr,
	&mk_attr_apic_ids.attr,
	&mk_attr_readable_memory.attr,
	&mk_attr_sent.attr,
	&mk_attr_ring_full.attr,
	&mk_attr_ipis_sent.attr,
	&mk_attr_received.attr,
	&mk_attr_dropped.attr,
	&mk_attr_unknown_type.attr,
	&mk_attr_corrupt.attr,
	&mk_attr_resync.attr,
	&mk_attr_bad_apicid.attr,
	&mk_attr_bells_rung.attr,
	&mk_attr_bells_pending.attr,
	&mk_attr_bells_received.attr,
	&mk_attr_bells_unknown.attr,
	NULL,
};

static const struct attribute_group mk_instance_group = {
	.attrs = mk_instance_attrs,
};

/**
 * mk_instance_kobject - the sysfs directory of an instance
 * @id: instance id
 *
 * Return: /sys/kernel/multikernel/instances/<id>, or NULL.
 */
struct kobject *mk_instance_kobject(u16 id)
{
	return id < MK_MAX_INSTANCES ? mk_instance_kobj[id] : NULL;
}

static int __init mk_sysfs_init(void)
{
	struct kobject *dir;
	char name[8];
	int i, err;

	mk_kobj = kobject_create_and_add("multikernel", kernel_kobj);
	if (!mk_kobj)
		return -ENOMEM;
	err = sysfs_create_group(mk_kobj, &mk_group);
	if (err || !mk_ready())
		return err;

	dir = kobject_create_and_add("instances", mk_kobj);
	if (!dir)
		return -ENOMEM;
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		snprintf(name, sizeof(name), "%d", i);
		mk_instance_kobj[i] = kobject_create_and_add(name, dir);
		if (!mk_instance_kobj[i])
			return -ENOMEM;
		err = sysfs_create_group(mk_instance_kobj[i],
					 &mk_instance_group);
		if (err)
			return err;
	}
	return 0;
}

static int __init mk_sysfs_initcall(void)
{
	int err = mk_sysfs_init();

	if (err)
		pr_warn("multikernel: sysfs not available (%d)\n", err);
	return 0;
}
subsys_initcall(mk_sysfs_initcall);
