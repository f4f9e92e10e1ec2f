// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the boot page tables a started instance's CPUs enter
 * long mode on.  Included by multikernel_start.c; the tables are built in
 * a buffer that claims to lie at any physical address, so memory above
 * 4 GiB and across the 1 GiB and 512 GiB steps of a walk is tried
 * without owning it.
 */
#include <kunit/test.h>

/* Where the tables claim to be: above 4 GiB, as they are for such memory. */
#define TEST_PGT_PHYS	0x13c002000ULL

static u64 *test_pgt_table(const struct mk_boot_pgt *t, u64 entry)
{
	u64 phys = entry & PTE_PFN_MASK;

	if (!(entry & _PAGE_PRESENT) || phys < t->phys ||
	    phys >= t->phys + (u64)t->nr * PAGE_SIZE)
		return NULL;
	return t->pages + (phys - t->phys) / sizeof(u64);
}

/* The 2 MiB leaf mapping @a, or 0; walks only inside @t's pages. */
static u64 test_pgt_leaf(const struct mk_boot_pgt *t, u64 a)
{
	u64 *pdpt, *pd;

	pdpt = test_pgt_table(t, t->pages[MK_PGT_INDEX(a, 39)]);
	if (!pdpt)
		return 0;
	pd = test_pgt_table(t, pdpt[MK_PGT_INDEX(a, 30)]);
	return pd ? pd[MK_PGT_INDEX(a, 21)] : 0;
}

static struct mk_boot_pgt *test_pgt_new(struct kunit *test, unsigned int nr)
{
	struct mk_boot_pgt *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	/* One page more than the tables may use: it must stay untouched. */
	t->pages = kunit_kzalloc(test, (nr + 1) * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->pages);
	memset(t->pages + nr * PAGE_SIZE / sizeof(u64), 0xa5, PAGE_SIZE);
	t->phys = TEST_PGT_PHYS;
	t->nr = nr;
	t->used = 1;
	return t;
}

static void test_pgt_expect_identity(struct kunit *test,
				     const struct mk_boot_pgt *t,
				     u64 start, u64 end, u64 attr)
{
	u64 a, leaf;

	for (a = ALIGN_DOWN(start, SZ_2M); a < end; a += SZ_2M) {
		leaf = test_pgt_leaf(t, a);
		KUNIT_EXPECT_EQ_MSG(test, leaf & PTE_PFN_MASK, a, "at %#llx", a);
		KUNIT_EXPECT_EQ_MSG(test, leaf & ~PTE_PFN_MASK,
				    MK_PTE_TABLE | _PAGE_PSE | attr, "at %#llx", a);
	}
}

static void test_pgt_guard_intact(struct kunit *test,
				  const struct mk_boot_pgt *t)
{
	const u8 *guard = (const u8 *)(t->pages + t->nr * PAGE_SIZE / sizeof(u64));

	KUNIT_EXPECT_NULL(test, memchr_inv(guard, 0xa5, PAGE_SIZE));
}

/* The loader's three ranges, the instance's 128 MiB across 5 GiB. */
static void mk_boot_pgt_above_4g(struct kunit *test)
{
	struct mk_boot_pgt *t = test_pgt_new(test, MK_PGT_PAGES);
	u64 base = SZ_4G + SZ_1G - SZ_64M, end = base + SZ_128M;

	KUNIT_ASSERT_EQ(test, mk_boot_pgt_map(t, 0x9f000, 0xa1000, 0), 0);
	KUNIT_ASSERT_EQ(test, mk_boot_pgt_map(t, APIC_DEFAULT_PHYS_BASE,
					      APIC_DEFAULT_PHYS_BASE + PAGE_SIZE,
					      _PAGE_PCD | _PAGE_PWT), 0);
	KUNIT_ASSERT_EQ(test, mk_boot_pgt_map(t, base, end, 0), 0);
	/* PML4, one PDPT, and a directory for each of GiB 0, 3, 4 and 5. */
	KUNIT_EXPECT_EQ(test, t->used, 6);
	test_pgt_expect_identity(test, t, 0, SZ_2M, 0);
	test_pgt_expect_identity(test, t, APIC_DEFAULT_PHYS_BASE,
				 APIC_DEFAULT_PHYS_BASE + 1, _PAGE_PCD | _PAGE_PWT);
	test_pgt_expect_identity(test, t, base, end, 0);
	/* Nothing next to the ranges: the host's memory stays unmapped. */
	KUNIT_EXPECT_EQ(test, test_pgt_leaf(t, SZ_2M), 0);
	KUNIT_EXPECT_EQ(test, test_pgt_leaf(t, base - SZ_2M), 0);
	KUNIT_EXPECT_EQ(test, test_pgt_leaf(t, end), 0);
	KUNIT_EXPECT_EQ(test, test_pgt_leaf(t, SZ_4G), 0);
	test_pgt_guard_intact(test, t);
}

/*
 * The worst case the page count is sized for: across a 512 GiB step
 * other than the first, a PDPT and a directory on each side of it.
 */
static void mk_boot_pgt_across_1t(struct kunit *test)
{
	struct mk_boot_pgt *t = test_pgt_new(test, MK_PGT_PAGES);
	u64 base = 1024ULL * SZ_1G - SZ_32M, end = base + SZ_64M;

	KUNIT_ASSERT_EQ(test, mk_boot_pgt_map(t, 0x9f000, 0xa1000, 0), 0);
	KUNIT_ASSERT_EQ(test, mk_boot_pgt_map(t, APIC_DEFAULT_PHYS_BASE,
					      APIC_DEFAULT_PHYS_BASE + PAGE_SIZE,
					      _PAGE_PCD | _PAGE_PWT), 0);
	KUNIT_ASSERT_EQ(test, mk_boot_pgt_map(t, base, end, 0), 0);
	KUNIT_EXPECT_EQ(test, t->used, MK_PGT_PAGES);
	test_pgt_expect_identity(test, t, base, end, 0);
	test_pgt_guard_intact(test, t);
}

/* More than the pages hold is refused, and nothing is written past them. */
static void mk_boot_pgt_out_of_pages(struct kunit *test)
{
	struct mk_boot_pgt *t = test_pgt_new(test, MK_PGT_PAGES);

	KUNIT_EXPECT_EQ(test, mk_boot_pgt_map(t, 0, 16ULL * SZ_1G, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, t->used, MK_PGT_PAGES);
	test_pgt_guard_intact(test, t);
	/* An empty range maps nothing and takes no page. */
	t = test_pgt_new(test, MK_PGT_PAGES);
	KUNIT_EXPECT_EQ(test, mk_boot_pgt_map(t, SZ_4G, SZ_4G, 0), 0);
	KUNIT_EXPECT_EQ(test, t->used, 1);
}

static struct kunit_case mk_boot_pgt_cases[] = {
	KUNIT_CASE(mk_boot_pgt_above_4g),
	KUNIT_CASE(mk_boot_pgt_across_1t),
	KUNIT_CASE(mk_boot_pgt_out_of_pages),
	{}
};

static struct kunit_suite mk_boot_pgt_suite = {
	.name = "multikernel_boot_pgt",
	.test_cases = mk_boot_pgt_cases,
};

kunit_test_suite(mk_boot_pgt_suite);
