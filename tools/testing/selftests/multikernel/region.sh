#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The region given by mk_shared_memory= is reserved, shown in /proc/iomem
# and sysfs, and this instance is listed as running with a live heartbeat.
. "$(dirname "$0")/lib.sh"

param=$(sed -n 's/.*mk_shared_memory=\([^ ]*\).*/\1/p' /proc/cmdline)
# Without the parameter there is no region to check; with it, a region
# that is off fails here, where the other tests skip.
[ -n "$param" ] || { echo "SKIP: booted without mk_shared_memory="; exit 4; }
[ -d $mk ] || fail "no $mk"
size=${param%@*}
base=${param#*@}
case $size in
*M) bytes=$(( ${size%M} * 1024 * 1024 )) ;;
*) bytes=$size ;;
esac
set -- $(cat $mk/region)
[ "$1" != off ] || fail "framework is off"
[ $(( $1 )) -eq $(( base )) ] || fail "region base $1, cmdline $base"
[ "$2" -eq "$bytes" ] || fail "region size $2, cmdline $bytes"

start=$(printf '%08x' $(( base )))
grep -q "^ *$start-.* : Multikernel shared region" /proc/iomem ||
	fail "region not in /proc/iomem"

self=$(cat $mk/instance)
[ "$(cat $mk/instances/$self/state)" = running ] || fail "instance $self not running"
[ "$(cat $mk/abi_version)" = 4 ] || fail "abi_version $(cat $mk/abi_version), not 4"
[ "$(cat $mk/generation)" != 0x0 ] || fail "generation is zero"

ncpu=$(grep -c ^processor /proc/cpuinfo)
ids=$(cat $mk/instances/$self/apic_ids)
[ "$(echo "$ids" | tr ',' '\n' | wc -l)" -eq "$ncpu" ] ||
	fail "apic_ids '$ids' for $ncpu CPUs"

for i in 0 1 2 3 4 5 6 7; do
	[ "$i" = "$self" ] && continue
	[ "$(cat $mk/instances/$i/state)" = empty ] || fail "instance $i not empty"
done

hb1=$(cat $mk/instances/$self/heartbeat)
sleep 3
hb2=$(cat $mk/instances/$self/heartbeat)
[ "$hb2" -gt "$hb1" ] || fail "heartbeat stuck at $hb1"
echo "region $param, instance $self, apic ids $ids, heartbeat $hb1 -> $hb2"
