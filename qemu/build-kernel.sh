#!/usr/bin/env bash
# build-kernel.sh [SERIES]: build (or reuse) the debug test kernel of SERIES
# (default 6.12): linux-source-SERIES + qemu/kernel.config, with KUnit and
# every checker. 6.x builds on the host; a series of NEW_SERIES (7.x) in the
# Debian 13 root with its gcc-14 (qemu/root.sh). The build is cached in
# test_kernel_build SERIES and redone only when the fragment, this script or
# the source package changes.
set -euo pipefail
. "$(dirname "$0")/common.sh"

series=${1:-$TEST_SERIES}
pkg=linux-source-$series
frag=$NBPOOL_TOP/qemu/kernel.config
build=$(test_kernel_build "$series")
log=$NBPOOL_OUT/kernel-build-$series.log
run=() cc=gcc
new_series "$series" && run=("$NBPOOL_TOP/qemu/root.sh" run) cc=gcc-14
src=$(kernel_source "$series")
key=$(cat "$frag" "$0" "$src/.nbpool-srcver" | sha256sum | cut -c1-16)
stamp=$build/.nbpool-key

exec 9>"$NBPOOL_CACHE/kernel.lock"
flock 9	# never two kernel builds at once

if [[ -f $stamp && $(cat "$stamp") == "$key" && -f $build/arch/x86/boot/bzImage ]]; then
	say "test kernel $series: reusing $build"
	exit 0
fi

say "test kernel $series: building (about 12 minutes cold on 2 cores, 1-2 warm); log: $log"
mkdir -p "$build"
rm -f "$stamp"
kmake() { "${run[@]}" make -C "$src" O="$build" CC="ccache $cc" HOSTCC="$cc" "$@"; }
{
	KCONFIG_ALLCONFIG=$frag kmake allnoconfig
	# Every option of the fragment must have survived kconfig's dependency pass.
	missing=0
	while IFS= read -r line; do
		[[ $line == CONFIG_* ]] || continue
		if ! grep -qxF "$line" "$build/.config"; then
			echo "kernel.config: '$line' did not take effect"
			missing=1
		fi
	done <"$frag"
	[[ $missing == 0 ]]
	kmake -j"$(nproc)" bzImage modules
	kmake INSTALL_MOD_PATH="$build/modroot" INSTALL_MOD_STRIP=1 modules_install
} >>"$log" 2>&1 || die "test kernel $series build failed: $(grep -m1 -E 'did not take effect|error:|Error [0-9]' "$log" || tail -n1 "$log") (full log: $log)"

echo "$key" >"$stamp"
say "test kernel $series: ready in $build"
