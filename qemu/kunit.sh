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
if ! make -C "$TEST_KERNEL_BUILD" M="$tdir" W=1 modules >"$blog" 2>&1 ||
   grep -q -E 'warning:|error:' "$blog"; then
	not_run "build failed: $(grep -m1 -E 'warning:|error:|Error' "$blog") (log: $blog)"
fi

# run_boot NAME CMDLINE SUITE...: boot the test kernel with the KUnit module,
# run the suites named, print their PASS/FAIL lines.
run_boot() {
	local name=$1 cmdline=$2
	shift 2
	echo "check_tracepoints=${NBPOOL_TRACEPOINTS:-}" >"$NBPOOL_OUT/$name.plan"
	cat >>"$NBPOOL_OUT/$name.plan" <<'PLAN'
# Fault injection (nbpool_faults uses the per-task fail-nth): make sleeping
# and order-0 allocations eligible; random injection stays off (probability 0).
for fi in failslab fail_page_alloc; do
	step sh -c "echo N > /sys/kernel/debug/$fi/ignore-gfp-wait && echo 1 > /sys/kernel/debug/$fi/verbose"
done
step sh -c 'echo 0 > /sys/kernel/debug/fail_page_alloc/min-order'
step insmod /nbpool.ko
step sh -c 'echo 1 > /sys/kernel/tracing/events/nbpool/enable'
step insmod /nbpool_kunit.ko
[ -n "$check_tracepoints" ] && for ev in nbpool_create nbpool_destroy nbpool_exhausted nbpool_rx_copy; do
	result "tracepoint $ev fired during the suites" grep -q "$ev: pool=" /sys/kernel/tracing/trace
done
step rmmod nbpool_kunit
result "rmmod nbpool once no pool is left" rmmod nbpool
step kmemleak_check
PLAN
	qemu/mkinitramfs.sh "$NBPOOL_OUT/$name.initrd" "$NBPOOL_OUT/$name.plan" \
		"$tdir/nbpool.ko:nbpool.ko" "$tdir/kunit/nbpool_kunit.ko:nbpool_kunit.ko"
	if why=$(qemu/run-guest.sh "$name" "$TEST_KERNEL_BUILD/arch/x86/boot/bzImage" \
		"$NBPOOL_OUT/$name.initrd" 1200 "kmemleak=on kunit.enable=1 $cmdline" 2>/dev/null); then
		echo "PASS $name guest: booted, ran every step, no unexpected kernel report"
	else
		echo "FAIL $name guest: $why"
	fi
	qemu/ktap.py "$NBPOOL_OUT/$name.log" "$@"
	tr -d '\r' <"$NBPOOL_OUT/$name.log" | grep -a -o 'NBPOOL-RESULT .*' | cut -d' ' -f2- | sed "s/^\(PASS\|FAIL\) /&$name: /"
}

main_suites=()
for s in "${suites[@]}"; do [[ $s == nbpool_hostile || $s == nbpool_long ]] || main_suites+=("$s"); done

say "running the KUnit suites in QEMU (TCG, intel-iommu, KASAN, lockdep, kmemleak, panic_on_warn; about 1 minute)" >&2
NBPOOL_TRACEPOINTS=1 run_boot kunit "panic_on_warn=1 kunit.filter_glob=nbpool_[!hl]*" "${main_suites[@]}"

# Suites named nbpool_h* and nbpool_l* run in boots of their own.
say "running the long suite on 4 vCPUs: 10 million cross-CPU operations, 1000 teardown races (about 5 minutes)" >&2
NBPOOL_SMP=4 run_boot long "panic_on_warn=1 kunit.filter_glob=nbpool_long" nbpool_long

say "running the hostile-caller suite in its own boot, WARNs allowed only where expected (about 40 s)" >&2
NBPOOL_EXPECTED_WARNINGS="double free|foreign packet|packet bounds" \
	run_boot hostile "kunit.filter_glob=nbpool_hostile" nbpool_hostile
