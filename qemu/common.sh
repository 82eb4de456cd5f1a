# Shared settings for nbpool's QEMU harness scripts (sourced, not run).
# Everything large lives in a cache outside the git tree so a second run on the
# same machine reuses it; a fresh machine rebuilds it.

NBPOOL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NBPOOL_CACHE=${NBPOOL_CACHE:-/var/cache/nbpool}
NBPOOL_OUT=${NBPOOL_OUT:-$NBPOOL_TOP/out}
TEST_KERNEL_SRC_PKG=linux-source-6.12
TEST_KERNEL_BUILD=$NBPOOL_CACHE/kernel-build
TEST_KERNEL=$TEST_KERNEL_BUILD/arch/x86/boot/bzImage
export CCACHE_DIR=$NBPOOL_CACHE/ccache

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

# stock_kernel SERIES: the version stock_kernels picks for SERIES, or nothing.
stock_kernel() { stock_kernels | awk -v s="$1" '$1 == s {print $2}'; }

# nbpool_nic I: QEMU's -device argument for test NIC I (0 or 1), behind root
# port rpI. The guest plugs a removed NIC back with "device_add <this>".
# No ats=on: behind a root port the guest then enables ATS, and the debug
# kernel hung (guest frozen, no report) within seconds of traffic under
# QEMU 7.2; without ATS every DMA is still translated by the IOMMU.
nbpool_nic() {
	printf 'virtio-net-pci,netdev=n%s,bus=rp%s,id=nic%s,mac=52:54:00:00:00:1%s,iommu_platform=on,disable-legacy=on' \
		"$1" "$1" "$1" "$1"
}
