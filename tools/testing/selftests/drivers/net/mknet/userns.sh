#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Root in a user namespace must not create mknet pairs: their link ids
# and rings come from what the whole kernel, and its links to other
# instances, share.
. "$(dirname "$0")/lib.sh"
cleanup

if unshare -Urn $IP link add mku0 type mknet 2>"$TMP_DIR/userns.err"; then
	fail "root in a user namespace created an mknet pair"
fi
# iproute2 shows the driver's extack message in place of strerror(EPERM).
grep -qE "Operation not permitted|CAP_NET_ADMIN" "$TMP_DIR/userns.err" ||
	fail "refused, but not for want of CAP_NET_ADMIN: $(cat "$TMP_DIR/userns.err")"
echo "user namespace: $(head -1 "$TMP_DIR/userns.err")"
# The real root still can.
setup_pair
ina ping -c 2 -W 2 $B4 >/dev/null || fail "ping over a pair made by root"
cleanup
