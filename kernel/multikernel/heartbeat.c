// SPDX-License-Identifier: GPL-2.0-only
/*
 * Liveness of this instance, as the others see it.
 *
 * Once a second a timer bumps the heartbeat in our instance entry and
 * writes everything we own in the region again from our private copies
 * (mk_republish()): a peer that watches the counter knows we run, and
 * whatever a peer scribbled over our part is gone a second after it
 * stops.  A kernel that panics says so in its entry at once, so its
 * peers stop talking to it instead of waiting for the heartbeat to stand
 * still.
 */
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/timer.h>
#include "internal.h"

/**
 * mk_republish - write everything this kernel owns in the region again
 * @r: the region
 *
 * Our instance entry, the indices of our rings and, on instance 0, the
 * header.  Called every heartbeat: whatever a peer scribbled over them is
 * gone a second after it stops, and nothing we own is read back.
 */
void mk_republish(struct mk_region *r)
{
	if (r->self == 0)
		memcpy(r->hdr, &r->hdr_own, sizeof(r->hdr_own));
	mk_publish_self(r);
	mk_rings_republish(r);
}

static int mk_panic_notify(struct notifier_block *nb, unsigned long event,
			   void *unused)
{
	/* Peers stop talking to us at once instead of waiting for a timeout. */
	mk_instance_set_state(mk_region.self, MK_INSTANCE_CRASHED);
	return NOTIFY_DONE;
}

static struct notifier_block mk_panic_nb = {
	.notifier_call = mk_panic_notify,
};

static void mk_heartbeat(struct timer_list *t)
{
	struct mk_region *r = from_timer(r, t, heartbeat);

	/* Only this timer writes it; the region's copy is never read back. */
	WRITE_ONCE(r->me.heartbeat, r->me.heartbeat + 1);
	if (!mk_hostile(r))
		mk_republish(r);
	mod_timer(&r->heartbeat, jiffies + HZ);
}

/**
 * mk_heartbeat_start - start beating and watch for our own panic
 * @r: the region, with our entry published
 *
 * The timer and the notifier live as long as this kernel does.
 */
void __init mk_heartbeat_start(struct mk_region *r)
{
	timer_setup(&r->heartbeat, mk_heartbeat, 0);
	mod_timer(&r->heartbeat, jiffies + HZ);
	atomic_notifier_chain_register(&panic_notifier_list, &mk_panic_nb);
}
