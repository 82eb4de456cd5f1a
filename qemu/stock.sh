#!/usr/bin/env bash
# stock.sh: run nbpool's self-test module on each stock Debian kernel that is
# installed with its headers (6.1 and 6.12), booted as shipped in QEMU with
# the same topology as the KUnit guest. Prints one PASS/FAIL line per check.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$NBPOOL_TOP"

for kdir in /usr/src/linux-headers-*-amd64; do
	kver=${kdir#/usr/src/linux-headers-}
	kernel=/boot/vmlinuz-$kver
	if [[ ! -f $kernel ]]; then
		echo "FAIL stock $kver: no $kernel (apt-get install linux-image-$kver)"
		continue
	fi
	dir=$NBPOOL_OUT/build/stock-$kver
	blog=$NBPOOL_OUT/build-stock-$kver.log
	rm -rf "$dir" && mkdir -p "$dir"
	git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$dir"
	if ! make -C "$kdir" M="$dir" NBPOOL_SELFTEST=1 W=1 modules >"$blog" 2>&1 ||
	   grep -q -E 'warning:|error:' "$blog"; then
		echo "FAIL stock $kver: build failed: $(grep -m1 -E 'warning:|error:|Error' "$blog") (log: $blog)"
		continue
	fi
	say "running the self-test on the stock $kver kernel in QEMU (about 30 s)" >&2
	cat >"$NBPOOL_OUT/stock-$kver.plan" <<'PLAN'
step insmod /nbpool.ko
step insmod /nbpool_selftest.ko
step rmmod nbpool_selftest
result "rmmod nbpool once no pool is left" rmmod nbpool
PLAN
	qemu/mkinitramfs.sh "$NBPOOL_OUT/stock-$kver.initrd" "$NBPOOL_OUT/stock-$kver.plan" \
		"$dir/nbpool.ko:nbpool.ko" "$dir/selftests/nbpool_selftest.ko:nbpool_selftest.ko"
	log=$NBPOOL_OUT/stock-$kver.log
	if why=$(qemu/run-guest.sh "stock-$kver" "$kernel" "$NBPOOL_OUT/stock-$kver.initrd" 600 "" 2>/dev/null); then
		echo "PASS stock $kver guest: booted, ran every step, no kernel report"
	else
		echo "FAIL stock $kver guest: $why"
	fi
	grep -q -a 'selftest: all checks ran' "$log" ||
		echo "FAIL stock $kver: the self-test did not run to the end (log: $log)"
	tr -d '\r' <"$log" | grep -a -o 'NBPOOL-RESULT .*' | grep -v 'all checks ran' |
		cut -d' ' -f2- | sed "s/^\\(PASS\\|FAIL\\) /&$kver /"
done
