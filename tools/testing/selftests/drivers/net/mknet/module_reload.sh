#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Unload the driver while TCP traffic flows, load it again, and the link
# works again.  kmemleak is scanned after all tests.
. "$(dirname "$0")/lib.sh"
grep -q "^mknet " /proc/modules || { echo "mknet is built in"; exit 4; }
setup_pair

inb $IPERF -s -1 -D -B $B4 >/dev/null
sleep 1
ina $IPERF -c $B4 -t 30 >/dev/null 2>&1 &
client=$!
sleep 3
rmmod mknet || fail "rmmod under traffic"
kill $client 2>/dev/null
wait
ina $IP link show mka0 >/dev/null 2>&1 && fail "device survived rmmod"
insmod /lib/modules/mknet.ko || fail "insmod"
setup_pair
ina ping -c 3 -W 2 $B4 >/dev/null || fail "ping after reload"
echo "unloaded under traffic, reloaded, link works"
cleanup
