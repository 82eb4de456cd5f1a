#!/usr/bin/env bash
# deps.sh GROUP...: install the Debian packages a target needs, only if missing.
#   check  building, sparse, DKMS, the test kernel, the stock kernels and QEMU
#   demo   the stock Debian kernels and the userland the demo guest runs
set -euo pipefail
. "$(dirname "$0")/common.sh"

declare -A groups=(
	[check]="gcc make libc6-dev kmod cpio gzip xz-utils python3 bc bison flex libelf-dev
		 libssl-dev ccache sparse dkms qemu-system-x86 busybox-static
		 linux-headers-amd64 linux-headers-6.12-amd64 linux-source-6.12
		 linux-image-amd64 linux-image-6.12-amd64 iproute2 ethtool"
	[demo]="gcc make libc6-dev kmod cpio gzip python3 qemu-system-x86 busybox-static iproute2 ethtool
		linux-headers-amd64 linux-headers-6.12-amd64 linux-image-amd64 linux-image-6.12-amd64"
	[plot]="gnuplot-nox"
)

want=()
for g in "$@"; do
	[[ -n ${groups[$g]:-} ]] || die "deps.sh: unknown group '$g'"
	for pkg in ${groups[$g]}; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
			want+=("$pkg")
	done
done
[[ ${#want[@]} == 0 ]] && exit 0

[[ $(id -u) == 0 ]] || die "missing Debian packages (${want[*]}); run as root so they can be installed"
log=$NBPOOL_OUT/apt.log
say "installing ${#want[@]} Debian packages (${want[*]}); a few minutes; log: $log"
{
	apt-get update &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${want[@]}"
} >"$log" 2>&1 || die "apt-get could not install ${want[*]}: $(grep -m1 -E '^E:' "$log" || tail -n1 "$log") (log: $log)"
