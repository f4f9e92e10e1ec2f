#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the guest initramfs: static busybox, the real iproute2, ethtool and
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

# busybox has its own ip: the real tools go first in PATH, by full path.
# MK_WITH_PERF=1 adds perf, for `make profile`.
tools="ip ethtool iperf3"
[ "${MK_WITH_PERF:-0}" = 1 ] && tools="$tools perf"
for tool in $tools; do
	bin=$(command -v "$tool" || echo "/usr/sbin/$tool")
	cp -L "$bin" "$root/opt/mknet/bin/$tool"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
mkdir -p "$root/lib64" "$root/usr/lib"
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$root/etc/hosts"

cp "$top/tools/testing/mknet/init" "$root/init"
chmod +x "$root/init"
cp -r "$top/tools/testing/selftests/multikernel" "$root/selftests/"
if [ -d "$top/tools/testing/selftests/drivers/net/mknet" ]; then
	cp -r "$top/tools/testing/selftests/drivers/net/mknet" "$root/selftests/"
fi

cp "$top/tools/testing/mknet/bench-guest.sh" "$top/tools/testing/mknet/stress-guest.sh" \
	"$top/tools/testing/mknet/profile-guest.sh" \
	"$top/tools/testing/mknet/bench-lib.sh" "$root/selftests/"
mkdir -p "$root/lib/modules"
find "$obj" -name '*.ko' -exec cp {} "$root/lib/modules/" \;

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "  INITRD  $(basename "$out") $(du -h "$out" | cut -f1)"

# The first kernel of an instance boot carries what it starts: the same
# kernel and this initramfs.
host=${out%.cpio.gz}-host.cpio.gz
mkdir -p "$root/boot"
cp "$obj/arch/x86/boot/bzImage" "$root/boot/bzImage"
cp "$out" "$root/boot/instance.cpio.gz"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$host.tmp"
mv "$host.tmp" "$host"
echo "  INITRD  $(basename "$host") $(du -h "$host" | cut -f1)"
