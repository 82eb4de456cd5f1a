#!/usr/bin/env bash
# run-guest.sh NAME KERNEL INITRD TIMEOUT_S CMDLINE_EXTRA
# Boots one test guest under TCG (q35, intel-iommu in strict mode, two
# virtio-net NICs cabled through a QEMU hub). The console goes to
# $NBPOOL_OUT/NAME.log, the guest's verdict to $NBPOOL_OUT/NAME.verdict.
# Exit status: 0 if the guest wrote its verdict and the console is free of
# kernel reports; 1 otherwise, with the reason as the last line.
# The guest can drive QEMU's monitor: see monitor-agent.py.
# NBPOOL_QEMU_EXTRA: more QEMU arguments (e.g. -icount for benchmarks).
# NBPOOL_EXPECTED_WARNINGS="msg1|msg2": the boot must WARN exactly once with
# each of these messages and never otherwise (for suites that provoke WARNs).
set -euo pipefail
. "$(dirname "$0")/common.sh"
name=$1 kernel=$2 initrd=$3 tmo=$4 extra=${5:-}
log=$NBPOOL_OUT/$name.log
verdict=$NBPOOL_OUT/$name.verdict
rm -f "$log" "$verdict"

# Each NIC sits behind a PCIe root port of its own so that it can be
# hot-unplugged (device_del nicN) and plugged back (device_add) from the monitor.
nics=()
for i in 0 1; do
	nics+=(-device "pcie-root-port,id=rp$i,chassis=$((i + 1)),slot=$((i + 1))"
	       -netdev "hubport,id=n$i,hubid=0"
	       -device "$(nbpool_nic "$i")")
done
mon=$NBPOOL_OUT/$name.monitor
rm -f "$mon"
"$NBPOOL_TOP/qemu/monitor-agent.py" "$log" "$mon" 2>"$NBPOOL_OUT/$name.monitor.log" &
agent=$!

rc=0
timeout --foreground "$tmo" qemu-system-x86_64 \
	-machine q35,kernel-irqchip=split -accel tcg -cpu max -smp "${NBPOOL_SMP:-2}" -m 2G \
	-device intel-iommu,intremap=on,device-iotlb=on \
	"${nics[@]}" ${NBPOOL_QEMU_EXTRA:-} \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic intel_iommu=on iommu.strict=1 $extra" \
	-display none -monitor "unix:$mon,server,nowait" -no-reboot \
	-serial "file:$log" -serial "file:$verdict" </dev/null || rc=$?
kill "$agent" 2>/dev/null || true

if [[ $rc == 124 ]]; then
	echo "guest $name timed out after ${tmo}s (log: $log)"
	exit 1
fi
expected=${NBPOOL_EXPECTED_WARNINGS:-}
if report=$(SCAN_ALLOW_WARN=$([[ -n $expected ]] && echo 1) "$NBPOOL_TOP/qemu/scan-log.sh" "$log"); then :; else
	echo "guest $name: kernel reported: $report (log: $log)"
	exit 1
fi
if [[ -n $expected ]]; then
	n_warn=$(grep -a -c 'WARNING:' "$log" || true)
	IFS='|' read -r -a msgs <<<"$expected"
	for msg in "${msgs[@]}"; do
		n=$(tr -d "\r" <"$log" | grep -a -c -E "\] nbpool: $msg\$" || true)
		if [[ $n != 1 ]]; then
			echo "guest $name: expected one WARN 'nbpool: $msg', saw $n (log: $log)"
			exit 1
		fi
	done
	if [[ $n_warn != "${#msgs[@]}" ]]; then
		echo "guest $name: $n_warn WARNs where exactly ${#msgs[@]} were expected (log: $log)"
		exit 1
	fi
fi
if ! grep -q NBPOOL-VERDICT "$verdict" 2>/dev/null; then
	why=$(grep -m1 'nbpool-step-failed' "$log" || tail -n1 "$log")
	echo "guest $name did not finish its plan: $why (log: $log)"
	exit 1
fi
exit 0
