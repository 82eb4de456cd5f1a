#!/usr/bin/env bash
# dkms-check.sh [-r] KVER: dkms add, build, install and remove nbpool for
# kernel KVER (need not be the running one), from a copy of this tree under
# its own version so that an nbpool the user installed with DKMS is left
# alone. -r: in the Debian 13 build root (qemu/root.sh), for 7.x.
set -euo pipefail
. "$(dirname "$0")/common.sh"
run=() root=
if [[ ${1:-} == -r ]]; then
	run=("$NBPOOL_TOP/qemu/root.sh" run) root=$NEW_ROOT
	shift
fi
kver=$1
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$NBPOOL_TOP/dkms.conf")-check
src=$root/usr/src/nbpool-$ver

# dkms ARGS: the dkms of the host or of the root.
dkms() { "${run[@]}" env dkms "$@"; }

cleanup() {
	dkms remove "nbpool/$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src"
}
cleanup
trap cleanup EXIT
copy_tree "$src"
sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$ver\"/" "$src/dkms.conf"

dkms add "nbpool/$ver"
dkms build "nbpool/$ver" -k "$kver"
dkms install "nbpool/$ver" -k "$kver" --force
ko=$(find "$root/lib/modules/$kver/updates/dkms" -name 'nbpool.ko*' | head -n1)
[[ -n $ko ]] || { echo "dkms install left no nbpool.ko in $root/lib/modules/$kver/updates/dkms"; exit 1; }
magic=$("${run[@]}" env modinfo -F vermagic "${ko#"$root"}")
[[ $magic == "$kver "* ]] || { echo "$ko has vermagic '$magic', not $kver"; exit 1; }
echo "dkms: nbpool $ver built and installed for $kver ($ko)"
