#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# An instance on several CPUs: the instance brings every CPU of its list
# online, lists their APIC IDs in its instance entry, and gives them all
# back on stop; a restart on another list works.  Needs three CPUs here;
# with four, a link to an instance on two CPUs receives on two queues.
. "$(dirname "$0")/lib.sh"

# The APIC ID of each CPU of a list, as read while all ours are online
# (each test leaves them so): our own entry lists only the CPUs we run
# on now.
all_ids=$(our_apicids)
apic_ids_of() {
	for n in $(cpu_list "$1"); do
		echo "$all_ids" | cut -d, -f$((n + 1))
	done | sort -n | tr '\n' ',' | sed 's/,$//'
}

listed_ids() { tr ',' '\n' < $d/apic_ids | sort -n | tr '\n' ',' | sed 's/,$//'; }
ids_are() { [ "$(listed_ids)" = "$1" ]; }

start_on() {	# CPU list, what to add to the instance's command line
	CPUS=$1 load_instance "$2"
	echo start > $d/control || fail "start on CPUs $1 refused"
	wait_for 300 state_is running || fail "instance 1 on CPUs $1 not running (state $(cat $d/state))"
	want=$(apic_ids_of "$1")
	# The instance fills its entry once all its CPUs are up.
	wait_for 60 ids_are "$want" ||
		fail "instance on CPUs $1 lists APIC IDs '$(cat $d/apic_ids)', want $want"
	echo "instance 1 on CPUs $1: running, APIC IDs $(listed_ids) all online in it"
}

stop_gives_back() {	# CPU list
	echo stop > $d/control || fail "stop refused"
	online_cpus "$1"
	echo "stopped: CPUs $1 back online here ($(cat /sys/devices/system/cpu/online))"
}

[ "$(nproc --all 2>/dev/null || grep -c ^processor /proc/cpuinfo)" -ge 3 ] ||
	{ echo "SKIP: needs three CPUs"; exit 4; }
steps 6

# The instance boot gives us 5-level paging (la57): an instance must
# still boot on several CPUs from our 4-level trampoline.  That boot says
# so on our command line (mkexpect_la57); a kernel that pages with 4
# levels there tests nothing of it.  The flag stays in /proc/cpuinfo
# only while 5-level paging is on.
if grep -qw la57 /proc/cpuinfo; then
	echo "this kernel pages with 5 levels (la57)"
elif grep -qw mkexpect_la57 /proc/cmdline; then
	fail "booted for 5-level paging (mkexpect_la57), but this kernel pages with 4 levels"
fi
step two_cpus
start_on 1-2 console=mkcon
# What the instance itself says, through its console: a shell runs there.
cpus=$(ask cpus "grep -c ^processor /proc/cpuinfo")
[ "$cpus" = 2 ] ||
	fail "/proc/cpuinfo of instance 1 on CPUs 1-2, by /dev/mkcon1: '$cpus' processors"
echo "/dev/mkcon1: instance 1's /proc/cpuinfo lists 2 processors"
out=$TMP_DIR/mkcon1.out
refused "onlining CPU 2 of a running instance" sh -c "echo 1 > /sys/devices/system/cpu/cpu2/online"
refused "CPU 2 of instance 1 for instance 2" sh -c "echo 2 > ${d%/1}/2/cpus"
step halt
# halt in a two-CPU instance parks every CPU of it, not only the one
# that ran halt: a loop pinned to its second CPU stops printing at once,
# while the instance still reads running, before our heartbeat verdict
# would hold its CPUs in INIT.
cat /dev/mkcon1 > "$out" &
reader=$!
trap 'kill $reader 2>/dev/null; rm_tmp' EXIT
echo 'taskset -c 1 sh -c "while :; do echo mktick; sleep 0.2; done" & (sleep 3; halt -f) &' > /dev/mkcon1
ticks() { tr -d '\r' < "$out" | grep -c 'mktick$'; }
has_ticks() { [ "$(ticks)" -gt 0 ]; }
wait_for 30 has_ticks || fail "instance 1's second CPU printed nothing"
for _ in $(seq 60); do
	t0=$(ticks)
	sleep 1
	st=$(cat $d/state)
	[ "$(ticks)" = "$t0" ] && break
done
[ "$(ticks)" = "$t0" ] || fail "instance 1's second CPU still prints after halt"
[ "$st" = running ] ||
	fail "instance 1's second CPU stopped only with the host's verdict (state $st)"
wait_for 60 state_is crashed || fail "instance 1 on CPUs 1-2 still $(cat $d/state) after halt"
kill $reader
wait $reader 2>/dev/null
trap rm_tmp EXIT
echo "halt in instance 1 on CPUs 1-2: its second CPU stopped after $t0 ticks, then the heartbeat"
# Neither kernel may send an IPI shorthand: it would reach the other's
# CPUs (a panic's REBOOT_VECTOR, on_each_cpu()).
dmesg | grep -q "IPI shorthand broadcast: disabled" ||
	fail "IPI shorthands are on here: $(dmesg | grep 'IPI shorthand')"
stop_gives_back 1-2

step panic
# A two-CPU instance that panics stops its own CPUs, one by one: a
# shorthand "all but self" REBOOT_VECTOR would stop ours too.
CPUS=1-2 load_instance mkcrash
echo start > $d/control || fail "start on CPUs 1-2 for the panic refused"
wait_for 300 state_is crashed || fail "instance 1 on CPUs 1-2 not crashed after its panic (state $(cat $d/state))"
hb=$(cat /sys/kernel/multikernel/instances/0/heartbeat)
sleep 2
[ "$(cat /sys/kernel/multikernel/instances/0/heartbeat)" -gt "$hb" ] ||
	fail "our heartbeat stands still after instance 1 on CPUs 1-2 panicked"
echo "instance 1 on CPUs 1-2 panicked: marked crashed, we run on"
stop_gives_back 1-2

step other_list
start_on 2
stop_gives_back 2

# With four CPUs: the instance on 2-3 sends on a TX ring per CPU, so our
# end of the link receives on two queues, each ringing its own CPU here.
if [ "$(nproc --all 2>/dev/null || grep -c ^processor /proc/cpuinfo)" -lt 4 ]; then
	step_skip two_queues "(three CPUs)"
	step_skip stop_under_load "(three CPUs)"
	steps_done
	exit 0
fi
step two_queues
carrier() { [ "$(cat /sys/class/net/mknet0/carrier 2>/dev/null)" = 1 ]; }
# Polls of one queue pair: the watchdog's add about 2 a second, a stream
# hundreds (doorbells would not say: a stream's receiver lingers).
polls() { $ETHTOOL -S mknet0 | awk -v k="rx$1_polls:" '$1 == k { print $2 }'; }
start_on 2-3
wait_for 30 test -e /sys/class/net/mknet0 || fail "no mknet0 for instance 1"
$IP addr replace 192.0.2.1/24 dev mknet0
$IP link set mknet0 up
wait_for 120 carrier || fail "no carrier on mknet0"
wait_for 60 ping -c 1 -W 1 192.0.2.2 >/dev/null || fail "instance 1 on CPUs 2-3 does not answer ping"
b0=$(polls 0) b1=$(polls 1)
[ -n "$b1" ] || fail "mknet0 has no second RX queue: $($ETHTOOL -l mknet0 | tr -s '\n\t ' ' ')"
# Sixteen flows: the instance hashes them over its two rings.
$IPERF -c 192.0.2.2 -R -P 16 -t 3 -f m > "$TMP_DIR/iperf.out" 2>&1 || {
	cat "$TMP_DIR/iperf.out"
	fail "iperf3 from instance 1 on CPUs 2-3"
}
d0=$(($(polls 0) - b0)) d1=$(($(polls 1) - b1))
echo "instance 1 -> host, 16 flows: $(awk '/SUM.*receiver/ { print $(NF-2), $(NF-1) }' "$TMP_DIR/iperf.out");" \
     "polls of rx0 $d0, rx1 $d1"
[ "$d0" -ge 50 ] && [ "$d1" -ge 50 ] || fail "both RX queues must carry traffic: polls of rx0 $d0, rx1 $d1"
step stop_under_load
# Stopped under load: both of its CPUs held in INIT, our carrier goes
# down and what it held of ours in flight is freed.
inflight() { cat /sys/class/net/mknet0/queues/tx-*/byte_queue_limits/inflight | awk '{ s += $1 } END { print s + 0 }'; }
drained() { [ "$(inflight)" = 0 ]; }
$IPERF -c 192.0.2.2 -P 4 -t 30 > /dev/null 2>&1 &
iperf=$!
sleep 3
stop_gives_back 2-3
nocarrier() { [ "$(cat /sys/class/net/mknet0/carrier)" = 0 ]; }
wait_for 20 nocarrier ||
	fail "carrier stayed up with instance 1 on CPUs 2-3 stopped"
wait_for 10 drained || fail "$(inflight) bytes still in flight to a stopped two-CPU instance"
kill $iperf 2>/dev/null
wait $iperf 2>/dev/null
echo "instance 1 on CPUs 2-3 stopped under TCP: carrier off, nothing in flight"
$IP link set mknet0 down
steps_done
