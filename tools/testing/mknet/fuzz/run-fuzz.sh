#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the peer-state fuzzer with libFuzzer, ASan and UBSan, then fuzz
# each target alone for its share of $1 seconds, from the saved inputs
# that pick it: sharing one run, the slowest target took nearly all of
# it.  Writes a log the test parser reads: one result line per target,
# with its runs, and the end-of-plan marker.  MK_FUZZ_MIN_RUNS overrides
# the floor of runs each target must reach.
set -uo pipefail
secs=$1 log=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
mkdir -p "$(dirname "$log")"
dir=$(dirname "$log")
bin=$dir/fuzz_peer
work=$dir/fuzz-corpus
seeds=$dir/fuzz-seeds

clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Wno-c2x-extensions \
	-I "$here/include" -I "$top/include" -include stdbool.h \
	"$here/fuzz_peer.c" "$top/kernel/multikernel/layout.c" -o "$bin" \
	>"$log" 2>&1 || { echo "mkselftest: not ok fuzz/build"; cat "$log"; exit 1; }
# Name and share of the time of each target, in the order of the
# selector byte.
names=() shares=() total=0
while read -r t w; do
	names+=("$t") shares+=("$w") total=$((total + w))
done < <(MK_FUZZ_TARGET=list "$bin")
n=${#names[@]}
[ "$n" -gt 0 ] || { echo "mkselftest: not ok fuzz/list" | tee -a "$log"; exit 1; }

# A saved input belongs to the target its first byte picks.
rm -rf "$seeds"
for t in "${names[@]}"; do
	mkdir -p "$seeds/$t" "$work/$t"
done
for f in "$here"/corpus/*; do
	b=$(od -An -tu1 -N1 "$f")
	cp "$f" "$seeds/${names[$(( ${b:-0} % n ))]}/"
done

# Each target must keep its pace: at least 300 000 runs in its share of
# 30 s, in proportion for other times; fewer fails it, as a crash would.
# (One slow target once cut its runs a thousandfold unnoticed.)  A quiet
# two-core machine makes 0.9 to 1.9 million, one shared with other work
# half that: the floor is for a target that got ten times slower, not
# for the machine.
floor=${MK_FUZZ_MIN_RUNS:-$(( secs * 10000 ))}

# The checks allocate nothing: the quarantine that catches a use after
# free, and the stack of each allocation, only slow down libFuzzer's own
# copy of every input: with them, half the runs.
export ASAN_OPTIONS=malloc_context_size=0:quarantine_size_mb=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
for i in "${!names[@]}"; do
	t=${names[$i]}
	# libFuzzer stops only once a whole second past -max_total_time.
	s=$(( secs * shares[i] / total ))
	[ "$s" -ge 2 ] || s=2
	out=$dir/fuzz-$t.out
	echo "mkfuzz: target $t for ${s}s" >>"$log"
	MK_FUZZ_TARGET=$t "$bin" -max_total_time=$((s - 1)) -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/crash-$t-" \
		"$work/$t" "$seeds/$t" >"$out" 2>&1
	rc=$?
	cat "$out" >>"$log"
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
	rm -f "$out"
	if [ $rc -eq 0 ] && [ "${runs:-0}" -lt "$floor" ]; then
		echo "mkselftest: not ok fuzz/$t ${runs:-0} runs in ${s}s," \
			"below the floor of $floor" >>"$log"
	elif [ $rc -eq 0 ]; then
		echo "mkselftest: ok fuzz/$t ${runs:-0} runs in ${s}s" >>"$log"
	else
		echo "mkselftest: not ok fuzz/$t (exit $rc after ${runs:-?} runs;" \
			"replay: MK_FUZZ_TARGET=$t $bin $dir/crash-$t-*)" >>"$log"
	fi
done
echo "mkplan: done" >>"$log"
grep "mkselftest:" "$log"
