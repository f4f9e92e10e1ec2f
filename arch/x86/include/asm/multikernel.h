/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 side of starting kernel instances: the real-mode trampoline a
 * started CPU enters, and the platform setup of the kernel it runs.
 */
#ifndef _ASM_X86_MULTIKERNEL_H
#define _ASM_X86_MULTIKERNEL_H

/*
 * The application processors of a started instance wait for it in a park
 * in its own memory: a page of code that runs with interrupts enabled and
 * halts until its slot says go, an IDT whose every interrupt only
 * acknowledges itself, and one slot per processor.  The host fills the
 * park and wakes each processor into it before it starts the instance's
 * boot CPU; the instance releases them one by one from its
 * wakeup_secondary_cpu_64() method.
 */
#define MK_PARK_SLOTS		7	/* processors besides the boot CPU */
#define MK_PARK_MAGIC		0x4b52414d	/* "MARK" */

/* mk_park_slot::state, as the host, the processor and the instance move it */
#define MK_PARK_EMPTY		0	/* host: woken, not arrived yet */
#define MK_PARK_ARRIVED		1	/* processor: waiting */
#define MK_PARK_GO		2	/* instance: @cr3 and @entry are set */
#define MK_PARK_LEFT		3	/* processor: gone to @entry */

/*
 * The trampoline's page is followed by a PML4 of its own: CR3 is loaded
 * in 32-bit mode, so the first top-level table must lie below 4 GiB.  It
 * copies the instance's, whose lower tables may lie anywhere.
 */
#define MK_TRAMP_PML4_OFF	0x1000

/* Offsets in struct mk_tramp_args, for the trampoline. */
#define MK_TRAMP_ARG_CR3	0
#define MK_TRAMP_ARG_ENTRY	8
#define MK_TRAMP_ARG_BOOT_PARAMS 16
#define MK_TRAMP_ARG_STACK	24
#define MK_TRAMP_ARG_LEFT	32
#define MK_TRAMP_ARGS_SIZE	40

/* Offsets in struct mk_park_slot, for the park code. */
#define MK_PARK_SLOT_STATE	4
#define MK_PARK_SLOT_CR3	8
#define MK_PARK_SLOT_ENTRY	16

#ifndef __ASSEMBLER__
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

#ifdef CONFIG_MULTIKERNEL

/*
 * The trampoline is a blob copied to a page below 1 MiB.  The host fills
 * in the linear addresses and mk_tramp_args before it sends the SIPI.
 */
extern const u8 mk_trampoline[], mk_trampoline_end[];
extern const u8 mk_tramp_gdt[], mk_tramp_gdt_desc[];
extern const u8 mk_tramp_jmp32[], mk_tramp_jmp64[];
extern const u8 mk_tramp_start32[], mk_tramp_start64[];
extern const u8 mk_tramp_args[];

/**
 * struct mk_tramp_args - what the trampoline hands to the kernel it starts
 * @cr3: physical address of the instance's boot page tables, which map its
 *	memory and the trampoline one to one; loaded once in long mode
 * @entry: 64-bit entry point of the image
 * @boot_params: physical address of its boot_params, passed in %rsi
 * @stack: initial stack pointer
 * @left: 0 from the host; the CPU sets it once it no longer reads the
 *	trampoline page, which may then be filled for the next CPU
 */
struct mk_tramp_args {
	u64 cr3;
	u64 entry;
	u64 boot_params;
	u64 stack;
	u64 left;
};

static_assert(offsetof(struct mk_tramp_args, cr3) == MK_TRAMP_ARG_CR3);
static_assert(offsetof(struct mk_tramp_args, entry) == MK_TRAMP_ARG_ENTRY);
static_assert(offsetof(struct mk_tramp_args, boot_params) ==
	      MK_TRAMP_ARG_BOOT_PARAMS);
static_assert(offsetof(struct mk_tramp_args, stack) == MK_TRAMP_ARG_STACK);
static_assert(offsetof(struct mk_tramp_args, left) == MK_TRAMP_ARG_LEFT);
static_assert(sizeof(struct mk_tramp_args) == MK_TRAMP_ARGS_SIZE);

/**
 * struct mk_park_slot - where one processor of an instance waits
 * @apicid: its physical APIC ID, written by the host
 * @state: MK_PARK_*, see above
 * @cr3: page tables to leave the park with, written by the instance
 * @entry: virtual address to jump to, written by the instance
 */
struct mk_park_slot {
	u32 apicid;
	u32 state;
	u64 cr3;
	u64 entry;
};

/**
 * struct mk_park_area - the slots, and what the instance needs to use them
 * @magic: %MK_PARK_MAGIC
 * @nr_slots: slots in use, at most %MK_PARK_SLOTS
 * @pml4: physical address of the identity page tables the processors
 *	wait on; the instance adds its kernel mapping before it lets one go
 * @slots: one per processor
 */
struct mk_park_area {
	u32 magic;
	u32 nr_slots;
	u64 pml4;
	struct mk_park_slot slots[MK_PARK_SLOTS];
};

static_assert(offsetof(struct mk_park_slot, state) == MK_PARK_SLOT_STATE);
static_assert(offsetof(struct mk_park_slot, cr3) == MK_PARK_SLOT_CR3);
static_assert(offsetof(struct mk_park_slot, entry) == MK_PARK_SLOT_ENTRY);

/* The park: code, then its GDT and descriptors, filled in by the host. */
extern const u8 mk_park[], mk_park_end[];
extern const u8 mk_park_gdt[], mk_park_gdt_desc[], mk_park_idt_desc[];
extern const u8 mk_park_irq[], mk_park_exception[], mk_park_nmi[];

void mk_spawn_init_platform(void);

#else

static inline void mk_spawn_init_platform(void) { }

#endif /* CONFIG_MULTIKERNEL */
#endif /* __ASSEMBLER__ */
#endif /* _ASM_X86_MULTIKERNEL_H */
