#!/usr/bin/env bash
# bench.sh: what `make bench` runs. Builds nbpool and its benchmark module
# against the stock Debian 6.12 kernel (no debug checkers to skew figures),
# boots that kernel twice under QEMU (q35, strict intel-iommu): once with
# -icount shift=0 (figures are guest instructions per operation, exact and
# repeatable) and once without (nanoseconds per operation under TCG,
# indicative only); then case 8, the virtio-net drivers end to end, the same
# two ways. Writes out/bench/results.{md,csv} and scale.png.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$NBPOOL_TOP"
qemu/deps.sh check
command -v gnuplot >/dev/null || qemu/deps.sh plot

kver=${BENCH_KVER:-$(basename /usr/src/linux-headers-6.12*-amd64 | sed 's/^linux-headers-//')}
kdir=/usr/src/linux-headers-$kver
res=$NBPOOL_OUT/bench
mkdir -p "$res"
dir=$NBPOOL_OUT/build/bench-$kver
rm -rf "$dir" && mkdir -p "$dir"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$dir"
make -C "$kdir" M="$dir" NBPOOL_BENCH=1 modules >"$res/build.log" 2>&1 ||
	die "benchmark build failed: $(grep -m1 -E 'error' "$res/build.log") (log: $res/build.log)"

cat >"$res/plan" <<'PLAN'
step insmod /nbpool.ko
step insmod /nbpool_bench.ko
PLAN
qemu/mkinitramfs.sh "$res/initrd" "$res/plan" \
	"$dir/nbpool.ko:nbpool.ko" "$dir/bench/nbpool_bench.ko:nbpool_bench.ko"

for mode in icount wall; do
	extra=
	[[ $mode == icount ]] && extra="-icount shift=0,sleep=off"
	say "benchmarks, $mode run on the stock $kver kernel (about 2 minutes)"
	NBPOOL_QEMU_EXTRA=$extra qemu/run-guest.sh "bench-$mode" "/boot/vmlinuz-$kver" \
		"$res/initrd" 900 "" || die "benchmark guest failed (log: $NBPOOL_OUT/bench-$mode.log)"
	tr -d '\r' <"$NBPOOL_OUT/bench-$mode.log" | grep -a -o 'NBPOOL-BENCH .*' |
		grep -v ' done$' | cut -d' ' -f2- >"$res/$mode.txt"
done

# Case 8: the same traffic through the nbpool driver and through the in-tree
# virtio_net, one vCPU so that busy time is one CPU's instructions.
for driver in nbpool_virtio_net virtio_net; do
	for mode in icount wall; do
		extra=
		[[ $mode == icount ]] && extra="-icount shift=0,sleep=off"
		say "case 8: $driver under traffic, $mode run on the stock $kver kernel (about 1 minute)"
		# netdev.sh reports through its PASS/FAIL lines, not its exit status.
		out=$(NBPOOL_E2E=$driver NBPOOL_SMP=1 NBPOOL_QEMU_EXTRA=$extra \
			qemu/netdev.sh "bench-e2e-$driver-$mode" "/boot/vmlinuz-$kver" "$kdir") || true
		grep -q '^FAIL' <<<"$out" && die "case 8 guest failed: $(grep -m1 '^FAIL' <<<"$out")"
		tr -d '\r' <"$NBPOOL_OUT/bench-e2e-$driver-$mode.log" | grep -a -o 'NBPOOL-BENCH .*' |
			cut -d' ' -f2- >>"$res/$mode.txt"
	done
done

python3 qemu/bench-report.py "$res"
echo "results: $res/results.md, $res/results.csv, $res/scale.png"
