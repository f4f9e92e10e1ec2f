#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make profile`: where the CPUs go during one bulk TCP
# stream over a veth pair and over an mknet pair, by perf's cpu-clock
# sampling of the whole guest; then over mknet0 from this kernel to
# instance 1 on CPU 1, sampled on both kernels (instance 1 runs this
# script with "report" for its side).  With mkprofile=pp on the command
# line the load is a sockperf UDP ping-pong instead, for round trips;
# with mkprofile=xdptx, pings bouncing between XDP_TX programs on both
# ends of each pair (as the bench's xdp_tx_pps), and no link.
# Prints "mkprofile: <name> ..." lines.
. "$(dirname "$0")/bench-lib.sh"
PERF=/opt/mknet/bin/perf
T=${MKPROFILE_TIME:-8}

# What perf recorded in $1, flat and by caller chain, as "mkprofile: $2"
# lines.
report() {	# data file, name
	# Flat: the functions that take the most samples, kernel and user.
	$PERF report -i $1 --stdio --no-children -g none \
		--sort sym --percent-limit 0.8 2>/dev/null |
		grep -v '^#' | grep -v '^ *$' | head -32 | sed "s/^/mkprofile: $2 flat /"
	# By caller chain into the copies, so each copy has its owner.
	$PERF report -i $1 --stdio --no-children -G \
		--sort sym --percent-limit 3 2>/dev/null |
		grep -v '^#' | grep -v '^ *$' | head -60 | sed "s/^/mkprofile: $2 tree /"
}

# Instance 1 runs this script to report its side.
if [ "${1:-}" = report ]; then
	report "$2" "$3"
	exit 0
fi

LOAD=$(sed -n 's/.*mkprofile=\([a-z]*\).*/\1/p' /proc/cmdline)

# The server of the load, at $1, run by the command line after it.
serve() {	# address, then how to run it
	peer=$1
	shift
	if [ "$LOAD" = pp ]; then
		"$@" $SOCKPERF server -i $peer -p $SPPORT --daemonize >/dev/null
	else
		"$@" $IPERF -s -D -B $peer >/dev/null
	fi
}

# The load's client, after how to run it.
if [ "$LOAD" = pp ]; then
	CLIENT="$SOCKPERF pp -p $SPPORT -t $T -i"
else
	CLIENT="$IPERF -f m -t $T -c"
fi

figure() {	# the client's output
	if [ "$LOAD" = pp ]; then
		awk '/percentile 50.000/ { print "pp p50", $NF, "usec" }' $1
	else
		awk '/receiver/ { print $(NF-2), $(NF-1) }' $1
	fi
}

profile() {	# name server-address, then how to run the client
	name=$1 peer=$2
	shift 2
	$PERF record -q -a -g -F 997 -o /tmp/$name.data -- \
		"$@" $CLIENT $peer >/tmp/$name.out 2>&1
	echo "mkprofile: $name $(figure /tmp/$name.out)"
	report /tmp/$name.data $name
	rm -f /tmp/$name.data
	sleep 1
}

# Frames sent back by XDP_TX on both ends of a pair, summed over queues.
xdp_tx_count() {	# kind netns-prefix
	for e in a b; do
		$IP netns exec $2$e $ETHTOOL -S $1$e
	done | awk '$1 ~ /_xdp_tx:$/ { s += $2 } END { print s + 0 }'
}

# The bounce: 100 pings from a, sent back by both programs for T s.
profile_xdp_tx() {	# kind netns-prefix peer
	kind=$1 ns=$2 peer=$3
	$IP netns exec ${ns}a ping -c 1 -W 2 $peer >/dev/null
	for e in a b; do
		$IP netns exec $ns$e $IP -force link set dev $kind$e xdpdrv \
			pinned $bpffs/p/xdp_tx || return 0
	done
	$IP netns exec ${ns}a ping -q -c 100 -i 0.01 -W 1 $peer >/dev/null 2>&1
	n0=$(xdp_tx_count $kind $ns)
	$PERF record -q -a -g -F 997 -o /tmp/$kind.data -- sleep $T
	n1=$(xdp_tx_count $kind $ns)
	echo "mkprofile: $kind-xdp-tx $(( (n1 - n0) / T )) frames/s"
	report /tmp/$kind.data $kind-xdp-tx
	rm -f /tmp/$kind.data
	for e in a b; do
		$IP netns exec $ns$e $IP link set dev $kind$e xdpdrv off
	done
}

echo 0 > /proc/sys/kernel/kptr_restrict
pair veth vba vbb 198.51.100.1 198.51.100.2
pair mknet mba mbb 192.0.2.1 192.0.2.2
if [ "$LOAD" = xdptx ]; then
	bpffs=/run/mkprofile-bpf
	mkdir -p $bpffs && mount -t bpf bpf $bpffs &&
		$BPFTOOL prog loadall \
			"$(dirname "$0")/drivers/net/mknet/xdp_mknet.bpf.o" $bpffs/p
	profile_xdp_tx veth vb 198.51.100.2
	profile_xdp_tx mknet mb 192.0.2.2
	umount $bpffs
	exit 0
fi
serve 198.51.100.2 $IP netns exec vbb
serve 192.0.2.2 $IP netns exec mbb
sleep 1
profile veth 198.51.100.2 $IP netns exec vba
profile mknet 192.0.2.2 $IP netns exec mba
killall iperf3 sockperf 2>/dev/null
$IP netns del vba
$IP netns del vbb
$IP netns del mba
$IP netns del mbb
sleep 2

# Between two kernels: this one on CPU 0 sends, instance 1 on CPU 1
# receives; each samples its own CPU for the same stream.
if ! start_instance; then
	echo "mkprofile: instance 1 did not come up (state $(cat $inst/state))"
	exit 1
fi
remote "echo 0 > /proc/sys/kernel/kptr_restrict"
[ "$LOAD" = pp ] && remote "$SOCKPERF server -i 192.0.2.2 -p $SPPORT --daemonize"
remote "$PERF record -q -a -g -F 997 -o /tmp/link.data -- sleep $((T + 2))" >/dev/null &
sleep 1
profile mknet-link 192.0.2.2
wait
remote "$0 report /tmp/link.data mknet-link-instance"
echo stop > $inst/control
