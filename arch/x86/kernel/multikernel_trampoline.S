/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry of a CPU given to another kernel instance.
 *
 * The host copies this blob to a free page below 1 MiB, fills in the
 * linear addresses it cannot know at build time and struct mk_tramp_args,
 * then sends INIT and STARTUP to the CPU.  The CPU starts here in real
 * mode at offset 0 of the page, switches to protected mode and then to
 * long mode on the PML4 in the page that follows (a 32-bit CR3 cannot
 * reach memory above 4 GiB), moves to the instance's own copy of those
 * tables, and jumps to the image's 64-bit entry with %rsi pointing at its
 * boot_params, as Documentation/arch/x86/boot.rst asks.
 *
 * The blob runs only on the started CPU and only from its copy; it lives
 * in .rodata so nothing ever executes it in place.
 */
#include <linux/linkage.h>
#include <asm/msr-index.h>
#include <asm/multikernel.h>
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
	leal	MK_TRAMP_PML4_OFF(%ebx), %eax
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
	/*
	 * The same tables, rooted in the instance's memory: the page after
	 * ours is filled again for the next CPU, and the park and the
	 * image's entry go on using what CR3 holds.
	 */
	movq	TR(mk_tramp_args) + MK_TRAMP_ARG_CR3(%rbx), %rax
	movq	%rax, %cr3
	movq	TR(mk_tramp_args) + MK_TRAMP_ARG_STACK(%rbx), %rsp
	movq	TR(mk_tramp_args) + MK_TRAMP_ARG_BOOT_PARAMS(%rbx), %rsi
	movq	TR(mk_tramp_args) + MK_TRAMP_ARG_ENTRY(%rbx), %rax
	/* Last access to the page: the host may fill it for the next CPU. */
	movq	$1, TR(mk_tramp_args) + MK_TRAMP_ARG_LEFT(%rbx)
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
	.fill	MK_TRAMP_ARGS_SIZE, 1, 0	/* struct mk_tramp_args */
SYM_DATA_END_LABEL(mk_trampoline, SYM_L_GLOBAL, mk_trampoline_end)

/*
 * The park where the other processors of an instance wait until the
 * instance's kernel wants them.  The host copies it into the instance's
 * memory, fills in the two descriptors and the IDT, and wakes each
 * processor into it through the trampoline above, with %rsi pointing at
 * the processor's struct mk_park_slot and %rsp at a stack of its own.
 *
 * The processor halts with interrupts enabled: spinning would take a
 * whole host CPU from a virtual machine for as long as the instance
 * boots.  The instance sets the slot to MK_PARK_GO and sends any IPI;
 * the spurious vector (0xff) ends up in the same acknowledging handler.
 */
#define PK_CS		0x10
#define PK_DS		0x18
#define PK_APIC_EOI	0xb0		/* APIC_EOI, xAPIC register offset */
#define PK_X2APIC_EOI	0x80b		/* APIC_EOI as an x2APIC MSR */
#define PK_APIC_SVR	0xf0		/* APIC_SPIV */
#define PK_X2APIC_SVR	0x80f
#define PK_SVR_ON	0x1ff		/* APIC_SPIV_APIC_ENABLED, vector 0xff */
#define PK_X2APIC_ON	10		/* X2APIC_ENABLE in MSR_IA32_APICBASE */
#define PK_CPUID_NX	20		/* NX in CPUID 0x80000001 %edx */

	.code64
	.balign	16
SYM_DATA_START(mk_park)
	cli
	/* Nothing of the host's may be used once we are parked. */
	lgdt	mk_park_gdt_desc(%rip)
	pushq	$PK_CS
	leaq	.Lpark_cs(%rip), %rax
	pushq	%rax
	lretq
.Lpark_cs:
	movl	$PK_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	lidt	mk_park_idt_desc(%rip)

	/*
	 * INIT left the local APIC software-disabled, and a disabled APIC
	 * takes no fixed IPI: turn it on, every LVT still masked.
	 */
	movl	$MSR_IA32_APICBASE, %ecx
	rdmsr
	btl	$PK_X2APIC_ON, %eax
	jnc	.Lpark_xapic_on
	movl	$PK_X2APIC_SVR, %ecx
	movl	$PK_SVR_ON, %eax
	xorl	%edx, %edx
	wrmsr
	jmp	.Lpark_nx
.Lpark_xapic_on:
	andl	$0xfffff000, %eax
	movl	$PK_SVR_ON, PK_APIC_SVR(%rax)
.Lpark_nx:
	/*
	 * The instance's page tables mark its data no-execute, which is a
	 * reserved bit until EFER.NX is on; secondary_startup_64 reads
	 * data through them before it gets to set it.
	 */
	movl	$0x80000001, %eax
	cpuid
	btl	$PK_CPUID_NX, %edx
	jnc	.Lpark_arrive
	movl	$MSR_EFER, %ecx
	rdmsr
	btsl	$_EFER_NX, %eax
	wrmsr
.Lpark_arrive:
	movl	$MK_PARK_ARRIVED, MK_PARK_SLOT_STATE(%rsi)
.Lpark_wait:
	cli
	cmpl	$MK_PARK_GO, MK_PARK_SLOT_STATE(%rsi)
	je	.Lpark_go
	/* An interrupt after the test still ends the halt: sti's shadow. */
	sti
	hlt
	jmp	.Lpark_wait
.Lpark_go:
	movq	MK_PARK_SLOT_CR3(%rsi), %rax
	movq	MK_PARK_SLOT_ENTRY(%rsi), %rbx
	movl	$MK_PARK_LEFT, MK_PARK_SLOT_STATE(%rsi)
	movq	%rax, %cr3
	xorl	%esi, %esi
	xorl	%ebp, %ebp
	jmp	*%rbx

	/* Vectors 32-255: acknowledge, so the next one can come. */
SYM_INNER_LABEL(mk_park_irq, SYM_L_GLOBAL)
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	movl	$MSR_IA32_APICBASE, %ecx
	rdmsr
	btl	$PK_X2APIC_ON, %eax
	jnc	.Lpark_xapic_eoi
	movl	$PK_X2APIC_EOI, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	jmp	.Lpark_irq_done
.Lpark_xapic_eoi:
	andl	$0xfffff000, %eax
	movl	$0, PK_APIC_EOI(%rax)
.Lpark_irq_done:
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq

SYM_INNER_LABEL(mk_park_nmi, SYM_L_GLOBAL)
	iretq

	/* An exception in here is a bug: stop this processor, not the machine. */
SYM_INNER_LABEL(mk_park_exception, SYM_L_GLOBAL)
	cli
	hlt
	jmp	mk_park_exception

	.balign	8
SYM_INNER_LABEL(mk_park_gdt, SYM_L_GLOBAL)
	.quad	0
	.quad	0
	.quad	0x00af9a000000ffff	/* PK_CS: 64-bit code */
	.quad	0x00cf92000000ffff	/* PK_DS: data, flat */
SYM_INNER_LABEL(mk_park_gdt_desc, SYM_L_GLOBAL)
	.word	4 * 8 - 1
	.quad	0			/* address of mk_park_gdt */
SYM_INNER_LABEL(mk_park_idt_desc, SYM_L_GLOBAL)
	.word	256 * 16 - 1
	.quad	0			/* address of the IDT */
SYM_DATA_END_LABEL(mk_park, SYM_L_GLOBAL, mk_park_end)
