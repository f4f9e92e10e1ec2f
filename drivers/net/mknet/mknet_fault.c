// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet fault injection: make one end behave as a hostile or broken peer
 * towards the other, by writing into its own area what a bad kernel could.
 *
 *   echo MODE > /sys/kernel/debug/mknet/link<id>/scribble
 *
 * desc        publish descriptors full of random bytes
 * len         publish a descriptor longer than the longest frame
 * chain       publish a chain that never ends
 * longest     publish the longest frame the checks accept, in the most
 *             descriptors
 * addr        publish frames naming memory that is not ours to give: no
 *             RAM, the shared region, a local APIC, the end of the
 *             address space, across the end of our RAM, past our RAM
 * hdr         publish a frame whose virtio-net header is garbage
 * prod        move the producer index far ahead of what was filled; our
 *             own transmit then finds no room and drops until restore
 * state       publish a random admin state until restore
 * flood       ring the peer's multikernel doorbell of queue 0 10000
 *             times as fast as possible
 * silence     publish a frame without ringing the doorbell
 * garble-random, garble-zero, garble-ff
 *             overwrite all of our area once; nothing puts it back but
 *             the driver's own republishing
 * stall       take no more frames from the peer
 * unstall     take frames again after stall
 * xmit-more   transmit 4 frames as one xmit_more batch whose last frame
 *             is dropped
 * fail-resize the next NAPI context ethtool -L (or an attach) adds cannot
 *             have its page_pool, once
 * storm, calm every TX completion of ours finds another poll asking for
 *             one more, as under doorbells on every queue without pause;
 *             until calm
 * discovery-late, discovery-on-time
 *             discovery does not see the peer instance restart, as in
 *             the second before it looks: only the new incarnation's
 *             HELLO tells us; until discovery-on-time
 * restore     put the producer index and state back as the driver knows
 *             them; after prod, start TX ring 0 over with a new epoch
 *
 * Everything happens on queue pair 0.  Only for tests, and only with
 * CONFIG_MKNET_FAULT_INJECTION: the other end must count what it drops,
 * keep running and recover once the scribbling stops.
 */
#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/multikernel_fault.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include "mknet.h"

#define MKNET_BATCH_FRAMES	4

/* Publish @n descriptors starting at our producer index, as they are. */
static void mknet_publish(struct mknet_txq *txq, u32 n)
{
	/* The completion side sees the index move with no skb to free. */
	smp_store_release(&txq->prod, txq->prod + n);
	/* Pairs with the peer's acquire of prod. */
	smp_store_release(&txq->ctl->index, txq->prod);
}

static struct mknet_desc *mknet_next_desc(struct mknet_priv *priv, u32 i)
{
	struct mknet_txq *txq = &priv->txq[0];

	return &txq->desc[(txq->prod + i) & (priv->ring_size - 1)];
}

/*
 * Memory of ours that forged frames name: kept until the link goes, as
 * the peer may read it any time after.  Taken before the TX lock.
 */
static u8 *mknet_fault_mem(struct mknet_priv *priv)
{
	if (!priv->faults.buf)
		priv->faults.buf = kzalloc(MKNET_MAX_FRAME, GFP_KERNEL);
	return priv->faults.buf;
}

/* A descriptor of @len bytes at @addr, first of its frame or not. */
static void mknet_put_desc(struct mknet_priv *priv, u32 i, u64 addr, u32 len,
			   bool more)
{
	struct mknet_desc *d = mknet_next_desc(priv, i);

	memset(d, 0, sizeof(*d));
	d->addr = addr;
	d->len = len;
	d->flags = (more ? MKNET_DESC_MORE : 0) | (i ? 0 : MKNET_DESC_HDR);
}

static int mknet_fault_desc(void *ctx, const char *args, unsigned long data)
{
	struct mknet_priv *priv = ctx;
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);
	u32 i;

	__netif_tx_lock_bh(nq);
	for (i = 0; i < 8; i++)
		get_random_bytes(mknet_next_desc(priv, i),
				 sizeof(struct mknet_desc));
	mknet_publish(&priv->txq[0], 8);
	__netif_tx_unlock_bh(nq);
	return 0;
}

static int mknet_fault_len(void *ctx, const char *args, unsigned long data)
{
	struct mknet_priv *priv = ctx;
	u8 *mem = mknet_fault_mem(priv);
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);

	if (!mem)
		return -ENOMEM;
	__netif_tx_lock_bh(nq);
	mknet_put_desc(priv, 0, virt_to_phys(mem), MKNET_MAX_FRAME + 1, false);
	mknet_publish(&priv->txq[0], 1);
	__netif_tx_unlock_bh(nq);
	return 0;
}

static int mknet_fault_chain(void *ctx, const char *args, unsigned long data)
{
	struct mknet_priv *priv = ctx;
	u8 *mem = mknet_fault_mem(priv);
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);
	u32 i;

	if (!mem)
		return -ENOMEM;
	__netif_tx_lock_bh(nq);
	for (i = 0; i < MKNET_MAX_DESCS + 2; i++)
		mknet_put_desc(priv, i, virt_to_phys(mem), 64, true);
	mknet_publish(&priv->txq[0], MKNET_MAX_DESCS + 2);
	__netif_tx_unlock_bh(nq);
	return 0;
}

/*
 * The longest frame a peer may send, in the most pieces, the last of
 * them ending a byte short of a page.  The receiver must build it within
 * an skb's fragments; KASAN watches that it does.
 */
static int mknet_fault_longest(void *ctx, const char *args, unsigned long data)
{
	const u32 piece = MKNET_MAX_FRAME / MKNET_MAX_DESCS;
	struct mknet_priv *priv = ctx;
	u8 *mem = mknet_fault_mem(priv);
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);
	u32 i, len;

	if (!mem)
		return -ENOMEM;
	__netif_tx_lock_bh(nq);
	memset(mem, 0x5a, MKNET_MAX_FRAME);
	/* To whoever it may concern: a broadcast of a local protocol. */
	eth_broadcast_addr(mem);
	for (i = 0; i < MKNET_MAX_DESCS; i++) {
		bool last = i + 1 == MKNET_MAX_DESCS;

		len = last ? MKNET_MAX_FRAME - i * piece : piece;
		mknet_put_desc(priv, i, virt_to_phys(mem + i * piece), len,
			       !last);
	}
	mknet_publish(&priv->txq[0], MKNET_MAX_DESCS);
	__netif_tx_unlock_bh(nq);
	return 0;
}

/* Not RAM of ours; each must be dropped as a bad address. */
static int mknet_fault_addr(void *ctx, const char *args, unsigned long data)
{
	struct mk_mem_range mem[MK_MAX_MEM_RANGES];
	struct mknet_priv *priv = ctx;
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);
	phys_addr_t region;
	u64 bad[6], end;
	void *page;
	int nr;
	u32 i;

	nr = mk_instance_memory(mk_self_instance(), mem, ARRAY_SIZE(mem));
	if (nr <= 0)
		return nr ?: -ENODATA;
	end = mem[nr - 1].start + mem[nr - 1].size;
	/* A pair's area is private: borrow a pool page for its address. */
	region = priv->area_phys;
	if (!priv->remote) {
		page = mk_pool_alloc(PAGE_SIZE, &region);
		if (!page)
			return -ENOMEM;
		mk_pool_free(page, PAGE_SIZE);
	}
	bad[0] = 0;					/* no RAM */
	bad[1] = region;				/* the region */
	bad[2] = 0xfee00000;				/* a local APIC */
	bad[3] = ~0ULL - 31;				/* wraps round */
	bad[4] = end - 32;				/* across the end */
	bad[5] = end;					/* just past it */
	__netif_tx_lock_bh(nq);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		mknet_put_desc(priv, i, bad[i], 64, false);
	/* Each is a frame of its own: fix up the first-of-frame flags. */
	for (i = 1; i < ARRAY_SIZE(bad); i++)
		mknet_next_desc(priv, i)->flags = MKNET_DESC_HDR;
	mknet_publish(&priv->txq[0], ARRAY_SIZE(bad));
	__netif_tx_unlock_bh(nq);
	return 0;
}

static int mknet_fault_hdr(void *ctx, const char *args, unsigned long data)
{
	struct mknet_priv *priv = ctx;
	u8 *mem = mknet_fault_mem(priv);
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);
	struct mknet_desc *d;

	if (!mem)
		return -ENOMEM;
	__netif_tx_lock_bh(nq);
	d = mknet_next_desc(priv, 0);
	memset(mem, 0xff, 60);
	mknet_put_desc(priv, 0, virt_to_phys(mem), 60, false);
	get_random_bytes(&d->hdr, sizeof(d->hdr));
	d->hdr.gso_type = 0x7f;
	mknet_publish(&priv->txq[0], 1);
	__netif_tx_unlock_bh(nq);
	return 0;
}

static int mknet_fault_prod(void *ctx, const char *args, unsigned long data)
{
	struct mknet_priv *priv = ctx;
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);
	struct mknet_faults *f = &priv->faults;
	struct mknet_txq *txq = &priv->txq[0];

	__netif_tx_lock_bh(nq);
	/* A new area started from 0: what we saved is not its index. */
	if (!f->prod_scribbled || f->prod_area_gen != priv->area_gen) {
		f->saved_prod = txq->prod;
		f->prod_area_gen = priv->area_gen;
		f->prod_scribbled = true;
	}
	txq->prod = f->saved_prod + get_random_u32_above(priv->ring_size);
	WRITE_ONCE(txq->ctl->index, txq->prod);
	__netif_tx_unlock_bh(nq);
	return 0;
}

/* A state the peer must not take for UP, kept as ours until restore. */
static int mknet_fault_state(void *ctx, const char *args, unsigned long data)
{
	struct mknet_priv *priv = ctx;
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);

	__netif_tx_lock_bh(nq);
	WRITE_ONCE(priv->admin_state, get_random_u32_above(MKNET_STATE_UP));
	WRITE_ONCE(priv->area->state, priv->admin_state);
	__netif_tx_unlock_bh(nq);
	return 0;
}

/*
 * Doorbells are rung without the TX lock, as the hold timer rings them,
 * and always as the multikernel doorbell: a pair's end would schedule
 * its other end's NAPI directly when run on that NAPI's CPU.
 */
static int mknet_fault_flood(void *ctx, const char *args, unsigned long data)
{
	struct mknet_priv *priv = ctx;
	u32 i;

	if (!READ_ONCE(priv->peer_attached))
		return -ENOTCONN;
	for (i = 0; i < 10000; i++)
		mk_bell_ring(&priv->peer_bell[0]);
	return 0;
}

static int mknet_fault_silence(void *ctx, const char *args, unsigned long data)
{
	struct mknet_priv *priv = ctx;
	u8 *mem = mknet_fault_mem(priv);
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);

	if (!mem)
		return -ENOMEM;
	__netif_tx_lock_bh(nq);
	memset(mem, 0, ETH_ZLEN);
	mknet_put_desc(priv, 0, virt_to_phys(mem), ETH_ZLEN, false);
	mknet_publish(&priv->txq[0], 1);
	/* Pretend the doorbell was rung so the next frame skips it too. */
	priv->txq[0].notified = priv->txq[0].prod;
	__netif_tx_unlock_bh(nq);
	return 0;
}

/* @how is a byte value, or MK_GARBLE_RANDOM. */
static int mknet_fault_garble(void *ctx, const char *args, unsigned long how)
{
	struct mknet_priv *priv = ctx;
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);

	__netif_tx_lock_bh(nq);
	mk_fault_fill(priv->area, priv->area_size, how);
	__netif_tx_unlock_bh(nq);
	return 0;
}

/* Flags the data path and reshapes read: set or cleared at any time. */
static int mknet_fault_set(void *ctx, const char *args, unsigned long flag)
{
	struct mknet_priv *priv = ctx;

	set_bit(flag, &priv->faults.flags);
	return 0;
}

static int mknet_fault_clear(void *ctx, const char *args, unsigned long flag)
{
	struct mknet_priv *priv = ctx;

	clear_bit(flag, &priv->faults.flags);
	return 0;
}

static int mknet_fault_restore(void *ctx, const char *args, unsigned long data)
{
	struct mknet_priv *priv = ctx;
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);
	struct mknet_faults *f = &priv->faults;
	struct mknet_txq *txq = &priv->txq[0];
	bool restart = false;

	__netif_tx_lock_bh(nq);
	if (f->prod_scribbled && f->prod_area_gen == priv->area_gen) {
		txq->prod = f->saved_prod;
		restart = true;
	}
	f->prod_scribbled = false;
	WRITE_ONCE(txq->ctl->index, txq->prod);
	WRITE_ONCE(priv->admin_state, netif_running(priv->dev) ?
		   MKNET_STATE_UP : MKNET_STATE_DOWN);
	WRITE_ONCE(priv->area->state, priv->admin_state);
	/*
	 * The peer may have taken the ring up at the impossible index: when
	 * our watchdog reclaimed the frames it stopped consuming, which a
	 * prod held past %MKNET_TX_RECLAIM_AFTER makes it do.  Going back
	 * from there is another impossible index to the peer, so start the
	 * ring over, as a kernel whose index went wrong would: a new epoch
	 * has the peer take it up at the real index.
	 */
	if (restart) {
		WRITE_ONCE(txq->reclaiming, false);
		mknet_tx_reclaim(priv, 0);
	}
	__netif_tx_unlock_bh(nq);
	return 0;
}

/*
 * A batch through the real transmit path: frames with xmit_more set, the
 * last of them failed by fault injection.  The frames before it must
 * still get their doorbell.
 */
static int mknet_fault_xmit_more(void *ctx, const char *args, unsigned long data)
{
	struct mknet_priv *priv = ctx;
	struct net_device *dev = priv->dev;
	struct netdev_queue *nq = netdev_get_tx_queue(dev, 0);
	struct sk_buff *skbs[MKNET_BATCH_FRAMES];
	int i, err = 0;

	for (i = 0; i < MKNET_BATCH_FRAMES; i++) {
		skbs[i] = alloc_skb(ETH_ZLEN, GFP_KERNEL);
		if (!skbs[i]) {
			while (i--)
				kfree_skb(skbs[i]);
			return -ENOMEM;
		}
		eth_broadcast_addr(skb_put_zero(skbs[i], ETH_ZLEN));
		skbs[i]->dev = dev;
		skb_set_queue_mapping(skbs[i], 0);
	}
	local_bh_disable();
	__netif_tx_lock(nq, smp_processor_id());
	for (i = 0; i < MKNET_BATCH_FRAMES; i++) {
		bool last = i + 1 == MKNET_BATCH_FRAMES;

		if (netif_xmit_frozen_or_stopped(nq)) {
			kfree_skb(skbs[i]);
			err = -EBUSY;
			continue;
		}
		if (last)
			atomic_set(&priv->faults.fail_xmits, 1);
		netdev_start_xmit(skbs[i], dev, nq, !last);
	}
	__netif_tx_unlock(nq);
	local_bh_enable();
	return err;
}

/*
 * Every command runs under RTNL with the ends attached.  Those that write
 * queue 0's ring or our area hold the queue's TX lock while they do, to
 * keep our own transmit path out.
 */
static const struct mk_debugfs_cmd mknet_faults[] = {
	{ "desc", mknet_fault_desc },
	{ "len", mknet_fault_len },
	{ "chain", mknet_fault_chain },
	{ "longest", mknet_fault_longest },
	{ "addr", mknet_fault_addr },
	{ "hdr", mknet_fault_hdr },
	{ "prod", mknet_fault_prod },
	{ "state", mknet_fault_state },
	{ "flood", mknet_fault_flood },
	{ "silence", mknet_fault_silence },
	{ "garble-random", mknet_fault_garble, MK_GARBLE_RANDOM },
	{ "garble-zero", mknet_fault_garble, 0 },
	{ "garble-ff", mknet_fault_garble, 0xff },
	{ "stall", mknet_fault_set, MKNET_FAULT_RX_STALLED },
	{ "unstall", mknet_fault_clear, MKNET_FAULT_RX_STALLED },
	{ "xmit-more", mknet_fault_xmit_more },
	{ "fail-resize", mknet_fault_set, MKNET_FAULT_FAIL_RESIZE },
	{ "storm", mknet_fault_set, MKNET_FAULT_COMPLETE_STORM },
	{ "calm", mknet_fault_clear, MKNET_FAULT_COMPLETE_STORM },
	{ "discovery-late", mknet_fault_set, MKNET_FAULT_DISCOVERY_LATE },
	{ "discovery-on-time", mknet_fault_clear, MKNET_FAULT_DISCOVERY_LATE },
	{ "restore", mknet_fault_restore },
};

static ssize_t mknet_scribble_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct mknet_priv *priv = file->private_data;
	ssize_t ret = -ENOTCONN;

	/*
	 * RTNL keeps the area from being freed and reshaped under us.  Our
	 * file is removed with RTNL held, waiting for writers: never block.
	 */
	if (!rtnl_trylock())
		return restart_syscall();
	if (READ_ONCE(priv->peer_attached))
		ret = mk_debugfs_cmd_write(ubuf, len, mknet_faults,
					   ARRAY_SIZE(mknet_faults), priv);
	rtnl_unlock();
	return ret;
}

static const struct file_operations mknet_scribble_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= mknet_scribble_write,
	.llseek	= noop_llseek,
};

/**
 * mknet_fault_add - create the fault injection file of one end
 * @priv: our end, its debugfs directory made
 */
void mknet_fault_add(struct mknet_priv *priv)
{
	debugfs_create_file("scribble", 0200, priv->debugfs, priv,
			    &mknet_scribble_fops);
}

/**
 * mknet_fault_remove - free what fault injection kept for one end
 * @priv: our end, its debugfs directory gone: no command runs any more
 */
void mknet_fault_remove(struct mknet_priv *priv)
{
	kfree(priv->faults.buf);
	priv->faults.buf = NULL;
}
