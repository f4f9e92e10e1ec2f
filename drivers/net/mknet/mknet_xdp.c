// SPDX-License-Identifier: GPL-2.0-only
/*
 * mknet XDP setup: attaching and detaching the program.  A program that
 * takes frames in one buffer only asks the peer for no GSO, through the
 * rx_flags of our area; mknet_netdev.c follows the peer's wish.  Running
 * the program on each frame and XDP_TX are the receive path's, in
 * mknet_rx.c; ndo_xdp_xmit is in mknet_tx.c.
 */
#include <linux/filter.h>
#include <linux/rtnetlink.h>
#include "mknet.h"

/* Ask the peer for what our XDP program can take; it follows in its work. */
static void mknet_set_rx_flags(struct mknet_priv *priv, u32 flags)
{
	if (flags == priv->rx_flags)
		return;
	WRITE_ONCE(priv->rx_flags, flags);
	if (priv->area)
		WRITE_ONCE(priv->area->rx_flags, flags);
	mknet_send_msg(priv, MKNET_MSG_STATE, 0);
}

static int mknet_xdp_setup(struct net_device *dev, struct bpf_prog *prog,
			   struct netlink_ext_ack *extack)
{
	struct mknet_priv *priv = netdev_priv(dev);
	bool frags = !prog || prog->aux->xdp_has_frags;
	struct bpf_prog *old;

	if (!frags && dev->mtu > MKNET_XDP_MTU_MAX) {
		/* Netlink keeps 80 characters of it. */
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "MTU %u needs frags; program lacks xdp.frags (max MTU %lu)",
				       dev->mtu, MKNET_XDP_MTU_MAX);
		return -EOPNOTSUPP;
	}
	/* NAPI reads the program under RCU; bpf_prog_put() waits for it. */
	old = rcu_replace_pointer(priv->xdp_prog, prog, lockdep_rtnl_is_held());
	if (old)
		bpf_prog_put(old);
	mknet_set_rx_flags(priv, frags ? 0 : MKNET_RX_NO_GSO);
	return 0;
}

/**
 * mknet_bpf - ndo_bpf: attach or detach the XDP program
 * @dev: our device
 * @bpf: the command; only %XDP_SETUP_PROG is ours
 *
 * Context: RTNL held.
 * Return: 0, -EOPNOTSUPP for a program our MTU is too large for, or
 * -EINVAL for any other command.
 */
int mknet_bpf(struct net_device *dev, struct netdev_bpf *bpf)
{
	switch (bpf->command) {
	case XDP_SETUP_PROG:
		return mknet_xdp_setup(dev, bpf->prog, bpf->extack);
	default:
		return -EINVAL;
	}
}
