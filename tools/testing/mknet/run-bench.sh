#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: one boot of the plain (non-debug) kernel.  veth and mknet
# pairs side by side in that kernel, then mknet0 between it and a second
# kernel it starts on CPU 1; prints two tables and writes them to
# build/bench.txt.  Each figure is the median of the runs, with their range.
set -euo pipefail
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$(dirname "$out")"
log=$(dirname "$out")/bench-console.log
ilog=$(dirname "$out")/bench-instance.console
rm -f "$ilog"

# The kernel hands unknown name=value parameters to init as environment.
settings=
for v in MKBENCH_ONLY MKBENCH_RUNS MKBENCH_TIME; do
	[ -n "${!v:-}" ] && settings="$settings $v=${!v}"
done

# Under TCG the host's other work shows in every figure: say how busy it was.
load0=$(cut -d' ' -f1 /proc/loadavg)
echo "  BOOT    bench kernel, QEMU q35 TCG, 2 CPUs, 2 GiB (console in $log, instance 1 in $ilog)"
MK_MEM=2048 bash "$here/qemu.sh" "$kernel" "${initrd%.cpio.gz}-host.cpio.gz" "$log" 3600 \
	"kunit.enable=0 mkplan=bench mk_instance_memory=512M@0x40000000 $settings" \
	-serial "file:$ilog"
load1=$(cut -d' ' -f1 /proc/loadavg)

# "mkbench-column: <table> <column>" in the order of the columns;
# "mkbench: <table> <column> <metric> <value>" once per run.
tables() {
	awk '
	function fmt(x) { return (x >= 100 || x == int(x)) ? sprintf("%d", x + 0.5) : sprintf("%.1f", x) }
	function median(key,    n, a, i, j, t) {
		n = split(v[key], a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		lo[key] = a[1]; hi[key] = a[n]; cnt[key] = n
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function cell(key,    m) {
		if (v[key] == "")
			return "-"
		m = median(key)
		med[key] = m
		if (cnt[key] == 1)
			return fmt(m) " [1 run]"
		return fmt(m) " (" fmt(lo[key]) "-" fmt(hi[key]) ")" \
		       (cnt[key] < runs ? " [" cnt[key] " runs]" : "")
	}
	function table(t, title,    i, k, c, ref, row, w, n, line, r) {
		# A table none of whose columns ran (MKBENCH_ONLY) is left out.
		if (!ncol[t] || !ran[t])
			return
		print title
		n = split("tcp1_mbps tcp4_mbps udp64_pps xdp_drop_pps xdp_tx_pps rtt_avg_us " \
			  "pp_p50_us pp_p99_us pp_p999_us ul_p50_us ul_p99_us ul_p999_us " \
			  "ipi_per_1000_pkts ipi_per_mb ipi_per_ping ipi_per_pp tcp1_retr tcp4_retr", order, " ")
		# Cells first, then the width of each column.
		head[0] = "metric"
		for (c = 1; c <= ncol[t]; c++) {
			h = col[t, c]; gsub("/", " ", h)
			head[2 * c - 1] = h
			head[2 * c] = "ratio"
		}
		for (i = 1; i <= n; i++) {
			k = order[i]
			cells[i, 0] = k
			ref = t " " col[t, 1] " " k
			for (c = 1; c <= ncol[t]; c++) {
				key = t " " col[t, c] " " k
				cells[i, 2 * c - 1] = cell(key)
				r = "-"
				if (c > 1 && v[ref] != "" && v[key] != "" && med[ref] > 0 &&
				    k !~ /_retr$/ && k !~ /^ipi/)
					r = sprintf("%.2f", med[key] / med[ref])
				cells[i, 2 * c] = r
			}
		}
		last = 2 * ncol[t]
		for (c = 0; c <= last; c++) {
			w[c] = length(head[c])
			for (i = 1; i <= n; i++)
				if (length(cells[i, c]) > w[c])
					w[c] = length(cells[i, c])
		}
		line = sprintf("%-" w[0] "s", head[0])
		for (c = 1; c <= last; c++)
			if (c != 2)
				line = line sprintf("  %" w[c] "s", head[c])
		print line
		for (i = 1; i <= n; i++) {
			# A metric no column of this table has is left out.
			for (c = 1; c <= ncol[t] && cells[i, 2 * c - 1] == "-"; c++)
				;
			if (c > ncol[t])
				continue
			line = sprintf("%-" w[0] "s", cells[i, 0])
			for (c = 1; c <= last; c++)
				if (c != 2)
					line = line sprintf("  %" w[c] "s", cells[i, c])
			print line
		}
		print ""
	}
	$1 == "mkbench-column:" { col[$2, ++ncol[$2]] = $3 }
	$1 == "mkbench-settings:" && !seen[$0]++ { set = set "\n" $0 }
	$1 == "mkbench:" && NF == 5 && $5 ~ /^[0-9.]+$/ {
		v[$2 " " $3 " " $4] = v[$2 " " $3 " " $4] " " $5
		ran[$2] = 1
	}
	END {
		table("pair", "Pairs in one kernel, each end in a namespace of its own:")
		table("xdp", "XDP on the pairs, packets per second by the drivers\x27 counters:")
		table("link", "Between two kernels over mknet0 (host on CPU 0, instance 1 on CPU 1);" \
		      "\nveth-ref: a veth pair before, both CPUs in the host, client on CPU 0, server on CPU 1:")
		if (set != "") {
			gsub("\nmkbench-settings: ", "\n  ", set)
			print "Settings of mknet columns, on both ends (DEV: the device; a" \
			      "\ncolumn shows \"-\" where the driver refuses them):" set
			print ""
		}
	}' runs="${MKBENCH_RUNS:-3}" <(tr -d '\r' < "$log")
}

report() {
	echo "mknet vs veth, $(date -u +%Y-%m-%d), $(nproc)-core host:" \
	     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "guest: QEMU $(qemu-system-x86_64 --version | head -1 | awk '{ print $4 }')" \
	     "q35 TCG, 2 vCPUs, 2 GiB (512 MiB of it for instance 1)," \
	     "kernel $(strings "$kernel" | grep -m1 -o '^6\.12\.[0-9]*') without debug options"
	echo "host load average (1 min) $load0 before the boot, $load1 after it"
	echo
	tables
	cat <<-EOF
	Each figure: the median of ${MKBENCH_RUNS:-3} runs in one boot (min-max), the columns of
	a table taking turns run by run; iperf3 runs of ${MKBENCH_TIME:-5} s, ping 200 x 10 ms
	(rtt_avg_us, and ipi_per_ping: IPIs per round trip), sockperf UDP runs of
	${MKBENCH_TIME:-5} s: pp, ping-pong; ul, under-load at 10000 messages/s; pNN_us,
	percentiles of half a round trip.  -busy columns: net.core.busy_read and
	busy_poll 1000 us on both ends, and on mknet devices napi_defer_hard_irqs
	1000000 and gro_flush_timeout 1 ms; no ping (raw sockets do not busy-poll).
	-lean columns: no qdisc and no GRO on either end; round trips only.
	ratio: against the first column (for rtt lower is better).  Pairs: each
	column is a pair of its own, nothing pinned.  Between kernels: h->i, the
	host sends (iperf3 client, ping); i->h, instance 1 sends (iperf3 -R, ping
	from instance 1); a column's settings stay for the columns after it.
	The reference runs before instance 1 starts: CPU 1 cannot be in both.
	IPIs per 1000 packets through the host's device (TSO super-frames count
	once): pairs, the MKI line of /proc/interrupts (both ends are here);
	between kernels, the host's MKI line plus the IPIs it sent to instance 1,
	ipis_sent and bells_rung in /sys/kernel/multikernel/instances/1/;
	ipi_per_mb, the same IPIs of the tcp1 run per megabyte it moved.
	retr: TCP retransmits iperf3 counted on the sender.
	XDP: xdp_drop_pps, b's program dropping an iperf3 UDP flood of 64-byte
	datagrams from a (the sender's stack bounds it); xdp_tx_pps, frames sent
	back by XDP_TX on both ends together, 100 pings bouncing between them.
	EOF
}

if ! grep -q "mkplan: done" "$log" || ! grep -q "mkbench: end" "$log"; then
	echo "bench did not finish; what it measured:"
	tables
	tail -20 "$log"
	exit 1
fi
report | tee "$out"
