#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make bench`, one boot of the plain kernel, two tables:
#
# pair: in this kernel, a veth pair and one mknet pair per mknet column,
#       each end in a namespace of its own;
# link: between two kernels.  First the veth pair again with both CPUs
#       here, the client on CPU 0 and the server on CPU 1 (the reference);
#       then CPU 1 goes to instance 1 and the same measurements run over
#       mknet0, host -> instance and instance -> host (iperf3 -R).
#
# Every column runs MKBENCH_RUNS times, the columns of a table taking turns
# run by run.  Prints "mkbench: <table> <column> <metric> <value>" once per
# run; run-bench.sh takes the median.  Instance 1's init runs this script
# with "instance": it then serves iperf3, sockperf and the host's commands.
# MKBENCH_ONLY=latency (`make bench-latency`) measures round trips only;
# MKBENCH_ONLY=link the default link and its reference only, all metrics.
. "$(dirname "$0")/bench-lib.sh"
export IP IPERF ETHTOOL SOCKPERF TC
T=${MKBENCH_TIME:-5}
RUNS=${MKBENCH_RUNS:-3}
ONLY=${MKBENCH_ONLY:-}

# What MKBENCH_ONLY leaves in: "throughput", every metric but the round
# trips; "columns", the runs of the pair table and the link table's
# columns beyond the default; "extra", the XDP table and the tuned and
# deferring columns.
wants() {
	case $1 in
	throughput) [ "$ONLY" != latency ] ;;
	columns) [ "$ONLY" != link ] ;;
	extra) [ -z "$ONLY" ] ;;
	esac
}

# Settings of the mknet columns beyond the driver's defaults: one line of
# shell run on each end, $d naming the device.  A column whose commands
# fail on either end (an ethtool -C the driver does not have) prints '-'.
MKBENCH_DEFER='echo 20 > /sys/class/net/$d/napi_defer_hard_irqs && echo 100000 > /sys/class/net/$d/gro_flush_timeout'
MKBENCH_TUNED='$ETHTOOL -C $d adaptive-rx off adaptive-tx off rx-usecs 50 rx-frames 32 tx-usecs 50 tx-frames 32'
MKBENCH_NOMOD='$ETHTOOL -C $d adaptive-rx off adaptive-tx off rx-usecs 0 tx-usecs 0'
# Completions moderated by DIM from no moderation, the default until
# 2026-12-05: each costs a doorbell of its own unless DIM raised
# tx-usecs, where the default holds it up to 1 ms for the
# answer's doorbell to carry.
MKBENCH_DIMTX='$ETHTOOL -C $d adaptive-tx on'
# Frame doorbells never held, completions as by default: what a request
# and response costs once neither of its doorbells waits.
MKBENCH_RR='$ETHTOOL -C $d adaptive-rx off rx-usecs 0 rx-frames 1 adaptive-tx off tx-usecs 1000 tx-frames 64'
# Without what makes mknet a NIC to the stack on the way of a lone frame:
# no qdisc (veth has none) and no GRO.  Round trips only: without a
# qdisc, a full ring drops what the stack sends.
MKBENCH_LEAN='$TC qdisc replace dev $d root noqueue && $ETHTOOL -K $d gro off'
# NAPI busy polling: sockets poll the device's queue for 1 ms before
# they sleep (a round trip under TCG takes a few hundred us), and the
# device's interrupts (doorbells) stay deferred while they do, with a
# 1 ms timer behind them.  The sysctls are the kernel's, not a
# namespace's, so a column with them sets them for its own runs only
# (busy_on, busy_off); the device settings go on its mknet devices.
MKBENCH_BUSY='echo 1000 > /proc/sys/net/core/busy_read && echo 1000 > /proc/sys/net/core/busy_poll'
MKBENCH_NOBUSY='echo 0 > /proc/sys/net/core/busy_read && echo 0 > /proc/sys/net/core/busy_poll'
MKBENCH_BUSYDEV='echo 1000000 > /sys/class/net/$d/napi_defer_hard_irqs && echo 1000000 > /sys/class/net/$d/gro_flush_timeout'
MKBENCH_NOBUSYDEV='echo 0 > /sys/class/net/$d/napi_defer_hard_irqs && echo 0 > /sys/class/net/$d/gro_flush_timeout'

case "${1:-}" in
instance)
	# Instance 1: a lasting iperf3 server, and one line of shell per
	# connection on CMDPORT with its output sent back (ping from this
	# side, settings, counters).
	$IPERF -s -D
	exec nc -ll -p $CMDPORT -e "$0" serve
	;;
serve)
	read -r cmd
	eval "$cmd" 2>&1
	exit 0
	;;
esac

mki() {
	awk '$1 == "MKI:" { s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s }' /proc/interrupts
}

pkts() {	# ns dev: packets both ways
	echo $(( $($IP netns exec $1 cat /sys/class/net/$2/statistics/tx_packets) +
		 $($IP netns exec $1 cat /sys/class/net/$2/statistics/rx_packets) ))
}

# Non-zero ethtool -S counters, for reading the console afterwards; they
# add up over the runs of a column.
counters() {	# label, then the command that runs ethtool -S
	label=$1
	shift
	"$@" | awk -v p="$label" '$2 > 0 && $1 != "NIC" { print "mkbench-stat:", p, $1, $2 }'
}

iperf() {	# extra iperf3 arguments; output in /tmp/iperf.out
	for _ in 1 2; do
		timeout $((T + 60)) $client $IPERF -c $peer $rev -t $T -f m "$@" \
			> /tmp/iperf.out 2>&1 &&
			grep -q receiver /tmp/iperf.out && return 0
		sleep 2
	done
	sed "s|^|mkbench-stat: $out iperf3 failed: |" /tmp/iperf.out
	return 1
}

# Round trips from $pinger to $pingee: ping (and the IPIs per round trip),
# then sockperf ping-pong and under-load (10000 messages a second) with UDP,
# half round trips in percentiles.  The server runs through $spserver for
# these runs only: a socket takes net.core.busy_read when it is made.
latency() {
	at_server $SOCKPERF server -i $pingee -p $SPPORT --daemonize
	sleep 1
	sockperf_runs
	at_server killall sockperf
}

at_server() {	# command, run where $spserver says, its output dropped
	case $spserver in
	remote)	remote "$* >/dev/null 2>&1 </dev/null" ;;
	*)	$spserver "$@" >/dev/null 2>&1 </dev/null ;;
	esac
}

ping_runs() {
	i0=$(${ipis:-true})
	r=$($pinger ping -q -c 200 -i 0.01 $pingee | awk -F/ '/min\/avg/ { printf "%d", $4 * 1000 }')
	i1=$(${ipis:-true})
	[ -n "$r" ] || return 0
	echo "mkbench: $out rtt_avg_us $r"
	[ -n "$ipis" ] || return 0
	echo "mkbench: $out ipi_per_ping" \
		"$(awk -v n=$((i1 - i0)) 'BEGIN { printf "%.2f", n / 200 }')"
}

sockperf_runs() {
	# ping's raw socket does not busy-poll: a busy column has no ping.
	case $out in
	*-busy*) ;;
	*) ping_runs ;;
	esac
	for mode in pp ul; do
		i0=$(${ipis:-true})
		$pinger timeout $((T + 30)) $SOCKPERF $mode -i $pingee -p $SPPORT \
			-t $T --mps=$([ $mode = ul ] && echo 10000 || echo max) \
			> /tmp/sockperf.out 2>&1 || {
			sed "s|^|mkbench-stat: $out sockperf $mode failed: |" /tmp/sockperf.out | tail -3
			continue
		}
		awk -v p="mkbench: $out $mode" '
			/percentile 50.000/ { print p "_p50_us", $NF }
			/percentile 99.000/ { print p "_p99_us", $NF }
			/percentile 99.900/ { print p "_p999_us", $NF }' /tmp/sockperf.out
		i1=$(${ipis:-true})
		# IPIs per exchange of the ping-pong: none while both ends poll.
		[ -n "$ipis" ] && [ $mode = pp ] || continue
		awk -v p="mkbench: $out" -v n=$((i1 - i0)) '
			/Total Run.*ReceivedMessages=/ { sub(/.*ReceivedMessages=/, ""); m = $1 + 0 }
			END { if (m) printf "%s ipi_per_pp %.2f\n", p, n / m }' /tmp/sockperf.out
	done
}

# One run of every metric: iperf3 from $client to $peer ($rev: -R, the
# other way), then latency().  $packets and $ipis name commands that
# count the packets through the device and the IPIs; an empty $ipis
# leaves the IPI metrics out.  A column whose name ends in "-busy" runs
# with busy polling on; neither it nor a "-lean" one runs throughput.
run_once() {	# table column
	out="$1 $2"
	case $2 in
	*-busy*) busy_on $1 ;;
	esac
	wants throughput && case $2 in
	*-busy*|*-lean*) ;;
	*) throughput ;;
	esac
	latency
	case $2 in
	*-busy*) busy_off $1 ;;
	esac
}

# Busy polling on this kernel and, between kernels, on instance 1; the
# interrupts of the column's mknet devices deferred meanwhile.
busy_on() {
	busy_set "$MKBENCH_BUSY" "$MKBENCH_BUSYDEV" "$1"
}

busy_off() {
	busy_set "$MKBENCH_NOBUSY" "$MKBENCH_NOBUSYDEV" "$1"
}

busy_set() {	# sysctls devices table
	sh -c "$1"
	case $3 in
	link)
		sh -c "d=mknet0; $2"
		remote "$1"
		remote "d=mknet0; $2" ;;
	pair)
		case $dev in
		mknet*)
			$IP netns exec $c-a sh -c "d=mkneta; $2"
			$IP netns exec $c-b sh -c "d=mknetb; $2" ;;
		esac ;;
	esac
}

throughput() {
	p0=$($packets)
	i0=$(${ipis:-true})
	if iperf; then
		i1=$(${ipis:-true})
		p1=$($packets)
		mbps=$(awk '/receiver/ { print $(NF-2) }' /tmp/iperf.out)
		echo "mkbench: $out tcp1_mbps $mbps"
		echo "mkbench: $out tcp1_retr $(awk '/sender/ { print $(NF-1) }' /tmp/iperf.out)"
		if [ -n "$ipis" ]; then
			echo "mkbench: $out ipi_per_1000_pkts $(( (i1 - i0) * 1000 / (p1 - p0 + 1) ))"
			# The same IPIs by the bytes moved, whatever the frames' size.
			echo "mkbench: $out ipi_per_mb" $(awk -v n=$((i1 - i0)) -v r="$mbps" \
				-v t=$T 'BEGIN { if (r > 0) printf "%.1f", n * 8 / (r * t) }')
			echo "mkbench-stat: $out packets $((p1 - p0)) ipis $((i1 - i0))"
		fi
	fi
	if iperf -P 4; then
		echo "mkbench: $out tcp4_mbps $(awk '/SUM.*receiver/ { print $(NF-2) }' /tmp/iperf.out)"
		echo "mkbench: $out tcp4_retr $(awk '/SUM.*sender/ { print $(NF-1) }' /tmp/iperf.out)"
	fi
	# Datagrams that arrived, per second of the receiver's interval.
	if iperf -u -l 64 -b 0; then
		echo "mkbench: $out udp64_pps $(awk '/receiver/ { split($(NF-2), a, "/");
			split($3, t, "-"); print int((a[2] - a[1]) / t[2]) }' /tmp/iperf.out)"
	fi
}

# What a column's settings are, for the notes under the tables.
settings() {	# column commands
	echo "mkbench-settings: $1: $(echo "$2" | sed 's/\$ETHTOOL/ethtool/g; s/\$TC/tc/g; s/\$d/DEV/g')"
}

# A column's settings on one end; on failure the column is left out and
# prints '-'.
apply() {	# table column commands device, then how to run a shell line there
	tab=$1 col=$2 cmds=$3 dev=$4
	shift 4
	r=$("$@" "d=$dev; $cmds && echo mkbench-ok" 2>&1)
	case "$r" in
	*mkbench-ok*)
		return 0 ;;
	esac
	echo "mkbench: $tab $col unavailable"
	echo "$r" | sed "s|^|mkbench-stat: $tab $col settings failed: |"
	return 1
}

# Pairs in one kernel.  A column is a pair of its own, in namespaces
# <column>-a and <column>-b; its settings go on both ends once.
pair_cols=
pair_made=
pair_column() {	# name kind [commands]
	echo "mkbench-column: pair $1"
	case $2 in
	veth)	addr=198.51.100 ;;
	*)	addr=192.0.2 ;;
	esac
	pair $2 $1-a $1-b $addr.1 $addr.2
	pair_made="$pair_made $1"
	if [ -n "${3:-}" ]; then
		settings $1 "$3"
		apply pair $1 "$3" ${2}a $IP netns exec $1-a sh -c &&
			apply pair $1 "$3" ${2}b $IP netns exec $1-b sh -c || return 0
	fi
	$IP netns exec $1-b $IPERF -s -D -B $addr.2 >/dev/null
	pair_cols="$pair_cols $1"
}

pair_run() {	# column
	c=$1
	case $c in
	veth*)	dev=vetha peer=198.51.100.2 ipis='' ;;
	*)	dev=mkneta peer=192.0.2.2 ipis=mki ;;
	esac
	client="$IP netns exec $c-a" rev=''
	pinger=$client pingee=$peer spserver="$IP netns exec $c-b"
	packets="pkts $c-a $dev"
	run_once pair $c
}

pair_column veth veth
wants columns && {
	pair_column veth-busy veth
	pair_column mknet mknet
	pair_column mknet-busy mknet
	pair_column mknet-nomod mknet "$MKBENCH_NOMOD"
	pair_column mknet-dimtx mknet "$MKBENCH_DIMTX"
	pair_column mknet-rr mknet "$MKBENCH_RR"
	pair_column mknet-lean mknet "$MKBENCH_LEAN"
}
if wants extra; then
	pair_column mknet-defer mknet "$MKBENCH_DEFER"
	pair_column mknet-tuned mknet "$MKBENCH_TUNED"
fi
settings busy "$MKBENCH_BUSY"
sleep 1
# The veth pair of MKBENCH_ONLY=link serves the reference only.
wants columns && for r in $(seq $RUNS); do
	for c in $pair_cols; do
		pair_run $c
	done
done
for c in $pair_cols; do
	case $c in
	mknet*)	for e in a b; do
			counters "pair $c mknet$e" $IP netns exec $c-$e $ETHTOOL -S mknet$e
			$IP netns exec $c-$e $ETHTOOL -c mknet$e | tr '\n' ' ' |
				sed "s|^|mkbench-stat: pair $c mknet$e coalesce |"; echo
		done ;;
	esac
done

# XDP on the veth and mknet pairs: packets per second the programs
# handle, by the drivers' own counters (veth's rx_queue_N_xdp_*, mknet's
# rxN_xdp_*).  Drop: an iperf3 UDP flood of 64-byte datagrams from a into
# b's program dropping UDP.  TX: programs on both ends send every frame
# back with its addresses swapped, so what a's pings put on the link
# bounces between the two for the whole run.
bpffs=/run/mkbench-bpf
mkdir -p $bpffs && mount -t bpf bpf $bpffs &&
	$BPFTOOL prog loadall "$(dirname "$0")/drivers/net/mknet/xdp_mknet.bpf.o" \
		$bpffs/p || echo "mkbench-stat: xdp programs not loaded"
xdp_count() {	# ns dev counter, summed over the queues
	$IP netns exec $1 $ETHTOOL -S $2 | awk -v k="_$3:" '
		substr($1, length($1) - length(k) + 1) == k { s += $2 }
		END { print s + 0 }'
}
xdp_set() {	# ns dev program, or off
	if [ "$3" = off ]; then
		$IP netns exec $1 $IP link set dev $2 xdpdrv off
	else
		$IP netns exec $1 $IP -force link set dev $2 xdpdrv pinned $bpffs/p/$3
	fi
}
xdp_run() {	# column kind
	c=$1 a=${2}a b=${2}b
	case $2 in
	veth)	peer=198.51.100.2 ;;
	*)	peer=192.0.2.2 ;;
	esac
	xdp_set $c-b $b xdp_drop_udp || return 0
	n0=$(xdp_count $c-b $b xdp_drops)
	client="$IP netns exec $c-a" rev='' out="xdp $c"
	iperf -u -l 64 -b 0
	n1=$(xdp_count $c-b $b xdp_drops)
	echo "mkbench: xdp $c xdp_drop_pps $(( (n1 - n0) / T ))"
	# The pings need b's address resolved: the programs answer no ARP.
	$IP netns exec $c-a ping -c 1 -W 2 $peer >/dev/null
	xdp_set $c-a $a xdp_tx && xdp_set $c-b $b xdp_tx || {
		xdp_set $c-a $a off
		xdp_set $c-b $b off
		return 0
	}
	$IP netns exec $c-a ping -q -c 100 -i 0.01 -W 1 $peer >/dev/null 2>&1
	n0=$(( $(xdp_count $c-a $a xdp_tx) + $(xdp_count $c-b $b xdp_tx) ))
	sleep $T
	n1=$(( $(xdp_count $c-a $a xdp_tx) + $(xdp_count $c-b $b xdp_tx) ))
	xdp_set $c-a $a off
	xdp_set $c-b $b off
	echo "mkbench: xdp $c xdp_tx_pps $(( (n1 - n0) / T ))"
}
if wants extra; then
	echo "mkbench-column: xdp veth"
	echo "mkbench-column: xdp mknet"
	for r in $(seq $RUNS); do
		xdp_run veth veth
		xdp_run mknet mknet
	done
fi
umount $bpffs 2>/dev/null
killall iperf3 sockperf 2>/dev/null
sleep 1

# Between two kernels: the reference first, veth with both CPUs here.
echo "mkbench-column: link veth-ref"
$IP netns exec veth-b taskset -c 1 $IPERF -s -D -B 198.51.100.2 >/dev/null
sleep 1
client="$IP netns exec veth-a taskset -c 0" rev='' peer=198.51.100.2
pinger=$client pingee=$peer packets="pkts veth-a vetha" ipis=''
spserver="$IP netns exec veth-b taskset -c 1"
for r in $(seq $RUNS); do
	run_once link veth-ref
done
killall iperf3 sockperf 2>/dev/null
for c in $pair_made; do
	$IP netns del $c-a
	$IP netns del $c-b
done
sleep 2

# Then CPU 1 goes to instance 1.
if ! start_instance; then
	echo "mkbench: instance 1 did not come up (state $(cat $inst/state))"
	exit 1
fi
echo "mkbench-stat: link instance 1 $(cat $inst/state) on APIC IDs $(cat $inst/apic_ids)"

link_pkts() {
	echo $(( $(cat /sys/class/net/mknet0/statistics/tx_packets) +
		 $(cat /sys/class/net/mknet0/statistics/rx_packets) ))
}
# This kernel's IPIs both ways: those it took (the MKI line) and those it
# sent to instance 1, for messages (ipis_sent) and for doorbells
# (bells_rung, where the core has them).
link_ipis() {
	{ mki; cat $inst/ipis_sent $inst/bells_rung 2>/dev/null; } |
		awk '{ s += $1 } END { print s }'
}

# A column of this table is one setting of the link, measured both ways;
# its settings go on both ends and stay for the columns after it.
link_column() {	# name [commands]
	echo "mkbench-column: link $1/h->i"
	echo "mkbench-column: link $1/i->h"
	if [ -n "${2:-}" ]; then
		settings $1 "$2"
		apply link "$1/h->i" "$2" mknet0 sh -c &&
			apply link "$1/h->i" "$2" mknet0 remote || {
			echo "mkbench: link $1/i->h unavailable"
			return 0
		}
	fi
	client='' peer=$INSTANCE packets=link_pkts ipis=link_ipis
	for r in $(seq $RUNS); do
		rev='' pinger='' pingee=$INSTANCE spserver=remote
		run_once link "$1/h->i"
		rev=-R pinger=remote pingee=192.0.2.1 spserver=''
		run_once link "$1/i->h"
	done
	counters "link $1 host" $ETHTOOL -S mknet0
	counters "link $1 instance" remote $ETHTOOL -S mknet0
}

link_column mknet
if wants columns; then
	link_column mknet-busy
	link_column mknet-dimtx "$MKBENCH_DIMTX"
	link_column mknet-rr "$MKBENCH_RR"
fi
wants extra && link_column mknet-tuned "$MKBENCH_TUNED"
# Last: its qdisc and GRO settings would stay for the columns after it.
wants columns && link_column mknet-lean "$MKBENCH_LEAN"
echo stop > $inst/control
echo "mkbench: end"
