#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Print a QEMU that emulates x2APIC under TCG, or say on stderr why there
# is none and exit 1.  Debian 12's QEMU 7.2 cannot ("TCG doesn't support
# requested feature: CPUID.01H:ECX.x2apic"); 8.1 and later can.  Tried in
# order: $MK_QEMU_X2APIC, the qemu-system-x86_64 in PATH, and QEMU from
# bookworm-backports unpacked under DIR (default build/qemu-backports):
# fetched with apt into DIR alone, never installed, so the system's QEMU
# that every other boot uses stays as it is.
# usage: qemu-x2apic.sh [DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build/qemu-backports}
suite=bookworm-backports
wrapper=$dir/qemu-system-x86_64

can_x2apic() {	# qemu binary
	local v
	v=$("$1" --version 2>/dev/null | sed -n '1s/.*version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
	[ -n "$v" ] || return 1
	set -- $v
	[ "$1" -gt 8 ] || { [ "$1" -eq 8 ] && [ "$2" -ge 1 ]; }
}

if [ -n "${MK_QEMU_X2APIC:-}" ]; then
	can_x2apic "$MK_QEMU_X2APIC" || {
		echo "MK_QEMU_X2APIC=$MK_QEMU_X2APIC is not QEMU 8.1 or later" >&2
		exit 1
	}
	echo "$MK_QEMU_X2APIC"
	exit 0
fi
if command -v qemu-system-x86_64 >/dev/null && can_x2apic qemu-system-x86_64; then
	command -v qemu-system-x86_64
	exit 0
fi
if [ -x "$wrapper" ] && can_x2apic "$wrapper"; then
	echo "$wrapper"
	exit 0
fi

have=$(qemu-system-x86_64 --version 2>/dev/null | head -1 || echo "no QEMU")
rm -rf "$dir"
mkdir -p "$dir/apt/lists/partial" "$dir/apt/archives/partial" "$dir/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
	> "$dir/apt/sources.list"
apt=(timeout 300 apt-get -q -o "Dir::Etc::SourceList=$dir/apt/sources.list"
     -o Dir::Etc::SourceParts=/nonexistent -o "Dir::State::Lists=$dir/apt/lists"
     -o "Dir::Cache::Archives=$dir/apt/archives" -o Dir::Cache::pkgcache=
     -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
if ! "${apt[@]}" update > "$dir/apt/log" 2>&1 ||
   ! (cd "$dir/apt" && "${apt[@]}" download qemu-system-x86/$suite \
	qemu-system-data/$suite seabios/$suite >> log 2>&1); then
	echo "$have cannot emulate x2APIC under TCG, and QEMU from $suite could not be fetched: $(grep -E '^(E|Err):' "$dir/apt/log" | head -1)" >&2
	exit 1
fi
for deb in "$dir"/apt/*.deb; do
	dpkg-deb -x "$deb" "$dir/root"
done
# With its own firmware.  It still finds the system QEMU's display and
# audio modules, refuses them as another build's, and says so: no harm
# with -display none.
cat > "$wrapper" <<EOF
#!/bin/sh
exec $dir/root/usr/bin/qemu-system-x86_64 \\
	-L $dir/root/usr/share/seabios -L $dir/root/usr/share/qemu "\$@"
EOF
chmod +x "$wrapper"
can_x2apic "$wrapper" || {
	echo "QEMU unpacked from $suite into $dir does not run: $("$wrapper" --version 2>&1 | head -1)" >&2
	exit 1
}
echo "$wrapper"
