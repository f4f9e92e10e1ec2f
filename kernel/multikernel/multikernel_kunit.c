// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the multikernel core: layout and header validation, page
 * range checks, lists of another kernel's memory ranges, the message ring
 * on its own, the index logic of the console rings, delivery through the
 * real MULTIKERNEL_VECTOR between two CPUs of this kernel, and the parser
 * of debugfs command files.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/multikernel_fault.h>
#include <linux/sched/task.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <asm/hardirq.h>
#include <asm/sections.h>
#include "internal.h"

/* ---- layout and header ---- */

#define TEST_REGION_SIZE	(16ULL << 20)

static void mk_layout_rejects_bad_sizes(struct kunit *test)
{
	struct mk_layout l;

	KUNIT_EXPECT_EQ(test, mk_layout_compute(0, &l), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_layout_compute(TEST_REGION_SIZE + 1, &l),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mk_layout_compute(1 << 20, &l), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_layout_compute(TEST_REGION_SIZE, &l), 0);
}

static void mk_layout_parts_in_order(struct kunit *test)
{
	struct mk_layout l;

	KUNIT_ASSERT_EQ(test, mk_layout_compute(TEST_REGION_SIZE, &l), 0);
	KUNIT_EXPECT_GE(test, l.instances_off, sizeof(struct mk_region_header));
	KUNIT_EXPECT_GE(test, l.rings_off, l.instances_off +
			MK_MAX_INSTANCES * sizeof(struct mk_instance_desc));
	KUNIT_EXPECT_GE(test, l.ring_stride, sizeof(struct mk_ring));
	KUNIT_EXPECT_GE(test, l.pool_off, l.rings_off +
			l.ring_stride * MK_MAX_INSTANCES * MK_MAX_INSTANCES);
	KUNIT_EXPECT_LE(test, l.pool_off + l.pool_size, TEST_REGION_SIZE);
	KUNIT_EXPECT_EQ(test, l.pool_off % PAGE_SIZE, 0);
	KUNIT_EXPECT_EQ(test, l.pool_size % PAGE_SIZE, 0);
}

static void mk_header_roundtrip(struct kunit *test)
{
	struct mk_region_header hdr;
	struct mk_layout l;

	KUNIT_ASSERT_EQ(test, mk_layout_compute(TEST_REGION_SIZE, &l), 0);
	mk_header_init(&hdr, &l, 0x1234);
	KUNIT_EXPECT_EQ(test, mk_header_validate(&hdr, TEST_REGION_SIZE), 0);
	KUNIT_EXPECT_EQ(test, hdr.generation, 0x1234);
	/* A joining kernel told another size must not accept the region. */
	KUNIT_EXPECT_NE(test, mk_header_validate(&hdr, TEST_REGION_SIZE * 2), 0);
}

/* Every field, corrupted alone, must make validation fail. */
static void mk_header_rejects_each_field(struct kunit *test)
{
	struct mk_region_header good, bad;
	struct mk_layout l;
	size_t off;

	KUNIT_ASSERT_EQ(test, mk_layout_compute(TEST_REGION_SIZE, &l), 0);
	mk_header_init(&good, &l, 7);

	for (off = 0; off < sizeof(good); off += sizeof(u32)) {
		bad = good;
		*(u32 *)((u8 *)&bad + off) ^= 0x10;
		KUNIT_EXPECT_NE_MSG(test, mk_header_validate(&bad, TEST_REGION_SIZE),
				    0, "corrupt u32 at offset %zu accepted", off);
		/*
		 * Even with a matching checksum the field check must catch it;
		 * only the generation may be any non-zero value.
		 */
		if (off == offsetof(struct mk_region_header, checksum) ||
		    (off >= offsetof(struct mk_region_header, generation) &&
		     off < offsetof(struct mk_region_header, generation) + 8))
			continue;
		bad.checksum = mk_header_checksum(&bad);
		KUNIT_EXPECT_NE_MSG(test, mk_header_validate(&bad, TEST_REGION_SIZE),
				    0, "field at offset %zu accepted with fixed checksum",
				    off);
	}
}

static void mk_header_error_codes(struct kunit *test)
{
	struct mk_region_header hdr;
	struct mk_layout l;

	KUNIT_ASSERT_EQ(test, mk_layout_compute(TEST_REGION_SIZE, &l), 0);
	memset(&hdr, 0, sizeof(hdr));
	KUNIT_EXPECT_EQ(test, mk_header_validate(&hdr, TEST_REGION_SIZE), -ENODEV);
	mk_header_init(&hdr, &l, 1);
	hdr.abi_version = MK_ABI_VERSION + 1;
	hdr.checksum = mk_header_checksum(&hdr);
	KUNIT_EXPECT_EQ(test, mk_header_validate(&hdr, TEST_REGION_SIZE), -EPROTO);
	mk_header_init(&hdr, &l, 1);
	hdr.generation = 0;
	hdr.checksum = mk_header_checksum(&hdr);
	KUNIT_EXPECT_EQ(test, mk_header_validate(&hdr, TEST_REGION_SIZE), -EINVAL);
}

#define XAPIC_LIMIT	0xff
#define X2APIC_LIMIT	U32_MAX

static void mk_instance_entry_checks(struct kunit *test)
{
	struct mk_instance_desc d = { .state = MK_INSTANCE_RUNNING, .nr_cpus = 2,
				      .apic_ids = { 4, 6 } };

	KUNIT_EXPECT_EQ(test, mk_instance_check(&d, XAPIC_LIMIT), 0);
	KUNIT_EXPECT_TRUE(test, mk_instance_has_apicid(&d, 6));
	KUNIT_EXPECT_FALSE(test, mk_instance_has_apicid(&d, 5));
	d.nr_cpus = MK_MAX_INSTANCE_CPUS + 1;
	KUNIT_EXPECT_EQ(test, mk_instance_check(&d, XAPIC_LIMIT), -EINVAL);
	d.nr_cpus = 1;
	d.state = MK_INSTANCE_STATE_MAX;
	KUNIT_EXPECT_EQ(test, mk_instance_check(&d, XAPIC_LIMIT), -EINVAL);
}

/* An entry must not steer our IPIs to every CPU, or to a truncated ID. */
static void mk_instance_entry_apicid_limits(struct kunit *test)
{
	struct mk_instance_desc d = { .state = MK_INSTANCE_RUNNING, .nr_cpus = 2,
				      .apic_ids = { 4, 0xfe } };

	KUNIT_EXPECT_EQ(test, mk_instance_check(&d, XAPIC_LIMIT), 0);
	/* The xAPIC broadcast. */
	d.apic_ids[1] = 0xff;
	KUNIT_EXPECT_EQ(test, mk_instance_check(&d, XAPIC_LIMIT), -ERANGE);
	KUNIT_EXPECT_EQ(test, mk_instance_check(&d, X2APIC_LIMIT), 0);
	/* Sent in xAPIC mode it would reach APIC ID 0. */
	d.apic_ids[1] = 0x100;
	KUNIT_EXPECT_EQ(test, mk_instance_check(&d, XAPIC_LIMIT), -ERANGE);
	KUNIT_EXPECT_EQ(test, mk_instance_check(&d, X2APIC_LIMIT), 0);
	/* The x2APIC broadcast, as the first CPU. */
	d.apic_ids[0] = U32_MAX;
	KUNIT_EXPECT_EQ(test, mk_instance_check(&d, X2APIC_LIMIT), -ERANGE);
	/* Past nr_cpus nothing counts, and nothing is ever sent there. */
	d.nr_cpus = 0;
	KUNIT_EXPECT_EQ(test, mk_instance_check(&d, XAPIC_LIMIT), 0);
	KUNIT_EXPECT_FALSE(test, mk_instance_has_apicid(&d, U32_MAX));
	/* A bad state is still reported as such. */
	d.nr_cpus = 1;
	d.state = MK_INSTANCE_STATE_MAX;
	KUNIT_EXPECT_EQ(test, mk_instance_check(&d, X2APIC_LIMIT), -EINVAL);
}

static struct kunit_case mk_layout_cases[] = {
	KUNIT_CASE(mk_layout_rejects_bad_sizes),
	KUNIT_CASE(mk_layout_parts_in_order),
	KUNIT_CASE(mk_header_roundtrip),
	KUNIT_CASE(mk_header_rejects_each_field),
	KUNIT_CASE(mk_header_error_codes),
	KUNIT_CASE(mk_instance_entry_checks),
	KUNIT_CASE(mk_instance_entry_apicid_limits),
	{}
};

static struct kunit_suite mk_layout_suite = {
	.name = "multikernel_layout",
	.test_cases = mk_layout_cases,
};

/* ---- page ranges named by PFN ---- */

#define TEST_BASE	0x10000000ULL

static void mk_range_inside_pool(struct kunit *test)
{
	struct mk_layout l;
	u64 first, off;

	KUNIT_ASSERT_EQ(test, mk_layout_compute(TEST_REGION_SIZE, &l), 0);
	first = (TEST_BASE + l.pool_off) >> MK_PFN_SHIFT;
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, first, 0, 4096, &off), 0);
	KUNIT_EXPECT_EQ(test, off, l.pool_off);
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, first, 100, 1, &off), 0);
	KUNIT_EXPECT_EQ(test, off, l.pool_off + 100);
	/* The very last byte of the pool. */
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, first,
					     l.pool_size - 1, 1, &off), 0);
}

static void mk_range_outside_rejected(struct kunit *test)
{
	struct mk_layout l;
	u64 off;

	KUNIT_ASSERT_EQ(test, mk_layout_compute(TEST_REGION_SIZE, &l), 0);
	/* Below the region, the header, a ring, past the end. */
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, 0, 0, 1, &off), -EFAULT);
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, TEST_BASE >> 12, 0, 8,
					     &off), -EFAULT);
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE,
					     (TEST_BASE + l.rings_off) >> 12, 0,
					     8, &off), -EFAULT);
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE,
					     (TEST_BASE + TEST_REGION_SIZE) >> 12,
					     0, 1, &off), -EFAULT);
}

static void mk_range_straddling_end_rejected(struct kunit *test)
{
	struct mk_layout l;
	u64 last, off;

	KUNIT_ASSERT_EQ(test, mk_layout_compute(TEST_REGION_SIZE, &l), 0);
	last = (TEST_BASE + l.pool_off + l.pool_size) / 4096 - 1;
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, last, 0, 4096, &off), 0);
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, last, 0, 4097, &off),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, last, 4095, 2, &off),
			-EFAULT);
	/* The first pool page, reached from the ring area below it. */
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE,
					     (TEST_BASE + l.pool_off) / 4096 - 1,
					     4000, 200, &off), -EFAULT);
}

static void mk_range_overflow_rejected(struct kunit *test)
{
	struct mk_layout l;
	u64 first, off;

	KUNIT_ASSERT_EQ(test, mk_layout_compute(TEST_REGION_SIZE, &l), 0);
	first = (TEST_BASE + l.pool_off) >> MK_PFN_SHIFT;
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, first, 0, 0, &off),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, first, 0, U32_MAX,
					     &off), -EFAULT);
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, U64_MAX, 0, 1, &off),
			-EFAULT);
	/* A PFN whose address wraps to inside the pool. */
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE,
					     first | (1ULL << 52), 0, 1, &off),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, mk_range_check(&l, TEST_BASE, first, U32_MAX, 1,
					     &off), -EFAULT);
}

static struct kunit_case mk_range_cases[] = {
	KUNIT_CASE(mk_range_inside_pool),
	KUNIT_CASE(mk_range_outside_rejected),
	KUNIT_CASE(mk_range_straddling_end_rejected),
	KUNIT_CASE(mk_range_overflow_rejected),
	{}
};

static struct kunit_suite mk_range_suite = {
	.name = "multikernel_pfn",
	.test_cases = mk_range_cases,
};

/* ---- memory ranges of another kernel ---- */

static int mem_parse(const char *s, struct mk_mem_range *r, unsigned int max,
		     struct mk_mem_bad *bad)
{
	memset(bad, 0xff, sizeof(*bad));
	return mk_mem_ranges_parse(s, r, max, bad);
}

static void mk_mem_parse_good(struct kunit *test)
{
	struct mk_mem_range r[MK_MAX_MEM_RANGES];
	struct mk_mem_bad bad;

	KUNIT_ASSERT_EQ(test, mem_parse("0x1000-0x9f000,0x100000-0x10000000",
					r, ARRAY_SIZE(r), &bad), 2);
	KUNIT_EXPECT_EQ(test, r[0].start, 0x1000);
	KUNIT_EXPECT_EQ(test, r[0].size, 0x9e000);
	KUNIT_EXPECT_EQ(test, r[1].start, 0x100000);
	KUNIT_EXPECT_EQ(test, r[1].size, 0x10000000 - 0x100000);
	KUNIT_EXPECT_NULL(test, r[1].virt);
	/* No 0x, either case, ranges that touch, the top of 64 bits. */
	KUNIT_ASSERT_EQ(test, mem_parse("1000-2000,0X2000-0xABCDE000", r,
					ARRAY_SIZE(r), &bad), 2);
	KUNIT_EXPECT_EQ(test, r[1].start, 0x2000);
	KUNIT_EXPECT_EQ(test, r[1].size, 0xabcde000 - 0x2000);
	KUNIT_EXPECT_EQ(test, mem_parse("0-0xfffffffffffff000", r, 1, &bad), 1);
	KUNIT_EXPECT_EQ(test, r[0].size, 0xfffffffffffff000);
}

static void mk_mem_parse_unsorted(struct kunit *test)
{
	struct mk_mem_range r[MK_MAX_MEM_RANGES];
	struct mk_mem_bad bad;

	KUNIT_EXPECT_EQ(test, mem_parse("0x1000-0x2000,0x200000-0x300000,0x100000-0x200000",
					r, ARRAY_SIZE(r), &bad), -EBUSY);
	KUNIT_EXPECT_EQ(test, bad.entry, 2);
	KUNIT_EXPECT_EQ(test, bad.offset, 32);
	KUNIT_EXPECT_STREQ(test, bad.why, "lies below the entry before it");
}

static void mk_mem_parse_overlapping(struct kunit *test)
{
	struct mk_mem_range r[MK_MAX_MEM_RANGES];
	struct mk_mem_bad bad;

	KUNIT_EXPECT_EQ(test, mem_parse("0x100000-0x300000,0x200000-0x400000",
					r, ARRAY_SIZE(r), &bad), -EBUSY);
	KUNIT_EXPECT_EQ(test, bad.entry, 1);
	KUNIT_EXPECT_STREQ(test, bad.why, "overlaps the entry before it");
	/* The same range twice. */
	KUNIT_EXPECT_EQ(test, mem_parse("0x1000-0x2000,0x1000-0x2000", r,
					ARRAY_SIZE(r), &bad), -EBUSY);
	KUNIT_EXPECT_EQ(test, bad.entry, 1);
}

static void mk_mem_parse_bad_range(struct kunit *test)
{
	static const char * const bad_ranges[] = {
		"0x3000-0x1000",		/* wraps */
		"0xfffffffffffff000-0",		/* wraps at 2^64 */
		"0x1000-0x1000",		/* empty */
		"0x1000-0x1800",		/* end not page aligned */
		"0x1800-0x3000",		/* start not page aligned */
	};
	struct mk_mem_range r[MK_MAX_MEM_RANGES];
	struct mk_mem_bad bad;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_ranges); i++) {
		KUNIT_EXPECT_EQ_MSG(test, mem_parse(bad_ranges[i], r,
						    ARRAY_SIZE(r), &bad),
				    -ERANGE, "%s", bad_ranges[i]);
		KUNIT_EXPECT_EQ(test, bad.entry, 0);
	}
	KUNIT_EXPECT_EQ(test, mem_parse("0x1000-0x2000,0x5000-0x4000", r,
					ARRAY_SIZE(r), &bad), -ERANGE);
	KUNIT_EXPECT_EQ(test, bad.entry, 1);
	KUNIT_EXPECT_EQ(test, bad.offset, 14);
}

static void mk_mem_parse_too_many(struct kunit *test)
{
	struct mk_mem_range r[MK_MAX_MEM_RANGES];
	struct mk_mem_bad bad;
	char *s, *p;
	int i;

	s = kunit_kzalloc(test, 32 * (MK_MAX_MEM_RANGES + 1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	p = s;
	for (i = 0; i < MK_MAX_MEM_RANGES; i++)
		p += sprintf(p, "%s%#x-%#x", i ? "," : "", (i + 1) << 20,
			     ((i + 1) << 20) + 0x1000);
	KUNIT_EXPECT_EQ(test, mem_parse(s, r, ARRAY_SIZE(r), &bad),
			MK_MAX_MEM_RANGES);
	KUNIT_EXPECT_EQ(test, r[MK_MAX_MEM_RANGES - 1].start,
			MK_MAX_MEM_RANGES << 20);
	sprintf(p, ",%#x-%#x", 64 << 20, (64 << 20) + 0x1000);
	KUNIT_EXPECT_EQ(test, mem_parse(s, r, ARRAY_SIZE(r), &bad), -E2BIG);
	KUNIT_EXPECT_EQ(test, bad.entry, MK_MAX_MEM_RANGES);
	KUNIT_EXPECT_EQ(test, bad.offset, p - s + 1);
	/* The room given, not the constant, is the limit. */
	KUNIT_EXPECT_EQ(test, mem_parse("0x1000-0x2000,0x3000-0x4000", r, 1,
					&bad), -E2BIG);
	KUNIT_EXPECT_EQ(test, bad.entry, 1);
}

static void mk_mem_parse_garbage(struct kunit *test)
{
	static const char * const garbage[] = {
		"foo", "0x1000", "0x1000-", "-0x2000", "0x1000--0x2000",
		"0x1000-0x2000,", "0x1000-0x2000,,0x3000-0x4000",
		"0x1000-0x2000 ", " 0x1000-0x2000", "0x1000-0x2000\n",
		"0x-0x1000", "0xg000-0x2000", "0x1000-0x2000;0x3000-0x4000",
		"0x1000+0x1000", "1000-2000k",
		/* 17 digits: beyond 64 bits, not silently truncated. */
		"0x10000000000001000-0x10000000000002000",
	};
	struct mk_mem_range r[MK_MAX_MEM_RANGES];
	struct mk_mem_bad bad;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(garbage); i++)
		KUNIT_EXPECT_EQ_MSG(test, mem_parse(garbage[i], r, ARRAY_SIZE(r),
						    &bad),
				    -EINVAL, "%s", garbage[i]);
	KUNIT_EXPECT_EQ(test, mem_parse("0x1000-0x2000,0x3000-0x4000,x", r,
					ARRAY_SIZE(r), &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad.entry, 2);
	KUNIT_EXPECT_EQ(test, bad.offset, 28);
}

static void mk_mem_parse_empty(struct kunit *test)
{
	struct mk_mem_range r[MK_MAX_MEM_RANGES];
	struct mk_mem_bad bad;

	KUNIT_EXPECT_EQ(test, mem_parse("", r, ARRAY_SIZE(r), &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad.entry, 0);
	KUNIT_EXPECT_EQ(test, bad.offset, 0);
	KUNIT_EXPECT_EQ(test, mem_parse(NULL, r, ARRAY_SIZE(r), &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad.entry, 0);
	KUNIT_EXPECT_EQ(test, mem_parse(",", r, ARRAY_SIZE(r), &bad), -EINVAL);
}

static int peer_parse(const char *s, struct mk_mem_range *r, unsigned int nr,
		      struct mk_mem_bad *bad)
{
	memset(bad, 0xff, sizeof(*bad));
	memset(r, 0xa5, nr * sizeof(*r));
	return mk_peer_ram_parse(s, r, nr, bad);
}

static void mk_peer_parse_good(struct kunit *test)
{
	struct mk_mem_range r[MK_MAX_INSTANCES];
	struct mk_mem_bad bad;

	KUNIT_ASSERT_EQ(test, peer_parse("2:0x60000000-0x70000000,1:0x40000000-0x60000000",
					 r, ARRAY_SIZE(r), &bad), 2);
	KUNIT_EXPECT_EQ(test, r[1].start, 0x40000000);
	KUNIT_EXPECT_EQ(test, r[1].size, 0x20000000);
	KUNIT_EXPECT_NULL(test, r[1].virt);
	KUNIT_EXPECT_EQ(test, r[2].start, 0x60000000);
	KUNIT_EXPECT_EQ(test, r[2].size, 0x10000000);
	/* Ids not named are empty, not left as they were. */
	KUNIT_EXPECT_EQ(test, r[0].size, 0);
	KUNIT_EXPECT_EQ(test, r[3].size, 0);
	KUNIT_EXPECT_EQ(test, r[MK_MAX_INSTANCES - 1].size, 0);
	KUNIT_EXPECT_EQ(test, peer_parse("7:1000-2000", r, MK_MAX_INSTANCES,
					 &bad), 1);
	KUNIT_EXPECT_EQ(test, r[7].start, 0x1000);
}

static void mk_peer_parse_refused(struct kunit *test)
{
	static const struct {
		const char *s;
		int err;
		unsigned int entry;
		const char *why;
	} bad_lists[] = {
		{ "", -EINVAL, 0, "is not <id>:<start>-<end>" },
		{ "1:0x1000-0x2000,", -EINVAL, 1, "is not <id>:<start>-<end>" },
		{ "0x1000-0x2000", -EINVAL, 0, "is not <id>:<start>-<end>" },
		{ ":0x1000-0x2000", -EINVAL, 0, "is not <id>:<start>-<end>" },
		{ "-1:0x1000-0x2000", -EINVAL, 0, "is not <id>:<start>-<end>" },
		{ "100000:0x1000-0x2000", -EINVAL, 0, "is not <id>:<start>-<end>" },
		{ "1:0x1000-0x2000 ", -EINVAL, 0, "is not <id>:<start>-<end>" },
		{ "8:0x1000-0x2000", -ERANGE, 0, "names an instance beyond the table" },
		{ "1:0x2000-0x1000", -ERANGE, 0, "is empty or wraps around" },
		{ "1:0x1000-0x1800", -ERANGE, 0, "is not page aligned" },
		{ "1:0x1000-0x2000,1:0x3000-0x4000", -EBUSY, 1,
		  "names an instance listed before" },
		{ "1:0x1000-0x3000,2:0x2000-0x4000", -EBUSY, 1,
		  "overlaps another instance's memory" },
		{ "2:0x2000-0x4000,1:0x1000-0x3000", -EBUSY, 1,
		  "overlaps another instance's memory" },
		{ "1:0x1000-0x2000,2:0x0-0x10000", -EBUSY, 1,
		  "overlaps another instance's memory" },
	};
	struct mk_mem_range r[MK_MAX_INSTANCES];
	struct mk_mem_bad bad;
	unsigned int i, id;

	for (i = 0; i < ARRAY_SIZE(bad_lists); i++) {
		KUNIT_EXPECT_EQ_MSG(test, peer_parse(bad_lists[i].s, r, ARRAY_SIZE(r),
						     &bad),
				    bad_lists[i].err, "%s", bad_lists[i].s);
		KUNIT_EXPECT_EQ_MSG(test, bad.entry, bad_lists[i].entry, "%s",
				    bad_lists[i].s);
		KUNIT_EXPECT_STREQ_MSG(test, bad.why, bad_lists[i].why, "%s",
				       bad_lists[i].s);
		/* Whole or nothing: an entry taken before the bad one is gone. */
		for (id = 0; id < ARRAY_SIZE(r); id++)
			KUNIT_EXPECT_EQ_MSG(test, r[id].size, 0, "%s id %u",
					    bad_lists[i].s, id);
	}
	KUNIT_EXPECT_EQ(test, peer_parse(NULL, r, ARRAY_SIZE(r), &bad), -EINVAL);
	/* The room given is the limit: id 2 of a table of 2 is beyond it. */
	KUNIT_EXPECT_EQ(test, peer_parse("2:0x1000-0x2000", r, 2, &bad), -ERANGE);
}

static struct mk_mem_range mem(u64 start, u64 end)
{
	return (struct mk_mem_range){ .start = start, .size = end - start };
}

static void mem_expect(struct kunit *test, const struct mk_mem_range *r,
		       int n, const u64 *bounds, int want)
{
	int i;

	KUNIT_ASSERT_EQ(test, n, want);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, r[i].start, bounds[2 * i]);
		KUNIT_EXPECT_EQ(test, r[i].start + r[i].size, bounds[2 * i + 1]);
	}
}

static void mk_mem_subtract_middle(struct kunit *test)
{
	static const u64 want[] = { 0x1000, 0x4000, 0x6000, 0x10000,
				    0x20000, 0x30000 };
	struct mk_mem_range r[4] = { mem(0x1000, 0x10000), mem(0x20000, 0x30000) };
	char *map = kunit_kzalloc(test, 0x10000, GFP_KERNEL);
	int n;

	KUNIT_ASSERT_NOT_NULL(test, map);
	r[0].virt = map;
	n = mk_mem_ranges_subtract(r, 2, ARRAY_SIZE(r), 0x4000, 0x2000);
	mem_expect(test, r, n, want, 3);
	/* Each piece's mapping is where its start is. */
	KUNIT_EXPECT_PTR_EQ(test, r[0].virt, map);
	KUNIT_EXPECT_PTR_EQ(test, r[1].virt, map + 0x5000);
	KUNIT_EXPECT_NULL(test, r[2].virt);
}

static void mk_mem_subtract_edges(struct kunit *test)
{
	static const u64 want_low[] = { 0x3000, 0x10000, 0x20000, 0x30000 };
	static const u64 want_high[] = { 0x3000, 0x8000, 0x20000, 0x30000 };
	static const u64 want_across[] = { 0x3000, 0x6000, 0x24000, 0x30000 };
	struct mk_mem_range r[4] = { mem(0x1000, 0x10000), mem(0x20000, 0x30000) };
	int n;

	/* The start of a range, from below it. */
	n = mk_mem_ranges_subtract(r, 2, 2, 0, 0x3000);
	mem_expect(test, r, n, want_low, 2);
	/* Its end, to beyond it. */
	n = mk_mem_ranges_subtract(r, n, 2, 0x8000, 0x10000);
	mem_expect(test, r, n, want_high, 2);
	/* The end of one and the start of the next. */
	n = mk_mem_ranges_subtract(r, n, 2, 0x6000, 0x1e000);
	mem_expect(test, r, n, want_across, 2);
}

static void mk_mem_subtract_whole(struct kunit *test)
{
	static const u64 want_one[] = { 0x1000, 0x2000, 0x5000, 0x6000 };
	static const u64 want_none[] = { 0 };
	struct mk_mem_range r[3] = { mem(0x1000, 0x2000), mem(0x3000, 0x4000),
				     mem(0x5000, 0x6000) };
	int n;

	/* Exactly one range: the others keep their order. */
	n = mk_mem_ranges_subtract(r, 3, 3, 0x3000, 0x1000);
	mem_expect(test, r, n, want_one, 2);
	/* Everything, and a hole that runs to the top of 64 bits. */
	n = mk_mem_ranges_subtract(r, n, 3, 0x1000, ~0ULL);
	mem_expect(test, r, n, want_none, 0);
}

static void mk_mem_subtract_none(struct kunit *test)
{
	static const u64 want[] = { 0x1000, 0x2000, 0x3000, 0x4000 };
	struct mk_mem_range r[2] = { mem(0x1000, 0x2000), mem(0x3000, 0x4000) };
	const struct mk_mem_range empty = { .start = 0x2000, .size = 0 };
	int n;

	/* Between, below, above, touching, and an empty hole inside. */
	n = mk_mem_ranges_subtract(r, 2, 2, 0x2000, 0x1000);
	n = mk_mem_ranges_subtract(r, n, 2, 0, 0x1000);
	n = mk_mem_ranges_subtract(r, n, 2, 0x4000, 0x100000);
	n = mk_mem_ranges_subtract(r, n, 2, 0x1800, 0);
	mem_expect(test, r, n, want, 2);
	/* A split with no room refuses and changes nothing. */
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_subtract(r, 2, 2, 0x3400, 0x100),
			-ENOSPC);
	mem_expect(test, r, 2, want, 2);
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_overlap(r, 2, 0x2000, 0x1000),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_overlap(r, 2, 0x2fff, 2), 1);
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_overlap(r, 2, 0, ~0ULL), 0);
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_overlap(r, 2, 0x1000, 0), -ENOENT);
	/* An empty range inside the one looked for meets nothing either. */
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_overlap(&empty, 1, 0x1000, 0x3000),
			-ENOENT);
}

/* Our own RAM as the core hands it out: the lists every receiver trusts. */
static void mk_mem_self_list(struct kunit *test)
{
	struct mk_mem_range r[MK_MAX_MEM_RANGES];
	struct mk_region *reg = &mk_region;
	u16 self = mk_self_instance();
	int n, i;

	if (!mk_ready())
		kunit_skip(test, "no mk_shared_memory=");
	n = mk_instance_memory(self, r, ARRAY_SIZE(r));
	KUNIT_ASSERT_GE(test, n, 1);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(r[i].start));
		KUNIT_EXPECT_TRUE(test, r[i].size && PAGE_ALIGNED(r[i].size));
		KUNIT_EXPECT_PTR_EQ(test, r[i].virt, phys_to_virt(r[i].start));
		KUNIT_EXPECT_EQ(test, mk_mem_ranges_overlap(&r[i], 1, reg->phys,
							    reg->size), -ENOENT);
		if (i)
			KUNIT_EXPECT_GE(test, r[i].start,
					r[i - 1].start + r[i - 1].size);
	}
	/* Where this kernel runs is RAM it may be sent frames from. */
	KUNIT_EXPECT_GE(test, mk_mem_ranges_overlap(r, n, __pa_symbol(_text), 1), 0);
	KUNIT_EXPECT_EQ(test, mk_instance_memory(self, r, 1), 1);
	KUNIT_EXPECT_EQ(test, mk_instance_memory(self, r, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_instance_memory(MK_MAX_INSTANCES, r, 1), -EINVAL);
}

/* What a memory file takes: each kind, and what it must refuse. */
static void mk_memory_spec_kinds(struct kunit *test)
{
	static const char * const bad[] = {
		"", "\n", "0", "0@cma", "512M@", "@cma", "512M@cmax", "512Mx",
		"512M@cma\n\n", "0@0x40000000", "512M@0x4000zz", "nonex",
		"-1", "cma", "512M@node", "512M@node-1", "512M@node1x",
		"512M@nodes", "0@node0", "512M@node99999999999999999999",
		"512M@node1\n\n",
	};
	phys_addr_t base;
	unsigned int i;
	u64 size;
	int nid;

	KUNIT_EXPECT_EQ(test, mk_memory_spec_parse("none\n", &size, &base,
						   &nid), MK_MEMORY_NONE);
	KUNIT_EXPECT_EQ(test, size, 0);
	KUNIT_EXPECT_EQ(test, mk_memory_spec_parse("512M", &size, &base, &nid),
			MK_MEMORY_SIZE);
	KUNIT_EXPECT_EQ(test, size, SZ_512M);
	KUNIT_EXPECT_EQ(test, nid, NUMA_NO_NODE);
	KUNIT_EXPECT_EQ(test, mk_memory_spec_parse("0x20000000@cma\n", &size,
						   &base, &nid), MK_MEMORY_CMA);
	KUNIT_EXPECT_EQ(test, size, SZ_512M);
	KUNIT_EXPECT_EQ(test, base, 0);
	KUNIT_EXPECT_EQ(test, mk_memory_spec_parse("1G@0x100000000\n", &size,
						   &base, &nid), MK_MEMORY_AT);
	KUNIT_EXPECT_EQ(test, size, SZ_1G);
	KUNIT_EXPECT_EQ(test, base, 0x100000000ULL);
	KUNIT_EXPECT_EQ(test, mk_memory_spec_parse("256M@node0\n", &size,
						   &base, &nid), MK_MEMORY_NODE);
	KUNIT_EXPECT_EQ(test, size, SZ_256M);
	KUNIT_EXPECT_EQ(test, nid, 0);
	/* The last node this kernel can know, and the first it cannot. */
	KUNIT_EXPECT_EQ(test, mk_memory_spec_parse(MAX_NUMNODES > 1 ?
						   "2M@node1" : "2M@node0",
						   &size, &base, &nid),
			MK_MEMORY_NODE);
	KUNIT_EXPECT_EQ(test, nid, MAX_NUMNODES > 1 ? 1 : 0);
	KUNIT_EXPECT_EQ(test, mk_memory_spec_parse(MAX_NUMNODES > 1 ?
						   "2M@node64" : "2M@node1",
						   &size, &base, &nid),
			MAX_NUMNODES > 64 ? MK_MEMORY_NODE : -EINVAL);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, mk_memory_spec_parse(bad[i], &size,
							       &base, &nid),
				    -EINVAL, "accepted '%s'", bad[i]);
}

/*
 * mk_instance_cma=: a size for all nodes, or a size per node as
 * hugetlb_cma= takes them; what it accepts, areas are declared from.
 */
static void mk_cma_spec_forms(struct kunit *test)
{
	static const char * const bad[] = {
		"", "0", "3M", "1G,", "0:", ":1G", "0:1G,", "0:1G,0:1G",
		"0:3M", "0:0", "x:1G", "0:1G;1:1G", "0:1Gx", "-1:1G", "1G:0",
		"0:1G,,1:1G", "99999999999999999999:1G",
	};
	u64 all, *per;
	unsigned int i;

	per = kunit_kcalloc(test, MK_CMA_NODES, sizeof(*per), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, per);
	KUNIT_EXPECT_EQ(test, mk_cma_spec_parse("1G", &all, per), 0);
	KUNIT_EXPECT_EQ(test, all, SZ_1G);
	KUNIT_EXPECT_EQ(test, per[0], 0);
	KUNIT_EXPECT_EQ(test, mk_cma_spec_parse("0:512M", &all, per), 0);
	KUNIT_EXPECT_EQ(test, all, 0);
	KUNIT_EXPECT_EQ(test, per[0], SZ_512M);
	if (MK_CMA_NODES > 1) {
		KUNIT_EXPECT_EQ(test, mk_cma_spec_parse("1:256M,0:2M", &all,
							per), 0);
		KUNIT_EXPECT_EQ(test, per[0], SZ_2M);
		KUNIT_EXPECT_EQ(test, per[1], SZ_256M);
	}
	/* A node this kernel cannot have is refused, not dropped. */
	KUNIT_EXPECT_EQ(test, mk_cma_spec_parse(MK_CMA_NODES > 1 ?
						"0:2M,64:2M" : "1:2M",
						&all, per),
			MK_CMA_NODES > 64 ? 0 : -EINVAL);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, mk_cma_spec_parse(bad[i], &all, per),
				    -EINVAL, "accepted '%s'", bad[i]);
		KUNIT_EXPECT_EQ(test, all, 0);
		KUNIT_EXPECT_FALSE_MSG(test,
				       memchr_inv(per, 0, MK_CMA_NODES * sizeof(*per)),
				       "'%s' left a node's size", bad[i]);
	}
	KUNIT_EXPECT_EQ(test, mk_cma_spec_parse(NULL, &all, per), -EINVAL);
}

/* ---- placing an instance's memory in the pool ---- */

#define FIT_POOL	0x40000000ULL

static int fit(const struct mk_mem_range *r, unsigned int n, u64 size,
	       u64 *at)
{
	*at = 0xdead;
	return mk_mem_ranges_first_fit(r, n, FIT_POOL, SZ_512M, size, SZ_2M,
				       at);
}

static void mk_fit_empty_pool(struct kunit *test)
{
	u64 at;

	KUNIT_EXPECT_EQ(test, fit(NULL, 0, SZ_512M, &at), 0);
	KUNIT_EXPECT_EQ(test, at, FIT_POOL);
	KUNIT_EXPECT_EQ(test, fit(NULL, 0, SZ_512M + SZ_2M, &at), -ENOSPC);
	KUNIT_EXPECT_EQ(test, at, 0xdead);
}

/*
 * Taken in a pool of 512 MiB: 0-32 MiB, 64-128 and 256-320, around an
 * empty range and beside one outside the pool.
 */
static const struct mk_mem_range fit_taken[] = {
	{ .start = FIT_POOL + SZ_64M, .size = SZ_64M },
	{ .start = FIT_POOL, .size = SZ_32M },
	{ .start = FIT_POOL + SZ_32M, .size = 0 },
	{ .start = 0x1000000, .size = SZ_256M },
	{ .start = FIT_POOL + SZ_256M, .size = SZ_64M },
};

/* Between the others, lowest first; ranges of size 0 and elsewhere ignored. */
static void mk_fit_gaps(struct kunit *test)
{
	const struct mk_mem_range *r = fit_taken;
	u64 at;

	KUNIT_EXPECT_EQ(test, fit(r, ARRAY_SIZE(fit_taken), SZ_32M, &at), 0);
	KUNIT_EXPECT_EQ(test, at, FIT_POOL + SZ_32M);
	KUNIT_EXPECT_EQ(test, fit(r, ARRAY_SIZE(fit_taken), SZ_64M, &at), 0);
	KUNIT_EXPECT_EQ(test, at, FIT_POOL + SZ_128M);
	KUNIT_EXPECT_EQ(test, fit(r, ARRAY_SIZE(fit_taken), SZ_128M, &at), 0);
	KUNIT_EXPECT_EQ(test, at, FIT_POOL + SZ_128M);
	KUNIT_EXPECT_EQ(test, fit(r, ARRAY_SIZE(fit_taken), SZ_128M + SZ_2M, &at), 0);
	KUNIT_EXPECT_EQ(test, at, FIT_POOL + SZ_256M + SZ_64M);
	KUNIT_EXPECT_EQ(test, fit(r, ARRAY_SIZE(fit_taken), SZ_256M, &at), -ENOSPC);
}

/* A range that ends off the alignment pushes the next place up to it. */
static void mk_fit_unaligned_neighbour(struct kunit *test)
{
	const struct mk_mem_range r[] = {
		{ .start = FIT_POOL, .size = SZ_2M + 1 },
	};
	u64 at;

	KUNIT_EXPECT_EQ(test, fit(r, 1, SZ_2M, &at), 0);
	KUNIT_EXPECT_EQ(test, at, FIT_POOL + SZ_4M);
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_first_fit(NULL, 0, FIT_POOL + 1,
						      SZ_4M, SZ_2M, SZ_2M, &at), 0);
	KUNIT_EXPECT_EQ(test, at, FIT_POOL + SZ_2M);
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_first_fit(NULL, 0, FIT_POOL + 1,
						      SZ_4M - 2, SZ_2M, SZ_2M, &at),
			-ENOSPC);
}

static void mk_fit_refused(struct kunit *test)
{
	const struct mk_mem_range wraps[] = {
		{ .start = ~0ULL - SZ_2M, .size = SZ_4M },
	};
	u64 at;

	KUNIT_EXPECT_EQ(test, fit(NULL, 0, 0, &at), -EINVAL);
	KUNIT_EXPECT_EQ(test, fit(NULL, 0, SZ_2M + 4096, &at), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_first_fit(NULL, 0, FIT_POOL, SZ_4M,
						      SZ_2M, 3 * SZ_1M, &at),
			-EINVAL);
	/* The top of the address space: no wrap, in the pool or a range. */
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_first_fit(NULL, 0, ~0ULL - SZ_1M,
						      SZ_4M, SZ_2M, SZ_2M, &at),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_first_fit(wraps, 1, ~0ULL - SZ_8M,
						      SZ_8M, SZ_2M, SZ_2M, &at), 0);
	KUNIT_EXPECT_EQ(test, at, ~0ULL - SZ_8M + 1);
}

/* What first fit could still place: the same pools, by the largest piece. */
static void mk_fit_largest_gap(struct kunit *test)
{
	const struct mk_mem_range *r = fit_taken;
	const struct mk_mem_range odd[] = {
		{ .start = FIT_POOL, .size = SZ_2M + 1 },
		{ .start = FIT_POOL + SZ_8M + 1, .size = SZ_2M },
	};
	const struct mk_mem_range whole[] = {
		{ .start = 0, .size = ~0ULL },
	};
	u64 at;

	KUNIT_EXPECT_EQ(test, mk_mem_ranges_largest_gap(NULL, 0, FIT_POOL,
							SZ_512M, SZ_2M), SZ_512M);
	/* Pieces of 32, 128 and 192 MiB. */
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_largest_gap(r, ARRAY_SIZE(fit_taken),
							FIT_POOL, SZ_512M,
							SZ_2M), SZ_256M - SZ_64M);
	/* Agrees with first fit on either side of the answer. */
	KUNIT_EXPECT_EQ(test, fit(r, ARRAY_SIZE(fit_taken), SZ_256M - SZ_64M, &at), 0);
	KUNIT_EXPECT_EQ(test, fit(r, ARRAY_SIZE(fit_taken), SZ_256M - SZ_64M + SZ_2M, &at),
			-ENOSPC);
	/* Unaligned ends: [4M, 8M) below the second, [12M, 16M) above it. */
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_largest_gap(odd, ARRAY_SIZE(odd),
							FIT_POOL, SZ_16M,
							SZ_2M), SZ_4M);
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_largest_gap(whole, 1, FIT_POOL,
							SZ_512M, SZ_2M), 0);
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_largest_gap(NULL, 0, FIT_POOL,
							SZ_512M, 3 * SZ_1M), 0);
	/* A pool at the top of the address space: no wrap. */
	KUNIT_EXPECT_EQ(test, mk_mem_ranges_largest_gap(NULL, 0, ~0ULL - SZ_8M,
							SZ_16M, SZ_2M),
			SZ_8M - SZ_2M);
}

static struct kunit_case mk_mem_cases[] = {
	KUNIT_CASE(mk_fit_empty_pool),
	KUNIT_CASE(mk_fit_gaps),
	KUNIT_CASE(mk_fit_unaligned_neighbour),
	KUNIT_CASE(mk_fit_refused),
	KUNIT_CASE(mk_fit_largest_gap),
	KUNIT_CASE(mk_mem_parse_good),
	KUNIT_CASE(mk_mem_parse_unsorted),
	KUNIT_CASE(mk_mem_parse_overlapping),
	KUNIT_CASE(mk_mem_parse_bad_range),
	KUNIT_CASE(mk_mem_parse_too_many),
	KUNIT_CASE(mk_mem_parse_garbage),
	KUNIT_CASE(mk_mem_parse_empty),
	KUNIT_CASE(mk_peer_parse_good),
	KUNIT_CASE(mk_peer_parse_refused),
	KUNIT_CASE(mk_mem_subtract_middle),
	KUNIT_CASE(mk_mem_subtract_edges),
	KUNIT_CASE(mk_mem_subtract_whole),
	KUNIT_CASE(mk_mem_subtract_none),
	KUNIT_CASE(mk_mem_self_list),
	KUNIT_CASE(mk_memory_spec_kinds),
	KUNIT_CASE(mk_cma_spec_forms),
	{}
};

static struct kunit_suite mk_mem_suite = {
	.name = "multikernel_memory",
	.test_cases = mk_mem_cases,
};

/* ---- the ring on its own ---- */

struct ring_fixture {
	struct mk_ring *ring;
	struct mk_ring_tx tx;
	struct mk_ring_rx rx;
};

#define RING_MAX_PRODUCERS	64

struct ring_sink {
	unsigned int count;
	u32 last_seq[RING_MAX_PRODUCERS];
	bool order_ok;
	bool accept;
	struct mk_msg last;
};

static int ring_init(struct kunit *test)
{
	struct ring_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->ring = kunit_kzalloc(test, sizeof(*f->ring), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->ring);
	mk_ring_tx_init(&f->tx, f->ring);
	mk_ring_rx_init(&f->rx, f->ring, 3);
	test->priv = f;
	return 0;
}

static bool ring_sink_deliver(const struct mk_msg *msg, void *arg)
{
	struct ring_sink *s = arg;
	u32 prod, seq;

	if (!s->accept)
		return false;
	s->last = *msg;
	if (msg->len == 2 * sizeof(u32)) {
		memcpy(&prod, msg->data, sizeof(prod));
		memcpy(&seq, msg->data + sizeof(prod), sizeof(seq));
		if (prod >= RING_MAX_PRODUCERS) {
			s->order_ok = false;
		} else {
			if (seq != s->last_seq[prod] + 1)
				s->order_ok = false;
			s->last_seq[prod] = seq;
		}
	}
	s->count++;
	return true;
}

/* The rings' locks are taken in hard IRQ; keep lockdep's view consistent. */
static unsigned int ring_drain(struct ring_fixture *f, struct ring_sink *s)
{
	unsigned long flags;
	unsigned int n;

	local_irq_save(flags);
	n = mk_ring_consume(&f->rx, ring_sink_deliver, s, MK_RING_SLOTS);
	local_irq_restore(flags);
	return n;
}

static int ring_send_seq(struct ring_fixture *f, u32 prod, u32 seq)
{
	u32 buf[2] = { prod, seq };

	return mk_ring_produce(&f->tx, MK_MSG_TEST, 0, buf, sizeof(buf));
}

static struct ring_sink *ring_sink_new(struct kunit *test)
{
	struct ring_sink *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->order_ok = true;
	s->accept = true;
	return s;
}

static void mk_ring_empty(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);

	KUNIT_EXPECT_EQ(test, ring_drain(f, s), 0);
	KUNIT_EXPECT_EQ(test, s->count, 0);
	KUNIT_EXPECT_EQ(test, f->rx.corrupt, 0);
}

static void mk_ring_roundtrip(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);
	u8 payload[MK_MSG_MAX_DATA];
	int i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = i * 7;
	KUNIT_ASSERT_EQ(test, mk_ring_produce(&f->tx, MK_MSG_TEST, 42, payload,
					      sizeof(payload)), 0);
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), 1);
	KUNIT_EXPECT_EQ(test, s->count, 1);
	KUNIT_EXPECT_EQ(test, s->last.type, MK_MSG_TEST);
	KUNIT_EXPECT_EQ(test, s->last.src_apicid, 42);
	KUNIT_EXPECT_EQ(test, s->last.src_instance, 3);
	KUNIT_EXPECT_EQ(test, s->last.len, sizeof(payload));
	KUNIT_EXPECT_MEMEQ(test, s->last.data, payload, sizeof(payload));
	KUNIT_EXPECT_EQ(test, f->rx.received, 1);
	KUNIT_EXPECT_EQ(test, f->tx.sent, 1);
}

static void mk_ring_full_refuses(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);
	u32 i;

	for (i = 1; i <= MK_RING_SLOTS; i++)
		KUNIT_ASSERT_EQ(test, ring_send_seq(f, 0, i), 0);
	/* Nothing is overwritten: the next send fails and is counted. */
	KUNIT_EXPECT_EQ(test, ring_send_seq(f, 0, i), -ENOSPC);
	KUNIT_EXPECT_EQ(test, f->tx.ring_full, 1);
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), MK_RING_SLOTS);
	KUNIT_EXPECT_TRUE(test, s->order_ok);
	KUNIT_EXPECT_EQ(test, s->last_seq[0], MK_RING_SLOTS);
	KUNIT_EXPECT_EQ(test, ring_send_seq(f, 0, i), 0);
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), 1);
	KUNIT_EXPECT_EQ(test, s->last_seq[0], MK_RING_SLOTS + 1);
}

static void mk_ring_wraps_in_order(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);
	u32 seq = 0, batch, i;

	for (batch = 1; seq < 5 * MK_RING_SLOTS; batch = batch % MK_RING_SLOTS + 7) {
		for (i = 0; i < batch && i < MK_RING_SLOTS; i++)
			KUNIT_ASSERT_EQ(test, ring_send_seq(f, 1, ++seq), 0);
		ring_drain(f, s);
	}
	KUNIT_EXPECT_TRUE(test, s->order_ok);
	KUNIT_EXPECT_EQ(test, s->count, seq);
	KUNIT_EXPECT_EQ(test, f->tx.ring_full, 0);
}

static void mk_ring_index_wraps_at_2_32(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);
	u32 i;

	f->ring->head = U32_MAX - 20;
	f->ring->tail = U32_MAX - 20;
	mk_ring_tx_init(&f->tx, f->ring);
	mk_ring_rx_init(&f->rx, f->ring, 3);
	for (i = 1; i <= 3 * MK_RING_SLOTS; i++) {
		KUNIT_ASSERT_EQ(test, ring_send_seq(f, 2, i), 0);
		if (i % 16 == 0)
			ring_drain(f, s);
	}
	ring_drain(f, s);
	KUNIT_EXPECT_TRUE(test, s->order_ok);
	KUNIT_EXPECT_EQ(test, s->count, 3 * MK_RING_SLOTS);
	KUNIT_EXPECT_EQ(test, f->rx.corrupt, 0);
}

static void mk_ring_corrupt_head_skipped(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);
	u32 tail = f->rx.tail;

	WRITE_ONCE(f->ring->head, tail + MK_RING_SLOTS + 1);
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), 0);
	KUNIT_EXPECT_EQ(test, f->rx.corrupt, 1);
	KUNIT_EXPECT_EQ(test, f->rx.tail, tail);
	WRITE_ONCE(f->ring->head, tail - 1);
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), 0);
	KUNIT_EXPECT_EQ(test, f->rx.corrupt, 2);
	KUNIT_EXPECT_EQ(test, s->count, 0);
}

static void mk_ring_bogus_tail_means_full(struct kunit *test)
{
	struct ring_fixture *f = test->priv;

	/* A consumer claiming to be ahead of the producer. */
	WRITE_ONCE(f->ring->tail, f->tx.head + 5);
	KUNIT_EXPECT_EQ(test, ring_send_seq(f, 0, 1), -ENOSPC);
	KUNIT_EXPECT_EQ(test, f->tx.ring_full, 1);
}

/* Send @n messages, at most a ring's worth, and take them. */
static void ring_pass(struct kunit *test, struct ring_fixture *f,
		      struct ring_sink *s, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, ring_send_seq(f, 0, f->tx.sent + 1), 0);
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), n);
}

/* 0xff over the tail reads as a full ring until the consumer republishes. */
static void mk_ring_ff_tail_heals(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);

	ring_pass(test, f, s, MK_RING_SLOTS);
	ring_pass(test, f, s, 36);
	memset(&f->ring->tail, 0xff, sizeof(f->ring->tail));
	KUNIT_EXPECT_EQ(test, ring_send_seq(f, 0, f->tx.sent + 1), -ENOSPC);
	KUNIT_EXPECT_FALSE(test, mk_ring_rx_republish(&f->rx));
	KUNIT_EXPECT_EQ(test, READ_ONCE(f->ring->tail), f->rx.tail);
	ring_pass(test, f, s, 3);
	KUNIT_EXPECT_TRUE(test, s->order_ok);
	KUNIT_EXPECT_EQ(test, f->rx.resync, 0);
}

/* A garbage head is skipped until the producer republishes its own. */
static void mk_ring_garbage_head_heals(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);

	ring_pass(test, f, s, 10);
	WRITE_ONCE(f->ring->head, 0x5a5a5a5a);
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), 0);
	KUNIT_EXPECT_EQ(test, f->rx.corrupt, 1);
	mk_ring_tx_republish(&f->tx);
	KUNIT_EXPECT_EQ(test, READ_ONCE(f->ring->head), f->tx.head);
	ring_pass(test, f, s, 3);
	KUNIT_EXPECT_TRUE(test, s->order_ok);
}

/*
 * A garbage head a few slots ahead is believed: the consumer reads past
 * the real head.  Once the producer's head has stayed behind the tail for
 * a whole republish period, the consumer takes it and both are in step.
 */
static void mk_ring_resync_after_believed_head(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);
	u32 head = f->tx.head;

	WRITE_ONCE(f->ring->head, head + 5);
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), 5);
	KUNIT_EXPECT_EQ(test, f->rx.tail, head + 5);
	mk_ring_tx_republish(&f->tx);
	mk_ring_rx_republish(&f->rx);
	/* Tail published ahead of our head: we must not send yet. */
	KUNIT_EXPECT_EQ(test, ring_send_seq(f, 0, f->tx.sent + 1), -ENOSPC);
	KUNIT_EXPECT_EQ(test, f->rx.resync, 0);
	mk_ring_tx_republish(&f->tx);
	mk_ring_rx_republish(&f->rx);
	KUNIT_EXPECT_EQ(test, f->rx.resync, 1);
	KUNIT_EXPECT_EQ(test, f->rx.tail, head);
	ring_pass(test, f, s, MK_RING_SLOTS);
	KUNIT_EXPECT_TRUE(test, s->order_ok);
}

/* Messages whose doorbell was spent while the ring read as corrupt. */
static void mk_ring_stranded_reported(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);

	KUNIT_ASSERT_EQ(test, ring_send_seq(f, 0, 1), 0);
	/* Just published: its interrupt may still be on the way. */
	KUNIT_EXPECT_FALSE(test, mk_ring_rx_republish(&f->rx));
	KUNIT_EXPECT_TRUE(test, mk_ring_rx_republish(&f->rx));
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), 1);
	KUNIT_EXPECT_FALSE(test, mk_ring_rx_republish(&f->rx));
}

static void mk_ring_bad_slots_dropped(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);
	struct mk_slot *slot;

	KUNIT_ASSERT_EQ(test, ring_send_seq(f, 0, 1), 0);
	KUNIT_ASSERT_EQ(test, ring_send_seq(f, 0, 2), 0);
	KUNIT_ASSERT_EQ(test, ring_send_seq(f, 0, 3), 0);
	KUNIT_ASSERT_EQ(test, ring_send_seq(f, 0, 4), 0);
	slot = &f->ring->slots[f->rx.tail % MK_RING_SLOTS];
	slot->len = MK_MSG_MAX_DATA + 1;		/* too long */
	slot = &f->ring->slots[(f->rx.tail + 1) % MK_RING_SLOTS];
	slot->type = MK_MSG_INVALID;
	slot = &f->ring->slots[(f->rx.tail + 2) % MK_RING_SLOTS];
	slot->type = 0xffff;				/* from the future */
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), 4);
	KUNIT_EXPECT_EQ(test, f->rx.dropped, 2);
	KUNIT_EXPECT_EQ(test, f->rx.unknown_type, 1);
	KUNIT_EXPECT_EQ(test, s->count, 1);
	KUNIT_EXPECT_EQ(test, s->last_seq[0], 4);
}

static void mk_ring_unhandled_counted(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);

	s->accept = false;
	KUNIT_ASSERT_EQ(test, ring_send_seq(f, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), 1);
	KUNIT_EXPECT_EQ(test, f->rx.unknown_type, 1);
	KUNIT_EXPECT_EQ(test, f->rx.received, 0);
}

#define MP_PER_PRODUCER 3000

struct mp_ctx {
	struct ring_fixture *f;
	u32 id;
	atomic_t *running;
	struct completion done;
	int err;
};

static int mp_producer(void *arg)
{
	struct mp_ctx *c = arg;
	u32 seq = 1;
	int err;

	while (seq <= MP_PER_PRODUCER) {
		err = ring_send_seq(c->f, c->id, seq);
		if (!err)
			seq++;
		else if (err != -ENOSPC)
			c->err = err;
		else
			cond_resched();
	}
	atomic_dec(c->running);
	complete(&c->done);
	return 0;
}

/* Producers on every CPU at once; the consumer drains concurrently. */
static void mk_ring_many_producers(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);
	unsigned int cpu, n = 0, i;
	struct mp_ctx *ctx;
	atomic_t running;
	unsigned long timeout = jiffies + 120 * HZ;

	ctx = kunit_kcalloc(test, num_online_cpus(), sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	atomic_set(&running, num_online_cpus());
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (n == RING_MAX_PRODUCERS)
			break;
		ctx[n] = (struct mp_ctx){ .f = f, .id = n, .running = &running };
		init_completion(&ctx[n].done);
		t = kthread_create_on_cpu(mp_producer, &ctx[n], cpu, "mk_mp/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		wake_up_process(t);
		n++;
	}
	while ((atomic_read(&running) || READ_ONCE(f->ring->head) != f->rx.tail) &&
	       time_before(jiffies, timeout)) {
		if (!ring_drain(f, s))
			cond_resched();
	}
	for (i = 0; i < n; i++) {
		wait_for_completion(&ctx[i].done);
		KUNIT_EXPECT_EQ(test, ctx[i].err, 0);
		KUNIT_EXPECT_EQ(test, s->last_seq[i], MP_PER_PRODUCER);
	}
	KUNIT_EXPECT_TRUE(test, s->order_ok);
	KUNIT_EXPECT_EQ(test, s->count, n * MP_PER_PRODUCER);
	KUNIT_EXPECT_EQ(test, f->rx.dropped + f->rx.corrupt, 0);
}

/* A drain with a small budget leaves the rest in the ring, in order. */
static void mk_ring_budget_leaves_rest(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct ring_sink *s = ring_sink_new(test);
	unsigned long flags;
	unsigned int n;
	u32 i;

	for (i = 1; i <= 10; i++)
		KUNIT_ASSERT_EQ(test, ring_send_seq(f, 0, i), 0);
	local_irq_save(flags);
	n = mk_ring_consume(&f->rx, ring_sink_deliver, s, 3);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, n, 3);
	KUNIT_EXPECT_EQ(test, s->count, 3);
	KUNIT_EXPECT_EQ(test, READ_ONCE(f->ring->tail), f->tx.head - 7);
	local_irq_save(flags);
	n = mk_ring_consume(&f->rx, ring_sink_deliver, s, 0);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, n, 0);
	KUNIT_EXPECT_EQ(test, ring_drain(f, s), 7);
	KUNIT_EXPECT_EQ(test, s->count, 10);
	KUNIT_EXPECT_EQ(test, s->last_seq[0], 10);
	KUNIT_EXPECT_TRUE(test, s->order_ok);
	KUNIT_EXPECT_EQ(test, f->rx.dropped + f->rx.corrupt, 0);
}

static void mk_bells_split_cases(struct kunit *test)
{
	unsigned long later;
	unsigned int unknown;

	/* A peer sets every bit: only the registered ones run. */
	KUNIT_EXPECT_EQ(test, mk_bells_split(~0UL, 0x5UL, 8, &later, &unknown),
			0x5UL);
	KUNIT_EXPECT_EQ(test, later, 0UL);
	KUNIT_EXPECT_EQ(test, unknown, BITS_PER_LONG - 2);
	/* Over budget: the lowest run, the others wait, none is lost. */
	KUNIT_EXPECT_EQ(test, mk_bells_split(0xf0UL, 0xffUL, 3, &later,
					     &unknown), 0x70UL);
	KUNIT_EXPECT_EQ(test, later, 0x80UL);
	KUNIT_EXPECT_EQ(test, unknown, 0);
	KUNIT_EXPECT_EQ(test, mk_bells_split(0xf0UL, 0xffUL, 0, &later,
					     &unknown), 0UL);
	KUNIT_EXPECT_EQ(test, later, 0xf0UL);
	/* Nothing registered: all counted, nothing kept. */
	KUNIT_EXPECT_EQ(test, mk_bells_split(~0UL, 0, 100, &later, &unknown),
			0UL);
	KUNIT_EXPECT_EQ(test, later, 0UL);
	KUNIT_EXPECT_EQ(test, unknown, BITS_PER_LONG);
	KUNIT_EXPECT_EQ(test, mk_bells_split(0, ~0UL, 100, &later, &unknown),
			0UL);
	KUNIT_EXPECT_EQ(test, later | unknown, 0UL);
}

static void mk_budget_per_tick(struct kunit *test)
{
	struct mk_budget b = { .tick = 41 };

	KUNIT_EXPECT_EQ(test, mk_budget_refill(&b, 41, 100, 1000), 0);
	KUNIT_EXPECT_EQ(test, mk_budget_refill(&b, 42, 100, 1000), 100);
	KUNIT_EXPECT_EQ(test, mk_budget_charge(&b, 60, 10), 40);
	/* Same tick: what was spent stays spent. */
	KUNIT_EXPECT_EQ(test, mk_budget_refill(&b, 42, 100, 1000), 40);
	KUNIT_EXPECT_EQ(test, mk_budget_charge(&b, 40, 10), 0);
	KUNIT_EXPECT_EQ(test, mk_budget_refill(&b, 42, 100, 1000), 0);
	/* Any other tick, even after jiffies wrapped, brings a new budget. */
	KUNIT_EXPECT_EQ(test, mk_budget_refill(&b, 0, 100, 1000), 100);
	/* Little work that took the tick's time spends the budget too. */
	KUNIT_EXPECT_EQ(test, mk_budget_charge(&b, 1, 600), 99);
	KUNIT_EXPECT_EQ(test, mk_budget_charge(&b, 1, 400), 0);
	KUNIT_EXPECT_EQ(test, mk_budget_refill(&b, 0, 100, 1000), 0);
	KUNIT_EXPECT_EQ(test, mk_budget_refill(&b, 1, 100, 1000), 100);
	KUNIT_EXPECT_EQ(test, b.ns_left, 1000);
}

static atomic_t ring_bell_calls;

static void ring_bell_handler(u16 src, void *ctx)
{
	atomic_inc(&ring_bell_calls);
}

/*
 * Every bit of a ring's doorbells set: the bits nobody registered are
 * counted and cleared without a handler lookup each; ours waits in the
 * ring while there is no budget and runs once there is.
 */
static void mk_bells_take_masked(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	long unknown0 = atomic_long_read(&f->rx.bells_unknown);
	unsigned int w, set = 0, ran;
	unsigned long flags;
	int nr;

	nr = mk_bell_register(ring_bell_handler, NULL);
	KUNIT_ASSERT_GE(test, nr, 0);
	atomic_set(&ring_bell_calls, 0);
	for (w = 0; w < MK_BELL_WORDS; w++)
		f->ring->bells[w] = ~0ULL;

	local_irq_save(flags);
	ran = mk_bells_take(&f->rx, 0);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, ran, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ring_bell_calls), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(nr, (unsigned long *)f->ring->bells));
	for (w = 0; w < MK_BELL_WORDS; w++)
		set += hweight64(f->ring->bells[w]);
	/* What is left is registered; everything else was counted. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&f->rx.bells_unknown) - unknown0,
			MK_MAX_BELLS - set);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&f->rx.bells_later), set);

	/* Only ours left set: one budget unit runs it. */
	for (w = 0; w < MK_BELL_WORDS; w++)
		f->ring->bells[w] = 0;
	set_bit(nr, (unsigned long *)f->ring->bells);
	local_irq_save(flags);
	ran = mk_bells_take(&f->rx, 1);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, ran, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ring_bell_calls), 1);
	KUNIT_EXPECT_FALSE(test, mk_bells_waiting(&f->rx));
	mk_bell_unregister(nr);
}

/*
 * A bit found set at one heartbeat has its IPI on the way; only one still
 * set at the next, with no drain between, is the heartbeat's to take.
 * Taking it early would run the handler on the heartbeat's CPU.
 */
static void mk_bells_stranded_reported(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	unsigned long flags;
	int nr, i;

	nr = mk_bell_register(ring_bell_handler, NULL);
	KUNIT_ASSERT_GE(test, nr, 0);
	KUNIT_EXPECT_FALSE(test, mk_bells_stranded(&f->rx));
	/* The second time it was drained, then rung again: on its way. */
	for (i = 0; i < 2; i++) {
		set_bit(nr, (unsigned long *)f->ring->bells);
		KUNIT_EXPECT_FALSE(test, mk_bells_stranded(&f->rx));
		KUNIT_EXPECT_TRUE(test, mk_bells_stranded(&f->rx));
		local_irq_save(flags);
		KUNIT_EXPECT_EQ(test, mk_bells_take(&f->rx, 1), 1);
		local_irq_restore(flags);
	}
	KUNIT_EXPECT_FALSE(test, mk_bells_stranded(&f->rx));
	KUNIT_EXPECT_FALSE(test, mk_bells_stranded(&f->rx));
	mk_bell_unregister(nr);
}

static struct kunit_case mk_ring_cases[] = {
	KUNIT_CASE(mk_ring_empty),
	KUNIT_CASE(mk_ring_roundtrip),
	KUNIT_CASE(mk_ring_full_refuses),
	KUNIT_CASE(mk_ring_wraps_in_order),
	KUNIT_CASE(mk_ring_index_wraps_at_2_32),
	KUNIT_CASE(mk_ring_corrupt_head_skipped),
	KUNIT_CASE(mk_ring_bogus_tail_means_full),
	KUNIT_CASE(mk_ring_ff_tail_heals),
	KUNIT_CASE(mk_ring_garbage_head_heals),
	KUNIT_CASE(mk_ring_resync_after_believed_head),
	KUNIT_CASE(mk_ring_stranded_reported),
	KUNIT_CASE(mk_ring_bad_slots_dropped),
	KUNIT_CASE(mk_ring_unhandled_counted),
	KUNIT_CASE(mk_ring_budget_leaves_rest),
	KUNIT_CASE(mk_bells_split_cases),
	KUNIT_CASE(mk_budget_per_tick),
	KUNIT_CASE(mk_bells_take_masked),
	KUNIT_CASE(mk_bells_stranded_reported),
	KUNIT_CASE_SLOW(mk_ring_many_producers),
	{}
};

static struct kunit_suite mk_ring_suite = {
	.name = "multikernel_ring",
	.init = ring_init,
	.test_cases = mk_ring_cases,
};

/* ---- console rings: the pure index logic of layout.c ---- */

static void mk_con_areas_in_layout(struct kunit *test)
{
	struct mk_layout l;

	KUNIT_ASSERT_EQ(test, mk_layout_compute(TEST_REGION_SIZE, &l), 0);
	KUNIT_EXPECT_GE(test, l.console_off, l.rings_off +
			l.ring_stride * MK_MAX_INSTANCES * MK_MAX_INSTANCES);
	KUNIT_EXPECT_GE(test, l.console_stride,
			sizeof(struct mk_console_area));
	KUNIT_EXPECT_EQ(test, l.console_off % PAGE_SIZE, 0);
	KUNIT_EXPECT_EQ(test, l.console_stride % PAGE_SIZE, 0);
	KUNIT_EXPECT_LE(test, l.console_off +
			l.console_stride * MK_MAX_INSTANCES, l.pool_off);
}

static void mk_con_out_reads_what_is_new(struct kunit *test)
{
	struct mk_con_view v;

	KUNIT_ASSERT_EQ(test, mk_con_out_view(100, 40, &v), 0);
	KUNIT_EXPECT_EQ(test, v.first, 40);
	KUNIT_EXPECT_EQ(test, v.count, 60);
	KUNIT_EXPECT_EQ(test, v.lost, 0);
	KUNIT_ASSERT_EQ(test, mk_con_out_view(100, 100, &v), 0);
	KUNIT_EXPECT_EQ(test, v.count, 0);
	/* Across the wrap of the index at 2^32. */
	KUNIT_ASSERT_EQ(test, mk_con_out_view(0x10, 0xfffffff0, &v), 0);
	KUNIT_EXPECT_EQ(test, v.first, 0xfffffff0);
	KUNIT_EXPECT_EQ(test, v.count, 0x20);
	/* A whole window is readable, not one byte more. */
	KUNIT_ASSERT_EQ(test, mk_con_out_view(MK_CON_OUT_WINDOW, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v.count, MK_CON_OUT_WINDOW);
	KUNIT_EXPECT_EQ(test, v.lost, 0);
}

static void mk_con_out_lapped_reader_skips(struct kunit *test)
{
	struct mk_con_view v;
	u32 head = 5 * MK_CON_OUT_SIZE + 7;

	KUNIT_ASSERT_EQ(test, mk_con_out_view(head, 3, &v), 0);
	KUNIT_EXPECT_EQ(test, v.count, MK_CON_OUT_WINDOW);
	KUNIT_EXPECT_EQ(test, v.first, head - MK_CON_OUT_WINDOW);
	KUNIT_EXPECT_EQ(test, v.lost, head - MK_CON_OUT_WINDOW - 3);
}

/* Whatever the head, nothing more than a window, ending at the head. */
static void mk_con_out_garbage_head(struct kunit *test)
{
	static const u32 heads[] = { 0, 1, 0x7fffffff, 0x80000000, 0x80000001,
				     0xdeadbeef, 0xfffffffe, 0xffffffff };
	static const u32 pos[] = { 0, 100, 0x80000000, 0xffffff00 };
	struct mk_con_view v;
	unsigned int i, j;
	int err;

	for (i = 0; i < ARRAY_SIZE(heads); i++) {
		for (j = 0; j < ARRAY_SIZE(pos); j++) {
			err = mk_con_out_view(heads[i], pos[j], &v);
			if (err) {
				KUNIT_EXPECT_EQ(test, err, -ERANGE);
				KUNIT_EXPECT_GE(test, heads[i] - pos[j],
						0x80000000U);
				continue;
			}
			KUNIT_EXPECT_LE(test, v.count, MK_CON_OUT_WINDOW);
			KUNIT_EXPECT_EQ(test, (u32)(v.first + v.count), heads[i]);
			KUNIT_EXPECT_EQ(test, (u32)(pos[j] + v.lost), v.first);
		}
	}
	/* A head behind the reader is impossible. */
	KUNIT_EXPECT_EQ(test, mk_con_out_view(99, 100, &v), -ERANGE);
}

static void mk_con_out_clobbered_prefix(struct kunit *test)
{
	u32 head = 10 * MK_CON_OUT_SIZE, first = head - MK_CON_OUT_WINDOW;

	/* The producer did not move: the whole copy stands. */
	KUNIT_EXPECT_EQ(test, mk_con_out_clobbered(head, first, 1000), 0);
	/* It wrote 300 bytes: the 300 oldest we copied may be new ones. */
	KUNIT_EXPECT_EQ(test, mk_con_out_clobbered(head + 300, first, 1000),
			300);
	/* It lapped us: nothing of the copy stands. */
	KUNIT_EXPECT_EQ(test, mk_con_out_clobbered(head + 5000, first, 1000),
			1000);
	/* A head that went back clobbers nothing. */
	KUNIT_EXPECT_EQ(test, mk_con_out_clobbered(head - 5000, first, 1000),
			0);
	/* Bytes well inside the window are safe from a chunk more. */
	KUNIT_EXPECT_EQ(test, mk_con_out_clobbered(head + MK_CON_OUT_CHUNK,
						   head - 100, 100), 0);
}

static void mk_con_in_indices(struct kunit *test)
{
	struct mk_con_view v;
	u32 room;

	KUNIT_ASSERT_EQ(test, mk_con_in_view(50, 20, &v), 0);
	KUNIT_EXPECT_EQ(test, v.first, 20);
	KUNIT_EXPECT_EQ(test, v.count, 30);
	KUNIT_EXPECT_EQ(test, mk_con_in_view(20 + MK_CON_IN_SIZE + 1, 20, &v),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, mk_con_in_view(19, 20, &v), -ERANGE);

	KUNIT_ASSERT_EQ(test, mk_con_in_room(50, 20, &room), 0);
	KUNIT_EXPECT_EQ(test, room, MK_CON_IN_SIZE - 30);
	KUNIT_ASSERT_EQ(test, mk_con_in_room(20 + MK_CON_IN_SIZE, 20, &room), 0);
	KUNIT_EXPECT_EQ(test, room, 0);
	/* A tail past our head claims bytes we never wrote. */
	KUNIT_EXPECT_EQ(test, mk_con_in_room(50, 51, &room), -ERANGE);
	KUNIT_EXPECT_EQ(test, mk_con_in_room(0, 0x80000000, &room), -ERANGE);
}

static void mk_con_ring_copy_wraps(struct kunit *test)
{
	u8 ring[16], dst[32];
	unsigned int i;

	for (i = 0; i < sizeof(ring); i++)
		ring[i] = i;
	memset(dst, 0xaa, sizeof(dst));
	mk_con_ring_copy(dst, ring, sizeof(ring), 0xfffffffc, 8);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, dst[i], (12 + i) % 16);
	KUNIT_EXPECT_EQ(test, dst[8], 0xaa);
	/* More than a ring: one ring's worth, and nothing outside it. */
	memset(dst, 0xaa, sizeof(dst));
	mk_con_ring_copy(dst, ring, sizeof(ring), 3, 1000);
	KUNIT_EXPECT_EQ(test, dst[0], 3);
	KUNIT_EXPECT_EQ(test, dst[15], 2);
	KUNIT_EXPECT_EQ(test, dst[16], 0xaa);
}

static struct kunit_case mk_con_cases[] = {
	KUNIT_CASE(mk_con_areas_in_layout),
	KUNIT_CASE(mk_con_out_reads_what_is_new),
	KUNIT_CASE(mk_con_out_lapped_reader_skips),
	KUNIT_CASE(mk_con_out_garbage_head),
	KUNIT_CASE(mk_con_out_clobbered_prefix),
	KUNIT_CASE(mk_con_in_indices),
	KUNIT_CASE(mk_con_ring_copy_wraps),
	{}
};

static struct kunit_suite mk_con_suite = {
	.name = "multikernel_console",
	.test_cases = mk_con_cases,
};

/* ---- through the real vector, between two CPUs of this kernel ---- */

#define LB_MSGS 300

struct lb_ctx {
	atomic_t count;
	atomic_t wrong_cpu;
	atomic_t out_of_order;
	atomic_t pongs;
	atomic_t pfn_ok;
	int expect_cpu;
	u32 next_seq;
	struct completion done;
	unsigned int want;
};

static struct lb_ctx *lb;

static void lb_handler(const struct mk_msg *msg, void *arg)
{
	struct lb_ctx *c = arg;
	u32 seq;

	if (msg->len != sizeof(seq))
		return;
	memcpy(&seq, msg->data, sizeof(seq));
	if (smp_processor_id() != c->expect_cpu)
		atomic_inc(&c->wrong_cpu);
	if (seq != c->next_seq)
		atomic_inc(&c->out_of_order);
	c->next_seq = seq + 1;
	if (atomic_inc_return(&c->count) == c->want)
		complete(&c->done);
}

static int lb_setup(struct kunit *test)
{
	if (!mk_ready())
		kunit_skip(test, "no shared region (mk_shared_memory= not given)");
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	lb = kunit_kzalloc(test, sizeof(*lb), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, lb);
	init_completion(&lb->done);
	return 0;
}

struct lb_send {
	u32 apicid;
	u16 type;
	unsigned int n;
	unsigned int full_retries;
	int err;
};

static long lb_send_many(void *arg)
{
	struct lb_send *s = arg;
	u32 seq;
	int err;

	for (seq = 0; seq < s->n; ) {
		err = mk_msg_send(mk_self_instance(), s->apicid, s->type,
				  &seq, sizeof(seq));
		if (!err) {
			seq++;
		} else if (err == -ENOSPC) {
			s->full_retries++;
			cond_resched();
		} else {
			s->err = err;
			break;
		}
	}
	return 0;
}

static void lb_one_way(struct kunit *test, int from, int to)
{
	u16 self = mk_self_instance();
	struct mk_ring_tx *tx = &mk_region.tx[self];
	struct mk_ring_rx *rx = &mk_region.rx[self];
	struct lb_send s = { .apicid = mk_cpu_apicid(to), .type = MK_MSG_TEST,
			     .n = LB_MSGS };
	u64 sent0 = tx->sent, recv0 = rx->received, ipis0 = tx->ipis_sent;
	unsigned int mki0 = per_cpu(irq_stat, to).irq_multikernel_count, mki;

	lb->expect_cpu = to;
	lb->want = LB_MSGS;
	KUNIT_ASSERT_EQ(test, mk_msg_register(MK_MSG_TEST, lb_handler, lb), 0);
	work_on_cpu(from, lb_send_many, &s);
	KUNIT_EXPECT_EQ(test, s.err, 0);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&lb->done, 30 * HZ), 0);
	mk_msg_unregister(MK_MSG_TEST);

	KUNIT_EXPECT_EQ(test, atomic_read(&lb->count), LB_MSGS);
	KUNIT_EXPECT_EQ(test, atomic_read(&lb->wrong_cpu), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&lb->out_of_order), 0);
	KUNIT_EXPECT_EQ(test, tx->sent - sent0, LB_MSGS);
	KUNIT_EXPECT_EQ(test, rx->received - recv0, LB_MSGS);
	KUNIT_EXPECT_EQ(test, tx->ipis_sent - ipis0, LB_MSGS);
	/* One interrupt may carry many messages, never the other way. */
	mki = per_cpu(irq_stat, to).irq_multikernel_count - mki0;
	KUNIT_EXPECT_GE(test, mki, 1);
	KUNIT_EXPECT_LE(test, mki, LB_MSGS);
	kunit_info(test, "CPU%d->CPU%d: %u messages, %u interrupts, %u ring-full retries\n",
		   from, to, LB_MSGS, mki, s.full_retries);
}

static void mk_loopback_cpu0_to_cpu1(struct kunit *test)
{
	lb_one_way(test, 0, 1);
}

static void mk_loopback_cpu1_to_cpu0(struct kunit *test)
{
	lb_one_way(test, 1, 0);
}

/*
 * To each other CPU by its APIC ID, whatever it is: on a machine in
 * x2APIC mode with a second socket numbered from 256, the IDs above 255
 * go through the ICR's 32-bit destination, and a truncated one would
 * interrupt the wrong CPU or none.
 */
static void mk_loopback_to_every_cpu(struct kunit *test)
{
	unsigned int cpu, high = 0;

	for_each_online_cpu(cpu) {
		if (!cpu)
			continue;
		atomic_set(&lb->count, 0);
		atomic_set(&lb->wrong_cpu, 0);
		atomic_set(&lb->out_of_order, 0);
		lb->next_seq = 0;
		reinit_completion(&lb->done);
		lb_one_way(test, 0, cpu);
		if (mk_cpu_apicid(cpu) > 0xff)
			high++;
	}
	kunit_info(test, "%u CPUs with APIC IDs above 255 in %s mode\n",
		   high, mk_arch_apicid_limit() == U32_MAX ? "x2APIC" : "xAPIC");
}

static void lb_ping_handler(const struct mk_msg *msg, void *arg)
{
	struct lb_ctx *c = arg;
	u32 n;

	memcpy(&n, msg->data, sizeof(n));
	if (n & 1) {
		if (atomic_inc_return(&c->pongs) == c->want)
			complete(&c->done);
		else
			n++;	/* next ping */
	} else {
		n++;		/* pong */
	}
	if (atomic_read(&c->pongs) < c->want &&
	    mk_msg_send(msg->src_instance, msg->src_apicid, MK_MSG_TEST, &n,
			sizeof(n)))
		atomic_inc(&c->wrong_cpu);
}

static void mk_loopback_ping_pong(struct kunit *test)
{
	struct lb_send s = { .apicid = mk_cpu_apicid(1), .type = MK_MSG_TEST,
			     .n = 1 };

	lb->want = 100;
	KUNIT_ASSERT_EQ(test, mk_msg_register(MK_MSG_TEST, lb_ping_handler,
					      lb), 0);
	work_on_cpu(0, lb_send_many, &s);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&lb->done, 30 * HZ), 0);
	mk_msg_unregister(MK_MSG_TEST);
	KUNIT_EXPECT_EQ(test, atomic_read(&lb->pongs), 100);
	KUNIT_EXPECT_EQ(test, atomic_read(&lb->wrong_cpu), 0);
}

static void mk_loopback_self_listed(struct kunit *test)
{
	u64 hb;
	unsigned int cpu;
	struct mk_instance_desc d;

	KUNIT_EXPECT_EQ(test, mk_instance_info(mk_self_instance(), &hb, NULL, NULL),
			MK_INSTANCE_RUNNING);
	KUNIT_ASSERT_EQ(test, mk_instance_read(mk_self_instance(), &d), 0);
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_TRUE(test, mk_instance_has_apicid(&d, mk_cpu_apicid(cpu)));
}

static void mk_loopback_send_errors(struct kunit *test)
{
	u16 self = mk_self_instance();
	u32 apic1 = mk_cpu_apicid(1), x = 0;
	u8 big[MK_MSG_MAX_DATA + 1] = {};
	u16 other = (self + 1) % MK_MAX_INSTANCES;

	KUNIT_EXPECT_EQ(test, mk_msg_send(self, 0xfff0, MK_MSG_TEST, &x, 4),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mk_msg_send(self, apic1, MK_MSG_INVALID, &x, 4),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mk_msg_send(self, apic1, MK_MSG_TYPE_MAX, &x, 4),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mk_msg_send(self, apic1, MK_MSG_TEST, big,
					  sizeof(big)), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, mk_msg_send(MK_MAX_INSTANCES, apic1, MK_MSG_TEST,
					  &x, 4), -EINVAL);
	if (mk_instance_info(other, NULL, NULL, NULL) != MK_INSTANCE_RUNNING)
		KUNIT_EXPECT_EQ(test, mk_msg_send(other, apic1, MK_MSG_TEST,
						  &x, 4), -EHOSTDOWN);
	KUNIT_EXPECT_EQ(test, mk_msg_register(0, lb_handler, lb),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mk_msg_register(MK_MSG_TEST, NULL, lb),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, mk_msg_register(MK_MSG_TEST, lb_handler, lb), 0);
	KUNIT_EXPECT_EQ(test, mk_msg_register(MK_MSG_TEST, lb_handler, lb),
			-EBUSY);
	mk_msg_unregister(MK_MSG_TEST);
	mk_msg_unregister(MK_MSG_TEST);	/* harmless twice */
}

static void lb_pfn_handler(const struct mk_msg *msg, void *arg)
{
	struct lb_ctx *c = arg;
	struct mk_pfn_ref ref;
	u8 *p;
	u32 len, i;

	p = mk_msg_pfn_ptr(msg, &len);
	if (p && len == 1000 && !mk_msg_pfn(msg, &ref) && ref.offset == 100 &&
	    ref.len == len) {
		for (i = 0; i < len; i++)
			if (p[i] != (u8)(i ^ 0x5a))
				break;
		if (i == len)
			atomic_inc(&c->pfn_ok);
	}
	complete(&c->done);
}

static void mk_loopback_pfn(struct kunit *test)
{
	u16 self = mk_self_instance();
	u32 apic1 = mk_cpu_apicid(1);
	phys_addr_t phys;
	u8 *page;
	int i;

	page = mk_pool_alloc(PAGE_SIZE, &phys);
	KUNIT_ASSERT_NOT_NULL(test, page);
	for (i = 0; i < 1000; i++)
		page[100 + i] = i ^ 0x5a;
	KUNIT_ASSERT_EQ(test, mk_msg_register(MK_MSG_PFN, lb_pfn_handler, lb),
			0);
	KUNIT_EXPECT_EQ(test, mk_msg_send_pfn(self, apic1, PHYS_PFN(phys), 100,
					      1000), 0);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&lb->done, 10 * HZ), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&lb->pfn_ok), 1);
	/* Pages outside the pool are refused by the sender already. */
	KUNIT_EXPECT_EQ(test, mk_msg_send_pfn(self, apic1,
					      PHYS_PFN(mk_region.phys), 0, 16),
			-EFAULT);
	/* Longer than the whole region, whatever size it was given. */
	KUNIT_EXPECT_EQ(test, mk_msg_send_pfn(self, apic1, PHYS_PFN(phys), 4000,
					      min_t(u64, mk_region.size + 1,
						    U32_MAX)),
			-EFAULT);
	mk_msg_unregister(MK_MSG_PFN);
	mk_pool_free(page, PAGE_SIZE);
}

struct churn {
	atomic_t stop;
	atomic_long_t sent;
};

static void churn_handler(const struct mk_msg *msg, void *arg)
{
	atomic_t *hits = arg;

	/* KASAN reports this if unregister let it run on freed memory. */
	atomic_inc(hits);
}

static long churn_sender(void *arg)
{
	struct churn *c = arg;
	u32 apic1 = mk_cpu_apicid(1), x = 0;

	while (!atomic_read(&c->stop)) {
		if (!mk_msg_send(mk_self_instance(), apic1, MK_MSG_TEST, &x,
				 sizeof(x)))
			atomic_long_inc(&c->sent);
		cond_resched();
	}
	return 0;
}

static int churn_thread(void *arg)
{
	churn_sender(arg);
	return 0;
}

static void mk_loopback_unregister_while_flowing(struct kunit *test)
{
	struct churn *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	u64 unknown0 = mk_region.rx[mk_self_instance()].unknown_type;
	struct task_struct *t;
	atomic_t *hits;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	t = kthread_run_on_cpu(churn_thread, c, 0, "mk_churn/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	for (i = 0; i < 50; i++) {
		hits = kzalloc(sizeof(*hits), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, hits);
		KUNIT_ASSERT_EQ(test, mk_msg_register(MK_MSG_TEST,
						      churn_handler, hits), 0);
		usleep_range(500, 2000);
		mk_msg_unregister(MK_MSG_TEST);
		kfree(hits);
	}
	atomic_set(&c->stop, 1);
	kthread_stop(t);
	put_task_struct(t);
	KUNIT_EXPECT_GT(test, atomic_long_read(&c->sent), 0);
	kunit_info(test, "%ld messages, %llu while no handler was registered\n",
		   atomic_long_read(&c->sent),
		   mk_region.rx[mk_self_instance()].unknown_type - unknown0);
}

/* A peer entry listing the broadcast ID: refused, counted, never sent to. */
static void mk_loopback_broadcast_refused(struct kunit *test)
{
	u32 limit = mk_arch_apicid_limit(), x = 0;
	struct mk_instance_desc *e, saved;
	long bad0;
	u16 i;

	for (i = 0; i < MK_MAX_INSTANCES; i++)
		if (i != mk_self_instance() &&
		    mk_instance_info(i, NULL, NULL, NULL) == MK_INSTANCE_EMPTY)
			break;
	if (i == MK_MAX_INSTANCES)
		kunit_skip(test, "no unused instance entry to play the peer");
	e = &mk_region.instances[i];
	saved = *e;
	bad0 = atomic_long_read(&mk_region.bad_apicid[i]);
	WRITE_ONCE(e->apic_ids[0], limit);
	WRITE_ONCE(e->nr_cpus, 1);
	/* As a peer publishes: the CPU list before the state. */
	smp_store_release(&e->state, MK_INSTANCE_RUNNING);

	KUNIT_EXPECT_EQ(test, mk_msg_send(i, limit, MK_MSG_TEST, &x, sizeof(x)),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, mk_instance_info(i, NULL, NULL, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mk_region.bad_apicid[i]) - bad0, 2);

	/* Not running first, so nobody sends while the rest is put back. */
	smp_store_release(&e->state, saved.state);
	*e = saved;
}

/* Our own entry, scribbled over, is whole again after one republish. */
static void mk_loopback_entry_republished(struct kunit *test)
{
	struct mk_region *r = &mk_region;
	struct mk_instance_desc d;

	memset(&r->instances[r->self], 0xff, sizeof(d));
	mk_republish(r);
	KUNIT_ASSERT_EQ(test, mk_instance_read(r->self, &d), 0);
	KUNIT_EXPECT_EQ(test, d.state, MK_INSTANCE_RUNNING);
	KUNIT_EXPECT_EQ(test, d.nr_cpus, r->me.nr_cpus);
	KUNIT_EXPECT_EQ(test, d.boot_generation, r->me.boot_generation);
	/* Counted on from our own value, not from the garbage. */
	KUNIT_EXPECT_LE(test, d.heartbeat, READ_ONCE(r->me.heartbeat));
	KUNIT_EXPECT_TRUE(test, mk_instance_has_apicid(&d, mk_cpu_apicid(0)));
}

/* Only the incarnation that runs is running; no id past the table is. */
static void mk_loopback_instance_running(struct kunit *test)
{
	struct mk_region *r = &mk_region;
	u64 gen = r->me.boot_generation;
	u16 i;

	KUNIT_EXPECT_TRUE(test, mk_instance_running(r->self, gen));
	KUNIT_EXPECT_FALSE(test, mk_instance_running(r->self, gen + 1));
	KUNIT_EXPECT_FALSE(test, mk_instance_running(r->self, gen - 1));
	KUNIT_EXPECT_FALSE(test, mk_instance_running(MK_MAX_INSTANCES, gen));
	KUNIT_EXPECT_FALSE(test, mk_instance_running(U16_MAX, gen));
	/* An entry that is not running, at the generation it shows. */
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		const struct mk_instance_desc *d = &r->instances[i];
		u64 shown = READ_ONCE(d->boot_generation);

		if (READ_ONCE(d->state) != MK_INSTANCE_RUNNING)
			KUNIT_EXPECT_FALSE(test, mk_instance_running(i, shown));
	}
}

struct lb_bell {
	atomic_t calls;
	atomic_t wrong_cpu;
	atomic_t wrong_src;
	int expect_cpu;
};

static void lb_bell_handler(u16 src_instance, void *ctx)
{
	struct lb_bell *b = ctx;

	if (smp_processor_id() != b->expect_cpu)
		atomic_inc(&b->wrong_cpu);
	if (src_instance != mk_self_instance())
		atomic_inc(&b->wrong_src);
	atomic_inc(&b->calls);
}

struct lb_ring {
	struct mk_bell *bell;
	unsigned int n;
	int err;
};

static long lb_ring_many(void *arg)
{
	struct lb_ring *r = arg;
	unsigned int i;

	for (i = 0; i < r->n && !r->err; i++)
		r->err = mk_bell_ring(r->bell);
	return 0;
}

static bool lb_bells_settled(struct mk_ring_rx *rx)
{
	int i;

	for (i = 0; i < 500 && mk_bells_waiting(rx); i++)
		msleep(20);
	return !mk_bells_waiting(rx);
}

/* Rings from CPU0 to CPU1: each is seen, one IPI covers all still pending. */
static void mk_loopback_bell(struct kunit *test)
{
	u16 self = mk_self_instance();
	struct mk_ring_tx *tx = &mk_region.tx[self];
	struct mk_ring_rx *rx = &mk_region.rx[self];
	long rung0 = atomic_long_read(&tx->bells_rung);
	long pend0 = atomic_long_read(&tx->bells_pending);
	long recv0 = atomic_long_read(&rx->bells_received);
	struct lb_bell *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct mk_bell bell;
	struct lb_ring r = { .bell = &bell, .n = LB_MSGS };
	long rung, calls;
	int nr;

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->expect_cpu = 1;
	nr = mk_bell_register(lb_bell_handler, b);
	KUNIT_ASSERT_GE(test, nr, 0);
	KUNIT_ASSERT_EQ(test, mk_bell_bind(&bell, self, mk_cpu_apicid(1), nr), 0);
	work_on_cpu(0, lb_ring_many, &r);
	KUNIT_EXPECT_EQ(test, r.err, 0);
	KUNIT_EXPECT_TRUE(test, lb_bells_settled(rx));
	/* The last handler may still run on CPU1; unregistering waits. */
	mk_bell_unregister(nr);

	rung = atomic_long_read(&tx->bells_rung) - rung0;
	calls = atomic_read(&b->calls);
	KUNIT_EXPECT_EQ(test, rung + atomic_long_read(&tx->bells_pending) - pend0,
			LB_MSGS);
	KUNIT_EXPECT_GE(test, calls, 1);
	KUNIT_EXPECT_LE(test, calls, rung);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&rx->bells_received) - recv0, calls);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->wrong_cpu), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->wrong_src), 0);
	kunit_info(test, "%u rings, %ld IPIs, %ld handler calls\n", LB_MSGS,
		   rung, calls);
}

static void mk_loopback_bell_errors(struct kunit *test)
{
	u16 self = mk_self_instance();
	u32 apicid = mk_cpu_apicid(0);
	struct mk_ring_rx *rx = &mk_region.rx[self];
	long unknown0 = atomic_long_read(&rx->bells_unknown);
	struct mk_bell bell = {};
	int nr, i;

	KUNIT_EXPECT_EQ(test, mk_bell_ring(&bell), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, mk_bell_register(NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_bell_bind(&bell, MK_MAX_INSTANCES, apicid, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mk_bell_bind(&bell, self, apicid, MK_MAX_BELLS),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mk_bell_bind(&bell, self, U32_MAX, 0), -EINVAL);
	KUNIT_EXPECT_FALSE(test, bell.bound);
	KUNIT_EXPECT_EQ(test, mk_bell_ring(&bell), -ENOTCONN);

	/* A bell bound before its owner restarted is dead. */
	nr = mk_bell_register(lb_bell_handler, NULL);
	KUNIT_ASSERT_GE(test, nr, 0);
	KUNIT_ASSERT_EQ(test, mk_bell_bind(&bell, self, apicid, nr), 0);
	bell.generation++;
	KUNIT_EXPECT_EQ(test, mk_bell_ring(&bell), -EHOSTDOWN);
	bell.generation--;
	/* Nor one whose CPU its owner lists no more: no IPI goes there. */
	bell.apicid = U32_MAX - 1;
	KUNIT_EXPECT_EQ(test, mk_bell_ring(&bell), -EADDRNOTAVAIL);
	bell.apicid = apicid;

	/* Rung after its handler went: counted, nothing called. */
	mk_bell_unregister(nr);
	KUNIT_EXPECT_EQ(test, mk_bell_ring(&bell), 0);
	KUNIT_EXPECT_TRUE(test, lb_bells_settled(rx));
	for (i = 0; i < 50 && atomic_long_read(&rx->bells_unknown) == unknown0; i++)
		msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&rx->bells_unknown) - unknown0, 1);
}

/* Every number can be had once, and none beyond. */
static void mk_loopback_bell_exhausted(struct kunit *test)
{
	int *nr = kunit_kcalloc(test, MK_MAX_BELLS, sizeof(*nr), GFP_KERNEL);
	int i, n;

	KUNIT_ASSERT_NOT_NULL(test, nr);
	for (n = 0; n < MK_MAX_BELLS; n++) {
		nr[n] = mk_bell_register(lb_bell_handler, NULL);
		if (nr[n] < 0)
			break;
		KUNIT_EXPECT_LT(test, nr[n], MK_MAX_BELLS);
	}
	KUNIT_EXPECT_GE(test, n, 1);
	if (n < MK_MAX_BELLS)
		KUNIT_EXPECT_EQ(test, nr[n], -ENOSPC);
	else
		KUNIT_EXPECT_EQ(test, mk_bell_register(lb_bell_handler, NULL),
				-ENOSPC);
	for (i = 0; i < n; i++)
		mk_bell_unregister(nr[i]);
}

static struct kunit_case mk_loopback_cases[] = {
	KUNIT_CASE(mk_loopback_self_listed),
	KUNIT_CASE(mk_loopback_cpu0_to_cpu1),
	KUNIT_CASE(mk_loopback_to_every_cpu),
	KUNIT_CASE(mk_loopback_cpu1_to_cpu0),
	KUNIT_CASE(mk_loopback_ping_pong),
	KUNIT_CASE(mk_loopback_send_errors),
	KUNIT_CASE(mk_loopback_pfn),
	KUNIT_CASE(mk_loopback_broadcast_refused),
	KUNIT_CASE(mk_loopback_entry_republished),
	KUNIT_CASE(mk_loopback_instance_running),
	KUNIT_CASE(mk_loopback_bell),
	KUNIT_CASE(mk_loopback_bell_errors),
	KUNIT_CASE_SLOW(mk_loopback_bell_exhausted),
	KUNIT_CASE_SLOW(mk_loopback_unregister_while_flowing),
	{}
};

static struct kunit_suite mk_loopback_suite = {
	.name = "multikernel_loopback",
	.init = lb_setup,
	.test_cases = mk_loopback_cases,
};

/* ---- debugfs command files ---- */

#ifdef CONFIG_MULTIKERNEL_FAULT_INJECTION

/**
 * struct cmd_test - what the commands of the test table saw
 * @called: name of the command that ran last, NULL if none
 * @args: the arguments it got, copied
 * @had_args: it got arguments rather than NULL
 * @ubuf: a page of user memory the writes come from
 */
struct cmd_test {
	const char *called;
	char args[64];
	bool had_args;
	char __user *ubuf;
};

static int cmd_record(struct cmd_test *t, const char *name, const char *args)
{
	t->called = name;
	t->had_args = !!args;
	strscpy(t->args, args ?: "", sizeof(t->args));
	return 0;
}

/* Two commands share it: the name it records comes from their data. */
static int cmd_named(void *ctx, const char *args, unsigned long data)
{
	return cmd_record(ctx, (const char *)data, args);
}

static int cmd_busy(void *ctx, const char *args, unsigned long data)
{
	cmd_record(ctx, "busy", args);
	return -EBUSY;
}

static const struct mk_debugfs_cmd cmd_table[] = {
	{ "one",	cmd_named, (unsigned long)"one" },
	{ "one-more",	cmd_named, (unsigned long)"one-more" },
	{ "busy",	cmd_busy },
};

/* Write @text, @len bytes of it, as user space would. */
static ssize_t cmd_write(struct kunit *test, const char *text, size_t len)
{
	struct cmd_test *t = test->priv;

	t->called = NULL;
	t->had_args = false;
	t->args[0] = '\0';
	KUNIT_ASSERT_EQ(test, copy_to_user(t->ubuf, text, len), 0);
	return mk_debugfs_cmd_write(t->ubuf, len, cmd_table,
				    ARRAY_SIZE(cmd_table), t);
}

static int cmd_setup(struct kunit *test)
{
	struct cmd_test *t;
	unsigned long addr;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_ASSERT_LT(test, addr, (unsigned long)TASK_SIZE);
	t->ubuf = (char __user *)addr;
	test->priv = t;
	return 0;
}

static void mk_cmd_name_alone(struct kunit *test)
{
	struct cmd_test *t = test->priv;

	/* As echo writes it; the whole write counts as taken. */
	KUNIT_EXPECT_EQ(test, cmd_write(test, "one\n", 4), 4);
	KUNIT_EXPECT_STREQ(test, t->called, "one");
	KUNIT_EXPECT_FALSE(test, t->had_args);

	/* Names are whole words: no prefix, no longer name. */
	KUNIT_EXPECT_EQ(test, cmd_write(test, "one-more", 8), 8);
	KUNIT_EXPECT_STREQ(test, t->called, "one-more");
	KUNIT_EXPECT_EQ(test, cmd_write(test, "on", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, cmd_write(test, "one-", 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, cmd_write(test, "ONE", 3), -EINVAL);
	KUNIT_EXPECT_NULL(test, t->called);
}

static void mk_cmd_args(struct kunit *test)
{
	struct cmd_test *t = test->priv;
	const char *w = " \tone   a  b\t\n";

	KUNIT_EXPECT_EQ(test, cmd_write(test, w, strlen(w)), strlen(w));
	KUNIT_EXPECT_STREQ(test, t->called, "one");
	KUNIT_EXPECT_TRUE(test, t->had_args);
	KUNIT_EXPECT_STREQ(test, t->args, "a  b");

	KUNIT_EXPECT_EQ(test, cmd_write(test, "one-more\t7", 10), 10);
	KUNIT_EXPECT_STREQ(test, t->args, "7");

	/* Only what @len covers is read. */
	KUNIT_EXPECT_EQ(test, cmd_write(test, "one 123", 5), 5);
	KUNIT_EXPECT_STREQ(test, t->args, "1");
}

static void mk_cmd_refused(struct kunit *test)
{
	struct cmd_test *t = test->priv;
	char w[64];

	KUNIT_EXPECT_EQ(test, cmd_write(test, "", 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, cmd_write(test, "\t\n", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, cmd_write(test, "two", 3), -EINVAL);
	KUNIT_EXPECT_NULL(test, t->called);

	/* The command's own error is the write's. */
	KUNIT_EXPECT_EQ(test, cmd_write(test, "busy", 4), -EBUSY);
	KUNIT_EXPECT_STREQ(test, t->called, "busy");

	/* 63 bytes are taken, 64 refused before any is looked at. */
	memset(w, ' ', sizeof(w));
	memcpy(w, "one", 3);
	w[sizeof(w) - 2] = 'x';
	KUNIT_EXPECT_EQ(test, cmd_write(test, w, sizeof(w) - 1),
			sizeof(w) - 1);
	KUNIT_EXPECT_STREQ(test, t->args, "x");
	KUNIT_EXPECT_EQ(test, cmd_write(test, w, sizeof(w)), -EINVAL);
	KUNIT_EXPECT_NULL(test, t->called);

	/* Nothing is mapped at 0. */
	KUNIT_EXPECT_EQ(test, mk_debugfs_cmd_write((const char __user *)0, 3,
						   cmd_table,
						   ARRAY_SIZE(cmd_table), t),
			-EFAULT);
}

static struct kunit_case mk_cmd_cases[] = {
	KUNIT_CASE(mk_cmd_name_alone),
	KUNIT_CASE(mk_cmd_args),
	KUNIT_CASE(mk_cmd_refused),
	{}
};

static struct kunit_suite mk_cmd_suite = {
	.name = "multikernel_debugfs_cmd",
	.init = cmd_setup,
	.test_cases = mk_cmd_cases,
};

kunit_test_suite(mk_cmd_suite);
#endif /* CONFIG_MULTIKERNEL_FAULT_INJECTION */

kunit_test_suites(&mk_layout_suite, &mk_range_suite, &mk_mem_suite,
		  &mk_ring_suite, &mk_con_suite, &mk_loopback_suite);

MODULE_DESCRIPTION("KUnit tests of the multikernel core");
MODULE_LICENSE("GPL");
