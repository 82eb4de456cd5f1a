#!/usr/bin/env bash
# mkinitramfs.sh OUT PLAN [FILE:DEST]...
# A busybox initramfs whose /init (guest/init.sh) runs the steps in PLAN.
set -euo pipefail
. "$(dirname "$0")/common.sh"
out=$1 plan=$2
shift 2

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 755 "$NBPOOL_TOP/qemu/guest/init.sh" "$root/init"
cp "$plan" "$root/plan"
for spec in "$@"; do
	src=${spec%%:*} dst=${spec#*:}
	mkdir -p "$root/$(dirname "$dst")"
	cp "$src" "$root/$dst"
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
