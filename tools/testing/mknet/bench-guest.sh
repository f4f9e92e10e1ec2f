#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make bench`: a veth pair and an mknet pair, each with one
# end in a namespace of its own, measured the same way in the same boot.
# Prints "mkbench: <device> <metric> <value>" lines for the host.
. "$(dirname "$0")/bench-lib.sh"
T=${MKBENCH_TIME:-8}

# Where the doorbells went, for reading the console afterwards; the
# counters add up over the runs on one pair.
counters() {	# label nsA nsB
	for ns in $2 $3; do
		for d in $($IP netns exec $ns ls /sys/class/net | grep mknet); do
			$IP netns exec $ns $ETHTOOL -S $d | awk -v p="$1 $d" \
				'$2 > 0 && $1 != "NIC" { print "mkbench-stat:", p, $1, $2 }'
		done
	done
}

mki() {
	awk '$1 == "MKI:" { s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s }' /proc/interrupts
}

pkts() {	# ns dev: packets both ways
	echo $(( $($IP netns exec $1 cat /sys/class/net/$2/statistics/tx_packets) +
		 $($IP netns exec $1 cat /sys/class/net/$2/statistics/rx_packets) ))
}

measure() {	# name nsA nsB devA addrB
	n=$1
	$IP netns exec $3 $IPERF -s -D -B $5 >/dev/null
	sleep 1

	p0=$(pkts $2 $4)
	i0=$(mki)
	$IP netns exec $2 $IPERF -c $5 -t $T -f m > /tmp/iperf.out
	i1=$(mki)
	p1=$(pkts $2 $4)
	echo "mkbench: $n tcp1_mbps $(awk '/receiver/ { print $(NF-2) }' /tmp/iperf.out)"
	echo "mkbench: $n tcp1_retr $(awk '/sender/ { print $(NF-1) }' /tmp/iperf.out)"
	echo "mkbench: $n ipi_per_1000_pkts $(( (i1 - i0) * 1000 / (p1 - p0 + 1) ))"
	echo "mkbench-stat: $n packets $((p1 - p0)) ipis $((i1 - i0))"
	[ "$4" = mkneta ] && counters "$n" $2 $3

	$IP netns exec $2 $IPERF -c $5 -t $T -P 4 -f m > /tmp/iperf.out
	echo "mkbench: $n tcp4_mbps $(awk '/SUM.*receiver/ { print $(NF-2) }' /tmp/iperf.out)"
	echo "mkbench: $n tcp4_retr $(awk '/SUM.*sender/ { print $(NF-1) }' /tmp/iperf.out)"

	r=$($IP netns exec $2 $IPERF -c $5 -t $T -u -l 64 -b 0 |
		awk '/receiver/ { split($(NF-2), a, "/"); print int((a[2] - a[1]) / '"$T"') }')
	echo "mkbench: $n udp64_pps $r"

	r=$($IP netns exec $2 ping -q -c 200 -i 0.01 $5 | awk -F/ '/min\/avg/ { print $4 }')
	echo "mkbench: $n rtt_avg_us $(echo "$r" | awk '{ printf "%d", $1 * 1000 }')"
	killall iperf3 2>/dev/null
	sleep 1
}

pair veth vba vbb 198.51.100.1 198.51.100.2
pair mknet mba mbb 192.0.2.1 192.0.2.2
measure veth vba vbb vetha 198.51.100.2
measure mknet mba mbb mkneta 192.0.2.2
# The same pair with NAPI interrupt deferral: a polled end keeps polling
# every 100 us and re-arms its doorbell only after 20 empty polls (2 ms).
for ns in mba mbb; do
	for d in $($IP netns exec $ns ls /sys/class/net | grep mknet); do
		$IP netns exec $ns sh -c "echo 20 > /sys/class/net/$d/napi_defer_hard_irqs;
			echo 100000 > /sys/class/net/$d/gro_flush_timeout"
	done
done
measure mknet-defer mba mbb mkneta 192.0.2.2
