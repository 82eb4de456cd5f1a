#!/usr/bin/env bash
# demo.sh: what `make demo` runs. Builds nbpool and its virtio-net driver
# against a stock Debian kernel's headers (KVER=6.12, the default, 6.1, or
# 7.3 from trixie-backports, built in a Debian 13 root: qemu/root.sh),
# boots that kernel in QEMU with two virtio NICs cabled together behind a
# strict intel-iommu, passes traffic, and prints what the pool did.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$NBPOOL_TOP"
qemu/deps.sh demo || exit 1

want=${KVER:-6.12}
build=()
if new_series "$want"; then
	# 7.x: built in the Debian 13 root, booted from its unpacked packages.
	qemu/root.sh make || exit 1
	kver=$(new_kernels | awk -v s="$want" '$1 == s {print $2}')
	build=(-r -n)
	[[ -f $NBPOOL_CACHE/kernels/$kver/vmlinuz ]] ||
		die "of the newest kernels only ${NEW_SERIES##* } boots here; $want is built by make check (KVER=${NEW_SERIES##* })"
else
	kver=$(stock_kernel "$want")
fi
[[ -n $kver ]] || die "no stock kernel $want with headers and image (KVER=6.12, 6.1 or ${NEW_SERIES// /, })"

say "building nbpool and its driver against the $kver headers (about 1 minute)"
out=$(qemu/build-modules.sh "${build[@]}" "$kver" "/usr/src/linux-headers-$kver") ||
	die "the build failed: $(tail -n1 <<<"$out")"
say "booting the stock $kver kernel in QEMU with the nbpool virtio-net driver; ping, then 64 MiB over TCP (about 1.5 minutes)"
t0=$SECONDS
results=$(qemu/boot.sh -m "$NBPOOL_OUT/build/$kver" -x "$(stock_modules "$kver")" -t 600 -e mib=64 \
	"demo-$kver" "$(stock_image "$kver")" "demo unload")
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
