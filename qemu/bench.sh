#!/usr/bin/env bash
# bench.sh: what `make bench` runs. Builds nbpool and its benchmark module
# against the stock Debian 6.12 kernel (no debug checkers to skew figures),
# boots that kernel twice under QEMU (q35, strict intel-iommu): once with
# -icount shift=0 (figures are guest instructions per operation, exact and
# repeatable) and once without (nanoseconds per operation under TCG,
# indicative only); then case 8, the virtio-net drivers end to end, the same
# two ways. Writes out/bench/results.{md,csv} and scale.png.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$NBPOOL_TOP"
qemu/deps.sh check plot || exit 1

kver=$(stock_kernel 6.12)
[[ -n $kver ]] || die "no stock 6.12 kernel with headers and image"
res=$NBPOOL_OUT/bench
rm -rf "$res" && mkdir -p "$res"
out=$(qemu/build-modules.sh "$kver" "/usr/src/linux-headers-$kver") || die "the build failed: $(tail -n1 <<<"$out")"
mods=(-m "$NBPOOL_OUT/build/$kver" -x "/lib/modules/$kver")

# bench_boot NAME MODE PLAN [boot.sh options]: one boot; its NBPOOL-BENCH
# lines go to $res/MODE.txt. A failed boot is run once more (a benchmark
# is not a test: make check is where a failure counts); its logs stay as
# NAME.try1.*, and a second failure ends the run.
bench_boot() {
	local name=$1 mode=$2 plan=$3 r
	shift 3
	[[ $mode == icount ]] && set -- -q "-icount shift=0,sleep=off" "$@"
	r=$(qemu/boot.sh "${mods[@]}" -t 900 "$@" "$name" "/boot/vmlinuz-$kver" "$plan")
	if grep -q '^FAIL' <<<"$r"; then
		logs_aside "$name"
		say "benchmark guest $name failed, running it once more: $(grep -m1 '^FAIL' <<<"$r" | sed "s|$NBPOOL_OUT/$name.log|$NBPOOL_OUT/$name.try1.log|")"
		r=$(qemu/boot.sh "${mods[@]}" -t 900 "$@" "$name" "/boot/vmlinuz-$kver" "$plan")
	fi
	grep -q '^FAIL' <<<"$r" && die "benchmark guest $name failed twice: $(grep -m1 '^FAIL' <<<"$r")"
	tr -d '\r' <"$NBPOOL_OUT/$name.log" | grep -a -o 'NBPOOL-BENCH .*' | grep -v ' done$' |
		cut -d' ' -f2- >>"$res/$mode.txt"
}

for mode in icount wall; do
	say "benchmarks, $mode run on the stock $kver kernel (about 2 minutes)"
	bench_boot "bench-$mode" $mode bench
done
# Case 8: the same traffic through the nbpool driver and through the in-tree
# virtio_net, one vCPU so that busy time is one CPU's instructions. Three
# icount runs of each, taking turns, and the report takes the medians. The
# icount runs' NICs send from a timer (tx=timer: 150 us of guest time
# after a doorbell) instead of a bottom half that runs whenever QEMU's
# main thread gets to it: interrupts and doorbells per frame then depend
# far less on the host. 64-byte UDP, five runs of each driver: 0.088 to
# 0.094 interrupts per frame (nbpool), 0.075 to 0.087 (in-tree); with the
# bottom half the in-tree driver gave 0.32 and 0.69 in two runs. Still a
# spread of +-15% (in-tree, another machine: 0.062 to 0.087): three runs
# show a trend, not a verdict on a few percent.
for run in 1 2 3; do
	for driver in nbpool_virtio_net virtio_net; do
		say "case 8: $driver under traffic, icount run $run of 3 on the stock $kver kernel (about 1 minute)"
		bench_boot "bench-e2e-$driver-icount-$run" icount bench-e2e -s 1 -d ,tx=timer -e e2e=$driver
	done
done
for driver in nbpool_virtio_net virtio_net; do
	say "case 8: $driver under traffic, wall run on the stock $kver kernel (about 1 minute)"
	bench_boot "bench-e2e-$driver-wall" wall bench-e2e -s 1 -e e2e=$driver
done

# Case 12: TCP on the tap topology, where both drivers have the device's
# checksum offload and TSO; wall clock, so three runs of each, taking
# turns, and the report takes the medians.
for run in 1 2 3; do
	for driver in nbpool_virtio_net virtio_net; do
		say "case 12: $driver, TCP on the tap topology, run $run of 3 on the stock $kver kernel (about 1 minute)"
		bench_boot "bench-tap-$driver-$run" wall bench-tap -n tap -c intremap=off -e e2e=$driver -e mib=64
	done
done

python3 qemu/bench-report.py "$res"
echo "results: $res/results.md, $res/results.csv, $res/scale.png"
