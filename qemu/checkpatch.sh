#!/usr/bin/env bash
# checkpatch.sh: run the kernel's checkpatch.pl (from linux-source-6.12, which
# the test kernel build unpacks) over every C file and header of the tree.
# Exit 0 only when it reports no error and no warning.
set -euo pipefail
. "$(dirname "$0")/common.sh"

srcver=$(dpkg-query -W -f '${Version}' "$TEST_KERNEL_SRC_PKG" 2>/dev/null) ||
	die "checkpatch needs $TEST_KERNEL_SRC_PKG (apt-get install $TEST_KERNEL_SRC_PKG)"
cp=$NBPOOL_CACHE/src/$TEST_KERNEL_SRC_PKG-$srcver/scripts/checkpatch.pl
if [[ ! -f $cp ]]; then
	mkdir -p "$NBPOOL_CACHE/checkpatch"
	tar -xJf "/usr/src/$TEST_KERNEL_SRC_PKG.tar.xz" -C "$NBPOOL_CACHE/checkpatch" --strip-components=1 \
		"$TEST_KERNEL_SRC_PKG/scripts/checkpatch.pl" "$TEST_KERNEL_SRC_PKG/scripts/spelling.txt" \
		"$TEST_KERNEL_SRC_PKG/scripts/const_structs.checkpatch"
	cp=$NBPOOL_CACHE/checkpatch/scripts/checkpatch.pl
fi
cd "$NBPOOL_TOP"
mapfile -t files < <(git ls-files -co --exclude-standard '*.c' '*.h')
out=$(perl "$cp" --no-tree --terse --show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
	-f "${files[@]}" 2>&1) || true
bad=$(printf '%s\n' "$out" | grep -E ': (ERROR|WARNING):' || true)
if [[ -n $bad ]]; then
	printf '%s\n' "$bad"
	exit 1
fi
echo "checkpatch: ${#files[@]} files clean"
