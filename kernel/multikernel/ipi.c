// SPDX-License-Identifier: GPL-2.0-only
/*
 * The multikernel IPI: what a CPU does when another kernel (or another
 * CPU of ours) interrupts it through MULTIKERNEL_VECTOR.  An IPI carries
 * no sender, and one interrupt may stand for several, so every ring into
 * this instance is looked at, its doorbell word first (doorbell.c), then
 * its messages (msg.c).
 *
 * An IPI costs its sender one ICR write; walking every ring and doorbell
 * word for it costs us far more, so a peer could pin one of our CPUs with
 * a few thousand IPIs a second.  Each CPU therefore drains at most
 * MK_DRAIN_BUDGET units (a slot, a doorbell handler) and MK_DRAIN_NSEC
 * of its time per tick; time is what matters on a slow or instrumented
 * kernel, units on a fast one.  A drain
 * that spends the budget leaves the rest where it is, in the ring, and
 * arms a per-CPU hrtimer one tick out, which drains again with the next
 * tick's budget and re-arms itself for as long as it runs out.  That
 * timer is the catch-up, not an irq_work: a self-IPI lost or coalesced
 * would strand the work, while the hrtimer is driven by the CPU's own
 * clock event, which the tick needs anyway, and it is only disarmed by a
 * drain that finished within budget.  An IPI arriving with the tick's
 * budget spent costs a counter and a flag test.  The heartbeat's stranded
 * check (mk_rings_republish()) stays behind both.
 */
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include "internal.h"

/**
 * struct mk_drain - one CPU's share of the work multikernel IPIs bring
 * @budget: what it may still drain in this tick
 * @next: the ring its next drain starts at, so a ring a peer keeps full
 *	cannot take every tick's budget before the others are looked at
 * @armed: @catchup is queued or running; touched with interrupts off only
 * @catchup: drains again a tick after a drain ran out of budget.  When its
 *	CPU goes offline it migrates and runs on another CPU; it drains
 *	every ring from there, which is all it is for.
 */
struct mk_drain {
	struct mk_budget budget;
	u16 next;
	bool armed;
	struct hrtimer catchup;
};

static DEFINE_PER_CPU(struct mk_drain, mk_drain);

/*
 * Drain every ring into us, doorbells first, within what is left of the
 * CPU's budget.  Time is charged ring by ring: one ring's slots at most
 * run over it.  Return: true if the budget ran out, so work may be left.
 */
static bool mk_drain_rings(struct mk_region *r, struct mk_drain *d)
{
	struct mk_budget *b = &d->budget;
	u64 start = local_clock(), now;
	unsigned int done;
	u16 i, src;

	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		src = (d->next + i) % MK_MAX_INSTANCES;
		done = mk_bells_take(&r->rx[src], b->left);
		if (done < b->left)
			done += mk_ring_consume(&r->rx[src], mk_dispatch,
						NULL, b->left - done);
		now = local_clock();
		if (!mk_budget_charge(b, done, now - start)) {
			/* The ring cut short is served first next time. */
			d->next = src;
			atomic_long_inc(&r->drains_cut);
			return true;
		}
		start = now;
	}
	d->next = (d->next + 1) % MK_MAX_INSTANCES;
	return false;
}

static void mk_drain_later(struct mk_drain *d)
{
	if (d->armed)
		return;
	d->armed = true;
	hrtimer_start(&d->catchup, ns_to_ktime(TICK_NSEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

static enum hrtimer_restart mk_drain_catchup(struct hrtimer *t)
{
	struct mk_drain *d = container_of(t, struct mk_drain, catchup);
	struct mk_drain *here = this_cpu_ptr(&mk_drain);
	struct mk_region *r = &mk_region;

	/*
	 * Moved here when its CPU went offline: that CPU's budget and ring
	 * position are not ours to spend.  This CPU's own timer takes over.
	 */
	if (unlikely(d != here)) {
		d->armed = false;
		mk_drain_later(here);
		return HRTIMER_NORESTART;
	}
	atomic_long_inc(&r->catchups);
	if (!mk_budget_refill(&d->budget, jiffies, MK_DRAIN_BUDGET,
			      MK_DRAIN_NSEC) ||
	    mk_drain_rings(r, d)) {
		hrtimer_forward_now(t, ns_to_ktime(TICK_NSEC));
		return HRTIMER_RESTART;
	}
	d->armed = false;
	return HRTIMER_NORESTART;
}

/**
 * mk_handle_ipi - drain the rings after a multikernel IPI
 *
 * Called by the architecture's vector handler after the EOI, in hard
 * interrupt context.  Every ring into this instance is looked at, its
 * doorbells and its messages: an IPI carries no sender, and one
 * interrupt may stand for several.  Within the CPU's budget for the
 * tick; the catch-up timer takes what is over it.
 */
void mk_handle_ipi(void)
{
	struct mk_region *r = &mk_region;
	struct mk_drain *d;

	if (!mk_ready())
		return;
	atomic_long_inc(&r->ipis_received);
	d = this_cpu_ptr(&mk_drain);
	if (!mk_budget_refill(&d->budget, jiffies, MK_DRAIN_BUDGET,
			      MK_DRAIN_NSEC)) {
		atomic_long_inc(&r->ipis_deferred);
		mk_drain_later(d);
		return;
	}
	if (mk_drain_rings(r, d))
		mk_drain_later(d);
}

/**
 * mk_ipi_start - set up each CPU's catch-up timer
 *
 * Called once at join, before mk_ready() says yes: the handler ignores
 * IPIs until then.
 */
void __init mk_ipi_start(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct mk_drain *d = per_cpu_ptr(&mk_drain, cpu);

		/* Hard: handlers are promised hard interrupt context. */
		hrtimer_init(&d->catchup, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
		d->catchup.function = mk_drain_catchup;
	}
}
