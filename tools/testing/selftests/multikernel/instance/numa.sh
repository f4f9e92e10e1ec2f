#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Instances on a host with two NUMA nodes, each with a CMA area of
# mk_instance_cma= (a size for all is spread over the nodes).
#
# - An instance given node 1's CPUs and only a size gets node 1's memory,
#   one on a CPU of node 0 gets node 0's: instances/<id>/node and the
#   area's free bytes say so, and the first answers ping over mknet0.
#   region_node and the link's debugfs area name the node its rings are
#   on.
# - <size>@node<N> (mkctl --node) takes node N's memory whatever the
#   CPUs; a node with no area, or none at all, is refused with the reason.
# - With node 1's area full, a size alone falls back to node 0 and says
#   so; @node1 then fails to start and takes nothing.
# Skips unless two nodes each have an area and a CPU other than CPU 0.
. "$(dirname "$0")/lib.sh"

MK=/sys/kernel/multikernel
NODES=/sys/devices/system/node
[ -d $NODES/node1 ] || { echo "SKIP: one NUMA node"; exit 4; }
# "<node> <base> <bytes> <free>" per area; field $2 of node $1's line.
area_of() { awk -v n="$1" '$1 == n' $MK/instance_cma_nodes; }
area_field() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' $MK/instance_cma_nodes; }
[ -n "$(area_of 0)" ] && [ -n "$(area_of 1)" ] ||
	{ echo "SKIP: no CMA area on both nodes: $(cat $MK/instance_cma_nodes 2>/dev/null)"; exit 4; }
# A CPU of each node, not CPU 0, read while all CPUs are online.
cpu0=$(cpu_list "$(cat $NODES/node0/cpulist)" | grep -vx 0 | head -1)
cpu1=$(cpu_list "$(cat $NODES/node1/cpulist)" | head -1)
cpu1b=$(cpu_list "$(cat $NODES/node1/cpulist)" | sed -n 2p)
[ -n "$cpu0" ] && [ -n "$cpu1" ] && [ -n "$cpu1b" ] ||
	{ echo "SKIP: needs a CPU other than 0 on node 0 and two on node 1"; exit 4; }
mkctl_ready
echo "node 0: CPUs $(cat $NODES/node0/cpulist), area $(area_of 0)"
echo "node 1: CPUs $(cat $NODES/node1/cpulist), area $(area_of 1)"

# Instance $1's memory lies inside node $2's area, and its node file
# says $2.
on_node() {	# id, node
	_m=$(cat $MK/instances/$1/memory)
	_b=$((${_m#*@}))
	_s=$((${_m%@*}))
	_ab=$(($(area_field "$2" 2)))
	_as=$(($(area_field "$2" 3)))
	[ "$(cat $MK/instances/$1/node)" = "$2" ] ||
		fail "instance $1 in $_m: its node file says $(cat $MK/instances/$1/node), not $2"
	[ $_b -ge $_ab ] && [ $((_b + _s)) -le $((_ab + _as)) ] ||
		fail "instance $1's memory $_m is not inside node $2's area $(area_of "$2")"
	echo "instance $1 in $_m: node $2"
}
free_on() { echo $(($(area_field "$1" 4))); }
stop_all() {
	for _i in "$@"; do
		mkctl stop "$_i" >/dev/null || fail "mkctl stop $_i"
	done
}

# By default, the node of the instance's CPUs.
mkctl start --id 1 --cpus "$cpu1" --memory 256M $K --cmdline "$CMDLINE" >/dev/null ||
	fail "mkctl start on CPU $cpu1 of node 1"
on_node 1 1
mkctl start --id 2 --cpus "$cpu0" --memory 256M --no-wait $K --cmdline "$CMDLINE" >/dev/null ||
	fail "mkctl start on CPU $cpu0 of node 0"
on_node 2 0
mknet0_up "instance 1 on node 1"
# Every link's rings are in the region, on the node it lies on.
rnode=$(cat $MK/region_node)
link=$($ETHTOOL -i mknet0 | sed -n 's/^bus-info: mk[0-9]*:\([0-9]*\)-.*/\1/p')
area=$(cat /sys/kernel/debug/mknet/link$link/area)
echo "region on node $rnode; mknet0: $(echo "$area" | head -1)"
echo "$area" | grep -qx "ours region [0-9]* node $rnode" ||
	fail "mknet0's area does not name node $rnode of the region: $area"
stop_all 1 2
online_cpus "$cpu0,$cpu1"

# Asked for, node 0's memory for CPUs of node 1.
mkctl start --id 1 --cpus "$cpu1" --memory 128M --node 0 --no-wait $K \
	--cmdline "$CMDLINE" >/dev/null || fail "mkctl start --node 0 on CPU $cpu1"
on_node 1 0
stop_all 1
online_cpus "$cpu1"
[ "$(cat $d/memory)" = 0x8000000@node0 ] ||
	fail "instance 1's memory reads $(cat $d/memory), not 0x8000000@node0, once given back"
refused "64M@node7, a node with no area" sh -c "echo 64M@node7 > $d/memory"
dmesg | tail -5 | grep -q "no CMA area for instances on node 7" ||
	fail "no message naming node 7"
out=$(mkctl start --id 1 --cpus "$cpu1" --memory 64M --node 9 $K 2>&1) &&
	fail "mkctl --node 9 accepted"
echo "$out" | grep -q "no such NUMA node" || fail "mkctl --node 9 said '$out'"
echo "refused: $out"

# Node 1's area full: a size alone comes from node 0, and says so.
full=$(free_on 1)
mkctl start --id 1 --cpus "$cpu1" --memory "$full" --no-wait $K \
	--cmdline "$CMDLINE" >/dev/null || fail "mkctl start with all of node 1's area"
on_node 1 1
mkctl start --id 2 --cpus "$cpu1b" --memory 64M --no-wait $K \
	--cmdline "$CMDLINE" >/dev/null || fail "mkctl start with node 1's area full"
on_node 2 0
dmesg | grep "instance 2: not on node 1 of its CPUs" | tail -1 | grep -q . ||
	fail "no message for instance 2 placed off its CPUs' node"
mkctl stop 2 --keep-cpus >/dev/null || fail "mkctl stop 2"
echo 64M@node1 > ${d%/1}/2/memory || fail "64M@node1 for instance 2"
before=$(free_on 0)
refused "starting instance 2 with @node1 while node 1's area is full" \
	sh -c "echo start > ${d%/1}/2/control"
dmesg | tail -5 | grep -q "instance 2: no 64 MiB in one piece in the CMA area of node 1" ||
	fail "the failed start did not say what node 1's area has: $(dmesg | tail -2)"
[ "$(free_on 0)" = "$before" ] || fail "a failed start took memory of node 0"
stop_all 1
online_cpus "$cpu1,$cpu1b"
[ "$(free_on 1)" = "$full" ] || fail "node 1's area: $(free_on 1) bytes free after stop, not $full"
for _m in $MK/instances/*/memory; do
	echo none > "$_m" 2>/dev/null
done
echo "node 1's area full: a size alone went to node 0, @node1 refused at start"
