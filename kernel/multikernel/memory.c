// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory of other kernels that this kernel may read.
 *
 * A receiver that copies a frame straight out of the sender's own pages
 * must know where the sender's RAM is, and must not learn it from the
 * sender: a peer that could name its RAM could name ours, or a device's
 * registers.  What we hand out comes from the host's records only, each
 * fixed before the peer in question runs:
 *
 * - our own RAM: iomem's "System RAM" at boot, less the shared region, the
 *   memory set aside for instances (mk_instance_memory=) and the CMA area
 *   instances' memory is allocated from (mk_instance_cma=);
 * - on the host, an instance's RAM: its memory file, which only the host
 *   writes, and only while the instance is stopped;
 * - on an instance, the host's RAM: the host's own list above, which it
 *   put on our command line as mk_host_ram= when it started us.  It is
 *   checked whole at boot and never read from the region;
 * - on an instance, the RAM of each other instance the host had given
 *   memory when it started us: their memory files, put on our command
 *   line as mk_peer_ram=, checked the same way.  The host refuses to
 *   change such a memory file while we run.
 *
 * Another kernel's RAM is not RAM to us: it is mapped, read-only, only
 * while a caller of mk_instance_memory_get() reads from it (a link to
 * that kernel, from its first attach until it is deleted).
 *
 * Callers check every range a peer names against these before reading a
 * byte of it.  Every list is page aligned, sorted, free of overlap and
 * clear of the shared region.
 *
 * On the host this file also keeps the memory set aside for instances
 * and the part of it each instance was given, which instance.c's memory
 * files change: the records the lists above are made from.  Memory from
 * the CMA area is the host's own again once the instance is stopped and
 * no kernel reads from it: its record is cleared, and the readers of this
 * kernel are told (mk_memory_notifier_register()), before it goes back.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cma.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/notifier.h>
#include <linux/set_memory.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include "internal.h"

/*
 * Another kernel's RAM, mapped for reading only: a bug of ours that
 * writes through the mapping faults here instead of corrupting that
 * kernel.  The ranges are not RAM to us, so memremap() maps them through
 * ioremap_cache(): address space only, no struct pages.
 */
static void *mk_foreign_map(phys_addr_t start, u64 size)
{
	void *virt = memremap(start, size, MEMREMAP_WB);

	if (virt && set_memory_ro((unsigned long)virt, size >> PAGE_SHIFT)) {
		memunmap(virt);
		virt = NULL;
	}
	return virt;
}

static struct mk_mem_range mk_self_ram[MK_MAX_MEM_RANGES] __ro_after_init;
static unsigned int mk_self_ram_nr __ro_after_init;
/* On an instance: the host's RAM from mk_host_ram=, checked at boot. */
static struct mk_mem_range mk_host_ram[MK_MAX_MEM_RANGES] __ro_after_init;
static unsigned int mk_host_ram_nr __ro_after_init;
/* On an instance: other instances' RAM from mk_peer_ram=, by id. */
static struct mk_mem_range mk_peer_ram[MK_MAX_INSTANCES] __ro_after_init;
/*
 * Where the two lists above are mapped while someone reads them: written
 * under mk_foreign_lock, read by mk_instance_memory() in any context.
 */
static void *mk_host_ram_virt[MK_MAX_MEM_RANGES];
static void *mk_peer_ram_virt[MK_MAX_INSTANCES];
static unsigned int mk_foreign_users[MK_MAX_INSTANCES];
static DEFINE_MUTEX(mk_foreign_lock);

static int __init mk_host_ram_setup(char *arg)
{
	struct mk_mem_bad bad;
	int n;

	if (!arg)
		arg = "";
	n = mk_mem_ranges_parse(arg, mk_host_ram, MK_MAX_MEM_RANGES, &bad);
	if (n < 0) {
		pr_err("mk_host_ram=: entry %u \"%.*s\" %s; no memory of the host will be read\n",
		       bad.entry, (int)strcspn(arg + bad.offset, ","),
		       arg + bad.offset, bad.why);
		n = 0;
	}
	mk_host_ram_nr = n;
	return 0;
}
early_param("mk_host_ram", mk_host_ram_setup);

static int __init mk_peer_ram_setup(char *arg)
{
	struct mk_mem_bad bad;

	if (!arg)
		arg = "";
	if (mk_peer_ram_parse(arg, mk_peer_ram, MK_MAX_INSTANCES, &bad) < 0)
		pr_err("mk_peer_ram=: entry %u \"%.*s\" %s; no memory of other instances will be read\n",
		       bad.entry, (int)strcspn(arg + bad.offset, ","),
		       arg + bad.offset, bad.why);
	return 0;
}
early_param("mk_peer_ram", mk_peer_ram_setup);

/**
 * struct mk_cma_area - a CMA area instances' memory is allocated from
 * @cma: the area; between instances its pages serve this kernel's
 *	movable allocations, as any CMA area's do
 * @nid: the NUMA node it lies on
 * @base: its physical base
 * @size: its bytes
 * @used: bytes of it instances have; serialised as the instances'
 *	memory is
 */
struct mk_cma_area {
	struct cma *cma;
	int nid;
	phys_addr_t base;
	u64 size;
	u64 used;
};

/* mk_instance_cma=: one area per NUMA node asked for, in node order. */
static struct mk_cma_area mk_cma_areas[MK_CMA_AREAS];
static unsigned int mk_cma_nr;
static u64 mk_cma_want[MK_CMA_NODES];
static u64 mk_cma_want_all;

/**
 * struct mk_ram_walk - what taking our RAM from iomem needs
 * @region: the shared region
 * @pool_base: memory set aside for instances
 * @pool_size: its bytes, 0 if none
 * @dropped: ranges beyond %MK_MAX_MEM_RANGES
 */
struct mk_ram_walk {
	const struct mk_region *region;
	phys_addr_t pool_base;
	u64 pool_size;
	unsigned int dropped;
};

static int __init mk_self_ram_add(struct resource *res, void *arg)
{
	struct mk_ram_walk *w = arg;
	u64 start = PAGE_ALIGN(res->start), end = PAGE_ALIGN_DOWN(res->end + 1);
	struct mk_mem_range piece[3 + MK_CMA_AREAS];
	int i, n;

	if (start >= end)
		return 0;
	piece[0] = (struct mk_mem_range){ .start = start, .size = end - start };
	/*
	 * Each hole splits a range in two at most: no -ENOSPC.  Pages of
	 * ours in the CMA areas are not in the list: peers would not know
	 * them as ours once an instance has them, so we never name them.
	 */
	n = mk_mem_ranges_subtract(piece, 1, ARRAY_SIZE(piece),
				   w->region->phys, w->region->size);
	n = mk_mem_ranges_subtract(piece, n, ARRAY_SIZE(piece),
				   w->pool_base, w->pool_size);
	for (i = 0; i < mk_cma_nr; i++)
		n = mk_mem_ranges_subtract(piece, n, ARRAY_SIZE(piece),
					   mk_cma_areas[i].base,
					   mk_cma_areas[i].size);
	for (i = 0; i < n; i++) {
		if (mk_self_ram_nr == MK_MAX_MEM_RANGES) {
			w->dropped++;
			continue;
		}
		piece[i].virt = phys_to_virt(piece[i].start);
		mk_self_ram[mk_self_ram_nr++] = piece[i];
	}
	return 0;
}

/*
 * What makes another kernel's range one we must not map, or NULL.  It
 * must be clear of what is ours: memremap() of our own RAM would hand
 * back our direct map, and a peer's frame "in its RAM" would then be
 * read from ours.
 */
static const char *__init mk_foreign_ram_why(const struct mk_region *r,
					     const struct mk_mem_range *m)
{
	if (mk_mem_ranges_overlap(m, 1, r->phys, r->size) >= 0)
		return "overlaps the shared region";
	if (region_intersects(m->start, m->size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT)
		return "overlaps this kernel's RAM";
	return NULL;
}

/* Each range whole and clear of what is ours, before anything is mapped. */
static int __init mk_host_ram_check(const struct mk_region *r)
{
	unsigned int i;

	for (i = 0; i < mk_host_ram_nr; i++) {
		const struct mk_mem_range *m = &mk_host_ram[i];
		const char *why = mk_foreign_ram_why(r, m);

		if (why) {
			pr_err("mk_host_ram=: entry %u (%#llx-%#llx) %s; no memory of the host will be read\n",
			       i, (u64)m->start, (u64)m->start + m->size, why);
			return -EINVAL;
		}
	}
	return 0;
}

/* The host's RAM list, whole, or none of it. */
static void __init mk_host_ram_accept(const struct mk_region *r)
{
	u64 total = 0;
	unsigned int i;

	if (r->self == 0) {
		pr_warn("mk_host_ram= ignored: this kernel is the host\n");
		mk_host_ram_nr = 0;
		return;
	}
	if (mk_host_ram_check(r)) {
		mk_host_ram_nr = 0;
		return;
	}
	for (i = 0; i < mk_host_ram_nr; i++)
		total += mk_host_ram[i].size;
	pr_info("host memory: %u ranges, %llu MiB, mapped read-only while a link reads it\n",
		mk_host_ram_nr, total >> 20);
}

/*
 * As for the host's RAM, and more: the host keeps instances' memory apart
 * from its own and from each other's, so a range that meets the host's,
 * or names us or the host, says the list is not the host's own.
 */
static const char *__init mk_peer_ram_why(const struct mk_region *r, u16 id)
{
	const struct mk_mem_range *m = &mk_peer_ram[id];

	if (id == 0)
		return "names the host, whose RAM is mk_host_ram=";
	if (id == r->self)
		return "names this instance";
	if (mk_mem_ranges_overlap(mk_host_ram, mk_host_ram_nr, m->start,
				  m->size) >= 0)
		return "overlaps the host's RAM";
	return mk_foreign_ram_why(r, m);
}

/* Every other instance's RAM list, or none of them. */
static void __init mk_peer_ram_accept(const struct mk_region *r)
{
	unsigned int nr = 0;
	const char *why;
	u16 id;

	for (id = 0; id < MK_MAX_INSTANCES; id++) {
		const struct mk_mem_range *m = &mk_peer_ram[id];

		if (!m->size)
			continue;
		why = r->self == 0 ? "is for an instance; this kernel is the host" :
				     mk_peer_ram_why(r, id);
		if (why) {
			pr_err("mk_peer_ram=: instance %u (%#llx-%#llx) %s; no memory of other instances will be read\n",
			       id, (u64)m->start, (u64)m->start + m->size, why);
			memset(mk_peer_ram, 0, sizeof(mk_peer_ram));
			return;
		}
		nr++;
	}
	pr_info("memory of %u other instances: mapped read-only while a link reads it\n",
		nr);
}

/* ---- memory this kernel gives the instances it starts ---- */

/* The loader maps the instance's memory with 2 MiB pages. */
#define MK_INSTANCE_ALIGN	SZ_2M
#define MK_INSTANCE_ORDER	(21 - PAGE_SHIFT)
static_assert(PAGE_SIZE << MK_INSTANCE_ORDER == MK_INSTANCE_ALIGN);

static phys_addr_t mk_pool_base;
static u64 mk_pool_size;

/* What each instance wants from a CMA area; 0 for none. */
static u64 mk_child_cma[MK_MAX_INSTANCES];
/* The node it asked for, or NUMA_NO_NODE: that of its first CPU. */
static int mk_child_nid[MK_MAX_INSTANCES] = {
	[0 ... MK_MAX_INSTANCES - 1] = NUMA_NO_NODE
};

/* The area its memory was allocated from, while it has the memory. */
static unsigned int mk_child_area[MK_MAX_INSTANCES];
static BLOCKING_NOTIFIER_HEAD(mk_memory_chain);
/*
 * The memory of each instance we start, as its memory file says.  Its
 * changes are serialised by instance.c's lock; this one lets
 * mk_child_memory() read a range whole in any context.
 */
static struct mk_mem_range mk_child_mem[MK_MAX_INSTANCES];
static DEFINE_SPINLOCK(mk_child_mem_lock);

/* The record of instance @id, read whole by mk_child_memory(). */
static void mk_child_mem_write(int id, phys_addr_t base, u64 size)
{
	spin_lock_irq(&mk_child_mem_lock);
	mk_child_mem[id].start = base;
	mk_child_mem[id].size = size;
	spin_unlock_irq(&mk_child_mem_lock);
}

static int __init mk_instance_memory_setup(char *arg)
{
	if (mk_parse_range(arg, &mk_pool_size, &mk_pool_base)) {
		mk_pool_size = 0;
		pr_err("mk_instance_memory=%s: expected <size>@<address>, no instances can start\n",
		       arg ?: "");
	}
	return 0;
}
early_param("mk_instance_memory", mk_instance_memory_setup);

/*
 * A node number at @s, below @limit, ended at *@end; -1 for none.  At
 * most four digits: nodes are fewer than 1024, and a longer number must
 * not wrap into range.
 */
static int mk_parse_node(const char *s, char **end, unsigned int limit)
{
	size_t len = strspn(s, "0123456789"), i;
	unsigned int n = 0;

	if (!len || len > 4)
		return -1;
	for (i = 0; i < len; i++)
		n = n * 10 + s[i] - '0';
	*end = (char *)s + len;
	return n < limit ? n : -1;
}

/**
 * mk_cma_spec_parse - parse mk_instance_cma=
 * @s: "<size>", spread evenly over the NUMA nodes with memory, or
 *	"<node>:<size>[,<node>:<size>...]", as hugetlb_cma= takes them
 * @all: set to the size of the first form, else 0
 * @per_node: %MK_CMA_NODES entries, set to each node's size of the second
 *	form, else 0
 *
 * Every size is a multiple of 2 MiB and not 0; a node below
 * %MK_CMA_NODES appears once.
 *
 * Return: 0, or -EINVAL with all sizes 0.
 */
int mk_cma_spec_parse(const char *s, u64 *all, u64 *per_node)
{
	char *end;
	u64 size;
	int nid;

	*all = 0;
	memset(per_node, 0, MK_CMA_NODES * sizeof(*per_node));
	if (!s || !*s)
		return -EINVAL;
	if (!strchr(s, ':')) {
		size = memparse(s, &end);
		if (end == s || *end || !size ||
		    !IS_ALIGNED(size, MK_INSTANCE_ALIGN))
			return -EINVAL;
		*all = size;
		return 0;
	}
	for (;;) {
		nid = mk_parse_node(s, &end, MK_CMA_NODES);
		if (nid < 0 || *end != ':' || per_node[nid])
			goto bad;
		s = end + 1;
		size = memparse(s, &end);
		if (end == s || !size || !IS_ALIGNED(size, MK_INSTANCE_ALIGN))
			goto bad;
		per_node[nid] = size;
		if (!*end)
			return 0;
		if (*end != ',')
			goto bad;
		s = end + 1;
	}
bad:
	memset(per_node, 0, MK_CMA_NODES * sizeof(*per_node));
	return -EINVAL;
}

static int __init mk_instance_cma_setup(char *arg)
{
	if (mk_cma_spec_parse(arg, &mk_cma_want_all, mk_cma_want))
		pr_err("mk_instance_cma=%s: expected <size> or <node>:<size>[,<node>:<size>...] in 2 MiB steps, no CMA area for instances\n",
		       arg ?: "");
	return 0;
}
early_param("mk_instance_cma", mk_instance_cma_setup);

static void __init mk_instance_cma_declare(int nid, u64 size)
{
	char name[CMA_MAX_NAME];
	struct mk_cma_area *a;
	struct cma *cma;
	int err;

	if (mk_cma_nr == ARRAY_SIZE(mk_cma_areas)) {
		pr_err("mk_instance_cma=: no area on node %d, at most %d areas\n",
		       nid, MK_CMA_AREAS);
		return;
	}
	snprintf(name, sizeof(name), "multikernel%d", nid);
	err = cma_declare_contiguous_nid(0, size, 0, MK_INSTANCE_ALIGN,
					 MK_INSTANCE_ORDER, false, name, &cma,
					 nid);
	if (err) {
		pr_err("mk_instance_cma=: cannot reserve %#llx on node %d (%d)\n",
		       size, nid, err);
		return;
	}
	a = &mk_cma_areas[mk_cma_nr++];
	a->cma = cma;
	a->nid = nid;
	a->base = cma_get_base(cma);
	a->size = cma_get_size(cma);
	pr_info("instance CMA area %#llx@%pa on node %d: instances' memory allocated at start\n",
		a->size, &a->base, nid);
}

/**
 * mk_instance_cma_reserve - declare the CMA areas for instances
 *
 * Called after the shared region and the memory set aside are reserved,
 * whose places are named, before memblock is released; the NUMA nodes
 * are known then.  The CMA core activates the areas.  A size for all is
 * spread evenly over the nodes with memory, so that an instance finds
 * memory on its CPUs' node.
 */
void __init mk_instance_cma_reserve(void)
{
	unsigned int nodes = 0;
	u64 each;
	int nid;

	if (!mk_cma_want_all && !memchr_inv(mk_cma_want, 0, sizeof(mk_cma_want)))
		return;
	if (!IS_ENABLED(CONFIG_CMA)) {
		pr_err("mk_instance_cma=: this kernel has no CMA (CONFIG_CMA)\n");
		return;
	}
	for (nid = 0; nid < MK_CMA_NODES; nid++) {
		if (node_state(nid, N_MEMORY))
			nodes++;
		else if (mk_cma_want[nid])
			pr_err("mk_instance_cma=: node %d has no memory\n", nid);
	}
	each = nodes ? ALIGN_DOWN(mk_cma_want_all / nodes, MK_INSTANCE_ALIGN) : 0;
	if (mk_cma_want_all && !each)
		pr_err("mk_instance_cma=%#llx: less than 2 MiB for each of %u nodes\n",
		       mk_cma_want_all, nodes);
	for (nid = 0; nid < MK_CMA_NODES; nid++) {
		if (!node_state(nid, N_MEMORY))
			continue;
		if (mk_cma_want[nid])
			mk_instance_cma_declare(nid, mk_cma_want[nid]);
		else if (each)
			mk_instance_cma_declare(nid, each);
	}
}

static void __init mk_instance_pool_reserve(void)
{
	phys_addr_t base = mk_pool_base;
	u64 size = mk_pool_size;

	if (!size)
		return;
	if (!IS_ALIGNED(base, MK_INSTANCE_ALIGN) ||
	    !IS_ALIGNED(size, MK_INSTANCE_ALIGN) || base + size < base) {
		pr_err("instance memory %llx@%pa: not 2 MiB aligned\n", size, &base);
	} else if (!memblock_is_region_memory(base, size)) {
		pr_err("instance memory %llx@%pa: not RAM\n", size, &base);
	} else if (memblock_is_region_reserved(base, size)) {
		pr_err("instance memory %llx@%pa: overlaps memory in use\n",
		       size, &base);
	} else if (memblock_reserve(base, size)) {
		pr_err("instance memory %llx@%pa: cannot reserve\n", size, &base);
	} else {
		pr_info("instance memory %llx@%pa reserved\n", size, &base);
		return;
	}
	mk_pool_size = 0;
}

/**
 * mk_instance_memory_reserve - set the instances' memory aside
 *
 * Called before the shared region's reservation, before memblock is
 * released.  The memory set aside stays out of this kernel's page
 * allocator for good.
 */
void __init mk_instance_memory_reserve(void)
{
	mk_instance_pool_reserve();
}

/**
 * mk_child_memory - the memory this kernel gave an instance
 * @id: instance id, below %MK_MAX_INSTANCES
 * @range: set to that memory, with its mapping
 *
 * Context: any.
 * Return: 0, or -ENOENT if the instance has no memory.
 */
int mk_child_memory(u16 id, struct mk_mem_range *range)
{
	unsigned long flags;

	spin_lock_irqsave(&mk_child_mem_lock, flags);
	range->start = mk_child_mem[id].start;
	range->size = mk_child_mem[id].size;
	spin_unlock_irqrestore(&mk_child_mem_lock, flags);
	if (!range->size)
		return -ENOENT;
	/*
	 * Parts of mk_instance_memory= or of the CMA area: RAM to us, so in
	 * the direct map.  The first memblock_reserve() kept from the page
	 * allocator for good: a caller still holding such a range after the
	 * memory file changed reads memory set aside for instances, never
	 * pages of ours in use.  Memory from the CMA area goes back to the
	 * page allocator only after the record is cleared and the chain of
	 * mk_memory_notifier_register() has returned: a caller holding the
	 * range longer than a call of this one must be on that chain.
	 */
	range->virt = phys_to_virt(range->start);
	return 0;
}

/**
 * mk_child_memory_check - may an instance have this memory
 * @id: the instance
 * @base: physical base asked for
 * @size: bytes asked for
 *
 * Inside mk_instance_memory=, 2 MiB aligned, and no other instance's.
 * The caller serialises changes of the instances' memory.
 *
 * Return: 0; -ENOMEM with no memory set aside;
 * -EINVAL outside it or unaligned; -EBUSY over another's.  Each logged.
 */
int mk_child_memory_check(int id, phys_addr_t base, u64 size)
{
	int i;

	if (!mk_pool_size) {
		pr_err("instance %d: no memory set aside (mk_instance_memory=)\n",
		       id);
		return -ENOMEM;
	}
	if (!size || !IS_ALIGNED(base, MK_INSTANCE_ALIGN) ||
	    !IS_ALIGNED(size, MK_INSTANCE_ALIGN) || base < mk_pool_base ||
	    base + size < base || base + size > mk_pool_base + mk_pool_size) {
		pr_err("instance %d: memory %llx@%pa is not a 2 MiB aligned part of %llx@%pa\n",
		       id, size, &base, mk_pool_size, &mk_pool_base);
		return -EINVAL;
	}
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		const struct mk_mem_range *o = &mk_child_mem[i];

		if (i != id && o->size && base < o->start + o->size &&
		    o->start < base + size) {
			pr_err("instance %d: memory overlaps instance %d's\n",
			       id, i);
			return -EBUSY;
		}
	}
	return 0;
}

/*
 * The part of mk_instance_memory= on node @nid, as @base and @size: the
 * node's span cut to the memory set aside.  Empty for a node with none
 * of it.
 */
static void mk_pool_on_node(int nid, phys_addr_t *base, u64 *size)
{
	phys_addr_t start = mk_pool_base, end = mk_pool_base + mk_pool_size;

	*size = 0;
	if (nid < 0 || nid >= MAX_NUMNODES || !node_online(nid))
		return;
	start = max_t(phys_addr_t, start, PFN_PHYS(node_start_pfn(nid)));
	end = min_t(phys_addr_t, end, PFN_PHYS(node_end_pfn(nid)));
	start = ALIGN(start, MK_INSTANCE_ALIGN);
	end = ALIGN_DOWN(end, MK_INSTANCE_ALIGN);
	if (start < end) {
		*base = start;
		*size = end - start;
	}
}

/*
 * Whether [@base, @base + @size) lies on node @nid: a node's span may
 * hold another node's memory.
 */
static bool mk_range_on_node(phys_addr_t base, u64 size, int nid)
{
	unsigned long pfn;

	for (pfn = PHYS_PFN(base); pfn < PHYS_PFN(base + size);
	     pfn += PAGES_PER_SECTION)
		if (pfn_to_nid(pfn) != nid)
			return false;
	return pfn_to_nid(PHYS_PFN(base + size) - 1) == nid;
}

/**
 * mk_child_memory_place - find memory of a size for an instance
 * @id: the instance
 * @size: bytes it wants
 * @nid: the NUMA node to place it on, NUMA_NO_NODE for any
 * @must: @nid is asked for, not only preferred
 * @base: set to the lowest 2 MiB aligned place in mk_instance_memory=
 *	that no other instance has: on @nid if it has such a place
 *
 * The caller serialises changes of the instances' memory.
 *
 * Return: 0; -EINVAL for a size not a multiple of 2 MiB; -ENOMEM when no
 * memory was set aside or no piece is large enough (on @nid, if @must).
 * Each logged.
 */
int mk_child_memory_place(int id, u64 size, int nid, bool must,
			  phys_addr_t *base)
{
	struct mk_mem_range taken[MK_MAX_INSTANCES] = {};
	u64 free = mk_pool_size, at, node_size;
	phys_addr_t node_base;
	int i, err;

	if (!mk_pool_size) {
		pr_err("instance %d: no memory set aside (mk_instance_memory=)\n",
		       id);
		return -ENOMEM;
	}
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		if (i == id)
			continue;
		taken[i] = mk_child_mem[i];
		free -= min(free, taken[i].size);
	}
	if (nid != NUMA_NO_NODE) {
		mk_pool_on_node(nid, &node_base, &node_size);
		err = mk_mem_ranges_first_fit(taken, MK_MAX_INSTANCES,
					      node_base, node_size, size,
					      MK_INSTANCE_ALIGN, &at);
		if (!err && mk_range_on_node(at, size, nid)) {
			*base = at;
			return 0;
		}
		if (must && err != -EINVAL) {
			pr_err("instance %d: no %llu MiB free in one piece of mk_instance_memory= on node %d (%llu MiB of it there)\n",
			       id, size >> 20, nid, node_size >> 20);
			return -ENOMEM;
		}
	}
	err = mk_mem_ranges_first_fit(taken, MK_MAX_INSTANCES, mk_pool_base,
				      mk_pool_size, size, MK_INSTANCE_ALIGN,
				      &at);
	if (err == -EINVAL) {
		pr_err("instance %d: memory %#llx is not a multiple of 2 MiB\n",
		       id, size);
	} else if (err) {
		pr_err("instance %d: no %llu MiB free in one piece in mk_instance_memory=%#llx@%pa (%llu MiB free in all, the largest piece %llu MiB)\n",
		       id, size >> 20, mk_pool_size, &mk_pool_base, free >> 20,
		       mk_mem_ranges_largest_gap(taken, MK_MAX_INSTANCES,
						 mk_pool_base, mk_pool_size,
						 MK_INSTANCE_ALIGN) >> 20);
		err = -ENOMEM;
	} else {
		*base = at;
	}
	return err;
}

/* Whatever the pages held before, of ours or of an earlier instance. */
static void mk_child_memory_clear(unsigned long pfn, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		clear_highpage(pfn_to_page(pfn + i));
		if (IS_ALIGNED(i + 1, 1UL << MK_INSTANCE_ORDER))
			cond_resched();
	}
}

/**
 * mk_child_memory_set - give an instance its memory
 * @id: the instance
 * @base: physical base, as mk_child_memory_check() accepted it
 * @size: bytes; 0 gives the memory back
 *
 * The caller serialises changes of the instances' memory.
 */
void mk_child_memory_set(int id, phys_addr_t base, u64 size)
{
	const struct mk_mem_range *had = &mk_child_mem[id];

	/*
	 * Memory set aside at boot that becomes this instance's may hold what
	 * an earlier instance left there; what it had itself stays as is.
	 */
	if (size && (had->start != base || had->size != size))
		mk_child_memory_clear(PHYS_PFN(base), size >> PAGE_SHIFT);
	mk_child_cma[id] = 0;
	mk_child_nid[id] = NUMA_NO_NODE;
	mk_child_mem_write(id, base, size);
}

/**
 * mk_memory_spec_parse - parse what a memory file is given
 * @s: "none", "<size>", "<size>@<address>", "<size>@cma" or
 *	"<size>@node<N>", with one newline allowed at the end
 * @size: set to the size (0 for "none")
 * @base: set to the address of "<size>@<address>", else 0
 * @nid: set to N of "<size>@node<N>", else NUMA_NO_NODE
 *
 * Return: the &enum mk_memory_spec kind, or -EINVAL for anything else,
 * including a size of 0 and a node at or above %MAX_NUMNODES.
 */
int mk_memory_spec_parse(const char *s, u64 *size, phys_addr_t *base,
			 int *nid)
{
	char *end;

	*size = 0;
	*base = 0;
	*nid = NUMA_NO_NODE;
	if (sysfs_streq(s, "none"))
		return MK_MEMORY_NONE;
	*size = memparse(s, &end);
	if (end == s || !*size)
		return -EINVAL;
	if (sysfs_streq(end, ""))
		return MK_MEMORY_SIZE;
	if (sysfs_streq(end, "@cma"))
		return MK_MEMORY_CMA;
	if (!strncmp(end, "@node", 5)) {
		*nid = mk_parse_node(end + 5, &end, MAX_NUMNODES);
		if (*nid < 0 || !sysfs_streq(end, "")) {
			*nid = NUMA_NO_NODE;
			return -EINVAL;
		}
		return MK_MEMORY_NODE;
	}
	if (!mk_parse_range(s, size, base) && *size)
		return MK_MEMORY_AT;
	return -EINVAL;
}

/* The instance CMA area on node @nid, or -1. */
static int mk_cma_area_of(int nid)
{
	unsigned int i;

	for (i = 0; i < mk_cma_nr; i++)
		if (mk_cma_areas[i].nid == nid)
			return i;
	return -1;
}

/* "the CMA area", or "the CMA area of node N" where there are several. */
static const char *mk_cma_area_name(unsigned int i, char *buf, size_t len)
{
	if (mk_cma_nr == 1)
		return "the CMA area";
	snprintf(buf, len, "the CMA area of node %d", mk_cma_areas[i].nid);
	return buf;
}

/**
 * mk_child_memory_want_cma - have an instance's memory allocated at start
 * @id: the instance, stopped, with no memory from a CMA area now
 * @size: bytes, a multiple of 2 MiB, from a CMA area
 * @nid: the node whose area it must come from; NUMA_NO_NODE for that of
 *	the instance's first CPU at start, or any other if that has none
 *
 * The caller serialises changes of the instances' memory.
 *
 * Return: 0; -ENOMEM with no CMA area (on @nid), or none as large as
 * @size; -EINVAL for a size not a multiple of 2 MiB.  Each logged.
 */
int mk_child_memory_want_cma(int id, u64 size, int nid)
{
	u64 largest = 0;
	unsigned int i;
	char buf[32];
	int area;

	if (!mk_cma_nr) {
		pr_err("instance %d: no CMA area for instances (mk_instance_cma=)\n",
		       id);
		return -ENOMEM;
	}
	if (!size || !IS_ALIGNED(size, MK_INSTANCE_ALIGN)) {
		pr_err("instance %d: memory %#llx is not a multiple of 2 MiB\n",
		       id, size);
		return -EINVAL;
	}
	if (nid != NUMA_NO_NODE) {
		area = mk_cma_area_of(nid);
		if (area < 0) {
			pr_err("instance %d: no CMA area for instances on node %d\n",
			       id, nid);
			return -ENOMEM;
		}
		largest = mk_cma_areas[area].size;
	} else {
		for (i = 0; i < mk_cma_nr; i++)
			largest = max(largest, mk_cma_areas[i].size);
		area = 0;
	}
	if (size > largest) {
		pr_err("instance %d: %llu MiB asked, %s has %llu MiB\n",
		       id, size >> 20,
		       nid == NUMA_NO_NODE && mk_cma_nr > 1 ?
		       "the largest CMA area" :
		       mk_cma_area_name(area, buf, sizeof(buf)),
		       largest >> 20);
		return -ENOMEM;
	}
	mk_child_mem_write(id, 0, 0);
	mk_child_cma[id] = size;
	mk_child_nid[id] = nid;
	return 0;
}

/**
 * mk_instance_cma_size - the CMA areas instances' memory comes from
 *
 * Return: their bytes, 0 if there is none.
 */
u64 mk_instance_cma_size(void)
{
	u64 size = 0;
	unsigned int i;

	for (i = 0; i < mk_cma_nr; i++)
		size += mk_cma_areas[i].size;
	return size;
}

/**
 * mk_child_memory_asked_node - the NUMA node an instance's memory must be on
 * @id: the instance
 *
 * Return: N of "<size>@node<N>", else NUMA_NO_NODE.
 */
int mk_child_memory_asked_node(int id)
{
	return mk_child_nid[id];
}

/**
 * mk_child_memory_nid - the NUMA node an instance's memory lies on
 * @id: the instance
 *
 * Context: any.
 * Return: the node of its first page, NUMA_NO_NODE when it has no memory.
 */
int mk_child_memory_nid(u16 id)
{
	struct mk_mem_range m;

	if (mk_child_memory(id, &m))
		return NUMA_NO_NODE;
	return mk_phys_node(m.start);
}

/**
 * mk_child_memory_cma - what an instance wants from the CMA area
 * @id: the instance
 *
 * Return: bytes, 0 if its memory is not from the CMA area.
 */
u64 mk_child_memory_cma(int id)
{
	return mk_child_cma[id];
}

/*
 * Why area @i had no piece for instance @id: too little left between the
 * instances' memory, or pages of ours in it that would not move.
 */
static void mk_cma_alloc_failed(int id, unsigned int i)
{
	const struct mk_cma_area *a = &mk_cma_areas[i];
	u64 want = mk_child_cma[id], free = a->size - a->used;
	u64 gap = mk_mem_ranges_largest_gap(mk_child_mem, MK_MAX_INSTANCES,
					    a->base, a->size,
					    MK_INSTANCE_ALIGN);
	char buf[32];

	if (gap >= want)
		pr_err("instance %d: %llu MiB of %s are free in one piece, but pages of ours in it did not move (%llu of %llu MiB free)\n",
		       id, gap >> 20, mk_cma_area_name(i, buf, sizeof(buf)),
		       free >> 20, a->size >> 20);
	else
		pr_err("instance %d: no %llu MiB in one piece in %s (%llu of %llu MiB free, the largest piece %llu MiB)\n",
		       id, want >> 20, mk_cma_area_name(i, buf, sizeof(buf)),
		       free >> 20, a->size >> 20, gap >> 20);
}

/* Instance @id's memory from area @i: 0, or -ENOMEM. */
static int mk_cma_area_alloc(int id, unsigned int i)
{
	struct mk_cma_area *a = &mk_cma_areas[i];
	unsigned long nr = mk_child_cma[id] >> PAGE_SHIFT;
	struct page *page;
	char buf[32];

	if (mk_child_cma[id] > a->size - a->used)
		return -ENOMEM;
	page = cma_alloc(a->cma, nr, MK_INSTANCE_ORDER, true);
	if (!page)
		return -ENOMEM;
	mk_child_memory_clear(page_to_pfn(page), nr);
	WRITE_ONCE(a->used, a->used + mk_child_cma[id]);
	mk_child_area[id] = i;
	mk_child_mem_write(id, page_to_phys(page), mk_child_cma[id]);
	pr_info("instance %d: %llu MiB at %#llx from %s\n", id,
		mk_child_cma[id] >> 20, (u64)page_to_phys(page),
		mk_cma_area_name(i, buf, sizeof(buf)));
	return 0;
}

/**
 * mk_child_memory_alloc - allocate an instance's memory before it starts
 * @id: the instance
 * @cpu_nid: the NUMA node of its first CPU
 *
 * Memory from a CMA area is allocated, contiguous and cleared, unless the
 * instance still has it (stopped while another kernel reads from it);
 * other memory is there already.  It comes from the area of the node
 * asked for, else from that of @cpu_nid, and if that one has no room or
 * there is none, from the others in node order.
 *
 * Context: process context; may sleep.  The caller serialises changes of
 * the instances' memory.
 * Return: 0, or -ENOMEM when no piece of an area it may have is large
 * enough (logged with what is free).
 */
int mk_child_memory_alloc(int id, int cpu_nid)
{
	int nid = mk_child_nid[id], first, err = -ENOMEM;
	unsigned int i;
	char buf[32];

	if (!IS_ENABLED(CONFIG_CMA) || !mk_child_cma[id] ||
	    mk_child_mem[id].size)
		return 0;
	first = mk_cma_area_of(nid != NUMA_NO_NODE ? nid : cpu_nid);
	if (first >= 0)
		err = mk_cma_area_alloc(id, first);
	if (err && nid == NUMA_NO_NODE) {
		for (i = 0; i < mk_cma_nr && err; i++)
			if (i != first)
				err = mk_cma_area_alloc(id, i);
		if (!err && first >= 0)
			pr_info("instance %d: not on node %d of its CPUs: no %llu MiB in one piece in %s\n",
				id, cpu_nid, mk_child_cma[id] >> 20,
				mk_cma_area_name(first, buf, sizeof(buf)));
	}
	if (err)
		mk_cma_alloc_failed(id, first >= 0 ? first : 0);
	return err;
}

/**
 * mk_child_memory_release - give an instance's CMA memory back
 * @id: the instance, stopped, and no kernel that runs reads from its memory
 *
 * The record is cleared first, so that no new reader finds the memory;
 * the readers of this kernel that hold it are told and let go before the
 * pages return to the page allocator.  Memory set aside at boot stays.
 *
 * Context: process context; may sleep.  The caller serialises changes of
 * the instances' memory.
 */
void mk_child_memory_release(int id)
{
	struct mk_mem_range m = mk_child_mem[id];
	struct mk_cma_area *a = &mk_cma_areas[mk_child_area[id]];
	unsigned long instance = id;
	char buf[32];

	if (!IS_ENABLED(CONFIG_CMA) || !mk_child_cma[id] || !m.size)
		return;
	mk_child_mem_write(id, 0, 0);
	blocking_notifier_call_chain(&mk_memory_chain, MK_MEMORY_RELEASE,
				     (void *)instance);
	cma_release(a->cma, pfn_to_page(PHYS_PFN(m.start)),
		    m.size >> PAGE_SHIFT);
	WRITE_ONCE(a->used, a->used - m.size);
	pr_info("instance %d: %llu MiB back to %s (%llu of %llu MiB free)\n",
		id, m.size >> 20,
		mk_cma_area_name(mk_child_area[id], buf, sizeof(buf)),
		(a->size - a->used) >> 20, a->size >> 20);
}

/**
 * mk_instance_cma_show - the CMA areas for instances, for sysfs
 * @buf: a sysfs page
 *
 * Return: the characters written: "<bytes> <bytes free>" of all areas,
 * or "none".
 */
ssize_t mk_instance_cma_show(char *buf)
{
	u64 size = 0, used = 0;
	unsigned int i;

	if (!mk_cma_nr)
		return sysfs_emit(buf, "none\n");
	for (i = 0; i < mk_cma_nr; i++) {
		size += mk_cma_areas[i].size;
		used += READ_ONCE(mk_cma_areas[i].used);
	}
	return sysfs_emit(buf, "%#llx %#llx\n", size, size - used);
}

/**
 * mk_instance_cma_nodes_show - each CMA area for instances, for sysfs
 * @buf: a sysfs page
 *
 * Return: the characters written: a line "<node> <base> <bytes> <bytes
 * free>" per area, in node order; nothing without one.
 */
ssize_t mk_instance_cma_nodes_show(char *buf)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < mk_cma_nr; i++) {
		const struct mk_cma_area *a = &mk_cma_areas[i];

		n += sysfs_emit_at(buf, n, "%d %#llx %#llx %#llx\n", a->nid,
				   (u64)a->base, a->size,
				   a->size - READ_ONCE(a->used));
	}
	return n;
}

/**
 * mk_memory_notifier_register - hear of instances' memory going away
 * @nb: called with %MK_MEMORY_RELEASE and the instance id as its data
 *	when the memory mk_instance_memory() gave for that instance is about
 *	to become this kernel's own again: when the call returns, nothing
 *	reads it any more through a range taken earlier.  Process context;
 *	the call may sleep, take RTNL, and wait for RCU.
 *
 * Only the host gives memory back; on an instance nothing is called.
 *
 * Return: 0.
 */
int mk_memory_notifier_register(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&mk_memory_chain, nb);
}
EXPORT_SYMBOL_GPL(mk_memory_notifier_register);

/**
 * mk_memory_notifier_unregister - stop hearing of it
 * @nb: as registered; its call has returned when this returns
 */
void mk_memory_notifier_unregister(struct notifier_block *nb)
{
	blocking_notifier_chain_unregister(&mk_memory_chain, nb);
}
EXPORT_SYMBOL_GPL(mk_memory_notifier_unregister);

/**
 * mk_page_readable_by_peers - may a frame of ours name this page
 * @page: a page of ours
 *
 * Peers copy frames of ours only out of the RAM we told them is ours:
 * pages in the CMA areas instances' memory comes from are not in it (only
 * movable allocations take them, page cache and user memory lent to a
 * socket).  A sender copies a frame with such a page first.
 *
 * Context: any.
 * Return: true if a peer will read the page.
 */
bool mk_page_readable_by_peers(const struct page *page)
{
	phys_addr_t phys = page_to_phys(page);
	unsigned int i;

	for (i = 0; i < mk_cma_nr; i++)
		if (phys - mk_cma_areas[i].base < mk_cma_areas[i].size)
			return false;
	return true;
}
EXPORT_SYMBOL_GPL(mk_page_readable_by_peers);

/**
 * mk_phys_node - the NUMA node of a physical address
 * @phys: an address in our RAM, the region or another kernel's memory
 *
 * Context: any.
 * Return: the node of the page at @phys, or NUMA_NO_NODE where this
 * kernel has no page there (another kernel's RAM, or the region seen
 * from an instance).
 */
int mk_phys_node(phys_addr_t phys)
{
	unsigned long pfn = PHYS_PFN(phys);

	return pfn_valid(pfn) ? pfn_to_nid(pfn) : NUMA_NO_NODE;
}
EXPORT_SYMBOL_GPL(mk_phys_node);

/**
 * mk_memory_init - learn our RAM and, on an instance, map the host's
 * @r: the region, joined
 *
 * Called once at boot, before the framework is marked ready.
 */
void __init mk_memory_init(const struct mk_region *r)
{
	struct mk_ram_walk w = { .region = r };

	BUILD_BUG_ON(PAGE_SIZE != MK_MEM_ALIGN);
	w.pool_base = mk_pool_base;
	w.pool_size = mk_pool_size;
	walk_system_ram_res(0, U64_MAX, &w, mk_self_ram_add);
	if (w.dropped)
		pr_warn("our RAM has %u ranges beyond the first %d: no peer will read from them\n",
			w.dropped, MK_MAX_MEM_RANGES);
	if (mk_host_ram_nr)
		mk_host_ram_accept(r);
	if (memchr_inv(mk_peer_ram, 0, sizeof(mk_peer_ram)))
		mk_peer_ram_accept(r);
}

/*
 * On an instance, another kernel's RAM as the host listed it, and where
 * each range is mapped while in use.  Return: the number of ranges.
 */
static unsigned int mk_foreign_ranges(u16 id, const struct mk_mem_range **ranges,
				      void ***virt)
{
	if (id == 0) {
		*ranges = mk_host_ram;
		*virt = mk_host_ram_virt;
		return mk_host_ram_nr;
	}
	*ranges = &mk_peer_ram[id];
	*virt = &mk_peer_ram_virt[id];
	return mk_peer_ram[id].size ? 1 : 0;
}

static void mk_foreign_unmap(void **virt, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		void *v = virt[i];

		if (!v)
			continue;
		/* mk_instance_memory() never hands out an address going away. */
		WRITE_ONCE(virt[i], NULL);
		memunmap(v);
	}
}

/* Whether @instance's RAM is another kernel's that we map to read it. */
static bool mk_foreign(u16 instance)
{
	u16 self = mk_self_instance();

	return self != 0 && instance != self;
}

/**
 * mk_instance_memory_get - keep an instance's RAM mapped for reading
 * @instance: instance id
 *
 * Our own RAM is always mapped, and so, on the host, is the memory it
 * gave its instances.  On an instance, the RAM of another kernel is
 * mapped, read-only, from the first get to the last put: while no link
 * reads from a kernel, none of its memory is in our page tables.
 *
 * Context: process context; may sleep.
 * Return: 0; -ENOENT if this kernel knows nothing of the instance's
 * memory, -ENOMEM if it cannot be mapped, -EINVAL for an id beyond
 * %MK_MAX_INSTANCES, -ENODEV if the framework is off.
 */
int mk_instance_memory_get(u16 instance)
{
	const struct mk_mem_range *m;
	unsigned int i, nr;
	void **virt;
	u64 total = 0;
	int err = 0;

	if (!mk_ready())
		return -ENODEV;
	if (instance >= MK_MAX_INSTANCES)
		return -EINVAL;
	if (!mk_foreign(instance))
		return 0;
	mutex_lock(&mk_foreign_lock);
	nr = mk_foreign_ranges(instance, &m, &virt);
	if (!nr) {
		err = -ENOENT;
		goto out;
	}
	if (mk_foreign_users[instance]++)
		goto out;
	for (i = 0; i < nr; i++) {
		void *v = mk_foreign_map(m[i].start, m[i].size);

		if (!v) {
			pr_err("instance %u: cannot map its %#llx bytes at %pa\n",
			       instance, m[i].size, &m[i].start);
			mk_foreign_unmap(virt, i);
			mk_foreign_users[instance] = 0;
			err = -ENOMEM;
			goto out;
		}
		WRITE_ONCE(virt[i], v);
		total += m[i].size;
	}
	pr_info("instance %u: %llu MiB of its RAM mapped read-only\n",
		instance, total >> 20);
out:
	mutex_unlock(&mk_foreign_lock);
	return err;
}
EXPORT_SYMBOL_GPL(mk_instance_memory_get);

/**
 * mk_instance_memory_put - let go of what mk_instance_memory_get() mapped
 * @instance: the instance given to a get that returned 0
 *
 * The caller reads nothing through the mappings any more: the last put
 * unmaps them.
 *
 * Context: process context; may sleep.
 */
void mk_instance_memory_put(u16 instance)
{
	const struct mk_mem_range *m;
	unsigned int nr;
	void **virt;

	if (instance >= MK_MAX_INSTANCES || !mk_ready() || !mk_foreign(instance))
		return;
	mutex_lock(&mk_foreign_lock);
	if (WARN_ON_ONCE(!mk_foreign_users[instance]))
		goto out;
	if (--mk_foreign_users[instance])
		goto out;
	nr = mk_foreign_ranges(instance, &m, &virt);
	mk_foreign_unmap(virt, nr);
	pr_info("instance %u: its RAM unmapped\n", instance);
out:
	mutex_unlock(&mk_foreign_lock);
}
EXPORT_SYMBOL_GPL(mk_instance_memory_put);

/**
 * mk_host_ram_param - mk_host_ram= for an instance this kernel starts
 * @buf: where to print it, with a space after it
 * @len: room in @buf
 *
 * Our own RAM, as mk_instance_memory() gives it for ourselves: what the
 * instance will read frames of ours from.  Only the host passes it on;
 * to the instance, it is instance 0's RAM.
 *
 * Return: the characters printed, as scnprintf() counts them.
 */
int mk_host_ram_param(char *buf, size_t len)
{
	unsigned int i;
	int n;

	if (mk_self_instance() != 0 || !mk_self_ram_nr)
		return 0;
	n = scnprintf(buf, len, "mk_host_ram=");
	for (i = 0; i < mk_self_ram_nr; i++) {
		const struct mk_mem_range *m = &mk_self_ram[i];

		n += scnprintf(buf + n, len - n, "%s%#llx-%#llx", i ? "," : "",
			       (u64)m->start, (u64)m->start + m->size);
	}
	return n + scnprintf(buf + n, len - n, " ");
}

/**
 * mk_instance_memory - RAM of an instance that this kernel may read
 * @instance: instance id; this kernel's own is allowed
 * @ranges: filled with the ranges, lowest first, each with its mapping;
 *	on an instance, another kernel's RAM is mapped (@virt not NULL)
 *	only while mk_instance_memory_get() holds it
 * @max: room in @ranges; when the instance has more, the lowest @max
 *
 * The ranges are page aligned, do not overlap each other or the shared
 * region, and come from the host's records, never from the instance:
 * for ourselves, our RAM less the shared region and the memory set aside
 * for instances; on the host, the memory it gave instance @instance (its
 * memory file); on an instance, for instance 0, the host's RAM as the
 * host handed it over at our start (mk_host_ram=), and for another
 * instance, the memory the host had given it then (mk_peer_ram=).  A
 * range a peer names must lie wholly inside one of them before a byte of
 * it is read.
 *
 * Context: any.
 * Return: the number of ranges filled, at least 1; -ENOENT if this kernel
 * knows nothing of the instance's memory; -EINVAL for an id beyond
 * %MK_MAX_INSTANCES or @max 0; -ENODEV if the framework is off.
 */
int mk_instance_memory(u16 instance, struct mk_mem_range *ranges,
		       unsigned int max)
{
	const struct mk_mem_range *src;
	struct mk_mem_range child;
	unsigned int n, i;
	void **virt = NULL;
	u16 self;

	if (!mk_ready())
		return -ENODEV;
	if (instance >= MK_MAX_INSTANCES || !max)
		return -EINVAL;
	self = mk_self_instance();
	if (instance == self) {
		src = mk_self_ram;
		n = mk_self_ram_nr;
	} else if (self == 0) {
		if (mk_child_memory(instance, &child))
			return -ENOENT;
		src = &child;
		n = 1;
	} else {
		n = mk_foreign_ranges(instance, &src, &virt);
	}
	if (!n)
		return -ENOENT;
	n = min(n, max);
	memcpy(ranges, src, n * sizeof(*ranges));
	for (i = 0; virt && i < n; i++)
		ranges[i].virt = READ_ONCE(virt[i]);
	return n;
}
EXPORT_SYMBOL_GPL(mk_instance_memory);
