// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the code that judges what a peer kernel wrote into
 * the shared region: the region header, instance entries, message ring
 * indices and slots, PFN ranges, the host's list of its RAM handed to an
 * instance, the console rings' indices as the host's reader uses them
 * (kernel/multikernel/layout.c, built unchanged) and mknet's
 * area header, descriptors, frame chains and moderation requests
 * (drivers/net/mknet/mknet_shm.h).
 *
 * The input is the peer's bytes.  Each check is held to what its caller
 * relies on: whatever it accepts must be safe to use.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../../../kernel/multikernel/layout.h"
#include "../../../../drivers/net/mknet/mknet_shm.h"

#define REGION_BASE	0x10000000ULL
/* MAX_SKB_FRAGS at its smallest: what the receive path may fill. */
#define SKB_FRAGS_MIN	17
/* The skb head a frame is copied into when it needs no fragments. */
#define RX_SMALL_MAX	1536

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The peer's RAM as the receiver knows it: two spans, each backed here
 * by its own buffer so that ASan sees a read past either one.
 */
#define PEER_SPAN0	0x100000ULL
#define PEER_SPAN1	0x7fff0000ULL
static u8 peer_ram0[4 * MKNET_BUF_SIZE];
static u8 peer_ram1[MKNET_MAX_FRAME];
static const struct mknet_span peer_spans[] = {
	{ PEER_SPAN0, sizeof(peer_ram0) },
	{ PEER_SPAN1, sizeof(peer_ram1) },
};

static const u8 *const peer_virt[] = { peer_ram0, peer_ram1 };
static u8 rx_copy[MKNET_BUF_SIZE];

static const u8 *in;
static size_t left;

static void take(void *dst, size_t n)
{
	size_t k = n < left ? n : left;

	memset(dst, 0, n);
	memcpy(dst, in, k);
	in += k;
	left -= k;
}

static void fuzz_header(void)
{
	struct mk_region_header h;
	struct mk_layout l;
	u64 size;

	take(&size, sizeof(size));
	take(&h, sizeof(h));
	size = (size % (1ULL << 34)) & ~4095ULL;
	if (mk_header_validate(&h, size))
		return;
	assert(mk_layout_compute(size, &l) == 0);
	assert(h.pool_off == l.pool_off && h.pool_size == l.pool_size);
	assert(l.pool_off + l.pool_size <= size);
	assert(l.rings_off + l.ring_stride * MK_MAX_INSTANCES * MK_MAX_INSTANCES
	       <= l.pool_off);
}

static void fuzz_ring(void)
{
	struct mk_ring_view v;
	struct mk_slot s;
	u32 head, tail;

	take(&head, sizeof(head));
	take(&tail, sizeof(tail));
	if (!mk_ring_check_indices(head, tail, &v)) {
		assert(v.count <= MK_RING_SLOTS);
		assert(v.first == tail && (u32)(v.first + v.count) == head);
	}
	take(&s, sizeof(s));
	if (!mk_slot_check(&s)) {
		assert(s.len <= MK_MSG_MAX_DATA);
		assert(s.type != MK_MSG_INVALID && s.type < MK_MSG_TYPE_MAX);
	}
}

static void fuzz_instance(void)
{
	struct mk_instance_desc d;
	u32 id, limit, i;
	u8 mode;

	take(&d, sizeof(d));
	take(&id, sizeof(id));
	take(&mode, 1);
	/* The limits of xAPIC and x2APIC mode. */
	limit = mode & 1 ? 0xff : 0xffffffff;
	if (mk_instance_check(&d, limit))
		return;
	assert(d.nr_cpus <= MK_MAX_INSTANCE_CPUS);
	for (i = 0; i < d.nr_cpus; i++)
		assert(d.apic_ids[i] < limit);
	/* Whatever an accepted entry lets us send to is a single CPU. */
	if (mk_instance_has_apicid(&d, id))
		assert(id < limit);
}

static void fuzz_range(void)
{
	struct { u64 pfn; u32 offset; u32 len; } p;
	struct mk_layout l;
	u64 off;

	take(&p, sizeof(p));
	assert(mk_layout_compute(64ULL << 20, &l) == 0);
	if (mk_range_check(&l, REGION_BASE, p.pfn, p.offset, p.len, &off))
		return;
	assert(p.len && off >= l.pool_off);
	assert(off + p.len <= l.pool_off + l.pool_size);
}

/* Bytes of [start, end) inside [hs, he). */
static u64 bytes_within(u64 start, u64 end, u64 hs, u64 he)
{
	u64 lo = start > hs ? start : hs, hi = end < he ? end : he;

	return hi > lo ? hi - lo : 0;
}

/*
 * The host's RAM as an instance parses it from mk_host_ram=, then a hole
 * cut out of it as the host cuts the region out of its own RAM: what is
 * accepted bounds every read of a peer's memory, so it must be a clean
 * list, and a hole must take exactly its own bytes.
 */
static void fuzz_mem_ranges(void)
{
	struct mk_mem_range r[MK_MAX_MEM_RANGES];
	char text[MK_MAX_MEM_RANGES * 40];
	u64 hole[2], he, before = 0, after = 0, cut = 0;
	struct mk_mem_bad bad;
	int n, m, i;
	u8 max;

	take(&max, 1);
	take(hole, sizeof(hole));
	take(text, sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	max %= MK_MAX_MEM_RANGES + 1;
	n = mk_mem_ranges_parse(text, r, max, &bad);
	if (n < 0) {
		assert(bad.entry <= max && bad.offset <= strlen(text) && bad.why);
		return;
	}
	assert(n >= 1 && n <= max);
	he = hole[0] + hole[1] < hole[0] ? ~0ULL : hole[0] + hole[1];
	for (i = 0; i < n; i++) {
		assert(r[i].size && r[i].start + r[i].size > r[i].start);
		assert(!(r[i].start % MK_MEM_ALIGN) && !(r[i].size % MK_MEM_ALIGN));
		assert(!i || r[i].start >= r[i - 1].start + r[i - 1].size);
		before += r[i].size;
		if (hole[1])
			cut += bytes_within(r[i].start, r[i].start + r[i].size,
					    hole[0], he);
	}
	m = mk_mem_ranges_subtract(r, n, max, hole[0], hole[1]);
	if (m < 0) {
		assert(m == -ENOSPC && n == max);
		return;
	}
	assert(m <= max);
	for (i = 0; i < m; i++) {
		assert(r[i].size && r[i].start + r[i].size > r[i].start);
		assert(!i || r[i].start >= r[i - 1].start + r[i - 1].size);
		after += r[i].size;
	}
	assert(mk_mem_ranges_overlap(r, m, hole[0], hole[1]) == -ENOENT);
	assert(after == before - cut);
}

/* An instance's mk_peer_ram=: whole or nothing, one range per id. */
static void fuzz_peer_ram(void)
{
	struct mk_mem_range r[MK_MAX_INSTANCES + 1];
	char text[MK_MAX_INSTANCES * 48];
	unsigned int i, j, named = 0;
	struct mk_mem_bad bad;
	u8 nr;
	int n;

	take(&nr, 1);
	take(text, sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	nr = nr % MK_MAX_INSTANCES + 1;
	/* One entry past @nr: the parser must not write it. */
	memset(r, 0xa5, sizeof(r));
	n = mk_peer_ram_parse(text, r, nr, &bad);
	assert(r[nr].size == 0xa5a5a5a5a5a5a5a5ULL);
	for (i = 0; i < nr; i++) {
		if (!r[i].size)
			continue;
		named++;
		assert(r[i].start + r[i].size > r[i].start);
		assert(!(r[i].start % MK_MEM_ALIGN) && !(r[i].size % MK_MEM_ALIGN));
		for (j = 0; j < i; j++)
			assert(!r[j].size ||
			       mk_mem_ranges_overlap(&r[j], 1, r[i].start,
						     r[i].size) == -ENOENT);
	}
	if (n < 0) {
		assert(!named && bad.why && bad.offset <= strlen(text));
		return;
	}
	assert(n >= 1 && (unsigned int)n == named);
}

/*
 * What mknet's receive path does with a frame the checks accepted: each
 * piece resolved to the span that holds it, an skb head, then page
 * fragments, each filled by mknet_frame_copy() from the peer's memory.
 * ASan watches every byte it reads.
 */
static void fuzz_mknet_consume(const struct mknet_desc *d, u32 n, u32 total)
{
	u32 head = total <= RX_SMALL_MAX ? total : MKNET_RX_HEAD;
	const u8 *src[MKNET_MAX_DESCS];
	u32 off, i;

	assert(n <= MKNET_MAX_DESCS);
	for (i = 0; i < n; i++) {
		int k = mknet_span_find(peer_spans, 2, d[i].addr, d[i].len);

		if (k < 0)
			return;
		assert(d[i].addr >= peer_spans[k].start);
		assert(d[i].addr - peer_spans[k].start + d[i].len <=
		       peer_spans[k].size);
		src[i] = peer_virt[k] + (d[i].addr - peer_spans[k].start);
	}
	assert(mknet_rx_frags(total, head) <= SKB_FRAGS_MIN);
	assert(head <= sizeof(rx_copy));
	assert(!mknet_frame_copy(rx_copy, src, d, n, 0, head));
	for (off = head; off < total; off += MKNET_BUF_SIZE) {
		u32 chunk = total - off < MKNET_BUF_SIZE ? total - off :
			    MKNET_BUF_SIZE;

		assert(!mknet_frame_copy(rx_copy, src, d, n, off, chunk));
	}
	/* Nothing beyond the frame can be asked for. */
	assert(mknet_frame_copy(rx_copy, src, d, n, total, 1));
}

static void fuzz_mknet(void)
{
	struct mknet_desc d[MKNET_MAX_DESCS + 1];
	struct mknet_area a;
	u32 n, used, total, i, sum = 0, first;
	u64 hello_off;
	u8 nsel, aim;

	take(&a, sizeof(a));
	if (!mknet_check_area(&a)) {
		assert(a.ring_size >= MKNET_RING_MIN && a.ring_size <= MKNET_RING_MAX);
		assert(!(a.ring_size & (a.ring_size - 1)));
		assert(a.num_queues >= 1 && a.num_queues <= MKNET_MAX_QUEUES);
		/* An area the checks accept has a bounded extent. */
		assert(mknet_area_size(a.ring_size, a.num_queues) <=
		       mknet_area_size(MKNET_RING_MAX, MKNET_MAX_QUEUES));
	}
	take(&hello_off, sizeof(hello_off));
	take(&first, sizeof(first));
	if (!mknet_check_hello(hello_off, first))
		assert(!(hello_off % MKNET_BUF_SIZE) && first < MKNET_MAX_LINKS);
	take(&nsel, 1);
	/* Up to one more than a frame may have: the caller copies that many. */
	n = nsel % (MKNET_MAX_DESCS + 2);
	take(d, sizeof(d));
	/*
	 * Random addresses almost never land in a span: aim some of them
	 * near one, by a small offset the input chooses.
	 */
	take(&aim, 1);
	for (i = 0; i < MKNET_MAX_DESCS + 1; i++)
		if (aim & 1 << (i % 8))
			d[i].addr = peer_spans[i & 1].start +
				    (d[i].addr % (peer_spans[i & 1].size + 64)) -
				    (d[i].addr & 32);
	if (mknet_frame_check(d, n, &used, &total)) {
		assert(used >= 1 && used <= (n ? n : 1));
		return;
	}
	/* A good frame: every part valid, within what was published. */
	assert(used >= 1 && used <= n && used <= MKNET_MAX_DESCS);
	for (i = 0; i < used; i++) {
		assert(d[i].len >= 1 && d[i].len <= MKNET_MAX_FRAME);
		assert(!!(d[i].flags & MKNET_DESC_MORE) == (i + 1 < used));
		sum += d[i].len;
	}
	assert(sum == total && total <= MKNET_MAX_FRAME);
	fuzz_mknet_consume(d, used, total);
}

/*
 * A peer's moderation: whatever it wrote, the timer we start waits at
 * most MKNET_COAL_USECS_MAX and the count stays within the ring, so a
 * doorbell it asked for is due by then.
 */
static void fuzz_mknet_coal(void)
{
	u32 usecs, frames, past, ring, shift, wait;
	u64 since;
	bool bad;

	take(&usecs, sizeof(usecs));
	take(&frames, sizeof(frames));
	take(&past, sizeof(past));
	take(&shift, sizeof(shift));
	take(&since, sizeof(since));
	ring = MKNET_RING_MIN << (shift % 5);
	bad = usecs > MKNET_COAL_USECS_MAX || frames > ring;
	assert(mknet_coal_bound(&usecs, &frames, ring) == bad);
	assert(usecs <= MKNET_COAL_USECS_MAX && frames <= ring);
	/*
	 * No moderation, a count reached or the interval over mean now;
	 * otherwise what is left of the interval, never more.
	 */
	wait = mknet_coal_wait(usecs, frames, past, since);
	if (!usecs || (frames && past >= frames) || since >= usecs)
		assert(wait == 0);
	else
		assert(wait && wait <= usecs && wait + since == usecs);
}

/* What an honest console writes at index i, so a reader can check it. */
static u8 con_byte(u32 i)
{
	return (u8)(i ^ (i >> 8) ^ (i >> 16));
}

/*
 * The instance writes n bytes at *head; publishes *head only if asked.
 * An input may write megabytes, and writing them byte by byte made this
 * target a thousand times slower than the others: only the indices move
 * here, and con_fill() puts in the ring the bytes a check will look at.
 */
static void con_write(u32 *head, u32 *published, u32 n, bool publish)
{
	*head += n;
	if (publish)
		*published = *head;
}

/*
 * Leave at index idx's position in the ring what the writes of
 * [start, head) left there: the byte of the last index below head that
 * maps to it, if any did.
 */
static void con_fill(u8 *ring, u32 start, u32 head, u32 idx)
{
	u32 last = head - 1 - ((head - 1 - idx) & (MK_CON_OUT_SIZE - 1));

	if (last - start < head - start)
		ring[last & (MK_CON_OUT_SIZE - 1)] = con_byte(last);
}

/*
 * The host's reader of a console output ring, as drivers/tty/mkcon.c runs it:
 * view, copy into a bounce buffer, look at the head again, keep only what
 * was not overwritten.  An honest instance (mode bit 0 clear) writes
 * between each step, at most a chunk beyond the head it published; no
 * byte the reader keeps may have been written over since its own index
 * was, and the copy must hold it.  A hostile one publishes any head; the
 * reader must stay inside the ring (ASan watches the ring, allocated to
 * its exact size) and inside its bounce buffer.
 *
 * The bytes compared are those of the copy where a wrong index would
 * show: its first and last, both sides of the ring's end, and one the
 * input picks.  Comparing all of them, over 16 rounds, made this target
 * ten times slower than the others; eight rounds take the reader through
 * falling behind and catching up several times over.
 */
static void fuzz_console(void)
{
	static u8 bounce[1024], *ring;
	u32 head, published, pos, start, h2, n, skip, i, step;
	struct mk_con_view v;
	u32 at[5];
	u8 mode;

	/* Once, to the ring's exact size: ASan sees any read past it. */
	if (!ring)
		ring = malloc(MK_CON_OUT_SIZE);
	assert(ring);
	take(&mode, 1);
	take(&start, sizeof(start));
	head = start;
	published = start;
	pos = start;
	for (step = 0; step < 8 && left; step++) {
		u32 a, p, h1;
		u16 pick = 0;

		take(&a, sizeof(a));
		take(&p, sizeof(p));
		if (mode & 1) {
			take(&h1, sizeof(h1));
			take(&h2, sizeof(h2));
		} else {
			take(&pick, sizeof(pick));
			con_write(&head, &published, a % (3 * MK_CON_OUT_SIZE),
				  true);
			h1 = published;
		}
		if (mk_con_out_view(h1, pos, &v)) {
			assert((s32)(h1 - pos) < 0);
			pos = h1;
			continue;
		}
		assert(v.count <= MK_CON_OUT_WINDOW);
		assert(v.first == pos + v.lost && v.first + v.count == h1);
		n = v.count < sizeof(bounce) ? v.count : sizeof(bounce);
		at[0] = 0;
		at[1] = n - 1;
		at[2] = MK_CON_OUT_SIZE - (v.first & (MK_CON_OUT_SIZE - 1));
		at[3] = at[2] - 1;
		at[4] = n ? pick % n : 0;
		if (!(mode & 1)) {
			/* Published chunks, then one in progress. */
			con_write(&head, &published, a % 4096, true);
			con_write(&head, &published, p % (MK_CON_OUT_CHUNK + 1),
				  false);
			for (i = 0; i < ARRAY_SIZE(at); i++)
				if (at[i] < n)
					con_fill(ring, start, head,
						 v.first + at[i]);
		}
		mk_con_ring_copy(bounce, ring, MK_CON_OUT_SIZE, v.first, n);
		if (!(mode & 1))
			h2 = published;
		skip = mk_con_out_clobbered(h2, v.first, n);
		assert(skip <= n);
		if (!(mode & 1)) {
			/* The oldest byte kept, the first to be written over, was not. */
			if (skip < n)
				assert(head - (v.first + skip) <= MK_CON_OUT_SIZE);
			for (i = 0; i < ARRAY_SIZE(at); i++)
				if (at[i] >= skip && at[i] < n)
					assert(bounce[at[i]] ==
					       con_byte(v.first + at[i]));
			/* Nothing is thrown away before the producer moved. */
			if (h2 == h1)
				assert(!skip);
		}
		pos = v.first + n;
	}
}

/*
 * Placing in a pool that other ranges take: the largest free piece is
 * what first fit places, and a piece one step larger it cannot.
 */
static void fuzz_mem_fit(void)
{
	struct mk_mem_range r[MK_MAX_INSTANCES];
	u64 pool[2], gap, at, align;
	u8 shift;
	int i;

	take(r, sizeof(r));
	take(pool, sizeof(pool));
	take(&shift, 1);
	align = 1ULL << (shift % 40);
	/* As the host's records are: none wraps. */
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		if (r[i].start + r[i].size < r[i].start)
			r[i].size = ~0ULL - r[i].start;
		r[i].virt = NULL;
	}
	gap = mk_mem_ranges_largest_gap(r, MK_MAX_INSTANCES, pool[0], pool[1],
					align);
	assert(!(gap % align));
	if (gap) {
		assert(!mk_mem_ranges_first_fit(r, MK_MAX_INSTANCES, pool[0],
						pool[1], gap, align, &at));
		assert(!(at % align) && at >= pool[0] && at + gap > at);
		assert(mk_mem_ranges_overlap(r, MK_MAX_INSTANCES, at, gap) ==
		       -ENOENT);
	}
	if (gap + align > gap)
		assert(mk_mem_ranges_first_fit(r, MK_MAX_INSTANCES, pool[0],
					       pool[1], gap + align, align,
					       &at) == -ENOSPC);
}

static void fuzz_ram_lists(void)
{
	fuzz_mem_ranges();
	fuzz_peer_ram();
	fuzz_mem_fit();
}

/*
 * The first byte of an input picks its target, modulo the number of
 * targets.  MK_FUZZ_TARGET=name fuzzes that one alone (the byte is then
 * skipped), so that each gets a time of its own; MK_FUZZ_TARGET=list
 * prints each name, in that order, with its share of the time: the
 * slower a target's runs, the larger its share, so that each does about
 * as many.
 */
static const struct {
	const char *name;
	void (*fn)(void);
	unsigned int share;
} targets[] = {
	{ "header", fuzz_header, 3 },
	{ "ring", fuzz_ring, 3 },
	{ "instance", fuzz_instance, 3 },
	{ "range", fuzz_range, 3 },
	{ "ram-lists", fuzz_ram_lists, 5 },
	{ "coal", fuzz_mknet_coal, 3 },
	{ "console", fuzz_console, 6 },
	{ "mknet", fuzz_mknet, 4 },
};

static int only = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *want = getenv("MK_FUZZ_TARGET");
	unsigned int i;

	if (!want || !*want)
		return 0;
	if (!strcmp(want, "list")) {
		for (i = 0; i < ARRAY_SIZE(targets); i++)
			printf("%s %u\n", targets[i].name, targets[i].share);
		exit(0);
	}
	for (i = 0; i < ARRAY_SIZE(targets); i++)
		if (!strcmp(want, targets[i].name))
			only = i;
	if (only < 0) {
		fprintf(stderr, "MK_FUZZ_TARGET=%s: no such target\n", want);
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 what;

	in = data;
	left = size;
	take(&what, 1);
	targets[only < 0 ? what % ARRAY_SIZE(targets) : (unsigned int)only].fn();
	return 0;
}
