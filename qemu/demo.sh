#!/usr/bin/env bash
# demo.sh: what `make demo` runs. Builds nbpool and its virtio-net driver
# against a stock Debian kernel's headers (KVER=6.12, the default, or 6.1),
# boots that kernel in QEMU with two virtio NICs cabled together behind a
# strict intel-iommu, passes traffic, and prints what the pool did.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$NBPOOL_TOP"
qemu/deps.sh demo || exit 1

want=${KVER:-6.12}
kdir=$(ls -d /usr/src/linux-headers-"$want"[.-]*-amd64 2>/dev/null | sort | tail -n1)
[[ -n $kdir ]] || die "no headers for kernel $want (KVER=6.12 or KVER=6.1)"
kver=${kdir#/usr/src/linux-headers-}
[[ -f /boot/vmlinuz-$kver ]] || die "no /boot/vmlinuz-$kver (apt-get install linux-image-$kver)"

say "booting the stock $kver kernel in QEMU with the nbpool virtio-net driver; ping, then 64 MiB over TCP (about 1.5 minutes)"
t0=$(date +%s)
results=$(NBPOOL_DEMO=1 NBPOOL_MIB=64 qemu/netdev.sh "demo-$kver" "/boot/vmlinuz-$kver" "$kdir")
log=$NBPOOL_OUT/demo-$kver.log
echo
echo "nbpool demo on Linux $kver (two virtio-net NICs, each in its own network namespace, strict IOMMU)"
tr -d '\r' <"$log" | grep -a -o 'DEMO: .*' | cut -c7- | sed 's/^/  /'
echo
printf '%s\n' "$results" | sed 's/^/  /'
echo
echo "took $(( $(date +%s) - t0 )) s; full guest log: $log"
! grep -q '^FAIL' <<<"$results" || die "the demo did not pass: $(grep -m1 '^FAIL' <<<"$results")"
