// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting other kernel instances from this one.
 *
 * mk_instance_memory=<size>@<address> sets memory aside at boot for the
 * instances this kernel starts; memory.c keeps it, and what each instance
 * was given of it.  Each instance is then driven from
 * /sys/kernel/multikernel/instances/<id>/:
 *
 *   kernel   write the bzImage (cat bzImage > kernel)
 *   initrd   write the initramfs
 *   cmdline  its command line; the region, its id, our RAM and that of
 *            every other instance with memory (which it may read frames
 *            from), and the timer rates are appended
 *   memory   <size>@<address> inside the reserved memory; <size>@cma
 *            allocated from the CMA area (mk_instance_cma=) at each start
 *            and given back at stop; <size> alone for the CMA area if
 *            there is one, else the lowest free part of the reserved
 *            memory; or "none" to give it back.  Fixed while this
 *            instance or one told of it runs
 *   cpus     offline CPUs of this kernel, as a list (2-3 or 1,3); the
 *            first boots the instance, the others wait in a park until
 *            its kernel brings them up
 *   control  "start", "stop", or "unload" to free the kernel and initrd;
 *            reads back empty, loaded, running, stopped
 *
 * Loading and starting a kernel is what kexec does, and the instance may
 * read our memory: every write needs CAP_SYS_BOOT and is refused under
 * lockdown, and with CONFIG_KEXEC_SIG_FORCE the kernel must carry a
 * signature kexec_file_load() would accept.  Where memory lies is for
 * root alone to read.
 *
 * A CPU given to an instance cannot be brought online here until the
 * instance is stopped.  Stopping sends INIT to its CPUs, marks the
 * instance stopped in the instance table, and gives the CPUs back.
 * Whether an instance runs is decided from our own state, never from the
 * table, which any kernel can write.  When this kernel panics or reboots
 * (kexec included) it stops every instance it started the same way.
 *
 * An instance that panics marks itself crashed.  One that stops answering
 * cannot: the host marks it crashed when its heartbeat has not moved for
 * %MK_HEARTBEAT_TIMEOUT, and sends INIT to its CPUs so that it cannot
 * come back and say otherwise.  A crashed verdict holds until the next
 * stop.  For tests, debugfs multikernel/freeze takes an instance id and
 * stops its CPU without telling anyone, as a hang would; multikernel/revive
 * writes its entry as its own heartbeat would, running.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/kexec.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/reboot.h>
#include <linux/security.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/vmalloc.h>
#include "internal.h"

#define MK_IMAGE_MAX		SZ_256M
#define MK_CMDLINE_MAX		1024
/* Instances bump their heartbeat about once a second. */
#define MK_HEARTBEAT_TIMEOUT	(5 * HZ)

enum mk_child_state {
	MK_CHILD_EMPTY,
	MK_CHILD_LOADED,
	MK_CHILD_RUNNING,
	MK_CHILD_STOPPED,
};

static const char * const mk_child_state_names[] = {
	[MK_CHILD_EMPTY]	= "empty",
	[MK_CHILD_LOADED]	= "loaded",
	[MK_CHILD_RUNNING]	= "running",
	[MK_CHILD_STOPPED]	= "stopped",
};

/**
 * struct mk_blob - a file written through a sysfs binary attribute
 * @data: vmalloc'ed copy
 * @len: bytes written
 * @cap: bytes allocated
 */
struct mk_blob {
	u8 *data;
	size_t len;
	size_t cap;
};

/**
 * struct mk_child - an instance this kernel starts and stops
 * @kernel: its bzImage; kept so a stopped instance can start again
 * @initrd: its initramfs
 * @cmdline: command line as written by the user
 * @cpus: logical CPUs of ours it runs on; the first boots it
 * @state: &enum mk_child_state
 * @published: the state we last wrote to its table entry, whatever the
 *	entry says now
 * @crashed: it was found crashed since its start; its entry must keep
 *	saying so
 * @heartbeat: last heartbeat seen while it runs
 * @heartbeat_at: jiffies when @heartbeat last moved
 * @peers_told: instances whose memory was on its command line, while it
 *	runs: their memory files stay as they are until it stops
 */
struct mk_child {
	struct mk_blob kernel;
	struct mk_blob initrd;
	char cmdline[MK_CMDLINE_MAX];
	struct cpumask cpus;
	enum mk_child_state state;
	u32 published;
	bool crashed;
	u64 heartbeat;
	unsigned long heartbeat_at;
	unsigned long peers_told;
};

static_assert(MK_INSTANCE_MAX_CPUS <= MK_MAX_INSTANCE_CPUS);

static struct mk_child mk_children[MK_MAX_INSTANCES];
/* Serialises every change to mk_children and mk_owned_cpus. */
static DEFINE_MUTEX(mk_children_lock);
/* Also read without the lock, by the panic notifier. */
static struct cpumask mk_owned_cpus;

static void mk_children_watch(struct work_struct *work);
static DECLARE_DELAYED_WORK(mk_watch_work, mk_children_watch);

static int mk_cpu_prepare(unsigned int cpu)
{
	/* Bringing it up would take it from under a running instance. */
	if (cpumask_test_cpu(cpu, &mk_owned_cpus)) {
		pr_err("CPU %u runs an instance; stop it first\n", cpu);
		return -EBUSY;
	}
	return 0;
}

/*
 * The instance of a control file, if the writer may drive it.  Loading
 * and starting a kernel is what kexec does, with our memory readable to
 * it: the same capability, and nothing under lockdown (which logs why).
 * Checked at each write, not at open, so a file passed on to a process
 * without the capability is of no use to it.
 */
static int mk_control_id(struct kobject *kobj)
{
	int id = mk_kobj_to_id(kobj), err;

	if (id < 0)
		return id;
	if (!capable(CAP_SYS_BOOT)) {
		pr_err_ratelimited("instance %d: control files need CAP_SYS_BOOT\n",
				   id);
		return -EPERM;
	}
	err = security_locked_down(LOCKDOWN_KEXEC);
	return err ?: id;
}

static void mk_blob_free(struct mk_blob *b)
{
	vfree(b->data);
	*b = (struct mk_blob){};
}

static int mk_blob_write(struct mk_blob *b, const char *buf, loff_t off,
			 size_t count)
{
	size_t end;

	if (off < 0 || check_add_overflow((size_t)off, count, &end) ||
	    end > MK_IMAGE_MAX)
		return -EFBIG;
	/* A write at offset 0 starts a new file. */
	if (!off)
		b->len = 0;
	/*
	 * A hole would be uninitialised vmalloc memory, copied into the
	 * instance: our memory, handed to another kernel.
	 */
	if (off > b->len)
		return -ESPIPE;
	if (end > b->cap) {
		size_t cap = max3(end, 2 * b->cap, (size_t)SZ_1M);
		u8 *data = vmalloc(min_t(size_t, cap, MK_IMAGE_MAX));

		if (!data)
			return -ENOMEM;
		if (b->data)
			memcpy(data, b->data, b->len);
		vfree(b->data);
		b->data = data;
		b->cap = min_t(size_t, cap, MK_IMAGE_MAX);
	}
	memcpy(b->data + off, buf, count);
	b->len = max(b->len, end);
	return 0;
}

static ssize_t mk_image_write(struct kobject *kobj, struct bin_attribute *attr,
			      char *buf, loff_t off, size_t count, bool initrd)
{
	int id = mk_control_id(kobj), err;
	const char *what = initrd ? "initrd" : "kernel";
	struct mk_child *c;

	if (id < 0)
		return id;
	c = &mk_children[id];
	mutex_lock(&mk_children_lock);
	if (c->state == MK_CHILD_RUNNING) {
		pr_err("instance %d: runs; stop it before writing its %s\n",
		       id, what);
		err = -EBUSY;
	} else {
		err = mk_blob_write(initrd ? &c->initrd : &c->kernel, buf, off,
				    count);
		if (err)
			pr_err("instance %d: %s write of %zu bytes at %lld refused (%d)\n",
			       id, what, count, off, err);
		else if (!initrd)
			c->state = MK_CHILD_LOADED;
	}
	mutex_unlock(&mk_children_lock);
	return err ?: count;
}

static ssize_t mk_kernel_write(struct file *f, struct kobject *kobj,
			       struct bin_attribute *attr, char *buf, loff_t off,
			       size_t count)
{
	return mk_image_write(kobj, attr, buf, off, count, false);
}

static ssize_t mk_initrd_write(struct file *f, struct kobject *kobj,
			       struct bin_attribute *attr, char *buf, loff_t off,
			       size_t count)
{
	return mk_image_write(kobj, attr, buf, off, count, true);
}

/* Size 0: the files are as long as what is written. */
static struct bin_attribute bin_attr_kernel =
	__BIN_ATTR(kernel, 0200, NULL, mk_kernel_write, 0);
static struct bin_attribute bin_attr_initrd =
	__BIN_ATTR(initrd, 0200, NULL, mk_initrd_write, 0);

static struct bin_attribute *mk_child_bin_attrs[] = {
	&bin_attr_kernel,
	&bin_attr_initrd,
	NULL,
};

static ssize_t cmdline_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	int id = mk_kobj_to_id(kobj);
	ssize_t n;

	if (id < 0)
		return id;
	mutex_lock(&mk_children_lock);
	n = sysfs_emit(buf, "%s\n", mk_children[id].cmdline);
	mutex_unlock(&mk_children_lock);
	return n;
}

static ssize_t cmdline_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	int id = mk_control_id(kobj);

	if (id < 0)
		return id;
	if (count >= MK_CMDLINE_MAX) {
		pr_err("instance %d: command line of %zu bytes, at most %d can be\n",
		       id, count, MK_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	mutex_lock(&mk_children_lock);
	strscpy(mk_children[id].cmdline, buf, MK_CMDLINE_MAX);
	strim(mk_children[id].cmdline);
	mutex_unlock(&mk_children_lock);
	return count;
}

static ssize_t cpus_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	int id = mk_kobj_to_id(kobj);
	ssize_t n;

	if (id < 0)
		return id;
	mutex_lock(&mk_children_lock);
	n = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&mk_children[id].cpus));
	mutex_unlock(&mk_children_lock);
	return n;
}

/*
 * CPUs an instance may be given: some, not too many, none of them the
 * boot CPU, online, or another instance's.  Called with
 * mk_children_lock and the CPU hotplug lock held.
 */
static int mk_cpus_check(u16 id, const struct cpumask *cpus)
{
	unsigned int cpu;

	if (cpumask_empty(cpus)) {
		pr_err("instance %u: no CPU given\n", id);
		return -EINVAL;
	}
	if (cpumask_weight(cpus) > MK_INSTANCE_MAX_CPUS) {
		pr_err("instance %u: %u CPUs given, at most %d can be\n",
		       id, cpumask_weight(cpus), MK_INSTANCE_MAX_CPUS);
		return -E2BIG;
	}
	for_each_cpu(cpu, cpus) {
		if (!cpu) {
			pr_err("instance %u: the boot CPU cannot be given away\n",
			       id);
			return -EINVAL;
		}
		if (!cpu_present(cpu)) {
			pr_err("instance %u: CPU %u does not exist\n", id, cpu);
			return -ENODEV;
		}
		if (cpu_online(cpu)) {
			pr_err("instance %u: CPU %u is online; offline it first\n",
			       id, cpu);
			return -EBUSY;
		}
		/* Callers refuse a running @id: these are others' CPUs. */
		if (cpumask_test_cpu(cpu, &mk_owned_cpus)) {
			pr_err("instance %u: CPU %u runs another instance\n",
			       id, cpu);
			return -EBUSY;
		}
	}
	return 0;
}

static ssize_t cpus_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	int id = mk_control_id(kobj), err;
	cpumask_var_t cpus;

	if (id < 0)
		return id;
	if (!alloc_cpumask_var(&cpus, GFP_KERNEL))
		return -ENOMEM;
	/*
	 * Whatever the parser says (a number too large for a cpumask is
	 * ERANGE or EOVERFLOW to it), to the writer the list does not parse.
	 */
	if (cpulist_parse(buf, cpus)) {
		pr_err("instance %d: cannot parse CPU list '%.*s'\n", id,
		       (int)strcspn(buf, "\n"), buf);
		err = -EINVAL;
		goto out;
	}
	/* In the order mk_child_start() takes them. */
	mutex_lock(&mk_children_lock);
	cpus_read_lock();
	if (mk_children[id].state == MK_CHILD_RUNNING) {
		pr_err("instance %d: runs; stop it before changing its CPUs\n",
		       id);
		err = -EBUSY;
	} else {
		err = mk_cpus_check(id, cpus);
		if (!err)
			cpumask_copy(&mk_children[id].cpus, cpus);
	}
	cpus_read_unlock();
	mutex_unlock(&mk_children_lock);
out:
	free_cpumask_var(cpus);
	return err ?: count;
}

static ssize_t memory_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	int id = mk_kobj_to_id(kobj);
	struct mk_mem_range m;

	if (id < 0)
		return id;
	/* Memory from a CMA area has no place while it is not allocated. */
	if (mk_child_memory(id, &m) && mk_child_memory_cma(id)) {
		if (mk_child_memory_asked_node(id) != NUMA_NO_NODE)
			return sysfs_emit(buf, "%#llx@node%d\n",
					  mk_child_memory_cma(id),
					  mk_child_memory_asked_node(id));
		return sysfs_emit(buf, "%#llx@cma\n", mk_child_memory_cma(id));
	}
	return sysfs_emit(buf, "%#llx@%#llx\n", m.size, (u64)m.start);
}

/* The NUMA node of the first CPU of instance @id, or NUMA_NO_NODE. */
static int mk_child_cpu_node(int id)
{
	const struct cpumask *cpus = &mk_children[id].cpus;

	return cpumask_empty(cpus) ? NUMA_NO_NODE :
	       cpu_to_node(cpumask_first(cpus));
}

static ssize_t node_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	int id = mk_kobj_to_id(kobj);

	if (id < 0)
		return id;
	return sysfs_emit(buf, "%d\n", mk_child_memory_nid(id));
}

/*
 * A running instance reads frames of the instances it was told of in the
 * memory they had then: a change would have it read whatever lies there
 * now.
 */
static int mk_memory_reader(int id)
{
	int i;

	for (i = 0; i < MK_MAX_INSTANCES; i++)
		if (mk_children[i].state == MK_CHILD_RUNNING &&
		    test_bit(id, &mk_children[i].peers_told))
			return i;
	return -1;
}

static int mk_memory_told(int id)
{
	int reader = mk_memory_reader(id);

	if (reader < 0)
		return 0;
	pr_err("instance %d: running instance %d reads frames from its memory; stop that one first\n",
	       id, reader);
	return -EBUSY;
}

/*
 * Memory from the CMA area goes back once its instance is stopped and no
 * instance that runs was told of it: a stop may give back that of others
 * stopped earlier.
 */
static void mk_children_memory_release(void)
{
	int id;

	for (id = 0; id < MK_MAX_INSTANCES; id++)
		if (mk_children[id].state != MK_CHILD_RUNNING &&
		    mk_memory_reader(id) < 0)
			mk_child_memory_release(id);
}

static ssize_t memory_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	int id = mk_control_id(kobj), kind, nid, err;
	phys_addr_t base;
	bool cma;
	u64 size;

	if (id < 0)
		return id;
	kind = mk_memory_spec_parse(buf, &size, &base, &nid);
	if (kind < 0) {
		pr_err("instance %d: memory '%.*s' is not <size>, <size>@<address>, <size>@cma, <size>@node<N> or none\n",
		       id, (int)strcspn(buf, "\n"), buf);
		return -EINVAL;
	}
	cma = kind == MK_MEMORY_CMA ||
	      ((kind == MK_MEMORY_SIZE || kind == MK_MEMORY_NODE) &&
	       mk_instance_cma_size());

	mutex_lock(&mk_children_lock);
	if (mk_children[id].state == MK_CHILD_RUNNING) {
		pr_err("instance %d: runs; stop it before changing its memory\n",
		       id);
		err = -EBUSY;
	} else {
		err = mk_memory_told(id);
		/* Stopped and read by no one: what it had goes back first. */
		if (!err)
			mk_child_memory_release(id);
		/* Placed now: on the node asked for, or that of its CPUs. */
		if (!err && !cma && kind == MK_MEMORY_SIZE)
			err = mk_child_memory_place(id, size,
						    mk_child_cpu_node(id),
						    false, &base);
		if (!err && !cma && kind == MK_MEMORY_NODE)
			err = mk_child_memory_place(id, size, nid, true, &base);
		if (!err && cma)
			err = mk_child_memory_want_cma(id, size, nid);
		else if (!err && size)
			err = mk_child_memory_check(id, base, size);
		if (!err && !cma)
			mk_child_memory_set(id, base, size);
	}
	mutex_unlock(&mk_children_lock);
	return err ?: count;
}

/*
 * mk_peer_ram= for instance @id: the memory of every other instance that
 * has some, each of which @id may then read frames from.  Its peers_told
 * names them.
 */
static int mk_peer_ram_param(u16 id, char *buf, size_t len)
{
	struct mk_child *c = &mk_children[id];
	const char *sep = "mk_peer_ram=";
	struct mk_mem_range m;
	int n = 0;
	u16 i;

	c->peers_told = 0;
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		if (i == id || mk_child_memory(i, &m))
			continue;
		n += scnprintf(buf + n, len - n, "%s%u:%#llx-%#llx", sep, i,
			       (u64)m.start, (u64)m.start + m.size);
		sep = ",";
		__set_bit(i, &c->peers_told);
	}
	return n ? n + scnprintf(buf + n, len - n, " ") : 0;
}

/*
 * The state of an instance's table entry, as this kernel decides it.  Any
 * kernel can write the entry, so it is written, never asked.
 */
static void mk_child_publish(u16 id, u32 state)
{
	mk_children[id].published = state;
	mk_instance_set_state(id, state);
}

/*
 * The kernel must be signed where kexec_file_load() would insist on it:
 * the same check of the bzImage's PE signature against the secondary
 * (then platform) keyring, refused on failure with KEXEC_SIG_FORCE.
 * The initrd and the command line are not checked, as kexec does not.
 */
static int mk_child_verify(u16 id, const struct mk_blob *k)
{
	int err = -EKEYREJECTED;

#ifdef CONFIG_KEXEC_BZIMAGE_VERIFY_SIG
	err = kexec_kernel_verify_pe_sig((const char *)k->data, k->len);
	if (!err)
		return 0;
#endif
	if (IS_ENABLED(CONFIG_KEXEC_SIG_FORCE)) {
		pr_err("instance %u: kernel signature verification failed (%d)\n",
		       id, err);
		return err;
	}
	if (IS_ENABLED(CONFIG_KEXEC_SIG))
		pr_notice("instance %u: kernel signature not verified (%d), started as kexec would\n",
			  id, err);
	return 0;
}

/* Set once this kernel reboots, halts or kexecs; under mk_children_lock. */
static bool mk_children_closed;

/* Whether instance @id may be started now; says why not. */
static int mk_child_startable(u16 id)
{
	struct mk_child *c = &mk_children[id];

	if (c->state == MK_CHILD_RUNNING) {
		pr_err("instance %u: already running\n", id);
		return -EBUSY;
	}
	if (mk_children_closed) {
		pr_err("instance %u: not started, this kernel is going down\n", id);
		return -ESHUTDOWN;
	}
	if (!c->kernel.len) {
		pr_err("instance %u: no kernel loaded\n", id);
		return -ENOEXEC;
	}
	/*
	 * What the table says is not asked: we stopped it (or never started
	 * it) and hold its CPUs in INIT, whatever a peer wrote there since.
	 */
	return mk_child_verify(id, &c->kernel);
}

/*
 * The command line instance @id boots with: the user's, then where the
 * region is, which instance it is, and the RAM of the kernels it may
 * read.  Freed by the caller.
 */
static char *mk_child_cmdline(u16 id)
{
	char *cmdline = kmalloc(PAGE_SIZE, GFP_KERNEL);
	int n;

	if (!cmdline)
		return NULL;
	n = scnprintf(cmdline, PAGE_SIZE, "%s mk_shared_memory=%#llx@%#llx mk_instance=%u ",
		      mk_children[id].cmdline, mk_region.size,
		      (u64)mk_region.phys, id);
	n += mk_host_ram_param(cmdline + n, PAGE_SIZE - n);
	n += mk_peer_ram_param(id, cmdline + n, PAGE_SIZE - n);
	mk_arch_instance_cmdline(cmdline + n, PAGE_SIZE - n);
	return cmdline;
}

/* What the architecture needs to boot instance @id; CPU hotplug locked. */
static void mk_child_boot_desc(u16 id, const struct mk_mem_range *mem,
			       char *cmdline, struct mk_boot *b)
{
	struct mk_child *c = &mk_children[id];
	unsigned int cpu;

	b->instance = id;
	for_each_cpu(cpu, &c->cpus)
		b->apicids[b->nr_cpus++] = mk_arch_cpu_apicid(cpu);
	b->kernel = c->kernel.data;
	b->kernel_len = c->kernel.len;
	b->initrd = c->initrd.data;
	b->initrd_len = c->initrd.len;
	b->cmdline = cmdline;
	b->mem_base = mem->start;
	b->mem_size = mem->size;
	b->region_base = mk_region.phys;
	b->region_size = mk_region.size;
}

/* Started: its heartbeat is watched from now on, from no verdict. */
static void mk_child_running(struct mk_child *c)
{
	c->state = MK_CHILD_RUNNING;
	c->crashed = false;
	c->heartbeat = 0;
	c->heartbeat_at = jiffies;
	mod_delayed_work(system_wq, &mk_watch_work, HZ);
}

static int mk_child_start(u16 id)
{
	struct mk_child *c = &mk_children[id];
	struct mk_boot b = {};
	struct mk_mem_range mem;
	char *cmdline;
	u32 prev;
	int err;

	err = mk_child_startable(id);
	if (err)
		return err;
	err = mk_child_memory_alloc(id, mk_child_cpu_node(id));
	if (err)
		return err;
	if (mk_child_memory(id, &mem)) {
		pr_err("instance %u: no memory given\n", id);
		return -ENOMEM;
	}
	cmdline = mk_child_cmdline(id);
	if (!cmdline) {
		err = -ENOMEM;
		goto release;
	}

	cpus_read_lock();
	/* The list was checked when written; CPUs may have moved since. */
	err = mk_cpus_check(id, &c->cpus);
	if (err)
		goto unlock;
	mk_child_boot_desc(id, &mem, cmdline, &b);
	prev = c->published;
	cpumask_or(&mk_owned_cpus, &mk_owned_cpus, &c->cpus);
	mk_child_publish(id, MK_INSTANCE_BOOTING);
	err = mk_arch_instance_boot(&b);
	if (err) {
		/* Refused: leave everything as it was. */
		mk_child_publish(id, prev);
		cpumask_andnot(&mk_owned_cpus, &mk_owned_cpus, &c->cpus);
	} else {
		mk_child_running(c);
	}
unlock:
	cpus_read_unlock();
	kfree(cmdline);
release:
	/* Not started: memory allocated for it goes back, if no one reads it. */
	if (err)
		mk_children_memory_release();
	return err;
}

static void mk_child_halt(struct mk_child *c)
{
	unsigned int cpu;

	for_each_cpu(cpu, &c->cpus)
		mk_arch_instance_halt(mk_arch_cpu_apicid(cpu));
}

static int mk_child_stop(u16 id)
{
	struct mk_child *c = &mk_children[id];

	if (c->state != MK_CHILD_RUNNING) {
		pr_err("instance %u: not running\n", id);
		return -EINVAL;
	}
	mk_child_halt(c);
	mk_child_publish(id, MK_INSTANCE_STOPPED);
	cpumask_andnot(&mk_owned_cpus, &mk_owned_cpus, &c->cpus);
	c->state = MK_CHILD_STOPPED;
	c->peers_told = 0;
	pr_info("instance %u: stopped, CPUs %*pbl are free\n", id,
		cpumask_pr_args(&c->cpus));
	return 0;
}

static int mk_child_unload(u16 id)
{
	struct mk_child *c = &mk_children[id];

	if (c->state == MK_CHILD_RUNNING) {
		pr_err("instance %u: runs; stop it before unloading it\n", id);
		return -EBUSY;
	}
	mk_blob_free(&c->kernel);
	mk_blob_free(&c->initrd);
	c->state = MK_CHILD_EMPTY;
	return 0;
}

/*
 * One look at an instance that runs.  Only its heartbeat decides: the
 * word "crashed" in its entry may come from any kernel, and an instance
 * that panicked stops beating anyway.  A verdict holds until the next
 * stop: the entry is written again if anything says otherwise.
 */
static void mk_child_watch(u16 id, struct mk_child *c)
{
	int state;
	u64 hb;

	state = mk_instance_info(id, &hb, NULL, NULL);
	if (c->crashed) {
		if (state != MK_INSTANCE_CRASHED) {
			pr_warn_ratelimited("instance %u: entry says %d after it crashed; written again\n",
					    id, state);
			mk_child_publish(id, MK_INSTANCE_CRASHED);
		}
		return;
	}
	/* No heartbeat until its kernel has joined the region. */
	if (state == MK_INSTANCE_BOOTING) {
		c->heartbeat_at = jiffies;
		return;
	}
	if (state >= 0 && hb != c->heartbeat) {
		c->heartbeat = hb;
		c->heartbeat_at = jiffies;
		return;
	}
	if (!time_after(jiffies, c->heartbeat_at + MK_HEARTBEAT_TIMEOUT))
		return;
	/*
	 * Hung, or so slow that its peers gave up on it.  Held in INIT it
	 * cannot come back and publish itself running: the verdict stands,
	 * and it no longer reads what its peers named to it.
	 */
	pr_warn("instance %u: heartbeat stopped at %llu, marked crashed, CPUs %*pbl held in INIT\n",
		id, hb, cpumask_pr_args(&c->cpus));
	mk_child_halt(c);
	c->crashed = true;
	mk_child_publish(id, MK_INSTANCE_CRASHED);
}

static void mk_children_watch(struct work_struct *work)
{
	bool running = false;
	u16 id;

	mutex_lock(&mk_children_lock);
	for (id = 0; id < MK_MAX_INSTANCES; id++) {
		struct mk_child *c = &mk_children[id];

		if (c->state != MK_CHILD_RUNNING)
			continue;
		running = true;
		mk_child_watch(id, c);
	}
	/* Started again by the next start. */
	if (running)
		schedule_delayed_work(&mk_watch_work, HZ);
	mutex_unlock(&mk_children_lock);
}

/*
 * Our panic: whatever lock is held stays held, so every CPU given to an
 * instance (or being given) gets INIT, from a mask read without the lock.
 * A CPU still booting may be missed; one already stopped gets INIT again,
 * which does nothing.
 */
static int mk_children_panic(struct notifier_block *nb, unsigned long event,
			     void *unused)
{
	unsigned int cpu;
	u16 id;

	for_each_cpu(cpu, &mk_owned_cpus)
		mk_arch_instance_halt(mk_arch_cpu_apicid(cpu));
	for (id = 0; id < MK_MAX_INSTANCES; id++)
		if (READ_ONCE(mk_children[id].state) == MK_CHILD_RUNNING)
			mk_instance_set_state(id, MK_INSTANCE_STOPPED);
	return NOTIFY_DONE;
}

static struct notifier_block mk_children_panic_nb = {
	.notifier_call = mk_children_panic,
};

/*
 * Reboot, halt, power off and kexec: a kernel started next on our CPUs
 * would send STARTUP to every CPU it finds, instances' included.
 */
static int mk_children_reboot(struct notifier_block *nb, unsigned long event,
			      void *unused)
{
	u16 id;

	mutex_lock(&mk_children_lock);
	/* Nor may one start on them between now and the end. */
	mk_children_closed = true;
	for (id = 0; id < MK_MAX_INSTANCES; id++)
		if (mk_children[id].state == MK_CHILD_RUNNING)
			mk_child_stop(id);
	mutex_unlock(&mk_children_lock);
	return NOTIFY_DONE;
}

static struct notifier_block mk_children_reboot_nb = {
	.notifier_call = mk_children_reboot,
};

static int mk_freeze_set(void *data, u64 val)
{
	struct mk_child *c;
	int err = 0;

	if (val >= MK_MAX_INSTANCES)
		return -EINVAL;
	c = &mk_children[val];
	mutex_lock(&mk_children_lock);
	if (c->state == MK_CHILD_RUNNING)
		mk_child_halt(c);
	else
		err = -EINVAL;
	mutex_unlock(&mk_children_lock);
	return err;
}
DEFINE_DEBUGFS_ATTRIBUTE(mk_freeze_fops, NULL, mk_freeze_set, "%llu\n");

/*
 * For tests: write an instance's entry as its own heartbeat would, the
 * heartbeat one on and the state running; as a slow instance that comes
 * back, or a peer that scribbles, would.
 */
static int mk_revive_set(void *data, u64 val)
{
	struct mk_instance_desc *e;

	if (val >= MK_MAX_INSTANCES || val == mk_self_instance())
		return -EINVAL;
	e = &mk_region.instances[val];
	WRITE_ONCE(e->heartbeat, READ_ONCE(e->heartbeat) + 1);
	/* The heartbeat first, as the instance orders its own entry. */
	smp_store_release(&e->state, MK_INSTANCE_RUNNING);
	pr_warn("fault injection: instance %llu's entry says running\n", val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(mk_revive_fops, NULL, mk_revive_set, "%llu\n");

static ssize_t control_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	int id = mk_kobj_to_id(kobj);

	if (id < 0)
		return id;
	return sysfs_emit(buf, "%s\n",
			  mk_child_state_names[READ_ONCE(mk_children[id].state)]);
}

static ssize_t control_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	int id = mk_control_id(kobj), err;

	if (id < 0)
		return id;
	if (id == mk_self_instance())
		return -EINVAL;
	mutex_lock(&mk_children_lock);
	if (sysfs_streq(buf, "start")) {
		err = mk_child_start(id);
	} else if (sysfs_streq(buf, "stop")) {
		err = mk_child_stop(id);
		if (!err)
			mk_children_memory_release();
	} else if (sysfs_streq(buf, "unload")) {
		err = mk_child_unload(id);
	} else {
		pr_err("instance %d: control takes start, stop or unload, not '%.*s'\n",
		       id, (int)strcspn(buf, "\n"), buf);
		err = -EINVAL;
	}
	mutex_unlock(&mk_children_lock);
	return err ?: count;
}

static struct kobj_attribute mk_attr_cmdline = __ATTR_RW(cmdline);
static struct kobj_attribute mk_attr_cpus = __ATTR_RW(cpus);
/* Where the instance's memory lies is for root alone to know. */
static struct kobj_attribute mk_attr_memory = __ATTR(memory, 0600, memory_show,
						     memory_store);
static struct kobj_attribute mk_attr_control = __ATTR_RW(control);
static struct kobj_attribute mk_attr_node = __ATTR_RO(node);

static struct attribute *mk_child_attrs[] = {
	&mk_attr_cmdline.attr,
	&mk_attr_cpus.attr,
	&mk_attr_memory.attr,
	&mk_attr_control.attr,
	&mk_attr_node.attr,
	NULL,
};

static const struct attribute_group mk_child_group = {
	.attrs = mk_child_attrs,
	.bin_attrs = mk_child_bin_attrs,
};

/**
 * mk_instance_debugfs_init - create debugfs multikernel/freeze and revive
 * @dir: debugfs multikernel/
 */
void __init mk_instance_debugfs_init(struct dentry *dir)
{
	debugfs_create_file_unsafe("freeze", 0200, dir, NULL, &mk_freeze_fops);
	debugfs_create_file_unsafe("revive", 0200, dir, NULL, &mk_revive_fops);
}

static int __init mk_instance_control_init(void)
{
	int err;
	u16 id;

	if (!mk_ready())
		return 0;
	err = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"multikernel/instance:prepare",
					mk_cpu_prepare, NULL);
	if (err < 0)
		return err;
	for (id = 0; id < MK_MAX_INSTANCES; id++) {
		struct kobject *kobj = mk_instance_kobject(id);

		if (id == mk_self_instance() || !kobj)
			continue;
		err = sysfs_create_group(kobj, &mk_child_group);
		if (err)
			pr_warn("instance %u: no control files (%d)\n", id, err);
	}
	atomic_notifier_chain_register(&panic_notifier_list,
				       &mk_children_panic_nb);
	register_reboot_notifier(&mk_children_reboot_nb);
	return 0;
}
late_initcall(mk_instance_control_init);
