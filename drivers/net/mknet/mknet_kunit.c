// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of mknet's area layout and of the checks applied to what a
 * peer wrote into its area (mknet_shm.h).
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/skbuff.h>
#include "mknet_shm.h"

static const u32 mknet_test_rings[] = { MKNET_RING_MIN, MKNET_RING_DEFAULT,
					MKNET_RING_MAX };

/*
 * Every part of an area lies after the one before it, and the whole is
 * control only: at least 50 times smaller than a page per descriptor.
 */
static void mknet_layout_test(struct kunit *test)
{
	unsigned int r;
	u32 nq, q;

	for (r = 0; r < ARRAY_SIZE(mknet_test_rings); r++) {
		u32 n = mknet_test_rings[r];

		for (nq = 1; nq <= MKNET_MAX_QUEUES; nq++) {
			size_t size = mknet_area_size(n, nq);

			KUNIT_EXPECT_EQ(test, mknet_area_tx_ctl_off(0),
					sizeof(struct mknet_area));
			KUNIT_EXPECT_EQ(test, mknet_area_rx_ctl_off(0),
					mknet_area_tx_ctl_off(MKNET_MAX_QUEUES));
			KUNIT_EXPECT_LE(test, mknet_area_rx_ctl_off(MKNET_MAX_QUEUES),
					mknet_area_desc_off(n, 0));
			for (q = 0; q < nq; q++)
				KUNIT_EXPECT_EQ(test, mknet_area_desc_off(n, q + 1) -
						mknet_area_desc_off(n, q),
						n * sizeof(struct mknet_desc));
			KUNIT_EXPECT_EQ(test, mknet_area_desc_off(n, nq), size);
			KUNIT_EXPECT_LE(test, size * 50,
					(size_t)n * nq * MKNET_BUF_SIZE);
		}
	}
}

static void mknet_good_area(struct mknet_area *a)
{
	memset(a, 0, sizeof(*a));
	a->magic = MKNET_AREA_MAGIC;
	a->version = MKNET_AREA_VERSION;
	a->ring_size = MKNET_RING_DEFAULT;
	a->num_queues = 2;
	a->state = MKNET_STATE_UP;
}

static void mknet_check_area_test(struct kunit *test)
{
	struct mknet_area a;

	mknet_good_area(&a);
	KUNIT_EXPECT_EQ(test, mknet_check_area(&a), 0);
	a.num_queues = MKNET_MAX_QUEUES;
	KUNIT_EXPECT_EQ(test, mknet_check_area(&a), 0);

	a.num_queues = 0;
	KUNIT_EXPECT_EQ(test, mknet_check_area(&a), -EINVAL);
	a.num_queues = MKNET_MAX_QUEUES + 1;
	KUNIT_EXPECT_EQ(test, mknet_check_area(&a), -EINVAL);
	a.num_queues = U32_MAX;
	KUNIT_EXPECT_EQ(test, mknet_check_area(&a), -EINVAL);

	mknet_good_area(&a);
	a.ring_size = 100;
	KUNIT_EXPECT_EQ(test, mknet_check_area(&a), -EINVAL);
	a.ring_size = MKNET_RING_MAX * 2;
	KUNIT_EXPECT_EQ(test, mknet_check_area(&a), -EINVAL);
	a.ring_size = MKNET_RING_MIN / 2;
	KUNIT_EXPECT_EQ(test, mknet_check_area(&a), -EINVAL);

	mknet_good_area(&a);
	a.magic ^= 1;
	KUNIT_EXPECT_EQ(test, mknet_check_area(&a), -EINVAL);
	mknet_good_area(&a);
	a.version = MKNET_AREA_VERSION + 1;
	KUNIT_EXPECT_EQ(test, mknet_check_area(&a), -EINVAL);
	mknet_good_area(&a);
	a.state = MKNET_STATE_UP + 1;
	KUNIT_EXPECT_EQ(test, mknet_check_area(&a), -EINVAL);
}

/* Fill @d with a well-formed frame of @n descriptors of @len bytes each. */
static void mknet_good_chain(struct mknet_desc *d, u32 n, u32 len)
{
	u32 i;

	memset(d, 0, n * sizeof(*d));
	for (i = 0; i < n; i++) {
		d[i].len = len;
		d[i].flags = (i ? 0 : MKNET_DESC_HDR) |
			     (i + 1 < n ? MKNET_DESC_MORE : 0);
	}
}

static void mknet_frame_good_test(struct kunit *test)
{
	struct mknet_desc d[MKNET_MAX_DESCS];
	u32 used, total;

	mknet_good_chain(d, 1, 60);
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 1, &used, &total), 0);
	KUNIT_EXPECT_EQ(test, used, 1);
	KUNIT_EXPECT_EQ(test, total, 60);

	/* Published beyond the frame: only the frame is used. */
	mknet_good_chain(d, 3, MKNET_BUF_SIZE);
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 3, &used, &total), 0);
	KUNIT_EXPECT_EQ(test, used, 3);
	KUNIT_EXPECT_EQ(test, total, 3 * MKNET_BUF_SIZE);

	mknet_good_chain(d, MKNET_MAX_DESCS, MKNET_MAX_FRAME / MKNET_MAX_DESCS);
	d[MKNET_MAX_DESCS - 1].len += MKNET_MAX_FRAME % MKNET_MAX_DESCS;
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, MKNET_MAX_DESCS, &used,
						&total), 0);
	KUNIT_EXPECT_EQ(test, used, MKNET_MAX_DESCS);
	KUNIT_EXPECT_EQ(test, total, MKNET_MAX_FRAME);

	/* One piece may be the whole frame. */
	mknet_good_chain(d, 1, MKNET_MAX_FRAME);
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 1, &used, &total), 0);
	KUNIT_EXPECT_EQ(test, total, MKNET_MAX_FRAME);
}

static void mknet_frame_bad_test(struct kunit *test)
{
	struct mknet_desc d[MKNET_MAX_DESCS];
	u32 used, total;

	/* Nothing published still consumes one, so the caller moves on. */
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 0, &used, &total), -EINVAL);
	KUNIT_EXPECT_EQ(test, used, 1);

	mknet_good_chain(d, 1, 0);
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 1, &used, &total), -EINVAL);
	mknet_good_chain(d, 1, MKNET_MAX_FRAME + 1);
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 1, &used, &total), -EINVAL);
	mknet_good_chain(d, 1, U32_MAX);
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 1, &used, &total), -EINVAL);
	/* Pieces each short enough, the frame too long. */
	mknet_good_chain(d, 2, MKNET_MAX_FRAME / 2 + 1);
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 2, &used, &total), -EINVAL);
	KUNIT_EXPECT_EQ(test, used, 2);
	mknet_good_chain(d, 1, 60);
	d[0].flags |= 0x80;
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 1, &used, &total), -EINVAL);
	mknet_good_chain(d, 1, 60);
	d[0].flags &= ~MKNET_DESC_HDR;
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 1, &used, &total), -EINVAL);

	/* A header in the middle of a chain ends it as a bad frame there. */
	mknet_good_chain(d, 4, 100);
	d[2].flags |= MKNET_DESC_HDR;
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 4, &used, &total), -EINVAL);
	KUNIT_EXPECT_EQ(test, used, 3);

	/* A chain that runs past what was published. */
	mknet_good_chain(d, 4, 100);
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, 2, &used, &total), -EINVAL);
	KUNIT_EXPECT_EQ(test, used, 2);
}

/*
 * One full buffer more than the receive path holds is refused, whatever
 * was published; every frame accepted fits an skb's fragments.
 */
static void mknet_frame_longest_test(struct kunit *test)
{
	struct mknet_desc d[MKNET_MAX_DESCS + 1];
	u32 used, total, len;

	mknet_good_chain(d, MKNET_MAX_DESCS + 1, 64);
	KUNIT_EXPECT_EQ(test, mknet_frame_check(d, MKNET_MAX_DESCS + 1, &used,
						&total), -EINVAL);
	KUNIT_EXPECT_LE(test, used, MKNET_MAX_DESCS);

	for (len = 1; len <= MKNET_MAX_FRAME / MKNET_MAX_DESCS; len += 255) {
		mknet_good_chain(d, MKNET_MAX_DESCS, len);
		KUNIT_ASSERT_EQ(test, mknet_frame_check(d, MKNET_MAX_DESCS,
							&used, &total), 0);
		KUNIT_EXPECT_LE(test, total, MKNET_MAX_FRAME);
		KUNIT_EXPECT_LE(test, mknet_rx_frags(total, MKNET_RX_HEAD),
				MAX_SKB_FRAGS);
	}
	KUNIT_EXPECT_EQ(test, mknet_rx_frags(MKNET_MAX_FRAME, MKNET_RX_HEAD),
			MKNET_RX_MAX_FRAGS);
	KUNIT_EXPECT_EQ(test, mknet_rx_frags(MKNET_RX_HEAD, MKNET_RX_HEAD), 0);
}

/* Copies read only the named bytes of each piece, in frame order. */
static void mknet_frame_copy_test(struct kunit *test)
{
	struct mknet_desc d[3];
	const u8 *src[3];
	u8 *mem, *dst;
	u32 i;

	mem = kunit_kzalloc(test, 3 * MKNET_BUF_SIZE, GFP_KERNEL);
	dst = kunit_kzalloc(test, 3 * MKNET_BUF_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	for (i = 0; i < 3; i++)
		memset(mem + i * MKNET_BUF_SIZE, 'a' + i, MKNET_BUF_SIZE);

	/* Three pieces, out of address order: c, a, b. */
	mknet_good_chain(d, 3, 100);
	d[1].len = 10;
	src[0] = mem + 2 * MKNET_BUF_SIZE;
	src[1] = mem + MKNET_BUF_SIZE - 10;
	src[2] = mem + MKNET_BUF_SIZE;
	KUNIT_EXPECT_EQ(test, mknet_frame_copy(dst, src, d, 3, 0, 210), 0);
	KUNIT_EXPECT_EQ(test, dst[0], 'c');
	KUNIT_EXPECT_EQ(test, dst[99], 'c');
	KUNIT_EXPECT_EQ(test, dst[100], 'a');
	KUNIT_EXPECT_EQ(test, dst[109], 'a');
	KUNIT_EXPECT_EQ(test, dst[110], 'b');
	KUNIT_EXPECT_EQ(test, dst[209], 'b');

	/* From an offset inside the second piece. */
	memset(dst, 0, 210);
	KUNIT_EXPECT_EQ(test, mknet_frame_copy(dst, src, d, 3, 105, 10), 0);
	KUNIT_EXPECT_EQ(test, dst[0], 'a');
	KUNIT_EXPECT_EQ(test, dst[5], 'b');

	/* Past the end of the frame: refused, not read. */
	KUNIT_EXPECT_EQ(test, mknet_frame_copy(dst, src, d, 3, 0, 211), -EINVAL);
	KUNIT_EXPECT_EQ(test, mknet_frame_copy(dst, src, d, 3, 210, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, mknet_frame_copy(dst, src, d, 3, 210, 0), 0);
}

/* A range is accepted only wholly inside one span of the sender's RAM. */
static void mknet_span_find_test(struct kunit *test)
{
	const struct mknet_span s[] = {
		{ 0x100000, 0x1000000 },	/* 1 MiB .. 17 MiB */
		{ 0x2000000, 0x1000 },		/* 32 MiB, one page */
		{ 0xfffffffffffff000ULL, 0x1000 },	/* the last page */
	};

	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 3, 0x100000, 1), 0);
	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 3, 0x1100000 - 64, 64), 0);
	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 3, 0x2000000, 0x1000), 1);
	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 3, 0xfffffffffffff000ULL,
					      0x1000), 2);
	/* Below, across the end, in the hole, past the end. */
	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 3, 0xfffff, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 3, 0x1100000 - 64, 65),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 3, 0x1800000, 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 3, 0x2000000, 0x1001),
			-EINVAL);
	/* Spanning two spans is refused even where they touch. */
	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 3, 0x100000, 0x2000000),
			-EINVAL);
	/* Round the end of the address space. */
	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 3, 0xffffffffffffffc0ULL,
					      128), -EINVAL);
	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 3, 0, 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, mknet_span_find(s, 0, 0x100000, 1), -EINVAL);
}

static void mknet_check_hello_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mknet_check_hello(0, 0), 0);
	KUNIT_EXPECT_EQ(test, mknet_check_hello(5 * MKNET_BUF_SIZE,
						MKNET_MAX_LINKS - 1), 0);
	/* An area off its page could have indices straddle cache lines. */
	KUNIT_EXPECT_EQ(test, mknet_check_hello(MKNET_BUF_SIZE + 4, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mknet_check_hello(64, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mknet_check_hello(0, MKNET_MAX_LINKS), -EINVAL);
	KUNIT_EXPECT_EQ(test, mknet_check_hello(0, U32_MAX), -EINVAL);
}

/*
 * A reshape retires area A (generation 7) for B (generation 8), both
 * named to the peer.  Only an ACK naming B as B frees A.
 */
static void mknet_hello_ack_test(struct kunit *test)
{
	const u64 a = 3 * MKNET_BUF_SIZE, b = 9 * MKNET_BUF_SIZE;

	KUNIT_EXPECT_TRUE(test, mknet_hello_ack_matches(b, 8, b, 8));
	/* The answer to a HELLO sent before the reshape: it polls A still. */
	KUNIT_EXPECT_FALSE(test, mknet_hello_ack_matches(a, 7, b, 8));
	/* A later area placed where an earlier one was. */
	KUNIT_EXPECT_FALSE(test, mknet_hello_ack_matches(b, 5, b, 8));
	/* A sender not attached names nothing, whatever the offset. */
	KUNIT_EXPECT_FALSE(test, mknet_hello_ack_matches(b, 0, b, 8));
	KUNIT_EXPECT_FALSE(test, mknet_hello_ack_matches(0, 0, 0, 0));
	/* The right generation with another offset is a forged or stale one. */
	KUNIT_EXPECT_FALSE(test, mknet_hello_ack_matches(a, 8, b, 8));
}

/*
 * Epochs skip the two marks, so no acknowledgment of an idle or moved
 * receiver passes for one of a real epoch and none is mistaken for them.
 */
static void mknet_epoch_test(struct kunit *test)
{
	u32 e;

	KUNIT_EXPECT_EQ(test, mknet_epoch_next(MKNET_EPOCH_IDLE), 1U);
	KUNIT_EXPECT_EQ(test, mknet_epoch_next(1), 2U);
	KUNIT_EXPECT_EQ(test, mknet_epoch_next(MKNET_EPOCH_MOVED - 1), 1U);
	KUNIT_EXPECT_EQ(test, mknet_epoch_next(MKNET_EPOCH_MOVED), 1U);
	for (e = MKNET_EPOCH_MOVED - 3; e != 3; e++) {
		u32 next = mknet_epoch_next(e);

		KUNIT_EXPECT_NE(test, next, MKNET_EPOCH_IDLE);
		KUNIT_EXPECT_NE(test, next, MKNET_EPOCH_MOVED);
	}
	/* The answer to this epoch, or a receiver that reads nothing. */
	KUNIT_EXPECT_TRUE(test, mknet_epoch_quiet(5, 5));
	KUNIT_EXPECT_TRUE(test, mknet_epoch_quiet(MKNET_EPOCH_IDLE, 5));
	/* The answer to the epoch before: it may be copying still. */
	KUNIT_EXPECT_FALSE(test, mknet_epoch_quiet(4, 5));
	/* An area the receiver replaced: its answer is in the new one. */
	KUNIT_EXPECT_FALSE(test, mknet_epoch_quiet(MKNET_EPOCH_MOVED, 5));
	/* The control blocks keep their size with the epochs in them. */
	KUNIT_EXPECT_EQ(test, sizeof(struct mknet_ring_ctl), 64);
}

static void mknet_need_event_test(struct kunit *test)
{
	/* Moved from 10 to 20 past an event at 15: tell. */
	KUNIT_EXPECT_TRUE(test, mknet_need_event(15, 20, 10));
	/* The event at the old index itself: it was asked before the move. */
	KUNIT_EXPECT_TRUE(test, mknet_need_event(10, 20, 10));
	KUNIT_EXPECT_FALSE(test, mknet_need_event(20, 20, 10));
	KUNIT_EXPECT_FALSE(test, mknet_need_event(25, 20, 10));
	KUNIT_EXPECT_FALSE(test, mknet_need_event(5, 20, 10));
	/* Across the wrap of the 32-bit index. */
	KUNIT_EXPECT_TRUE(test, mknet_need_event(U32_MAX, 3, U32_MAX - 4));
	KUNIT_EXPECT_FALSE(test, mknet_need_event(4, 3, U32_MAX - 4));
	/* Nothing moved: never. */
	KUNIT_EXPECT_FALSE(test, mknet_need_event(7, 8, 8));
}

/* What the other end asks for is bounded, and a doorbell never waits for ever. */
static void mknet_coal_test(struct kunit *test)
{
	u32 usecs, frames;

	usecs = 50;
	frames = 64;
	KUNIT_EXPECT_FALSE(test, mknet_coal_bound(&usecs, &frames, 256));
	KUNIT_EXPECT_EQ(test, usecs, 50);
	KUNIT_EXPECT_EQ(test, frames, 64);

	usecs = U32_MAX;
	frames = U32_MAX;
	KUNIT_EXPECT_TRUE(test, mknet_coal_bound(&usecs, &frames, 256));
	KUNIT_EXPECT_EQ(test, usecs, MKNET_COAL_USECS_MAX);
	KUNIT_EXPECT_EQ(test, frames, 256);

	usecs = MKNET_COAL_USECS_MAX + 1;
	frames = 256;
	KUNIT_EXPECT_TRUE(test, mknet_coal_bound(&usecs, &frames, 256));
	KUNIT_EXPECT_EQ(test, usecs, MKNET_COAL_USECS_MAX);

	/* No moderation: at once, whatever the count. */
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(0, 64, 1, 0), 0);
	/* Right after a doorbell: held for the interval, unless the count is due. */
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(10, 0, 1000, 0), 10);
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(10, 64, 63, 0), 10);
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(10, 64, 64, 3), 0);
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(10, 1, 1, 0), 0);
	/* Within the interval: only what is left of it. */
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(10, 64, 63, 3), 7);
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(10, 64, 1, 9), 1);
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(5000, 0, 1, 4999), 1);
	/* The interval over: at once, however long ago. */
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(10, 64, 1, 10), 0);
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(10, 64, 1, U64_MAX), 0);
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(5000, 0, 1, 5000), 0);
	KUNIT_EXPECT_EQ(test, mknet_coal_wait(MKNET_COAL_USECS_MAX, 0, 1,
					      U64_MAX), 0);
}

/* A stream's poll lingers and winds down; a ping's never starts to. */
static void mknet_linger_test(struct kunit *test)
{
	u32 left = 0, i;

	KUNIT_EXPECT_FALSE(test, mknet_linger_next(&left, 98, true));
	KUNIT_EXPECT_FALSE(test, mknet_linger_next(&left,
						   MKNET_LINGER_BYTES - 1, true));
	KUNIT_EXPECT_FALSE(test, mknet_linger_next(&left, U64_MAX, false));
	KUNIT_EXPECT_EQ(test, left, 0);

	KUNIT_EXPECT_TRUE(test, mknet_linger_next(&left, MKNET_LINGER_BYTES,
						  true));
	KUNIT_EXPECT_EQ(test, left, MKNET_LINGER_POLLS);
	for (i = 0; i < MKNET_LINGER_POLLS; i++)
		KUNIT_EXPECT_TRUE(test, mknet_linger_next(&left, 0, true));
	KUNIT_EXPECT_FALSE(test, mknet_linger_next(&left, 0, true));

	/* Another stream's poll starts it over; adaptive off winds it down. */
	mknet_linger_next(&left, U64_MAX, true);
	mknet_linger_next(&left, 0, true);
	KUNIT_EXPECT_TRUE(test, mknet_linger_next(&left, U64_MAX, true));
	KUNIT_EXPECT_EQ(test, left, MKNET_LINGER_POLLS);
	KUNIT_EXPECT_TRUE(test, mknet_linger_next(&left, U64_MAX, false));
	KUNIT_EXPECT_EQ(test, left, MKNET_LINGER_POLLS - 1);
}

static struct kunit_case mknet_shm_cases[] = {
	KUNIT_CASE(mknet_layout_test),
	KUNIT_CASE(mknet_check_area_test),
	KUNIT_CASE(mknet_frame_good_test),
	KUNIT_CASE(mknet_frame_bad_test),
	KUNIT_CASE(mknet_frame_longest_test),
	KUNIT_CASE(mknet_frame_copy_test),
	KUNIT_CASE(mknet_span_find_test),
	KUNIT_CASE(mknet_check_hello_test),
	KUNIT_CASE(mknet_hello_ack_test),
	KUNIT_CASE(mknet_epoch_test),
	KUNIT_CASE(mknet_need_event_test),
	KUNIT_CASE(mknet_coal_test),
	KUNIT_CASE(mknet_linger_test),
	{}
};

static struct kunit_suite mknet_shm_suite = {
	.name = "mknet_shm",
	.test_cases = mknet_shm_cases,
};

kunit_test_suite(mknet_shm_suite);

MODULE_DESCRIPTION("KUnit tests of the mknet shared ring layout and checks");
MODULE_LICENSE("GPL");
