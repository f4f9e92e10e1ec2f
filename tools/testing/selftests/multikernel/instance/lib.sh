#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Shared by the instance selftests: instance 1 on CPU 1 in the memory set
# aside by mk_instance_memory=, its command line, and waiting for a
# condition.
d=/sys/kernel/multikernel/instances/1
cpu1=/sys/devices/system/cpu/cpu1/online
MEM=512M@0x40000000
# The tools from $PATH; ip too, unless $IP names iproute2's (a busybox
# sh runs its own ip before any in $PATH).
IP=${IP:-ip}
ETHTOOL=${ETHTOOL:-ethtool}
BPFTOOL=${BPFTOOL:-bpftool}
IPERF=${IPERF:-iperf3}
# Its console is COM2, polled; the 8250 driver must keep off the host's UARTs.
CMDLINE="earlycon=uart8250,io,0x2f8,115200 keep_bootcon 8250.nr_uarts=0"
CMDLINE="$CMDLINE rdinit=/init mkplan=spawned panic=-1 oops=panic loglevel=6"

# An instance joins the shared region: a kernel booted without
# mk_shared_memory= has none, which is no failure of ours (the main
# boot's multikernel/region.sh fails if the parameter was given).
case $(cat /sys/kernel/multikernel/region 2>/dev/null) in
""|off)
	echo "SKIP: no multikernel shared region (mk_shared_memory=)"
	exit 4 ;;
esac

# The test's own files, removed however it ends; a test that sets an
# EXIT trap of its own calls rm_tmp in it.
TMP_DIR=$(mktemp -d) || { echo "FAIL: mktemp"; exit 1; }
rm_tmp() { rm -rf "$TMP_DIR"; }
trap rm_tmp EXIT
trap 'exit 1' HUP INT TERM

# Per-step KTAP results (multikernel/ktap_steps.sh).
. "$(dirname "$0")/../../kselftest/ktap_helpers.sh"
. "$(dirname "$0")/../ktap_steps.sh"

# A failed test leaves the machine as the next one expects it: no
# instance running or holding memory, every CPU of ours online.  Whether
# one runs is our own record (control), not its table entry, which it
# may have scribbled.  An instance's memory stays given to it once it
# stops; another test would find it taken.
fail() {
	echo "FAIL: $*"
	step_failed
	for _c in ${d%/*}/*/control; do
		[ "$(cat $_c)" = running ] && echo stop > $_c
		echo none > ${_c%/control}/memory
	done 2>/dev/null
	for _c in /sys/devices/system/cpu/cpu[1-9]*/online; do
		echo 1 > $_c
	done 2>/dev/null
	exit 1
}

refused() {	# description, then the command that must fail
	what=$1
	shift
	if "$@" 2>/dev/null; then
		fail "accepted: $what"
	fi
	echo "refused: $what"
}

wait_for() {	# seconds, then a command that must come true
	n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

state_is() { [ "$(cat $d/state)" = "$1" ]; }

# Instance 1's answer to a shell command typed on /dev/mkcon1 (it runs
# with console=mkcon): the lines it prints between the lines "mk$1{" and
# "}mk$1", a tag new for each question, since each opening of the console
# shows its ring from the oldest byte.  Each line of the answer carries
# "mk$1|" in front, because instance 1's kernel messages reach the same
# console meanwhile, some of them (dmesg's) the answer itself.  printf
# and quotes make the markers and the prefix, so the echo of the command
# typed ("mk%s{", "mk'$1'|") never matches them, wherever a prompt or a
# kernel message puts it.  Called as $(ask ...), it runs in a
# subshell: an EXIT trap set here would remove the test's files when it
# returns.  The console's capture stays in $TMP_DIR/mkcon1.out.
ask() {	# tag, command
	_out=$TMP_DIR/mkcon1.out
	cat /dev/mkcon1 > "$_out" &
	_reader=$!
	for _i in $(seq 20); do
		echo "printf 'mk%s{\\n' $1; { $2; } 2>&1 | sed 's/^/mk'$1'|/';" \
			"printf '}mk%s\\n' $1" > /dev/mkcon1
		wait_for 3 grep -q "}mk$1" "$_out" && break
	done
	kill $_reader
	wait $_reader 2>/dev/null
	tr -d '\r' < "$_out" | sed -n "/mk$1{/,/}mk$1/{s/^mk$1|//p;/}mk$1/q;}"
}

bytes() {	# a number with memparse's K, M or G
	case $1 in
	*[kK]) echo $(( ${1%?} << 10 )) ;;
	*[mM]) echo $(( ${1%?} << 20 )) ;;
	*[gG]) echo $(( ${1%?} << 30 )) ;;
	*) echo $(( $1 )) ;;
	esac
}

# The APIC IDs of the CPUs we run on now, lowest CPU first, joined by
# commas as our instance entry lists them.
our_apicids() {
	awk '/^apicid/ { printf "%s%s", s, $3; s = "," } END { print "" }' /proc/cpuinfo
}

# Our instance entry lists only the CPUs we run on now, and every
# doorbell of mknet$1 (0 if not given) interrupts one of them: none
# reaches a CPU we gave to an instance.
doorbells_ours() {
	_ours=$(our_apicids)
	[ "$(cat ${d%/*}/0/apic_ids)" = "$_ours" ] || return 1
	_l=$($ETHTOOL -i mknet${1:-0} | sed -n 's/^bus-info: mk[0-9]*:\([0-9]*\)-.*/\1/p')
	for _a in $(sed -n 's/^notify //p' /sys/kernel/debug/mknet/link$_l/rings); do
		case ",$_ours," in
		*",$_a,"*) ;;
		*) return 1 ;;
		esac
	done
}

# readable_memory of an instance, one "<start>-<end>" per line, joined by
# commas as on a command line.
readable() { tr '\n' ',' < "${d%/*}/$1/readable_memory" | sed 's/,$//'; }

# What we may read of instance 1 is its memory file, as a range.
readable_is_memory() {
	m=$(cat $d/memory)
	[ "$(readable 1)" = "$(printf '%#x-%#x' $((${m#*@})) $((${m#*@} + ${m%@*})))" ]
}

# The CPUs of a list (1-2, 1,3), one per line.
cpu_list() {
	for _r in $(echo "$1" | tr ',' ' '); do
		case $_r in
		*-*) seq ${_r%-*} ${_r#*-} ;;
		*) echo $_r ;;
		esac
	done
}

# Take each CPU of a list offline here.  Tests keep their own variables:
# this one uses only names that start with an underscore.
offline_cpus() {
	for _n in $(cpu_list "$1"); do
		_f=/sys/devices/system/cpu/cpu$_n/online
		[ "$(cat $_f)" = 0 ] || echo 0 > $_f || fail "offlining CPU $_n"
	done
}

# Bring each CPU of a list back online here, as a stop left it.
online_cpus() {
	for _n in $(cpu_list "$1"); do
		echo 1 > /sys/devices/system/cpu/cpu$_n/online ||
			fail "CPU $_n did not come back after stop"
	done
}

# For a test that starts instances with mkctl: the tool in PATH, time
# for their kernels to come up under TCG, no instance holding memory, so
# that where a size goes is known, and $K, the kernel and initramfs.
mkctl_ready() {
	command -v mkctl >/dev/null || fail "mkctl is not in PATH"
	MKCTL_TIMEOUT=300
	export MKCTL_TIMEOUT
	for _m in ${d%/*}/*/memory; do
		echo none > "$_m" 2>/dev/null
	done
	K="--kernel /boot/bzImage --initrd /boot/instance.cpio.gz"
}

# mknet0 to instance 1 up, with our address, and instance 1 answering
# ping within $2 seconds (120).
mknet0_up() {	# instance 1 as a failure names it, seconds
	wait_for 30 test -e /sys/class/net/mknet0 || fail "no mknet0 for instance 1"
	$IP addr replace 192.0.2.1/24 dev mknet0
	$IP link set mknet0 up
	wait_for "${2:-120}" ping -c 1 -W 1 192.0.2.2 >/dev/null ||
		fail "$1 does not answer ping"
}

# Whatever an earlier test left: load instance 1 again, with $1 added to
# its command line, and take its CPUs ($CPUS, or CPU 1) offline for it.
load_instance() {
	[ -r /boot/bzImage ] || fail "no kernel image for the instance"
	cat /boot/bzImage > $d/kernel || fail "loading the kernel"
	cat /boot/instance.cpio.gz > $d/initrd || fail "loading the initrd"
	echo $MEM > $d/memory || fail "memory $MEM"
	offline_cpus "${CPUS:-1}"
	echo "${CPUS:-1}" > $d/cpus || fail "CPUs ${CPUS:-1}"
	echo "$CMDLINE${1:+ $1}" > $d/cmdline
}
