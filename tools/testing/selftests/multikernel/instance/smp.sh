#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# An instance on several CPUs: the instance brings every CPU of its list
# online, lists their APIC IDs in its instance entry, and gives them all
# back on stop; a restart on another list works.  Needs three CPUs here.
. "$(dirname "$0")/lib.sh"

# The APIC ID of each CPU of a list.  Our own entry in the instance table
# lists the APIC IDs of the CPUs online at boot, all of them, in order.
apic_ids_of() {
	for c in $(echo "$1" | tr ',' ' '); do
		case $c in
		*-*) c=$(seq ${c%-*} ${c#*-}) ;;
		esac
		for n in $c; do
			cut -d, -f$((n + 1)) ${d%/*}/0/apic_ids
		done
	done | sort -n | tr '\n' ',' | sed 's/,$//'
}

listed_ids() { tr ',' '\n' < $d/apic_ids | sort -n | tr '\n' ',' | sed 's/,$//'; }

start_on() {	# CPU list
	CPUS=$1 load_instance
	echo start > $d/control || fail "start on CPUs $1 refused"
	wait_for 300 state_is running || fail "instance 1 on CPUs $1 not running (state $(cat $d/state))"
	want=$(apic_ids_of "$1")
	# The instance fills its entry once all its CPUs are up.
	wait_for 60 sh -c "[ \"\$(tr ',' '\n' < $d/apic_ids | sort -n | tr '\n' ',' | sed 's/,\$//')\" = $want ]" ||
		fail "instance on CPUs $1 lists APIC IDs '$(cat $d/apic_ids)', want $want"
	echo "instance 1 on CPUs $1: running, APIC IDs $(listed_ids) all online in it"
}

stop_gives_back() {	# CPU list
	echo stop > $d/control || fail "stop refused"
	for c in $(echo "$1" | tr ',' ' '); do
		case $c in
		*-*) c=$(seq ${c%-*} ${c#*-}) ;;
		esac
		for n in $c; do
			echo 1 > /sys/devices/system/cpu/cpu$n/online ||
				fail "CPU $n did not come back after stop"
		done
	done
	echo "stopped: CPUs $1 back online here ($(cat /sys/devices/system/cpu/online))"
}

[ "$(nproc --all 2>/dev/null || grep -c ^processor /proc/cpuinfo)" -ge 3 ] ||
	{ echo "SKIP: needs three CPUs"; exit 4; }

start_on 1-2
refused "onlining CPU 2 of a running instance" sh -c "echo 1 > /sys/devices/system/cpu/cpu2/online"
stop_gives_back 1-2

start_on 2
stop_gives_back 2
start_on 1-2
stop_gives_back 1-2
