#!/usr/bin/env bash
# check.sh: what `make check` runs. Every test is one line, PASS or FAIL;
# the last line is "N passed, N failed". Exits non-zero on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$NBPOOL_TOP"

t_start=$(date +%s)
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
# check NAME LOG CMD...: a test that passes when CMD exits 0.
check() {
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		pass "$name"
	else
		fail "$name: $(tail -n1 "$log") (log: $log)"
	fi
}
finish() {
	echo "make check took $(( $(date +%s) - t_start )) s; logs in $NBPOOL_OUT"
	echo "$passed passed, $failed failed"
	[[ $failed == 0 ]]
	exit
}

qemu/deps.sh check || exit 1

# A private copy of the sources for each out-of-tree build.
copy_tree() {
	rm -rf "$1" && mkdir -p "$1"
	git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$1"
}
# module_build DIR KDIR [MAKE ARGS]: build; fail on any warning.
module_build() {
	local dir=$1 kdir=$2
	shift 2
	copy_tree "$dir"
	make -C "$kdir" M="$dir" "$@" modules 2>&1 | tee "$dir/build.log" | grep -E 'warning:|error:' && return 1
	[[ -f $dir/nbpool.ko ]] || { echo "no nbpool.ko was built"; return 1; }
}

# nbpool and every module built on it: driver, self-test, benchmarks.
all_modules=(NBPOOL_DRIVER=1 NBPOOL_SELFTEST=1 NBPOOL_BENCH=1)
say "building nbpool, its driver, self-test and benchmarks with W=1 and sparse against every installed Debian header set (about 2 minutes)"
for kdir in /usr/src/linux-headers-*-amd64; do
	kver=${kdir#/usr/src/linux-headers-}
	check "build W=1 $kver" "$NBPOOL_OUT/build-w1-$kver.log" \
		module_build "$NBPOOL_OUT/build/w1-$kver" "$kdir" W=1 "${all_modules[@]}"
	check "sparse C=2 $kver" "$NBPOOL_OUT/build-sparse-$kver.log" \
		module_build "$NBPOOL_OUT/build/sparse-$kver" "$kdir" C=2 "${all_modules[@]}"
done
check "checkpatch" "$NBPOOL_OUT/checkpatch.log" qemu/checkpatch.sh

say "DKMS: add, build and install for every installed kernel (about 1 minute)"
for kdir in /usr/src/linux-headers-*-amd64; do
	kver=${kdir#/usr/src/linux-headers-}
	check "dkms $kver" "$NBPOOL_OUT/dkms-$kver.log" qemu/dkms-check.sh "$kver"
done

# count < LINES: tests that print "PASS name" / "FAIL name: why" lines.
count() {
	while read -r status rest; do
		case $status in
		PASS) pass "$rest" ;;
		FAIL) fail "$rest" ;;
		*) echo "$status $rest" ;;
		esac
	done
}

say "the self-test on the stock Debian kernels, booted as shipped (about 1 minute)"
count < <(qemu/stock.sh)

# The KUnit suites: a PASS/FAIL line per test case.
count < <(qemu/kunit.sh)

# The nbpool virtio-net driver under traffic: stock kernels as users run
# them, and the debug kernel with its checkers.
# Issue 7's 50 cycles of hot-unplug and reload run on the stock 6.12 kernel
# (about 3.5 s each); the debug kernel, at about 20 s a cycle, runs 10.
for kdir in /usr/src/linux-headers-*-amd64; do
	kver=${kdir#/usr/src/linux-headers-}
	cycles=0
	[[ $kver == 6.12* ]] && cycles=50
	say "the nbpool virtio-net driver under traffic on the stock $kver kernel, $cycles cycles of hot-unplug and reload (about $((2 + cycles / 16)) minutes)"
	count < <(NBPOOL_CYCLES=$cycles qemu/netdev.sh "netdev-$kver" "/boot/vmlinuz-$kver" "$kdir")
done
if [[ -f $TEST_KERNEL_BUILD/arch/x86/boot/bzImage ]]; then
	say "the nbpool virtio-net driver under traffic on the debug kernel (KASAN, lockdep, DMA-API, kmemleak), 10 cycles of hot-unplug and reload (about 9 minutes)"
	count < <(NBPOOL_MIB=16 NBPOOL_CYCLES=10 NBPOOL_CMDLINE="panic_on_warn=1 kmemleak=on" qemu/netdev.sh netdev-debug \
		"$TEST_KERNEL_BUILD/arch/x86/boot/bzImage" "$TEST_KERNEL_BUILD")
fi

finish
