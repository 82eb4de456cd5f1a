# Shared settings for nbpool's QEMU harness scripts (sourced, not run).
# Everything large lives in a cache outside the git tree so a second run on the
# same machine reuses it; a fresh machine rebuilds it.

NBPOOL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NBPOOL_CACHE=${NBPOOL_CACHE:-/var/cache/nbpool}
NBPOOL_OUT=${NBPOOL_OUT:-$NBPOOL_TOP/out}
TEST_KERNEL_SRC_PKG=linux-source-6.12
TEST_KERNEL_BUILD=$NBPOOL_CACHE/kernel-build
export CCACHE_DIR=$NBPOOL_CACHE/ccache

mkdir -p "$NBPOOL_CACHE" "$NBPOOL_OUT"

say() { printf '==> %s\n' "$*"; }
# die: the one line that explains a failure, last on the terminal.
die() { printf 'nbpool: %s\n' "$*" >&2; exit 1; }
