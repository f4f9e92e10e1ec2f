/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel: what the core (kernel/multikernel/), the architecture code
 * (arch/x86/kernel/multikernel*.c) and start_kernel() exchange.  Drivers
 * never need it: their API is <linux/multikernel.h>.
 *
 * The architecture sends and takes the IPI and starts an instance on one
 * of its CPUs; the core owns the region, the rings and the instance table
 * and tells the architecture what to start.
 */
#ifndef _LINUX_MULTIKERNEL_ARCH_H
#define _LINUX_MULTIKERNEL_ARCH_H

#include <linux/init.h>
#include <linux/types.h>

/* CPUs one instance can be started on. */
#define MK_INSTANCE_MAX_CPUS	8

/**
 * struct mk_boot - what starting a kernel instance takes
 * @instance: its instance id
 * @apicids: physical APIC IDs of the CPUs it gets; the first boots it
 * @nr_cpus: entries in @apicids
 * @kernel: the kernel image as read from its file
 * @kernel_len: bytes in @kernel
 * @initrd: initramfs, or NULL
 * @initrd_len: bytes in @initrd
 * @cmdline: its complete command line
 * @mem_base: physical base of its memory
 * @mem_size: bytes of memory
 * @region_base: physical base of the shared region
 * @region_size: bytes in the shared region
 */
struct mk_boot {
	u16 instance;
	u32 apicids[MK_INSTANCE_MAX_CPUS];
	unsigned int nr_cpus;
	const u8 *kernel;
	size_t kernel_len;
	const u8 *initrd;
	size_t initrd_len;
	const char *cmdline;
	phys_addr_t mem_base;
	u64 mem_size;
	phys_addr_t region_base;
	u64 region_size;
};

#ifdef CONFIG_MULTIKERNEL

/* Called by start_kernel() while memblock still owns all memory. */
void __init mk_reserve_region(void);
/* Called by the architecture's MULTIKERNEL_VECTOR handler, after its EOI. */
void mk_handle_ipi(void);

/* Provided by the architecture, arch/x86/kernel/multikernel*.c. */
void mk_arch_send_ipi(u32 apicid);
u32 mk_arch_cpu_apicid(unsigned int cpu);
u32 mk_arch_apicid_limit(void);
void __init mk_arch_machine_shared(void);
bool __init mk_arch_region_is_reserved(phys_addr_t start, phys_addr_t size);
int mk_arch_instance_boot(const struct mk_boot *b);
void mk_arch_instance_halt(u32 apicid);
int mk_arch_instance_cmdline(char *buf, size_t len);

#else

static inline void mk_reserve_region(void) { }

#endif /* CONFIG_MULTIKERNEL */

#endif /* _LINUX_MULTIKERNEL_ARCH_H */
