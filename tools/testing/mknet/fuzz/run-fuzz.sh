#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the peer-state fuzzer with libFuzzer, ASan and UBSan, replay the
# saved corpus, then fuzz for $1 seconds.  Writes a log the test parser
# reads: one result line and the end-of-plan marker.
set -uo pipefail
secs=$1 log=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
mkdir -p "$(dirname "$log")"
bin=$(dirname "$log")/fuzz_peer
work=$(dirname "$log")/fuzz-corpus

clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Wno-c2x-extensions \
	-I "$here/include" -I "$top/include" -include stdbool.h \
	"$here/fuzz_peer.c" "$top/kernel/multikernel/layout.c" -o "$bin" \
	>"$log" 2>&1 || { echo "mkselftest: not ok fuzz/build"; cat "$log"; exit 1; }
mkdir -p "$work"
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	"$work" "$here/corpus" >>"$log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	echo "mkselftest: ok fuzz/peer-state $(grep -o 'Done [0-9]* runs' "$log" | tail -1)" >>"$log"
else
	echo "mkselftest: not ok fuzz/peer-state (exit $rc)" >>"$log"
fi
echo "mkplan: done" >>"$log"
grep "mkselftest:" "$log"
