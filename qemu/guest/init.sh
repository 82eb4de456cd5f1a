#!/bin/sh
# /init of the test guests. Runs the steps in /plan, then writes a verdict to
# the second serial port only if every step succeeded: a panic, an oops or a
# hang can never produce it. The host still scans the console for reports.
/bin/busybox --install -s /bin
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmp /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
echo 1 > /proc/sys/kernel/printk_ratelimit_burst 2>/dev/null

failed=0
# step CMD...: run one step of the plan; a failure is recorded, not fatal.
step() {
	echo "nbpool-step: $*"
	if ! "$@"; then
		echo "nbpool-step-failed: $*"
		failed=1
	fi
}

# result NAME CMD...: a test the guest itself runs, reported to the host as
# one line; the host counts it like a KUnit case.
result() {
	name=$1
	shift
	# What the test prints goes to the console log, indented.
	if "$@" >/tmp/result.out 2>&1; then
		r=PASS
	else
		r=FAIL
	fi
	sed 's/^/    /' /tmp/result.out
	echo "NBPOOL-RESULT $r $name"
}

# kmemleak_check: scan for leaks of everything allocated so far (objects must
# be 5 s old before kmemleak considers them); leaks go to the console, where
# the host finds them. Fails if kmemleak is not running.
kmemleak_check() {
	[ -e /sys/kernel/debug/kmemleak ] || { echo "kmemleak: not available"; return 1; }
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak || return 1
	echo scan > /sys/kernel/debug/kmemleak || return 1
	cat /sys/kernel/debug/kmemleak
	echo "kmemleak: scan done"
}

. /plan

if [ "$failed" = 0 ]; then
	echo "NBPOOL-VERDICT: every step passed" > /dev/ttyS1
fi
poweroff -f
