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
steps=$NBPOOL_OUT/steps
t_start=$SECONDS
passed=0 failed=0 times=()
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# Every check and boot step runs under timeout(1), in the foreground or in a
# lane (a chain in the background), and leaves in $steps its output and
# NAME.rc, "<exit status> <seconds> <limit>". Its verdict is counted later,
# in this shell, by check_collect or step_collect: a lane's results count
# exactly like the others, and a step whose .rc never came (its lane died)
# is a failure too.
key() { printf '%s' "${1//[^A-Za-z0-9.+-]/_}"; }
run_timed() {
	local name=$1 limit=$2 out=$3 err=$4 t0=$SECONDS
	shift 4
	timeout -k 10 "$limit" "$@" >"$out" 2>"$err"
	echo "$? $((SECONDS - t0)) $limit" >"$steps/$(key "$name").rc"
}

# why_stopped RC SECS LIMIT: how a command that did not exit 0 ended, if
# not by its own exit status: timeout(1) stopped it, or a signal.
why_stopped() {
	if [[ $1 == 124 || ( $1 == 137 && $2 -ge $3 ) ]]; then
		echo "killed after $3 s"
	elif (($1 > 128)); then
		echo "killed by signal $(($1 - 128))"
	fi
}

# check NAME LIMIT CMD...: a test that passes when CMD exits 0 within LIMIT
# seconds; on failure the last line CMD printed says why. check_run and
# check_collect are its two halves, for checks that run in a lane.
check_run() {
	local log=$steps/$(key "$1").log
	run_timed "$1" "$2" "$log" "$log" "${@:3}"
}
check_collect() {
	local name=$1 log=$steps/$(key "$1").log rc secs limit stopped
	if ! read -r rc secs limit 2>/dev/null <"$steps/$(key "$name").rc"; then
		fail "$name: never finished (its lane died; log: $log)"
		return
	fi
	times+=("$secs $name")
	stopped=$(why_stopped "$rc" "$secs" "$limit")
	if [[ $rc == 0 ]]; then
		pass "$name"
	elif [[ -n $stopped ]]; then
		fail "$name: $stopped (log: $log)"
	else
		fail "$name: $(tail -n1 "$log") (log: $log)"
	fi
}
check() {
	check_run "$@"
	check_collect "$1"
}

# step NAME LIMIT CMD...: CMD prints PASS/FAIL lines and ends with
# "END NAME N"; anything else on its stdout is a failure too. step_run and
# step_collect are its two halves, for steps that run in a lane.
step_run() { run_timed "$1" "$2" "$steps/$1.out" "$steps/$1.err" "${@:3}"; }
step_collect() {
	local name=$1 n=0 end= status rest rc secs limit
	local out=$steps/$name.out
	[[ -f $steps/$name.retry ]] &&
		echo "RETRY $name, once, after: $(cut -c6- "$steps/$name.retry"); the first try's logs: $NBPOOL_OUT/$name.try1.log, $steps/$name.try1.out"
	if ! read -r rc secs limit 2>/dev/null <"$steps/$name.rc"; then
		fail "$name: never finished (its lane died; stderr: $steps/$name.err)"
		return
	fi
	times+=("$secs $name")
	while read -r status rest; do
		case $status in
		PASS) pass "$rest"; n=$((n + 1)) ;;
		FAIL) fail "$rest"; n=$((n + 1)) ;;
		END) end=$rest ;;
		*) fail "$name: unexpected output: $status $rest (log: $out)" ;;
		esac
	done <"$out"
	if [[ $end != "$name $n" ]]; then
		rc=$(why_stopped "$rc" "$secs" "$limit")
		fail "$name: the step ended without its end marker (${rc:-exit status $(cut -d' ' -f1 "$steps/$name.rc")}, ${end:-no END line}, $n results; stderr: $steps/$name.err)"
	fi
}
step() {
	step_run "$@"
	step_collect "$1"
}

finish() {
	echo "where the time went (seconds; lanes ran side by side):"
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

say "building nbpool and every module on it with W=1 and sparse for the stock kernels (about 20 seconds each)"
for s in "${stock[@]}"; do
	kver=${s#* }
	check "build W=1 C=2 $kver" 600 qemu/build-modules.sh "$kver" "/usr/src/linux-headers-$kver"
done

# lane_check NAME LIMIT CMD...: check_run in a lane, its name listed in
# $steps/lane-builds.list for collect_builds.
lane_check() {
	echo "$1" >>"$steps/lane-builds.list"
	check_run "$@"
}
collect_builds() {
	while IFS= read -r name; do check_collect "$name"; done <"$steps/lane-builds.list"
}

# The builds that no boot of make check waits for, in a lane: checkpatch;
# Linux 7.x, whose Debian headers need gcc-14 and a newer glibc, so these
# builds run in a Debian 13 root (qemu/root.sh), with W=1 only (Debian's
# sparse, 0.6.4, the newest in any suite, cannot parse their headers); the
# in-tree build; DKMS for every stock kernel; and for make check-full the
# newest series' debug kernel (about 15 minutes the first time), after
# the 6.12 one: never two kernel builds at once.
other_builds() {
	local s kver newest

	lane_check "checkpatch" 300 qemu/checkpatch.sh
	lane_check "Debian 13 build root with the Linux $NEW_SERIES headers" 1800 qemu/root.sh make
	mapfile -t newest < <(new_kernels)
	[[ ${#newest[@]} == $(wc -w <<<"$NEW_SERIES") ]] ||
		lane_check "Linux $NEW_SERIES: headers for each in $NEW_ROOT (found: ${newest[*]:-none})" 10 false
	for s in "${newest[@]}"; do
		kver=${s#* }
		lane_check "build W=1 $kver (no sparse: Debian's cannot parse 7.x headers)" 600 \
			qemu/build-modules.sh -r -n "$kver" "/usr/src/linux-headers-$kver"
	done
	lane_check "in-tree build in drivers/net/nbpool of linux-source-${NEW_SERIES##* } (W=1)" 1800 qemu/intree-check.sh
	for s in "${stock[@]}"; do
		kver=${s#* }
		lane_check "dkms $kver" 600 qemu/dkms-check.sh "$kver"
	done
	for s in "${newest[@]}"; do
		kver=${s#* }
		lane_check "dkms $kver" 600 qemu/dkms-check.sh -r "$kver"
	done
	if [[ $full == 1 ]]; then
		lane_check "build the $new_debug debug test kernel" 2700 qemu/build-kernel.sh "$new_debug"
		lane_check "build W=1 $new_debug debug kernel (no sparse)" 600 \
			qemu/build-modules.sh -r -n "debug-$new_debug" "$(test_kernel_build "$new_debug")"
	fi
}
new_debug=${NEW_SERIES##* }

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
	boot_step "$name" 2000 qemu/boot.sh -m "$build" "${debug_cmdline[@]}" "${kos[@]}" -s 4 -t 1900 \
		"${long[@]}" "${geometry[@]}" -e hostile=1 \
		-w "double free" -w "foreign packet" -w "packet bounds" \
		"$name" "$kernel" "kunit leaks"
	step_collect "$name"
}
# make check runs a share of each long run; make check-full (CI) all of it:
# 10M operations and 1000 teardown races in the KUnit long runs and on 6.1,
# 64 MiB transfers and 50 unplug + reload cycles on every stock kernel.
# The debug kernel's boots (KASAN, about 3 MB/s of TCP under TCG) run
# longer than in make check but not at those lengths: at full length they
# alone would take CI past its 90 minutes on a new machine. bql=0: the
# debug kernel has no BQL (allnoconfig); CONFIG_BQL there would rebuild
# both debug kernels.
if [[ $full == 1 ]]; then
	long=(-e long_ops=10000000 -e long_races=1000)
	swiotlb_traffic=(-e mib=4 -e burst=4000 -e cycles=3 -e bql=0)
	stock_traffic=(-e mib=64 -e burst=20000 -e cycles=50)
	stress_61=(-e stress_ops=10000000 -e stress_races=1000)
	geometry=()
else
	long=(-e long_ops=1000000 -e long_races=100)
	swiotlb_traffic=(-e mib=4 -e burst=4000 -e cycles=1 -e bql=0)
	stock_traffic=(-e mib=16 -e burst=20000 -e cycles=5)
	stress_61=(-e stress_ops=1000000 -e stress_races=100)
	geometry=(-e geometry_count=16384)
fi

# stock_boot SERIES KVER: the self-test, then the driver under traffic and
# events, netconsole, threaded NAPI and busy polling on a stock kernel. It
# runs on single-threaded TCG (-1), one host core, beside a debug boot or
# build; that also rules out multi-threaded TCG's race with the kernel
# patching its own text (an "Oops: int3" at a static key flip).
stock_boot() {
	local series=$1 kver=$2 stress=()

	# 6.1 also runs the cross-CPU stress and teardown races: there NAPI
	# cannot own a pool, so every allocation takes the lock.
	[[ $series == 6.1 ]] && stress=("${stress_61[@]}")
	# intremap=off: the IOMMU still translates every DMA (strict); only
	# MSIs go unremapped. With remapping, the TCG fault (boot_step) came
	# 3 times in 130 check-full cycles on 6.12 today; without, none in
	# 384 cycles over two sessions (50 in check-full's own 6.12 boot).
	boot_step "stock-$series" 3000 qemu/boot.sh -1 -m "$NBPOOL_OUT/build/$kver" -x "$(stock_modules "$kver")" \
		-c intremap=off -t 2900 "${stock_traffic[@]}" "${stress[@]}" -e napi_modes=1 \
		"stock-$series" "$(stock_image "$kver")" "selftest traffic netconsole events unload"
}

# tap_boot SERIES KVER: the tap topology (boot.sh -n tap) on a stock
# kernel, on one core like the stock boots: a backend that carries
# virtio-net headers, two queue pairs per NIC; netconsole last.
tap_boot() {
	boot_step "tap-$1" 900 qemu/boot.sh -1 -n tap -m "$NBPOOL_OUT/build/$2" -x "$(stock_modules "$2")" \
		-c intremap=off -t 800 "${stock_traffic[@]}" "tap-$1" "$(stock_image "$2")" "tap netconsole"
}

# boot_step NAME LIMIT CMD...: step_run for a boot, run once more after
# one of the two failures that no code of nbpool's can cause (any other is
# never retried; the first try's logs stay, as NAME.try1.*):
# - the kernel did not start /init (the monitor agent's limit): nbpool's
#   modules are loaded by init's plan, so they had not run. Seen once, in
#   CI's KUnit boot of the 7.3 debug kernel (4 vCPUs, timed out after 1900
#   s), a boot that took 266 s when run again on another machine.
# - on a stock or tap boot (stock kernels), alone: an interrupt under QEMU
#   7.2's TCG that comes back with RFLAGS equal to the interrupted RDI, so
#   a pointer's bits set TF: a #DB single-step in kernel mode, then usually
#   a double fault. Seen on stock 6.12 with interrupt remapping on, in a new
#   task's first allocation after a replug (README.md), and once on the tap
#   topology: a double fault on validate_xmit_skb's first instruction, a
#   nop, with RFLAGS c1b22246 (VM and reserved bits, which no kernel code
#   can set).
no_init='^FAIL [^ ]+ guest: the kernel did not start /init'
tcg_rflags_fault='^FAIL [^ ]+ guest: kernel reported: (Oops: double fault|WARNING: .*exc_debug_kernel)'
boot_step() {
	local name=$1 sfx why
	step_run "$@"
	if ! why=$(grep -m1 -E "$no_init" "$steps/$name.out"); then
		[[ $name == stock-* || $name == tap-* ]] && why=$(grep -m1 -E "$tcg_rflags_fault" "$steps/$name.out") &&
			[[ $(grep -c '^FAIL ' "$steps/$name.out") == 1 ]] || return 0
	fi
	for sfx in out err rc; do mv "$steps/$name.$sfx" "$steps/$name.try1.$sfx"; done
	logs_aside "$name"
	echo "$why" >"$steps/$name.retry"
	step_run "$@"
}

# Three lanes side by side, each a chain: the stock boots on one core each
# (they need nothing but their own builds, so they start first, beside the
# debug kernel's build when it is not cached); the debug kernel, its
# modules and its boots on multi-threaded TCG, in the foreground; and the
# builds no boot waits for. (The long KUnit runs go in rounds, each its own
# case, so that a neighbour cannot stretch one past the hung-task limit.)
# make check-full runs the other builds in the foreground, the 7.x debug
# kernel among them, before the first debug boot, and the newest stock
# kernel third in the stock lane, once those builds are done (the lane
# started before the build root existed). (The unplug cycles' time limit
# grows with their number, so a build beside them cannot stretch 50 of
# them past it.)
builds_done=$steps/builds.done
newest_stock() {
	local t=0 newest
	while [[ ! -e $builds_done ]] && ((t < 3600)); do sleep 5; t=$((t + 5)); done
	mapfile -t newest < <(new_kernels)
	((${#newest[@]})) && echo "${newest[-1]}"
}
say "in the background from now on: stock ${stock[0]% *}, then stock ${stock[1]% *}, then ${stock[1]% *} on the tap topology$( ((full)) && echo ", then the newest"), each a boot on one core (about 5 minutes each, the tap boot 2$( ((full)) && echo "; 15, 12 and 12 at full length")); logs: $steps/stock-*.out, $steps/tap-*.out"
(
	stock_boot ${stock[0]}
	stock_boot ${stock[1]}
	tap_boot ${stock[1]}
	if ((full)) && newest=$(newest_stock); then
		echo "$newest" >"$steps/stock-newest"
		stock_boot $newest
	fi
) &
lane_stock=$!

say "the debug test kernel: reused if cached, else built (about 15 minutes on 2 cores beside the stock boots)"
check "build the debug test kernel" 2700 qemu/build-kernel.sh
check "build W=1 C=2 debug kernel" 600 qemu/build-modules.sh debug "$TEST_KERNEL_BUILD"
debug_mods=$(echo "$TEST_KERNEL_BUILD"/modroot/lib/modules/*)

say "$( ((full)) || echo "in the background from now on: ")checkpatch; Linux $NEW_SERIES in the Debian 13 build root (reused if cached, else made: about 2 minutes), W=1 builds, the in-tree build; DKMS for every stock kernel$( ((full)) && echo "; the $new_debug debug kernel (about 15 minutes the first time)") (about 5 minutes warm); logs: $steps/*.log"
: >"$steps/lane-builds.list"
if ((full)); then
	other_builds
	touch "$builds_done"
	collect_builds
else
	other_builds &
	lane_builds=$!
fi

say "KUnit on the debug kernel, 4 vCPUs, strict IOMMU: main suites and long runs under panic_on_warn, then the hostile suite (about 3 minutes)"
kunit_boot kunit debug "$TEST_KERNEL"

# Every DMA bounced (swiotlb=force, no IOMMU), the case of confidential
# VMs and 32-bit devices: syncs matter only here. The driver's tests on the
# debug kernel run in this boot; the stock boots run them behind a strict
# IOMMU, and the KUnit boot runs the pool's DMA tests behind it under the
# checkers.
say "the debug kernel with every DMA bounced (swiotlb=force, no IOMMU): the main KUnit suites, then the driver under traffic, netconsole, events and XDP (KASAN, lockdep, DMA-API, kmemleak; about 9 minutes)"
boot_step swiotlb 3000 qemu/boot.sh "${debug[@]}" -i swiotlb -x "$debug_mods" \
	-k "$NBPOOL_OUT/build/debug/kunit/nbpool_kunit.ko" -t 2900 "${swiotlb_traffic[@]}" "${geometry[@]}" \
	swiotlb "$TEST_KERNEL" "kunit traffic netconsole events unload leaks"
step_collect swiotlb

if ! ((full)); then
	say "waiting for the background builds"
	wait $lane_builds
	collect_builds
fi

# make check-full: the KUnit suites on the newest series' debug kernel.
if ((full)); then
	say "the KUnit suites on the $new_debug debug kernel (about 7 minutes)"
	kunit_boot "kunit-$new_debug" "debug-$new_debug" "$(test_kernel_build "$new_debug")/arch/x86/boot/bzImage"
fi
say "waiting for the stock boots"
wait $lane_stock
step_collect "stock-${stock[0]%% *}"
step_collect "stock-${stock[1]%% *}"
step_collect "tap-${stock[1]%% *}"
if ((full)); then
	if read -r series kver 2>/dev/null <"$steps/stock-newest"; then
		step_collect "stock-$series"
	else
		fail "stock $NEW_SERIES: no newest stock kernel to boot (the builds lane: $steps/*.log)"
	fi
fi
finish
