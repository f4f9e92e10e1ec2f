// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting a kernel instance on an offline CPU of this machine.
 *
 * The bzImage is laid out in the instance's memory as a boot loader
 * would for the 64-bit boot protocol:
 *
 *   base + 0x0000  boot_params: e820 = the instance's memory as RAM and
 *                  the shared region as reserved; hardware_subarch =
 *                  X86_SUBARCH_MULTIKERNEL
 *   base + 0x1000  command line
 *   base + 0x2000  identity page tables for the first 4 GiB (2 MiB pages)
 *   base + 0x8000  a page of stack
 *   base + 1 MiB   the protected-mode kernel, aligned as it asks, with
 *                  init_size bytes free to decompress in place
 *   top            the initramfs
 *
 * The CPU is woken with INIT and STARTUP into a trampoline below 1 MiB
 * that enters long mode and jumps to the image.  The instance owns no
 * memory below 1 MiB, so the trampoline page is taken from the host's
 * reserved first megabyte, away from the host's own real-mode blob.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/multikernel_arch.h>
#include <linux/sizes.h>
#include <linux/unaligned.h>
#include <asm/apic.h>
#include <asm/bootparam.h>
#include <asm/e820/api.h>
#include <asm/multikernel.h>
#include <asm/realmode.h>
#include <asm/tsc.h>

#define MK_BP_OFF		0x0000
#define MK_CMDLINE_OFF		0x1000
#define MK_PGT_OFF		0x2000
#define MK_STACK_TOP_OFF	0x9000
#define MK_KERNEL_MIN_OFF	SZ_1M
#define MK_SETUP_HDR_OFF	offsetof(struct boot_params, hdr)
#define MK_HDR_MAGIC		0x53726448	/* "HdrS" */

static size_t mk_tramp_off(const u8 *sym)
{
	return sym - mk_trampoline;
}

static phys_addr_t mk_tramp_page __ro_after_init;

/*
 * A page below 1 MiB that is RAM and not our own real-mode blob.  The
 * whole first megabyte is kept from the page allocator, so the page is
 * free once found; it is looked for while the e820 map and the size of
 * the blob are still at hand.
 */
static int __init mk_trampoline_page_init(void)
{
	phys_addr_t rm = 0, rm_end = 0, p;

	if (real_mode_header) {
		rm = __pa(real_mode_header);
		rm_end = rm + real_mode_size_needed();
	}
	for (p = SZ_64K; p < SZ_512K + SZ_64K; p += PAGE_SIZE) {
		if (p < rm_end && p + PAGE_SIZE > rm)
			continue;
		if (e820__mapped_all(p, p + PAGE_SIZE, E820_TYPE_RAM)) {
			mk_tramp_page = p;
			break;
		}
	}
	return 0;
}
late_initcall(mk_trampoline_page_init);

static void mk_fill_trampoline(phys_addr_t page,
			       const struct mk_tramp_args *args)
{
	u8 *t = phys_to_virt(page);
	u32 base = page;

	memcpy(t, mk_trampoline, mk_trampoline_end - mk_trampoline);
	put_unaligned(base + (u32)mk_tramp_off(mk_tramp_gdt),
		      (u32 *)(t + mk_tramp_off(mk_tramp_gdt_desc) + 2));
	put_unaligned(base + (u32)mk_tramp_off(mk_tramp_start32),
		      (u32 *)(t + mk_tramp_off(mk_tramp_jmp32)));
	put_unaligned(base + (u32)mk_tramp_off(mk_tramp_start64),
		      (u32 *)(t + mk_tramp_off(mk_tramp_jmp64)));
	memcpy(t + mk_tramp_off(mk_tramp_args), args, sizeof(*args));
}

/* PML4, PDPT and four page directories mapping 0..4 GiB one to one. */
static void mk_fill_identity_map(u64 *pgt, phys_addr_t pgt_phys)
{
	u64 flags = _PAGE_PRESENT | _PAGE_RW;
	int i, j;

	memset(pgt, 0, 6 * PAGE_SIZE);
	pgt[0] = (pgt_phys + PAGE_SIZE) | flags;
	for (i = 0; i < 4; i++) {
		u64 *pd = pgt + (2 + i) * 512;

		pgt[512 + i] = (pgt_phys + (2 + i) * PAGE_SIZE) | flags;
		for (j = 0; j < 512; j++)
			pd[j] = ((u64)(i * 512 + j) << 21) | flags | _PAGE_PSE;
	}
}

static int mk_bzimage_check(const struct mk_boot *b, struct setup_header *hdr,
			    size_t *setup_len)
{
	if (b->kernel_len < SZ_4K) {
		pr_err("instance %u: kernel image of %zu bytes is too short\n",
		       b->instance, b->kernel_len);
		return -ENOEXEC;
	}
	memcpy(hdr, b->kernel + MK_SETUP_HDR_OFF, sizeof(*hdr));
	if (hdr->header != MK_HDR_MAGIC || hdr->version < 0x020c) {
		pr_err("instance %u: not a bzImage of boot protocol 2.12 or later\n",
		       b->instance);
		return -ENOEXEC;
	}
	if (!(hdr->xloadflags & XLF_KERNEL_64) || !hdr->relocatable_kernel ||
	    !is_power_of_2(hdr->kernel_alignment)) {
		pr_err("instance %u: image has no relocatable 64-bit entry\n",
		       b->instance);
		return -ENOEXEC;
	}
	*setup_len = ((hdr->setup_sects ?: 4) + 1) * 512;
	if (*setup_len >= b->kernel_len) {
		pr_err("instance %u: image is truncated\n", b->instance);
		return -ENOEXEC;
	}
	return 0;
}

static void mk_fill_e820(struct boot_params *bp, const struct mk_boot *b)
{
	struct boot_e820_entry mem = {
		.addr = b->mem_base, .size = b->mem_size, .type = E820_TYPE_RAM,
	};
	struct boot_e820_entry region = {
		.addr = b->region_base, .size = b->region_size,
		.type = E820_TYPE_RESERVED,
	};
	bool region_first = b->region_base < b->mem_base;

	bp->e820_table[0] = region_first ? region : mem;
	bp->e820_table[1] = region_first ? mem : region;
	bp->e820_entries = 2;
}

static void mk_send_init(u32 apicid)
{
	unsigned long flags;

	local_irq_save(flags);
	apic_icr_write(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT |
		       APIC_DEST_PHYSICAL, apicid);
	safe_apic_wait_icr_idle();
	apic_icr_write(APIC_INT_LEVELTRIG | APIC_DM_INIT | APIC_DEST_PHYSICAL,
		       apicid);
	safe_apic_wait_icr_idle();
	local_irq_restore(flags);
}

static void mk_send_startup(u32 apicid, phys_addr_t page)
{
	int i;

	mk_send_init(apicid);
	usleep_range(10000, 11000);
	/* Two STARTUPs, as the MP specification asks. */
	for (i = 0; i < 2; i++) {
		apic_icr_write(APIC_DM_STARTUP | APIC_DEST_PHYSICAL | (page >> 12),
			       apicid);
		usleep_range(300, 400);
		safe_apic_wait_icr_idle();
		usleep_range(200, 300);
	}
}

/*
 * Where the kernel and the initrd go in the instance's memory.  Sizes are
 * compared before anything is subtracted: the initrd may be larger than
 * the memory, or than the address its end lies at.
 */
static int mk_place_images(const struct mk_boot *b,
			   const struct setup_header *hdr, size_t setup_len,
			   phys_addr_t *load, phys_addr_t *initrd)
{
	u64 need = max_t(u64, hdr->init_size, b->kernel_len - setup_len);
	u64 load_off, kernel_end, initrd_off;

	/* The identity map and the 32-bit CR3 of the trampoline reach 4 GiB. */
	if (b->mem_size > SZ_4G || b->mem_base > SZ_4G - b->mem_size) {
		pr_err("instance %u: memory above 4 GiB cannot be started in\n",
		       b->instance);
		return -ERANGE;
	}
	load_off = ALIGN(b->mem_base + MK_KERNEL_MIN_OFF, hdr->kernel_alignment) -
		   b->mem_base;
	if (load_off > b->mem_size || need > b->mem_size - load_off)
		goto too_big;
	kernel_end = load_off + need;
	if (b->initrd_len > b->mem_size - kernel_end)
		goto too_big;
	initrd_off = ALIGN_DOWN(b->mem_size - b->initrd_len, PAGE_SIZE);
	if (initrd_off < kernel_end)
		goto too_big;
	*load = b->mem_base + load_off;
	*initrd = b->mem_base + initrd_off;
	return 0;

too_big:
	pr_err("instance %u: kernel (%llu bytes to decompress) and initrd (%zu) do not fit in %llu MiB\n",
	       b->instance, need, b->initrd_len, b->mem_size >> 20);
	return -E2BIG;
}

/**
 * mk_arch_instance_cmdline - parameters the started kernel needs from us
 * @buf: where to print them
 * @len: room in @buf
 *
 * The instance has no PIT or HPET to calibrate against; it gets the TSC
 * and local APIC timer rates measured here.
 *
 * Return: what snprintf() returns.
 */
int mk_arch_instance_cmdline(char *buf, size_t len)
{
	return snprintf(buf, len, "mk_tsc_khz=%u mk_lapic_period=%u lpj=%lu",
			tsc_khz, lapic_timer_period, loops_per_jiffy);
}

/**
 * mk_arch_instance_boot - lay out a bzImage and start it on a CPU
 * @b: image, memory and CPU, checked by the caller except for the image
 *
 * Context: process context, sleeps; the CPU is offline and owned by the
 * caller.
 * Return: 0 when the CPU was sent INIT and STARTUP, -ENOEXEC for an image
 * that is not a usable bzImage, -E2BIG when it does not fit, -ERANGE for
 * memory above 4 GiB, -ENOMEM.
 */
int mk_arch_instance_boot(const struct mk_boot *b)
{
	phys_addr_t load, initrd, tramp;
	struct mk_tramp_args args;
	struct setup_header hdr;
	struct boot_params *bp;
	size_t setup_len, hdr_len;
	void *mem;
	int err;

	err = mk_bzimage_check(b, &hdr, &setup_len);
	if (err)
		return err;
	err = mk_place_images(b, &hdr, setup_len, &load, &initrd);
	if (err)
		return err;
	if (strlen(b->cmdline) >= min_t(u32, hdr.cmdline_size, PAGE_SIZE)) {
		pr_err("instance %u: command line too long\n", b->instance);
		return -E2BIG;
	}
	tramp = mk_tramp_page;
	if (!tramp) {
		pr_err("instance %u: no free page below 1 MiB for the trampoline\n",
		       b->instance);
		return -ENOMEM;
	}

	mem = memremap(b->mem_base, b->mem_size, MEMREMAP_WB);
	if (!mem)
		return -ENOMEM;
	memset(mem, 0, MK_STACK_TOP_OFF);

	bp = mem + MK_BP_OFF;
	/* The header ends where the short jump at 0x200 lands. */
	hdr_len = min_t(size_t, 0x202 + b->kernel[0x201] - MK_SETUP_HDR_OFF,
			sizeof(bp->hdr));
	memcpy(&bp->hdr, b->kernel + MK_SETUP_HDR_OFF, hdr_len);
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.hardware_subarch = X86_SUBARCH_MULTIKERNEL;
	bp->hdr.code32_start = load;
	bp->hdr.cmd_line_ptr = lower_32_bits(b->mem_base + MK_CMDLINE_OFF);
	bp->ext_cmd_line_ptr = upper_32_bits(b->mem_base + MK_CMDLINE_OFF);
	if (b->initrd_len) {
		bp->hdr.ramdisk_image = lower_32_bits(initrd);
		bp->ext_ramdisk_image = upper_32_bits(initrd);
		bp->hdr.ramdisk_size = lower_32_bits(b->initrd_len);
		bp->ext_ramdisk_size = upper_32_bits(b->initrd_len);
	}
	bp->hdr.setup_data = 0;
	mk_fill_e820(bp, b);
	strscpy(mem + MK_CMDLINE_OFF, b->cmdline, PAGE_SIZE);
	mk_fill_identity_map(mem + MK_PGT_OFF, b->mem_base + MK_PGT_OFF);

	memcpy(mem + (load - b->mem_base), b->kernel + setup_len,
	       b->kernel_len - setup_len);
	if (b->initrd_len)
		memcpy(mem + (initrd - b->mem_base), b->initrd, b->initrd_len);
	memunmap(mem);

	args.cr3 = b->mem_base + MK_PGT_OFF;
	args.entry = load + 0x200;
	args.boot_params = b->mem_base + MK_BP_OFF;
	args.stack = b->mem_base + MK_STACK_TOP_OFF;
	mk_fill_trampoline(tramp, &args);
	/* Everything the CPU reads is in memory before it is woken. */
	wmb();

	pr_info("instance %u: starting on APIC ID %u, kernel at %pa, trampoline at %pa\n",
		b->instance, b->apicid, &load, &tramp);
	mk_send_startup(b->apicid, tramp);
	return 0;
}

/**
 * mk_arch_instance_halt - stop a CPU given to an instance
 * @apicid: its physical APIC ID
 *
 * INIT leaves the CPU waiting for a STARTUP: the host can bring it
 * online again the usual way.
 */
void mk_arch_instance_halt(u32 apicid)
{
	mk_send_init(apicid);
}
