#!/usr/bin/env bash
# root.sh make | run CMD...: the Debian 13 build root for the newest kernels.
#
# Debian's 7.x kernels (trixie-backports) were configured with gcc-14, whose
# flags Debian 12's gcc 12 rejects, and their kbuild helpers need a newer
# glibc. So modules for them are built in a Debian 13 root, cached outside
# the tree beside the test kernel; the host stays a plain Debian 12.
#
#   make     create the root if it is missing (debootstrap, about 2 minutes),
#            install the newest headers of each series in NEW_SERIES, and
#            unpack the newest series' stock image and modules (not
#            installed: booted as they are) in $NBPOOL_CACHE/kernels/<version>.
#   run      CMD in the root, in a private mount namespace: /proc mounted
#            (objtool needs it), the tree, out/ and ccache at their host paths.
set -euo pipefail
. "$(dirname "$0")/common.sh"

mirror=http://deb.debian.org/debian
packages=gcc-14,make,libc6-dev,libelf-dev,libssl-dev,bc,bison,flex,kmod,dwarves,python3,perl,ccache,cpio,xz-utils,zstd,dkms
log=$NBPOOL_OUT/root.log

# in_root CMD...: run CMD inside the root (see "run" above), in the
# current directory if the root has it.
in_root() {
	R=$NEW_ROOT BINDS="$NBPOOL_TOP $NBPOOL_OUT $NBPOOL_CACHE" unshare -m sh -ec '
		mount -t proc proc "$R/proc"
		for d in $BINDS; do mkdir -p "$d" "$R$d"; mount --bind "$d" "$R$d"; done
		exec chroot "$R" sh -c "cd \"\$0\" 2>/dev/null || cd /; exec \"\$@\"" "$@"' sh "$PWD" "$@"
}

# newest SERIES PKG: the newest version of linux-PKG-<SERIES>.*+deb13-amd64
# the root's archive lists, e.g. "7.3.4+deb13-amd64".
newest() {
	in_root apt-cache search --names-only "^linux-$2-$1\.[0-9]+\+deb13-amd64\$" |
		sed -n "s/^linux-$2-\([^ ]*\) .*/\1/p" | sort -V | tail -n1
}

make_root() {
	local new=$NEW_ROOT.new
	[[ $(id -u) == 0 ]] || die "the Debian 13 build root needs root (debootstrap, chroot)"
	[[ -x /usr/sbin/debootstrap ]] || "$NBPOOL_TOP/qemu/deps.sh" newroot
	say "creating the Debian 13 build root in $NEW_ROOT (about 2 minutes; log: $log)"
	rm -rf "$new"
	debootstrap --variant=minbase --include="$packages" trixie "$new" "$mirror" >>"$log" 2>&1 ||
		die "could not make the Debian 13 build root the 7.x kernels need: debootstrap failed to reach $mirror (Debian's archive must be reachable once): $(grep -m1 -E '^E:' "$log" || tail -n1 "$log") (log: $log)"
	echo "deb $mirror trixie-backports main" >"$new/etc/apt/sources.list.d/backports.list"
	mv "$new" "$NEW_ROOT"
}

# unpack_kernel KVER: the stock image and modules of KVER, as booted by
# boot.sh: $NBPOOL_CACHE/kernels/KVER/{vmlinuz,lib/modules/KVER}.
unpack_kernel() {
	local kver=$1 dir=$NBPOOL_CACHE/kernels/$1 tmp deb
	[[ -f $dir/vmlinuz ]] && return
	tmp=$NBPOOL_CACHE/kernels/.$kver.new
	rm -rf "$tmp" && mkdir -p "$tmp/debs"
	(cd "$tmp/debs" && in_root apt-get download "linux-binary-$kver" "linux-modules-$kver") >>"$log" 2>&1 || die "could not download the $kver image and modules (log: $log)"
	for deb in "$tmp"/debs/*.deb; do
		dpkg-deb -x "$deb" "$tmp/x" || die "could not unpack $deb"
	done
	mkdir -p "$tmp/lib/modules"
	mv "$tmp/x/usr/lib/modules/$kver" "$tmp/lib/modules/$kver"
	mv "$tmp/lib/modules/$kver/vmlinuz" "$tmp/vmlinuz" 2>/dev/null ||
		mv "$tmp/x/boot/vmlinuz-$kver" "$tmp/vmlinuz" || die "no vmlinuz in linux-binary-$kver"
	rm -rf "$tmp/debs" "$tmp/x"
	mv "$tmp" "$dir"
}

case ${1:-} in
make)
	[[ -d $NEW_ROOT ]] || make_root
	[[ -n $(new_kernels) && $(new_kernels | wc -l) == $(wc -w <<<"$NEW_SERIES") ]] || {
		say "installing the newest headers of Linux $NEW_SERIES in the build root (about 1 minute; log: $log)"
		in_root apt-get update >>"$log" 2>&1 ||
			die "apt-get update failed in the build root; is the Debian archive reachable? (log: $log)"
		want=()
		for series in $NEW_SERIES; do
			kver=$(newest "$series" headers)
			[[ -n $kver ]] || die "the archive (trixie-backports) lists no linux-headers-$series.*+deb13-amd64"
			want+=("linux-headers-$kver")
		done
		in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			-t trixie-backports "${want[@]}" >>"$log" 2>&1 ||
			die "could not install ${want[*]} in the build root (log: $log)"
	}
	# The newest series is the one booted.
	unpack_kernel "$(new_kernels | tail -n1 | cut -d' ' -f2)"
	echo "the build root in $NEW_ROOT has the headers of $(new_kernels | cut -d' ' -f2 | xargs)"
	;;
run)
	shift
	[[ -d $NEW_ROOT ]] || die "no Debian 13 build root in $NEW_ROOT: run qemu/root.sh make"
	in_root "$@"
	;;
*)
	die "usage: root.sh make | run CMD..."
	;;
esac
