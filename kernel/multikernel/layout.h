/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Layout of the multikernel shared region, and the checks every kernel
 * applies to what another kernel wrote there.
 *
 * All kernels sharing a region run on one machine, so the layout uses the
 * machine's native byte order; the sizes and offsets are fixed by the ABI
 * version and checked against the header when an instance joins.
 *
 * The console areas, which the console driver reads too, are laid out in
 * <linux/multikernel_console.h>.
 *
 * This file and layout.c build without the rest of the kernel so that the
 * same code can be driven by a userspace fuzzer.
 */
#ifndef _KERNEL_MULTIKERNEL_LAYOUT_H
#define _KERNEL_MULTIKERNEL_LAYOUT_H

#include <linux/types.h>
#include <linux/multikernel.h>
#include <linux/multikernel_console.h>

#define MK_REGION_MAGIC		0x314d48534b4d4b4dULL	/* "MKMKSHM1" */
#define MK_ABI_VERSION		4

/* CPUs one instance can list in the instance table. */
#define MK_MAX_INSTANCE_CPUS	16

#define MK_RING_SLOTS		64
#define MK_SLOT_SIZE		256
#define MK_LAYOUT_ALIGN		4096UL
/* PFNs in messages count 4 KiB frames, whatever the kernel's page size. */
#define MK_PFN_SHIFT		12
/* Header, instance table, the rings, and at least this much pool. */
#define MK_REGION_MIN_POOL	(1024UL * 1024)
/* Memory ranges of a kernel are whole pages, 1 << MK_PFN_SHIFT bytes. */
#define MK_MEM_ALIGN		4096ULL

/**
 * struct mk_region_header - first page of the region, written once by
 * instance 0 and only read by every other instance
 * @magic: %MK_REGION_MAGIC
 * @abi_version: %MK_ABI_VERSION
 * @header_size: sizeof(struct mk_region_header)
 * @region_size: bytes in the region, as given by mk_shared_memory=
 * @max_instances: entries in the instance table and rings per row
 * @max_cpus: APIC IDs one instance entry holds
 * @ring_slots: slots per message ring
 * @slot_size: bytes per slot
 * @instances_off: offset of the instance table
 * @rings_off: offset of the first message ring
 * @ring_stride: bytes from one ring to the next
 * @console_off: offset of the console area of instance 0
 * @console_stride: bytes from one instance's console area to the next
 * @pool_off: offset of the page pool
 * @pool_size: bytes in the page pool
 * @generation: non-zero, new each time instance 0 creates the region
 * @checksum: mk_header_checksum() of everything before it
 * @reserved: zero; a header with anything else here is refused
 */
struct mk_region_header {
	u64 magic;
	u32 abi_version;
	u32 header_size;
	u64 region_size;
	u32 max_instances;
	u32 max_cpus;
	u32 ring_slots;
	u32 slot_size;
	u64 instances_off;
	u64 rings_off;
	u64 ring_stride;
	u64 console_off;
	u64 console_stride;
	u64 pool_off;
	u64 pool_size;
	u64 generation;
	u32 checksum;
	u32 reserved;
};

/**
 * struct mk_instance_desc - an instance's entry in the instance table,
 * written only by that instance (or by the host that starts it)
 * @state: &enum mk_instance_state
 * @nr_cpus: valid entries in @apic_ids
 * @heartbeat: incremented about once a second while running
 * @boot_generation: incremented each time the instance (re)joins
 * @apic_ids: physical APIC IDs of the instance's CPUs
 * @pad: zero; fills the entry to 256 bytes
 */
struct mk_instance_desc {
	u32 state;
	u32 nr_cpus;
	u64 heartbeat;
	u64 boot_generation;
	u32 apic_ids[MK_MAX_INSTANCE_CPUS];
	u8 pad[256 - 24 - 4 * MK_MAX_INSTANCE_CPUS];
};

/**
 * struct mk_slot - one message in a ring
 * @type: &enum mk_msg_type
 * @len: bytes of @data in use
 * @src_apicid: physical APIC ID of the sending CPU
 * @data: payload
 */
struct mk_slot {
	u16 type;
	u16 len;
	u32 src_apicid;
	u8 data[MK_MSG_MAX_DATA];
};

/* Words of doorbell bits in a ring, one bit per doorbell. */
#define MK_BELL_WORDS		(MK_MAX_BELLS / 64)

/*
 * A ring carries messages from one instance to another.  The producer
 * writes only @head and the slots, the consumer only @tail; each index
 * sits in its own cache line.  Indices run freely and wrap at 2^32.
 *
 * @bells are the receiver's doorbells as this sender rings them: the
 * sender sets a bit with an atomic OR and sends an IPI only if it was
 * clear; the receiver takes each word with an atomic exchange.  Both
 * sides write the line, with atomic operations only.
 */
struct mk_ring {
	u32 head;
	u8 pad_head[60];
	u32 tail;
	u8 pad_tail[60];
	u64 bells[MK_BELL_WORDS];
	struct mk_slot slots[MK_RING_SLOTS];
};

/**
 * struct mk_layout - where everything is in a region of a given size
 * @region_size: bytes in the region
 * @instances_off: offset of the instance table
 * @rings_off: offset of ring [0][0]
 * @ring_stride: bytes between consecutive rings
 * @console_off: offset of the console area of instance 0
 * @console_stride: bytes between consecutive console areas
 * @pool_off: offset of the page pool
 * @pool_size: bytes in the page pool
 */
struct mk_layout {
	u64 region_size;
	u64 instances_off;
	u64 rings_off;
	u64 ring_stride;
	u64 console_off;
	u64 console_stride;
	u64 pool_off;
	u64 pool_size;
};

/**
 * struct mk_ring_view - what the consumer may read from a ring right now
 * @first: index of the first unread slot
 * @count: readable slots, at most %MK_RING_SLOTS
 */
struct mk_ring_view {
	u32 first;
	u32 count;
};

/**
 * struct mk_mem_bad - which entry of a list of memory ranges was refused
 * @entry: its index, from 0
 * @offset: where it starts in the text that was parsed
 * @why: what is wrong with it, for a message
 */
struct mk_mem_bad {
	unsigned int entry;
	unsigned int offset;
	const char *why;
};

int mk_layout_compute(u64 region_size, struct mk_layout *l);
u32 mk_header_checksum(const struct mk_region_header *hdr);
void mk_header_init(struct mk_region_header *hdr, const struct mk_layout *l,
		    u64 generation);
int mk_header_validate(const struct mk_region_header *hdr, u64 region_size);
int mk_ring_check_indices(u32 head, u32 tail, struct mk_ring_view *view);
int mk_slot_check(const struct mk_slot *copy);
int mk_instance_check(const struct mk_instance_desc *copy, u32 apicid_limit);
bool mk_instance_has_apicid(const struct mk_instance_desc *copy, u32 apicid);
int mk_range_check(const struct mk_layout *l, u64 base_phys, u64 pfn,
		   u32 offset, u32 len, u64 *region_off);
int mk_mem_ranges_parse(const char *s, struct mk_mem_range *out,
			unsigned int max, struct mk_mem_bad *bad);
int mk_peer_ram_parse(const char *s, struct mk_mem_range *out,
		      unsigned int nr_ids, struct mk_mem_bad *bad);
int mk_mem_ranges_subtract(struct mk_mem_range *r, unsigned int n,
			   unsigned int max, u64 start, u64 size);
int mk_mem_ranges_overlap(const struct mk_mem_range *r, unsigned int n,
			  u64 start, u64 size);
int mk_mem_ranges_first_fit(const struct mk_mem_range *r, unsigned int n,
			    u64 pool_start, u64 pool_size, u64 size, u64 align,
			    u64 *start);
u64 mk_mem_ranges_largest_gap(const struct mk_mem_range *r, unsigned int n,
			      u64 pool_start, u64 pool_size, u64 align);

#endif /* _KERNEL_MULTIKERNEL_LAYOUT_H */
