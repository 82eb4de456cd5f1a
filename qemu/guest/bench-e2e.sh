# Sourced by the case 8 benchmark guest after netdev.sh: the same traffic
# through whichever driver ($DRIVER) owns the two NICs, printed as
# "NBPOOL-BENCH <case> <driver> <value>" lines for bench-report.py.
# Under -icount shift=0 one guest nanosecond is one guest instruction, so
# busy time (uptime minus idle time, one vCPU) is instructions executed.

# busy_ns: nanoseconds this (single) vCPU has not been idle since boot.
busy_ns() { awk '{printf "%.0f\n", ($1 - $2) * 1e9}' /proc/uptime; }

# irqs: interrupts both NICs raised so far (their MSI-X vectors, named
# after the PCI device in /proc/interrupts, whichever driver owns them).
irqs() { awk '/0000:0[12]:00\.0/ {s += $2} END {print s + 0}' /proc/interrupts; }

# ethstat_once NS DEV TOTAL PERQUEUE: one of a driver's ethtool -S counters,
# counted once. A driver prints totals (names matching the awk regex
# TOTAL), per-queue counters (PERQUEUE) or both: virtio_net on 6.1 only
# rx_queue_0_kicks, from 6.10 rx_kicks and rx0_kicks, which summed together
# counted every doorbell twice. The totals if there are any, else the sum
# over the queues.
ethstat_once() {
	$1 /usr/local/sbin/ethtool -S $2 | awk -v t="$3" -v q="$4" '
		{ sub(/:$/, "", $1) }
		$1 ~ t { tot += $2; has = 1 }
		$1 ~ q { per += $2 }
		END { print has ? tot : per + 0 }'
}

# kicks: doorbells both drivers rang so far (ours: rx_kicks, tx_kicks).
kicks() {
	k='^(rx|tx)_kicks$' kq='^(rx|tx)(_queue_)?[0-9]+_kicks$'
	echo $(( $(ethstat_once "" eth0 "$k" "$kq") + $(ethstat_once "$PEER" eth1 "$k" "$kq") ))
}

# mark: the counters report() takes its differences from.
mark() { i0=$(irqs) k0=$(kicks); b0=$(busy_ns) u0=$(up_ns); }

# report CASE FRAMES BUSY_NS WALL_NS BYTES: per-frame instructions,
# interrupts and doorbells (both NICs, since mark), frames/s and Gbit/s of
# payload.
report() {
	echo "NBPOOL-BENCH e2e_$1_insn_per_frame $DRIVER $(( $3 / $2 ))"
	echo "NBPOOL-BENCH e2e_$1_irqs_per_frame $DRIVER $(awk -v n=$(( $(irqs) - i0 )) -v f=$2 'BEGIN {printf "%.4f", n / f}')"
	echo "NBPOOL-BENCH e2e_$1_kicks_per_frame $DRIVER $(awk -v n=$(( $(kicks) - k0 )) -v f=$2 'BEGIN {printf "%.4f", n / f}')"
	echo "NBPOOL-BENCH e2e_$1_frames_per_s $DRIVER $(awk -v f=$2 -v t=$4 'BEGIN {printf "%.0f", f * 1e9 / t}')"
	echo "NBPOOL-BENCH e2e_$1_gbit_per_s $DRIVER $(awk -v b=$5 -v t=$4 'BEGIN {printf "%.6f", b * 8 / t}')"
}

# udp64 COUNT: 64-byte frames (18 bytes of UDP payload) to a reading socket.
udp64() {
	touch /tmp/go8
	$PEER /udpburst recv 5004 18 16777216 /tmp/go8 > /tmp/udp8.out &
	wait_ready /tmp/go8.ready $! || return 1
	rx0=$(ifstat "$PEER" eth1 rx_packets)
	mark
	/udpburst send $B 5004 $1 18 > /dev/null
	wait	# the receiver stops after a second without data (idle time)
	frames=$(( $(ifstat "$PEER" eth1 rx_packets) - rx0 ))
	set -- $(cat /tmp/udp8.out)
	echo "bench: udp64: $frames frames, socket got $2 (bad $4)" > /dev/console
	report udp64 $frames $(( $(busy_ns) - b0 )) $(( $(up_ns) - u0 - 1000000000 )) $(( $2 * 18 ))
}

# tcp MIB: MTU-sized TCP segments of zeros into a listener that discards
# them (correctness is make check's job); counted per frame the peer got.
tcp() {
	tcp_sink "$PEER" 5005 || return 1
	rx0=$(ifstat "$PEER" eth1 rx_packets)
	mark
	dd if=/dev/zero bs=1M count=$1 2>/dev/null | nc $B 5005
	b1=$(busy_ns) u1=$(up_ns)
	frames=$(( $(ifstat "$PEER" eth1 rx_packets) - rx0 ))
	tcp_sink_end
	echo "bench: tcp: $1 MiB in $frames frames" > /dev/console
	report tcp_mtu $frames $(( b1 - b0 )) $(( u1 - u0 )) $(( $1 * 1048576 ))
}

# xdp_drop COUNT: 64-byte frames to a port whose datagrams an XDP program
# on the peer's NIC drops (/xdpload); counted per frame the program dropped
# (ours: the RX pool's rx_pool_xdp_drops; virtio_net: rx_xdp_drops or
# rx_queue_0_xdp_drops), checked against what the sender's driver sent.
xdp_drops() { ethstat_once "$PEER" eth1 '^rx_(pool_)?xdp_drops$' '^rx(_queue_)?[0-9]+_xdp_drops$'; }
xdp_drop() {
	$PEER /xdpload eth1 drop 5006 || return 1
	sleep 1
	d0=$(xdp_drops) tx0=$(ifstat "" eth0 tx_packets)
	mark
	/udpburst send $B 5006 $1 18 > /dev/null
	sleep 1	# the last frames reach the peer
	frames=$(( $(xdp_drops) - d0 ))
	b1=$(busy_ns) u1=$(up_ns)
	$PEER /xdpload eth1 off
	echo "bench: xdp_drop: $frames frames dropped of $1 sent, $(( $(ifstat "" eth0 tx_packets) - tx0 )) frames on the wire" > /dev/console
	report xdp_drop $frames $(( b1 - b0 )) $(( u1 - u0 - 1000000000 )) 0
}

# tap_tcp MIB: on the tap topology (offloads on: checksums and TSO by the
# device), MIB MiB of TCP from eth0 to the peer: Mbit/s of payload (wall
# clock), and eth0's average frame on the wire, which says how much the
# device segmented.
tap_tcp() {
	pipe_tcp 5007 $1 && [ $rc = 0 ] || return 1
	echo "bench: tap tcp: $1 MiB, eth0 sent $frames frames of $avg bytes" > /dev/console
	echo "NBPOOL-BENCH e2e_tap_tcp_mbit_per_s $DRIVER $(awk -v b=$(( $1 * 1048576 )) -v t=$took_ns 'BEGIN {printf "%.1f", b * 8 * 1000 / t}')"
	echo "NBPOOL-BENCH e2e_tap_tcp_avg_frame $DRIVER $avg"
}
