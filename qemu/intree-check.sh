#!/usr/bin/env bash
# intree-check.sh: nbpool in the form an upstream submission takes. The
# tree goes into drivers/net/nbpool/ of linux-source-<newest series> (in
# the Debian 13 build root), hooked into drivers/net/Kconfig and Makefile;
# a kvm_guest configuration with CONFIG_NBPOOL=m, CONFIG_NBPOOL_VIRTIO_NET=m
# and CONFIG_NBPOOL_KUNIT_TEST=m; then the kernel's own make builds that
# directory with W=1. Passes when all five modules link and nbpool's files
# compile without a warning. The unpacked source and the prepared object
# tree are cached; the first run takes about 5 minutes, later ones 1.
set -uo pipefail
. "$(dirname "$0")/common.sh"
series=${NEW_SERIES##* }
tree=$NBPOOL_CACHE/intree/linux-source-$series
obj=$NBPOOL_CACHE/intree/build-$series
log=$NBPOOL_OUT/intree.log
: >"$log"
src=$(kernel_source "$series") || exit 1
kmake=("$NBPOOL_TOP/qemu/root.sh" run make -C "$tree" O="$obj" CC="ccache gcc-14" HOSTCC=gcc-14 -j2)

# A copy of the pristine source made of hard links, made again only for a
# new source version or a new version of this script; the two files changed
# are rewritten, not edited in place, so the pristine copy stays as it is.
key=$(cat "$0" "$src/.nbpool-srcver" | sha256sum | cut -c1-16)
if [[ $(cat "$tree.key" 2>/dev/null) != "$key" ]]; then
	rm -rf "$tree" "$tree.key" "$obj" && mkdir -p "${tree%/*}" && cp -al "$src" "$tree" ||
		die "could not link $src to $tree"
	for f in Kconfig Makefile; do
		cp "$tree/drivers/net/$f" "$tree/drivers/net/$f.new" && rm "$tree/drivers/net/$f" &&
			mv "$tree/drivers/net/$f.new" "$tree/drivers/net/$f" || die "could not unlink drivers/net/$f"
	done
	echo 'source "drivers/net/nbpool/Kconfig"' >>"$tree/drivers/net/Kconfig"
	echo 'obj-$(CONFIG_NBPOOL) += nbpool/' >>"$tree/drivers/net/Makefile"
	echo "$key" >"$tree.key"
fi
copy_tree "$tree/drivers/net/nbpool" || die "could not copy the tree"

mkdir -p "$obj"
{
	"${kmake[@]}" defconfig kvm_guest.config &&
	"$tree/scripts/config" --file "$obj/.config" -e KUNIT -m NBPOOL -m NBPOOL_VIRTIO_NET \
		-m NBPOOL_KUNIT_TEST -d DEBUG_INFO_BTF &&
	"${kmake[@]}" olddefconfig
} >>"$log" 2>&1 || die "could not configure $tree (log: $log)"
for opt in NBPOOL NBPOOL_VIRTIO_NET NBPOOL_KUNIT_TEST; do
	grep -qx "CONFIG_$opt=m" "$obj/.config" ||
		die "Kconfig did not keep CONFIG_$opt=m: $(grep "CONFIG_$opt[= ]" "$obj/.config" || echo unset)"
done

# The modules link without a vmlinux (KBUILD_MODPOST_WARN: modpost cannot
# resolve their kernel symbols here; the build against the same kernel's
# headers and the stock 7.x boot prove those).
kos=(nbpool virtio/nbpool_virtio_net kunit/nbpool_kunit kunit/nbpool_kunit_long kunit/nbpool_kunit_hostile)
targets=()
for ko in "${kos[@]}"; do targets+=("drivers/net/nbpool/$ko.ko"); done
rm -rf "$obj/drivers/net/nbpool"
"${kmake[@]}" W=1 KBUILD_MODPOST_WARN=1 "${targets[@]}" >>"$log" 2>&1 ||
	die "the in-tree build failed: $(grep -m1 -E 'error:|Error [0-9]' "$log") (log: $log)"
bad=$(grep -m1 -E 'drivers/net/nbpool/.*(warning|error):' "$log")
[[ -z $bad ]] || die "$bad (log: $log)"
for ko in "${kos[@]}"; do
	[[ -f $obj/drivers/net/nbpool/$ko.ko ]] || die "the in-tree build left no drivers/net/nbpool/$ko.ko (log: $log)"
done
echo "built in-tree in linux-source-$series with W=1: nbpool, the example driver and the KUnit suites"
