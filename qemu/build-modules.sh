#!/usr/bin/env bash
# build-modules.sh NAME KDIR: build nbpool and every module built on it (the
# example driver, self-test, benchmarks, and the KUnit suites where KDIR has
# KUnit) against KDIR with W=1 and sparse (C=2) in one pass, in
# $NBPOOL_OUT/build/NAME, where every later step takes its modules from.
# Exit 0 only if make succeeded with no warning at all; otherwise the first
# warning or error is the last line.
set -uo pipefail
. "$(dirname "$0")/common.sh"
name=$1 kdir=$2
dir=$NBPOOL_OUT/build/$name
log=$NBPOOL_OUT/build-$name.log

copy_tree "$dir" || die "could not copy the tree to $dir"
make -C "$kdir" M="$dir" W=1 C=2 NBPOOL_DRIVER=1 NBPOOL_SELFTEST=1 NBPOOL_BENCH=1 modules >"$log" 2>&1
rc=$?
bad=$(grep -m1 -E 'warning:|error:|Error [0-9]' "$log")
if [[ $rc != 0 || -n $bad ]]; then
	echo "build against $kdir: ${bad:-make exited $rc} (log: $log)"
	exit 1
fi
for ko in nbpool.ko virtio/nbpool_virtio_net.ko selftests/nbpool_selftest.ko bench/nbpool_bench.ko; do
	[[ -f $dir/$ko ]] || { echo "make left no $ko (log: $log)"; exit 1; }
done
echo "built in $dir with W=1 and sparse, no warning"
