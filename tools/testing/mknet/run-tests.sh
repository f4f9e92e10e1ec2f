#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make test`: boot the debug kernel for KUnit and the selftests, then once
# per bad boot parameter, and judge every console log.
set -euo pipefail
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out"

boot() {	# name timeout cmdline [qemu args]
	local name=$1 limit=$2 append=$3
	local t0=$SECONDS
	shift 3
	printf '  BOOT    %-28s' "$name"
	bash "$here/qemu.sh" "$kernel" "${MK_INITRD:-$initrd}" "$out/$name.log" \
		"$limit" "$append" "$@"
	echo " $((SECONDS - t0))s"
}

# A bounded pass of the peer-state fuzzer, with the saved corpus; the
# runs of each target, which fails below 300 000 (a target slowed tenfold).
printf '  FUZZ    %-28s' "peer-state, ${MK_FUZZ_TIME:-30}s"
bash "$here/fuzz/run-fuzz.sh" "${MK_FUZZ_TIME:-30}" "$out/fuzz.log" >/dev/null
echo " $(sed -n -e 's|^mkselftest: ok fuzz/\(\S*\) \([0-9]*\) runs.*|\1 \2|p' \
	-e 's|^mkselftest: not ok fuzz/\(\S*\) \([0-9]*\) runs.*|\1 \2 TOO FEW|p' \
	-e 's|^mkselftest: not ok fuzz/\(\S*\).*|\1 FAILED|p' "$out/fuzz.log" | paste -sd, | sed 's/,/, /g')"

boot main 1500 "mkplan=selftests"

# Two kernels: the first starts, stops and crashes a second one on CPU 1
# (and on CPUs 1-2 and 2-3), whose console is COM2; then three kernels.
# The first runs with 5-level paging (instance/smp fails without it,
# told by mkexpect_la57): instances must not try it.  It powers off with
# instance 1 running (mkleave_instance), and must stop it.
MK_CPU=max,la57=on MK_SMP=4 MK_MEM=2048 MK_INITRD=${initrd%.cpio.gz}-host.cpio.gz \
	boot instance 1800 "kunit.enable=0 mkplan=instance mkskip=high_memory,cma,x2apic,numa,lockdown mkexpect_la57 mkleave_instance mk_instance_memory=512M@0x40000000" \
	-serial "file:$out/instance1.console"

# Instances in memory above 4 GiB, where q35 puts all RAM past its first
# 2 GiB: 1.5 GiB set aside from 4 GiB on, and a CMA area of 1 GiB that
# instances' memory is allocated from at start.
MK_SMP=4 MK_MEM=6144 MK_INITRD=${initrd%.cpio.gz}-host.cpio.gz \
	boot instance-high 900 "kunit.enable=0 mkplan=instance mkonly=high_memory,cma mk_instance_memory=1536M@0x100000000 mk_instance_cma=1G" \
	-serial "file:$out/instance-high1.console"

# Two sockets, each a NUMA node with 1.5 GiB and two CPUs, and
# mk_instance_cma=1G spread over both.  With a QEMU that emulates x2APIC
# (8.1 on; Debian 12 has 7.2, scripts/qemu-x2apic.sh finds one or fetches
# QEMU from bookworm-backports), x2APIC mode with interrupt remapping and
# room for 129 cores a socket, so 8 bits of core ID: socket 1's CPUs have
# APIC IDs 256 and 257.  (512 possible CPUs would take QEMU's ACPI tables
# 25 s to scan, long enough for a soft lockup report.)  Without
# one, xAPIC and APIC IDs 0-3, and instance/x2apic skips.
numa=(-object memory-backend-ram,id=m0,size=1536M
      -object memory-backend-ram,id=m1,size=1536M
      -numa node,nodeid=0,memdev=m0 -numa node,nodeid=1,memdev=m1
      -numa cpu,node-id=0,socket-id=0 -numa cpu,node-id=1,socket-id=1)
sockets="kunit.filter_glob=multikernel_loopback mkplan=instance mkonly=x2apic,numa mk_instance_cma=1G"
if qemu=$(bash "$here/../../../scripts/qemu-x2apic.sh" 2>"$out/x2apic.why"); then
	cpu="max-x86_64-cpu,la57=off,socket-id=1,thread-id=0"
	MK_QEMU=$qemu MK_SMP=2,maxcpus=258,sockets=2,cores=129,threads=1 MK_MEM=3072 \
		MK_INITRD=${initrd%.cpio.gz}-host.cpio.gz \
		boot sockets 900 "$sockets" "${numa[@]}" \
		-device intel-iommu,intremap=on,eim=on \
		-device "$cpu,core-id=0" -device "$cpu,core-id=1" \
		-serial "file:$out/sockets1.console"
else
	printf '  SKIP    %-28s %s\n' "x2APIC mode" "$(cat "$out/x2apic.why")"
	MK_SMP=4,sockets=2,cores=2,threads=1 MK_MEM=3072 \
		MK_INITRD=${initrd%.cpio.gz}-host.cpio.gz \
		boot sockets 900 "$sockets" "${numa[@]}" \
		-serial "file:$out/sockets1.console"
fi

# The loader with memory ending lower than an initrd is long, where
# placing the initrd below the end must not wrap.  Then lockdown, which
# lasts until reboot, so it ends this boot and no other.
MK_INITRD=${initrd%.cpio.gz}-host.cpio.gz \
	boot loader-low 300 "kunit.enable=0 mkplan=instance mkonly=loader,lockdown mklockdown mk_instance_memory=4M@0x200000"

# Each bad parameter must leave the framework off with a clear message.
expect_off() {	# case expected-message-with-underscores cmdline
	MK_REGION=${MK_REGION_OVERRIDE:-256M@0x10000000} \
		boot "bootparam-$1" 300 "kunit.enable=0 mkplan=expect-off mkcase=$1 mkexpect=$2 $3"
}
MK_REGION_OVERRIDE=foo expect_off unparseable "expected_<size>@<address>" ""
MK_REGION_OVERRIDE=0@0x10000000 expect_off zero-size "empty_or_wraps" ""
MK_REGION_OVERRIDE=64M@0x10000800 expect_off unaligned "not_page_aligned" ""
MK_REGION_OVERRIDE=64M@0x100000000 expect_off outside-ram "neither_RAM_nor_reserved" ""
MK_REGION_OVERRIDE=64M@0x1000000 expect_off overlaps-kernel "overlaps_the_kernel" ""
MK_REGION_OVERRIDE=1M@0x10000000 expect_off too-small "too_small" ""
expect_off bad-header "region_header_invalid" "mk_instance=1"
expect_off bad-instance "expected_0..7" "mk_instance=9"

python3 "$here/parse-results.py" "$out"/*.log "$out"/*.console
