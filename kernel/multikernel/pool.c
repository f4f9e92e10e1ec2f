// SPDX-License-Identifier: GPL-2.0-only
/*
 * The page pool: pages of the shared region handed out to drivers.
 *
 * The pool is split into one slice per possible instance, fixed by the
 * layout: an instance allocates from its own slice only, so no kernel
 * needs to know what another has taken, and no lock or state is shared
 * between kernels.  A peer that wants to hand us pages names them inside
 * the pool (mk_msg_pfn()); which slice they come from does not matter to
 * the receiver.
 */
#include <linux/export.h>
#include <linux/genalloc.h>
#include <linux/mm.h>
#include "internal.h"

static struct gen_pool *mk_pool;

/**
 * mk_pool_alloc - allocate pages of the shared region for this instance
 * @size: bytes, rounded up to pages
 * @phys: if not NULL, set to the physical address
 *
 * Each instance allocates from its own slice of the page pool, so two
 * kernels never hand out the same page.  Memory is not zeroed.
 *
 * Context: any.
 * Return: kernel address, or NULL.
 */
void *mk_pool_alloc(size_t size, phys_addr_t *phys)
{
	unsigned long va;

	if (!mk_pool)
		return NULL;
	va = gen_pool_alloc(mk_pool, PAGE_ALIGN(size));
	if (va && phys)
		*phys = gen_pool_virt_to_phys(mk_pool, va);
	return (void *)va;
}
EXPORT_SYMBOL_GPL(mk_pool_alloc);

/**
 * mk_pool_free - return pages from mk_pool_alloc()
 * @vaddr: address mk_pool_alloc() returned
 * @size: size passed to mk_pool_alloc()
 */
void mk_pool_free(void *vaddr, size_t size)
{
	if (vaddr)
		gen_pool_free(mk_pool, (unsigned long)vaddr, PAGE_ALIGN(size));
}
EXPORT_SYMBOL_GPL(mk_pool_free);

/**
 * mk_pool_avail - bytes still free in this instance's slice of the pool
 *
 * Free bytes may be split among several holes: an allocation of this
 * size can still fail.
 *
 * Return: free bytes, 0 without a pool.
 */
size_t mk_pool_avail(void)
{
	return mk_pool ? gen_pool_avail(mk_pool) : 0;
}
EXPORT_SYMBOL_GPL(mk_pool_avail);

/**
 * mk_pool_init - make this instance's slice of the pool allocatable
 * @r: the region, mapped and joined
 *
 * Return: 0, or -ENOMEM.
 */
int __init mk_pool_init(struct mk_region *r)
{
	u64 slice = (r->layout.pool_size / MK_MAX_INSTANCES) & PAGE_MASK;
	u64 off = r->layout.pool_off + slice * r->self;

	mk_pool = gen_pool_create(PAGE_SHIFT, -1);
	if (!mk_pool)
		return -ENOMEM;
	if (gen_pool_add_virt(mk_pool, (unsigned long)r->virt + off,
			      r->phys + off, slice, -1)) {
		gen_pool_destroy(mk_pool);
		mk_pool = NULL;
		return -ENOMEM;
	}
	return 0;
}
