// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 glue of the multikernel framework: the MULTIKERNEL_VECTOR handler
 * and the doorbell sent by physical APIC ID.
 */
#include <linux/multikernel_arch.h>
#include <asm/apic.h>
#include <asm/e820/api.h>
#include <asm/hardirq.h>
#include <asm/idtentry.h>
#include <asm/processor.h>

DEFINE_IDTENTRY_SYSVEC(sysvec_multikernel)
{
	/* EOI first: an IPI sent while we drain must interrupt again. */
	apic_eoi();
	inc_irq_stat(irq_multikernel_count);
	mk_handle_ipi();
}

/**
 * mk_arch_send_ipi - ring the multikernel doorbell of a CPU
 * @apicid: physical APIC ID; the CPU may belong to another kernel
 *
 * Logical CPU numbers mean nothing across kernels, so the ICR is written
 * directly in physical destination mode instead of going through the
 * apic driver's cpumask-based calls.
 */
void mk_arch_send_ipi(u32 apicid)
{
	unsigned long flags;

	/*
	 * The ring update must be visible before the IPI.  An x2APIC ICR
	 * write is a WRMSR that does not order earlier stores.
	 */
	weak_wrmsr_fence();
	local_irq_save(flags);
	apic_wait_icr_idle();
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_PHYSICAL | MULTIKERNEL_VECTOR,
		       apicid);
	local_irq_restore(flags);
}

/**
 * mk_arch_apicid_limit - lowest physical APIC ID an IPI cannot be sent to
 *
 * In xAPIC mode the destination field has 8 bits and 0xff is a
 * broadcast; in x2APIC mode 0xffffffff is.  An ID at or above the limit
 * reaches every CPU of the machine, or another CPU than the one named.
 *
 * Return: 0xff in xAPIC mode, 0xffffffff in x2APIC mode.
 */
u32 mk_arch_apicid_limit(void)
{
	return x2apic_mode ? U32_MAX : 0xff;
}

/**
 * mk_arch_cpu_apicid - physical APIC ID of a logical CPU of this kernel
 * @cpu: logical CPU number
 *
 * Return: the APIC ID.
 */
u32 mk_arch_cpu_apicid(unsigned int cpu)
{
	return per_cpu(x86_cpu_to_apicid, cpu);
}

/**
 * mk_arch_machine_shared - this kernel shares the machine with others
 *
 * Called at boot, before the secondary CPUs come up, by a kernel told of
 * a shared region.  An IPI destination shorthand would reach the CPUs of
 * every kernel of the machine: a panic's REBOOT_VECTOR, on_each_cpu()
 * and NMI shootdowns must address this kernel's CPUs one by one.
 */
void __init mk_arch_machine_shared(void)
{
	apic_ipi_shorthand_forbid();
}

/**
 * mk_arch_region_is_reserved - is a range marked reserved in the e820 map
 * @start: physical start
 * @size: bytes
 *
 * A started instance sees the shared region as reserved memory rather
 * than RAM.
 *
 * Return: true if the whole range is e820 reserved.
 */
bool __init mk_arch_region_is_reserved(phys_addr_t start, phys_addr_t size)
{
	return e820__mapped_all(start, start + size, E820_TYPE_RESERVED);
}
