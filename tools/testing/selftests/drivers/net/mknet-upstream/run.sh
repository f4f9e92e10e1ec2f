#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Upstream's generic NIC tests (../ping.py, stats.py, queues.py), unchanged,
# on an mknet pair and then on a veth pair in the same boot.  The tested
# end stays in this namespace, its peer goes to a namespace of its own,
# and the tests are told so as NetDrvEpEnv expects from a user: NETIF, the
# addresses, REMOTE_TYPE=netns and REMOTE_ARGS.
#
# Every test case's line is printed for each device, then a table of both.
# Fails when a case fails on mknet (saying whether it passes on veth,
# which tells a driver bug from a test environment one); skips when no
# case passed on mknet, so that a run where everything skipped is not
# green.  Skipped cases are counted apart, with the reason the test gives.
here=$(cd "$(dirname "$0")" && pwd)
tests=${MKUP_TESTS:-ping stats queues}
# The real ip, ethtool, ping (the tests give -W0.5, which busybox's ping
# refuses), socat, bash and python3: the harness's before busybox's.
export PATH=/opt/mknet/bin:/usr/bin:$PATH
IP=${IP:-ip}
ns=mkup-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
# Documentation prefixes, as NetDrvEpEnv's own netdevsim setup uses.
V4L=192.0.2.1 V4R=192.0.2.2 V6L=2001:db8::1 V6R=2001:db8::2

[ -x /usr/bin/python3 ] || { echo "SKIP: no python3 in this initramfs"; exit 4; }
[ -d /sys/module/mknet ] || { echo "SKIP: mknet is not loaded"; exit 4; }
case $(cat /sys/kernel/multikernel/region 2>/dev/null) in
""|off)	echo "SKIP: no multikernel shared region (mk_shared_memory=), no mknet pair"
	exit 4 ;;
esac

# busybox's sh runs its own applets before anything in PATH, and the tests
# run their commands with /bin/sh -c: "ip --json" would reach busybox's ip.
# So in a mount namespace of our own, /bin is a copy whose sh is bash, and
# this script starts again there; the rest of the system keeps busybox.
if [ -z "$MKUP_BIN" ]; then
	MKUP_BIN=$(mktemp -d) || exit 1
	export MKUP_BIN
	exec unshare -m "$0" "$@"
fi
mkdir -p "$MKUP_BIN"
cp -a /bin/. "$MKUP_BIN/"
ln -sf /usr/bin/bash "$MKUP_BIN/sh"
mount --bind "$MKUP_BIN" /bin
work=$(mktemp -d) || exit 1
res=$work/results
trap 'rm -rf "$work"; umount /bin && rm -rf "$MKUP_BIN"' EXIT
trap 'exit 1' HUP INT TERM

cleanup() {
	$IP link del "$dev" 2>/dev/null
	if [ -e "/run/netns/$ns" ]; then
		$IP netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		$IP netns del "$ns"
	fi
	dev=
}

up_and_ping() {	# local device, peer's name in the namespace
	$IP addr add $V4L/24 dev "$1"
	$IP addr add $V6L/64 dev "$1" nodad
	$IP -n "$ns" addr add $V4R/24 dev "$2"
	$IP -n "$ns" addr add $V6R/64 dev "$2" nodad
	$IP -n "$ns" link set lo up
	$IP -n "$ns" link set "$2" up
	$IP link set "$1" up
	# The carrier, then one ping each way: the neighbours are known
	# before the tests' own pings, which wait only half a second.
	i=0
	until [ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ] &&
	      ping -c 1 -W 1 $V4R >/dev/null 2>&1 &&
	      ping -c 1 -W 1 $V6R >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 20 ] || { echo "$1: no carrier or no ping to the peer"; return 1; }
		sleep 0.5
	done
	$IP netns exec "$ns" ping -c 1 -W 2 $V4L >/dev/null
	$IP netns exec "$ns" ping -c 1 -W 2 $V6L >/dev/null
	return 0
}

# mknet: `ip link add` makes both ends; the one we did not name is the
# peer.
setup_mknet() {
	before=$(ls /sys/class/net)
	$IP link add mkup0 type mknet || return 1
	dev=mkup0
	peer=
	for d in $(ls /sys/class/net); do
		echo "$before" | grep -qx "$d" || [ "$d" = mkup0 ] || peer=$d
	done
	[ -n "$peer" ] || { echo "no mknet peer appeared"; return 1; }
	$IP netns add "$ns"
	$IP link set "$peer" netns "$ns"
	$IP -n "$ns" link set "$peer" name mkup1
	up_and_ping mkup0 mkup1
}

# veth with four queues a side, so that queues.py can take one away.
setup_veth() {
	$IP netns add "$ns"
	$IP link add vup0 numtxqueues 4 numrxqueues 4 type veth \
		peer name vup1 numtxqueues 4 numrxqueues 4 netns "$ns" || return 1
	dev=vup0
	up_and_ping vup0 vup1
}

# Run one upstream test against $dev; keep "DEVICE CASE RESULT REASON"
# lines for the table.
run_test() {	# device kind, test
	out=$work/$1-$2.out
	NETIF=$dev LOCAL_V4=$V4L REMOTE_V4=$V4R LOCAL_V6=$V6L REMOTE_V6=$V6R \
		REMOTE_TYPE=netns REMOTE_ARGS=$ns PYTHONUNBUFFERED=1 \
		timeout -s ${MKUP_TIMEOUT_SIG:-TERM} ${MKUP_TIMEOUT:-90} python3 "$here/../$2.py" > "$out" 2>&1
	rc=$?
	sed "s/^/[$1] /" "$out"
	# ok 1 ping.test_v4 # SKIP reason  /  not ok 2 stats.check_down
	sed -n 's/^\(not ok\|ok\) [0-9]* \([^ ]*\)\( # \)\{0,1\}\(.*\)$/\2|\1|\4/p' "$out" |
		while IFS='|' read -r case verdict why; do
			case "$verdict:$why" in
			"ok:SKIP"*) v=skip ;;
			# stats.py's, for pause and FEC counters the device
			# does not have: nothing was checked, a skip.
			"ok:XFAIL"*) v=xfail ;;
			ok:*) v=ok ;;
			*) v=FAIL ;;
			esac
			echo "$1 $case $v ${why#* }" >> "$res"
		done
	# A test that died before or between its cases fails as a whole.
	if [ $rc -ne 0 ] && ! grep -q "^not ok" "$out"; then
		echo "$1 $2 FAIL exit $rc" >> "$res"
	fi
}

: > "$res"
for kind in ${MKUP_KINDS:-mknet veth}; do
	echo "== $kind"
	if setup_$kind; then
		for t in $tests; do
			run_test $kind $t
		done
	else
		echo "$kind - FAIL setup" >> "$res"
	fi
	cleanup
done

echo "== upstream drivers/net tests: mknet | veth"
rc=0 passed=0 skipped=0
for c in $(cut -d' ' -f2 "$res" | awk '!seen[$0]++'); do
	m=$(awk -v c="$c" '$1 == "mknet" && $2 == c { $1 = $2 = ""; print substr($0, 3) }' "$res")
	v=$(awk -v c="$c" '$1 == "veth" && $2 == c { $1 = $2 = ""; print substr($0, 3) }' "$res")
	printf '%-28s %-36s | %s\n' "$c" "${m:-not run}" "${v:-not run}"
	case "$m" in
	FAIL*|"") rc=1 ;;
	ok*) passed=$((passed + 1)) ;;
	*) skipped=$((skipped + 1)) ;;
	esac
done
echo "mknet: $passed passed, $skipped skipped (SKIP or XFAIL)"
if [ $rc -ne 0 ]; then
	echo "a case fails on mknet (a driver bug if it passes on veth)"
elif [ $passed -eq 0 ]; then
	echo "SKIP: no upstream case passed on mknet, $skipped skipped"
	exit 4
fi
exit $rc
