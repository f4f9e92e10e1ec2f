// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet fault injection: make one end behave as a hostile or broken peer
 * towards the other, by writing into its own area what a bad kernel could.
 *
 *   echo MODE > /sys/kernel/debug/mknet/<ifname>/scribble
 *
 * desc     publish descriptors full of random bytes
 * len      publish a descriptor longer than a buffer
 * chain    publish a chain that never ends
 * hdr      publish a frame whose virtio-net header is garbage
 * prod     move the producer index far ahead of what was filled; our
 *          own transmit then finds no room and drops until restore
 * state    write a random admin state into the area header
 * flood    send 10000 doorbells as fast as possible
 * silence  publish a frame without ringing the doorbell
 * restore  put the producer index and state back as the driver knows them
 *
 * Everything happens on queue pair 0.  Only for tests: the other end must
 * count what it drops, keep running and recover once the scribbling stops.
 */
#include <linux/debugfs.h>
#include <linux/random.h>
#include "mknet.h"

static struct dentry *mknet_debugfs_root;

/* Publish @n descriptors starting at our producer index, as they are. */
static void mknet_publish(struct mknet_txq *txq, u32 n)
{
	txq->prod += n;
	/* Pairs with the peer's acquire of prod. */
	smp_store_release(&txq->ctl->prod, txq->prod);
}

static struct mknet_desc *mknet_next_desc(struct mknet_priv *priv, u32 i)
{
	struct mknet_txq *txq = &priv->txq[0];

	return &txq->desc[(txq->prod + i) & (priv->ring_size - 1)];
}

static u8 *mknet_next_buf(struct mknet_priv *priv)
{
	struct mknet_txq *txq = &priv->txq[0];

	return txq->bufs + (txq->prod & (priv->ring_size - 1)) * MKNET_BUF_SIZE;
}

static int mknet_scribble(struct mknet_priv *priv, const char *mode)
{
	struct netdev_queue *nq = netdev_get_tx_queue(priv->dev, 0);
	struct mknet_txq *txq = &priv->txq[0];
	struct mknet_desc *d;
	u32 i;

	if (!READ_ONCE(priv->peer_attached))
		return -ENOTCONN;

	/* Keep our own transmit path out of the ring while we write it. */
	__netif_tx_lock_bh(nq);
	if (!strcmp(mode, "desc")) {
		for (i = 0; i < 8; i++)
			get_random_bytes(mknet_next_desc(priv, i), sizeof(*d));
		mknet_publish(txq, 8);
	} else if (!strcmp(mode, "len")) {
		d = mknet_next_desc(priv, 0);
		memset(d, 0, sizeof(*d));
		d->len = MKNET_BUF_SIZE + 1;
		d->flags = MKNET_DESC_HDR;
		mknet_publish(txq, 1);
	} else if (!strcmp(mode, "chain")) {
		for (i = 0; i < MKNET_MAX_DESCS + 2; i++) {
			d = mknet_next_desc(priv, i);
			memset(d, 0, sizeof(*d));
			d->len = 64;
			d->flags = MKNET_DESC_MORE | (i ? 0 : MKNET_DESC_HDR);
		}
		mknet_publish(txq, MKNET_MAX_DESCS + 2);
	} else if (!strcmp(mode, "hdr")) {
		d = mknet_next_desc(priv, 0);
		get_random_bytes(&d->hdr, sizeof(d->hdr));
		d->hdr.gso_type = 0x7f;
		d->len = 60;
		d->flags = MKNET_DESC_HDR;
		memset(mknet_next_buf(priv), 0xff, 60);
		mknet_publish(txq, 1);
	} else if (!strcmp(mode, "prod")) {
		if (!txq->scribbled_prod) {
			txq->saved_prod = txq->prod;
			txq->scribbled_prod = true;
		}
		txq->prod = txq->saved_prod + get_random_u32_above(priv->ring_size);
		WRITE_ONCE(txq->ctl->prod, txq->prod);
	} else if (!strcmp(mode, "state")) {
		WRITE_ONCE(priv->area->state, get_random_u32_above(MKNET_STATE_UP));
	} else if (!strcmp(mode, "flood")) {
		for (i = 0; i < 10000; i++)
			mknet_send_msg(priv, MKNET_MSG_DOORBELL, 0);
	} else if (!strcmp(mode, "silence")) {
		d = mknet_next_desc(priv, 0);
		memset(d, 0, sizeof(*d));
		d->len = ETH_ZLEN;
		d->flags = MKNET_DESC_HDR;
		memset(mknet_next_buf(priv), 0, ETH_ZLEN);
		mknet_publish(txq, 1);
		/* Pretend the doorbell was rung so the next frame skips it too. */
		txq->notified = txq->prod;
	} else if (!strcmp(mode, "restore")) {
		if (txq->scribbled_prod) {
			txq->prod = txq->saved_prod;
			txq->scribbled_prod = false;
		}
		WRITE_ONCE(txq->ctl->prod, txq->prod);
		WRITE_ONCE(priv->area->state, netif_running(priv->dev) ?
			   MKNET_STATE_UP : MKNET_STATE_DOWN);
	} else {
		__netif_tx_unlock_bh(nq);
		return -EINVAL;
	}
	__netif_tx_unlock_bh(nq);
	return 0;
}

static ssize_t mknet_scribble_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct mknet_priv *priv = file->private_data;
	char mode[16];
	int err;

	if (len >= sizeof(mode))
		return -EINVAL;
	if (copy_from_user(mode, ubuf, len))
		return -EFAULT;
	mode[len] = '\0';
	strim(mode);
	err = mknet_scribble(priv, mode);
	return err ? err : len;
}

static const struct file_operations mknet_scribble_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= mknet_scribble_write,
	.llseek	= noop_llseek,
};

/**
 * mknet_debugfs_add - create the fault injection files of one end
 * @priv: our end
 */
void mknet_debugfs_add(struct mknet_priv *priv)
{
	char name[16];

	snprintf(name, sizeof(name), "link%u", priv->id);
	priv->debugfs = debugfs_create_dir(name, mknet_debugfs_root);
	debugfs_create_file("scribble", 0200, priv->debugfs, priv,
			    &mknet_scribble_fops);
}

void mknet_debugfs_remove(struct mknet_priv *priv)
{
	debugfs_remove_recursive(priv->debugfs);
	priv->debugfs = NULL;
}

/**
 * mknet_debugfs_init - create debugfs mknet/
 * @stray_msgs: messages for no link of ours, shown as stray_messages
 */
void mknet_debugfs_init(atomic_t *stray_msgs)
{
	mknet_debugfs_root = debugfs_create_dir(MKNET_DRV_NAME, NULL);
	debugfs_create_atomic_t("stray_messages", 0444, mknet_debugfs_root,
				stray_msgs);
}

void mknet_debugfs_exit(void)
{
	debugfs_remove_recursive(mknet_debugfs_root);
}
