/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel: Linux instances sharing one machine, each on its own CPUs
 * and memory, talking through a shared physical region and an IPI vector.
 *
 * This is the API drivers use.  The layout of the shared region itself is
 * in kernel/multikernel/layout.h; users never touch it.  What the core,
 * the architecture code and start_kernel() exchange is in
 * <linux/multikernel_arch.h>.
 */
#ifndef _LINUX_MULTIKERNEL_H
#define _LINUX_MULTIKERNEL_H

#include <linux/types.h>

/* Instances a region can describe; instance 0 is the one that booted first. */
#define MK_MAX_INSTANCES	8
/* Payload bytes one message carries. */
#define MK_MSG_MAX_DATA		248
/* Ranges one kernel's RAM is described by, at most. */
#define MK_MAX_MEM_RANGES	16
/* Doorbells one kernel can register; each other kernel can ring them all. */
#define MK_MAX_BELLS		512

/**
 * enum mk_msg_type - what a message is, chosen by the sender
 * @MK_MSG_INVALID: never sent; a slot holding it is dropped as corrupt
 * @MK_MSG_PFN: a page range of the shared region handed to the receiver
 * @MK_MSG_MKNET: doorbells of the mknet network device
 * @MK_MSG_TYPE_MAX: number of types; larger values are counted and dropped
 */
enum mk_msg_type {
	MK_MSG_INVALID,
	MK_MSG_PFN,
	/* 2 is the core's own, for its tests: kernel/multikernel/internal.h */
	MK_MSG_MKNET = 3,
	MK_MSG_TYPE_MAX = 16,
};

/**
 * enum mk_instance_state - life cycle of an instance, as its table entry says
 * @MK_INSTANCE_EMPTY: slot unused
 * @MK_INSTANCE_LOADED: image loaded by the host, not started
 * @MK_INSTANCE_BOOTING: started, has not joined the region yet
 * @MK_INSTANCE_RUNNING: joined; accepts messages
 * @MK_INSTANCE_STOPPED: stopped cleanly
 * @MK_INSTANCE_CRASHED: panicked or stopped answering
 * @MK_INSTANCE_STATE_MAX: number of states; no entry is in it
 */
enum mk_instance_state {
	MK_INSTANCE_EMPTY,
	MK_INSTANCE_LOADED,
	MK_INSTANCE_BOOTING,
	MK_INSTANCE_RUNNING,
	MK_INSTANCE_STOPPED,
	MK_INSTANCE_CRASHED,
	MK_INSTANCE_STATE_MAX,
};

/**
 * struct mk_msg - a received message, copied out of the shared ring
 * @src_instance: instance that sent it (the ring it came from)
 * @type: &enum mk_msg_type
 * @src_apicid: physical APIC ID the sender claims to have sent from
 * @len: valid bytes in @data, at most %MK_MSG_MAX_DATA
 * @data: payload
 *
 * The copy lives in the receiver's memory: the peer cannot change it while
 * a handler looks at it.  Only @src_instance and @len are checked by the
 * framework; handlers validate the payload.
 */
struct mk_msg {
	u16 src_instance;
	u16 type;
	u32 src_apicid;
	u32 len;
	u8 data[MK_MSG_MAX_DATA];
};

/**
 * typedef mk_msg_handler_t - receives the messages of one type
 * @msg: the message; valid only during the call
 * @ctx: the pointer given to mk_msg_register()
 *
 * Called in hard interrupt context on the CPU the IPI was sent to, with
 * interrupts disabled.  It must not sleep; schedule NAPI or work instead.
 */
typedef void (*mk_msg_handler_t)(const struct mk_msg *msg, void *ctx);

/**
 * typedef mk_bell_handler_t - a doorbell of ours was rung
 * @src_instance: the instance that rang it
 * @ctx: the pointer given to mk_bell_register()
 *
 * Called in hard interrupt context, with interrupts disabled, on the CPU
 * the ringer sent its IPI to.  Several rings may come as one call.
 */
typedef void (*mk_bell_handler_t)(u16 src_instance, void *ctx);

/**
 * struct mk_bell - a doorbell of another instance, checked and ready
 * @instance: the instance it belongs to
 * @apicid: the CPU of @instance its IPI goes to
 * @bell: its number in @instance
 * @generation: boot generation of @instance when it was bound; the
 *	doorbell is dead once that instance stops or restarts
 * @bound: mk_bell_bind() succeeded
 */
struct mk_bell {
	u16 instance;
	u32 apicid;
	u32 bell;
	u64 generation;
	bool bound;
};

/**
 * struct mk_mem_range - RAM of a kernel that this kernel may read
 * @start: physical address of the first byte
 * @size: bytes, non-zero
 * @virt: this kernel's mapping of @start; the whole range is mapped,
 *	write-back, for as long as this kernel runs; read-only where it is
 *	another kernel's RAM
 */
struct mk_mem_range {
	phys_addr_t start;
	u64 size;
	void *virt;
};

/* mk_memory_notifier_register(): an instance's memory becomes ours again. */
#define MK_MEMORY_RELEASE	1

struct notifier_block;
struct page;

#ifdef CONFIG_MULTIKERNEL

bool mk_ready(void);
u16 mk_self_instance(void);
u32 mk_cpu_apicid(unsigned int cpu);
int mk_instance_info(u16 instance, u64 *heartbeat, u64 *boot_generation,
		     u32 *apicid);
bool mk_instance_running(u16 instance, u64 boot_generation);
int mk_instance_memory(u16 instance, struct mk_mem_range *ranges,
		       unsigned int max);
int mk_instance_memory_get(u16 instance);
void mk_instance_memory_put(u16 instance);
int mk_memory_notifier_register(struct notifier_block *nb);
void mk_memory_notifier_unregister(struct notifier_block *nb);
bool mk_page_readable_by_peers(const struct page *page);
int mk_phys_node(phys_addr_t phys);

int mk_msg_register(u16 type, mk_msg_handler_t fn, void *ctx);
void mk_msg_unregister(u16 type);
int mk_msg_send(u16 instance, u32 apicid, u16 type, const void *data,
		size_t len);

int mk_bell_register(mk_bell_handler_t fn, void *ctx);
void mk_bell_unregister(int bell);
int mk_bell_bind(struct mk_bell *b, u16 instance, u32 apicid, u32 bell);
int mk_bell_ring(const struct mk_bell *b);

void *mk_pool_alloc(size_t size, phys_addr_t *phys);
void mk_pool_free(void *vaddr, size_t size);
size_t mk_pool_avail(void);
void *mk_region_ptr(u64 offset, u64 len);
u64 mk_region_offset(const void *vaddr);

#else

static inline bool mk_ready(void) { return false; }

#endif /* CONFIG_MULTIKERNEL */

#endif /* _LINUX_MULTIKERNEL_H */
