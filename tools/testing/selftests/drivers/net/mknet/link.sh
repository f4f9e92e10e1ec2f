#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Carrier follows both ends; ethtool reports the device and its geometry.
. "$(dirname "$0")/lib.sh"
setup_pair

inb $IP link set mkb0 down
wait_carrier a 0 || fail "carrier stayed up with the peer down"
inb $IP link set mkb0 up
wait_carrier a 1 || fail "carrier did not return with the peer up"
wait_carrier b 1 || fail "peer carrier did not return"

# Each end names the other as its link, as veth's do.
[ "$(ina cat /sys/class/net/mka0/iflink)" = "$(inb cat /sys/class/net/mkb0/ifindex)" ] &&
[ "$(inb cat /sys/class/net/mkb0/iflink)" = "$(ina cat /sys/class/net/mka0/ifindex)" ] ||
	fail "iflink does not name the other end"

drv=$(ina $ETHTOOL -i mka0 | awk '$1 == "driver:" { print $2 }')
[ "$drv" = mknet ] || fail "ethtool -i driver '$drv'"
ina $ETHTOOL -g mka0 | grep -q "^TX:.*256" || fail "ethtool -g"
cpus=$(nproc)
[ "$(channels a)" = $((cpus < 8 ? cpus : 8)) ] || fail "ethtool -l: $(channels a) channels on $cpus CPUs"
ina $ETHTOOL -S mka0 | grep -q rx0_doorbells_received || fail "ethtool -S"
echo "carrier follows the peer; ethtool -i/-g/-l/-S fine"
cleanup
