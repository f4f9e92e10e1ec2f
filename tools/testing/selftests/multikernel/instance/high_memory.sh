#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Instances in memory above 4 GiB, where most of a server's memory is.
# mkctl starts one on two CPUs with 1 GiB at the start of
# mk_instance_memory=, at 4 GiB.  Its
# own /proc/iomem, read through its console, shows that memory and no
# other RAM, and it logged no failed allocation for DMA bouncing; it
# answers ping and carries iperf3 both ways over mknet0; it restarts and
# stops.  Then one whose kernel lies across 5 GiB, a 1 GiB step of the
# boot page tables, starts and answers ping.  Skips unless
# mk_instance_memory= starts at 4 GiB or above and holds both.
. "$(dirname "$0")/lib.sh"

pool=$(sed -n 's/.*mk_instance_memory=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$pool" ] || { echo "SKIP: no mk_instance_memory="; exit 4; }
pool_base=$(bytes "${pool#*@}")
pool_end=$((pool_base + $(bytes "${pool%@*}")))
# The second instance: 256 MiB at 5 GiB - 16 MiB, its kernel loaded at
# 2 MiB in and decompressing across 5 GiB.
across=$((5 << 30))
across_base=$((across - (16 << 20)))
[ $pool_base -ge $((1 << 32)) ] && [ $pool_end -ge $((across_base + (256 << 20))) ] ||
	{ echo "SKIP: mk_instance_memory=$pool is not above 4 GiB with room for 1G and 256M@$across_base"; exit 4; }
mkctl_ready
CON="$CMDLINE console=mkcon"

bring_up_link() { mknet0_up "instance 1 in $(cat $d/memory)"; }

iperf() {	# direction flag (-R or nothing)
	$IPERF -c 192.0.2.2 -t 3 -f m $1 > "$TMP_DIR/iperf.out" 2>&1 || {
		cat "$TMP_DIR/iperf.out"
		fail "iperf3 $1 to the instance above 4 GiB"
	}
	grep -E 'receiver$' "$TMP_DIR/iperf.out" | tail -1
}

want=$(printf '%#x@%#x' $((1 << 30)) $pool_base)
id=$(mkctl start --id 1 --cpus 1-2 --memory "$want" $K --cmdline "$CON") ||
	fail "mkctl start with $want: $id"
[ "$(cat $d/memory)" = "$want" ] || fail "1G placed at $(cat $d/memory), not $want"
dmesg | grep "instance 1: starting on" | tail -1
echo "instance 1 on CPUs 1-2 in $(cat $d/memory): running"

# Its RAM is what we gave it, less the boot area it keeps reserved, and
# nothing else: none below 4 GiB.
ram=$(ask ram "grep 'System RAM' /proc/iomem" | sed 's/ *:.*//; s/^ *//')
echo "instance 1's RAM: $ram"
want=$(printf '%x-%x' $((pool_base + 0x10000)) $((pool_base + (1 << 30) - 1)))
[ "$ram" = "$want" ] || {
	tail -n 20 "$TMP_DIR/mkcon1.out"
	fail "instance 1's /proc/iomem lists RAM '$ram', not $want"
}
# Nothing below 4 GiB to bounce DMA through: the host told it not to try.
failed=$(ask swiotlb "dmesg | grep -c 'swiotlb.*Failed to allocate'")
[ "$failed" = 0 ] || fail "instance 1 logged $failed failed swiotlb allocations"
cpus=$(ask cpus "grep -c ^processor /proc/cpuinfo")
[ "$cpus" = 2 ] || fail "instance 1 runs on '$cpus' CPUs, not 2"

bring_up_link
ping -c 5 -i 0.2 192.0.2.2 | tail -1
iperf
iperf -R
rx=$(cat /sys/class/net/mknet0/statistics/rx_bytes)
tx=$(cat /sys/class/net/mknet0/statistics/tx_bytes)
# Each way's data, not its ACKs, and no rate: TCG has run these 3 s at
# 20 Mbit/s as well as at 370.
[ "$rx" -gt $((4 << 20)) ] && [ "$tx" -gt $((4 << 20)) ] ||
	fail "mknet0 counted rx_bytes $rx, tx_bytes $tx after iperf3 both ways"
echo "mknet0: rx_bytes $rx, tx_bytes $tx"

mkctl restart 1 >/dev/null || fail "mkctl restart 1"
state_is running || fail "instance 1 $(cat $d/state) after restart"
wait_for 120 ping -c 1 -W 1 192.0.2.2 >/dev/null ||
	fail "instance 1 does not answer ping after restart"
echo "restarted in $(cat $d/memory): answers ping again"
mkctl stop 1 || fail "mkctl stop 1"
online_cpus 1-2

mem=$(printf '256M@%#x' $across_base)
mkctl start --id 1 --cpus 1-2 --memory "$mem" $K --cmdline "$CMDLINE" >/dev/null ||
	fail "mkctl start in $mem"
dmesg | grep "instance 1: starting on" | tail -1
bring_up_link
echo "instance 1 in $mem, its kernel across 5 GiB: answers ping"
mkctl stop 1 || fail "mkctl stop 1"
online_cpus 1-2
echo none > $d/memory
