/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel: what the core (kernel/multikernel/) and the console driver
 * (drivers/tty/mkcon.c) exchange.  Other drivers never need it: their API
 * is <linux/multikernel.h>.
 *
 * The core lays out the region, one console area per instance in it, and
 * checks the indices of a ring with the pure functions of layout.c; the
 * driver owns what is written in the areas.  The core calls the driver
 * only through the hooks the driver registered (struct mk_console_ops),
 * never by name, so the driver sits on top of the core and nothing in the
 * core depends on it.
 *
 * The fuzzer builds layout.c, and so this file, outside the kernel:
 * nothing here may need more than <linux/types.h>.
 */
#ifndef _LINUX_MULTIKERNEL_CONSOLE_H
#define _LINUX_MULTIKERNEL_CONSOLE_H

#include <linux/types.h>

/*
 * The console of an instance: two byte rings in an area of its own.
 *
 * Output (instance -> host) is a flight recorder: the instance writes
 * whether or not anybody reads, overwriting the oldest bytes, so a host
 * that looks late still finds the end of the boot log.  Only the
 * instance writes @out_head and @out; the host keeps its read position
 * to itself.  The instance publishes @out_head after at most
 * %MK_CON_OUT_CHUNK new bytes, so a reader that sees a head knows the
 * %MK_CON_OUT_WINDOW bytes before it were whole when it looked, and
 * stay whole until the head has moved on by %MK_CON_OUT_CHUNK more.
 *
 * Input (host -> instance) is flow controlled: the host writes @in_head
 * and @in, the instance @in_tail; the host writes only where the
 * instance has read.
 *
 * Indices count bytes, run freely and wrap at 2^32; each sits in its
 * own cache line.
 */
#define MK_CON_OUT_SIZE		(128 * 1024)
#define MK_CON_OUT_CHUNK	(MK_CON_OUT_SIZE / 4)
#define MK_CON_OUT_WINDOW	(MK_CON_OUT_SIZE - MK_CON_OUT_CHUNK)
#define MK_CON_IN_SIZE		4096

/**
 * struct mk_console_area - the console rings of one instance
 * @out_head: bytes the instance has written to @out, ever
 * @pad_out: keeps @out_head alone in its cache line
 * @in_head: bytes the host has written to @in, ever
 * @pad_in_head: keeps @in_head alone in its cache line
 * @in_tail: bytes of @in the instance has consumed, ever
 * @in_bell: the instance's doorbell for new input, plus one; 0 for none
 * @pad_in_tail: fills the control part to a page
 * @out: console output, byte i at @out[i % %MK_CON_OUT_SIZE]
 * @in: console input, byte i at @in[i % %MK_CON_IN_SIZE]
 */
struct mk_console_area {
	u32 out_head;
	u8 pad_out[60];
	u32 in_head;
	u8 pad_in_head[60];
	u32 in_tail;
	u32 in_bell;
	u8 pad_in_tail[4096 - 136];
	u8 out[MK_CON_OUT_SIZE];
	u8 in[MK_CON_IN_SIZE];
};

/**
 * struct mk_con_view - what a console reader may copy from a ring now
 * @first: index of the first byte to copy
 * @count: bytes to copy
 * @lost: bytes between the reader's position and @first that were
 *	overwritten before they could be read
 */
struct mk_con_view {
	u32 first;
	u32 count;
	u32 lost;
};

int mk_con_out_view(u32 head, u32 pos, struct mk_con_view *view);
u32 mk_con_out_clobbered(u32 head, u32 first, u32 count);
int mk_con_in_view(u32 head, u32 tail, struct mk_con_view *view);
int mk_con_in_room(u32 head, u32 tail, u32 *room);
void mk_con_ring_copy(void *dst, const u8 *ring, u32 size, u32 first, u32 n);

struct kobject;

/**
 * struct mk_console_ops - what the core asks of the console driver
 * @join: an instance resets its console area; called once, while this
 *	kernel joins the region, after its messaging is up and before it
 *	publishes its new boot generation, so that a host that sees the
 *	generation sees the empty rings with it.  The host's own call
 *	must do nothing.  mk_ready() is still false.
 * @scribble: fault injection's "console" mode: make console areas
 *	impossible, as a hostile peer would, until mk_self_hostile() is
 *	false again.  Only with %CONFIG_MULTIKERNEL_FAULT_INJECTION.
 */
struct mk_console_ops {
	void (*join)(void);
	void (*scribble)(void);
};

int mk_console_register(const struct mk_console_ops *ops);
struct mk_console_area *mk_instance_console_area(u16 instance);
struct kobject *mk_instance_kobject(u16 id);
int mk_kobj_to_id(struct kobject *kobj);

#ifdef CONFIG_MULTIKERNEL_FAULT_INJECTION
bool mk_self_hostile(void);
#else
static inline bool mk_self_hostile(void) { return false; }
#endif

#endif /* _LINUX_MULTIKERNEL_CONSOLE_H */
