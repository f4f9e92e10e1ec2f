#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Shared by the multikernel selftests that run in one kernel: where the
# framework shows itself, and the skip of a kernel that has no region.
mk=/sys/kernel/multikernel
# shellcheck disable=SC2034 # for the tests that send messages with it
scribble=/sys/kernel/debug/multikernel/scribble

fail() { echo "FAIL: $*"; exit 1; }

# Skip (kselftest's 4) without a region: a kernel booted without
# mk_shared_memory= has nothing to test here (region.sh fails if it was
# given and the region is off).
require_region() {
	case $(cat $mk/region 2>/dev/null) in
	""|off)
		echo "SKIP: no multikernel shared region (mk_shared_memory=)"
		exit 4 ;;
	esac
}
