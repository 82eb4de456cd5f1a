#!/usr/bin/env bash
# netdev.sh NAME KERNEL KDIR: the nbpool virtio-net driver under traffic in
# one guest: the two NICs cabled through a QEMU hub, one in its own network
# namespace, strict intel-iommu. Prints PASS/FAIL lines. With
# NBPOOL_DEMO=1 the guest also prints the pools' statistics for a person.
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

files=("$dir/nbpool.ko:nbpool.ko" "$dir/virtio/nbpool_virtio_net.ko:nbpool_virtio_net.ko"
       "$NBPOOL_TOP/qemu/netdev-guest.sh:netdev.sh" "$(readlink -f /bin/ip):usr/local/sbin/ip")
for lib in $(ldd /bin/ip | grep -o '/lib[^ ]*'); do files+=("$lib:$lib"); done
# On 6.1 the virtio PCI helpers are a module.
kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
lib=/lib/modules/$kver/kernel/drivers/virtio/virtio_pci_modern_dev.ko
[[ -f $lib ]] && files+=("$lib:virtio_pci_modern_dev.ko")

cat >"$NBPOOL_OUT/$name.plan" <<PLAN
demo=${NBPOOL_DEMO:-}
mib=${NBPOOL_MIB:-64}
PLAN
cat >>"$NBPOOL_OUT/$name.plan" <<'PLAN'
. /netdev.sh
step nbvn_bind
step nbvn_up
result "ping both ways, 64 bytes to the MTU, no loss" sh -c '. /netdev.sh; ping_sizes "" $B && ping_sizes "$PEER" $A'
result "$mib MiB over TCP, checksum equal at both ends" sh -c ". /netdev.sh; transfer $mib"
[ -n "$demo" ] && (. /netdev.sh; demo_report $mib)
result "pool books balance after traffic" sh -c '. /netdev.sh; pools_balance'
step $IP link set eth0 down
result "rmmod of the driver, then of nbpool once the stack lets go" sh -c '. /netdev.sh; unload_all'
[ -e /sys/kernel/debug/kmemleak ] && step kmemleak_check
PLAN
qemu/mkinitramfs.sh "$NBPOOL_OUT/$name.initrd" "$NBPOOL_OUT/$name.plan" "${files[@]}"
log=$NBPOOL_OUT/$name.log
if why=$(qemu/run-guest.sh "$name" "$kernel" "$NBPOOL_OUT/$name.initrd" 900 \
	"${NBPOOL_CMDLINE:-}" 2>/dev/null); then
	echo "PASS $name guest: booted, ran every step, no kernel report"
else
	echo "FAIL $name guest: $why"
fi
tr -d '\r' <"$log" | grep -a -o 'NBPOOL-RESULT .*' | cut -d' ' -f2- | sed "s/^\\(PASS\\|FAIL\\) /&$name: /"
