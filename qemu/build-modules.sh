#!/usr/bin/env bash
# build-modules.sh [-r] [-n] NAME KDIR: build nbpool and every module built on it (the
# example driver, self-test, benchmarks, and the KUnit suites where KDIR has
# KUnit) against KDIR with W=1 and sparse (C=2) in one pass, in
# $NBPOOL_OUT/build/NAME, where every later step takes its modules from.
# Exit 0 only if make succeeded with no warning at all; otherwise the first
# warning or error is the last line, and a build where the kernel turned
# sparse off fails too.
#   -r  KDIR is in the Debian 13 build root (qemu/root.sh); make runs there.
#   -n  no sparse: Debian's sparse (0.6.4, also in Debian 13 and sid) cannot
#       parse the 7.x headers (__typeof_unqual__); their Makefile says so
#       and turns it off.
set -uo pipefail
. "$(dirname "$0")/common.sh"
run=() check=(C=2)
while getopts rn opt; do
	case $opt in
	r) run=("$NBPOOL_TOP/qemu/root.sh" run) ;;
	n) check=() ;;
	*) die "build-modules.sh: bad option" ;;
	esac
done
shift $((OPTIND - 1))
name=$1 kdir=$2
dir=$NBPOOL_OUT/build/$name
log=$NBPOOL_OUT/build-$name.log

# The compiler the kernel was built with, as its configuration names it
# (e.g. gcc-14 for the 7.x debug kernel, built in the root).
cc=$("${run[@]}" sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$kdir/.config")
[[ -n $cc ]] || die "no CONFIG_CC_VERSION_TEXT in $kdir/.config: not a configured kernel tree"
copy_tree "$dir" || die "could not copy the tree to $dir"
"${run[@]}" make -j"$(nproc)" -C "$kdir" M="$dir" CC="$cc" W=1 "${check[@]}" NBPOOL_DRIVER=1 NBPOOL_SELFTEST=1 NBPOOL_BENCH=1 modules >"$log" 2>&1
rc=$?
bad=$(grep -m1 -E 'warning:|error:|Error [0-9]|specified, but' "$log")
if [[ $rc != 0 || -n $bad ]]; then
	echo "build against $kdir: ${bad:-make exited $rc} (log: $log)"
	exit 1
fi
for ko in nbpool.ko virtio/nbpool_virtio_net.ko selftests/nbpool_selftest.ko bench/nbpool_bench.ko; do
	[[ -f $dir/$ko ]] || { echo "make left no $ko (log: $log)"; exit 1; }
done
if [[ -n ${check[*]} ]] && ! grep -q '^  CHECK ' "$log"; then
	echo "sparse did not run (no CHECK line in $log)"
	exit 1
fi
echo "built in $dir with W=1${check:+ and sparse}, no warning"
