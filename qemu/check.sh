#!/usr/bin/env bash
# check.sh [--full]: what `make check` runs (`make check-full` with --full:
# the long runs at full length, for CI). Every test is one line, PASS or
# FAIL; then a line per step with its seconds; the last line is
# "N passed, N failed". Exits non-zero on any failure.
#
# Steps come in two kinds. A check is one test: its command's exit status.
# A boot step (qemu/boot.sh) prints its own PASS/FAIL lines and must end
# with "END <step> <number of lines>": a step that died, was killed or lost
# a line cannot look like a pass. Nothing from an earlier run can count
# either: out/ starts empty and every guest echoes this run's nonce.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$NBPOOL_TOP"
full=0
[[ ${1:-} == --full ]] && full=1

rm -rf "$NBPOOL_OUT" && mkdir -p "$NBPOOL_OUT/steps" || die "cannot empty $NBPOOL_OUT"
t_start=$SECONDS
passed=0 failed=0 times=()
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# check NAME LIMIT CMD...: a test that passes when CMD exits 0 within LIMIT
# seconds; on failure the last line CMD printed says why.
check() {
	local name=$1 limit=$2 t0=$SECONDS rc
	local log=$NBPOOL_OUT/steps/${name//[ \/]/_}.log
	shift 2
	timeout -k 10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	times+=("$((SECONDS - t0)) $name")
	if [[ $rc == 0 ]]; then
		pass "$name"
	elif timed_out $rc $t0 $limit; then
		fail "$name: timed out after $limit s (log: $log)"
	else
		fail "$name: $(tail -n1 "$log") (log: $log)"
	fi
}

# timed_out RC T0 LIMIT: did timeout(1) stop the command (not its own death)?
timed_out() { [[ $1 == 124 || ( $1 == 137 && $((SECONDS - $2)) -ge $3 ) ]]; }

# step NAME LIMIT CMD...: CMD prints PASS/FAIL lines and ends with
# "END NAME N"; anything else on its stdout is a failure too.
# step_start and step_collect are its two halves, for steps that run
# side by side.
declare -A step_pid step_t0 step_limit
step_start() {
	local name=$1
	step_limit[$name]=$2
	step_t0[$name]=$SECONDS
	shift 2
	timeout -k 10 "${step_limit[$name]}" "$@" >"$NBPOOL_OUT/steps/$name.out" \
		2>"$NBPOOL_OUT/steps/$name.err" &
	step_pid[$name]=$!
}
step_collect() {
	local name=$1 rc n=0 end= status rest
	local out=$NBPOOL_OUT/steps/$name.out limit=${step_limit[$name]} t0=${step_t0[$name]}
	wait "${step_pid[$name]}"
	rc=$?
	times+=("$((SECONDS - t0)) $name")
	while read -r status rest; do
		case $status in
		PASS) pass "$rest"; n=$((n + 1)) ;;
		FAIL) fail "$rest"; n=$((n + 1)) ;;
		END) end=$rest ;;
		*) fail "$name: unexpected output: $status $rest (log: $out)" ;;
		esac
	done <"$out"
	if [[ $end != "$name $n" ]]; then
		if timed_out $rc $t0 $limit; then
			rc="killed after $limit s"
		elif ((rc > 128)); then
			rc="killed by signal $((rc - 128))"
		else
			rc="exit status $rc"
		fi
		fail "$name: the step ended without its end marker ($rc, ${end:-no END line}, $n results; stderr: $NBPOOL_OUT/steps/$name.err)"
	fi
}
step() {
	step_start "$@"
	step_collect "$1"
}

finish() {
	echo "where the time went (seconds):"
	for t in "${times[@]}"; do printf '  %5d  %s\n' "${t%% *}" "${t#* }"; done
	printf '  %5d  in all; logs in %s\n' "$((SECONDS - t_start))" "$NBPOOL_OUT"
	echo "$passed passed, $failed failed"
	[[ $failed == 0 ]]
	exit
}

qemu/deps.sh check || exit 1

mapfile -t stock < <(stock_kernels)
if [[ ${#stock[@]} != 2 ]]; then
	fail "stock kernels: expected 6.1 and 6.12 with headers and image, found: ${stock[*]:-none}"
	finish
fi

say "the debug test kernel: reused if cached, else built (about 12 minutes on 2 cores)"
check "build the debug test kernel" 2700 qemu/build-kernel.sh

say "building nbpool and every module on it with W=1 and sparse, once per kernel (about 1 minute each)"
for s in "${stock[@]}"; do
	kver=${s#* }
	check "build W=1 C=2 $kver" 600 qemu/build-modules.sh "$kver" "/usr/src/linux-headers-$kver"
done
check "build W=1 C=2 debug kernel" 600 qemu/build-modules.sh debug "$TEST_KERNEL_BUILD"
check "checkpatch" 300 qemu/checkpatch.sh

# Linux 7.x: Debian's headers need gcc-14 and a newer glibc, so these
# builds run in a Debian 13 root (qemu/root.sh). Debian's sparse (0.6.4,
# the newest in any suite) cannot parse their headers: W=1 only.
say "Linux $NEW_SERIES: the Debian 13 build root (reused if cached, else made: about 3 minutes), then W=1 builds, the in-tree build and DKMS"
check "Debian 13 build root with the Linux $NEW_SERIES headers" 1800 qemu/root.sh make
mapfile -t newest < <(new_kernels)
[[ ${#newest[@]} == $(wc -w <<<"$NEW_SERIES") ]] ||
	fail "Linux $NEW_SERIES: expected headers for each in $NEW_ROOT, found: ${newest[*]:-none}"
for s in "${newest[@]}"; do
	kver=${s#* }
	check "build W=1 $kver (no sparse: Debian's cannot parse 7.x headers)" 600 \
		qemu/build-modules.sh -r -n "$kver" "/usr/src/linux-headers-$kver"
done
check "in-tree build in drivers/net/nbpool of linux-source-${NEW_SERIES##* } (W=1)" 1800 qemu/intree-check.sh
# make check-full also builds a debug kernel of the newest series for its
# KUnit boot (about 15 minutes the first time).
if [[ $full == 1 ]]; then
	new_debug=${NEW_SERIES##* }
	check "build the $new_debug debug test kernel" 2700 qemu/build-kernel.sh "$new_debug"
	check "build W=1 $new_debug debug kernel (no sparse)" 600 \
		qemu/build-modules.sh -r -n "debug-$new_debug" "$(test_kernel_build "$new_debug")"
fi

say "DKMS: add, build and install for every stock kernel (about 1 minute)"
for s in "${stock[@]}"; do
	kver=${s#* }
	check "dkms $kver" 600 qemu/dkms-check.sh "$kver"
done
for s in "${newest[@]}"; do
	kver=${s#* }
	check "dkms $kver" 600 qemu/dkms-check.sh -r "$kver"
done

# kunit.autorun: 6.13+ runs a module's suites on load only when asked (its
# Kconfig default is off from allnoconfig); older kernels ignore it.
debug_cmdline=(-c "panic_on_warn=1 kmemleak=on kunit.enable=1 kunit.autorun=1")
debug=(-m "$NBPOOL_OUT/build/debug" "${debug_cmdline[@]}")
# kunit_boot NAME BUILD KERNEL: the KUnit boot: the main suites and long
# runs under panic_on_warn, then the hostile suite, whose WARNs are expected.
kunit_boot() {
	local name=$1 build=$NBPOOL_OUT/build/$2 kernel=$3 kos=() m

	for m in nbpool_kunit nbpool_kunit_long nbpool_kunit_hostile; do
		kos+=(-k "$build/kunit/$m.ko")
	done
	step "$name" 2000 qemu/boot.sh -m "$build" "${debug_cmdline[@]}" "${kos[@]}" -s 4 -t 1900 \
		"${long[@]}" "${geometry[@]}" -e hostile=1 \
		-w "double free" -w "foreign packet" -w "packet bounds" \
		"$name" "$kernel" "kunit leaks"
}
# make check runs a share of each long run; make check-full (CI) all of it.
# bql=0: the debug kernel has no BQL (allnoconfig); CONFIG_BQL there would
# rebuild both debug kernels: about 20 minutes that CI (69 of its 90 warm)
# cannot spare.
if [[ $full == 1 ]]; then
	long=(-e long_ops=10000000 -e long_races=1000)
	debug_traffic=(-e mib=16 -e burst=20000 -e cycles=10 -e bql=0)
	stock_traffic=(-e mib=64 -e burst=20000 -e cycles=50)
	stress_61=(-e stress_ops=10000000 -e stress_races=1000)
	geometry=()
else
	long=(-e long_ops=1000000 -e long_races=100)
	debug_traffic=(-e mib=4 -e burst=4000 -e cycles=1 -e bql=0)
	stock_traffic=(-e mib=16 -e burst=20000 -e cycles=5)
	stress_61=(-e stress_ops=1000000 -e stress_races=100)
	geometry=(-e geometry_count=16384)
fi
debug_mods=$(echo "$TEST_KERNEL_BUILD"/modroot/lib/modules/*)

# stock_start SERIES KVER: the self-test, then the driver under traffic and
# events, netconsole, threaded NAPI and busy polling on a stock kernel. It
# runs on single-threaded TCG (-1), one host core, beside a debug boot;
# that also rules out multi-threaded TCG's race with the kernel patching
# its own text (an "Oops: int3" at a static key flip).
stock_start() {
	local series=$1 kver=$2 stress=()

	# 6.1 also runs the cross-CPU stress and teardown races: there NAPI
	# cannot own a pool, so every allocation takes the lock.
	[[ $series == 6.1 ]] && stress=("${stress_61[@]}")
	step_start "stock-$series" 3000 qemu/boot.sh -1 -m "$NBPOOL_OUT/build/$kver" -x "$(stock_modules "$kver")" \
		-t 2900 "${stock_traffic[@]}" "${stress[@]}" -e napi_modes=1 \
		"stock-$series" "$(stock_image "$kver")" "selftest traffic netconsole events unload"
}

# Two lanes: the debug boots one after the other on multi-threaded TCG,
# and beside them the stock boots one after the other on one core each.
# Lane B starts its next boot when lane A reaches a collection point, so
# each lane stays busy. (The long KUnit runs go in rounds, each its own
# case, so that a neighbour cannot stretch one past the hung-task limit.)
say "stock ${stock[0]% *} beside the debug KUnit boot, then stock ${stock[1]% *} beside the swiotlb boot (each about 4 minutes$( ((full)) && echo '; 15 at full length'))"
stock_start ${stock[0]}

say "KUnit on the debug kernel, 4 vCPUs, strict IOMMU: main suites and long runs under panic_on_warn, then the hostile suite (about 3 minutes)"
kunit_boot kunit debug "$TEST_KERNEL"

# Every DMA bounced (swiotlb=force, no IOMMU), the case of confidential
# VMs and 32-bit devices: syncs matter only here. make check runs the
# driver's debug-kernel tests in this boot; the driver on the debug kernel
# behind a strict IOMMU is the netdev-debug boot of make check-full (the
# stock boots run it behind the IOMMU on every make check).
say "the debug kernel with every DMA bounced (swiotlb=force, no IOMMU): the main KUnit suites, then the driver under traffic, netconsole and events (KASAN, lockdep, DMA-API, kmemleak; about 7 minutes)"
step_start swiotlb 3000 qemu/boot.sh "${debug[@]}" -i swiotlb -x "$debug_mods" \
	-k "$NBPOOL_OUT/build/debug/kunit/nbpool_kunit.ko" -t 2900 "${debug_traffic[@]}" "${geometry[@]}" \
	swiotlb "$TEST_KERNEL" "kunit traffic netconsole events unload leaks"
step_collect "stock-${stock[0]%% *}"
stock_start ${stock[1]}
step_collect swiotlb

# make check-full: the KUnit suites on the newest series' debug kernel
# (beside the second stock boot), then the driver on the 6.12 debug kernel
# behind a strict IOMMU beside the newest stock kernel.
if [[ $full == 1 && ${#newest[@]} -gt 0 ]]; then
	series=${newest[-1]% *} kver=${newest[-1]#* }
	new_build=$(test_kernel_build "$new_debug")
	say "the KUnit suites on the $new_debug debug kernel, then stock $series beside the driver on the debug kernel behind a strict IOMMU (about 25 minutes)"
	kunit_boot "kunit-$new_debug" "debug-$new_debug" "$new_build/arch/x86/boot/bzImage"
	step_collect "stock-${stock[1]%% *}"
	stock_start "$series" "$kver"
	step netdev-debug 3000 qemu/boot.sh "${debug[@]}" -x "$debug_mods" -t 2900 "${debug_traffic[@]}" \
		netdev-debug "$TEST_KERNEL" "traffic netconsole events unload leaks"
	step_collect "stock-$series"
else
	step_collect "stock-${stock[1]%% *}"
fi

finish
