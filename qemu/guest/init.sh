#!/bin/sh
# /init of every test guest: runs /plan, a list of steps and results (see
# qemu/plans/), and reports over the second serial port, the verdict channel,
# which nothing but this script writes to:
#   NBPOOL-BEGIN <nonce>
#   R <n> PASS|FAIL <name>          one per result, numbered from 1
#   K <module> <KTAP line>          a KUnit suite's results, from debugfs
#   NBPOOL-END <nonce> results=<n> status=ok|failed|hung
# (status failed: a setup step failed and the plan stopped there; a failed
# result is reported as such and the plan goes on.)
# The host fails the boot unless BEGIN and END carry its nonce, every result
# from 1 to n arrived and the status is ok. A panic, an oops or a hang can
# never write the END line; kernel reports are the console scan's job.
# The first line on the console says the kernel got as far as /init (the
# monitor agent ends a boot that takes too long to get here).
echo "nbpool-init: $0 started"
/bin/busybox --install -s /bin
export PATH=/usr/local/sbin:/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmp /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
echo 1 > /proc/sys/kernel/printk_ratelimit_burst 2>/dev/null

. /env			# nonce and the plan's settings (boot.sh -e)
exec 3>/dev/ttyS1
echo "NBPOOL-BEGIN $nonce" >&3
nres=0
status=ok

# finish [STATUS]: the END line, then power off. Never returns.
finish() {
	[ -n "${1:-}" ] && status=$1
	echo "NBPOOL-END $nonce results=$nres status=$status" >&3
	poweroff -f
}

# waiting PID: where PID and every process under it wait, as
# "comm state wchan, ...": the hang's reason names the one that is stuck
# (CI keeps only that line; a task asleep in S state is in no sysrq dump).
waiting() {
	for s in /proc/[0-9]*/stat; do cat "$s" 2>/dev/null && echo; done | awk -v root="$1" '
		{
			o = index($0, "("); c = index($0, ") ")
			split(substr($0, c + 2), f, " ")
			comm[$1] = substr($0, o + 1, c - o - 1); state[$1] = f[1]; parent[$1] = f[2]
		}
		END {
			under[root] = 1
			for (more = 1; more;) {
				more = 0
				for (p in parent)
					if (!(p in under) && (parent[p] in under)) { under[p] = 1; more = 1 }
			}
			for (p in under)
				if (p in comm) print p, comm[p], state[p]
		}' | sort -n | while read -r p comm state; do
		printf '%s %s %s, ' "$comm" "$state" "$(cat /proc/$p/wchan 2>/dev/null)"
	done | sed 's/, $//' | cut -c1-400
}

# limited SECONDS CMD...: run CMD; if it is still running after SECONDS,
# dump every blocked task and every CPU's stack to the console, end the
# boot as hung and power off (a task stuck in the kernel cannot be killed).
limited() {
	secs=$1
	shift
	"$@" &
	pid=$!
	(
		sleep "$secs"
		kill -0 $pid 2>/dev/null || exit 0
		echo "nbpool-hung: '$*' still running after $secs s, waiting: $(waiting $pid); blocked tasks and CPUs follow" > /dev/console
		echo w > /proc/sysrq-trigger
		echo l > /proc/sysrq-trigger
		sleep 2
		finish hung
	) &
	dog=$!
	wait $pid
	rc=$?
	kill $dog 2>/dev/null
	wait $dog 2>/dev/null
	return $rc
}

# step [-t SECONDS] CMD...: a setup step (default limit 120 s). A failure
# ends the plan: what follows would prove nothing.
step() {
	secs=120
	[ "$1" = -t ] && { secs=$2; shift 2; }
	echo "nbpool-step: $*"
	if ! limited "$secs" "$@"; then
		echo "nbpool-step-failed: $*"
		status=failed
		finish
	fi
}

# result [-t SECONDS] NAME CMD...: a test, reported as one R line (default
# limit 600 s). What CMD prints goes to the console, indented; a FAIL also
# carries CMD's last line, which says why, so the host's summary does too.
result() {
	secs=600
	[ "$1" = -t ] && { secs=$2; shift 2; }
	name=$1
	shift
	echo "nbpool-result: $name"
	t0=$(cut -d' ' -f1 /proc/uptime)
	if limited "$secs" "$@" >/tmp/result.out 2>&1; then
		r=PASS
	else
		r=FAIL
	fi
	sed 's/^/    /' /tmp/result.out
	echo "nbpool-result-took: $(awk -v t0=$t0 '{printf "%.1f", $1 - t0}' /proc/uptime) s: $r $name"
	why=
	[ $r = FAIL ] && why=$(grep -v '^[[:space:]]*$' /tmp/result.out | tail -n1 | tr -d '\r' | cut -c1-200)
	report $r "$name${why:+ (said: $why)}"
}

# report PASS|FAIL NAME: send one result (one line, whatever NAME holds).
report() {
	nres=$((nres + 1))
	echo "R $nres $1 $2" >&3
}

# module_results FILE: a test module's own results, "PASS|FAIL name" lines
# ending in "done", each sent as a result.
module_results() {
	if ! [ -r "$1" ]; then
		report FAIL "$1: no results"
		return
	fi
	while read -r st name; do
		case $st in
		PASS|FAIL) report "$st" "$name" ;;
		done) return ;;
		esac
	done < "$1"
	report FAIL "$1: the module did not run to the end"
}

# kunit MODULE.ko [ARGS]: load a KUnit module (its suites run while it
# loads) and send every suite's results from debugfs to the host, which
# checks them against the suites the module was built with.
kunit() {
	ko=$1
	shift
	m=$(basename "$ko" .ko)
	ls /sys/kernel/debug/kunit > /tmp/kunit.before 2>/dev/null
	step -t 900 insmod "$ko" "$@"
	for d in /sys/kernel/debug/kunit/*; do
		[ -d "$d" ] || continue
		grep -qxF "$(basename "$d")" /tmp/kunit.before && continue
		sed "s/^/K $m /" "$d/results" >&3
	done
}

# kmemleak_clean: scan for leaks of everything allocated so far (objects
# must be 5 s old before kmemleak considers them); fails on any report.
# Two scans: the list shows only objects still unreferenced at the last
# scan, so one caught in flight by the first (a false report) drops out.
kmemleak_clean() {
	[ -e /sys/kernel/debug/kmemleak ] || { echo "kmemleak: not running"; return 1; }
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak || return 1
	echo scan > /sys/kernel/debug/kmemleak || return 1
	cat /sys/kernel/debug/kmemleak > /tmp/kmemleak
	if [ -s /tmp/kmemleak ]; then
		cat /tmp/kmemleak
		return 1
	fi
	echo "kmemleak: no leaks"
}

. /plan
finish
