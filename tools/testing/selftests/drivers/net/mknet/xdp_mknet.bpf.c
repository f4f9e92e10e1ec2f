// SPDX-License-Identifier: GPL-2.0-only
/*
 * XDP programs of the mknet selftests.  `bpftool prog loadall` pins each
 * by its name; "xdp.frags" programs take frames larger than a page.  The
 * redirect programs take their target from key 0 of their map, which the
 * test fills with bpftool; each loadall has maps of its own.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tx_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpu_map SEC(".maps");

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int xdp_aborted(struct xdp_md *ctx)
{
	return XDP_ABORTED;
}

/* Takes frames in one buffer only: the peer must stop GSO for it. */
SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp.frags")
int xdp_pass_frags(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/*
 * UDP datagrams over IPv4 with more than 16 bytes of payload dropped, the
 * rest passed: `make bench` floods with iperf3, whose TCP control and
 * 4-byte UDP handshake must get through.
 */
SEC("xdp")
int xdp_drop_udp(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = (void *)(long)ctx->data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	return bpf_ntohs(ip->tot_len) > ip->ihl * 4 + 8 + 16 ? XDP_DROP : XDP_PASS;
}

/* Back where it came from, addressed to its sender. */
SEC("xdp.frags")
int xdp_tx(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = (void *)(long)ctx->data;
	unsigned char mac[ETH_ALEN];

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	return XDP_TX;
}

SEC("xdp.frags")
int xdp_redirect(struct xdp_md *ctx)
{
	return bpf_redirect_map(&tx_port, 0, XDP_DROP);
}

SEC("xdp")
int xdp_redirect_cpu(struct xdp_md *ctx)
{
	return bpf_redirect_map(&cpu_map, 0, XDP_DROP);
}

char _license[] SEC("license") = "GPL";
