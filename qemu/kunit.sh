#!/usr/bin/env bash
# kunit.sh: what `make kunit` runs: only the KUnit boot of make check (the
# test kernel built or reused, nbpool and its suites built against it).
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$NBPOOL_TOP"
qemu/deps.sh check || exit 1
qemu/build-kernel.sh || die "the test kernel did not build"
out=$(qemu/build-modules.sh debug "$TEST_KERNEL_BUILD") || die "the build failed: $(tail -n1 <<<"$out")"
kos=()
for m in nbpool_kunit nbpool_kunit_long nbpool_kunit_hostile; do kos+=(-k "$NBPOOL_OUT/build/debug/kunit/$m.ko"); done
say "KUnit on the debug kernel, 4 vCPUs (about 4 minutes)"
results=$(qemu/boot.sh -m "$NBPOOL_OUT/build/debug" -c "panic_on_warn=1 kmemleak=on kunit.enable=1" "${kos[@]}" -s 4 \
	-t 1700 -e long_ops=1000000 -e long_races=100 -e hostile=1 \
	-w "double free" -w "foreign packet" -w "packet bounds" kunit "$TEST_KERNEL" "kunit leaks")
grep -E '^(PASS|FAIL) ' <<<"$results"
echo "$(grep -c '^PASS' <<<"$results") passed, $(grep -c '^FAIL' <<<"$results") failed"
! grep -q '^FAIL' <<<"$results"
