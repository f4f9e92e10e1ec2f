/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry of a CPU given to another kernel instance.
 *
 * The host copies this blob to a free page below 1 MiB, fills in the
 * linear addresses it cannot know at build time and struct mk_tramp_args,
 * then sends INIT and STARTUP to the CPU.  The CPU starts here in real
 * mode at offset 0 of the page, switches to protected mode and then to
 * long mode on the identity page tables it is given, and jumps to the
 * image's 64-bit entry with %rsi pointing at its boot_params, as
 * Documentation/arch/x86/boot.rst asks.
 *
 * The blob runs only on the started CPU and only from its copy; it lives
 * in .rodata so nothing ever executes it in place.
 */
#include <linux/linkage.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#define TR(sym)		((sym) - mk_trampoline)
#define TR_CS32		0x08
#define TR_CS64		0x10	/* __BOOT_CS of the boot protocol */
#define TR_DS		0x18	/* __BOOT_DS */

	.section .rodata, "a"
	.balign	16
	.code16
SYM_DATA_START(mk_trampoline)
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	/* %ebx: linear address of the page, for the 32-bit code below. */
	movzwl	%ax, %ebx
	shll	$4, %ebx
	lgdtl	TR(mk_tramp_gdt_desc)
	movl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*TR(mk_tramp_jmp32)

	.code32
SYM_INNER_LABEL(mk_tramp_start32, SYM_L_GLOBAL)
	movl	$TR_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs

	movl	%cr4, %eax
	orl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	TR(mk_tramp_args)(%ebx), %eax		/* cr3 */
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	$(X86_CR0_PG | X86_CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	*TR(mk_tramp_jmp64)(%ebx)

	.code64
SYM_INNER_LABEL(mk_tramp_start64, SYM_L_GLOBAL)
	/* The upper halves are undefined after the switch to long mode. */
	movl	%ebx, %ebx
	movq	TR(mk_tramp_args) + 24(%rbx), %rsp	/* stack */
	movq	TR(mk_tramp_args) + 16(%rbx), %rsi	/* boot_params */
	movq	TR(mk_tramp_args) + 8(%rbx), %rax	/* entry */
	xorl	%ebx, %ebx
	xorl	%ebp, %ebp
	xorl	%edi, %edi
	jmp	*%rax

	.balign	8
SYM_INNER_LABEL(mk_tramp_gdt, SYM_L_GLOBAL)
	.quad	0
	.quad	0x00cf9a000000ffff	/* TR_CS32: 32-bit code, flat */
	.quad	0x00af9a000000ffff	/* TR_CS64: 64-bit code */
	.quad	0x00cf92000000ffff	/* TR_DS: data, flat */
SYM_INNER_LABEL(mk_tramp_gdt_desc, SYM_L_GLOBAL)
	.word	4 * 8 - 1
	.long	0			/* linear address of mk_tramp_gdt */
SYM_INNER_LABEL(mk_tramp_jmp32, SYM_L_GLOBAL)
	.long	0			/* linear address of mk_tramp_start32 */
	.word	TR_CS32
SYM_INNER_LABEL(mk_tramp_jmp64, SYM_L_GLOBAL)
	.long	0			/* linear address of mk_tramp_start64 */
	.word	TR_CS64
	.balign	8
SYM_INNER_LABEL(mk_tramp_args, SYM_L_GLOBAL)
	.fill	4, 8, 0			/* struct mk_tramp_args */
SYM_DATA_END_LABEL(mk_trampoline, SYM_L_GLOBAL, mk_trampoline_end)
