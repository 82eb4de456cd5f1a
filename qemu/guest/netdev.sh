# Sourced by a guest plan: bring up nbpool_virtio_net on the two cabled NICs,
# one in a namespace of its own, and run traffic between them. Results are
# "NBPOOL-RESULT PASS|FAIL name" lines (see init.sh's result()).
IP=/usr/local/sbin/ip		# iproute2: busybox's ip cannot move links between namespaces
PEER="$IP netns exec peer"
A=192.0.2.1			# TEST-NET-1: nothing here routes anywhere
B=192.0.2.2

NIC0=/sys/bus/pci/devices/0000:01:00.0	# behind root port rp0 (run-guest.sh)
NIC1=/sys/bus/pci/devices/0000:02:00.0

# Hand every virtio-net device to nbpool_virtio_net instead of virtio-pci:
# at start, and again after a device is plugged back in (virtio-pci may
# still be probing it, hence the retries).
nbvn_claim() {
	for try in $(seq 20); do
		todo=0
		for d in /sys/bus/pci/devices/*; do
			[ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1041 ] || continue
			case "$(readlink "$d/driver")" in */nbpool_virtio_net) continue ;; esac
			todo=1
			[ -e "$d/driver" ] && basename "$d" > "$d/driver/unbind"
			echo nbpool_virtio_net > "$d/driver_override"
			[ -d /sys/bus/pci/drivers/nbpool_virtio_net ] || continue
			basename "$d" > /sys/bus/pci/drivers_probe
		done
		# Before insmod there is nothing to wait for: the driver binds on load.
		[ $todo = 0 ] || ! [ -d /sys/bus/pci/drivers/nbpool_virtio_net ] && return 0
		sleep 0.2
	done
	echo "nbvn_claim: a virtio-net device would not bind"
	return 1
}

# Load both modules (nbpool, then the driver) and let the driver bind.
nbvn_bind() {
	nbvn_claim
	[ -e /virtio_pci_modern_dev.ko ] && ! [ -d /sys/module/virtio_pci_modern_dev ] &&
		insmod /virtio_pci_modern_dev.ko
	insmod /nbpool.ko && insmod /nbpool_virtio_net.ko
}

# eth0 here as $A, eth1 in namespace "peer" as $B. Also after a reload or
# hot-plug, when the interfaces are new.
nbvn_up() {
	mkdir -p /run/netns
	[ -e /run/netns/peer ] || $IP netns add peer || return 1
	$IP addr add $A/24 dev eth0 && $IP link set eth0 up && $IP link set lo up &&
	$PEER $IP link set lo up && peer_up
}

# peer_up: a new eth1 into namespace "peer", addressed and up, reachable.
peer_up() {
	$IP link set eth1 netns peer && $PEER $IP addr add $B/24 dev eth1 &&
		$PEER $IP link set eth1 up && reach
}

# reach: the peer answers a ping within 10 s (a new link takes a moment).
reach() {
	for i in $(seq 10); do
		ping -q -c 1 -W 1 $B >/dev/null 2>&1 && return 0
	done
	echo "reach: no answer from $B"
	return 1
}

# Unload nbpool once the stack has let go of every buffer (after the driver).
# TCP frees received skbs through per-CPU defer lists that are emptied only
# when that CPU next processes packets: loopback pings on every CPU do that.
unload_nbpool() {
	for try in 1 2 3 4 5 6 7 8 9 10; do
		for mask in 1 2 4 8; do
			taskset $mask ping -q -c 1 -W 1 127.0.0.1 >/dev/null 2>&1
		done
		rmmod nbpool 2>/dev/null && return 0
		sleep 0.5
	done
	for s in /sys/kernel/debug/nbpool/*/stats /sys/kernel/debug/nbpool/destroyed/*/stats; do
		[ -e "$s" ] && echo "unload_nbpool: $(awk '{printf "%s %s ", $1, $2}' $s)"
	done
	echo "unload_nbpool: rmmod nbpool refused for 10 tries: $(rmmod nbpool 2>&1)"
	return 1
}

unload_all() { rmmod nbpool_virtio_net && unload_nbpool; }

# ping_sizes FROM_NS TARGET: zero loss at every size from 64 bytes to the MTU.
ping_sizes() {
	for size in 56 500 1000 1472; do
		$1 ping -q -c 5 -i 0.2 -W 3 -s $size $2 | grep -q ' 0% packet loss' || return 1
	done
}

# wait_listen PORT [PREFIX...]: until a TCP socket listens on PORT in the
# namespace PREFIX runs in (at most 10 s): under load a fixed sleep was not
# always enough, and the sender's connection was refused. The debug kernels
# have no IPv6, hence no tcp6 table: cat reads whichever tables exist.
wait_listen() {
	port=$(printf %04X "$1")
	shift
	for i in $(seq 100); do
		"$@" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
			awk -v p=":$port" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' &&
			return 0
		sleep 0.1
	done
	echo "nothing listens on TCP port $((0x$port))"
	return 1
}

# wait_ready FILE PID: the receiver started in the background as PID has
# made FILE, ready for what the test sends; false, saying so, if it died
# or 30 s passed first (never a wait that only the hang limit ends).
wait_ready() {
	for i in $(seq 300); do
		[ -e "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	kill "$2" 2>/dev/null
	echo "the receiver never made $1"
	return 1
}

# tcp_sink NS PORT [OUT]: a TCP listener on PORT in namespace NS ("" for
# here) whose output OUT redirects or pipes on (by default it is
# discarded), in the background as $sink, once it listens. Its stdin must
# stay open: at its EOF busybox nc half-closes, and the sender stops
# sending when it sees that (tail -f, not sleep: tests that change things
# during a transfer sleep). tcp_sink_end stops it.
tcp_sink() {
	$1 sh -c "tail -f /dev/null | nc -l -p $2 ${3:-> /dev/null}" 2>/dev/null &
	sink=$!
	wait_listen $2 $1 && return 0
	tcp_sink_end
	return 1
}

# tcp_sink_end: a listener ends once it has read everything and its tail
# is gone; it never gets stuck, but after 30 s its nc is ended too.
tcp_sink_end() {
	killall tail 2>/dev/null
	for i in $(seq 100); do kill -0 $sink 2>/dev/null || break; sleep 0.3; done
	killall nc 2>/dev/null
	wait $sink
}

# up_ns: nanoseconds since boot.
up_ns() { awk '{printf "%.0f\n", $1 * 1e9}' /proc/uptime; }

# transfer MIB [back]: send MIB MiB of random data over TCP from here to the
# peer (or, with "back", from the peer to here) and compare checksums. If
# $DURING is set, that command runs while the data flows.
transfer() {
	from= to=$PEER addr=$B
	[ "${2:-}" = back ] && from=$PEER to= addr=$A
	dd if=/dev/urandom of=/tmp/data bs=1M count=$1 2>/dev/null
	sha256sum < /tmp/data > /tmp/tx.sum
	rm -f /tmp/rx.sum
	tcp_sink "$to" 5001 '| sha256sum > /tmp/rx.sum' || return 1
	t0=$(cut -d' ' -f1 /proc/uptime)
	$from nc $addr 5001 < /tmp/data &
	sender=$!
	[ -n "${DURING:-}" ] && { sleep 1; $DURING; }
	wait $sender
	rc=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	tcp_sink_end
	echo "transfer: $1 MiB ${2:-there} in $(echo "$t1 $t0 $1" |
		awk '{printf "%.2f s (%.0f Mbit/s)", $1 - $2, $3 * 8.388608 / ($1 - $2)}')"
	[ $rc = 0 ] && cmp -s /tmp/tx.sum /tmp/rx.sum
}

# pipe_tcp PORT MIB: MIB MiB of zeros from eth0 to a listener on the peer's
# PORT, written through a pipe (dd | nc: many small writes, which TCP
# gathers into frames as large as the driver lets it). Sets rc (nc's
# status), took_ns (how long it took) and frames and avg (eth0's frames on
# the wire and their average size in bytes).
pipe_tcp() {
	tcp_sink "$PEER" $1 || return 1
	set -- $1 $2 $(link_counters "" eth0)
	took_ns=$(up_ns)
	dd if=/dev/zero bs=1M count=$2 2>/dev/null | nc $B $1
	rc=$?
	took_ns=$(( $(up_ns) - took_ns ))
	set -- "$@" $(link_counters "" eth0)
	tcp_sink_end
	frames=$(($9 - $5)) avg=$(( (${10} - $6) / ($9 - $5) ))
}

# t [-t SECONDS] NAME CMD...: result() for a test written as shell code.
t() {
	lim=
	[ "$1" = -t ] && { lim="-t $2"; shift 2; }
	name=$1
	shift
	result $lim "$name" eval "$*"
}

# pool_check NS DEV RX|TX: DEV's pools of one direction (one per queue
# pair: <bus>-rx, <bus>-rx1, ...) against the driver's own ledger. The
# pools' walks of their buffers must list exactly the buffers their
# counters say are not free, as many of them held by the driver as the
# driver has posted to those rings (ethtool -S rx_ring_posted /
# tx_ring_posted), and no bad call. Retried: a frame may arrive between the
# reads.
pool_check() {
	bus=$($1 /usr/local/sbin/ethtool -i $2 | awk '$1 == "bus-info:" {print $2}')
	pools=$(ls -d /sys/kernel/debug/nbpool/$bus-$3 /sys/kernel/debug/nbpool/$bus-$3[0-9]* 2>/dev/null)
	[ -n "$pools" ] || { echo "pools: $2 ($bus) has no $3 pool"; return 1; }
	for try in 1 2 3 4 5; do
		ring=$(ethstat "$1" $2 ${3}_ring_posted)
		out=$(cat $(for d in $pools; do echo $d/outstanding; done) | wc -l)
		drv=$(cat $(for d in $pools; do echo $d/outstanding; done) | grep -c ' driver$')
		set -- "$1" "$2" "$3" $(for d in $pools; do cat $d/stats; done | awk '
			$1 == "buffers" {b += $2} $1 == "buffers_free" {f += $2} $1 == "bad_calls" {c += $2}
			END {print b - f, c + 0}')
		[ "$out" = "$4" ] && [ "$drv" = "$ring" ] && [ "$5" = 0 ] && return 0
		sleep 0.2
	done
	echo "pools" $pools: "walks list $out buffers ($drv with the driver), counters say $4 are out;" \
	     "the driver has $ring posted; bad calls $5"
	return 1
}

# pools_balance: every pool of both NICs agrees with the driver's rings.
pools_balance() {
	for side in "eth0" "eth1 peer"; do
		set -- $side
		ns=
		[ -n "${2:-}" ] && ns=$PEER
		pool_check "$ns" $1 rx && pool_check "$ns" $1 tx || return 1
	done
}

# napi_mode_traffic threaded|busypoll: the traffic tests with the NAPI of
# both NICs in a kernel thread, or with sockets busy-polling it; either way
# the pool's owner fast path is not taken. Then back to normal.
napi_mode_traffic() {
	case $1 in
	threaded)
		echo 1 > /sys/class/net/eth0/threaded && $PEER sh -c 'echo 1 > /sys/class/net/eth1/threaded' ||
			return 1
		ps | grep -q '\[napi/eth0-' || { echo "threaded: no NAPI thread for eth0"; return 1; } ;;
	busypoll)
		bp0=$(busy_poll_rx)
		sysctl -w net.core.busy_read=50 net.core.busy_poll=50 >/dev/null || return 1 ;;
	esac
	ping_sizes "" $B && transfer ${mib:-16} && transfer ${mib:-16} back &&
		udp_overrun 67108864 ${burst:-5000} && pools_balance
	rc=$?
	if [ $1 = busypoll ]; then
		sysctl -w net.core.busy_read=0 net.core.busy_poll=0 >/dev/null
		bp=$(( $(busy_poll_rx) - bp0 ))
		echo "busypoll: $bp packets received by busy polling"
		[ $bp -gt 0 ] || rc=1
	else
		echo 0 > /sys/class/net/eth0/threaded
		$PEER sh -c 'echo 0 > /sys/class/net/eth1/threaded'
	fi
	return $rc
}

# busy_poll_rx: packets sockets in both namespaces received by busy polling.
busy_poll_rx() {
	for ns in "" "$PEER"; do
		$ns cat /proc/net/netstat | awk '$1 == "TcpExt:" && !h {for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next}
			$1 == "TcpExt:" {print $c["BusyPollRxPackets"]}'
	done | awk '{n += $1} END {print n + 0}'
}

# pool_table: each pool's statistics, one line per pool, for a person.
pool_table() {
	echo "pool                 buffers  free driver stack   allocs (lockless)  lent to stack  came back  copies rx/tx  exhausted"
	for s in /sys/kernel/debug/nbpool/*/stats; do
		awk '{v[$1] = $2} END {printf "%-20s %7d %5d %6d %5d %8d (%8d) %14d %10d %7d/%-6d %9d\n",
			v["name"], v["buffers"], v["buffers_free"], v["buffers_driver"], v["buffers_stack"],
			v["allocs"], v["alloc_fast"], v["lent"], v["returned"], v["rx_copies"],
			v["tx_copies"], v["alloc_fail"]}' "$s"
	done
}

# demo_report MIB: traffic for a person to look at, each line prefixed DEMO.
demo_report() {
	{
		ping -q -c 20 -i 0.2 $B | tail -n 2
		transfer $1 && echo "checksums match at both ends"
		for dev in eth0 eth1; do
			ns=; [ $dev = eth1 ] && ns=$PEER
			$ns cat /sys/class/net/$dev/statistics/rx_packets /sys/class/net/$dev/statistics/rx_bytes \
				/sys/class/net/$dev/statistics/tx_packets /sys/class/net/$dev/statistics/tx_bytes |
			xargs printf "$dev: rx %s packets %s bytes, tx %s packets %s bytes\n"
		done
		pool_table
	} 2>&1 | sed 's/^/DEMO: /'
}

# ifstat NS DEV NAME: one ip -s link counter, from sysfs, in namespace NS ("" or "$PEER").
ifstat() { $1 cat /sys/class/net/$2/statistics/$3; }

# ethstat NS DEV NAME: one ethtool -S counter of the driver.
ethstat() { $1 /usr/local/sbin/ethtool -S $2 | awk -v n="$3:" '$1 == n {print $2}'; }

# udp_counter NS FIELD: one of NS's UDP counters in /proc/net/snmp.
udp_counter() {
	$1 cat /proc/net/snmp | awk -v f="$2" '$1 == "Udp:" && !h {for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next}
		$1 == "Udp:" {print $c[f]}'
}

# udp_drops: datagrams the peer's UDP layer dropped (InErrors counts full receive
# buffers, RcvbufErrors, as well as other errors).
udp_drops() { udp_counter "$PEER" InErrors; }

# udp_overrun RCVBUF COUNT: COUNT 1400-byte datagrams to a peer socket that
# does not read until the burst is over. Every datagram delivered must be
# intact, and every frame the peer's driver received must be accounted for:
# delivered to the socket or dropped (and counted) by the stack. Prints one
# "udp:" line with the figures; frames the device dropped for lack of RX
# buffers are what the sender's driver sent minus what the peer's received.
udp_overrun() {
	rcvbuf=$1
	rm -f /tmp/go /tmp/go.ready
	rx0=$(ifstat "$PEER" eth1 rx_packets) tx0=$(ifstat "" eth0 tx_packets) d0=$(udp_drops)
	c0=$(ethstat "$PEER" eth1 rx_pool_rx_copies) e0=$(ethstat "$PEER" eth1 rx_ring_empty)
	f0=$(ethstat "" eth0 tx_ring_full) td0=$(ifstat "" eth0 tx_dropped)
	$PEER /udpburst recv 5002 1400 $1 /tmp/go > /tmp/udp.out &
	wait_ready /tmp/go.ready $! || return 1
	sent=$(/udpburst send $B 5002 $2 1400 | awk '{print $2}')
	sleep 1
	touch /tmp/go
	wait
	set -- $(cat /tmp/udp.out)	# received N bad N dup N
	got=$2 bad=$4 dup=$6
	rx=$(( $(ifstat "$PEER" eth1 rx_packets) - rx0 )) tx=$(( $(ifstat "" eth0 tx_packets) - tx0 ))
	drops=$(( $(udp_drops) - d0 )) other=$(( rx - got - drops ))
	copies=$(( $(ethstat "$PEER" eth1 rx_pool_rx_copies) - c0 ))
	empty=$(( $(ethstat "$PEER" eth1 rx_ring_empty) - e0 ))
	full=$(( $(ethstat "" eth0 tx_ring_full) - f0 )) tdrop=$(( $(ifstat "" eth0 tx_dropped) - td0 ))
	echo "udp: rcvbuf $rcvbuf sent $sent, wire tx $tx rx $rx (device dropped $((tx - rx))),"\
	     "socket got $got (bad $bad dup $dup), stack dropped $drops, other frames $other,"\
	     "copied under pressure $copies, ring empty $empty; sender: TX ring full $full,"\
	     "TX dropped $tdrop"
	UDP_DROPS=$drops UDP_COPIES=$copies UDP_EMPTY=$empty
	# The sender's queue stops when its ring fills: the driver never drops.
	[ "$got" -gt 0 ] && [ "$bad" = 0 ] && [ "$dup" = 0 ] && [ "$other" -ge 0 ] &&
	[ "$other" -le 20 ] && [ "$tdrop" = 0 ]
}

# bg_start / bg_stop: UDP traffic both ways (to a port nobody listens on, so
# the peers also answer with ICMP) while a test changes something under it;
# paced (100 us after each datagram) so that the change itself gets CPU time.
bg_start() {
	/udpburst send $B 5003 2000000000 1400 100 >/dev/null 2>&1 &
	BG1=$!
	$PEER /udpburst send $A 5003 2000000000 1400 100 >/dev/null 2>&1 &
	BG2=$!
	sleep 0.5
}
bg_stop() { kill $BG1 $BG2 2>/dev/null; wait $BG1 $BG2 2>/dev/null; return 0; }

# ethtool_pools: ethtool -S shows the driver's and both pools' counters.
ethtool_pools() {
	[ "$(ethstat "" eth0 rx_pool_buffers)" = 2048 ] &&
	[ "$(ethstat "" eth0 tx_pool_buffers)" = 256 ] &&
	[ "$(ethstat "" eth0 rx_pool_allocs)" -gt 0 ] &&
	[ "$(ethstat "" eth0 tx_pool_tx_copies)" -gt 0 ] &&
	[ -n "$(ethstat "" eth0 rx_ring_empty)" ]
}

# kernel_has MAJOR MINOR: the running kernel is MAJOR.MINOR or newer (for
# what a test expects the kernel itself to offer, never for how to build).
kernel_has() {
	v=$(uname -r)
	maj=${v%%.*} min=${v#*.}
	min=${min%%[!0-9]*}
	[ $maj -gt $1 ] || { [ $maj = $1 ] && [ $min -ge $2 ]; }
}

# bql_in_use: the driver tells BQL (byte queue limits) what it queues and
# what completes: under a transfer eth0's TX limit grows from its initial
# 0 (and keeps its value once traffic stops), and at rest no byte is left
# in flight.
bql_in_use() {
	q=/sys/class/net/eth0/queues/tx-0/byte_queue_limits
	DURING="bql_sample $q" transfer 1 || return 1
	max=$(sort -n /tmp/bql.limit | tail -n1)
	for i in $(seq 20); do
		inflight=$(cat $q/inflight)
		[ "$inflight" = 0 ] && break
		sleep 0.1
	done
	[ "$max" -gt 0 ] || { echo "bql: the limit stayed at $max during a transfer: BQL is not told"; return 1; }
	[ "$inflight" = 0 ] || { echo "bql: $inflight bytes still in flight at rest"; return 1; }
	echo "bql: limit up to $max bytes during the transfer, nothing in flight at rest"
}

# bql_sample DIR: the BQL limit in DIR, ten times in a second.
bql_sample() {
	for i in 1 2 3 4 5 6 7 8 9 10; do cat $1/limit; sleep 0.1; done > /tmp/bql.limit
}

# counters_count_frames: the interface counters (ip -s link) against the
# test's own ledger: 200 pings of 1000 bytes are 200 frames of 1042 bytes
# (the Ethernet header counts, as in every driver) on eth0's TX, the
# peer's RX, the peer's TX and eth0's RX. A few frames of others (ARP,
# IPv6 neighbour discovery) may slip in, none over 1514 bytes. Where the
# kernel lists queue statistics (netlink qstats-get, 6.9+), queue 0 of
# each end must report the same numbers as its interface.
counters_count_frames() {
	n=200 size=1042
	set -- $(link_counters "" eth0) $(link_counters "$PEER" eth1)
	ping -q -c $n -i 0.01 -W 2 -s 1000 $B | grep -q ' 0% packet loss' ||
		{ echo "counters: the pings lost frames"; return 1; }
	sleep 0.5	# the last reply is counted once ping has it; the peer's RX before
	set -- "$@" $(link_counters "" eth0) $(link_counters "$PEER" eth1)
	# $1-$4: eth0 rx packets, rx bytes, tx packets, tx bytes; $5-$8 the
	# peer's; $9-$16 the same after.
	frames_counted "eth0 RX" $1 $2 $9 ${10} && frames_counted "eth0 TX" $3 $4 ${11} ${12} &&
		frames_counted "peer RX" $5 $6 ${13} ${14} && frames_counted "peer TX" $7 $8 ${15} ${16} ||
		return 1
	kernel_has 6 9 || { echo "counters: every frame counted once, bytes with their headers"; return 0; }
	queue_stats_match "" eth0 && queue_stats_match "$PEER" eth1 &&
		echo "counters: every frame counted once, bytes with their headers; queue stats agree"
}

# link_counters NS DEV: "rx_packets rx_bytes tx_packets tx_bytes" of DEV,
# from one read of /proc/net/dev (one snapshot of the driver's counters:
# the sysfs files are read one at a time, and a frame sent between two of
# them counted its bytes without its packet).
link_counters() {
	# "  eth0:123456789 ...": past 8 digits no blank follows the colon.
	$1 cat /proc/net/dev | awk -v d="$2:" '{sub(/^ */, "")}
		index($0, d) == 1 {sub(/^[^:]*:/, ""); $0 = $0; print $2, $1, $10, $9}'
}

# frames_counted WHAT PACKETS0 BYTES0 PACKETS1 BYTES1: the counters moved by
# $n frames of $size bytes, and at most 10 more of at most 1514 bytes. A
# 64-bit reader takes the driver's counters without a lock, so each of the
# two snapshots may hold one other frame's bytes without its packet.
frames_counted() {
	p=$(($4 - $2)) b=$(($5 - $3))
	[ $p -ge $n ] && [ $p -le $((n + 10)) ] && [ $b -ge $((n * size)) ] &&
		[ $b -le $((n * size + (p - n + 2) * 1514)) ] && return 0
	echo "counters: $1 counted $p frames and $b bytes for $n frames of $size bytes ($((n * size)) bytes)"
	return 1
}

# queue_stats_match NS DEV: DEV's queue 0 in the kernel's queue statistics
# reports what its interface counters say (read again if a frame came
# between the two reads).
queue_stats_match() {
	idx=$($1 cat /sys/class/net/$2/ifindex)
	for try in 1 2 3 4 5; do
		$1 /ppquery qstats > /tmp/qs || { echo "counters: ppquery qstats failed: $(tail -n1 /tmp/qs)"; return 1; }
		set -- "$1" "$2" $(link_counters "$1" $2)
		q=$(awk -v i=$idx '$3 == i && $6 == 0 {printf "%s %s %s ", $4, $8, $10}' /tmp/qs)
		[ "$q" = "rx $3 $4 tx $5 $6 " ] && return 0
		sleep 0.2
	done
	cat /tmp/qs
	echo "counters: $2 (ifindex $idx): queue 0 stats say '$q', the interface rx $3 $4 tx $5 $6"
	return 1
}

# page_pools_listed: the kernel's own page-pool listing (netlink's
# page-pool-get, what ynl reads; 6.9+) shows eth0's two pools under its
# ifindex, each holding exactly its buffers' pages, the RX one tied to one
# of eth0's NAPIs. (The peer's pools are listed on lo: a device that
# changes namespace leaves its page_pools with the old one's loopback.)
# Once both modules are unloaded none of the four is left. Then the driver
# comes back.
page_pools_listed() {
	idx=$(cat /sys/class/net/eth0/ifindex)
	/ppquery pools > /tmp/pp && /ppquery napis > /tmp/napis ||
		{ echo "pools: ppquery failed: $(cat /tmp/pp /tmp/napis | tail -n1)"; return 1; }
	n=$(awk -v i=$idx '$4 == i' /tmp/pp | wc -l)
	[ $n = 2 ] || { cat /tmp/pp; echo "pools: eth0 (ifindex $idx) has $n page_pools listed, not 2"; return 1; }
	for dir in rx tx; do
		# 2048: the driver's buffer size; 2 buffers share a page.
		mem=$(( $(ethstat "" eth0 ${dir}_pool_buffers) * 2048 ))
		napi=$(awk -v i=$idx -v m=$mem '$4 == i && $10 == m {print $6}' /tmp/pp)
		[ -n "$napi" ] ||
			{ cat /tmp/pp; echo "pools: no page_pool of eth0 holds the $dir pool's $mem bytes"; return 1; }
		if [ $dir = tx ]; then
			[ "$napi" = 0 ] || { echo "pools: eth0's TX page_pool names NAPI $napi; it has none"; return 1; }
		elif [ "$napi" = 0 ] || ! awk -v i=$idx -v n=$napi '$4 == i && $2 == n {f = 1} END {exit !f}' /tmp/napis; then
			cat /tmp/napis
			echo "pools: eth0's RX page_pool names NAPI $napi, not one of eth0's"
			return 1
		fi
	done
	# Once nbpool unloads, every pool is freed and so is its page_pool.
	before=$(wc -l < /tmp/pp)
	rmmod nbpool_virtio_net && unload_nbpool || { echo "pools: rmmod failed"; return 1; }
	after=$(/ppquery pools | wc -l)
	nbvn_bind && nbvn_up || { echo "pools: the driver did not come back"; return 1; }
	[ $after = $((before - 4)) ] ||
		{ echo "pools: $before page_pools listed before rmmod, $after after, not 4 fewer"; return 1; }
}

# mtu_under_traffic: MTU 1200, the buffers' maximum and 1500 again on both
# ends during a TCP transfer of $mib MiB; its checksum must still match and
# a ping of exactly each MTU must pass.
mtu_under_traffic() {
	max=$($IP -d link show eth0 | sed -n 's/.* maxmtu \([0-9]*\).*/\1/p')
	[ "$max" -gt 1500 ] || return 1
	DURING="set_mtus 1200 $max 1500" transfer ${mib:-64} || return 1
	for mtu in 1200 $max 1500; do
		set_mtus $mtu && ping -q -c 3 -i 0.2 -W 3 -s $((mtu - 28)) $B | grep -q ' 0% packet loss' ||
			return 1
	done
	echo "mtu: 1200, $max and 1500 under traffic"
}

# jumbo_frames: MTU 9000 on both ends. 100 pings of 8972 bytes each way
# must cross as 100 frames of 9014 bytes each, not as fragments (the
# interface counters, one snapshot before and after, against the test's
# own count); $mib MiB of TCP each way arrives intact, sent in frames
# averaging more than 4000 bytes. Then MTU 1500 again.
jumbo_frames() {
	set_mtus 9000 || { echo "jumbo: MTU 9000 refused (maxmtu $($IP -d link show eth0 |
		sed -n 's/.* maxmtu \([0-9]*\).*/\1/p'))"; return 1; }
	n=100 size=9014
	set -- $(link_counters "" eth0) $(link_counters "$PEER" eth1)
	ping -q -c $n -i 0.01 -W 2 -s 8972 $B | grep -q ' 0% packet loss' &&
		$PEER ping -q -c $n -i 0.01 -W 2 -s 8972 $A | grep -q ' 0% packet loss' ||
		{ set_mtus 1500; echo "jumbo: 8972-byte pings lost"; return 1; }
	sleep 0.5
	set -- "$@" $(link_counters "" eth0) $(link_counters "$PEER" eth1)
	# Each end sent n requests and n replies: 2n frames of 9014 bytes.
	n=$((2 * n))
	frames_counted "eth0 RX" $1 $2 $9 ${10} && frames_counted "eth0 TX" $3 $4 ${11} ${12} &&
		frames_counted "peer RX" $5 $6 ${13} ${14} && frames_counted "peer TX" $7 $8 ${15} ${16} ||
		{ set_mtus 1500; return 1; }
	set -- $(link_counters "" eth0)
	transfer ${mib:-16} || { set_mtus 1500; echo "jumbo: TCP at MTU 9000 failed"; return 1; }
	set -- "$@" $(link_counters "" eth0)
	avg=$(( ($8 - $4) / ($7 - $3) ))	# eth0's TX while it sent the data
	transfer ${mib:-16} back || { set_mtus 1500; echo "jumbo: TCP back at MTU 9000 failed"; return 1; }
	set_mtus 1500 || { echo "jumbo: back to MTU 1500 failed"; return 1; }
	[ $avg -gt 4000 ] || { echo "jumbo: eth0's frames averaged $avg bytes during the transfers"; return 1; }
	echo "jumbo: 9014-byte frames both ways, TCP both ways in frames of $avg bytes on average"
}

# XDP on eth0 (/xdpload: each program matches UDP to one port and passes
# everything else). Attaching the first program and detaching the last
# rebuild eth0's RX pool in its XDP layout and back, so each test reads the
# counters it checks while its program is still attached.
xdp_on() { /xdpload eth0 "$@" && reach; }
xdp_off() { /xdpload eth0 off && reach; }

# xdp_counters: eth0's XDP counters (driver and pools), "name value" lines.
xdp_counters() { /usr/local/sbin/ethtool -S eth0 | awk '$1 ~ /xdp/ {sub(/:$/, "", $1); print $1, $2}'; }

# xdp_moved FILE: the XDP counters that moved since FILE (xdp_counters)
# was taken, as "name+delta ...", in ethtool's order; xdp_pass, which ARP
# and the like move, is left out.
xdp_moved() {
	xdp_counters | awk 'NR == FNR {c[$1] = $2; next}
		$1 != "rx_pool_xdp_pass" && $2 != c[$1] {printf "%s+%d ", $1, $2 - c[$1]}' "$1" -
}


# xdp_pass_tcp: with a program that passes every frame, 2 MiB of TCP
# each way arrive intact, and the program saw every frame eth0 received:
# its XDP_PASS count moved with eth0's RX counter (read inside it).
xdp_pass_tcp() {
	xdp_on pass || return 1
	p0=$(ethstat "" eth0 rx_pool_xdp_pass) r0=$(ifstat "" eth0 rx_packets)
	transfer 2 && transfer 2 back
	ok=$?
	r=$(( $(ifstat "" eth0 rx_packets) - r0 )) p=$(( $(ethstat "" eth0 rx_pool_xdp_pass) - p0 ))
	xdp_off || return 1
	echo "xdp pass: eth0 received $r frames, the program passed $p"
	[ $ok = 0 ] && [ $r -gt 0 ] && [ $p -ge $r ] && [ $p -le $((r + 5)) ]
}

# xdp_drop: 200 datagrams to the program's port dropped, each counted once,
# none reaching the stack.
xdp_drop() {
	xdp_on drop 5010 || return 1
	xdp_counters > /tmp/xdp.0
	n0=$(udp_counter "" NoPorts)
	sent=$($PEER /udpburst send $A 5010 200 1000 1000 | awk '{print $2}')
	sleep 0.5
	moved=$(xdp_moved /tmp/xdp.0) no=$(( $(udp_counter "" NoPorts) - n0 ))
	xdp_off || return 1
	echo "xdp drop: sent $sent; counters moved: $moved; reached the stack: $no"
	[ "$sent" = 200 ] && [ "$moved" = "rx_pool_xdp_drops+200 " ] && [ $no = 0 ]
}

# xdp_echo VERB PORT COUNT SIZE EXPECT: the peer sends COUNT datagrams of
# SIZE bytes one at a time to a program on eth0 that sends each back (VERB
# tx or redirect); every one must come back intact and the counters move
# by exactly EXPECT.
xdp_echo() {
	xdp_on $1 $2 || return 1
	xdp_counters > /tmp/xdp.0
	r=$($PEER /udpburst echo $A $2 $3 $4)
	moved=$(xdp_moved /tmp/xdp.0)
	xdp_off || return 1
	echo "xdp $1: $r; counters moved: $moved"
	[ "$r" = "echoed $3 bad 0 lost 0" ] && [ "$moved" = "$5 " ]
}

# xdp_cpumap: 200 datagrams redirected through a CPU map to CPU 1, where
# the stack gets them as skbs built on the pool's buffers: all delivered
# intact, each counted once.
xdp_cpumap() {
	xdp_on cpu 5013 1 || return 1
	xdp_counters > /tmp/xdp.0
	rm -f /tmp/go.ready
	touch /tmp/go
	/udpburst recv 5013 1000 4194304 /tmp/go > /tmp/udp.out &
	wait_ready /tmp/go.ready $! || { xdp_off; return 1; }
	sent=$($PEER /udpburst send $A 5013 200 1000 1000 | awk '{print $2}')
	wait
	moved=$(xdp_moved /tmp/xdp.0)
	xdp_off || return 1
	echo "xdp cpumap: sent $sent, $(cat /tmp/udp.out); counters moved: $moved"
	[ "$sent" = 200 ] && [ "$(cat /tmp/udp.out)" = "received 200 bad 0 dup 0" ] &&
		[ "$moved" = "rx_pool_xdp_redirects+200 " ]
}

# xdp_ring_empty: frames an XDP program redirects through a CPU map keep
# their buffers (no copy under pressure, unlike the stack's path) for as
# long as the socket they reach holds them. On a ring of 32 (a pool of
# 256 buffers) a socket that reads nothing takes every buffer, so the
# ring runs empty (rx_ring_empty) and the device has nowhere to write,
# which also holds up the peer's TX. Once the socket is read (at once,
# well before the peer's TX watchdog), the buffers come home, and the
# driver must fill the ring again by itself: no frame arrives to wake it.
# Then ping and TCP pass, on the old ring size again.
xdp_ring_empty() {
	set -- $(rings "" eth0)
	/usr/local/sbin/ethtool -G eth0 rx 32 && reach && xdp_on cpu 5015 1 ||
		{ echo "ring empty: no ring of 32 with the program"; return 1; }
	e0=$(ethstat "" eth0 rx_ring_empty)
	rm -f /tmp/go /tmp/go.ready
	/udpburst recv 5015 1000 268435456 /tmp/go > /tmp/udp.out &
	reader=$!
	wait_ready /tmp/go.ready $reader || { xdp_off; return 1; }
	$PEER /udpburst send $A 5015 600 1000 100 > /tmp/send.out &
	sender=$!
	for i in $(seq 50); do
		[ "$(ethstat "" eth0 rx_ring_empty)" != $e0 ] && break
		sleep 0.1
	done
	e=$(( $(ethstat "" eth0 rx_ring_empty) - e0 ))
	touch /tmp/go
	wait $reader
	# The sender waits for the peer's TX, which waits for eth0's ring.
	for i in $(seq 100); do kill -0 $sender 2>/dev/null || break; sleep 0.1; done
	kill $sender 2>/dev/null && echo "ring empty: eth0's ring stayed empty (ran empty $e times); the peer's sender stuck"
	wait $sender
	sleep 1		# the stack frees what it read; the pages come home
	ping -q -c 3 -i 0.5 -W 3 $B | grep -q ' 0% packet loss'
	p=$?
	xdp_off && /usr/local/sbin/ethtool -G eth0 rx $3 && reach || return 1
	echo "xdp ring empty: $(cat /tmp/send.out), $(cat /tmp/udp.out), the ring ran empty $e times; ping after: $([ $p = 0 ] && echo ok || echo lost)"
	[ $e -gt 0 ] && [ $p = 0 ] && transfer 2 && transfer 2 back && pools_balance
}

# xdp_jumbo: at MTU 9000 a program without multi-buffer support is refused
# (and under one, MTU 9000 is); one with it sends 8000-byte datagrams,
# frames across several RX buffers, back intact from those buffers.
xdp_jumbo() {
	set_mtus 9000 || return 1
	if out=$(/xdpload -1 eth0 pass 2>&1); then
		xdp_off; set_mtus 1500
		echo "xdp jumbo: a program without xdp.frags was attached at MTU 9000"
		return 1
	fi
	case $out in
	*multi-buffer*) ;;
	*) set_mtus 1500; echo "xdp jumbo: refused, but not for its MTU: $out"; return 1 ;;
	esac
	xdp_echo tx 5014 50 8000 "tx_xdp+50 rx_pool_xdp_tx+50"
	ok=$?
	set_mtus 1500 || return 1
	/xdpload -1 eth0 pass && reach || return 1
	$IP link set eth0 mtu 9000 2>/dev/null && mtu=9000 || mtu=1500
	xdp_off || return 1
	[ $mtu = 1500 ] || { set_mtus 1500; echo "xdp jumbo: MTU 9000 taken under a program without xdp.frags"; return 1; }
	return $ok
}

# set_mtus MTU...: each MTU in turn on both ends, half a second apart.
set_mtus() {
	for mtu in "$@"; do
		$IP link set eth0 mtu $mtu && $PEER $IP link set eth1 mtu $mtu || return 1
		sleep 0.5
	done
}

# link_under_traffic: ip link down/up on our side, and the device's own link
# (QEMU's set_link, seen through the config interrupt) off/on, during a TCP
# transfer of $mib MiB: carrier follows the device, the transfer is intact.
link_under_traffic() {
	rm -f /tmp/carrier.off /tmp/carrier.on
	DURING=flap_links transfer ${mib:-64} || { echo "link: transfer failed"; return 1; }
	[ -e /tmp/carrier.off ] || { echo "link: carrier stayed up after set_link off"; return 1; }
	[ -e /tmp/carrier.on ] || { echo "link: carrier stayed down after set_link on"; return 1; }
	reach && ping -q -c 3 -i 0.2 -W 3 $B | grep -q ' 0% packet loss' ||
		{ echo "link: ping lost packets after the flaps"; return 1; }
}

# tx_stall: the peer's eth1 down (its driver reaps nothing, so the device
# can deliver nothing) while eth0 sends UDP until its TX ring fills and its
# queue stops: at a full ring, or earlier at BQL's byte limit. STALLED is
# 5 once nothing more was posted for half a second; POSTED and TOTAL say
# how many of the ring's descriptors were in use. The sender is killed.
tx_stall() {
	$PEER $IP link set eth1 down
	$IP neigh replace $B lladdr $($PEER cat /sys/class/net/eth1/address) dev eth0 nud permanent
	/udpburst send $B 9 100000 1000 >/dev/null 2>&1 &
	sender=$!
	TOTAL=$(ethstat "" eth0 tx_pool_buffers)
	last=-1 STALLED=0
	for i in $(seq 100); do
		POSTED=$(ethstat "" eth0 tx_ring_posted)
		if [ "$POSTED" = "$last" ] && [ "$POSTED" -gt 0 ]; then
			STALLED=$((STALLED + 1))
			[ $STALLED = 5 ] && break
		else
			STALLED=0 last=$POSTED
		fi
		sleep 0.1
	done
	kill $sender 2>/dev/null
	wait $sender
}

# tx_full_down_up drained|full: down and up with a stopped TX queue
# (tx_stall). drained: eth0 goes down, the peer comes back, and the device
# completes every frame while eth0's NAPIs are off: when eth0 comes up
# those completions must be reaped, or its TX stays dead. full: eth0 comes
# up while its ring is still full (the peer still down): its queue must
# stay stopped, not hand the next frame to a ring with no room for it (a
# WARN, and a panic under panic_on_warn), until the peer comes back and
# the ring drains.
tx_full_down_up() {
	tx_stall
	$IP link set eth0 down
	if [ $1 = drained ]; then
		$PEER $IP link set eth1 up
		sleep 2		# the device drains eth0's ring meanwhile
		$IP link set eth0 up
	else
		$IP link set eth0 up
		ping -q -c 2 -i 0.2 -W 1 $B >/dev/null 2>&1	# frames for the stopped queue
		$PEER $IP link set eth1 up
	fi
	$IP neigh del $B dev eth0
	[ $STALLED = 5 ] ||
		{ echo "txfull: eth0's TX queue never stopped (last $POSTED of $TOTAL descriptors posted)"; return 1; }
	reach || { echo "txfull ($1): no ping through after link up"; return 1; }
	transfer 4 || { echo "txfull ($1): a transfer after link up failed"; return 1; }
	echo "txfull ($1): the queue stopped with $POSTED of $TOTAL descriptors posted; TX works after link up"
}

# tx_csum_in_copy: both ends offer scatter-gather and checksum offload
# (ethtool -k); the pool finishes each checksum while it copies the frame
# (tx_pool_tx_csums counts them). $mib MiB of TCP each way must arrive
# intact with every frame's checksum good: the receiving stack verifies
# in software and counts bad ones (InCsumErrors in /proc/net/snmp), which
# must stay where they were; UDP too.
tx_csum_in_copy() {
	for ns in "" "$PEER"; do
		dev=eth0
		[ -n "$ns" ] && dev=eth1
		f=$($ns /usr/local/sbin/ethtool -k $dev |
			awk '$1 == "scatter-gather:" || $1 == "tx-checksum-ip-generic:" {print $1, $2}' |
			sort | tr '\n' ' ')
		[ "$f" = "scatter-gather: on tx-checksum-ip-generic: on " ] ||
			{ echo "csum: $dev offers '$f', not scatter-gather and tx-checksum-ip-generic on"; return 1; }
	done
	e0=$(csum_errors "") p0=$(csum_errors "$PEER")
	c0=$(ethstat "" eth0 tx_pool_tx_csums) q0=$(ethstat "$PEER" eth1 tx_pool_tx_csums)
	transfer ${mib:-16} && transfer ${mib:-16} back || { echo "csum: a transfer failed"; return 1; }
	udp_overrun 67108864 2000 >/dev/null || { echo "csum: the UDP burst failed"; return 1; }
	c=$(( $(ethstat "" eth0 tx_pool_tx_csums) - c0 )) q=$(( $(ethstat "$PEER" eth1 tx_pool_tx_csums) - q0 ))
	e=$(( $(csum_errors "") - e0 )) p=$(( $(csum_errors "$PEER") - p0 ))
	# 16 MiB is over 11000 frames of at most 1448 bytes of data.
	[ $c -ge $(( ${mib:-16} * 700 )) ] && [ $q -ge $(( ${mib:-16} * 700 )) ] ||
		{ echo "csum: the pools finished $c and $q checksums for ${mib:-16} MiB each way"; return 1; }
	[ $e = 0 ] && [ $p = 0 ] ||
		{ echo "csum: receivers counted $e (here) and $p (peer) bad checksums"; return 1; }
	echo "csum: the pools finished $c and $q checksums, no receiver saw a bad one"
}

# csum_errors NS: TCP and UDP segments NS's stack dropped for a bad checksum.
csum_errors() {
	$1 cat /proc/net/snmp | awk '($1 == "Tcp:" || $1 == "Udp:") && !h[$1]++ {
			for (i = 2; i <= NF; i++) c[$1, $i] = i; next }
		$1 == "Tcp:" || $1 == "Udp:" {n += $c[$1, "InCsumErrors"]} END {print n + 0}'
}

# suspend_resume: suspend to idle and back with the kernel's pm_test
# "devices" (every driver's suspend and resume run, and the machine waits
# 5 s between them instead of sleeping) while both interfaces are up.
# Then TCP each way and the pools' books.
suspend_resume() {
	echo devices > /sys/power/pm_test || { echo "pm: pm_test refused 'devices'"; return 1; }
	echo freeze > /sys/power/state 2> /tmp/pm.err
	rc=$?
	echo none > /sys/power/pm_test
	[ $rc = 0 ] || { echo "pm: suspend failed: $(cat /tmp/pm.err)"; return 1; }
	reach && transfer 4 && transfer 4 back || { echo "pm: traffic after resume failed"; return 1; }
	pools_balance && echo "pm: suspended and resumed; TCP each way after, books agree"
}

# rings_resize: ethtool -g reports eth0's rings (256 each, the most the
# driver takes); ethtool -G makes them 64 RX and 32 TX while UDP flows
# both ways, with pools sized to them, and TCP both ways arrives intact
# over them with nothing left in flight for BQL at rest. Sizes that are
# not powers of 2, below 8 or above the maximum are refused and change
# nothing. The peer's rings change while it is down. Both go back to 256.
rings_resize() {
	set -- $(rings "" eth0)
	[ "$*" = "256 256 256 256" ] ||
		{ echo "rings: eth0 reports maximum and current '$*', not 256 256 256 256"; return 1; }
	bg_start
	/usr/local/sbin/ethtool -G eth0 rx 64 tx 32 2> /tmp/rings.err
	rc=$?
	bg_stop
	[ $rc = 0 ] || { echo "rings: ethtool -G eth0 rx 64 tx 32 failed: $(cat /tmp/rings.err)"; return 1; }
	rings_are "" eth0 64 32 || return 1
	for bad in "rx 100" "tx 4" "rx 512"; do
		/usr/local/sbin/ethtool -G eth0 $bad 2>/dev/null &&
			{ echo "rings: ethtool -G eth0 $bad was taken"; return 1; }
	done
	rings_are "" eth0 64 32 || return 1
	$PEER $IP link set eth1 down && $PEER /usr/local/sbin/ethtool -G eth1 rx 16 tx 16 &&
		$PEER $IP link set eth1 up || { echo "rings: ethtool -G on the peer while down failed"; return 1; }
	rings_are "$PEER" eth1 16 16 && reach && transfer 4 && transfer 4 back ||
		{ echo "rings: traffic over the small rings failed"; return 1; }
	q=/sys/class/net/eth0/queues/tx-0/byte_queue_limits
	[ ! -d $q ] || [ "$(cat $q/inflight)" = 0 ] ||
		{ echo "rings: BQL counts $(cat $q/inflight) bytes in flight at rest"; return 1; }
	/usr/local/sbin/ethtool -G eth0 rx 256 tx 256 && $PEER /usr/local/sbin/ethtool -G eth1 rx 256 tx 256 &&
		rings_are "" eth0 256 256 && rings_are "$PEER" eth1 256 256 && reach ||
		{ echo "rings: back to 256 failed"; return 1; }
	echo "rings: 64/32 under traffic, 16/16 on the peer, bad sizes refused, back to 256"
}

# tap_intree: on the tap topology, the in-tree virtio_net shows eth0 with
# 2 combined channels and TSO on, and TCP passes each way; the size of the
# frames the peer's device handed it is reported (above the MTU while TCP
# sends large segments; how often depends on its window, small under the
# loss a busy host causes).
tap_intree() {
	ch=$(/usr/local/sbin/ethtool -l eth0 | awk '/^Current/ {c = 1} c && $1 == "Combined:" {print $2}')
	tso=$(/usr/local/sbin/ethtool -k eth0 | awk '$1 == "tcp-segmentation-offload:" {print $2}')
	[ "$ch" = 2 ] && [ "$tso" = on ] || { echo "tap: eth0 has '$ch' combined channels, TSO '$tso'"; return 1; }
	set -- $(ifstat "$PEER" eth1 rx_packets) $(ifstat "$PEER" eth1 rx_bytes)
	transfer 8 || return 1
	set -- $(($(ifstat "$PEER" eth1 rx_packets) - $1)) $(($(ifstat "$PEER" eth1 rx_bytes) - $2))
	transfer 8 back &&
		echo "tap: 2 combined channels, TSO on; 8 MiB arrived in $1 frames of $(($2 / $1)) bytes on average"
}

# tap_offloads: on the tap topology eth0's device sums and segments what
# eth0 sends (VIRTIO_NET_F_CSUM, HOST_TSO4: asked through the packets'
# offload metadata) and tells eth0 what it knows of what it receives
# (GUEST_CSUM). NIC1 comes back without GUEST_CSUM (guest_csum=off), so
# the host segments eth0's TSO frames and completes their sums before
# eth1's stack checks every one. TCP each way arrives intact, no receiver
# counts a bad checksum; eth0 asked its device to segment frames (tx_tso:
# how many depends on TCP's window, small under loss) and eth1 received
# none larger than the MTU; eth0 asked its device for the sum of (nearly) every frame
# and its pool's copy summed none; eth0 received (nearly) every frame of
# both transfers with the device's checksum state, eth1 none.
tap_offloads() {
	replug_nic1 's/$/,guest_csum=off/' && nbvn_claim && peer_up ||
		{ echo "offloads: NIC1 without guest_csum did not come up"; return 1; }
	tso=$(/usr/local/sbin/ethtool -k eth0 | awk '$1 == "tcp-segmentation-offload:" {print $2}')
	e0=$(csum_errors "") p0=$(csum_errors "$PEER")
	set -- $(csum_stats "" eth0) $(csum_stats "$PEER" eth1)
	tp=$(ifstat "" eth0 tx_packets) tb=$(ifstat "" eth0 tx_bytes) ts=$(ethstat "" eth0 tx_tso)
	rp=$(ifstat "$PEER" eth1 rx_packets) rb=$(ifstat "$PEER" eth1 rx_bytes)
	r0=$(ifstat "" eth0 rx_packets)
	transfer $mib
	rc=$?
	tp=$(( $(ifstat "" eth0 tx_packets) - tp )) tb=$(( $(ifstat "" eth0 tx_bytes) - tb ))
	ts=$(( $(ethstat "" eth0 tx_tso) - ts ))
	rp=$(( $(ifstat "$PEER" eth1 rx_packets) - rp )) rb=$(( $(ifstat "$PEER" eth1 rx_bytes) - rb ))
	transfer $mib back || rc=1
	r0=$(( $(ifstat "" eth0 rx_packets) - r0 ))
	set -- $(csum_stats "" eth0 $1 $2 $3 $4) $(csum_stats "$PEER" eth1 $5 $6 $7 $8)
	e=$(( $(csum_errors "") - e0 )) p=$(( $(csum_errors "$PEER") - p0 ))
	nic1_restore || return 1
	[ $rc = 0 ] || { echo "offloads: a transfer failed"; return 1; }
	[ $e = 0 ] && [ $p = 0 ] || { echo "offloads: receivers counted $e (here) and $p (peer) bad checksums"; return 1; }
	[ "$tso" = on ] && [ $ts -gt 0 ] && [ $((rb / rp)) -le 1514 ] ||
		{ echo "offloads: TSO '$tso'; eth0 sent $tp frames of $((tb / tp)) bytes on average, $ts to segment; eth1 received $rp of $((rb / rp))"; return 1; }
	[ $1 -ge $((tp * 9 / 10)) ] && [ $2 = 0 ] ||
		{ echo "offloads: eth0 asked its device for $1 sums over $tp frames, its pool's copy did $2"; return 1; }
	[ $(($3 + $4)) -ge $((r0 * 9 / 10)) ] && [ $(($7 + $8)) = 0 ] ||
		{ echo "offloads: the device's checksum state on $3 + $4 of eth0's $r0 frames, and on $7 + $8 at eth1 (guest_csum=off)"; return 1; }
	echo "offloads: eth0 sent $tp frames of $((tb / tp)) bytes on average, $ts to segment (eth1 received $rp of $((rb / rp))), asked its device for $1 sums, its copy did $2; of $r0 frames eth0 received, $3 came checked and $4 to be summed"
}

# tap_tso_pipe: TCP written through a pipe (dd | nc: many small writes)
# leaves eth0 in TSO frames larger than the MTU on average. The driver
# keeps each skb until its device has sent the copy, so TCP sees it in
# flight (small queues, autocorking) and gathers the writes behind it into
# larger frames; an skb freed once copied sent each write alone (1451
# bytes on average, where the in-tree driver's were 5800).
tap_tso_pipe() {
	pipe_tcp 5008 $mib || return 1
	[ $rc = 0 ] && [ $avg -gt 1514 ] ||
		{ echo "tso-pipe: nc said $rc; eth0 sent $mib MiB in $frames frames of $avg bytes on average"; return 1; }
	echo "tso-pipe: eth0 sent $mib MiB in $frames frames of $avg bytes on average"
}

# feature NS DEV NAME: "on" or "off", DEV's ethtool -k feature NAME.
feature() { $1 /usr/local/sbin/ethtool -k $2 | awk -v n="$3:" '$1 == n {print $2}'; }

# gro_hw_transfer: $mib MiB from the peer to eth0 and back; sets frames
# and bytes (eth0's RX during the first), gso (eth0's rx_gso, frames its
# device coalesced), tso (the peer's tx_tso, frames it had its device
# segment), bad (frames eth0 dropped as malformed or for want of an skb),
# all during the first transfer.
gro_hw_transfer() {
	set -- $(link_counters "" eth0)
	g=$(ethstat "" eth0 rx_gso) t=$(ethstat "$PEER" eth1 tx_tso)
	b=$(( $(ifstat "" eth0 rx_length_errors) + $(ifstat "" eth0 rx_dropped) ))
	transfer $mib back || return 1
	gso=$(( $(ethstat "" eth0 rx_gso) - g )) tso=$(( $(ethstat "$PEER" eth1 tx_tso) - t ))
	bad=$(( $(ifstat "" eth0 rx_length_errors) + $(ifstat "" eth0 rx_dropped) - b ))
	set -- "$@" $(link_counters "" eth0)
	frames=$(($5 - $1)) bytes=$(($6 - $2))
	transfer $mib
}

# tap_gro_hw: the device coalesces TCP segments for eth0 (GUEST_TSO4/6,
# rx-gro-hw on): the peer's TSO frames reach eth0 whole, as GSO frames,
# counted in eth0's rx_gso (some, never more than the peer's device was
# asked to segment: the host passes them on), none dropped as malformed,
# and the data arrives intact. How many TSO frames TCP makes is its choice (few under loss). An
# RX ring too small for a coalesced frame is refused. ethtool -K
# rx-gro-hw off: nothing coalesced, frames of at most the MTU on average;
# on again: coalesced again, TCP intact; then the same over IPv6; the
# books agree.
tap_gro_hw() {
	[ "$(feature "" eth0 rx-gro-hw)" = on ] && [ "$(feature "$PEER" eth1 rx-gro-hw)" = on ] ||
		{ echo "gro-hw: rx-gro-hw '$(feature "" eth0 rx-gro-hw)' on eth0, '$(feature "$PEER" eth1 rx-gro-hw)' on eth1"; return 1; }
	gro_hw_transfer || { echo "gro-hw: TCP failed with rx-gro-hw on"; return 1; }
	[ $gso -gt 0 ] && [ $gso -le $tso ] && [ $bad = 0 ] ||
		{ echo "gro-hw: eth0 received $frames frames of $((bytes / frames)) bytes, $gso coalesced, $bad dropped; the peer segmented $tso"; return 1; }
	on="$frames frames of $((bytes / frames)) bytes, $gso coalesced (the peer's device segmented $tso)"
	/usr/local/sbin/ethtool -G eth0 rx 16 2>/dev/null && { echo "gro-hw: an RX ring of 16 was taken"; return 1; }
	/usr/local/sbin/ethtool -K eth0 rx-gro-hw off && [ "$(feature "" eth0 rx-gro-hw)" = off ] && reach ||
		{ echo "gro-hw: ethtool -K eth0 rx-gro-hw off failed"; return 1; }
	gro_hw_transfer || { echo "gro-hw: TCP failed with rx-gro-hw off"; return 1; }
	[ $gso = 0 ] && [ $((bytes / frames)) -le 1514 ] ||
		{ echo "gro-hw: with rx-gro-hw off eth0 received $frames frames of $((bytes / frames)) bytes, $gso coalesced"; return 1; }
	off="$frames frames of $((bytes / frames)) bytes (the peer's device segmented $tso)"
	/usr/local/sbin/ethtool -K eth0 rx-gro-hw on && [ "$(feature "" eth0 rx-gro-hw)" = on ] && reach ||
		{ echo "gro-hw: ethtool -K eth0 rx-gro-hw on failed"; return 1; }
	gro_hw_transfer && [ $gso -gt 0 ] && [ $bad = 0 ] ||
		{ echo "gro-hw: on again: $gso coalesced, $bad dropped"; return 1; }
	again=$gso
	gro_hw_v6 && pools_balance || return 1
	echo "gro-hw: $mib MiB to eth0 in $on; off: $off; on again: $again coalesced; $v6"
}

# gro_hw_v6: the same over IPv6 (GUEST_TSO6, the device's other GSO type),
# between documentation addresses added for it and removed after.
gro_hw_v6() {
	$IP addr add 2001:db8::1/64 dev eth0 nodad && $PEER $IP addr add 2001:db8::2/64 dev eth1 nodad ||
		{ echo "gro-hw: could not add IPv6 addresses"; return 1; }
	v4a=$A v4b=$B
	A=2001:db8::1 B=2001:db8::2
	reach && gro_hw_transfer
	ok=$?
	A=$v4a B=$v4b
	$IP addr del 2001:db8::1/64 dev eth0 && $PEER $IP addr del 2001:db8::2/64 dev eth1
	[ $ok = 0 ] || { echo "gro-hw: TCP over IPv6 failed"; return 1; }
	[ $gso -gt 0 ] && [ $gso -le $tso ] && [ $bad = 0 ] ||
		{ echo "gro-hw: over IPv6 eth0 received $frames frames of $((bytes / frames)) bytes, $gso coalesced, $bad dropped; the peer segmented $tso"; return 1; }
	v6="IPv6: $frames frames of $((bytes / frames)) bytes, $gso coalesced (the peer's device segmented $tso)"
}

# tap_multiqueue: on the tap topology each NIC has 2 queue pairs (ethtool
# -l: 2 combined, at most 2), and every queue carries frames: from each
# side, 8 UDP senders on each CPU (XPS sends each CPU's on its own queue;
# the host spreads 16 flows over the peer's RX queues by their hash) make
# every rx<n>_packets and tx<n>_packets counter of both NICs grow. Then
# ethtool -L eth0 to 1 pair under UDP traffic: TCP each way intact; back
# to 2: TCP intact, and the per-queue counters still add up to the
# interface's (those of a queue out of use are kept).
tap_multiqueue() {
	for side in "eth0" "eth1 peer"; do
		set -- $side
		ns=
		[ -n "${2:-}" ] && ns=$PEER
		set -- $(channels "$ns" $1)
		[ "$*" = "2 2" ] || { echo "mq: ${side% *} has combined channels '$*', not 2 of 2"; return 1; }
	done
	b0=$(queue_counts "" eth0) b1=$(queue_counts "$PEER" eth1)
	i0=$(vector_counts $NIC0) && i1=$(vector_counts $NIC1) ||
		{ echo "mq: no vector named nbvn-<device>-config: $(awk '/nbvn|virtio/ {print $NF}' /proc/interrupts | tr '\n' ' ')"; return 1; }
	udp_flows "" $B && udp_flows "$PEER" $A || return 1
	a0=$(queue_counts "" eth0) a1=$(queue_counts "$PEER" eth1)
	j0=$(vector_counts $NIC0) j1=$(vector_counts $NIC1)
	for q in 1 2 3 4; do
		[ $(echo $a0 | cut -d' ' -f$q) -gt $(echo $b0 | cut -d' ' -f$q) ] &&
			[ $(echo $a1 | cut -d' ' -f$q) -gt $(echo $b1 | cut -d' ' -f$q) ] ||
			{ echo "mq: rx0 tx0 rx1 tx1 packets went from '$b0' to '$a0' on eth0, '$b1' to '$a1' on eth1"; return 1; }
		[ $(echo $j0 | cut -d' ' -f$q) -gt $(echo $i0 | cut -d' ' -f$q) ] &&
			[ $(echo $j1 | cut -d' ' -f$q) -gt $(echo $i1 | cut -d' ' -f$q) ] ||
			{ echo "mq: rx0 tx0 rx1 tx1 vectors' interrupts went from '$i0' to '$j0' on NIC0, '$i1' to '$j1' on NIC1"; return 1; }
	done
	bg_start
	/usr/local/sbin/ethtool -L eth0 combined 1 2> /tmp/mq.err
	rc=$?
	bg_stop
	[ $rc = 0 ] || { echo "mq: ethtool -L eth0 combined 1 failed: $(cat /tmp/mq.err)"; return 1; }
	set -- $(channels "" eth0)
	[ "$*" = "1 2" ] && reach && transfer 4 && transfer 4 back ||
		{ echo "mq: on 1 of 2 pairs ('$*'), no traffic"; return 1; }
	/usr/local/sbin/ethtool -L eth0 combined 2 && reach && transfer 4 && transfer 4 back ||
		{ echo "mq: back on 2 pairs, no traffic"; return 1; }
	set -- $(queue_counts "" eth0)
	[ $(($1 + $3)) = "$(ifstat "" eth0 rx_packets)" ] && [ $(($2 + $4)) = "$(ifstat "" eth0 tx_packets)" ] ||
		{ echo "mq: eth0's queues count rx $1 + $3 and tx $2 + $4, the interface rx $(ifstat "" eth0 rx_packets) tx $(ifstat "" eth0 tx_packets)"; return 1; }
	echo "mq: every queue and its vector of both NICs moved (eth0 rx0 tx0 rx1 tx1: $a0 packets, $j0 interrupts); ethtool -L 1 and 2 under traffic, TCP intact"
}

# pool_xdp_drops DEV: the XDP drops of each of DEV's RX pools, "rx rx1",
# from the pools' own debugfs counters.
pool_xdp_drops() {
	bus=$(basename $1)
	for q in rx rx1; do
		awk '$1 == "xdp_drops" {print $2}' /sys/kernel/debug/nbpool/$bus-$q/stats
	done | tr '\n' ' '
}

# tap_xdp_pairs: XDP on both of eth0's queue pairs. A program dropping UDP
# to port 9 rebuilds both RX pools in the XDP layout; the peer's 16 flows
# (udp_flows) land on both queues, and each queue's pool drops some, none
# of them more than were sent, none reaching the stack. Detached, both
# pairs carry TCP again and the books agree.
tap_xdp_pairs() {
	xdp_on drop 9 || return 1
	set -- $(pool_xdp_drops $NIC0)
	n0=$(udp_counter "" NoPorts)
	udp_flows "$PEER" $A || { xdp_off; return 1; }
	sleep 0.5
	set -- "$@" $(pool_xdp_drops $NIC0)
	no=$(( $(udp_counter "" NoPorts) - n0 )) d0=$(($3 - $1)) d1=$(($4 - $2))
	xdp_off || return 1
	echo "xdp pairs: pool rx dropped $d0, pool rx1 $d1 of 3200 sent; $no reached the stack"
	[ $d0 -gt 0 ] && [ $d1 -gt 0 ] && [ $((d0 + d1)) -le 3200 ] && [ $no = 0 ] || return 1
	transfer 4 && transfer 4 back && pools_balance
}

# vector_counts PATH: interrupts of the PCI device PATH's vectors named
# nbvn-<device>-rx0, -tx0, -rx1, -tx1 in /proc/interrupts (summed over
# CPUs), "rx0 tx0 rx1 tx1"; a vector of another name counts as missing
# ("-"). Also fails when its config vector is not named.
vector_counts() {
	awk -v p="nbvn-$(basename $1)-" 'index($NF, p) == 1 {
		s = 0
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++)
			s += $i
		c[substr($NF, length(p) + 1)] = s
	} END {
		split("rx0 tx0 rx1 tx1", q)
		for (i = 1; i <= 4; i++)
			printf "%s%s", (q[i] in c) ? c[q[i]] : "-", i < 4 ? " " : "\n"
		exit !("config" in c)
	}' /proc/interrupts
}

# channels NS DEV: "combined max_combined" from ethtool -l.
channels() {
	$1 /usr/local/sbin/ethtool -l $2 | awk '/^Pre-set/ {m = 1} /^Current/ {m = 2}
		$1 == "Combined:" {c[m] = $2} END {print c[2], c[1]}'
}

# queue_counts NS DEV: DEV's rx0, tx0, rx1 and tx1 packets (ethtool -S).
queue_counts() {
	echo $(ethstat "$1" $2 rx0_packets) $(ethstat "$1" $2 tx0_packets) \
		$(ethstat "$1" $2 rx1_packets) $(ethstat "$1" $2 tx1_packets)
}

# udp_flows NS ADDR: from NS, 8 UDP senders pinned to each of 2 CPUs, 200
# datagrams each to ADDR's discard port: 16 flows.
udp_flows() {
	pids=
	for cpu in 0 1; do
		for i in 1 2 3 4 5 6 7 8; do
			$1 taskset -c $cpu /udpburst send $2 9 200 64 >/dev/null &
			pids="$pids $!"
		done
	done
	wait $pids || { echo "mq: a UDP sender from '$1' failed"; return 1; }
}

# csum_stats NS DEV [BEFORE...]: DEV's tx_needs_csum, tx_pool_tx_csums,
# rx_csum_valid and rx_needs_csum, each less BEFORE's.
csum_stats() {
	ns=$1 dev=$2
	shift 2
	for c in tx_needs_csum tx_pool_tx_csums rx_csum_valid rx_needs_csum; do
		echo $(( $(ethstat "$ns" $dev $c) - ${1:-0} ))
		[ $# -gt 0 ] && shift
	done
}

# rings_enomem: ethtool -G on eth0 running out of memory (fail_page_alloc,
# for ringfail's ioctl alone). Failing once, the driver is back on the
# rings it had and TCP passes. Failing every time, the old rings fail too:
# the device stays down, and taking the link down and unbinding the driver
# must then return (the NAPIs are already disabled). Bound again, eth0
# passes TCP both ways and the books agree.
rings_enomem() {
	fi=/sys/kernel/debug/fail_page_alloc
	echo Y > $fi/task-filter && echo N > $fi/ignore-gfp-wait && echo 0 > $fi/min-order &&
		echo 1 > $fi/interval && echo 100 > $fi/probability ||
		{ echo "enomem: fail_page_alloc refused its settings"; return 1; }
	# The one failure may hit an allocation that has a fallback (a slab
	# refill tries a larger order first, quietly): then the rings changed,
	# and it is tried again from 256/256.
	for try in 1 2 3; do
		echo 1 > $fi/times
		said=$(/ringfail eth0 64 32)
		[ "$said" = ok ] || break
		/usr/local/sbin/ethtool -G eth0 rx 256 tx 256 || break
	done
	back=$(dmesg | grep -c 'eth0: rings rx 64 tx 32 failed (-12); back to rx 256 tx 256$')
	[ "$said" = "Cannot allocate memory" ] && [ "$back" = 1 ] ||
		{ echo "enomem: one failure: ethtool -G said '$said', the driver reported going back $back times"; return 1; }
	rings_are "" eth0 256 256 && reach && transfer 1 ||
		{ echo "enomem: no traffic on the old rings after one failure"; return 1; }
	echo -1 > $fi/times
	said=$(/ringfail eth0 64 32)
	echo 0 > $fi/probability
	down=$(dmesg | grep -c 'eth0: the old rings failed too')
	[ "$said" = "Cannot allocate memory" ] && [ "$down" = 1 ] ||
		{ echo "enomem: every failure: ethtool -G said '$said', the driver reported the old rings failing $down times"; return 1; }
	$IP link set eth0 down && basename $NIC0 > $NIC0/driver/unbind ||
		{ echo "enomem: link down or unbind of the failed device failed"; return 1; }
	nbvn_claim && $IP addr add $A/24 dev eth0 && $IP link set eth0 up && reach &&
		transfer 1 && transfer 1 back && pools_balance ||
		{ echo "enomem: eth0 bound again did not pass traffic"; return 1; }
	echo "enomem: back to 256/256 after one failure; after the old rings failed too, down, unbound and bound again"
}

# rings NS DEV: "max_rx max_tx rx tx" from ethtool -g.
rings() {
	$1 /usr/local/sbin/ethtool -g $2 | awk '/^Pre-set/ {m = 1} /^Current/ {m = 2}
		$1 == "RX:" {rx[m] = $2} $1 == "TX:" {tx[m] = $2} END {print rx[1], tx[1], rx[2], tx[2]}'
}

# rings_are NS DEV RX TX: DEV's rings hold RX and TX descriptors, by ethtool
# -g, by what the driver has posted, and by its pools (8 RX buffers and
# one TX buffer per descriptor).
rings_are() {
	set -- "$1" $2 $3 $4 $(rings "$1" $2 | cut -d' ' -f3-)
	[ "$5 $6" = "$3 $4" ] || { echo "rings: $2 has rings of $5 and $6, not $3 and $4"; return 1; }
	rxb=$(ethstat "$1" $2 rx_pool_buffers) txb=$(ethstat "$1" $2 tx_pool_buffers)
	rxp=$(ethstat "$1" $2 rx_ring_posted) txp=$(ethstat "$1" $2 tx_ring_posted)
	[ "$rxb" = $(($3 * 8)) ] && [ "$txb" = $4 ] && [ "$rxp" -le $3 ] && [ "$txp" -le $4 ] && return 0
	echo "rings: $2 rings $3/$4: pools of $rxb and $txb buffers, $rxp and $txp posted"
	return 1
}

# flap_links: the flaps themselves; the device link stays off for a second.
# The monitor acts when the host sees our console line: wait for the carrier
# to follow rather than for a fixed time.
flap_links() {
	$IP link set eth0 down; sleep 0.5; $IP link set eth0 up
	echo "NBPOOL-MONITOR: set_link n1 off" > /dev/console
	wait_carrier 0 && touch /tmp/carrier.off
	sleep 1
	echo "NBPOOL-MONITOR: set_link n1 on" > /dev/console
	wait_carrier 1 && touch /tmp/carrier.on
}

# wait_carrier 0|1: until the peer's eth1 reports that carrier (10 s at most).
wait_carrier() {
	for i in $(seq 100); do
		[ "$($PEER cat /sys/class/net/eth1/carrier)" = $1 ] && return 0
		sleep 0.1
	done
	return 1
}

# reload_under_traffic: rmmod both modules while UDP flows both ways, insmod
# them again, and the link works as before.
reload_under_traffic() {
	bg_start
	rmmod nbpool_virtio_net
	r=$?
	bg_stop
	[ $r = 0 ] || { echo "reload: rmmod nbpool_virtio_net failed"; return 1; }
	unload_nbpool && nbvn_bind && nbvn_up
}

# wait_nic PATH gone|back: until the device leaves (or joins) the PCI bus,
# 60 s at most: pciehp on a debug kernel beside another boot is slow. On a
# timeout, what the hot-plug slots and pciehp say comes first.
wait_nic() {
	for i in $(seq 600); do
		if [ $2 = gone ]; then [ -e $1 ] || return 0; else [ -e $1 ] && return 0; fi
		sleep 0.1
	done
	for slot in /sys/bus/pci/slots/*; do
		echo "wait_nic: slot $(basename $slot) at $(cat $slot/address 2>/dev/null): power $(cat $slot/power 2>/dev/null)"
	done
	dmesg | grep -i -E 'pciehp|hotplug' | tail -n 6
	echo "wait_nic: $1 not $2 after 60 s"
	return 1
}

# wait_slot_off PATH: until the hot-plug slot PATH's device sat in reads
# power 0 (30 s at most). pciehp takes the device away before it powers the
# slot off; a device_add in between is lost and the slot stays off.
wait_slot_off() {
	addr=$(basename $1)
	for slot in /sys/bus/pci/slots/*; do
		[ "$(cat $slot/address)" = "${addr%.*}" ] || continue
		for i in $(seq 300); do
			[ "$(cat $slot/power)" = 0 ] && return 0
			sleep 0.1
		done
		echo "wait_slot_off: slot $(basename $slot) still powered 30 s after $1 left"
		return 1
	done
}

# unplug_under_traffic: hot-unplug both NICs through QEMU's monitor while UDP
# flows both ways, plug them back, rebind, and the link works as before.
unplug_under_traffic() {
	bg_start
	# Both at once: each waits out PCIe's 5 s before the slot powers off.
	echo "NBPOOL-MONITOR: device_del nic1" > /dev/console
	echo "NBPOOL-MONITOR: device_del nic0" > /dev/console
	wait_nic $NIC1 gone && wait_nic $NIC0 gone && wait_slot_off $NIC1 && wait_slot_off $NIC0 ||
		{ bg_stop; return 1; }
	bg_stop
	echo "NBPOOL-MONITOR: device_add $NIC0_SPEC" > /dev/console
	echo "NBPOOL-MONITOR: device_add $NIC1_SPEC" > /dev/console
	wait_nic $NIC0 back && wait_nic $NIC1 back || return 1
	nbvn_claim && nbvn_up
}

# replug_nic1 SED: unplug NIC1 and plug it back with its QEMU device
# properties edited by the sed script SED ('' for none).
replug_nic1() {
	echo "NBPOOL-MONITOR: device_del nic1" > /dev/console
	wait_nic $NIC1 gone && wait_slot_off $NIC1 || return 1
	echo "NBPOOL-MONITOR: device_add $(echo "$NIC1_SPEC" | sed "$1")" > /dev/console
	wait_nic $NIC1 back
}

# nic1_restore: NIC1 plugged back as at boot, bound, in the peer namespace.
nic1_restore() {
	replug_nic1 '' && nbvn_claim && peer_up ||
		{ echo "NIC1 did not come back"; return 1; }
}

# nic1_offer SED: NIC1 plugged back with its QEMU device properties edited
# by SED, and offered to nbpool_virtio_net alone. Sets bound (the driver
# that took it, or nothing) and, when none did, status: the device status
# byte read from the device itself after the attempt (/vstatus).
nic1_offer() {
	replug_nic1 "$1" || return 1
	sleep 1		# virtio-pci probes it first
	[ -e $NIC1/driver ] && basename $NIC1 > $NIC1/driver/unbind
	echo nbpool_virtio_net > $NIC1/driver_override
	basename $NIC1 > /sys/bus/pci/drivers_probe
	bound=$(basename "$(readlink $NIC1/driver)" 2>/dev/null) status=
	[ -n "$bound" ] && return 0
	echo 1 > $NIC1/enable
	status=$(/vstatus $NIC1 | awk '{print $2}')
	echo 0 > $NIC1/enable
}

# refused WHAT: after nic1_offer, the driver refused NIC1 and set
# VIRTIO_CONFIG_S_FAILED (0x80) in its status.
refused() {
	[ -z "$bound" ] || { echo "$1: $bound bound the NIC"; return 1; }
	[ -n "$status" ] && [ $((status & 0x80)) != 0 ] ||
		{ echo "$1: refused, but the device status is '$status', without FAILED (0x80)"; return 1; }
}

# refuses_iommu_bypass: a NIC without VIRTIO_F_ACCESS_PLATFORM uses
# guest-physical addresses, past the IOMMU and the DMA API, so the pool's
# DMA addresses mean nothing to it: the driver must not bind. NIC1 is
# plugged back that way (iommu_platform=off) and must be refused, told so
# in its status, with a message naming the feature.
refuses_iommu_bypass() {
	nic1_offer 's/iommu_platform=on/iommu_platform=off/' || return 1
	said=$(dmesg | grep "$(basename $NIC1).*VIRTIO_F_ACCESS_PLATFORM" | tail -n1)
	nic1_restore || return 1
	refused bypass || return 1
	[ -n "$said" ] || { echo "bypass: refused without a message naming VIRTIO_F_ACCESS_PLATFORM"; return 1; }
	echo "bypass: device status $status; ${said#*] }"
}

# refuses_two_vectors: a NIC with 2 MSI-X vectors, fewer than a queue
# pair and the config interrupt need (3), fails the probe part way, once
# the driver has found the device and read its features (before any ring
# exists): the driver must leave it unbound and marked FAILED, and NIC1
# then comes back as before.
refuses_two_vectors() {
	nic1_offer 's/$/,vectors=2/' || return 1
	nic1_restore || return 1
	refused vectors || return 1
	echo "vectors: refused with 2 MSI-X vectors, device status $status"
}

# device_mtu_1400: a NIC whose device says its MTU is 1400
# (VIRTIO_NET_F_MTU, QEMU's host_mtu) comes up with MTU and maximum 1400,
# and a ping of exactly 1400 bytes passes both ways.
device_mtu_1400() {
	replug_nic1 's/$/,host_mtu=1400/' && nbvn_claim || return 1
	mtu=$(cat /sys/class/net/eth1/mtu)
	max=$($IP -d link show eth1 | sed -n 's/.* maxmtu \([0-9]*\).*/\1/p')
	peer_up && ping -q -c 3 -i 0.2 -W 3 -s 1372 $B | grep -q ' 0% packet loss' &&
		$PEER ping -q -c 3 -i 0.2 -W 3 -s 1372 $A | grep -q ' 0% packet loss'
	pinged=$?
	nic1_restore || return 1
	[ "$mtu" = 1400 ] && [ "$max" = 1400 ] ||
		{ echo "mtu: the device says 1400; eth1 came up with MTU $mtu, maximum $max"; return 1; }
	[ $pinged = 0 ] || { echo "mtu: 1400-byte pings lost"; return 1; }
	echo "mtu: a 1400-byte device: MTU $mtu, maximum $max, pings pass"
}

# cycles N: issue 7's loop, N times: hot-unplug under traffic and back, then
# rmmod/insmod of both modules under traffic. Prints the cycles it completed.
cycles() {
	for c in $(seq $1); do
		for what in unplug_under_traffic reload_under_traffic pools_balance; do
			$what > /tmp/cycle.out 2>&1
			rc=$?
			cat /tmp/cycle.out
			[ $rc = 0 ] ||
				{ echo "cycles: $what failed in cycle $c: $(tail -n1 /tmp/cycle.out)"; return 1; }
		done
	done
	echo "cycles: $1 unplug + reload cycles under traffic"
}

# soak SECONDS: random rounds of traffic, bursts, MTU and link changes,
# reloads and hot-unplugs until SECONDS have passed; the books must balance
# after every round. Progress goes to the console as it happens.
soak() {
	secs=$1 end=$(( $(cut -d. -f1 /proc/uptime) + $1 ))
	set -- "transfer ${mib:-16}" "transfer ${mib:-16} back" "udp_overrun 65536 5000" \
	       "udp_overrun 67108864 5000" mtu_under_traffic link_under_traffic \
	       reload_under_traffic unplug_under_traffic
	kinds=$#
	rounds=0
	: > /tmp/soak.kinds
	while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
		k=$(( $(od -An -N2 -tu2 /dev/urandom) % kinds + 1 ))
		eval what=\${$k}
		rounds=$((rounds + 1))
		echo "soak: round $rounds: $what" > /dev/console
		if ! $what > /tmp/soak.out 2>&1 || ! pools_balance; then
			cat /tmp/soak.out
			echo "soak: round $rounds ($what) failed"
			return 1
		fi
		echo $k >> /tmp/soak.kinds
	done
	i=0
	for what in "$@"; do
		i=$((i + 1))
		echo "soak: $(grep -c "^$i\$" /tmp/soak.kinds) x $what"
	done
	echo "soak: $rounds rounds in $(( $(cut -d. -f1 /proc/uptime) - end + secs )) s, books balanced after each"
	pool_table
}

# kmsg_flood N: N numbered lines into the kernel log (the boot runs with
# printk.devkmsg=on, so none is rate limited).
kmsg_flood() {
	i=1
	while [ $i -le $1 ]; do
		echo "nbpool-netconsole line $i of $1" > /dev/kmsg
		i=$((i + 1))
	done
}

# netconsole_under_traffic: netconsole (netpoll: ndo_start_xmit and the
# NAPI polls with interrupts off) on eth0 sending the kernel log to the
# peer while TCP runs both ways and 2000 lines go to the log. Every line
# must arrive, and the NIC must work as before.
netconsole_under_traffic() {
	mac=$($PEER cat /sys/class/net/eth1/address)
	rm -f /tmp/nc.out /tmp/nc.ready
	# It ends at the last line. Its 120 s of patience must outlast the
	# start of the transfers below, which under load took 31 s once (the
	# sink had given up a second before the first line).
	$PEER /udpsink 6666 120 /tmp/nc.ready "line 2000 of 2000" > /tmp/nc.out &
	ncl=$!
	wait_ready /tmp/nc.ready $ncl || return 1
	# The stock kernels build configfs, which netconsole needs, as a module.
	[ -e /configfs.ko ] && ! [ -d /sys/module/configfs ] && insmod /configfs.ko
	insmod /netconsole.ko netconsole=6665@$A/eth0,6666@$B/$mac || return 1
	tcp_sink "" 5002 || { rmmod netconsole; kill $ncl; return 1; }
	$PEER sh -c "dd if=/dev/zero bs=1M count=${mib:-16} 2>/dev/null | nc $A 5002" &
	back=$!
	DURING="kmsg_flood 2000" transfer ${mib:-16}
	rc=$?
	wait $back
	killall tail 2>/dev/null
	wait $ncl		# ends at the last line, or 120 s after the last that came
	rmmod netconsole || rc=1
	got=$(grep -c 'nbpool-netconsole line [0-9]* of 2000' /tmp/nc.out)
	echo "netconsole: $got of 2000 lines arrived at the peer"
	[ $rc = 0 ] && [ "$got" = 2000 ] && ping_sizes "" $B && transfer ${mib:-16} && pools_balance
}

# splice_keeps_addresses: the peer receives a TCP transfer with splice()
# into a pipe (the pipe holds plain references on the skbs' pages); every
# page of the peer's RX pool keeps its DMA address, the memory table has no
# hole, and the data arrives intact.
splice_keeps_addresses() {
	bus=$($PEER /usr/local/sbin/ethtool -i eth1 | awk '$1 == "bus-info:" {print $2}')
	mem=/sys/kernel/debug/nbpool/$bus-rx/memory
	cat $mem > /tmp/mem.before || return 1
	dd if=/dev/urandom of=/tmp/data bs=1M count=${mib:-16} 2>/dev/null
	$PEER /splicerecv 5003 /tmp/spliced > /tmp/splice.out &
	wait_listen 5003 $PEER || { kill $!; return 1; }
	nc $B 5003 < /tmp/data || return 1
	wait
	cat /tmp/splice.out
	cat $mem > /tmp/mem.after
	[ "$(sha256sum < /tmp/data)" = "$($PEER sha256sum < /tmp/spliced)" ] ||
		{ echo "splice: data differs"; return 1; }
	cmp /tmp/mem.before /tmp/mem.after || { echo "splice: the memory table changed"; return 1; }
	! grep -q ' dma 0x0*$' /tmp/mem.after || { echo "splice: an unmapped page"; return 1; }
	echo "splice: $(wc -l < /tmp/mem.after) pages kept their DMA addresses"
}
