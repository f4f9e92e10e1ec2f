#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Shared by the guest sides of `make bench` and `make profile`: the tools,
# and a veth or mknet pair with each end in a namespace of its own.
IP=/opt/mknet/bin/ip
IPERF=/opt/mknet/bin/iperf3
ETHTOOL=/opt/mknet/bin/ethtool

pair() {	# kind nsA nsB addrA addrB
	$IP netns add $2
	$IP netns add $3
	if [ "$1" = veth ]; then
		$IP link add ${1}a type veth peer name ${1}b
	else
		before=$(ls /sys/class/net)
		$IP link add ${1}a type mknet
		for d in $(ls /sys/class/net); do
			echo "$before" | grep -qx "$d" || [ "$d" = ${1}a ] || $IP link set "$d" name ${1}b
		done
	fi
	$IP link set ${1}a netns $2
	$IP link set ${1}b netns $3
	$IP -n $2 addr add $4/24 dev ${1}a
	$IP -n $3 addr add $5/24 dev ${1}b
	$IP -n $2 link set lo up
	$IP -n $3 link set lo up
	$IP -n $2 link set ${1}a up
	$IP -n $3 link set ${1}b up
	sleep 2
}
