#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: one boot of the plain (non-debug) kernel, veth and mknet
# measured side by side; prints a table and writes it to build/bench.txt.
set -euo pipefail
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$(dirname "$out")"
log=$(dirname "$out")/bench-console.log

echo "  BOOT    bench kernel, QEMU q35 TCG, 2 CPUs (console in $log)"
bash "$here/qemu.sh" "$kernel" "$initrd" "$log" 900 "kunit.enable=0 mkplan=bench"
grep -q "mkplan: done" "$log" || { echo "bench did not finish"; tail -20 "$log"; exit 1; }

{
	echo "mknet vs veth, $(date -u +%Y-%m-%d), $(nproc)-core host:" \
	     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "guest: QEMU $(qemu-system-x86_64 --version | head -1 | awk '{ print $4 }')" \
	     "q35 TCG, 2 vCPUs, 1 GiB, kernel $(strings "$kernel" | grep -m1 -o '^6\.12\.[0-9]*')" \
	     "without debug options"
	echo
	awk '/^mkbench: / { v[$2 " " $3] = $4; m[$3] = 1 }
	END {
		n = split("tcp1_mbps tcp4_mbps udp64_pps rtt_avg_us ipi_per_1000_pkts tcp1_retr tcp4_retr", order, " ")
		printf "%-18s %9s %9s %7s %12s %7s\n", "metric", "veth", "mknet",
		       "ratio", "mknet-defer", "ratio"
		for (i = 1; i <= n; i++) {
			k = order[i]
			a = v["veth " k]; b = v["mknet " k]; c = v["mknet-defer " k]
			r = (a + 0 > 0) ? sprintf("%.2f", b / a) : "-"
			q = (a + 0 > 0) ? sprintf("%.2f", c / a) : "-"
			if (k == "ipi_per_1000_pkts") { a = "-"; r = "-"; q = "-" }
			if (k ~ /_retr$/) { r = "-"; q = "-" }
			printf "%-18s %9s %9s %7s %12s %7s\n", k, a, b, r, c, q
		}
	}' <(tr -d '\r' < "$log")
	echo
	echo "ratio: against veth (for rtt lower is better).  mknet-defer: the same"
	echo "pair with napi_defer_hard_irqs=20 and gro_flush_timeout=100000 on both"
	echo "ends.  IPIs: the MKI line of /proc/interrupts per 1000 packets through"
	echo "the device (TSO super-frames count once).  retr: TCP retransmits iperf3"
	echo "counted on the sender."
} | tee "$out"
