#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Instances on CPUs whose APIC IDs need x2APIC mode: above 255, as on a
# server with more CPUs than xAPIC can name, or on the second socket of
# a machine whose APIC IDs are sparse.  This kernel runs in x2APIC mode
# with interrupt remapping.  An instance on two such CPUs comes up in
# x2APIC mode itself, lists their IDs, answers ping and carries iperf3
# both ways over mknet0, and gives its CPUs back at stop; then one on a
# CPU below 256 and one above it, and a restart.  Skips unless two CPUs
# here have APIC IDs above 255.
. "$(dirname "$0")/lib.sh"

# The CPUs of ours with an APIC ID above 255, and one below, by number.
high=$(awk '/^processor/ { cpu = $3 }
	/^apicid/ && $3 > 255 { printf "%s%s", s, cpu; s = "," }' /proc/cpuinfo)
low=$(awk '/^processor/ { cpu = $3 } /^apicid/ && $3 <= 255 && cpu > 0 { print cpu }' /proc/cpuinfo |
	tail -1)
[ "$(echo "$high" | tr ',' '\n' | grep -c .)" -ge 2 ] && [ -n "$low" ] ||
	{ echo "SKIP: needs two CPUs with APIC IDs above 255 and one other than CPU 0 below"; exit 4; }
dmesg | grep -q "Enabled IRQ remapping in x2apic mode" ||
	fail "APIC IDs above 255 here, but no interrupt remapping in x2APIC mode: $(dmesg | grep -i -m2 'x2apic\|remapping')"
mkctl_ready
high=$(echo "$high" | cut -d, -f1-2)
straddle=$low,${high%,*}
CON="$CMDLINE console=mkcon"

# The APIC IDs of a list of our CPUs, read while they are online.
all_ids=$(our_apicids)
ids_of() {
	for _n in $(cpu_list "$1"); do
		echo "$all_ids" | cut -d, -f$((_n + 1))
	done | tr '\n' ',' | sed 's/,$//'
}
listed_ids() { tr ',' '\n' < $d/apic_ids | sort -n | tr '\n' ',' | sed 's/,$//'; }

start_on() {	# CPU list
	want=$(ids_of "$1")
	mkctl start --id 1 --cpus "$1" --memory 256M $K --cmdline "$CON" >/dev/null ||
		fail "mkctl start on CPUs $1 (APIC IDs $want)"
	ids_are() { [ "$(listed_ids)" = "$want" ]; }
	wait_for 60 ids_are ||
		fail "instance 1 on CPUs $1 lists APIC IDs '$(cat $d/apic_ids)', want $want"
	echo "instance 1 on CPUs $1: running on APIC IDs $(listed_ids)"
}

stop_gives_back() {	# CPU list
	mkctl stop 1 || fail "mkctl stop 1"
	online_cpus "$1"
	[ "$(our_apicids)" = "$all_ids" ] ||
		fail "our CPUs after stop have APIC IDs $(our_apicids), not $all_ids"
	echo "stopped: CPUs $1 back online here"
}

ping_instance() {
	mknet0_up "instance 1 on APIC IDs $(listed_ids)"
	ping -c 5 -i 0.2 192.0.2.2 | tail -1
}

iperf() {	# direction flag (-R or nothing)
	$IPERF -c 192.0.2.2 -t 3 -f m $1 > "$TMP_DIR/iperf.out" 2>&1 || {
		cat "$TMP_DIR/iperf.out"
		fail "iperf3 $1 with the instance on APIC IDs $(listed_ids)"
	}
	grep -E 'receiver$' "$TMP_DIR/iperf.out" | tail -1
}

start_on "$high"
# It kept the mode it came up in: the host's.  Switched back to xAPIC,
# an APIC ID above 255 cannot be named at all.
mode=$(ask mode "dmesg | grep -i -m3 'x2apic'")
echo "instance 1 says: $(echo "$mode" | tr '\n' ';')"
echo "$mode" | grep -q "x2apic: enabled by BIOS" ||
	fail "instance 1 did not come up in x2APIC mode"
echo "$mode" | grep -q "x2apic disabled" && fail "instance 1 left x2APIC mode"
ids=$(ask ids "awk '/^apicid/ { printf \"%s%s\", s, \$3; s = \",\" }' /proc/cpuinfo; echo")
[ "$ids" = "$(ids_of "$high")" ] ||
	fail "instance 1's /proc/cpuinfo lists APIC IDs '$ids', not $(ids_of "$high")"
ping_instance
iperf
iperf -R
# Our doorbells ring only our CPUs, theirs only the instance's.
doorbells_ours || fail "a doorbell of mknet0 rings a CPU that is not ours"
mkctl restart 1 >/dev/null || fail "mkctl restart 1 on CPUs $high"
wait_for 120 ping -c 1 -W 1 192.0.2.2 >/dev/null ||
	fail "instance 1 on CPUs $high does not answer ping after restart"
echo "restarted on CPUs $high: answers ping"
stop_gives_back "$high"

# One CPU below 256, one above: one instance, both IDs in its entry.
start_on "$straddle"
ping_instance
stop_gives_back "$straddle"
echo none > $d/memory
