#!/usr/bin/env bash
# deps.sh GROUP...: install the Debian packages a target needs, only if missing.
#   check  building, sparse, DKMS, the test kernel, the stock kernels and QEMU
#   demo   the stock Debian kernels and the userland the demo guest runs
#   newroot  debootstrap, for the Debian 13 build root (qemu/root.sh)
#   plot   gnuplot, for make bench's graph
# The stock kernels come as matched pairs: for each headers metapackage, the
# image of exactly the version its headers are (the image metapackage could
# point at another point release).
set -euo pipefail
. "$(dirname "$0")/common.sh"

kernels="linux-headers-amd64 linux-headers-6.12-amd64"
declare -A groups=(
	[check]="gcc make libc6-dev kmod cpio gzip xz-utils python3 bc bison flex libelf-dev
		 libssl-dev ccache sparse dkms qemu-system-x86 busybox-static iproute2 ethtool
		 linux-source-6.12 $kernels"
	[demo]="gcc make libc6-dev kmod cpio gzip xz-utils python3 sparse qemu-system-x86
		busybox-static iproute2 ethtool $kernels"
	[newroot]="debootstrap"
	[plot]="gnuplot-nox"
)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# install PKG...: apt-get install, with a log and the one line that explains a failure.
install() {
	[[ $(id -u) == 0 ]] || die "missing Debian packages ($*); run as root so they can be installed"
	local log=$NBPOOL_OUT/apt.log
	say "installing $# Debian packages ($*); a few minutes; log: $log"
	{
		apt-get update &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
	} >>"$log" 2>&1 || die "apt-get could not install $*: $(grep -m1 -E '^E:' "$log" || tail -n1 "$log") (log: $log)"
}

want=()
for g in "$@"; do
	[[ -n ${groups[$g]:-} ]] || die "deps.sh: unknown group '$g'"
	for pkg in ${groups[$g]}; do installed "$pkg" || want+=("$pkg"); done
done
[[ ${#want[@]} == 0 ]] || install "${want[@]}"

want=()
for g in "$@"; do
	[[ $g == plot || $g == newroot ]] && continue
	for meta in $kernels; do
		headers=$(dpkg-query -W -f='${Depends}' "$meta" | grep -o 'linux-headers-[^ ,]*-amd64' | head -n1)
		[[ -n $headers ]] || die "cannot tell which headers $meta stands for"
		installed "${headers/headers/image}" || want+=("${headers/headers/image}")
	done
done
[[ ${#want[@]} == 0 ]] || install $(printf '%s\n' "${want[@]}" | sort -u)
