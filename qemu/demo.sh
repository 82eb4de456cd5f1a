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
kver=$(stock_kernel "$want")
[[ -n $kver ]] || die "no stock kernel $want with headers and image (KVER=6.12 or KVER=6.1)"

say "building nbpool and its driver against the $kver headers (about 1 minute)"
qemu/build-modules.sh "$kver" "/usr/src/linux-headers-$kver" >/dev/null ||
	die "the build failed: $(qemu/build-modules.sh "$kver" "/usr/src/linux-headers-$kver" | tail -n1)"
say "booting the stock $kver kernel in QEMU with the nbpool virtio-net driver; ping, then 64 MiB over TCP (about 1.5 minutes)"
t0=$SECONDS
results=$(qemu/boot.sh -m "$NBPOOL_OUT/build/$kver" -x "/lib/modules/$kver" -t 600 -e mib=64 \
	"demo-$kver" "/boot/vmlinuz-$kver" "demo unload")
log=$NBPOOL_OUT/demo-$kver.log
echo
echo "nbpool demo on Linux $kver (two virtio-net NICs, each in its own network namespace, strict IOMMU)"
tr -d '\r' <"$log" | grep -a -o 'DEMO: .*' | cut -c7- | sed 's/^/  /'
echo
grep -E '^(PASS|FAIL) ' <<<"$results" | sed 's/^/  /'
echo
echo "took $((SECONDS - t0)) s; full guest log: $log"
grep -q '^FAIL' <<<"$results" && die "the demo did not pass: $(grep -m1 '^FAIL' <<<"$results")"
exit 0
