#!/usr/bin/env bash
# checkpatch.sh: run the kernel's checkpatch.pl and kernel-doc -Wall (from
# linux-source-6.12, as the test kernel build unpacks it) over every C file
# and header of the tree.
# Exit 0 only when it checked every file and reported no error and no warning.
set -euo pipefail
. "$(dirname "$0")/common.sh"

cp=$NBPOOL_CACHE/src/$TEST_KERNEL_SRC_PKG/scripts/checkpatch.pl
if [[ ! -f $cp ]]; then
	mkdir -p "$NBPOOL_CACHE/checkpatch"
	tar -xJf "/usr/src/$TEST_KERNEL_SRC_PKG.tar.xz" -C "$NBPOOL_CACHE/checkpatch" --strip-components=1 \
		"$TEST_KERNEL_SRC_PKG/scripts/checkpatch.pl" "$TEST_KERNEL_SRC_PKG/scripts/spelling.txt" \
		"$TEST_KERNEL_SRC_PKG/scripts/const_structs.checkpatch" \
		"$TEST_KERNEL_SRC_PKG/scripts/kernel-doc"
	cp=$NBPOOL_CACHE/checkpatch/scripts/checkpatch.pl
fi
cd "$NBPOOL_TOP"
mapfile -t files < <(git ls-files -co --exclude-standard '*.c' '*.h')
out=$(perl "$cp" --no-tree --show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
	-f "${files[@]}" 2>&1) || true
# One "total:" line per file checked: fewer means checkpatch did not run.
checked=$(grep -c '^total: ' <<<"$out" || true)
if [[ $checked != "${#files[@]}" ]]; then
	printf '%s\n' "$out" | tail -n5
	echo "checkpatch checked $checked of ${#files[@]} files"
	exit 1
fi
bad=$(grep -E '^(ERROR|WARNING):' <<<"$out" || true)
if [[ -n $bad ]]; then
	printf '%s\n' "$out" | grep -E -A3 '^(ERROR|WARNING):'
	echo "checkpatch: $(grep -c . <<<"$bad") errors and warnings; the first: $(head -n1 <<<"$bad")"
	exit 1
fi
# Every comment that opens with /** must be kernel-doc the kernel can parse.
kd=$(perl "$(dirname "$cp")/kernel-doc" -none -Wall "${files[@]}" 2>&1) ||
	{ printf '%s\n' "$kd" | tail -n3; echo "kernel-doc failed to run"; exit 1; }
if [[ -n $kd ]]; then
	printf '%s\n' "$kd"
	echo "kernel-doc: $(grep -c . <<<"$kd") warnings; the first: $(head -n1 <<<"$kd")"
	exit 1
fi
echo "checkpatch and kernel-doc: ${#files[@]} files clean"
