#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack linux-source-6.12, apply patches/ and lay the overlay's files in.
#
# The tree is unpacked again only when the patch series changes; overlay
# files are copied by checksum, so an edit to one file leaves every other
# timestamp alone and the rebuild stays incremental.
set -euo pipefail
tar_file=$1
src=$2
top=$(cd "$(dirname "$0")/.." && pwd)

series_sum=$(cat "$top"/patches/*.patch 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -f "$src/.mk-series" ] || [ "$(cat "$src/.mk-series")" != "$series_sum" ]; then
	echo "  UNPACK  $(basename "$tar_file")"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xf "$tar_file" -C "$src.tmp" --strip-components=1
	for p in "$top"/patches/*.patch; do
		[ -e "$p" ] || continue
		echo "  PATCH   $(basename "$p")"
		patch -d "$src.tmp" -p1 -s -F2 --no-backup-if-mismatch < "$p"
	done
	echo "$series_sum" > "$src.tmp/.mk-series"
	mv "$src.tmp" "$src"
fi

cd "$top"
rsync -rc --exclude='*.o' --exclude='*.cmd' \
	kernel include arch drivers Documentation tools "$src"/ 2>/dev/null ||
	rsync -rc kernel include arch "$src"/
# An overlay file is a new file of the tree (edits of upstream's are
# patches): one gone from the overlay goes from the tree too, or a test
# or source file deleted here would still be built and run.
find kernel include arch drivers Documentation tools -type f | sort > "$src/.mk-overlay.new"
if [ -f "$src/.mk-overlay" ]; then
	comm -23 "$src/.mk-overlay" "$src/.mk-overlay.new" | while IFS= read -r f; do
		echo "  RM      $f"
		rm -f "$src/$f"
	done
fi
mv "$src/.mk-overlay.new" "$src/.mk-overlay"
echo "  TREE    $(make -s -C "$src" kernelversion) with $(ls patches/*.patch | wc -l) patches"
