# Shared settings for nbpool's QEMU harness scripts (sourced, not run).
# Everything large lives in a cache outside the git tree so a second run on the
# same machine reuses it; a fresh machine rebuilds it.

NBPOOL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NBPOOL_CACHE=${NBPOOL_CACHE:-/var/cache/nbpool}
NBPOOL_OUT=${NBPOOL_OUT:-$NBPOOL_TOP/out}
# The debug test kernel make check boots (qemu/build-kernel.sh).
TEST_SERIES=6.12
TEST_KERNEL_SRC_PKG=linux-source-$TEST_SERIES
TEST_KERNEL_BUILD=$NBPOOL_CACHE/kernel-build
TEST_KERNEL=$TEST_KERNEL_BUILD/arch/x86/boot/bzImage
export CCACHE_DIR=$NBPOOL_CACHE/ccache
# The newest kernels, built for in a Debian 13 root (qemu/root.sh).
NEW_ROOT=$NBPOOL_CACHE/roots/trixie
NEW_SERIES="7.2 7.3"

mkdir -p "$NBPOOL_CACHE" "$NBPOOL_OUT"

say() { printf '==> %s\n' "$*" >&2; }
# die: the one line that explains a failure, last on the terminal.
die() { printf 'nbpool: %s\n' "$*" >&2; exit 1; }

# copy_tree DIR: a private copy of the sources (tracked and new files) in DIR.
copy_tree() {
	rm -rf "$1" && mkdir -p "$1" &&
	(cd "$NBPOOL_TOP" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$1")
}

# stock_kernels: the stock Debian kernels to test, one "series version" line
# each: per series (6.1, 6.12), the newest version whose headers and image
# are both installed, so that a point release never adds a second set.
stock_kernels() {
	local kdir kver
	for kdir in /usr/src/linux-headers-*-amd64; do
		kver=${kdir#/usr/src/linux-headers-}
		[[ -f /boot/vmlinuz-$kver ]] || continue
		echo "${kver%%[.-]*}.$(cut -d. -f2 <<<"${kver%%-*}" | cut -d+ -f1) $kver"
	done | sort -V | awk '{newest[$1] = $2} END {for (s in newest) print s, newest[s]}' | sort -V
}

# new_kernels: like stock_kernels, for the series in NEW_SERIES whose
# headers the build root has ("7.3 7.3.4+deb13-amd64").
new_kernels() {
	local series kdir
	for series in $NEW_SERIES; do
		for kdir in "$NEW_ROOT"/usr/src/linux-headers-"$series".*-amd64; do
			[[ -d $kdir ]] && echo "$series ${kdir#"$NEW_ROOT"/usr/src/linux-headers-}"
		done | sort -V | tail -n1
	done
}

# new_series SERIES: is SERIES one of the newest, built in the Debian 13 root?
new_series() { [[ " $NEW_SERIES " == *" $1 "* ]]; }

# test_kernel_build SERIES: where the debug test kernel of SERIES is built.
test_kernel_build() {
	if [[ $1 == "$TEST_SERIES" ]]; then echo "$TEST_KERNEL_BUILD"; else echo "$NBPOOL_CACHE/kernel-build-$1"; fi
}

# kernel_source SERIES: linux-source-SERIES unpacked at a fixed path (so
# that ccache's hits, whose command lines name it, survive a point release),
# once per package version; prints that path. A series of NEW_SERIES comes
# from the Debian 13 root, installed there if missing.
kernel_source() {
	local pkg=linux-source-$1 usr= run=() ver src=$NBPOOL_CACHE/src/linux-source-$1
	local log=$NBPOOL_OUT/source-$1.log
	if new_series "$1"; then
		usr=$NEW_ROOT run=("$NBPOOL_TOP/qemu/root.sh" run)
		[[ -f $usr/usr/src/$pkg.tar.xz ]] ||
			"${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
				--no-install-recommends -t trixie-backports "$pkg" >"$log" 2>&1 ||
			die "could not install $pkg in the build root (log: $log)"
	fi
	ver=$("${run[@]}" dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null) ||
		die "$pkg is not installed (apt-get install $pkg)"
	if [[ $(cat "$src/.nbpool-srcver" 2>/dev/null) != "$ver" ]]; then
		say "unpacking $pkg $ver (about 1 minute)"
		rm -rf "$src" "$src.tmp" && mkdir -p "$src.tmp" &&
			tar -xJf "$usr/usr/src/$pkg.tar.xz" -C "$src.tmp" --strip-components=1 &&
			echo "$ver" >"$src.tmp/.nbpool-srcver" && mv "$src.tmp" "$src" ||
			die "could not unpack $usr/usr/src/$pkg.tar.xz"
	fi
	echo "$src"
}

# stock_image KVER, stock_modules KVER: a stock kernel's image and module
# directory: installed for Debian 12's, unpacked by qemu/root.sh for 7.x.
stock_image() {
	if [[ -f $NBPOOL_CACHE/kernels/$1/vmlinuz ]]; then echo "$NBPOOL_CACHE/kernels/$1/vmlinuz"; else echo "/boot/vmlinuz-$1"; fi
}
stock_modules() {
	if [[ -d $NBPOOL_CACHE/kernels/$1 ]]; then echo "$NBPOOL_CACHE/kernels/$1/lib/modules/$1"; else echo "/lib/modules/$1"; fi
}

# stock_kernel SERIES: the version stock_kernels picks for SERIES, or nothing.
stock_kernel() { stock_kernels | awk -v s="$1" '$1 == s {print $2}'; }

# nbpool_nic I [OPTS]: QEMU's -device argument for test NIC I (0 or 1),
# behind root port rpI, with more properties OPTS (",name=value..."). The
# guest plugs a removed NIC back with "device_add <this>".
# No ats=on: behind a root port the guest then enables ATS, and the debug
# kernel hung (guest frozen, no report) within seconds of traffic under
# QEMU 7.2; without ATS every DMA is still translated by the IOMMU.
nbpool_nic() {
	printf 'virtio-net-pci,netdev=n%s,bus=rp%s,id=nic%s,mac=52:54:00:00:00:1%s,iommu_platform=on,disable-legacy=on%s' \
		"$1" "$1" "$1" "$1" "${2:-}"
}

# logs_aside NAME: keep a failed boot's logs as NAME.try1.* before it is run again.
logs_aside() {
	local sfx
	for sfx in log qemu.log verdict.txt monitor.log; do
		mv "$NBPOOL_OUT/$1.$sfx" "$NBPOOL_OUT/$1.try1.$sfx" 2>/dev/null
	done
}
