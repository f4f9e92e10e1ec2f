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
 *   base + 0x2000  page tables mapping, one to one and with 2 MiB pages,
 *                  this memory up to the kernel's end, the trampoline's
 *                  2 MiB and the local APIC's
 *   base + 0xa000  a page of stack
 *   base + 0xb000  the park of the other CPUs (struct mk_park_area and
 *                  its code, IDT and stacks), up to base + 0x10000
 *   base + 1 MiB   the protected-mode kernel, aligned as it asks, with
 *                  init_size bytes free to decompress in place
 *   top            the initramfs
 *
 * The e820 map calls the first 64 KiB reserved: the park is used long
 * after the instance's kernel has taken over its memory.
 *
 * Each CPU is woken with INIT and STARTUP into a trampoline below 1 MiB
 * that enters long mode.  The instance owns no memory below 1 MiB, so
 * the trampoline page, and the page after it for a PML4 below 4 GiB, are
 * taken from the host's reserved first megabyte, away from the host's own
 * real-mode blob; the instance's memory itself may lie anywhere.  The
 * other CPUs go first, into the park, and the trampoline pages are reused
 * only once each has arrived there; the boot CPU goes last, to the
 * image's 64-bit entry.
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
#include <asm/desc_defs.h>
#include <asm/e820/api.h>
#include <asm/multikernel.h>
#include <asm/realmode.h>
#include <asm/trapnr.h>
#include <asm/tsc.h>

#define MK_BP_OFF		0x0000
#define MK_CMDLINE_OFF		0x1000
#define MK_PGT_OFF		0x2000
/*
 * The PML4; a PDPT and a directory for the trampoline's 2 MiB; another
 * directory for the local APIC's; and for the memory up to the kernel's
 * end, shorter than 1 GiB, two PDPTs and two directories at most, should
 * it cross a 512 GiB step.
 */
#define MK_PGT_PAGES		8
#define MK_STACK_TOP_OFF	0xb000
#define MK_PARK_OFF		0xb000
#define MK_PARK_IDT_OFF		0xc000
#define MK_PARK_AREA_OFF	0xd000
#define MK_PARK_STACKS_OFF	0xe000
#define MK_PARK_STACK_SIZE	512
#define MK_BOOT_AREA_SIZE	0x10000
/* A STARTUP takes well under a millisecond; TCG can be a thousand times slower. */
#define MK_PARK_ARRIVE_MS	2000
#define MK_KERNEL_MIN_OFF	SZ_1M
#define MK_SETUP_HDR_OFF	offsetof(struct boot_params, hdr)
#define MK_HDR_MAGIC		0x53726448	/* "HdrS" */

static_assert(MK_PARK_SLOTS + 1 == MK_INSTANCE_MAX_CPUS);
static_assert(MK_PGT_OFF + (MK_PGT_PAGES + 1) * PAGE_SIZE == MK_STACK_TOP_OFF);
static_assert(MK_STACK_TOP_OFF <= MK_PARK_OFF);
static_assert(sizeof(struct mk_park_area) <= MK_PARK_STACKS_OFF - MK_PARK_AREA_OFF);
static_assert(MK_PARK_STACKS_OFF + MK_PARK_SLOTS * MK_PARK_STACK_SIZE <=
	      MK_BOOT_AREA_SIZE);
static_assert(MK_BOOT_AREA_SIZE <= MK_KERNEL_MIN_OFF);

static size_t mk_tramp_off(const u8 *sym)
{
	return sym - mk_trampoline;
}

static phys_addr_t mk_tramp_page __ro_after_init;
#define MK_TRAMP_PAGES		2	/* the code, then its PML4 */
static_assert(MK_TRAMP_PML4_OFF == PAGE_SIZE);

/*
 * Two pages below 1 MiB that are RAM and not our own real-mode blob.
 * The whole first megabyte is kept from the page allocator, so they are
 * free once found.  real_mode_size_needed() reads 0 once the blob is
 * placed: its extent is taken from the blob itself.
 */
static int __init mk_trampoline_page_init(void)
{
	const size_t len = MK_TRAMP_PAGES * PAGE_SIZE;
	phys_addr_t rm = 0, rm_end = 0, p;

	if (real_mode_header) {
		rm = __pa(real_mode_header);
		rm_end = rm + PAGE_ALIGN(real_mode_blob_end - real_mode_blob);
	}
	for (p = SZ_64K; p + len <= SZ_512K + SZ_64K; p += PAGE_SIZE) {
		if (p < rm_end && p + len > rm)
			continue;
		if (e820__mapped_all(p, p + len, E820_TYPE_RAM)) {
			mk_tramp_page = p;
			break;
		}
	}
	return 0;
}
late_initcall(mk_trampoline_page_init);

static void mk_fill_trampoline(phys_addr_t page, const void *pml4,
			       const struct mk_tramp_args *args)
{
	u8 *t = phys_to_virt(page);
	u32 base = page;

	memcpy(t, mk_trampoline, mk_trampoline_end - mk_trampoline);
	memcpy(t + MK_TRAMP_PML4_OFF, pml4, PAGE_SIZE);
	put_unaligned(base + (u32)mk_tramp_off(mk_tramp_gdt),
		      (u32 *)(t + mk_tramp_off(mk_tramp_gdt_desc) + 2));
	put_unaligned(base + (u32)mk_tramp_off(mk_tramp_start32),
		      (u32 *)(t + mk_tramp_off(mk_tramp_jmp32)));
	put_unaligned(base + (u32)mk_tramp_off(mk_tramp_start64),
		      (u32 *)(t + mk_tramp_off(mk_tramp_jmp64)));
	memcpy(t + mk_tramp_off(mk_tramp_args), args, sizeof(*args));
}

/**
 * struct mk_boot_pgt - page tables a started CPU runs on until its kernel
 *	has its own
 * @pages: the tables, @pages[0] the PML4, zeroed before the first map
 * @phys: physical address of @pages
 * @nr: pages in @pages
 * @used: pages handed out so far, the PML4 included
 */
struct mk_boot_pgt {
	u64 *pages;
	u64 phys;
	unsigned int nr;
	unsigned int used;
};

/* Indexes of a 4-level walk, whatever depth this kernel itself runs at. */
#define MK_PGT_INDEX(addr, shift)	(((addr) >> (shift)) & 511)
#define MK_PTE_TABLE			(_PAGE_PRESENT | _PAGE_RW)

/* The table @entry points to, made from the next free page if none. */
static u64 *mk_boot_pgt_next(struct mk_boot_pgt *t, u64 *entry)
{
	if (!(*entry & _PAGE_PRESENT)) {
		if (t->used >= t->nr)
			return NULL;
		*entry = (t->phys + t->used++ * PAGE_SIZE) | MK_PTE_TABLE;
	}
	return t->pages + ((*entry & PTE_PFN_MASK) - t->phys) / sizeof(u64);
}

/**
 * mk_boot_pgt_map - map physical memory one to one in boot page tables
 * @t: the tables; @t->used is 1 before the first call (the PML4)
 * @start: first byte to map
 * @end: end of the range, exclusive
 * @attr: caching bits of the pages (_PAGE_PCD, _PAGE_PWT), 0 for RAM
 *
 * 2 MiB pages, the 2 MiB around @start and @end included.  Page tables
 * come from @t only, so a range reaching over more 1 GiB or 512 GiB
 * stretches than @t has pages for is refused, not mapped past its end.
 *
 * Return: 0, or -ENOSPC when @t ran out of pages (some of the range may
 * then be mapped).
 */
static int mk_boot_pgt_map(struct mk_boot_pgt *t, u64 start, u64 end,
			   u64 attr)
{
	u64 a, *pdpt, *pd;

	for (a = ALIGN_DOWN(start, SZ_2M); a < end; a += SZ_2M) {
		pdpt = mk_boot_pgt_next(t, &t->pages[MK_PGT_INDEX(a, 39)]);
		if (!pdpt)
			return -ENOSPC;
		pd = mk_boot_pgt_next(t, &pdpt[MK_PGT_INDEX(a, 30)]);
		if (!pd)
			return -ENOSPC;
		pd[MK_PGT_INDEX(a, 21)] = a | MK_PTE_TABLE | _PAGE_PSE | attr;
	}
	return 0;
}

/*
 * What a started CPU runs on until its kernel has its own: the 2 MiB
 * holding the trampoline, on which it turns paging on; the memory from
 * the boot area to the end of the space the kernel decompresses in; and,
 * uncached, the local APIC's page, which the park turns on in xAPIC mode
 * (INIT leaves its base where it was, and nobody moves it from the
 * default).  The parked CPUs stay on these tables: nothing else of the
 * machine is mapped.
 */
static int mk_fill_boot_map(void *mem, const struct mk_boot *b,
			    phys_addr_t tramp, phys_addr_t image_end)
{
	struct mk_boot_pgt t = {
		.pages = mem + MK_PGT_OFF, .phys = b->mem_base + MK_PGT_OFF,
		.nr = MK_PGT_PAGES, .used = 1,
	};
	int err;

	memset(t.pages, 0, MK_PGT_PAGES * PAGE_SIZE);
	err = mk_boot_pgt_map(&t, tramp, tramp + MK_TRAMP_PAGES * PAGE_SIZE, 0);
	if (!err)
		err = mk_boot_pgt_map(&t, APIC_DEFAULT_PHYS_BASE,
				      APIC_DEFAULT_PHYS_BASE + PAGE_SIZE,
				      _PAGE_PCD | _PAGE_PWT);
	if (!err)
		err = mk_boot_pgt_map(&t, b->mem_base, image_end, 0);
	if (err)
		pr_err("instance %u: %u pages of boot page tables do not map %pa-%pa\n",
		       b->instance, MK_PGT_PAGES, &b->mem_base, &image_end);
	return err;
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
	struct boot_e820_entry boot = {
		.addr = b->mem_base, .size = MK_BOOT_AREA_SIZE,
		.type = E820_TYPE_RESERVED,
	};
	struct boot_e820_entry mem = {
		.addr = b->mem_base + MK_BOOT_AREA_SIZE,
		.size = b->mem_size - MK_BOOT_AREA_SIZE, .type = E820_TYPE_RAM,
	};
	struct boot_e820_entry region = {
		.addr = b->region_base, .size = b->region_size,
		.type = E820_TYPE_RESERVED,
	};
	bool region_first = b->region_base < b->mem_base;
	int n = 0;

	if (region_first)
		bp->e820_table[n++] = region;
	bp->e820_table[n++] = boot;
	bp->e820_table[n++] = mem;
	if (!region_first)
		bp->e820_table[n++] = region;
	bp->e820_entries = n;
}

static void mk_park_gate(struct gate_struct *g, phys_addr_t handler)
{
	memset(g, 0, sizeof(*g));
	g->offset_low = lower_16_bits(handler);
	g->offset_middle = upper_16_bits(lower_32_bits(handler));
	g->offset_high = upper_32_bits(handler);
	g->segment = 0x10;	/* PK_CS of the park's GDT */
	g->bits.type = GATE_INTERRUPT;
	g->bits.p = 1;
}

/* The park's code and IDT, and a slot for each CPU but the boot CPU. */
static void mk_fill_park(void *mem, const struct mk_boot *b)
{
	phys_addr_t code = b->mem_base + MK_PARK_OFF;
	struct gate_struct *idt = mem + MK_PARK_IDT_OFF;
	struct mk_park_area *area = mem + MK_PARK_AREA_OFF;
	u8 *p = mem + MK_PARK_OFF;
	unsigned int i;

	memcpy(p, mk_park, mk_park_end - mk_park);
	put_unaligned(code + (mk_park_gdt - mk_park),
		      (u64 *)(p + (mk_park_gdt_desc - mk_park) + 2));
	put_unaligned(b->mem_base + MK_PARK_IDT_OFF,
		      (u64 *)(p + (mk_park_idt_desc - mk_park) + 2));
	for (i = 0; i < 256; i++) {
		const u8 *h = i >= FIRST_EXTERNAL_VECTOR ? mk_park_irq :
			      i == X86_TRAP_NMI ? mk_park_nmi : mk_park_exception;

		mk_park_gate(&idt[i], code + (h - mk_park));
	}
	area->magic = MK_PARK_MAGIC;
	area->nr_slots = b->nr_cpus - 1;
	area->pml4 = b->mem_base + MK_PGT_OFF;
	for (i = 1; i < b->nr_cpus; i++)
		area->slots[i - 1].apicid = b->apicids[i];
}

static phys_addr_t mk_park_slot_phys(const struct mk_boot *b, unsigned int i)
{
	return b->mem_base + MK_PARK_AREA_OFF +
	       offsetof(struct mk_park_area, slots[i]);
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
			   phys_addr_t *load, phys_addr_t *initrd,
			   phys_addr_t *image_end)
{
	u64 need = max_t(u64, hdr->init_size, b->kernel_len - setup_len);
	u64 load_off, kernel_end, initrd_off;

	if (b->mem_base + b->mem_size > SZ_4G &&
	    !(hdr->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G)) {
		pr_err("instance %u: image cannot be loaded above 4 GiB, where its memory ends\n",
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
	*image_end = b->mem_base + min_t(u64, ALIGN(kernel_end, SZ_2M), b->mem_size);
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
	/*
	 * no5lvl: our trampoline enters long mode with 4-level tables, and a
	 * decompressor that switches to 5 levels wants a page below 1 MiB
	 * of its own, which the instance does not have.  swiotlb=noforce: it
	 * has no device to bounce DMA for, and in memory above 4 GiB nothing
	 * below to bounce it through.
	 */
	return snprintf(buf, len, "mk_tsc_khz=%u mk_lapic_period=%u lpj=%lu no5lvl swiotlb=noforce",
			tsc_khz, lapic_timer_period, loops_per_jiffy);
}

/*
 * Wake every CPU but the boot CPU into the park.  They share the
 * trampoline page, so each must have left it, and arrived in the park,
 * before the next is woken.
 */
static int mk_wake_into_park(const struct mk_boot *b, void *mem,
			     phys_addr_t tramp)
{
	const void *pml4 = mem + MK_PGT_OFF;
	struct mk_park_area *area = mem + MK_PARK_AREA_OFF;
	struct mk_tramp_args args = {};
	unsigned int i, ms;

	for (i = 1; i < b->nr_cpus; i++) {
		args.cr3 = b->mem_base + MK_PGT_OFF;
		args.entry = b->mem_base + MK_PARK_OFF;
		args.boot_params = mk_park_slot_phys(b, i - 1);
		args.stack = b->mem_base + MK_PARK_STACKS_OFF +
			     i * MK_PARK_STACK_SIZE;
		mk_fill_trampoline(tramp, pml4, &args);
		/* The CPU reads its trampoline and slot once it is woken. */
		wmb();
		mk_send_startup(b->apicids[i], tramp);
		for (ms = 0; READ_ONCE(area->slots[i - 1].state) != MK_PARK_ARRIVED;
		     ms++) {
			if (ms < MK_PARK_ARRIVE_MS) {
				usleep_range(1000, 1100);
				continue;
			}
			pr_err("instance %u: CPU with APIC ID %u did not arrive in its park\n",
			       b->instance, b->apicids[i]);
			for (; i >= 1; i--)
				mk_send_init(b->apicids[i]);
			return -EIO;
		}
	}
	return 0;
}

/*
 * The next start fills the trampoline page again: the boot CPU must be
 * out of it first.  One that never gets there is stopped with the rest.
 */
static int mk_wait_left(const struct mk_boot *b, phys_addr_t tramp)
{
	const u64 *left = phys_to_virt(tramp) + mk_tramp_off(mk_tramp_args) +
			  MK_TRAMP_ARG_LEFT;
	unsigned int i, ms;

	for (ms = 0; !READ_ONCE(*left); ms++) {
		if (ms < MK_PARK_ARRIVE_MS) {
			usleep_range(1000, 1100);
			continue;
		}
		pr_err("instance %u: CPU with APIC ID %u did not leave the trampoline\n",
		       b->instance, b->apicids[0]);
		for (i = 0; i < b->nr_cpus; i++)
			mk_send_init(b->apicids[i]);
		return -EIO;
	}
	return 0;
}

/* The command line, and where the park is, into the boot area @mem. */
static int mk_write_cmdline(void *mem, const struct mk_boot *b, u32 cmdline_size)
{
	u32 room = min_t(u32, cmdline_size, PAGE_SIZE);

	/* The instance finds the park through its command line. */
	if (snprintf(mem + MK_CMDLINE_OFF, room,
		     b->nr_cpus > 1 ? "%s mk_ap_park=%#llx" : "%s", b->cmdline,
		     (u64)b->mem_base + MK_PARK_AREA_OFF) < room)
		return 0;
	pr_err("instance %u: command line too long\n", b->instance);
	return -E2BIG;
}

/*
 * The boot_params the instance's kernel starts with: the image's own
 * setup header, then what we, its loader, placed where.
 */
static void mk_fill_boot_params(struct boot_params *bp, const struct mk_boot *b,
				phys_addr_t load, phys_addr_t initrd)
{
	/* The header ends where the short jump at 0x200 lands. */
	size_t hdr_len = min_t(size_t,
			       0x202 + b->kernel[0x201] - MK_SETUP_HDR_OFF,
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
}

/* The trampoline that takes the boot CPU into the image loaded at @load. */
static void mk_fill_boot_cpu(const struct mk_boot *b, void *mem,
			     phys_addr_t tramp, phys_addr_t load)
{
	struct mk_tramp_args args = {
		.cr3 = b->mem_base + MK_PGT_OFF,
		.entry = load + 0x200,
		.boot_params = b->mem_base + MK_BP_OFF,
		.stack = b->mem_base + MK_STACK_TOP_OFF,
	};

	mk_fill_trampoline(tramp, mem + MK_PGT_OFF, &args);
}

/**
 * mk_arch_instance_boot - lay out a bzImage and start it on its CPUs
 * @b: image, memory and CPUs, checked by the caller except for the image
 *
 * The first CPU of @b boots the image; the others wait in the park until
 * the instance's kernel lets them go.
 *
 * Context: process context, sleeps; the CPUs are offline and owned by the
 * caller.
 * Return: 0 when every CPU was sent INIT and STARTUP, all but the boot
 * CPU reached the park and the boot CPU left the trampoline, -ENOEXEC
 * for an image that is not a usable bzImage, -E2BIG when it does not
 * fit, -ERANGE for memory above 4 GiB and an image that cannot be loaded
 * there, -ENOSPC when the boot page tables cannot map it, -EIO when a CPU
 * did not answer,
 * -EINVAL for no CPU or too many, -ENOMEM.
 */
int mk_arch_instance_boot(const struct mk_boot *b)
{
	phys_addr_t load, initrd, image_end, tramp;
	struct setup_header hdr;
	size_t setup_len;
	void *mem;
	int err;

	if (!b->nr_cpus || b->nr_cpus > MK_INSTANCE_MAX_CPUS)
		return -EINVAL;
	if (mk_park_end - mk_park > MK_PARK_IDT_OFF - MK_PARK_OFF) {
		WARN_ONCE(1, "multikernel: the park code outgrew its page\n");
		return -E2BIG;
	}
	err = mk_bzimage_check(b, &hdr, &setup_len);
	if (err)
		return err;
	err = mk_place_images(b, &hdr, setup_len, &load, &initrd, &image_end);
	if (err)
		return err;
	tramp = mk_tramp_page;
	if (!tramp) {
		pr_err("instance %u: no free page below 1 MiB for the trampoline\n",
		       b->instance);
		return -ENOMEM;
	}

	mem = memremap(b->mem_base, b->mem_size, MEMREMAP_WB);
	if (!mem)
		return -ENOMEM;
	memset(mem, 0, MK_BOOT_AREA_SIZE);
	err = mk_write_cmdline(mem, b, hdr.cmdline_size);
	if (err)
		goto unmap;
	mk_fill_boot_params(mem + MK_BP_OFF, b, load, initrd);
	err = mk_fill_boot_map(mem, b, tramp, image_end);
	if (err)
		goto unmap;
	mk_fill_park(mem, b);

	memcpy(mem + (load - b->mem_base), b->kernel + setup_len,
	       b->kernel_len - setup_len);
	if (b->initrd_len)
		memcpy(mem + (initrd - b->mem_base), b->initrd, b->initrd_len);

	err = mk_wake_into_park(b, mem, tramp);
	if (err)
		goto unmap;

	mk_fill_boot_cpu(b, mem, tramp, load);
	memunmap(mem);
	/* Everything the CPU reads is in memory before it is woken. */
	wmb();

	pr_info("instance %u: starting on APIC ID %u (%u CPUs), kernel at %pa, trampoline at %pa\n",
		b->instance, b->apicids[0], b->nr_cpus, &load, &tramp);
	mk_send_startup(b->apicids[0], tramp);
	return mk_wait_left(b, tramp);

unmap:
	memunmap(mem);
	return err;
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

#if IS_ENABLED(CONFIG_MULTIKERNEL_KUNIT_TEST)
#include "multikernel_start_test.c"
#endif
