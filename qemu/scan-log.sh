#!/usr/bin/env bash
# scan-log.sh LOG: print the first kernel report in a guest console log
# (WARN, oops, panic, KASAN, lockdep, kmemleak, DMA-API, IOMMU fault, hang)
# and exit 1; exit 0 if there is none. With SCAN_ALLOW_WARN=1, WARNs are
# left to the caller (a boot that provokes them on purpose).
pat='BUG:|BUG:|Oops|Kernel panic|KASAN:|UBSAN:|circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|unreferenced object|DMA-API: [^ ]+ [^ ]+: |DMA-API: debugging out of memory|DMAR: DRHD: handling fault|DMAR: \[DMA|general protection fault|blocked for more than|rcu_sched self-detected stall|rcu: INFO'
[[ ${SCAN_ALLOW_WARN:-0} == 1 ]] || pat="WARNING:|$pat"
line=$(grep -a -m1 -E "$pat" "$1") || exit 0
echo "${line#*] }"
exit 1
