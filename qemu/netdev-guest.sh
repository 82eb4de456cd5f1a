# Sourced by a guest plan: bring up nbpool_virtio_net on the two cabled NICs,
# one in a namespace of its own, and run traffic between them. Results are
# "NBPOOL-RESULT PASS|FAIL name" lines (see guest-init.sh's result()).
IP=/usr/local/sbin/ip		# iproute2: busybox's ip cannot move links between namespaces
PEER="$IP netns exec peer"
A=192.0.2.1			# TEST-NET-1: nothing here routes anywhere
B=192.0.2.2

# Hand the virtio-net devices to nbpool_virtio_net instead of virtio-pci.
nbvn_bind() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1041 ] || continue
		[ -e "$d/driver" ] && basename "$d" > "$d/driver/unbind"
		echo nbpool_virtio_net > "$d/driver_override"
	done
	[ -e /virtio_pci_modern_dev.ko ] && insmod /virtio_pci_modern_dev.ko
	insmod /nbpool.ko && insmod /nbpool_virtio_net.ko
}

# eth0 here as $A, eth1 in namespace "peer" as $B.
nbvn_up() {
	mkdir -p /run/netns
	$IP netns add peer && $IP link set eth1 netns peer &&
	$IP addr add $A/24 dev eth0 && $IP link set eth0 up &&
	$PEER $IP addr add $B/24 dev eth1 && $PEER $IP link set eth1 up &&
	$PEER $IP link set lo up && $IP link set lo up && sleep 1
}

# Unload the driver, then nbpool once the stack has let go of every buffer.
# TCP frees received skbs through per-CPU defer lists that are emptied only
# when that CPU next processes packets: loopback pings on every CPU do that.
unload_all() {
	rmmod nbpool_virtio_net || return 1
	for try in 1 2 3 4 5 6 7 8 9 10; do
		for mask in 1 2 4 8; do
			taskset $mask ping -q -c 1 -W 1 127.0.0.1 >/dev/null 2>&1
		done
		rmmod nbpool 2>/dev/null && return 0
		sleep 0.5
	done
	return 1
}

# ping_sizes FROM_NS TARGET: zero loss at every size from 64 bytes to the MTU.
ping_sizes() {
	for size in 56 500 1000 1472; do
		$1 ping -q -c 5 -W 3 -s $size $2 | grep -q ' 0% packet loss' || return 1
	done
}

# transfer MIB: send MiB of random data over TCP and compare checksums.
transfer() {
	dd if=/dev/urandom of=/tmp/data bs=1M count=$1 2>/dev/null
	sha256sum < /tmp/data > /tmp/tx.sum
	# The listener's stdin must stay open: at its EOF busybox nc half-closes,
	# and the sender stops sending when it sees that.
	$PEER sh -c 'sleep 600 | nc -l -p 5001 | sha256sum > /tmp/rx.sum' 2>/dev/null &
	sleep 1
	t0=$(cut -d' ' -f1 /proc/uptime)
	nc $B 5001 < /tmp/data
	killall sleep 2>/dev/null	# lets the listener's pipeline end
	wait
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "transfer: $1 MiB in $(echo "$t1 $t0" | awk '{printf "%.2f", $1 - $2}') s"
	cmp -s /tmp/tx.sum /tmp/rx.sum
}

# The pools' books balance: free + driver + stack == buffers.
pools_balance() {
	for s in /sys/kernel/debug/nbpool/*/stats; do
		awk '$1 == "buffers" {b = $2} $1 == "buffers_free" {f = $2}
		     $1 == "buffers_driver" {d = $2} $1 == "buffers_stack" {s = $2}
		     $1 == "bad_calls" {bad = $2} $1 == "pages_lost" {lost = $2}
		     END {exit !(b == f + d + s && bad == 0 && lost == 0)}' "$s" || return 1
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
		echo "pool                 buffers  free driver stack   allocs (lockless)  lent to stack  recycled pages  copies rx/tx  exhausted"
		for s in /sys/kernel/debug/nbpool/*/stats; do
			awk '{v[$1] = $2} END {printf "%-20s %7d %5d %6d %5d %8d (%8d) %14d %15d %7d/%-6d %9d\n",
				v["name"], v["buffers"], v["buffers_free"], v["buffers_driver"], v["buffers_stack"],
				v["allocs"], v["alloc_fast"], v["lent"], v["recycled"], v["rx_copies"],
				v["tx_copies"], v["alloc_fail"]}' "$s"
		done
	} 2>&1 | sed 's/^/DEMO: /'
}
