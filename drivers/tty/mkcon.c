// SPDX-License-Identifier: GPL-2.0-only
/*
 * The console of an instance, as the host kernel sees it: /dev/mkcon<N>.
 *
 * Every instance owns a console area in the region (struct
 * mk_console_area): an output ring it fills with its kernel log and with
 * what is written to its console tty, and an input ring the host fills
 * with what is written to /dev/mkcon<N> on the host.
 *
 * In an instance, "mkcon" is a console (console=mkcon, or mkcon0) and a
 * tty with one line, /dev/mkcon0, which /dev/console names when the
 * console is the preferred one.  Before the instance enters the instance
 * table it resets its area; once it has, it copies what printk already
 * logged into the ring and registers the console, so the host finds the
 * boot log from its first line.
 *
 * On the host, /dev/mkcon<N> is instance N's console.  Opened, it shows
 * the oldest output still in the ring and then whatever follows; what is
 * written to it becomes the instance's console input.
 *
 * Nothing runs while nobody looks.  The host polls output every
 * %MK_CON_POLL_MS only while a /dev/mkcon<N> is open: output never waits
 * for it, and a reader opening late starts at the oldest byte the ring
 * still holds anyway.  Input rings a doorbell the instance registered and
 * named in its area (in_bell), so an instance polls nothing; one that
 * could get no doorbell polls its input instead.
 *
 * Trust: the host reads only the instance's own area, at offsets masked
 * to the ring sizes, and checks every index the instance wrote with the
 * pure functions of layout.c before it copies a byte: a head behind the
 * host's position, or an input tail that claims bytes the host never
 * wrote, is counted (out_bad, in_bad) and nothing is read or written; a
 * head that stays impossible for a second (%MK_CON_RESYNC) is taken as
 * the new position (out_resync).  Output is copied into a private buffer
 * and kept only as far as the instance cannot have overwritten it while
 * it was copied.  The bytes themselves are only characters.
 *
 * The instance checks the input head the same way: an impossible one is
 * counted (in_bad), and one still impossible a second later is taken as
 * the new tail (in_resync), whatever lies between unread.  Our tail may
 * be what is wrong (we read bytes the host never wrote, under a head a
 * peer moved), and then nothing else would ever bring input back: the
 * host, seeing that tail ahead of its head, writes nothing more.  The
 * host binds the input doorbell only to the boot whose generation it
 * read before the doorbell's number.
 *
 * The core knows nothing of this driver but the hooks it registers
 * (struct mk_console_ops, <linux/multikernel_console.h>): the reset of
 * our area in the join, and fault injection's scribble.  Everything else
 * is the driver calling down into the core's API.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/console.h>
#include <linux/ctype.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kmsg_dump.h>
#include <linux/minmax.h>
#include <linux/multikernel.h>
#include <linux/multikernel_console.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/timer.h>
#include <linux/tty.h>
#include <linux/tty_flip.h>
#include <linux/workqueue.h>

#define MK_CON_POLL_MS		20
/* How long an output head may stay impossible before we follow it. */
#define MK_CON_RESYNC		HZ
/* Bytes copied out of an output ring at a time. */
#define MK_CON_BOUNCE		1024
/* Newlines the host's scribble puts in an input ring, at most. */
#define MK_CON_SCRIBBLE_IN	32
/* A printk record, as the replay of the log at boot formats it. */
#define MK_CON_LINE		1024

/**
 * struct mk_con_stats - what happened on one console
 * @out_bytes: output bytes handed to the tty (host) or written (instance)
 * @out_lost: output bytes overwritten before the host could read them
 * @out_bad: times the output head became impossible (behind our position)
 * @out_resync: times we took an impossible output head as our position
 * @in_bytes: input bytes written (host) or handed to the tty (instance)
 * @in_dropped: input bytes thrown away: the instance was not running,
 *	its ring was impossible, or nobody had the console open
 * @in_bad: times an input index (the tail on the host, the head on the
 *	instance) claimed more than a ring
 * @in_bells: host: times input rang the instance's doorbell
 * @in_resync: instance: times we took an impossible input head as our tail
 */
struct mk_con_stats {
	u64 out_bytes;
	u64 out_lost;
	u64 out_bad;
	u64 out_resync;
	u64 in_bytes;
	u64 in_dropped;
	u64 in_bad;
	u64 in_bells;
	u64 in_resync;
};

/**
 * struct mk_con - one console: a viewer on the host, or our own console
 * @port: the tty port of /dev/mkcon<N>
 * @area: the console area in the region
 * @id: instance whose console this is
 * @lock: host: serialises the poll, the tty's writes and its opening
 * @out_lock: instance: serialises the console and the tty writing output;
 *	nothing under it may print, the console itself takes it
 * @generation: host: boot generation of the instance @pos belongs to
 * @pos: host: index of the next output byte to read
 * @bad_since: host: when the output head became impossible
 * @bad: host: the output head is impossible since @bad_since
 * @out_head: instance: bytes of output written; published to the area
 * @in_head: host: bytes of input written; published to the area
 * @in_tail: instance: bytes of input consumed; published to the area
 * @in_was_bad: the input ring was impossible at the last look
 * @in_bad_since: instance: when the input head became impossible
 * @in_bell: host: the instance's doorbell for input, bound on first use
 * @stats: counters, in sysfs instances/<N>/console/
 * @bounce: host: private copy of output before it is trusted
 */
struct mk_con {
	struct tty_port port;
	struct mk_console_area *area;
	u16 id;
	spinlock_t lock;		/* host: poll, tty writes, open */
	raw_spinlock_t out_lock;	/* instance: output ring */
	u64 generation;
	u32 pos;
	unsigned long bad_since;
	bool bad;
	u32 out_head;
	u32 in_head;
	u32 in_tail;
	bool in_was_bad;
	unsigned long in_bad_since;
	struct mk_bell in_bell;
	struct mk_con_stats stats;
	u8 bounce[MK_CON_BOUNCE];
};

static struct mk_con mk_cons[MK_MAX_INSTANCES];
static struct tty_driver *mk_con_driver;
static struct timer_list mk_con_timer;
/*
 * Instance: input to take, when the host rang our doorbell, or a second
 * after the input head went impossible, to see whether it still is.
 */
static struct delayed_work mk_con_in_work;

static bool mk_con_is_host(void)
{
	return mk_self_instance() == 0;
}

/* Line of our tty driver to console: instance N on the host, us otherwise. */
static struct mk_con *mk_con_of_line(unsigned int line)
{
	return &mk_cons[mk_con_is_host() ? line : mk_self_instance()];
}

/* ---- the instance: output into our ring, input from the host ---- */

/* Caller holds @c->out_lock. */
static void mk_con_out(struct mk_con *c, const u8 *buf, size_t len)
{
	struct mk_console_area *a = c->area;

	while (len) {
		u32 off = c->out_head & (MK_CON_OUT_SIZE - 1);
		u32 n = min3(len, (size_t)MK_CON_OUT_CHUNK,
			     (size_t)(MK_CON_OUT_SIZE - off));

		/*
		 * The head we published is seen before the bytes we now
		 * overwrite: pairs with the smp_rmb() in mk_con_host_copy().
		 */
		smp_wmb();
		memcpy(&a->out[off], buf, n);
		c->out_head += n;
		c->stats.out_bytes += n;
		buf += n;
		len -= n;
		/* Fault injection keeps its garbage head until restore. */
		if (!mk_self_hostile())
			/* The bytes before the head that names them. */
			smp_store_release(&a->out_head, c->out_head);
	}
}

static void mk_con_console_write(struct console *con, const char *s,
				 unsigned int n)
{
	struct mk_con *c = &mk_cons[mk_self_instance()];
	unsigned long flags;

	/* In an oops the lock may be held by the CPU that died. */
	if (oops_in_progress) {
		if (!raw_spin_trylock_irqsave(&c->out_lock, flags))
			return;
	} else {
		raw_spin_lock_irqsave(&c->out_lock, flags);
	}
	mk_con_out(c, s, n);
	raw_spin_unlock_irqrestore(&c->out_lock, flags);
}

static struct tty_driver *mk_con_console_device(struct console *con,
						int *index)
{
	*index = 0;
	/* NULL until the tty is registered: pairs with mk_con_tty_init(). */
	return smp_load_acquire(&mk_con_driver);
}

static struct console mk_con_console = {
	.name	= "mkcon",
	.write	= mk_con_console_write,
	.device	= mk_con_console_device,
	.index	= -1,
};

/*
 * Hand what the host wrote to our tty, or drop it if nobody has the
 * console open.  Only mk_con_in_work, or the poll timer of an instance
 * without a doorbell, runs this.
 */
static void mk_con_self_input(struct mk_con *c)
{
	struct mk_console_area *a = c->area;
	struct mk_con_view v;
	u32 head, n = 0, off, len;
	bool open;

	/* The bytes before the head that names them: pairs with the host. */
	head = smp_load_acquire(&a->in_head);
	if (mk_con_in_view(head, c->in_tail, &v)) {
		if (!c->in_was_bad) {
			c->in_was_bad = true;
			c->in_bad_since = jiffies;
			c->stats.in_bad++;
		} else if (time_after(jiffies,
				      c->in_bad_since + MK_CON_RESYNC)) {
			/*
			 * Not a scribble the host heals at its next look:
			 * its head and our tail disagree.  What lies between
			 * is not to be trusted; start afresh at its head.
			 */
			c->in_tail = head;
			c->in_was_bad = false;
			c->stats.in_resync++;
		}
		return;
	}
	c->in_was_bad = false;
	open = tty_port_initialized(&c->port);
	while (n < v.count) {
		off = (v.first + n) & (MK_CON_IN_SIZE - 1);
		len = min(v.count - n, MK_CON_IN_SIZE - off);
		if (!open) {
			c->stats.in_dropped += len;
			n += len;
			continue;
		}
		len = tty_insert_flip_string(&c->port, &a->in[off], len);
		if (!len)
			break;
		c->stats.in_bytes += len;
		n += len;
	}
	if (open && n)
		tty_flip_buffer_push(&c->port);
	c->in_tail += n;
}

static void mk_con_self_poll(struct mk_con *c)
{
	unsigned long flags;

	mk_con_self_input(c);
	if (mk_self_hostile())
		return;
	raw_spin_lock_irqsave(&c->out_lock, flags);
	/*
	 * What we own, written again: a scribble heals within a poll.  The
	 * bytes before the head that names them.
	 */
	smp_store_release(&c->area->out_head, c->out_head);
	raw_spin_unlock_irqrestore(&c->out_lock, flags);
	/* We read the bytes before we give them back to the host. */
	smp_store_release(&c->area->in_tail, c->in_tail);
}

static void mk_con_self_work(struct work_struct *work)
{
	struct mk_con *c = &mk_cons[mk_self_instance()];

	mk_con_self_poll(c);
	/* Nothing may ring again: look once more when a resync is due. */
	if (c->in_was_bad)
		schedule_delayed_work(&mk_con_in_work, MK_CON_RESYNC + 1);
}

/* Any kernel may ring it: a ring that brings no input costs one look. */
static void mk_con_in_rung(u16 src_instance, void *ctx)
{
	mod_delayed_work(system_wq, &mk_con_in_work, 0);
}

/*
 * Name our input doorbell to the host, then take the input it may have
 * written before it could ring.  False if we must poll instead.
 */
static bool __init mk_con_self_bell(struct mk_con *c)
{
	int bell;

	INIT_DELAYED_WORK(&mk_con_in_work, mk_con_self_work);
	bell = mk_bell_register(mk_con_in_rung, NULL);
	if (bell < 0) {
		pr_warn("console: no doorbell for input (%d): polling it\n",
			bell);
		return false;
	}
	WRITE_ONCE(c->area->in_bell, bell + 1);
	/* The bell before the head: pairs with mk_con_host_kick(). */
	smp_mb();
	mod_delayed_work(system_wq, &mk_con_in_work, 0);
	return true;
}

/**
 * mk_con_join - reset our console area before we enter the table
 *
 * The core calls this (&mk_console_ops.join) in an instance before it
 * publishes its new boot generation, so a host that sees the generation
 * sees the empty ring with it.  Input the host wrote before we started
 * is dropped.
 */
static void mk_con_join(void)
{
	u16 self = mk_self_instance();
	struct mk_con *c = &mk_cons[self];

	if (mk_con_is_host())
		return;
	c->area = mk_instance_console_area(self);
	c->id = self;
	raw_spin_lock_init(&c->out_lock);
	c->in_tail = READ_ONCE(c->area->in_head);
	WRITE_ONCE(c->area->out_head, 0);
	WRITE_ONCE(c->area->in_tail, c->in_tail);
	/* Our last boot's doorbell is not this boot's. */
	WRITE_ONCE(c->area->in_bell, 0);
	/* The empty ring before the generation: pairs with the host's rmb. */
	smp_wmb();
}

/*
 * Write the lines of one record that a console would print: "<N>" in
 * front of each gives the facility * 8 + level, and is not shown.
 */
static void __init mk_con_replay_record(struct mk_con *c, char *rec,
					size_t len)
{
	char *end = rec + len, *eol, *text;
	unsigned int prio;
	unsigned long flags;

	for (; rec < end; rec = eol) {
		eol = memchr(rec, '\n', end - rec);
		eol = eol ? eol + 1 : end;
		if (*rec != '<')
			continue;
		prio = 0;
		for (text = rec + 1; text < eol && isdigit(*text); text++)
			prio = prio * 10 + *text - '0';
		if (text == eol || *text != '>' ||
		    (prio & 7) >= console_loglevel)
			continue;
		text++;
		raw_spin_lock_irqsave(&c->out_lock, flags);
		mk_con_out(c, text, eol - text);
		raw_spin_unlock_irqrestore(&c->out_lock, flags);
	}
}

/*
 * What printk logged before the console was registered, as a console
 * would have shown it: records at a level the console prints, with their
 * time stamps.  The console itself starts with the next record; a record
 * logged between the two by another CPU is not shown.
 */
static void __init mk_con_replay(struct mk_con *c)
{
	static char rec[MK_CON_LINE] __initdata;
	struct kmsg_dump_iter iter;
	size_t len;

	kmsg_dump_rewind(&iter);
	while (kmsg_dump_get_line(&iter, true, rec, sizeof(rec), &len))
		mk_con_replay_record(c, rec, len);
}

static int __init mk_con_instance_init(void)
{
	if (!mk_ready() || mk_con_is_host())
		return 0;
	mk_con_replay(&mk_cons[mk_self_instance()]);
	register_console(&mk_con_console);
	return 0;
}

/* Right after the region: the log goes to the host from here on. */
core_initcall_sync(mk_con_instance_init);

/* ---- the host: /dev/mkcon<N> ---- */

/*
 * Copy up to @n bytes from index @first into the bounce buffer and
 * return how many leading ones the instance may have overwritten
 * meanwhile.  Offsets are masked: nothing outside the ring is read.
 */
static u32 mk_con_host_copy(struct mk_con *c, u32 first, u32 n)
{
	mk_con_ring_copy(c->bounce, c->area->out, MK_CON_OUT_SIZE, first, n);
	/* Copy, then the head: pairs with the smp_wmb() in mk_con_out(). */
	smp_rmb();
	return mk_con_out_clobbered(READ_ONCE(c->area->out_head), first, n);
}

/* The instance restarted: its new log starts at index 0. */
static void mk_con_host_follow(struct mk_con *c)
{
	u64 gen;

	if (mk_instance_info(c->id, NULL, &gen, NULL) < 0 ||
	    gen == c->generation)
		return;
	c->generation = gen;
	c->pos = 0;
	c->bad = false;
	/* The generation before the head: pairs with mk_console_join(). */
	smp_rmb();
}

/* Caller holds @c->lock.  Return: whether anything went to the tty. */
static bool mk_con_host_output(struct mk_con *c)
{
	u32 budget = MK_CON_OUT_SIZE, n, skip, pushed;
	struct mk_con_stats *st = &c->stats;
	struct mk_con_view v;
	bool any = false;

	mk_con_host_follow(c);
	while (budget) {
		/* The bytes before the head that names them. */
		if (mk_con_out_view(smp_load_acquire(&c->area->out_head),
				    c->pos, &v)) {
			if (!c->bad) {
				c->bad = true;
				c->bad_since = jiffies;
				st->out_bad++;
			} else if (time_after(jiffies,
					      c->bad_since + MK_CON_RESYNC)) {
				c->pos = READ_ONCE(c->area->out_head);
				c->bad = false;
				st->out_resync++;
			}
			break;
		}
		c->bad = false;
		c->pos += v.lost;
		st->out_lost += v.lost;
		n = min3(v.count, budget, (u32)MK_CON_BOUNCE);
		if (!n)
			break;
		skip = mk_con_host_copy(c, v.first, n);
		c->pos += skip;
		st->out_lost += skip;
		pushed = tty_insert_flip_string(&c->port, c->bounce + skip,
						n - skip);
		c->pos += pushed;
		st->out_bytes += pushed;
		budget -= n;
		any |= pushed;
		/* The tty's buffers are full: the rest waits for a poll. */
		if (pushed < n - skip)
			break;
	}
	return any;
}

/* Room for input right now; 0 also when input is to be dropped. */
static int mk_con_host_room(struct mk_con *c, u32 *room)
{
	/* The instance read the bytes before it gave them back. */
	u32 tail = smp_load_acquire(&c->area->in_tail);

	if (mk_instance_info(c->id, NULL, NULL, NULL) != MK_INSTANCE_RUNNING)
		return -EHOSTDOWN;
	if (mk_con_in_room(c->in_head, tail, room)) {
		if (!c->in_was_bad)
			c->stats.in_bad++;
		c->in_was_bad = true;
		return -ERANGE;
	}
	c->in_was_bad = false;
	return 0;
}

/*
 * Bind the instance's input doorbell, of the boot it runs now.  Its
 * number, read before the generation, could be the last boot's; bound
 * with the new one, it would ring another doorbell of the instance for
 * the whole boot.  So: the generation, then the number, then the bind,
 * which reads the generation again and must find it unchanged.
 */
static int mk_con_host_bind(struct mk_con *c)
{
	u32 bell, apicid;
	u64 gen;

	if (mk_instance_info(c->id, NULL, &gen, &apicid) !=
	    MK_INSTANCE_RUNNING)
		return -EHOSTDOWN;
	/* Pairs with the smp_wmb() in mk_console_join(). */
	smp_rmb();
	bell = READ_ONCE(c->area->in_bell);
	if (!bell)
		return -ENOENT;
	/* The number before the generation the bind reads. */
	smp_rmb();
	if (mk_bell_bind(&c->in_bell, c->id, apicid, bell - 1))
		return -EINVAL;
	if (c->in_bell.generation != gen) {
		c->in_bell.bound = false;
		return -EAGAIN;
	}
	return 0;
}

/*
 * Tell the instance it has input, or that its tail may need writing
 * again.  The doorbell's number is the instance's word: mk_bell_bind()
 * checks it, and a wrong one rings only another doorbell of its own.
 * Caller holds @c->lock.
 */
static void mk_con_host_kick(struct mk_con *c)
{
	/* The head before the bell number: pairs with mk_con_self_bell(). */
	smp_mb();
	/* Not bound yet, or bound to an earlier boot: bind, then ring. */
	if (mk_bell_ring(&c->in_bell) &&
	    (mk_con_host_bind(c) || mk_bell_ring(&c->in_bell)))
		return;
	c->stats.in_bells++;
}

/* Return: whether the console is open, and wants polling on. */
static bool mk_con_host_poll(struct mk_con *c)
{
	struct tty_struct *tty;
	unsigned long flags;
	bool pushed;
	u32 room;
	int err;

	tty = tty_port_tty_get(&c->port);
	spin_lock_irqsave(&c->lock, flags);
	/*
	 * What we own, written again: a scribble heals within a poll.  Under
	 * the lock, so an older head never follows a newer one.  Fault
	 * injection keeps its garbage until restore.
	 */
	if (!mk_self_hostile())
		WRITE_ONCE(c->area->in_head, c->in_head);
	if (!tty) {
		spin_unlock_irqrestore(&c->lock, flags);
		return false;
	}
	/* Not before the first open has set where to read from. */
	pushed = tty_port_initialized(&c->port) && mk_con_host_output(c);
	err = mk_con_host_room(c, &room);
	spin_unlock_irqrestore(&c->lock, flags);
	if (pushed)
		tty_flip_buffer_push(&c->port);
	/* A writer waiting for room, or for input to be dropped. */
	if (err || room)
		tty_wakeup(tty);
	tty_kref_put(tty);
	return true;
}

static ssize_t mk_con_host_write(struct tty_struct *tty, const u8 *buf,
				 size_t count)
{
	struct mk_con *c = tty->driver_data;
	struct mk_console_area *a = c->area;
	unsigned long flags;
	u32 room, off, n, part;

	spin_lock_irqsave(&c->lock, flags);
	if (mk_con_host_room(c, &room)) {
		/* Nobody to type to, or a ring that makes no sense. */
		c->stats.in_dropped += count;
		n = count;
		goto unlock;
	}
	n = min_t(size_t, count, room);
	off = c->in_head & (MK_CON_IN_SIZE - 1);
	part = min(n, MK_CON_IN_SIZE - off);
	memcpy(&a->in[off], buf, part);
	memcpy(a->in, buf + part, n - part);
	c->in_head += n;
	c->stats.in_bytes += n;
	/* Fault injection keeps its garbage head until restore. */
	if (!mk_self_hostile())
		/* The bytes before the head that names them. */
		smp_store_release(&a->in_head, c->in_head);
unlock:
	/* Dropped input rings too: a tail the instance wrote again heals. */
	mk_con_host_kick(c);
	spin_unlock_irqrestore(&c->lock, flags);
	return n;
}

static unsigned int mk_con_host_write_room(struct tty_struct *tty)
{
	struct mk_con *c = tty->driver_data;
	unsigned long flags;
	u32 room;

	spin_lock_irqsave(&c->lock, flags);
	if (mk_con_host_room(c, &room))
		room = MK_CON_IN_SIZE;
	spin_unlock_irqrestore(&c->lock, flags);
	return room;
}

/* First open: start at the oldest output still in the ring. */
static int mk_con_host_activate(struct tty_port *port, struct tty_struct *tty)
{
	struct mk_con *c = container_of(port, struct mk_con, port);
	unsigned long flags;
	u32 head;

	spin_lock_irqsave(&c->lock, flags);
	mk_con_host_follow(c);
	head = READ_ONCE(c->area->out_head);
	c->pos = head < MK_CON_OUT_WINDOW ? 0 : head - MK_CON_OUT_WINDOW;
	c->bad = false;
	spin_unlock_irqrestore(&c->lock, flags);
	/* The poll stops once no console is open: see mk_con_poll(). */
	timer_reduce(&mk_con_timer, jiffies + msecs_to_jiffies(MK_CON_POLL_MS));
	return 0;
}

static const struct tty_port_operations mk_con_host_port_ops = {
	.activate	= mk_con_host_activate,
};

#ifdef CONFIG_MULTIKERNEL_FAULT_INJECTION
/*
 * The instance's scribble: the output head goes far behind where the
 * host reads, the input tail ahead of what the host wrote.
 */
static void mk_con_self_scribble(struct mk_con *c)
{
	/* Drawn first: nothing that may print runs under the output lock. */
	u32 back = 3 * MK_CON_OUT_SIZE + get_random_u32_below(1U << 30);
	u32 ahead = MK_CON_IN_SIZE + 1 + get_random_u32_below(1U << 30);
	unsigned long flags;

	if (!c->area)
		return;
	raw_spin_lock_irqsave(&c->out_lock, flags);
	WRITE_ONCE(c->area->out_head, c->out_head - back);
	raw_spin_unlock_irqrestore(&c->out_lock, flags);
	WRITE_ONCE(c->area->in_tail, c->in_tail + ahead);
}

/*
 * The host's scribble, as a peer that writes our word: the input head of
 * each running instance moves ahead of what we wrote, over newlines we
 * never counted, and its doorbell rings.  The instance reads them (empty
 * lines to its shell), so its tail passes our head: once we write our
 * head again, at restore, it is impossible to the instance, and input
 * works only after the instance resyncs.
 */
static void mk_con_host_scribble(void)
{
	u32 extra = 1 + get_random_u32_below(MK_CON_SCRIBBLE_IN);
	unsigned long flags;
	struct mk_con *c;
	u32 room, n, i;
	u16 id;

	for (id = 1; id < MK_MAX_INSTANCES; id++) {
		c = &mk_cons[id];
		if (!c->area)
			continue;
		spin_lock_irqsave(&c->lock, flags);
		if (!mk_con_host_room(c, &room) && room) {
			n = min(extra, room);
			for (i = 0; i < n; i++)
				c->area->in[(c->in_head + i) &
					    (MK_CON_IN_SIZE - 1)] = '\n';
			/* The bytes before the head that names them. */
			smp_store_release(&c->area->in_head, c->in_head + n);
			mk_con_host_kick(c);
		}
		spin_unlock_irqrestore(&c->lock, flags);
	}
}

/**
 * mk_con_scribble - make console areas impossible, for tests
 *
 * The core calls this (&mk_console_ops.scribble) with the region hostile,
 * so that nothing is republished.  In an instance, our own area: the
 * output head goes far behind where the host reads, the input tail ahead
 * of what the host wrote.  Output is still written, unpublished.  On the
 * host, the input head of every running instance: ahead of what we wrote,
 * by up to %MK_CON_SCRIBBLE_IN newlines the instance takes as input.  Once
 * hostile is cleared the next poll writes the real indices again.
 */
static void mk_con_scribble(void)
{
	if (mk_con_is_host())
		mk_con_host_scribble();
	else
		mk_con_self_scribble(&mk_cons[mk_self_instance()]);
}
#endif /* CONFIG_MULTIKERNEL_FAULT_INJECTION */

static const struct mk_console_ops mk_con_core_ops = {
	.join		= mk_con_join,
#ifdef CONFIG_MULTIKERNEL_FAULT_INJECTION
	.scribble	= mk_con_scribble,
#endif
};

/* Before the core joins the region (core_initcall): it calls our join. */
static int __init mk_con_register(void)
{
	return mk_console_register(&mk_con_core_ops);
}
pure_initcall(mk_con_register);

/* ---- the tty, on either side ---- */

/*
 * The host: output of the open consoles; it stops when none is, and the
 * next open starts it again.  An instance without an input doorbell:
 * its input, always.
 */
static void mk_con_poll(struct timer_list *t)
{
	bool again = true;
	u16 i;

	if (mk_con_is_host()) {
		again = false;
		for (i = 1; i < MK_MAX_INSTANCES; i++)
			again |= mk_con_host_poll(&mk_cons[i]);
	} else {
		mk_con_self_poll(&mk_cons[mk_self_instance()]);
	}
	if (again)
		mod_timer(&mk_con_timer,
			  jiffies + msecs_to_jiffies(MK_CON_POLL_MS));
}

static ssize_t mk_con_self_write(struct tty_struct *tty, const u8 *buf,
				 size_t count)
{
	struct mk_con *c = tty->driver_data;
	unsigned long flags;

	raw_spin_lock_irqsave(&c->out_lock, flags);
	mk_con_out(c, buf, count);
	raw_spin_unlock_irqrestore(&c->out_lock, flags);
	return count;
}

static unsigned int mk_con_self_write_room(struct tty_struct *tty)
{
	/* Output never waits for the host. */
	return MK_CON_OUT_CHUNK;
}

static int mk_con_install(struct tty_driver *driver, struct tty_struct *tty)
{
	struct mk_con *c = mk_con_of_line(tty->index);

	/* Line 0 on the host would be the host's own console: none here. */
	if (mk_con_is_host() && !tty->index)
		return -ENODEV;

	tty->driver_data = c;
	return tty_port_install(&c->port, driver, tty);
}

static int mk_con_open(struct tty_struct *tty, struct file *filp)
{
	return tty_port_open(tty->port, tty, filp);
}

static void mk_con_close(struct tty_struct *tty, struct file *filp)
{
	tty_port_close(tty->port, tty, filp);
}

static void mk_con_hangup(struct tty_struct *tty)
{
	tty_port_hangup(tty->port);
}

static const struct tty_operations mk_con_host_ops = {
	.install	= mk_con_install,
	.open		= mk_con_open,
	.close		= mk_con_close,
	.hangup		= mk_con_hangup,
	.write		= mk_con_host_write,
	.write_room	= mk_con_host_write_room,
};

static const struct tty_operations mk_con_self_ops = {
	.install	= mk_con_install,
	.open		= mk_con_open,
	.close		= mk_con_close,
	.hangup		= mk_con_hangup,
	.write		= mk_con_self_write,
	.write_room	= mk_con_self_write_room,
};

static const struct tty_port_operations mk_con_self_port_ops = {};

/* ---- counters: /sys/kernel/multikernel/instances/<N>/console/ ---- */

struct mk_con_stat_attr {
	struct kobj_attribute attr;
	size_t offset;
};

static ssize_t mk_con_stat_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	const struct mk_con_stat_attr *sa =
		container_of(attr, struct mk_con_stat_attr, attr);
	int id = mk_kobj_to_id(kobj);
	const struct mk_con *c;

	if (id < 0)
		return id;
	c = &mk_cons[id];
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(*(u64 *)((u8 *)&c->stats + sa->offset)));
}

#define MK_CON_STAT(m)	offsetof(struct mk_con_stats, m)

static const struct {
	const char *name;
	size_t offset;
} mk_con_stat_desc[] = {
	{ "out_bytes",	MK_CON_STAT(out_bytes) },
	{ "out_lost",	MK_CON_STAT(out_lost) },
	{ "out_bad",	MK_CON_STAT(out_bad) },
	{ "out_resync",	MK_CON_STAT(out_resync) },
	{ "in_bytes",	MK_CON_STAT(in_bytes) },
	{ "in_dropped",	MK_CON_STAT(in_dropped) },
	{ "in_bad",	MK_CON_STAT(in_bad) },
	{ "in_bells",	MK_CON_STAT(in_bells) },
	{ "in_resync",	MK_CON_STAT(in_resync) },
};

static struct mk_con_stat_attr mk_con_stat_attrs[ARRAY_SIZE(mk_con_stat_desc)];
static struct attribute *mk_con_attrs[ARRAY_SIZE(mk_con_stat_attrs) + 1];

static const struct attribute_group mk_con_group = {
	.name	= "console",
	.attrs	= mk_con_attrs,
};

static void __init mk_con_sysfs_init(void)
{
	struct kobject *kobj;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mk_con_stat_desc); i++) {
		struct mk_con_stat_attr *sa = &mk_con_stat_attrs[i];

		sa->attr.attr.name = mk_con_stat_desc[i].name;
		sa->attr.attr.mode = 0444;
		sa->attr.show = mk_con_stat_show;
		sa->offset = mk_con_stat_desc[i].offset;
		mk_con_attrs[i] = &sa->attr.attr;
	}
	for (i = 1; i < MK_MAX_INSTANCES; i++) {
		kobj = mk_instance_kobject(i);
		if (kobj && sysfs_create_group(kobj, &mk_con_group))
			pr_warn("instance %u: no console counters in sysfs\n", i);
	}
}

static int __init mk_con_tty_init(void)
{
	bool host = mk_con_is_host();
	struct tty_driver *drv;
	struct device *dev;
	u16 i;
	int err;

	if (!mk_ready())
		return 0;
	drv = tty_alloc_driver(host ? MK_MAX_INSTANCES : 1,
			       TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(drv))
		return PTR_ERR(drv);
	drv->driver_name = "mkcon";
	drv->name = "mkcon";
	drv->type = TTY_DRIVER_TYPE_SYSTEM;
	drv->init_termios = tty_std_termios;
	if (host) {
		/* Bytes as they are: the instance's tty does the cooking. */
		drv->init_termios.c_iflag = 0;
		drv->init_termios.c_oflag = 0;
		drv->init_termios.c_lflag = 0;
	}
	tty_set_operations(drv, host ? &mk_con_host_ops : &mk_con_self_ops);
	/* Before any open can start it. */
	timer_setup(&mk_con_timer, mk_con_poll, 0);

	for (i = host ? 1 : mk_self_instance(); i < MK_MAX_INSTANCES; i++) {
		struct mk_con *c = &mk_cons[i];

		tty_port_init(&c->port);
		c->port.ops = host ? &mk_con_host_port_ops :
				     &mk_con_self_port_ops;
		if (!host)
			break;
		c->id = i;
		c->area = mk_instance_console_area(i);
		spin_lock_init(&c->lock);
	}
	err = tty_register_driver(drv);
	if (err)
		goto put;
	for (i = host ? 1 : 0; i < (host ? MK_MAX_INSTANCES : 1); i++) {
		dev = tty_port_register_device(&mk_con_of_line(i)->port, drv,
					       i, NULL);
		if (IS_ERR(dev))
			pr_warn("mkcon%u: no device (%ld)\n", i, PTR_ERR(dev));
	}
	/* Published last: the console names the driver from here on. */
	smp_store_release(&mk_con_driver, drv);
	mk_con_sysfs_init();
	if (!host && !mk_con_self_bell(&mk_cons[mk_self_instance()]))
		mod_timer(&mk_con_timer,
			  jiffies + msecs_to_jiffies(MK_CON_POLL_MS));
	return 0;

put:
	tty_driver_kref_put(drv);
	return err;
}
device_initcall(mk_con_tty_init);
