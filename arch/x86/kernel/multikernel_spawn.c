// SPDX-License-Identifier: GPL-2.0-only
/*
 * Platform of a kernel started as a multikernel instance.
 *
 * Such a kernel shares the machine with the kernel that started it: the
 * chipset, the firmware tables, the legacy devices and every other CPU
 * belong to that kernel.  So it reads no ACPI or MP table, programs no
 * PIC, IOAPIC, PIT, HPET or RTC, probes no PCI, and takes its TSC and
 * local APIC timer rates from the command line the host composed.  Its
 * CPUs are the one it boots on and those the host parked for it (see
 * mk_ap_park= below); its memory is what its e820 map says.  A restart or
 * power-off must never reach the machine: it parks its CPUs.
 *
 * The started kernel is recognised by X86_SUBARCH_MULTIKERNEL in its
 * boot_params, which only the host's loader sets.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/acpi.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/multikernel_arch.h>
#include <asm/apic.h>
#include <asm/i8259.h>
#include <asm/mpspec.h>
#include <asm/multikernel.h>
#include <asm/pci_x86.h>
#include <asm/pgtable.h>
#include <asm/realmode.h>
#include <asm/reboot.h>
#include <asm/setup.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <asm/tsc.h>
#include <asm/x86_init.h>

static unsigned long mk_spawn_tsc_khz;
static unsigned int mk_spawn_lapic_period __initdata;
/* Physical address of the host's struct mk_park_area, 0 if one CPU. */
static phys_addr_t mk_spawn_park_phys __ro_after_init;

static int __init mk_tsc_khz_setup(char *arg)
{
	return kstrtoul(arg, 0, &mk_spawn_tsc_khz);
}
early_param("mk_tsc_khz", mk_tsc_khz_setup);

static int __init mk_lapic_period_setup(char *arg)
{
	return kstrtouint(arg, 0, &mk_spawn_lapic_period);
}
early_param("mk_lapic_period", mk_lapic_period_setup);

static int __init mk_ap_park_setup(char *arg)
{
	u64 phys;
	int err = kstrtoull(arg, 0, &phys);

	if (!err)
		mk_spawn_park_phys = phys;
	return err;
}
early_param("mk_ap_park", mk_ap_park_setup);

static unsigned long mk_spawn_calibrate_tsc(void)
{
	/* Zero makes the kernel calibrate against the PIT, which is not ours. */
	if (!mk_spawn_tsc_khz)
		pr_err("no mk_tsc_khz= from the host, TSC rate unknown\n");
	return mk_spawn_tsc_khz;
}

static void __init mk_spawn_timer_init(void)
{
	/* No PIT or HPET: the local APIC timer is the only clock event. */
	lapic_timer_period = mk_spawn_lapic_period;
	if (!lapic_timer_period)
		pr_err("no mk_lapic_period= from the host, no timer\n");
}

static void mk_spawn_get_wallclock(struct timespec64 *now)
{
	/*
	 * The RTC belongs to the host; time starts at the epoch.  Not
	 * get_rtc_noop(): timekeeping_init() would read what it left.
	 */
	memset(now, 0, sizeof(*now));
}

static u32 __init mk_spawn_boot_apicid(void)
{
	/* The initial APIC ID is what the host sent INIT and STARTUP to. */
	if (boot_cpu_data.cpuid_level >= 0xb)
		return cpuid_edx(0xb);
	return cpuid_ebx(1) >> 24;
}

/*
 * Let a parked CPU go to secondary_startup_64.  It waits on the boot
 * page tables the host built in our boot area, which map our memory one
 * to one; with the kernel's own mapping added there, it can jump to the
 * kernel's virtual address and load init_top_pgt from there.
 */
static int mk_spawn_wake_ap(u32 apicid, unsigned long start_ip)
{
	struct mk_park_area *area;
	struct mk_park_slot *slot = NULL;
	int err = -ENODEV;
	u64 *pml4;
	u32 i;

	if (pgtable_l5_enabled())
		return -EOPNOTSUPP;
	area = memremap(mk_spawn_park_phys, sizeof(*area), MEMREMAP_WB);
	if (!area)
		return -ENOMEM;
	for (i = 0; i < min_t(u32, area->nr_slots, MK_PARK_SLOTS); i++)
		if (area->slots[i].apicid == apicid)
			slot = &area->slots[i];
	if (!slot)
		goto out;
	if (READ_ONCE(slot->state) != MK_PARK_ARRIVED) {
		/* One that left runs its play_dead() loop, not the park. */
		pr_err("CPU with APIC ID %u is not in its park (state %u); an instance brings each CPU up once\n",
		       apicid, READ_ONCE(slot->state));
		err = -EIO;
		goto out;
	}
	pml4 = memremap(area->pml4, PAGE_SIZE, MEMREMAP_WB);
	if (!pml4) {
		err = -ENOMEM;
		goto out;
	}
	pml4[PTRS_PER_PGD - 1] = pgd_val(init_top_pgt[PTRS_PER_PGD - 1]);
	memunmap(pml4);
	slot->cr3 = area->pml4;
	slot->entry = (unsigned long)secondary_startup_64;
	/* The processor reads cr3 and entry once it sees MK_PARK_GO. */
	smp_store_release(&slot->state, MK_PARK_GO);
	/* Any vector ends its halt: the park acknowledges them all. */
	mk_arch_send_ipi(apicid);
	err = 0;
out:
	memunmap(area);
	return err;
}

/* The CPUs the host parked for us, from its struct mk_park_area. */
static void __init mk_spawn_register_parked(u32 boot_apicid)
{
	struct mk_park_area *area;
	u32 i, id;

	area = early_memremap(mk_spawn_park_phys, sizeof(*area));
	if (!area) {
		pr_err("cannot map the CPU park at %pa: one CPU only\n",
		       &mk_spawn_park_phys);
		return;
	}
	if (area->magic != MK_PARK_MAGIC || area->nr_slots > MK_PARK_SLOTS) {
		pr_err("no valid CPU park at %pa: one CPU only\n",
		       &mk_spawn_park_phys);
		goto out;
	}
	for (i = 0; i < area->nr_slots; i++) {
		id = area->slots[i].apicid;
		if (id != boot_apicid)
			topology_register_apic(id, CPU_ACPIID_INVALID, true);
	}
	if (area->nr_slots)
		apic_update_callback(wakeup_secondary_cpu_64, mk_spawn_wake_ap);
out:
	early_memunmap(area, sizeof(*area));
}

static void __init mk_spawn_parse_smp_config(void)
{
	u32 boot_apicid = mk_spawn_boot_apicid();

	/* Registers the boot CPU's APIC, which is not the machine's BSP. */
	register_lapic_address(APIC_DEFAULT_PHYS_BASE);
	topology_boot_cpu_not_bsp();
	if (mk_spawn_park_phys)
		mk_spawn_register_parked(boot_apicid);
	smp_found_config = 1;
}

/*
 * Our local APIC came up in x2APIC mode when the host's run in it: stay
 * there.  IPIs between the two kernels would otherwise mix modes, and
 * one with an APIC ID above 254 cannot leave x2APIC mode at all.  Bare
 * metal wants interrupt remapping for x2APIC, and the remapping unit is
 * the host's; but we route no IOAPIC or MSI interrupt through it, only
 * IPIs and our local timer.  Without it the kernel brings up CPUs with
 * APIC IDs up to 32767 once MSIs can carry such an ID: none of ours
 * has to.  A host in xAPIC mode leaves us in xAPIC mode, as before.
 */
static bool __init mk_spawn_x2apic_available(void)
{
	return x2apic_mode;
}

static int __init mk_spawn_pci_arch_init(void)
{
	/* Returning 0 stops the PCI core from probing config space. */
	return 0;
}

static void mk_spawn_park(void)
{
	local_irq_disable();
	for (;;)
		native_halt();
}

/*
 * halt, reboot and poweroff end here with the other CPUs still running
 * tasks: stop them first (REBOOT_VECTOR to each, never a shorthand, see
 * mk_arch_machine_shared()), or the instance would live on in part.
 * Its heartbeat then stands still and the host marks it crashed.
 */
static void mk_spawn_park_all(const char *what)
{
	pr_emerg("%s of an instance: parking its CPUs\n", what);
	stop_other_cpus();
	mk_spawn_park();
}

static void mk_spawn_restart(char *cmd)
{
	mk_spawn_park_all("restart");
}

static void mk_spawn_halt(void)
{
	mk_spawn_park_all("halt");
}

/* sysrq-b, and panic=-1 once panic() has stopped the other CPUs. */
static void mk_spawn_emergency_restart(void)
{
	mk_spawn_park_all("emergency restart");
}

static void mk_spawn_shutdown(void)
{
}

/**
 * mk_spawn_init_platform - set up the platform of a started instance
 *
 * Called from x86_early_init_platform_quirks() for
 * X86_SUBARCH_MULTIKERNEL, before setup_arch() looks at any table.
 */
void __init mk_spawn_init_platform(void)
{
	x86_platform.legacy.rtc = 0;
	x86_platform.legacy.warm_reset = 0;
	x86_platform.legacy.reserve_bios_regions = 0;
	x86_platform.legacy.devices.pnpbios = 0;
	x86_platform.legacy.i8042 = X86_LEGACY_I8042_PLATFORM_ABSENT;

	/* The low 1 MiB is the host's: no real-mode trampoline of our own. */
	x86_platform.realmode_reserve = x86_init_noop;
	x86_platform.realmode_init = x86_init_noop;
	x86_platform.calibrate_cpu = mk_spawn_calibrate_tsc;
	x86_platform.calibrate_tsc = mk_spawn_calibrate_tsc;
	x86_platform.get_wallclock = mk_spawn_get_wallclock;
	x86_platform.set_wallclock = set_rtc_noop;

	x86_init.resources.probe_roms = x86_init_noop;
	x86_init.irqs.pre_vector_init = x86_init_noop;
	x86_init.timers.timer_init = mk_spawn_timer_init;
	x86_init.mpparse.find_mptable = x86_init_noop;
	x86_init.mpparse.early_parse_smp_cfg = x86_init_noop;
	x86_init.mpparse.parse_smp_cfg = mk_spawn_parse_smp_config;
	x86_init.pci.arch_init = mk_spawn_pci_arch_init;
	x86_init.hyper.x2apic_available = mk_spawn_x2apic_available;
	x86_init.hyper.msi_ext_dest_id = mk_spawn_x2apic_available;
	/*
	 * Woken one at a time: a parallel startup looks a CPU up by APIC ID
	 * and, failing, unlocks the real-mode trampoline we do not have.
	 */
	x86_cpuinit.parallel_bringup = false;
#ifdef CONFIG_PCI
	pci_probe = 0;
#endif

	legacy_pic = &null_legacy_pic;
	setup_force_cpu_cap(X86_FEATURE_TSC_KNOWN_FREQ);
	setup_force_cpu_cap(X86_FEATURE_TSC_RELIABLE);
	disable_acpi();

	machine_ops.restart = mk_spawn_restart;
	machine_ops.halt = mk_spawn_halt;
	machine_ops.power_off = mk_spawn_halt;
	machine_ops.shutdown = mk_spawn_shutdown;
	machine_ops.emergency_restart = mk_spawn_emergency_restart;
}
