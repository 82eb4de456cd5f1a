#!/usr/bin/env bash
# scan-log.sh LOG [MSG...]: the one place that knows what a kernel report
# is. Prints the first report in a guest console log and exits 1; exits 0
# when there is none, 2 when the log cannot be read. With MSGs, the guest
# provokes WARNs on purpose: each "nbpool: MSG" WARN must appear exactly
# once and no other WARN at all.
set -uo pipefail
log=$1
shift
[[ -r $log ]] || { echo "cannot read $log"; exit 2; }

reports=(
	'WARNING:' 'BUG:' 'Oops' 'Kernel panic' 'kernel BUG' 'general protection fault'
	'KASAN:' 'UBSAN:' 'KFENCE:'
	# lockdep and RCU
	'circular locking' 'inconsistent lock state' 'possible recursive locking'
	'suspicious RCU usage' 'possible irq lock inversion' 'lock held when returning'
	'rcu: INFO' 'self-detected stall' 'detected stalls on CPUs'
	# hangs
	'blocked for more than' 'soft lockup' 'hard LOCKUP' 'nbpool-hung:'
	# memory and DMA
	'unreferenced object' 'DMA-API: [^ ]+ [^ ]+: ' 'DMA-API: debugging out of memory'
	'DMAR: DRHD: handling fault' 'DMAR: \[DMA' 'list_add corruption' 'list_del corruption'
	# the console dropped messages: a report may be among them
	'printk messages dropped'
	# networking: devices or pools that never let go
	'unregister_netdevice: waiting' 'NETDEV WATCHDOG' 'stalled pool shutdown'
	'still not freed' 'the device completed descriptor'
)
pat=$(IFS='|'; echo "${reports[*]}")
[[ $# -gt 0 ]] && pat=${pat#WARNING:|}

# grep reads the file itself: in a pipe, grep -m1 stopping at the first
# report would kill the writer and pipefail would call that a grep error.
line=$(grep -a -m1 -E "$pat" "$log")
case $? in
0)
	line=${line//$'\r'/}
	# CI keeps no logs: the reason itself says where the kernel was.
	where=$(tr -d '\r' <"$log" | awk -v first="$line" '
		$0 == first { on = 1; next }
		!on { next }
		++seen > 80 || / ---\[ end trace/ { exit }
		/ Comm: / && !comm { sub(/.* Comm: /, ""); comm = $1 }
		/ RIP: 00[0-9a-f]+:/ && !rip { sub(/.* RIP: 00[0-9a-f]+:/, ""); rip = $1 }
		/ Call Trace:/ { trace = 1; next }
		# "? name" frames are stale words on the stack: only the sure ones.
		trace && n < 6 && match($0, /\] +[A-Za-z_][A-Za-z0-9_.]*\+0x/) {
			f = substr($0, RSTART + 2, RLENGTH - 5); gsub(/ /, "", f)
			frames = frames (n++ ? " < " : "") f
		}
		END {
			if (rip) printf "at %s", rip
			if (comm) printf "%s%s", (rip ? ", " : ""), "task " comm
			if (frames) printf "%s%s", (rip || comm ? ", " : ""), "called from " frames
		}')
	echo "${line#*] }${where:+ ($where)}"
	exit 1 ;;
1) ;;
*) echo "grep failed on $log"; exit 2 ;;
esac

[[ $# -gt 0 ]] || exit 0
for msg in "$@"; do
	n=$(grep -a -c -E "\] nbpool: $msg"$'\r'"?\$" "$log")
	if [[ $n != 1 ]]; then
		echo "expected one WARN 'nbpool: $msg', saw $n"
		exit 1
	fi
done
n=$(grep -a -c 'WARNING:' "$log")
if [[ $n != "$#" ]]; then
	echo "$n WARNs where exactly $# were expected"
	exit 1
fi
exit 0
