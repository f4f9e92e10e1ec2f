/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 side of starting kernel instances: the real-mode trampoline a
 * started CPU enters, and the platform setup of the kernel it runs.
 */
#ifndef _ASM_X86_MULTIKERNEL_H
#define _ASM_X86_MULTIKERNEL_H

#ifndef __ASSEMBLER__
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
 * @cr3: physical address of identity page tables covering the first 4 GiB
 * @entry: 64-bit entry point of the image
 * @boot_params: physical address of its boot_params, passed in %rsi
 * @stack: initial stack pointer
 */
struct mk_tramp_args {
	u64 cr3;
	u64 entry;
	u64 boot_params;
	u64 stack;
};

void mk_spawn_init_platform(void);

#else

static inline void mk_spawn_init_platform(void) { }

#endif /* CONFIG_MULTIKERNEL */
#endif /* __ASSEMBLER__ */
#endif /* _ASM_X86_MULTIKERNEL_H */
