#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Three kernels: this one on CPU 0, instance 1 on CPUs 1-2 and instance 2
# on CPU 3, each in its own memory, with an mknet link between every pair.  Each
# instance learns the other's memory from us, and the two talk directly:
# ping and iperf3 over every link, instance 1 <-> 2 driven through their
# consoles.  Instance 1 panics while our link to instance 2 carries
# iperf3, which must not notice, then starts again beside instance 2 and
# freezes under the same load.  No IPI of instance 1's reaches our CPU
# but the multikernel vector, however busy its two CPUs are.  A
# memory file an instance was told of is fixed until that instance
# stops; then "none" gives it back.
#
# Addresses: the pair a < b is 10.a.b.0/24, kernel k being 10.a.b.(k + 1);
# the instances' init gives theirs as their links appear.
. "$(dirname "$0")/lib.sh"

d2=${d%/1}/2
# Half each of what the instance boot sets aside, 512M@0x40000000.
MEM=256M@0x40000000
MEM2=256M@0x50000000
out1=$TMP_DIR/mkcon1.out

[ "$(nproc --all 2>/dev/null || grep -c ^processor /proc/cpuinfo)" -ge 4 ] ||
	{ echo "SKIP: needs four CPUs"; exit 4; }
# Bytes of a size as the memory files take it: 768M, 1G.
bytes() {
	case $1 in
	*G) echo $((${1%G} << 30)) ;;
	*M) echo $((${1%M} << 20)) ;;
	*) echo $(($1)) ;;
	esac
}
pool=$(sed -n 's/.*mk_instance_memory=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$pool" ] && [ $((${pool#*@} + $(bytes ${pool%@*}))) -ge $((0x60000000)) ] ||
	{ echo "SKIP: mk_instance_memory=$pool does not hold $MEM and $MEM2"; exit 4; }

# Our link to instance $1, by the peer its bus-info names.
link_to() {
	for l in /sys/class/net/mknet*; do
		[ -e "$l" ] || continue
		$ETHTOOL -i ${l##*/} | grep -q "^bus-info: mk0:[0-9]*-mk$1:" &&
			echo ${l##*/} && return 0
	done
	return 1
}
carrier() { [ "$(cat /sys/class/net/$1/carrier 2>/dev/null)" = 1 ]; }
# Function-call IPIs taken by our CPU 0, the only one we keep online.
cal_ipis() { awk '$1 == "CAL:" { print $2 }' /proc/interrupts; }
rx_packets() { cat /sys/class/net/$1/statistics/rx_packets; }

# Type a command into instance $1's console until $3 shows in what it
# answers, $4 tries at most, $5 seconds each.
typed() {
	for _i in $(seq ${4:-1}); do
		echo "$2" > /dev/mkcon$1
		wait_for ${5:-3} grep -q "$3" "$TMP_DIR/mkcon$1.out" && return 0
	done
	return 1
}
answer() { tr -d '\r' < "$TMP_DIR/mkcon$1.out" | grep -o "$2[^ ]*" | tail -1; }

# iperf3 from instance $1 to instance $2, typed on $1's console; sets
# rate$1$2 to what the receiver counted.
iperf_from() {
	_tag=mki$1$2
	typed $1 "iperf3 -c 10.1.2.$(($2 + 1)) -t 3 -f m > /tmp/$_tag 2>&1; echo $_tag=\$(awk '/receiver/ { print \$(NF-2) }' /tmp/$_tag)Mbit" \
		"$_tag=[0-9.]*Mbit" 3 20 || fail "no iperf3 result from instance $1 to $2"
	_r=$(answer $1 $_tag=)
	_r=${_r#$_tag=}
	case $_r in
	0Mbit|0.00Mbit|Mbit) fail "iperf3 instance $1 -> $2: $_r" ;;
	esac
	eval rate$1$2=\$_r
}

readers=
cleanup() {
	kill $readers 2>/dev/null
	for i in 1 2; do
		echo stop > ${d%/1}/$i/control 2>/dev/null
	done
	rm_tmp
}
trap cleanup EXIT
steps 11

step start
# Both memory files are set before either starts: each is then told of
# the other's.
CPUS=1-2 load_instance console=mkcon
cat /boot/bzImage > $d2/kernel || fail "loading instance 2's kernel"
cat /boot/instance.cpio.gz > $d2/initrd || fail "loading instance 2's initrd"
echo $MEM2 > $d2/memory || fail "memory $MEM2 for instance 2"
offline_cpus 3
echo 3 > $d2/cpus || fail "CPU 3 for instance 2"
[ "$(cat /sys/devices/system/cpu/online)" = 0 ] ||
	fail "CPUs $(cat /sys/devices/system/cpu/online) online here, want 0 alone"
cal0=$(cal_ipis)
echo "$CMDLINE console=mkcon" > $d2/cmdline
# Instance 2 starts once our link to instance 1 is made: the tests after
# this one find that link as mknet0, and links are named in the order
# the instances come up.
echo start > $d/control || fail "start of instance 1 refused"
wait_for 120 link_to 1 >/dev/null || fail "no link to instance 1 here"
echo start > $d2/control || fail "start of instance 2 refused"
for i in 1 2; do
	wait_for 300 sh -c "[ \"\$(cat ${d%/1}/$i/state)\" = running ]" ||
		fail "instance $i not running (state $(cat ${d%/1}/$i/state))"
done
echo "instances 1 (CPUs 1-2, $MEM) and 2 (CPU 3, $MEM2) running"
refused "memory of running instance 2" sh -c "echo $MEM2 > $d2/memory"

for i in 1 2; do
	cat /dev/mkcon$i > "$TMP_DIR/mkcon$i.out" &
	readers="$readers $!"
done
step readable_memory
# What each instance may read of the other: exactly the memory we gave it.
m=$(cat $d2/memory)
want2=$(printf '%#x-%#x' $((${m#*@})) $((${m#*@} + ${m%@*})))
m=$(cat $d/memory)
want1=$(printf '%#x-%#x' $((${m#*@})) $((${m#*@} + ${m%@*})))
typed 1 'echo mkmem2=$(cat /sys/kernel/multikernel/instances/2/readable_memory)' \
	"mkmem2=0x" 40 || fail "instance 1 does not answer on /dev/mkcon1"
[ "$(answer 1 mkmem2=)" = "mkmem2=$want2" ] ||
	fail "instance 1 reads instance 2's memory as '$(answer 1 mkmem2=)', want $want2"
typed 2 'echo mkmem1=$(cat /sys/kernel/multikernel/instances/1/readable_memory)' \
	"mkmem1=0x" 40 || fail "instance 2 does not answer on /dev/mkcon2"
[ "$(answer 2 mkmem1=)" = "mkmem1=$want1" ] ||
	fail "instance 2 reads instance 1's memory as '$(answer 2 mkmem1=)', want $want1"
echo "instance 1 may read instance 2's $want2, instance 2 instance 1's $want1"

step host_links
# Our two links.
wait_for 60 link_to 1 >/dev/null || fail "no link to instance 1 here"
wait_for 60 link_to 2 >/dev/null || fail "no link to instance 2 here"
l1=$(link_to 1) l2=$(link_to 2)
for i in 1 2; do
	dev=$(link_to $i)
	$IP addr replace 10.0.$i.1/24 dev $dev
	$IP link set $dev up
	wait_for 120 carrier $dev || fail "no carrier on $dev, our link to instance $i"
	wait_for 60 ping -c 1 -W 1 10.0.$i.$((i + 1)) >/dev/null ||
		fail "instance $i does not answer ping on $dev"
	$IPERF -c 10.0.$i.$((i + 1)) -t 3 -f m > "$TMP_DIR/iperf.out" 2>&1 || {
		cat "$TMP_DIR/iperf.out"
		fail "iperf3 to instance $i"
	}
	echo "host <-> instance $i on $dev: ping, iperf3" \
		"$(awk '/receiver/ { print $(NF-2), $(NF-1) }' "$TMP_DIR/iperf.out")"
done

step reshape
# Our TX rings to instance 2 are ours to reshape (ethtool -L): it takes
# up the new area and receives on as many queues, as its sysfs shows.
rx_queues_typed() {	# count wanted
	typed 2 "for l in /sys/class/net/mknet*; do ethtool -i \${l##*/} | grep -q -- -mk0: && echo mkrxq$1=\$(ls -d \$l/queues/rx-* | wc -l); done" \
		"mkrxq$1=$1" 10 || fail "instance 2 receives from us on $(answer 2 mkrxq$1=), not $1 queues"
}
for n in 1 2; do
	$ETHTOOL -L $l2 combined $n || fail "-L combined $n on our link to instance 2"
	rx_queues_typed $n
	wait_for 30 ping -c 1 -W 1 10.0.2.3 >/dev/null || fail "no ping to instance 2 after -L combined $n"
done
echo "-L combined 1, then 2, on $l2: instance 2 received on 1, then 2 queues"

step direct_link
# Instance 1 <-> instance 2, directly: our links see none of it.
before=$(($(rx_packets $l1) + $(rx_packets $l2)))
typed 1 'ping -c 1 -W 1 10.1.2.3 >/dev/null && echo mkping12=$((40 + 2))' \
	mkping12=42 40 || fail "instance 1 cannot ping instance 2 (10.1.2.3)"
iperf_from 1 2
iperf_from 2 1
seen=$(($(rx_packets $l1) + $(rx_packets $l2) - before))
echo "instance 1 <-> 2: ping, iperf3 $rate12 one way, $rate21 back;" \
	"$seen packets on our links meanwhile"
[ $seen -lt 1000 ] || fail "instance 1 <-> 2 went through us: $seen packets"

step no_ipi_here
# Work that makes instance 1 send function-call IPIs and TLB shootdowns
# between its two CPUs: short-lived processes that move between them.
# With one CPU online, nothing of ours sends us one; a shorthand of
# instance 1's would.
# Instance 1 counts what it sent its own CPUs: the test means something
# only if that moves.
its_cal() {	# tag
	typed 1 "echo $1=\$(grep CAL: /proc/interrupts | tr -s ' ' | cut -d' ' -f3,4 | tr ' ' +)" \
		"$1=[0-9]" 3 10 || fail "instance 1 does not show its CAL line"
	_c=$(answer 1 $1=)
	echo $((${_c#$1=}))
}
its0=$(its_cal mkcal0)
typed 1 'for i in $(seq 16); do (for j in $(seq 40); do cat /proc/self/maps > /dev/null; done) & done; wait; echo mktlb=$((40 + 2))' \
	mktlb=42 3 90 || fail "instance 1 did not finish its TLB-heavy work"
its1=$(its_cal mkcal1)
[ "$(cal_ipis)" = "$cal0" ] ||
	fail "function-call IPIs reached our CPU 0 from another kernel: CAL $cal0 -> $(cal_ipis)"
# One would do; 320 processes sent 9 to 21 in earlier runs.
[ $((its1 - its0)) -ge 5 ] ||
	fail "instance 1's work sent its own CPUs $((its1 - its0)) function-call IPIs: nothing was tested"
echo "instance 1 on two CPUs, 640 processes: $((its1 - its0)) function-call IPIs" \
	"between its CPUs, our CAL count stays $cal0"

step panic
# Instance 1 panics from its console while instance 2 sends to us.
$IPERF -c 10.0.2.3 -t 8 -R -f m > "$TMP_DIR/iperf2.out" 2>&1 &
iperf=$!
sleep 2
echo 'echo c > /proc/sysrq-trigger' > /dev/mkcon1
wait_for 30 state_is crashed || fail "instance 1 not crashed after a panic (state $(cat $d/state))"
wait $iperf || { cat "$TMP_DIR/iperf2.out"; fail "iperf3 from instance 2 broke when instance 1 crashed"; }
[ "$(cat $d2/state)" = running ] || fail "instance 2 is $(cat $d2/state) after instance 1 crashed"
ping -c 3 -W 2 10.0.2.3 >/dev/null || fail "instance 2 stopped answering after instance 1 crashed"
typed 2 'echo mkalive=$((6 * 7))' mkalive=42 10 || fail "instance 2's console died with instance 1"
echo "instance 1 crashed during iperf3 from instance 2:" \
	"$(awk '/receiver/ { print $(NF-2), $(NF-1) }' "$TMP_DIR/iperf2.out"), instance 2 runs on"

step restart
# Instance 1 starts again while instance 2 runs: told of instance 2's
# memory again, its link to instance 2 attaches to the new incarnation.
# Meanwhile instance 2 was told of instance 1's memory: it stays.
echo stop > $d/control || fail "stop of crashed instance 1 refused"
refused "memory of instance 1 while instance 2 was told of it" sh -c "echo 128M@0x40000000 > $d/memory"
cpus1=$(cat $d/cpus)
refused "instance 2's CPU for instance 1" sh -c "echo $(cat $d2/cpus) > $d/cpus"
refused "a list with instance 2's CPU for instance 1" sh -c "echo $cpus1,$(cat $d2/cpus) > $d/cpus"
[ "$(cat $d/cpus)" = "$cpus1" ] || fail "refused lists changed instance 1's CPUs to $(cat $d/cpus)"
echo start > $d/control || fail "restart of instance 1 refused"
wait_for 300 state_is running || fail "instance 1 not running again (state $(cat $d/state))"
typed 1 'ping -c 1 -W 1 10.1.2.3 >/dev/null && echo mkagain=$((40 + 2))' \
	mkagain=42 60 || fail "instance 1, restarted, cannot ping instance 2"
echo "instance 1 restarted beside instance 2: their link attached again"

step freeze
# Instance 1 freezes (its CPUs held) while instance 2 sends to us.
$IPERF -c 10.0.2.3 -t 8 -R -f m > "$TMP_DIR/iperf2.out" 2>&1 &
iperf=$!
sleep 2
echo 1 > /sys/kernel/debug/multikernel/freeze || fail "freeze of instance 1 refused"
wait_for 30 state_is crashed || fail "frozen instance 1 not marked crashed (state $(cat $d/state))"
wait $iperf || { cat "$TMP_DIR/iperf2.out"; fail "iperf3 from instance 2 broke when instance 1 froze"; }
[ "$(cat $d2/state)" = running ] || fail "instance 2 is $(cat $d2/state) after instance 1 froze"
typed 2 'echo mkthawed=$((6 * 7))' mkthawed=42 10 || fail "instance 2's console died with instance 1"
echo "instance 1 froze during iperf3 from instance 2:" \
	"$(awk '/receiver/ { print $(NF-2), $(NF-1) }' "$TMP_DIR/iperf2.out"), instance 2 runs on"

step give_back
# Instance 1 was told of instance 2's memory: it stays until 1 stops.
echo stop > $d2/control || fail "stop of instance 2 refused"
refused "memory of instance 2 while instance 1 was told of it" sh -c "echo 128M@0x50000000 > $d2/memory"
refused "giving back instance 2's memory while instance 1 was told of it" sh -c "echo none > $d2/memory"
echo stop > $d/control || fail "stop of instance 1 refused"
echo none > $d2/memory || fail "giving back instance 2's memory after instance 1 stopped"
[ "$(cat $d2/memory)" = 0x0@0x0 ] || fail "instance 2's memory reads $(cat $d2/memory) once given back"
refused "starting instance 2 without memory" sh -c "echo start > $d2/control"
echo "stopped both; instance 2's memory given back"

step bad_peer_ram
# A list an instance cannot trust is refused whole at its boot, with a
# message, and it then reads no other instance's memory: here one that
# is not a list, then one naming the host's RAM.  Instance 2 has no
# memory now, so we add no mk_peer_ram= of our own after them.
echo "$CMDLINE console=mkcon mk_peer_ram=2:junk mk_peer_ram=2:0x20000000-0x30000000" > $d/cmdline
echo start > $d/control || fail "start of instance 1 with a bad mk_peer_ram= refused"
wait_for 300 state_is running || fail "instance 1 with a bad mk_peer_ram= not running"
typed 1 'echo mkpeer=$(dmesg | grep -v mkinstance | grep -c "mk_peer_ram=: ")/$(wc -c < /sys/kernel/multikernel/instances/2/readable_memory)' \
	'mkpeer=[0-9]' 40 || fail "instance 1 with a bad mk_peer_ram= does not answer"
[ "$(answer 1 mkpeer=)" = mkpeer=2/0 ] ||
	fail "bad mk_peer_ram=: '$(answer 1 mkpeer=)' (messages/bytes of readable_memory), want mkpeer=2/0"
typed 1 'dmesg | grep -v mkinstance | grep "mk_peer_ram=: " | sed "s/^/mkbad /"' 'mkbad .*host' 3 ||
	fail "no message on the host's RAM in mk_peer_ram="
echo "bad mk_peer_ram= at instance 1's boot:"
tr -d '\r' < $out1 | sed -n 's/^mkbad \[[^]]*\] /  /p' | sort -u
echo stop > $d/control || fail "stop of instance 1 refused"

kill $readers 2>/dev/null
wait 2>/dev/null
trap rm_tmp EXIT
online_cpus 1-3
echo "CPUs 1-3 back online here"
steps_done
