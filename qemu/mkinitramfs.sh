#!/usr/bin/env bash
# mkinitramfs.sh OUT PLAN ENV [FILE:DEST]...
# A busybox initramfs whose /init (guest/init.sh) runs PLAN with the
# settings in ENV, plus the guest's library (guest/lib.sh) and FILEs.
set -euo pipefail
. "$(dirname "$0")/common.sh"
out=$1 plan=$2 env=$3
shift 3

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 755 "$NBPOOL_TOP/qemu/guest/init.sh" "$root/init"
cp "$plan" "$root/plan"
cp "$env" "$root/env"
cp "$NBPOOL_TOP"/qemu/guest/*.sh "$root/"
for spec in "$@"; do
	src=${spec%%:*} dst=${spec#*:}
	mkdir -p "$root/$(dirname "$dst")"
	cp "$src" "$root/$dst"
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
