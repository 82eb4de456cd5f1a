#!/usr/bin/env bash
# soak.sh: what `make soak` runs (not part of make check). The nbpool
# virtio-net driver on the debug kernel (KASAN, lockdep, DMA-API debug,
# kmemleak, panic_on_warn) for SOAK_MINUTES (default 10) of random rounds:
# TCP both ways, UDP overruns, MTU and link changes, rmmod/insmod and
# hot-unplug under traffic; the pools' books must balance after every round.
# KVER=6.12 or KVER=6.1 soaks a stock Debian kernel instead.
# Ends with the counters and "soak: PASS" or "soak: FAIL: why".
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$NBPOOL_TOP"
qemu/deps.sh check || exit 1

secs=$(( ${SOAK_MINUTES:-10} * 60 ))
(( secs > 0 )) || die "SOAK_MINUTES must be a positive number of minutes"
if [[ -n ${KVER:-} ]]; then
	kver=$(stock_kernel "$KVER")
	[[ -n $kver ]] || die "no stock kernel $KVER with headers and image (KVER=6.12 or KVER=6.1)"
	build=$kver kdir=/usr/src/linux-headers-$kver kernel=/boot/vmlinuz-$kver
	opts=(-x "/lib/modules/$kver" -e mib=64) name=soak-$kver plans="soak unload"
else
	qemu/build-kernel.sh || die "the test kernel did not build"
	# KASAN makes TCP about 15 times slower: smaller transfers per round.
	build=debug kdir=$TEST_KERNEL_BUILD kernel=$TEST_KERNEL
	opts=(-c "panic_on_warn=1 kmemleak=on" -e mib=16) name=soak-debug plans="soak unload leaks"
fi
out=$(qemu/build-modules.sh "$build" "$kdir") || die "the build failed: $(tail -n1 <<<"$out")"

say "soaking the nbpool virtio-net driver for $((secs / 60)) min on $(basename "$kernel") (plus ~1 min to boot and check)"
results=$(qemu/boot.sh -m "$NBPOOL_OUT/build/$build" "${opts[@]}" -e soak=$secs -t $((secs + 900)) \
	"$name" "$kernel" "$plans")
log=$NBPOOL_OUT/$name.log
tr -d '\r' <"$log" | grep -a -E '^    soak: |^    pool  |^    [0-9a-z:.-]+-(rx|tx) ' | sed 's/^    /  /'
grep -E '^(PASS|FAIL) ' <<<"$results"
echo "full guest log: $log"
if grep -q '^FAIL' <<<"$results"; then
	echo "soak: FAIL: $(grep -m1 '^FAIL' <<<"$results")"
	exit 1
fi
echo "soak: PASS"
