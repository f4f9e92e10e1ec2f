#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Instance memory sized at start, from the CMA area of mk_instance_cma=,
# with no reboot of the host.
#
# - A size alone is allocated from the area at start, inside it, and
#   given back at stop; a size larger than the area is refused at once,
#   and a start that finds no piece large enough says what is free.
# - Instance 1 carries traffic to us; instance 2, started after it, is
#   told of its memory.  Stopping 1 gives nothing back while 2 runs (2 may
#   still read frames from it); stopping 2 gives both back, and our link
#   to 1 was detached before its pages became ours again.
# - Three instances of mixed sizes start and stop, in turning orders,
#   20 times: every start finds its memory, and all of it comes back.
. "$(dirname "$0")/lib.sh"

MK=/sys/kernel/multikernel
cma=$(cat $MK/instance_cma 2>/dev/null)
case $cma in
""|none) echo "SKIP: no CMA area for instances (mk_instance_cma=)"; exit 4 ;;
esac
total=$(( ${cma% *} ))
free_now() { c=$(cat $MK/instance_cma); echo $(( ${c#* } )); }
[ "$(free_now)" = $total ] || fail "CMA area: $(free_now) of $total bytes free at the start"
area=$(dmesg | sed -n 's/.*instance CMA area \(0x[0-9a-f]*\)@\(0x[0-9a-f]*\).*/\2/p' | tail -1)
[ -n "$area" ] || fail "no 'instance CMA area' line in dmesg"
area=$((area))
echo "CMA area: $((total >> 20)) MiB at $(printf %#x $area)"
[ $total -ge $((960 << 20)) ] || { echo "SKIP: CMA area below 960 MiB"; exit 4; }
[ "$(cat /sys/devices/system/cpu/present)" = 0-3 ] ||
	{ echo "SKIP: needs CPUs 0-3"; exit 4; }
mkctl_ready

# Memory file of instance $1 as "<size>@<base>", with its base inside the
# area and the area's free bytes $2 below the total.
placed() {	# id, bytes in use
	_m=$(cat $MK/instances/$1/memory)
	_b=$((${_m#*@}))
	_s=$((${_m%@*}))
	[ $_b -ge $area ] && [ $((_b + _s)) -le $((area + total)) ] ||
		fail "instance $1's memory $_m is not inside the CMA area"
	[ "$(free_now)" = $((total - $2)) ] ||
		fail "CMA area: $(free_now) bytes free, $((total - $2)) expected"
}

refused "a size larger than the CMA area" \
	sh -c "echo $((total + (2 << 20))) > $d/memory"
dmesg | grep "instance 1: .* MiB asked, the CMA area has" | tail -1 |
	grep -q . || fail "no message naming the CMA area's size"
refused "a size not in 2 MiB steps" sh -c "echo 3M@cma > $d/memory"

# One instance: allocated at start, inside the area, traffic both ways;
# on two CPUs, so that its stop under load below holds two in INIT.
mkctl start --id 1 --cpus 1-2 --memory 256M $K --cmdline "$CMDLINE" >/dev/null ||
	fail "mkctl start --memory 256M"
placed 1 $((256 << 20))
echo "instance 1: $(cat $d/memory) from the CMA area"
mknet0_up "instance 1 in CMA memory"
$IPERF -c 192.0.2.2 -t 2 -f m -R > "$TMP_DIR/iperf.out" 2>&1 ||
	{ cat "$TMP_DIR/iperf.out"; fail "iperf3 from instance 1"; }
grep -E 'receiver$' "$TMP_DIR/iperf.out" | tail -1

# Instance 2, told of 1's memory, keeps it from going back.
mkctl start --id 2 --cpus 3 --memory 256M $K --cmdline "$CMDLINE" >/dev/null ||
	fail "mkctl start instance 2 --memory 256M"
placed 2 $((512 << 20))
# Frames of 1 in flight to us when it stops; the stream never ends.
$IPERF -c 192.0.2.2 -t 30 -R > /dev/null 2>&1 &
traffic=$!
sleep 3
mkctl stop 1 --keep-cpus || fail "mkctl stop 1"
kill $traffic
wait $traffic
mem1=$(cat $d/memory)
case $mem1 in
*@cma) fail "instance 1's memory went back while instance 2, told of it, runs" ;;
esac
[ "$(free_now)" = $((total - (512 << 20))) ] ||
	fail "CMA area: $(free_now) bytes free with 1 stopped and 2 running"
echo "instance 1 stopped, instance 2 runs: 1's $mem1 stays allocated"
mkctl stop 2 --keep-cpus || fail "mkctl stop 2"
[ "$(free_now)" = $total ] ||
	fail "CMA area: $(free_now) of $total bytes free after both stopped"
[ "$(cat $d/memory)" = "0x10000000@cma" ] ||
	fail "instance 1's memory reads $(cat $d/memory) after it went back"
dmesg | grep -q "mknet0: instance 1 stopped, its memory given back" ||
	fail "mknet0 was not detached before instance 1's memory went back"
echo "both stopped: all $((total >> 20)) MiB free, mknet0 detached first"

# No piece large enough: the start fails, saying what is free, and
# takes nothing.
mkctl start --id 2 --cpus 3 --memory 256M --no-wait $K --cmdline "$CMDLINE" \
	>/dev/null || fail "mkctl start instance 2 --memory 256M --no-wait"
echo 1G@cma > $d/memory || fail "1G@cma refused for a 1 GiB area"
refused "1 GiB from the CMA area with 256 MiB of it taken" \
	sh -c "echo start > $d/control"
dmesg | tail -n 5 | grep "instance 1: no 1024 MiB in one piece in the CMA area (768 of 1024 MiB free, the largest piece" ||
	fail "no message saying what the CMA area has free"
[ "$(free_now)" = $((total - (256 << 20))) ] ||
	fail "CMA area: $(free_now) bytes free after a refused start"
mkctl stop 2 --keep-cpus >/dev/null || fail "mkctl stop 2"

# Three sizes, 20 rounds, starting and stopping in turning orders.
offline_cpus 3
sizes="256 384 320"
for _i in 1 2 3; do
	_s=$(echo $sizes | cut -d' ' -f$_i)M
	mkctl start --id $_i --cpus $_i --memory $_s --no-wait $K \
		--cmdline "$CMDLINE" >/dev/null || fail "instance $_i with $_s"
	mkctl stop $_i --keep-cpus >/dev/null || fail "stop $_i"
done
[ "$(free_now)" = $total ] || fail "$(free_now) of $total bytes free after setup"
round=0
while [ $round -lt 20 ]; do
	set -- 1 2 3
	case $((round % 3)) in
	1) set -- 2 3 1 ;;
	2) set -- 3 1 2 ;;
	esac
	for _i in "$@"; do
		echo start > $MK/instances/$_i/control ||
			fail "round $round: instance $_i: $(dmesg | tail -1)"
	done
	[ "$(free_now)" = $((total - (960 << 20))) ] ||
		fail "round $round: $(free_now) bytes free with three running"
	[ $((round % 2)) = 0 ] && set -- "$3" "$2" "$1"
	for _i in "$@"; do
		echo stop > $MK/instances/$_i/control || fail "round $round: stop $_i"
	done
	[ "$(free_now)" = $total ] ||
		fail "round $round: $(free_now) of $total bytes free after the stops"
	round=$((round + 1))
done
echo "20 rounds of 256M, 384M and 320M: every start had its memory, all came back"
for _i in 1 2 3; do
	echo none > $MK/instances/$_i/memory
done
online_cpus 1-3
