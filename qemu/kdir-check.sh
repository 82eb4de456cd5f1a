#!/usr/bin/env bash
# Say which kernel tree nbpool builds against, and stop with one line if
# that tree cannot build it (missing, or without CONFIG_NET/CONFIG_PAGE_POOL).
set -u
kdir=$1 origin=${2:-file}
if [[ $origin == "command line" || $origin == environment ]] && [[ ! -d $kdir ]]; then
	echo "nbpool: KDIR=$kdir is not a directory; point it at a configured kernel build tree (e.g. /lib/modules/<version>/build)" >&2
	exit 1
fi
if [[ -z $kdir || ! -d $kdir ]]; then
	echo "nbpool: no kernel headers found for $(uname -r) (looked in /lib/modules/$(uname -r)/build and /usr/src/linux-headers-*-amd64); install them: apt-get install linux-headers-amd64, or pass KDIR=/path/to/kernel/build" >&2
	exit 1
fi
conf=$kdir/include/config/auto.conf
[[ -f $conf ]] || conf=$kdir/.config
if [[ ! -f $conf ]]; then
	echo "nbpool: $kdir is not a configured kernel tree (no include/config/auto.conf)" >&2
	exit 1
fi
for opt in CONFIG_NET CONFIG_PAGE_POOL; do
	if ! grep -q "^$opt=y" "$conf"; then
		echo "nbpool: the kernel in $kdir is built without $opt=y, which nbpool needs (page_pool is a built-in part of the networking core)" >&2
		exit 1
	fi
done
case $origin in
"command line"|environment) echo "nbpool: building against $kdir (KDIR)" ;;
*) echo "nbpool: building against $kdir (the running kernel's headers, or else the newest installed set)" ;;
esac
