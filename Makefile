# SPDX-License-Identifier: GPL-2.0
# nbpool: out-of-tree build, packaging and the project's two commands.
#   make            build nbpool.ko against KDIR
#   make demo       boot a stock kernel in QEMU with the nbpool NIC driver
#                   (KVER=6.12, the default, 6.1 or 7.3)
#   make check      every test, ending in "N passed, N failed" (about 15
#                   minutes warm, 28 with the test kernel to build)
#   make check-full the same with the long runs at full length, and the
#                   stock and debug 7.3 kernels booted (CI)
#   make bench      benchmarks (out/bench/results.md)
#   make soak       the driver under random traffic, reloads and unplugs for
#                   SOAK_MINUTES (default 10) on the debug kernel; not in check

# The kernel's build system reads Kbuild; this file is for people.

KVER ?= $(shell uname -r)
KDIR ?= $(or $(wildcard /lib/modules/$(KVER)/build),$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))
PWD := $(CURDIR)

all: modules

modules: kdir-check
	$(MAKE) -C $(KDIR) M=$(PWD) modules

kdir-check:
	@qemu/kdir-check.sh "$(KDIR)" "$(origin KDIR)"

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || true

install: modules
	$(MAKE) -C $(KDIR) M=$(PWD) modules_install
	depmod -a $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h)

kunit:
	@qemu/kunit.sh

sparse: kdir-check
	$(MAKE) -C $(KDIR) M=$(PWD) C=2 modules

checkpatch:
	@qemu/checkpatch.sh

check:
	@qemu/check.sh

check-full:
	@qemu/check.sh --full

demo:
	@qemu/demo.sh

bench:
	@qemu/bench.sh

soak:
	@qemu/soak.sh

.PHONY: all modules kdir-check clean install kunit sparse checkpatch check check-full demo bench soak
