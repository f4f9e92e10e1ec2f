#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make profile`: where the CPUs go during one bulk TCP
# stream over a veth pair and over an mknet pair, by perf's cpu-clock
# sampling of the whole guest; then over mknet0 from this kernel to
# instance 1 on CPU 1, sampled on both kernels (instance 1 runs this
# script with "report" for its side).  With mkprofile=pp on the command
# line the load is a sockperf UDP ping-pong instead, for round trips;
# with mkprofile=xdptx, pings bouncing between XDP_TX programs on both
# ends of each pair (as the bench's xdp_tx_pps), and no link; with
# mkprofile=ul, the bench's sockperf under-load run, not sampled: its
# slowest replies, when they were sent, and what the kernels counted
# meanwhile (mknet's statistics, the multikernel IPIs, softirqs,
# interrupts, context switches).
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
	# By instruction in mknet and the copy, for objdump of mknet.ko.
	# Under TCG a sample lands where a translation block starts, often
	# just after a call returns: such a place carries the callee's time.
	$PERF script -i $1 -G -F ip,sym,symoff 2>/dev/null |
		awk '$2 ~ /^(mknet_|copy_mc)/ { n[$2]++ }
		     END { for (s in n) print n[s], s }' |
		sort -rn | head -25 | sed "s/^/mkprofile: $2 insn /"
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
	if [ "$LOAD" = pp ] || [ "$LOAD" = ul ]; then
		"$@" $SOCKPERF server -i $peer -p $SPPORT --daemonize >/dev/null
	else
		"$@" $IPERF -s -D -B $peer >/dev/null
	fi
}

# The load's client, after how to run it.
if [ "$LOAD" = pp ]; then
	CLIENT="$SOCKPERF pp -p $SPPORT -t $T -i"
elif [ "$LOAD" = ul ]; then
	CLIENT="$SOCKPERF ul -p $SPPORT -t $T --mps 10000 --full-log /tmp/ul.csv -i"
else
	CLIENT="$IPERF -f m -t $T -c"
fi

figure() {	# the client's output
	if [ "$LOAD" = pp ]; then
		awk '/percentile 50.000/ { print "pp p50", $NF, "usec" }' $1
	elif [ "$LOAD" = ul ]; then
		awk '/percentile (50|99)\.000/ { printf "p%d %s ", $4, $NF }
		     END { print "usec (half round trips)" }' $1
	else
		awk '/receiver/ { print $(NF-2), $(NF-1) }' $1
	fi
}

# What the kernel counted, one "name value" a line: every mknet
# device's statistics in namespace $1 (or none), the multikernel IPIs
# and their drains, softirqs, interrupts, what each CPU's NET_RX did, and
# the context switches of ksoftirqd, the kworkers and sockperf's threads.
ul_counters() {	# netns, or "" for this one
	for d in $(${1:+$IP netns exec $1} ls /sys/class/net); do
		case $d in mknet*) ;; *) continue ;; esac
		${1:+$IP netns exec $1} $ETHTOOL -S $d |
			awk -v d=$d 'NR > 1 { sub(/:$/, "", $1); print d "." $1, $2 }'
	done
	[ -z "$1" ] || return 0
	for f in ipis_received ipis_deferred drains_cut drain_catchups; do
		echo "multikernel.$f $(cat /sys/kernel/multikernel/$f)"
	done
	awk '/NET_RX|TIMER|HRTIMER/ { s = 0; for (i = 2; i <= NF; i++) s += $i; print "softirq." $1, s }' /proc/softirqs
	awk 'NR > 1 { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print "irq." $1, s }' /proc/interrupts
	awk '{ print "softnet.cpu" NR - 1 ".processed", ("0x" $1) + 0
	       print "softnet.cpu" NR - 1 ".time_squeeze", ("0x" $3) + 0 }' \
		/proc/net/softnet_stat 2>/dev/null
	for c in /proc/[0-9]*/task/[0-9]*/comm; do
		read -r t 2>/dev/null < $c || continue
		case $t in ksoftirqd/*|sockperf|kworker/*) ;; *) continue ;; esac
		tid=${c%/comm}
		t=$t.${tid##*/}
		awk -v t="$t" '/voluntary_ctxt_switches/ { print t "." $1, $2 }' \
			${c%comm}status
	done
}

# The counters that moved between two ul_counters files.
ul_moved() {	# before after name
	awk -v p="mkprofile: $3 moved" 'NR == FNR { a[$1] = $2; next }
		$2 != a[$1] { print p, $1, $2 - a[$1] }' $1 $2
}

# Instance 1 runs this script for its counters around the link's ul run.
if [ "${1:-}" = counters ]; then
	ul_counters ""
	exit 0
fi

# sockperf's under-load client sends from its main thread, which spins
# between sends to keep the pace, and takes the replies in a second
# thread that sleeps in recvfrom().  When the two share a CPU, as they
# must in a kernel of one CPU, a reply's wakeup often does not preempt
# the sender (EEVDF lets a running task finish its slice), and the
# receiver waits until a tick ends that slice: 2.7-4.8 ms at HZ=250.
# Traced with sched_wakeup and sched_switch (2026-12-06), that happened
# to 32 of 806 replies over veth and to 31 over mknet with each client
# on one CPU, and put both p99s near 2 ms; nice -20 on the receiver did
# not help.  So the sending thread runs SCHED_IDLE, set as soon as the
# receiving thread exists: any wakeup on its CPU then preempts it.  The
# bench does not: of its two runs with it, one read a p99 of 255 ms for
# the instance's client (i->h), the other 1.2 ms (mknet-bench.rst).
# Gives up after 15 s.
ul_sender_idle() {
	n=150
	while [ $n -gt 0 ]; do
		# No command per task: a fork costs milliseconds under TCG.
		for c in /proc/[0-9]*/task/[0-9]*/comm; do
			read -r comm 2>/dev/null < $c && [ "$comm" = sockperf ] || continue
			t=${c%/comm}
			p=${t%/task/*}
			[ "${t##*/}" = "${p##*/}" ] && continue
			/opt/mknet/bin/chrt -i -p 0 ${p##*/} >/dev/null 2>&1 && return 0
		done
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# One under-load run: the figures, the ten slowest replies (when they
# were sent, from the first), and what moved meanwhile.
profile_ul() {	# name server-address netns-of-the-other-end, then the client's netns command
	name=$1 peer=$2 other=$3
	shift 3
	{ ul_counters ""; [ -n "$other" ] && ul_counters $other; } >/tmp/ul.0
	ul_sender_idle &
	"$@" $CLIENT $peer >/tmp/$name.out 2>&1
	wait $! || echo "mkprofile: $name sender not made SCHED_IDLE"
	{ ul_counters ""; [ -n "$other" ] && ul_counters $other; } >/tmp/ul.1
	echo "mkprofile: $name $(figure /tmp/$name.out)"
	grep -q "percentile 50" /tmp/$name.out ||
		tail -3 /tmp/$name.out | sed "s/^/mkprofile: $name client: /"
	awk -F', ' '$1 ~ /^[0-9]+$/ { if (t0 == "") t0 = $2
		printf "%s usec, sent at %.6f s\n", $4, $2 - t0 }' /tmp/ul.csv |
		sort -g -r | head -10 | sed "s/^/mkprofile: $name slow /"
	ul_moved /tmp/ul.0 /tmp/ul.1 $name
	sleep 1
}

profile() {	# name server-address, then how to run the client
	name=$1 peer=$2
	shift 2
	if [ "$LOAD" = ul ]; then
		case $name in
		mknet) profile_ul $name $peer mbb "$@" ;;
		*) profile_ul $name $peer "" "$@" ;;
		esac
		return
	fi
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
			pinned $bpffs/p/xdp_tx && continue
		echo "mkprofile: $kind-xdp-tx program did not load on $kind$e"
		for e in a b; do
			$IP netns exec $ns$e $IP link set dev $kind$e xdpdrv off
		done
		return 0
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
[ "$LOAD" = pp ] || [ "$LOAD" = ul ] && remote "$SOCKPERF server -i 192.0.2.2 -p $SPPORT --daemonize"
if [ "$LOAD" = ul ]; then
	remote "$0 counters" >/tmp/ul.r0
	profile mknet-link 192.0.2.2
	remote "$0 counters" >/tmp/ul.r1
	ul_moved /tmp/ul.r0 /tmp/ul.r1 mknet-link-instance
	echo "mkprofile: mknet-link-instance counted"
	echo stop > $inst/control
	exit 0
fi
remote "$PERF record -q -a -g -F 997 -o /tmp/link.data -- sleep $((T + 2))" >/dev/null &
sleep 1
profile mknet-link 192.0.2.2
wait
remote "$0 report /tmp/link.data mknet-link-instance"
echo stop > $inst/control
