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
	kdir=$(ls -d /usr/src/linux-headers-"$KVER"[.-]*-amd64 2>/dev/null | sort | tail -n1)
	[[ -n $kdir ]] || die "no headers for kernel $KVER (KVER=6.12 or KVER=6.1)"
	kver=${kdir#/usr/src/linux-headers-}
	kernel=/boot/vmlinuz-$kver cmdline= name=soak-$kver mib=64
else
	qemu/build-kernel.sh || die "the test kernel did not build"
	kdir=$TEST_KERNEL_BUILD kernel=$TEST_KERNEL_BUILD/arch/x86/boot/bzImage
	# KASAN makes TCP about 15 times slower: smaller transfers per round.
	cmdline="panic_on_warn=1 kmemleak=on" name=soak-debug mib=16
fi

say "soaking the nbpool virtio-net driver for $((secs / 60)) min on $(basename "$kernel") (plus ~1 min to boot and check)"
results=$(NBPOOL_SOAK=$secs NBPOOL_MIB=$mib NBPOOL_CMDLINE=$cmdline qemu/netdev.sh "$name" "$kernel" "$kdir")
log=$NBPOOL_OUT/$name.log
tr -d '\r' <"$log" | grep -a -E '^    soak: |^    pool  |^    [0-9a-z:.-]+-(rx|tx) ' | sed 's/^    /  /'
printf '%s\n' "$results"
echo "full guest log: $log"
if grep -q '^FAIL' <<<"$results"; then
	echo "soak: FAIL: $(grep -m1 '^FAIL' <<<"$results")"
	exit 1
fi
echo "soak: PASS"
