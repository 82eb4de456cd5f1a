#!/usr/bin/env bash
# kunit.sh: build the test kernel (cached), build nbpool and its KUnit module
# against it, boot it in QEMU and print one line per test case:
# "PASS suite.case" or "FAIL suite.case: why". A suite that did not run, a
# guest that did not finish, and any kernel report are FAIL lines too.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$NBPOOL_TOP"

# Every suite the sources define must report.
mapfile -t suites < <(grep -ho '\.name = "nbpool_[a-z_]*"' kunit/*.c | cut -d'"' -f2)
not_run() {
	for s in "${suites[@]}"; do echo "FAIL $s: not run: $1"; done
	exit 1
}

qemu/build-kernel.sh >&2 || not_run "the test kernel did not build"

say "building nbpool and its KUnit suites against the test kernel" >&2
tdir=$NBPOOL_OUT/build/test
blog=$NBPOOL_OUT/build-test.log
rm -rf "$tdir" && mkdir -p "$tdir"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tdir"
make -C "$TEST_KERNEL_BUILD" M="$tdir" W=1 modules >"$blog" 2>&1 ||
	not_run "build failed: $(grep -m1 -E 'error|Error' "$blog") (log: $blog)"

say "running the KUnit suites in QEMU (TCG, intel-iommu, KASAN, lockdep, kmemleak; about 1 minute)" >&2
cat >"$NBPOOL_OUT/kunit.plan" <<'PLAN'
step insmod /nbpool.ko
step sh -c 'echo 1 > /sys/kernel/tracing/events/nbpool/enable'
step insmod /nbpool_kunit.ko
for ev in nbpool_create nbpool_destroy nbpool_exhausted nbpool_rx_copy; do
	result "tracepoint $ev fired during the suites" grep -q "$ev: pool=" /sys/kernel/tracing/trace
done
step rmmod nbpool_kunit
result "rmmod nbpool once no pool is left" rmmod nbpool
step kmemleak_check
PLAN
qemu/mkinitramfs.sh "$NBPOOL_OUT/kunit.initrd" "$NBPOOL_OUT/kunit.plan" \
	"$tdir/nbpool.ko:nbpool.ko" "$tdir/kunit/nbpool_kunit.ko:nbpool_kunit.ko"
if why=$(qemu/run-guest.sh kunit "$TEST_KERNEL_BUILD/arch/x86/boot/bzImage" \
	"$NBPOOL_OUT/kunit.initrd" 1200 "panic_on_warn=1 kmemleak=on kunit.enable=1" 2>/dev/null); then
	echo "PASS kunit guest: booted, ran every step, no kernel report"
else
	echo "FAIL kunit guest: $why"
fi
qemu/ktap.py "$NBPOOL_OUT/kunit.log" "${suites[@]}"
grep -a '^NBPOOL-RESULT ' "$NBPOOL_OUT/kunit.log" | cut -d' ' -f2-
