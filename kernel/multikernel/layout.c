// SPDX-License-Identifier: GPL-2.0-only
/*
 * Region layout and the validation of peer-written values.
 *
 * Every function here takes a private copy of what it checks: callers copy
 * a header, an instance entry or a slot out of the shared region first, so
 * a peer cannot change a value between its check and its use.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include "layout.h"

static_assert(sizeof(struct mk_slot) == MK_SLOT_SIZE);
static_assert(sizeof(struct mk_instance_desc) == 256);
static_assert(offsetof(struct mk_ring, tail) == 64);
static_assert(offsetof(struct mk_ring, bells) == 128);
static_assert(sizeof(((struct mk_ring *)0)->bells) == 64);
static_assert(offsetof(struct mk_ring, slots) == 192);
static_assert(sizeof(struct mk_region_header) <= MK_LAYOUT_ALIGN);
static_assert(MK_MEM_ALIGN == 1ULL << MK_PFN_SHIFT);
static_assert(offsetof(struct mk_console_area, in_head) == 64);
static_assert(offsetof(struct mk_console_area, in_tail) == 128);
static_assert(offsetof(struct mk_console_area, in_bell) == 132);
static_assert(offsetof(struct mk_console_area, out) == 4096);
static_assert((MK_CON_OUT_SIZE & (MK_CON_OUT_SIZE - 1)) == 0);
static_assert((MK_CON_IN_SIZE & (MK_CON_IN_SIZE - 1)) == 0);

static u64 mk_align_up(u64 x)
{
	return (x + MK_LAYOUT_ALIGN - 1) & ~(MK_LAYOUT_ALIGN - 1);
}

/**
 * mk_layout_compute - lay out a region of @region_size bytes
 * @region_size: bytes in the region
 * @l: filled with the offsets
 *
 * Return: 0, or -EINVAL if the region is unaligned or too small to hold
 * the control structures and a minimal page pool.
 */
int mk_layout_compute(u64 region_size, struct mk_layout *l)
{
	u64 rings_bytes;

	if (!region_size || region_size & (MK_LAYOUT_ALIGN - 1))
		return -EINVAL;

	l->region_size = region_size;
	l->instances_off = MK_LAYOUT_ALIGN;
	l->rings_off = mk_align_up(l->instances_off + MK_MAX_INSTANCES *
				   sizeof(struct mk_instance_desc));
	l->ring_stride = mk_align_up(sizeof(struct mk_ring));
	rings_bytes = l->ring_stride * MK_MAX_INSTANCES * MK_MAX_INSTANCES;
	l->console_off = mk_align_up(l->rings_off + rings_bytes);
	l->console_stride = mk_align_up(sizeof(struct mk_console_area));
	l->pool_off = l->console_off + l->console_stride * MK_MAX_INSTANCES;
	if (region_size < l->pool_off + MK_REGION_MIN_POOL)
		return -EINVAL;
	l->pool_size = (region_size - l->pool_off) & ~(MK_LAYOUT_ALIGN - 1);
	return 0;
}

/**
 * mk_header_checksum - checksum of a header's fields
 * @hdr: header, usually a private copy
 *
 * FNV-1a over every byte before @hdr->checksum.  It catches a torn or
 * scribbled header, not a deliberate forgery; the field checks in
 * mk_header_validate() carry the real weight.
 *
 * Return: the checksum.
 */
u32 mk_header_checksum(const struct mk_region_header *hdr)
{
	const u8 *p = (const u8 *)hdr;
	u32 h = 0x811c9dc5;
	size_t i;

	for (i = 0; i < offsetof(struct mk_region_header, checksum); i++) {
		h ^= p[i];
		h *= 0x01000193;
	}
	return h;
}

/**
 * mk_header_init - fill a header for layout @l
 * @hdr: header to write
 * @l: layout from mk_layout_compute()
 * @generation: non-zero value naming this incarnation of the region
 */
void mk_header_init(struct mk_region_header *hdr, const struct mk_layout *l,
		    u64 generation)
{
	*hdr = (struct mk_region_header) {
		.magic = MK_REGION_MAGIC,
		.abi_version = MK_ABI_VERSION,
		.header_size = sizeof(*hdr),
		.region_size = l->region_size,
		.max_instances = MK_MAX_INSTANCES,
		.max_cpus = MK_MAX_INSTANCE_CPUS,
		.ring_slots = MK_RING_SLOTS,
		.slot_size = MK_SLOT_SIZE,
		.instances_off = l->instances_off,
		.rings_off = l->rings_off,
		.ring_stride = l->ring_stride,
		.console_off = l->console_off,
		.console_stride = l->console_stride,
		.pool_off = l->pool_off,
		.pool_size = l->pool_size,
		.generation = generation ? generation : 1,
	};
	hdr->checksum = mk_header_checksum(hdr);
}

/**
 * mk_header_validate - check a header copied out of the region
 * @hdr: private copy of the header
 * @region_size: size this kernel was told the region has
 *
 * A joining instance accepts the region only if every field is what its
 * own ABI computes for a region of this size.
 *
 * Return: 0; -ENODEV if there is no header (bad magic); -EPROTO for an
 * ABI version this kernel does not speak; -EINVAL for any other mismatch.
 */
int mk_header_validate(const struct mk_region_header *hdr, u64 region_size)
{
	struct mk_layout l;

	if (hdr->magic != MK_REGION_MAGIC)
		return -ENODEV;
	if (hdr->abi_version != MK_ABI_VERSION)
		return -EPROTO;
	if (mk_layout_compute(region_size, &l))
		return -EINVAL;
	if (hdr->header_size != sizeof(*hdr) ||
	    hdr->region_size != region_size ||
	    hdr->max_instances != MK_MAX_INSTANCES ||
	    hdr->max_cpus != MK_MAX_INSTANCE_CPUS ||
	    hdr->ring_slots != MK_RING_SLOTS ||
	    hdr->slot_size != MK_SLOT_SIZE ||
	    hdr->instances_off != l.instances_off ||
	    hdr->rings_off != l.rings_off ||
	    hdr->ring_stride != l.ring_stride ||
	    hdr->console_off != l.console_off ||
	    hdr->console_stride != l.console_stride ||
	    hdr->pool_off != l.pool_off ||
	    hdr->pool_size != l.pool_size ||
	    !hdr->generation || hdr->reserved)
		return -EINVAL;
	if (hdr->checksum != mk_header_checksum(hdr))
		return -EINVAL;
	return 0;
}

/* Entries between a consumer's @tail and the producer's @head, if possible. */
static int mk_ring_used(u32 head, u32 tail, u32 size, u32 *used)
{
	*used = head - tail;
	return *used > size ? -ERANGE : 0;
}

/**
 * mk_ring_check_indices - what a consumer may read, given both indices
 * @head: producer index, as loaded (with acquire) from the ring
 * @tail: the consumer's own private index
 * @view: filled with the slots that may be read
 *
 * Return: 0, or -ERANGE if @head claims more than a ring of unread slots;
 * the consumer must then not read any slot.
 */
int mk_ring_check_indices(u32 head, u32 tail, struct mk_ring_view *view)
{
	u32 used;

	if (mk_ring_used(head, tail, MK_RING_SLOTS, &used))
		return -ERANGE;
	view->first = tail;
	view->count = used;
	return 0;
}

/**
 * mk_con_out_view - what a reader of a console output ring may copy
 * @head: producer index, as loaded (with acquire) from the ring
 * @pos: the reader's own position: index of the next byte it wants
 * @view: filled with the bytes to copy and those lost
 *
 * The producer never waits for the reader: bytes more than
 * %MK_CON_OUT_WINDOW behind @head may be overwritten at any time and
 * are skipped (counted in @view->lost).  A @head behind @pos was never
 * written by an honest producer.
 *
 * Return: 0, or -ERANGE if @head is behind @pos; the reader must then
 * copy nothing.
 */
int mk_con_out_view(u32 head, u32 pos, struct mk_con_view *view)
{
	u32 ahead = head - pos;

	if ((s32)ahead < 0)
		return -ERANGE;
	view->lost = ahead > MK_CON_OUT_WINDOW ? ahead - MK_CON_OUT_WINDOW : 0;
	view->first = pos + view->lost;
	view->count = ahead - view->lost;
	return 0;
}

/**
 * mk_con_out_clobbered - bytes of a copy the producer may have overwritten
 * @head: producer index, loaded again after the copy
 * @first: index of the first byte copied
 * @count: bytes copied
 *
 * Once the producer has published @head, bytes with an index below
 * @head - %MK_CON_OUT_WINDOW may be under its pen.  The copy is trusted
 * only from the first byte at or above that.  A @head that went back
 * clobbers nothing that was not garbage already.
 *
 * Return: how many leading bytes of the copy to throw away, at most
 * @count.
 */
u32 mk_con_out_clobbered(u32 head, u32 first, u32 count)
{
	s32 d = (s32)(head - MK_CON_OUT_WINDOW - first);

	if (d <= 0)
		return 0;
	return (u32)d < count ? (u32)d : count;
}

/**
 * mk_con_in_view - what the instance may read from its console input ring
 * @head: producer (host) index, as loaded (with acquire) from the ring
 * @tail: the instance's own consumer index
 * @view: filled with the bytes to read; @view->lost is 0
 *
 * Return: 0, or -ERANGE if @head claims more than a ring of unread bytes.
 */
int mk_con_in_view(u32 head, u32 tail, struct mk_con_view *view)
{
	u32 used;

	if (mk_ring_used(head, tail, MK_CON_IN_SIZE, &used))
		return -ERANGE;
	view->first = tail;
	view->count = used;
	view->lost = 0;
	return 0;
}

/**
 * mk_con_in_room - where the host may write console input
 * @head: the host's own producer index
 * @tail: consumer index, as loaded (with acquire) from the ring
 * @room: set to the bytes the host may write at @head
 *
 * Return: 0, or -ERANGE if @tail claims bytes the host never wrote; the
 * host must then write nothing.
 */
int mk_con_in_room(u32 head, u32 tail, u32 *room)
{
	u32 used;

	if (mk_ring_used(head, tail, MK_CON_IN_SIZE, &used))
		return -ERANGE;
	*room = MK_CON_IN_SIZE - used;
	return 0;
}

/**
 * mk_con_ring_copy - copy bytes out of a console ring
 * @dst: where to put them
 * @ring: the ring's bytes
 * @size: bytes in the ring, a power of two
 * @first: index of the first byte, masked to the ring here
 * @n: bytes to copy; at most @size are
 *
 * Only bytes of @ring are read, whatever @first and @n are.
 */
void mk_con_ring_copy(void *dst, const u8 *ring, u32 size, u32 first, u32 n)
{
	u32 off = first & (size - 1);
	u32 part;

	if (n > size)
		n = size;
	part = n < size - off ? n : size - off;
	memcpy(dst, ring + off, part);
	memcpy((u8 *)dst + part, ring, n - part);
}

/**
 * mk_slot_check - check a slot copied out of a ring
 * @copy: private copy of the slot
 *
 * Return: 0; -EMSGSIZE for a length beyond the payload area; -EBADMSG for
 * the invalid type 0; -ENOENT for a type beyond %MK_MSG_TYPE_MAX (counted
 * apart, as a peer speaking a newer protocol).
 */
int mk_slot_check(const struct mk_slot *copy)
{
	if (copy->len > MK_MSG_MAX_DATA)
		return -EMSGSIZE;
	if (copy->type == MK_MSG_INVALID)
		return -EBADMSG;
	if (copy->type >= MK_MSG_TYPE_MAX)
		return -ENOENT;
	return 0;
}

/**
 * mk_instance_check - check an instance entry copied out of the table
 * @copy: private copy of the entry
 * @apicid_limit: lowest APIC ID this kernel cannot send to; IDs at and
 *	above it are a broadcast or cut short in the APIC mode in use
 *
 * Every listed APIC ID is checked here, once, so that a send to an ID
 * the entry lists can never reach all CPUs of the machine (0xff in xAPIC
 * mode, 0xffffffff in x2APIC mode) or, truncated, a CPU the entry does
 * not name.
 *
 * Return: 0; -EINVAL for an unknown state or too many CPUs; -ERANGE for
 * a listed APIC ID at or above @apicid_limit.
 */
int mk_instance_check(const struct mk_instance_desc *copy, u32 apicid_limit)
{
	u32 i;

	if (copy->state >= MK_INSTANCE_STATE_MAX ||
	    copy->nr_cpus > MK_MAX_INSTANCE_CPUS)
		return -EINVAL;
	for (i = 0; i < copy->nr_cpus; i++)
		if (copy->apic_ids[i] >= apicid_limit)
			return -ERANGE;
	return 0;
}

/**
 * mk_instance_has_apicid - does a checked instance entry list @apicid
 * @copy: entry that passed mk_instance_check()
 * @apicid: physical APIC ID
 *
 * Return: true if @apicid is one of the instance's CPUs; it is then below
 * the limit mk_instance_check() was given.
 */
bool mk_instance_has_apicid(const struct mk_instance_desc *copy, u32 apicid)
{
	u32 i;

	for (i = 0; i < copy->nr_cpus; i++)
		if (copy->apic_ids[i] == apicid)
			return true;
	return false;
}

/**
 * mk_range_check - check a page range a peer named by PFN
 * @l: layout of the region
 * @base_phys: physical address of the region
 * @pfn: page frame number from the peer
 * @offset: byte offset into the first page
 * @len: length in bytes, non-zero
 * @region_off: on success, offset of the first byte within the region
 *
 * Only the page pool is accepted: a peer must never make us read the
 * header, the instance table or a ring as if it were payload.
 *
 * Return: 0, or -EFAULT if any byte lies outside the pool.
 */
int mk_range_check(const struct mk_layout *l, u64 base_phys, u64 pfn,
		   u32 offset, u32 len, u64 *region_off)
{
	u64 pool_start = base_phys + l->pool_off;
	u64 pool_end = pool_start + l->pool_size;
	u64 start;

	if (!len || pfn > (pool_end >> MK_PFN_SHIFT))
		return -EFAULT;
	start = (pfn << MK_PFN_SHIFT) + offset;
	if (start < pool_start || start >= pool_end || len > pool_end - start)
		return -EFAULT;
	*region_off = start - base_phys;
	return 0;
}

/* A hex number, 0x optional; NULL if there is no digit or it overflows. */
static const char *mk_parse_hex(const char *p, u64 *val)
{
	const char *digits;
	u64 v = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (digits = p; ; p++) {
		char c = *p | 0x20;
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			break;
		if (v >> 60)
			return NULL;
		v = v << 4 | d;
	}
	if (p == digits)
		return NULL;
	*val = v;
	return p;
}

/*
 * "<start>-<end>" at @p, ended by the end of the text or a comma: the
 * text from that end on, or NULL if @p does not start with one.
 */
static const char *mk_parse_span(const char *p, u64 *start, u64 *end)
{
	p = mk_parse_hex(p, start);
	if (!p || *p != '-')
		return NULL;
	p = mk_parse_hex(p + 1, end);
	if (!p || (*p && *p != ','))
		return NULL;
	return p;
}

/* What makes [@start, @end) no range to read from, or NULL. */
static const char *mk_span_why(u64 start, u64 end)
{
	if (end <= start)
		return "is empty or wraps around";
	if ((start | end) & (MK_MEM_ALIGN - 1))
		return "is not page aligned";
	return NULL;
}

static int mk_mem_refuse(struct mk_mem_bad *bad, unsigned int entry,
			 unsigned int offset, const char *why, int err)
{
	bad->entry = entry;
	bad->offset = offset;
	bad->why = why;
	return err;
}

/**
 * mk_mem_ranges_parse - parse a list of physical memory ranges
 * @s: "<start>-<end>[,<start>-<end>...]", hexadecimal, 0x optional, each
 *	@end exclusive
 * @out: filled with the ranges, @virt NULL
 * @max: room in @out
 * @bad: on failure, the entry refused and why
 *
 * The list is another kernel's word for memory we will read from, so it
 * is taken whole or not at all: every range page aligned and non-empty,
 * the ranges in ascending order without overlap, at most @max of them.
 *
 * Return: the number of ranges (at least 1); -EINVAL for text that is not
 * such a list (empty, garbage, a number beyond 64 bits); -ERANGE for a
 * range that is empty, wraps around or is not page aligned; -EBUSY for
 * one that overlaps or lies below the one before it; -E2BIG for more
 * than @max ranges.
 */
int mk_mem_ranges_parse(const char *s, struct mk_mem_range *out,
			unsigned int max, struct mk_mem_bad *bad)
{
	const char *text = s ? s : "", *p = text;
	unsigned int n = 0;
	u64 start, end;

	for (;;) {
		unsigned int off = p - text;
		const char *why;

		p = mk_parse_span(p, &start, &end);
		if (!p)
			return mk_mem_refuse(bad, n, off,
					     "is not <start>-<end> in hex",
					     -EINVAL);
		if (n == max)
			return mk_mem_refuse(bad, n, off,
					     "is one more than the list may hold",
					     -E2BIG);
		why = mk_span_why(start, end);
		if (why)
			return mk_mem_refuse(bad, n, off, why, -ERANGE);
		if (n && start < out[n - 1].start + out[n - 1].size)
			return mk_mem_refuse(bad, n, off, start < out[n - 1].start ?
					     "lies below the entry before it" :
					     "overlaps the entry before it",
					     -EBUSY);
		out[n].start = start;
		out[n].size = end - start;
		out[n].virt = NULL;
		n++;
		if (!*p)
			return n;
		p++;
	}
}

/* A decimal instance id and its colon at @p: the text after, or NULL. */
static const char *mk_parse_id(const char *p, unsigned int *id)
{
	const char *digits = p;
	unsigned int v = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > 9999)
			return NULL;
		v = v * 10 + (*p - '0');
	}
	if (p == digits || *p != ':')
		return NULL;
	*id = v;
	return p + 1;
}

static int mk_peer_ram_fill(const char *text, struct mk_mem_range *out,
			    unsigned int nr_ids, struct mk_mem_bad *bad)
{
	const char *p = text, *why;
	unsigned int n = 0, id, i;
	u64 start, end;

	for (;;) {
		unsigned int off = p - text;

		p = mk_parse_id(p, &id);
		if (p)
			p = mk_parse_span(p, &start, &end);
		if (!p)
			return mk_mem_refuse(bad, n, off,
					     "is not <id>:<start>-<end>", -EINVAL);
		if (id >= nr_ids)
			return mk_mem_refuse(bad, n, off,
					     "names an instance beyond the table",
					     -ERANGE);
		if (out[id].size)
			return mk_mem_refuse(bad, n, off,
					     "names an instance listed before",
					     -EBUSY);
		why = mk_span_why(start, end);
		if (why)
			return mk_mem_refuse(bad, n, off, why, -ERANGE);
		for (i = 0; i < nr_ids; i++)
			if (out[i].size &&
			    mk_mem_ranges_overlap(&out[i], 1, start,
						  end - start) >= 0)
				return mk_mem_refuse(bad, n, off,
						     "overlaps another instance's memory",
						     -EBUSY);
		out[id].start = start;
		out[id].size = end - start;
		n++;
		if (!*p)
			return n;
		p++;
	}
}

/**
 * mk_peer_ram_parse - parse the memory of other instances, by id
 * @s: "<id>:<start>-<end>[,<id>:<start>-<end>...]", each id decimal, each
 *	range as mk_mem_ranges_parse() takes it
 * @out: indexed by instance id; an entry of size 0 names no memory
 * @nr_ids: entries in @out
 * @bad: on failure, the entry refused and why
 *
 * Each instance has one range of memory.  The list is taken whole or not
 * at all, as mk_mem_ranges_parse() takes its own: on failure every entry
 * of @out is left empty.
 *
 * Return: the number of instances named (at least 1); -EINVAL for text
 * that is not such a list; -ERANGE for an id of @nr_ids or more, or a
 * range that is empty, wraps around or is not page aligned; -EBUSY for
 * an id named twice or a range that overlaps another's.
 */
int mk_peer_ram_parse(const char *s, struct mk_mem_range *out,
		      unsigned int nr_ids, struct mk_mem_bad *bad)
{
	int n;

	memset(out, 0, nr_ids * sizeof(*out));
	n = mk_peer_ram_fill(s ? s : "", out, nr_ids, bad);
	if (n < 0)
		memset(out, 0, nr_ids * sizeof(*out));
	return n;
}

/* Narrow @r to [@start, @end) inside it; a mapping moves with the start. */
static void mk_mem_range_cut(struct mk_mem_range *r, u64 start, u64 end)
{
	if (r->virt)
		r->virt = (char *)r->virt + (start - r->start);
	r->start = start;
	r->size = end - start;
}

/**
 * mk_mem_ranges_subtract - take a hole out of a list of memory ranges
 * @r: ranges in ascending order, without overlap; changed in place
 * @n: ranges in @r
 * @max: room in @r
 * @start: first byte of the hole
 * @size: bytes in the hole; 0 takes nothing out
 *
 * Ranges wholly inside the hole go, ranges it overlaps shrink, and the
 * one range the hole may lie strictly inside is split in two.  The order
 * is kept, and a range's @virt moves with its start.
 *
 * Return: the number of ranges now in @r, or -ENOSPC if a split would
 * need more than @max; @r is then unchanged.
 */
int mk_mem_ranges_subtract(struct mk_mem_range *r, unsigned int n,
			   unsigned int max, u64 start, u64 size)
{
	u64 hole_end = start + size < start ? ~0ULL : start + size;
	unsigned int i, k = 0;

	if (!size)
		return n;
	for (i = 0; i < n; i++) {
		struct mk_mem_range cur = r[i];
		u64 end = cur.start + cur.size;

		if (end <= start || cur.start >= hole_end) {
			r[k++] = cur;
			continue;
		}
		if (cur.start < start && end > hole_end) {
			/* No other range meets the hole: nothing went yet. */
			if (n == max)
				return -ENOSPC;
			memmove(&r[i + 2], &r[i + 1], (n - i - 1) * sizeof(*r));
			mk_mem_range_cut(&r[i], cur.start, start);
			r[i + 1] = cur;
			mk_mem_range_cut(&r[i + 1], hole_end, end);
			return n + 1;
		}
		if (cur.start < start) {
			mk_mem_range_cut(&cur, cur.start, start);
			r[k++] = cur;
		} else if (end > hole_end) {
			mk_mem_range_cut(&cur, hole_end, end);
			r[k++] = cur;
		}
	}
	return k;
}

/**
 * mk_mem_ranges_overlap - which range of a list meets a given one
 * @r: ranges; an empty one meets nothing
 * @n: ranges in @r
 * @start: first byte of the range looked for
 * @size: its bytes; an empty range meets nothing
 *
 * Return: the index of the first range of @r with a byte in
 * [@start, @start + @size), or -ENOENT.
 */
int mk_mem_ranges_overlap(const struct mk_mem_range *r, unsigned int n,
			  u64 start, u64 size)
{
	u64 end = start + size < start ? ~0ULL : start + size;
	unsigned int i;

	for (i = 0; size && i < n; i++)
		if (r[i].size && r[i].start < end &&
		    start < r[i].start + r[i].size)
			return i;
	return -ENOENT;
}

/* @x rounded up to a multiple of @align, a power of two: false past 2^64. */
static bool mk_round_up(u64 x, u64 align, u64 *up)
{
	*up = (x + align - 1) & ~(align - 1);
	return *up >= x;
}

/**
 * mk_mem_ranges_first_fit - the lowest free place for a range in a pool
 * @r: ranges taken; one of size 0 takes nothing
 * @n: ranges in @r
 * @pool_start: first byte of the space to place in
 * @pool_size: its bytes
 * @size: bytes wanted
 * @align: alignment of the place and of @size, a power of two
 * @start: set to the place found
 *
 * Every range of @r that meets a candidate moves it past that range's
 * end, so each range is passed once: at most @n + 1 candidates.
 *
 * Return: 0; -EINVAL for a @size of 0 or not a multiple of @align, or an
 * @align that is no power of two; -ENOSPC when no aligned gap of @size is
 * free in the pool.
 */
int mk_mem_ranges_first_fit(const struct mk_mem_range *r, unsigned int n,
			    u64 pool_start, u64 pool_size, u64 size, u64 align,
			    u64 *start)
{
	u64 pool_end = pool_start + pool_size, at, end;
	int i;

	if (!size || !align || (align & (align - 1)) || (size & (align - 1)))
		return -EINVAL;
	if (pool_end < pool_start)
		pool_end = ~0ULL;
	if (!mk_round_up(pool_start, align, &at))
		return -ENOSPC;
	while (at + size > at && at + size <= pool_end) {
		i = mk_mem_ranges_overlap(r, n, at, size);
		if (i < 0) {
			*start = at;
			return 0;
		}
		/* It meets [at, at + size): its end lies past @at. */
		end = r[i].start + r[i].size;
		if (end < r[i].start || !mk_round_up(end, align, &at))
			break;
	}
	return -ENOSPC;
}

/* The end of @r, or the top of the address space for one that wraps. */
static u64 mk_mem_range_end(const struct mk_mem_range *r)
{
	u64 end = r->start + r->size;

	return end < r->start ? ~0ULL : end;
}

/*
 * The aligned free piece of [@at, @pool_end) that starts at @at: up to the
 * next range of @r, none if @at lies in one.
 */
static u64 mk_mem_gap_at(const struct mk_mem_range *r, unsigned int n,
			 u64 at, u64 pool_end, u64 align)
{
	u64 end = pool_end;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!r[i].size)
			continue;
		if (r[i].start <= at && at < mk_mem_range_end(&r[i]))
			return 0;
		if (r[i].start > at && r[i].start < end)
			end = r[i].start;
	}
	end &= ~(align - 1);
	return end > at ? end - at : 0;
}

/**
 * mk_mem_ranges_largest_gap - the largest free piece of a pool
 * @r: ranges taken; one of size 0 takes nothing
 * @n: ranges in @r
 * @pool_start: first byte of the space
 * @pool_size: its bytes
 * @align: alignment of a piece's start and size, a power of two
 *
 * What mk_mem_ranges_first_fit() could still place, to say so when it
 * finds no place: every free piece starts at the pool's start or at the
 * end of a range, so @n + 1 candidates are looked at.
 *
 * Return: the bytes of the largest aligned free piece, 0 for none or an
 * @align that is no power of two.
 */
u64 mk_mem_ranges_largest_gap(const struct mk_mem_range *r, unsigned int n,
			      u64 pool_start, u64 pool_size, u64 align)
{
	u64 pool_end = pool_start + pool_size, best = 0, at, gap;
	unsigned int i;

	if (!align || (align & (align - 1)))
		return 0;
	if (pool_end < pool_start)
		pool_end = ~0ULL;
	for (i = 0; i <= n; i++) {
		if (i < n && !r[i].size)
			continue;
		at = i < n ? mk_mem_range_end(&r[i]) : pool_start;
		if (!mk_round_up(at, align, &at) || at < pool_start ||
		    at >= pool_end)
			continue;
		gap = mk_mem_gap_at(r, n, at, pool_end, align);
		if (gap > best)
			best = gap;
	}
	return best;
}
