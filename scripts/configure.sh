#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Configure an object directory: tinyconfig plus our fragments.  Done only
# when a fragment changed, so editing a source file never reconfigures.
set -euo pipefail
src=$1
obj=$2
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)

frags=()
for f in "$@"; do frags+=("$top/$f"); done
sum=$(cat "${frags[@]}" | sha256sum | cut -c1-16)
if [ -f "$obj/.config" ] && [ "$(cat "$obj/.mk-fragments" 2>/dev/null)" = "$sum" ]; then
	touch "$obj/.config"
	exit 0
fi

echo "  CONFIG  $(basename "$obj"): tinyconfig + $*"
mkdir -p "$obj"
make -s -C "$src" O="$obj" tinyconfig >/dev/null
"$src"/scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" "${frags[@]}" >/dev/null
make -s -C "$src" O="$obj" olddefconfig >/dev/null

# A fragment option that did not stick is a configuration bug: say so.
bad=0
for f in "${frags[@]}"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n) opt=${line%%=*}
			grep -q "^$opt=" "$obj/.config" && { echo "  CONFIG  $opt is set, wanted off"; bad=1; } ;;
		CONFIG_*=*) grep -qx "$line" "$obj/.config" || { echo "  CONFIG  $line did not stick"; bad=1; } ;;
		esac
	done < "$f"
done
[ $bad -eq 0 ] || echo "  CONFIG  warning: some fragment options were not applied"
echo "$sum" > "$obj/.mk-fragments"
