#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the guest initramfs: static busybox, the real iproute2 (ip, tc), ethtool and
# iperf3 with their libraries, our init and the selftests.
set -euo pipefail
obj=$1
out=$2
top=$(cd "$(dirname "$0")/../../.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,dev,proc,sys,tmp,run/netns,etc,opt/mknet/bin,selftests}
cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done

# A program of the build machine's at $2 in the image, with its libraries.
install_bin() {
	rm -f "$root$2"
	cp -L "$1" "$root$2"
	for lib in $(ldd "$1" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
# busybox has its own ip: the real tools go first in PATH, by full path.
# MK_WITH_PERF=1 adds perf and chrt, for `make profile`.
tools="ip tc ethtool iperf3 bpftool sockperf"
[ "${MK_WITH_PERF:-0}" = 1 ] && tools="$tools perf chrt"
for tool in $tools; do
	install_bin "$(command -v "$tool" || echo "/usr/sbin/$tool")" \
		"/opt/mknet/bin/$tool"
done
# The selftests that use net/lib.sh run in bash, which takes date from
# $PATH and wants its nanoseconds; the kernel's kselftest runner uses
# /usr/bin/timeout --foreground.  busybox has none of the three.
mkdir -p "$root/usr/bin"
install_bin "$(command -v bash)" /bin/bash
install_bin "$(command -v date)" /opt/mknet/bin/date
install_bin "$(command -v timeout)" /usr/bin/timeout
mkdir -p "$root/lib64" "$root/usr/lib"
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$root/etc/hosts"

cp "$top/tools/testing/mknet/init" "$root/init"
chmod +x "$root/init"
# The instance tool, in PATH on every kernel.
cp "$top/tools/multikernel/mkctl" "$root/bin/mkctl"
chmod +x "$root/bin/mkctl"
# The kselftest collections, laid out as `make install` of the selftests
# would: each directory with its settings and TEST_FILES, and
# kselftest-list.txt naming its TEST_PROGS in the Makefile's order.  Only
# those run; an executable script the Makefile does not list is reported.
make_var() {
	{ grep -v '^include' "$1/Makefile"; printf '\n__var:\n\t@echo $(%s)\n' "$2"; } |
		make -s --no-print-directory -C "$1" -f - __var
}
test_progs() { make_var "$1" TEST_PROGS; }
sel=$top/tools/testing/selftests
: > "$root/selftests/kselftest-list.txt"
for c in drivers/net/mknet multikernel multikernel/instance; do
	mkdir -p "$root/selftests/$c"
	find "$sel/$c" -maxdepth 1 -type f -exec cp {} "$root/selftests/$c/" \;
	progs=$(test_progs "$sel/$c")
	for t in $progs; do
		[ -x "$sel/$c/$t" ] || { echo "  ERROR   $c/$t: not executable"; exit 1; }
		echo "$c:$t" >> "$root/selftests/kselftest-list.txt"
	done
	# What it takes from elsewhere in the selftests (TEST_INCLUDES,
	# such as kselftest/ktap_helpers.sh), from the kernel's tree unless
	# it is one of ours, at the same place as `make install` puts it.
	for f in $(make_var "$sel/$c" TEST_INCLUDES); do
		rel=$(realpath -m --relative-to="$sel" "$sel/$c/$f")
		src=$sel/$rel
		[ -e "$src" ] || src=$obj/source/tools/testing/selftests/$rel
		[ -e "$src" ] || { echo "  ERROR   $c: no $rel to include"; exit 1; }
		mkdir -p "$root/selftests/$(dirname "$rel")"
		cp "$src" "$root/selftests/$rel"
	done
	# What the collection generates (TEST_GEN_FILES), by its own rules.
	for f in $(make_var "$sel/$c" TEST_GEN_FILES); do
		grep -v '^include' "$sel/$c/Makefile" |
			make -s --no-print-directory -C "$sel/$c" -f - \
			OUTPUT="$root/selftests/$c" "$root/selftests/$c/$f"
	done
	for f in "$sel/$c"/*.sh; do
		[ -x "$f" ] && [ "$(basename "$f")" != lib.sh ] || continue
		echo " $progs " | grep -q " $(basename "$f") " ||
			echo "  WARN    $c/$(basename "$f"): not in TEST_PROGS, not run"
	done
done
# The kernel's kselftest runner, as `make install` puts it beside them.
for f in run_kselftest.sh kselftest/runner.sh; do
	mkdir -p "$root/selftests/$(dirname "$f")"
	cp "$obj/source/tools/testing/selftests/$f" "$root/selftests/$f"
done
# Scripts outside the collections know the mknet tests' old place.
ln -s drivers/net/mknet "$root/selftests/mknet"

cp "$top/tools/testing/mknet/bench-guest.sh" "$top/tools/testing/mknet/stress-guest.sh" \
	"$top/tools/testing/mknet/profile-guest.sh" \
	"$top/tools/testing/mknet/bench-lib.sh" "$root/selftests/"
mkdir -p "$root/lib/modules"
find "$obj" -name '*.ko' -exec cp {} "$root/lib/modules/" \;

pack() {
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$1.tmp"
	mv "$1.tmp" "$1"
	echo "  INITRD  $(basename "$1") $(du -h "$1" | cut -f1)"
}

# The kernels an instance boot starts run no python: their copy is packed
# before it goes in (about 7 of 15 MB, unpacked by each of them).
inst=${out%.cpio.gz}-instance.cpio.gz
pack "$inst"

# The debug kernel's boot also runs upstream's generic NIC tests.
[ -n "${MK_WITH_PYTHON:-}" ] && bash "$top/tools/testing/mknet/mkinitramfs-python.sh" "$root"
pack "$out"

# The first kernel of an instance boot carries what it starts: the same
# kernel and the instance's initramfs.
host=${out%.cpio.gz}-host.cpio.gz
mkdir -p "$root/boot"
cp "$obj/arch/x86/boot/bzImage" "$root/boot/bzImage"
cp "$inst" "$root/boot/instance.cpio.gz"
pack "$host"
