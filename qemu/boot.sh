#!/usr/bin/env bash
# boot.sh [OPTIONS] NAME KERNEL PLANS [FILE:DEST...]: the one runner for every
# test guest. Boots KERNEL under TCG (q35, two virtio-net NICs cabled through
# a QEMU hub, each behind a PCIe root port so it can be hot-unplugged) with a
# busybox initramfs whose /init (guest/init.sh) runs PLANS (names of files
# under qemu/plans/, run in that order), and prints what the boot proved:
#   PASS|FAIL NAME: <result>      one line per result the guest reported
#   PASS|FAIL NAME: <suite.case>  one line per KUnit case (-k)
#   PASS|FAIL NAME guest: ...     the boot itself: verdict complete, console clean
#   END NAME <number of PASS/FAIL lines above>
# Logs: $NBPOOL_OUT/NAME.{log,verdict,qemu.log,monitor.log}.
# Options:
#   -c ARGS      more kernel command line
#   -d PROPS     more properties of both NICs' virtio-net-pci (",tx=timer")
#   -e KEY=VAL   a setting for the plan (in the guest's /env)
#   -i MODE      DMA topology: iommu (strict intel-iommu, the default) or
#                swiotlb (no IOMMU, every DMA bounced: swiotlb=force)
#   -k KO        a KUnit module the plan loads: every suite it was built
#                with must report, every case it declares must pass
#   -m DIR       put every module built in DIR (build-modules.sh) in /
#   -n NET       the NICs' backend: hub (QEMU's hub, the default: one
#                queue, no virtio-net header, so no offloads) or tap (two
#                multiqueue taps bridged in a network namespace of this
#                boot's own: two queue pairs per NIC and every offload;
#                nothing leaves the namespace)
#   -x DIR       put the kernel's own modules a plan may load, found under
#                DIR (/lib/modules/<version>, or the test kernel's), in /
#                (virtio_pci_modern_dev on 6.1, virtio_net, netconsole...)
#   -q ARGS      more QEMU arguments (e.g. -icount shift=0,sleep=off)
#   -s N         vCPUs (default 2)
#   -1           single-threaded TCG (see check.sh: boots that reload modules)
#   -t SECONDS   time limit for the whole boot (default 300)
#   -w MSG       a WARN the guest must print exactly once, "nbpool: MSG";
#                with -w no other WARN may appear (repeatable)
set -uo pipefail
. "$(dirname "$0")/common.sh"

cmdline= smp=2 tmo=300 iommu=iommu net=hub accel=tcg qemu_extra= nic_extra=
settings=() kunit_kos=() warns=() files=()
while getopts c:d:e:i:k:m:n:q:s:t:w:x:1 opt; do
	case $opt in
	c) cmdline+=" $OPTARG" ;;
	d) nic_extra+=$OPTARG ;;
	e) settings+=("$OPTARG") ;;
	i) iommu=$OPTARG ;;
	k) kunit_kos+=("$OPTARG") ;;
	n) net=$OPTARG ;;
	m) while read -r ko; do files+=("$ko:$(basename "$ko")"); done < <(find "$OPTARG" -name '*.ko') ;;
	x) mkdir -p "$NBPOOL_OUT/$$.mods"	# per boot: boots run side by side
	   while read -r ko; do
		xz -dcf "$ko" >"$NBPOOL_OUT/$$.mods/$(basename "${ko%.xz}")" &&
			files+=("$NBPOOL_OUT/$$.mods/$(basename "${ko%.xz}"):$(basename "${ko%.xz}")")
	   done < <(find "$OPTARG" \( -name 'virtio_pci_modern_dev.ko*' -o \
			-name 'failover.ko*' -o -name 'net_failover.ko*' -o -name 'virtio_net.ko*' -o \
			-name 'netconsole.ko*' -o -name 'configfs.ko*' \)) ;;
	q) qemu_extra+=" $OPTARG" ;;
	s) smp=$OPTARG ;;
	t) tmo=$OPTARG ;;
	w) warns+=("$OPTARG") ;;
	1) accel=tcg,thread=single ;;
	*) die "boot.sh: bad option" ;;
	esac
done
shift $((OPTIND - 1))
name=$1 kernel=$2 plans=$3
shift 3
files+=("$@")

log=$NBPOOL_OUT/$name.log verdict=$NBPOOL_OUT/$name.verdict qlog=$NBPOOL_OUT/$name.qemu.log
initrd=$NBPOOL_OUT/$name.initrd
nres=0
emit() { echo "$1 $name$2"; nres=$((nres + 1)); }
# guest_fail WHY: the boot failed; the KUnit suites it should have run did not.
guest_fail() {
	emit FAIL " guest: $1"
	for ko in "${kunit_kos[@]}"; do
		while read -r line; do emit "${line%% *}" ": ${line#* }"; done < <(qemu/ktap.py "$ko" /dev/null)
	done
	echo "END $name $nres"
	exit 0
}

# tap_net NS: the tap topology's network namespace NS: a bridge, and on it
# tap0 and tap1 (multiqueue, for NIC 0 and 1), no IPv6 (nothing of the
# host's own may reach the guests' counters).
tap_net() {
	ip netns add "$1" && ip netns exec "$1" sh -ec '
		if [ -d /proc/sys/net/ipv6 ]; then
			echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
			echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
		fi
		ip link add br0 type bridge
		for i in 0 1; do
			ip tuntap add dev tap$i mode tap multi_queue
			ip link set tap$i master br0 up
		done
		ip link set br0 up'
}
case $net in
hub) nic_opts= ;;
tap) nic_opts=,mq=on,vectors=6 ;;	# a vector per queue, and one for config changes
*) die "boot.sh: -n hub or -n tap, not '$net'" ;;
esac
nic_opts+=$nic_extra

cd "$NBPOOL_TOP"
rm -f "$log" "$verdict" "$qlog" "$initrd"
nonce=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
env=$NBPOOL_OUT/$name.env
{
	echo "nonce=$nonce"
	echo "dma=$iommu"
	for kv in "${settings[@]}"; do printf '%s=%q\n' "${kv%%=*}" "${kv#*=}"; done
	printf 'NIC0_SPEC=%q\nNIC1_SPEC=%q\n' "$(nbpool_nic 0 "$nic_opts")" "$(nbpool_nic 1 "$nic_opts")"
} >"$env"
[[ -f $kernel ]] || guest_fail "no kernel image $kernel"
plan=$NBPOOL_OUT/$name.plan
: >"$plan"
for p in $plans; do
	[[ -f qemu/plans/$p ]] || guest_fail "no plan qemu/plans/$p"
	cat "qemu/plans/$p" >>"$plan"
done
# The guest's tools: iproute2 and ethtool (busybox has neither in full) with
# their libraries, and our own (qemu/guest/*.c), built static here.
for src in qemu/guest/*.c; do
	tool=$NBPOOL_OUT/$(basename "$src" .c)
	if [[ ! $tool -nt $src ]]; then
		gcc -O2 -Wall -Werror -static -o "$tool" "$src" 2>"$tool.log" ||
			guest_fail "$src did not build: $(head -n1 "$tool.log")"
	fi
	files+=("$tool:$(basename "$tool")")
done
files+=("$(readlink -f /bin/ip):usr/local/sbin/ip" "$(readlink -f /sbin/ethtool):usr/local/sbin/ethtool")
for lib in $(ldd /bin/ip /sbin/ethtool | grep -o '/lib[^ ]*' | sort -u); do files+=("$lib:$lib"); done
qemu/mkinitramfs.sh "$initrd" "$plan" "$env" "${files[@]}" 2>"$initrd.log" ||
	guest_fail "initramfs build failed: $(tail -n1 "$initrd.log")"

case $iommu in
iommu)
	machine=q35,kernel-irqchip=split
	dma=(-device intel-iommu,intremap=on,device-iotlb=on)
	cmdline="intel_iommu=on iommu.strict=1$cmdline" ;;
swiotlb)
	machine=q35
	dma=()
	# 512 MiB of bounce buffers: the suites map pools of 128 MiB at once.
	cmdline="swiotlb=262144,force$cmdline" ;;
*) die "boot.sh: -i iommu or -i swiotlb, not '$iommu'" ;;
esac
nics=() netns=()
if [[ $net == tap ]]; then
	ns=nbpool-$$
	trap 'ip netns del "$ns" 2>/dev/null' EXIT
	tap_net "$ns" 2>"$NBPOOL_OUT/$name.net.log" ||
		guest_fail "tap network: $(tail -n1 "$NBPOOL_OUT/$name.net.log")"
	netns=(ip netns exec "$ns")
fi
for i in 0 1; do
	case $net in
	hub) backend=hubport,id=n$i,hubid=0 ;;
	tap) backend=tap,id=n$i,ifname=tap$i,script=no,downscript=no,vhost=off,queues=2 ;;
	esac
	nics+=(-device "pcie-root-port,id=rp$i,chassis=$((i + 1)),slot=$((i + 1))"
	       -netdev "$backend" -device "$(nbpool_nic "$i" "$nic_opts")")
done

# The monitor agent does what the guest asks of QEMU's monitor (hot-unplug,
# link changes) and, if the boot outlives its limit, injects an NMI so that
# the guest panics with every CPU's stack before QEMU is stopped.
mon=$NBPOOL_OUT/$name.monitor
rm -f "$mon"
qemu/monitor-agent.py "$log" "$mon" "$tmo" 2>"$NBPOOL_OUT/$name.monitor.log" &
agent=$!
t0=$(date +%s)
# unknown_nmi_panic + panic_print=0x40: that NMI ends in a panic that shows
# every CPU's stack. hung_task_panic, softlockup_panic: hangs become panics
# (the debug kernel sets both in its config; the stock kernels need them here).
# printk.devkmsg=on: lines a test writes to /dev/kmsg are never rate limited.
# erms=off,fsrm=off: TCG runs "rep movsb" one byte per step; without those
# features the guest's memcpy and user copies move 8 bytes at a time (the
# stock driver boot's traffic runs about a fifth faster).
timeout -k 10 $((tmo + 30)) "${netns[@]}" qemu-system-x86_64 \
	-machine "$machine" -accel "$accel" -cpu max,erms=off,fsrm=off -smp "$smp" -m 2G \
	"${dma[@]}" "${nics[@]}" $qemu_extra \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic unknown_nmi_panic=1 panic_print=0x40 hung_task_panic=1 softlockup_panic=1 printk.devkmsg=on $cmdline" \
	-display none -monitor "unix:$mon,server,nowait" -no-reboot \
	-serial "file:$log" -serial "file:$verdict" </dev/null 2>"$qlog"
rc=$?
kill "$agent" 2>/dev/null
wait "$agent" 2>/dev/null
secs=$(( $(date +%s) - t0 ))

# What the guest reported: every result, then the KUnit suites.
fail_why=
tr -d '\r' <"$verdict" 2>/dev/null >"$verdict.txt"
begin=$(grep -c -x "NBPOOL-BEGIN $nonce" "$verdict.txt")
end=$(grep -m1 "^NBPOOL-END $nonce " "$verdict.txt")
expect=1
while read -r tag n status rest; do
	if [[ $n != "$expect" || ( $status != PASS && $status != FAIL ) ]]; then
		fail_why=${fail_why:-"result line $expect is garbled: '$tag $n $status $rest'"}
		continue
	fi
	emit "$status" ": $rest"
	expect=$((expect + 1))
done < <(grep '^R ' "$verdict.txt")
reported=$((expect - 1))
for ko in "${kunit_kos[@]}"; do
	m=$(basename "$ko" .ko)
	while read -r line; do emit "${line%% *}" ": ${line#* }"; done < \
		<(grep "^K $m " "$verdict.txt" | cut -d' ' -f3- | qemu/ktap.py "$ko" -)
done

# Then the boot itself. The first reason wins.
report=$(qemu/scan-log.sh "$log" "${warns[@]}")
scan_rc=$?
# QEMU's own complaints, but for the two this topology always causes.
qemu_report=$(grep -v -E '^$|^qemu-system-x86_64: (terminating on signal|warning: hub 0 is not connected to host network)' \
	"$qlog" | head -n1)
step=$(grep -a -m1 -E 'nbpool-step: |nbpool-result: ' <(tac "$log") || echo 'no step started')
if noinit=$(grep -m1 -o 'the kernel did not start /init .*' "$NBPOOL_OUT/$name.monitor.log"); then
	why="$noinit (its stacks follow in the log)"
elif hang=$(grep -m1 -o 'reported a hang: .*' "$NBPOOL_OUT/$name.monitor.log"); then
	why="hung in $step (${hang#reported a hang: }; the stacks are in the log)"
	# What the kernel said before the hang is often its cause.
	[[ $scan_rc == 1 && $report != nbpool-hung:* ]] && why+="; before it the kernel reported: $report"
elif [[ $rc == 124 || $rc == 137 ]] || grep -q 'time limit' "$NBPOOL_OUT/$name.monitor.log"; then
	why="timed out after ${tmo}s in $step"
elif [[ $scan_rc != 0 ]]; then
	why="kernel reported: $report"
elif [[ -n $qemu_report ]]; then
	why="QEMU said: $qemu_report (log: $qlog)"
elif [[ $begin != 1 ]]; then
	why="no verdict channel with this run's nonce (stale or foreign output)"
elif [[ -z $end ]]; then
	why="the guest never finished its plan: $(grep -a -m1 -E 'nbpool-step: |nbpool-result: ' <(tac "$log") || tail -n1 "$log")"
elif [[ $end != *" status=ok" ]]; then
	why="${end##* status=}: $(grep -a -m1 -E 'nbpool-step-failed|nbpool-hung' "$log" || echo "no reason on the console")"
elif plan_error=$(grep -a -m1 '/plan: line [0-9]*: ' "$log"); then
	why="the plan itself failed: ${plan_error#*/plan: }"
elif [[ -n $fail_why ]]; then
	why=$fail_why
elif [[ $end != *" results=$reported status"* ]]; then
	why="the guest sent $(sed 's/.* results=\([0-9]*\).*/\1/' <<<"$end") results but $reported arrived"
fi
if [[ -n ${why:-} ]]; then
	emit FAIL " guest: $why (log: $log)"
else
	emit PASS " guest: $reported results, every step ran, console clean ($secs s)"
fi
echo "END $name $nres"
