# Sourced by the case 8 benchmark guest after netdev.sh: the same traffic
# through whichever driver ($DRIVER) owns the two NICs, printed as
# "NBPOOL-BENCH <case> <driver> <value>" lines for bench-report.py.
# Under -icount shift=0 one guest nanosecond is one guest instruction, so
# busy time (uptime minus idle time, one vCPU) is instructions executed.

# busy_ns: nanoseconds this (single) vCPU has not been idle since boot.
busy_ns() { awk '{printf "%.0f\n", ($1 - $2) * 1e9}' /proc/uptime; }
up_ns() { awk '{printf "%.0f\n", $1 * 1e9}' /proc/uptime; }

# irqs: interrupts both NICs raised so far (their MSI-X vectors, named
# after the PCI device in /proc/interrupts, whichever driver owns them).
irqs() { awk '/0000:0[12]:00\.0/ {s += $2} END {print s + 0}' /proc/interrupts; }

# kicks: doorbells both drivers rang so far, as each counts them in
# ethtool -S (ours: rx_kicks, tx_kicks; virtio_net: rx_queue_0_kicks...).
kicks() {
	{ /usr/local/sbin/ethtool -S eth0; $PEER /usr/local/sbin/ethtool -S eth1; } |
		awk '$1 ~ /kicks:$/ {s += $2} END {print s + 0}'
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
	while [ ! -e /tmp/go8.ready ]; do sleep 0.1; done
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
	$PEER sh -c 'tail -f /dev/null | nc -l -p 5005 > /dev/null' &
	sleep 1
	rx0=$(ifstat "$PEER" eth1 rx_packets)
	mark
	dd if=/dev/zero bs=1M count=$1 2>/dev/null | nc $B 5005
	b1=$(busy_ns) u1=$(up_ns)
	frames=$(( $(ifstat "$PEER" eth1 rx_packets) - rx0 ))
	killall tail
	wait
	echo "bench: tcp: $1 MiB in $frames frames" > /dev/console
	report tcp_mtu $frames $(( b1 - b0 )) $(( u1 - u0 )) $(( $1 * 1048576 ))
}

# xdp_drop COUNT: 64-byte frames to a port whose datagrams an XDP program
# on the peer's NIC drops (/xdpload); counted per frame the program dropped
# (both drivers name the counter ..._xdp_drops in ethtool -S).
xdp_drops() { $PEER /usr/local/sbin/ethtool -S eth1 | awk '$1 ~ /xdp_drops:$/ {s += $2} END {print s + 0}'; }
xdp_drop() {
	$PEER /xdpload eth1 drop 5006 || return 1
	sleep 1
	d0=$(xdp_drops)
	mark
	/udpburst send $B 5006 $1 18 > /dev/null
	sleep 1	# the last frames reach the peer
	frames=$(( $(xdp_drops) - d0 ))
	b1=$(busy_ns) u1=$(up_ns)
	$PEER /xdpload eth1 off
	echo "bench: xdp_drop: $frames frames dropped" > /dev/console
	report xdp_drop $frames $(( b1 - b0 )) $(( u1 - u0 - 1000000000 )) 0
}
