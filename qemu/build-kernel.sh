#!/usr/bin/env bash
# Build (or reuse) the KUnit test kernel: linux-source-6.12 + qemu/kernel.config.
# The build is cached under $NBPOOL_CACHE and redone only when the fragment, this
# script or the source package changes. Prints the build directory on success.
set -euo pipefail
. "$(dirname "$0")/common.sh"

frag=$NBPOOL_TOP/qemu/kernel.config
srcver=$(dpkg-query -W -f '${Version}' "$TEST_KERNEL_SRC_PKG" 2>/dev/null) ||
	die "$TEST_KERNEL_SRC_PKG is not installed (apt-get install $TEST_KERNEL_SRC_PKG)"
# A fixed path, so that ccache's hits (the compiler's command lines name it)
# survive a point release of the source package.
src=$NBPOOL_CACHE/src/$TEST_KERNEL_SRC_PKG
key=$(cat "$frag" "$0" <(echo "$srcver") | sha256sum | cut -c1-16)
stamp=$TEST_KERNEL_BUILD/.nbpool-key
log=$NBPOOL_OUT/kernel-build.log

exec 9>"$NBPOOL_CACHE/kernel.lock"
flock 9	# never two kernel builds at once

if [[ -f $stamp && $(cat "$stamp") == "$key" && -f $TEST_KERNEL_BUILD/arch/x86/boot/bzImage ]]; then
	say "test kernel: reusing $TEST_KERNEL_BUILD"
	exit 0
fi

if [[ $(cat "$src/.nbpool-srcver" 2>/dev/null) != "$srcver" ]]; then
	say "test kernel: unpacking $TEST_KERNEL_SRC_PKG $srcver (about 1 minute)"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "/usr/src/$TEST_KERNEL_SRC_PKG.tar.xz" -C "$src.tmp" --strip-components=1
	echo "$srcver" >"$src.tmp/.nbpool-srcver"
	mv "$src.tmp" "$src"
fi

say "test kernel: building (about 11 minutes cold on 2 cores, 1-2 warm); log: $log"
mkdir -p "$TEST_KERNEL_BUILD"
rm -f "$stamp"
kmake() { make -C "$src" O="$TEST_KERNEL_BUILD" CC="ccache gcc" "$@"; }
{
	KCONFIG_ALLCONFIG=$frag kmake allnoconfig
	# Every option of the fragment must have survived kconfig's dependency pass.
	missing=0
	while IFS= read -r line; do
		[[ $line == CONFIG_* ]] || continue
		if ! grep -qxF "$line" "$TEST_KERNEL_BUILD/.config"; then
			echo "kernel.config: '$line' did not take effect"
			missing=1
		fi
	done <"$frag"
	[[ $missing == 0 ]]
	kmake -j"$(nproc)" bzImage modules
	kmake INSTALL_MOD_PATH="$TEST_KERNEL_BUILD/modroot" INSTALL_MOD_STRIP=1 modules_install
} >"$log" 2>&1 || die "test kernel build failed: $(grep -m1 -E 'did not take effect|error:|Error [0-9]' "$log" || tail -n1 "$log") (full log: $log)"

echo "$key" >"$stamp"
say "test kernel: ready in $TEST_KERNEL_BUILD"
