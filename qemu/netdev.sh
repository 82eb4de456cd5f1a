#!/usr/bin/env bash
# netdev.sh NAME KERNEL KDIR: the nbpool virtio-net driver under traffic in
# one guest: the two NICs cabled through a QEMU hub, one in its own network
# namespace, strict intel-iommu. Prints PASS/FAIL lines. The guest's side of
# the tests is qemu/guest/netdev.sh. Environment:
#   NBPOOL_MIB=64      size of the TCP transfers
#   NBPOOL_CYCLES=N    also N cycles of hot-unplug + rmmod/insmod under traffic
#   NBPOOL_DEMO=1      only ping and a transfer, and the pools' statistics for a person
#   NBPOOL_SOAK=S      only a soak of S seconds (make soak)
#   NBPOOL_E2E=DRIVER  only benchmark case 8 through DRIVER (nbpool_virtio_net
#                      or the in-tree virtio_net; make bench)
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$NBPOOL_TOP"
name=$1 kernel=$2 kdir=$3

dir=$NBPOOL_OUT/build/$name
blog=$NBPOOL_OUT/build-$name.log
rm -rf "$dir" && mkdir -p "$dir"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$dir"
if ! make -C "$kdir" M="$dir" NBPOOL_DRIVER=1 W=1 modules >"$blog" 2>&1 ||
   grep -q -E 'warning:|error:' "$blog"; then
	echo "FAIL $name: driver build: $(grep -m1 -E 'warning:|error:|Error' "$blog") (log: $blog)"
	exit 0
fi

# The guest's tools: iproute2 and ethtool (busybox has neither in full) with
# their libraries, and the UDP burst tool, built static here.
udpburst=$NBPOOL_OUT/udpburst
if ! gcc -O2 -Wall -Werror -static -o "$udpburst" qemu/guest/udpburst.c 2>"$blog.udpburst"; then
	echo "FAIL $name: udpburst build: $(head -n1 "$blog.udpburst")"
	exit 0
fi
files=("$dir/nbpool.ko:nbpool.ko" "$dir/virtio/nbpool_virtio_net.ko:nbpool_virtio_net.ko"
       "$NBPOOL_TOP/qemu/guest/netdev.sh:netdev.sh" "$udpburst:udpburst"
       "$(readlink -f /bin/ip):usr/local/sbin/ip" "$(readlink -f /sbin/ethtool):usr/local/sbin/ethtool")
for lib in $(ldd /bin/ip /sbin/ethtool | grep -o '/lib[^ ]*' | sort -u); do files+=("$lib:$lib"); done
# On 6.1 the virtio PCI helpers are a module.
kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
lib=/lib/modules/$kver/kernel/drivers/virtio/virtio_pci_modern_dev.ko
[[ -f $lib ]] && files+=("$lib:virtio_pci_modern_dev.ko")
# The benchmark's comparison: the in-tree virtio_net and what it needs.
if [[ -n ${NBPOOL_E2E:-} ]]; then
	files+=("$NBPOOL_TOP/qemu/guest/bench-e2e.sh:bench-e2e.sh")
	for m in net/core/failover drivers/net/net_failover drivers/net/virtio_net; do
		ko=$(ls /lib/modules/"$kver"/kernel/$m.ko* 2>/dev/null) || { echo "FAIL $name: no $m.ko"; exit 0; }
		xz -dcf "$ko" >"$NBPOOL_OUT/$(basename $m).ko"
		files+=("$NBPOOL_OUT/$(basename $m).ko:$(basename $m).ko")
	done
fi

cat >"$NBPOOL_OUT/$name.plan" <<PLAN
demo=${NBPOOL_DEMO:-}
mib=${NBPOOL_MIB:-64}
cycles=${NBPOOL_CYCLES:-0}
soak=${NBPOOL_SOAK:-0}
e2e=${NBPOOL_E2E:-}
NIC0_SPEC=$(nbpool_nic 0)
NIC1_SPEC=$(nbpool_nic 1)
PLAN
cat >>"$NBPOOL_OUT/$name.plan" <<'PLAN'
export NIC0_SPEC NIC1_SPEC mib
. /netdev.sh
t() { result "$1" sh -c ". /netdev.sh; $2"; }
if [ "$e2e" = virtio_net ]; then
	step insmod /failover.ko
	step insmod /net_failover.ko
	step insmod /virtio_net.ko
else
	step nbvn_bind
fi
step nbvn_up
if [ -n "$e2e" ]; then
	step sh -c ". /netdev.sh; . /bench-e2e.sh; DRIVER=$e2e; udp64 200000; tcp 64"
else
	t "ping both ways, 64 bytes to the MTU, no loss" 'ping_sizes "" $B && ping_sizes "$PEER" $A'
	t "$mib MiB over TCP, checksum equal at both ends" "transfer $mib"
	if [ -n "$demo" ]; then
		(. /netdev.sh; demo_report $mib)
	elif [ "$soak" -gt 0 ]; then
		t "soak: $soak s of random traffic, reloads and hot-unplugs" "soak $soak"
	else
		t "$mib MiB over TCP the other way, checksum equal" "transfer $mib back"
		t "ethtool -S shows the driver's and both pools' counters" ethtool_pools
		t "UDP burst into a 64 KiB socket buffer: stack drops and counts, data intact" \
			'udp_overrun 65536 20000 && [ $UDP_DROPS -gt 0 ]'
		t "UDP burst into a 64 MiB socket buffer: pool under pressure, data intact" \
			'udp_overrun 67108864 20000 && [ $((UDP_COPIES + UDP_EMPTY)) -gt 0 ]'
		t "pool books balance after the bursts" pools_balance
		t "MTU 1200, maximum, 1500 during a TCP transfer" mtu_under_traffic
		t "link down/up and device link off/on during a TCP transfer" link_under_traffic
		t "rmmod/insmod of both modules during UDP traffic" reload_under_traffic
		t "hot-unplug of both NICs during UDP traffic, plug back, rebind" unplug_under_traffic
		[ "$cycles" -gt 0 ] && t "$cycles cycles of hot-unplug and rmmod/insmod under traffic" "cycles $cycles"
	fi
	t "pool books balance after traffic" pools_balance
	step $IP link set eth0 down
	t "rmmod of the driver, then of nbpool once the stack lets go" unload_all
fi
[ -e /sys/kernel/debug/kmemleak ] && step kmemleak_check
PLAN
qemu/mkinitramfs.sh "$NBPOOL_OUT/$name.initrd" "$NBPOOL_OUT/$name.plan" "${files[@]}"
log=$NBPOOL_OUT/$name.log
if why=$(qemu/run-guest.sh "$name" "$kernel" "$NBPOOL_OUT/$name.initrd" $((900 + ${NBPOOL_SOAK:-0} + 40 * ${NBPOOL_CYCLES:-0})) \
	"${NBPOOL_CMDLINE:-}" 2>/dev/null); then
	echo "PASS $name guest: booted, ran every step, no kernel report"
else
	echo "FAIL $name guest: $why"
fi
tr -d '\r' <"$log" | grep -a -o 'NBPOOL-RESULT .*' | cut -d' ' -f2- | sed "s/^\\(PASS\\|FAIL\\) /&$name: /"
