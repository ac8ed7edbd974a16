# SPDX-License-Identifier: GPL-2.0
#
# hvm - top-level build.
#
#   make                 hvm.ko (against KDIR), ctl/hvctl and the selftests
#   make module|hvctl|selftests
#   make check           the whole test suite in emulated machines (QEMU AMD-V on
#                        Debian's 6.1 and 6.12 kernels, Bochs VT-x); needs root
#   make stress          the long (soak) variants of the hostile-input tests in
#                        the emulated AMD-V machine (KERNEL=6.1|6.12), after
#                        10^7 runs of the decoder fuzz target on the host (clang)
#   make demo            boot the emulated AMD-V machine and show hvctl at work
#   make bench           hvm against KVM in the emulated machine (BENCH_VT=1: and
#                        Bochs VT-x); table, build/bench/bench.json and .png (root)
#   make vm CMD='...'    boot the emulated machine (KERNEL=6.1|6.12) and run CMD
#   make prepare         install/cache what the emulated machines need (root)
#   make checkpatch      scripts/checkpatch.pl over the kernel sources
#   make sparse          the module build through sparse (C=2)
#   make clean
#   make install         hvm.ko (modules_install, depmod), hvctl, man pages, bash
#                        completion, udev rule, group hvm; DESTDIR=, PREFIX=
#   make uninstall       remove what make install put (mk/install.mk lists knobs)
#   make dkms            hvm.ko through DKMS (rebuilt for new kernels), and the
#                        rest as install does; make dkms-remove undoes it
#
# KDIR defaults to the running kernel's build directory; where that does not
# exist (a container, a CI VM) the newest installed Debian linux-headers.
# W=1 is passed to the kernel build.

HVM_CACHE ?= /var/cache/hvm
KSFT_DIR ?= $(HVM_CACHE)/ksft
KERNEL ?= 6.1

running_kdir := /lib/modules/$(shell uname -r)/build
ifeq ($(KDIR),)
KDIR := $(firstword $(wildcard $(running_kdir)) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))
ifneq ($(KDIR),$(running_kdir))
ifneq ($(filter all module sparse,$(or $(MAKECMDGOALS),all)),)
$(info KDIR: $(running_kdir) not found, using $(KDIR))
endif
endif
endif

VM := selftests/vm

.PHONY: all module hvctl selftests check stress demo vm prepare clean \
	checkpatch sparse help bench

all: module hvctl selftests

module:
	@test -n "$(KDIR)" && test -d "$(KDIR)" || \
		{ echo "make: no kernel build directory; set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(W),W=$(W)) modules

hvctl:
	$(MAKE) -C ctl

# the kselftest headers come from linux-source-6.1 (selftests/vm/prepare.sh)
$(KSFT_DIR)/kselftest_harness.h:
	$(VM)/prepare.sh

selftests: $(KSFT_DIR)/kselftest_harness.h
	$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR)

prepare:
	$(VM)/prepare.sh

check:
	$(VM)/check.sh

demo:
	$(VM)/demo.sh

# make stress: one shell command per line (run in /hvm of the machine, in
# order); every one runs, and the target fails if any of them did.
define STRESS_CMDS
HVM_NL_FUZZ_MSGS=1000000 ./tests/nl_fuzz
HVM_RACE_ROUNDS=2000 ./tests/lifecycle_race
HVM_LEAK_CYCLES=10000 ./tests/leak
HVM_STRESS_ROUNDS=100 ./tests/guest_stress
endef
export STRESS_CMDS
STRESS_TIMEOUT ?= 3600

# make stress, host side: kmod/decode.c and emulate.c under libFuzzer
# (selftests/unit; STRESS_RUNS, STRESS_SEED), before the machine boots.
.PHONY: stress-fuzz
stress-fuzz:
	$(MAKE) -C selftests/unit stress

stress: stress-fuzz
	$(VM)/run.sh --kernel $(KERNEL) --timeout $(STRESS_TIMEOUT) --cmd "$$(printf '%s\n' \
		"$$STRESS_CMDS" | awk 'NF { printf "echo \"### stress: %s\"; %s || rc=1; ", \
		$$0, $$0 } END { print "exit $${rc:-0}" }')"

# bench/bench.sh lists its knobs (BENCH_ROUNDS, BENCH_N1/N2, BENCH_VT, ...)
bench:
	bench/bench.sh

export CMD
vm:
	$(VM)/run.sh --kernel $(KERNEL) $(if $(CMD),--cmd "$$CMD")

checkpatch: $(KSFT_DIR)/kselftest_harness.h
	$(KSFT_DIR)/scripts/checkpatch.pl --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f $(sort $(wildcard kmod/*.[ch] svm/*.[ch] vmx/*.[ch] svm/*.S vmx/*.S \
			uapi/linux/*.h))

sparse:
	@test -n "$(KDIR)" && test -d "$(KDIR)" || \
		{ echo "make: no kernel build directory; set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 $(if $(W),W=$(W)) modules

clean:
	-test -n "$(KDIR)" && test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C ctl clean
	-$(MAKE) -C selftests clean
	-$(MAKE) -C selftests/unit clean
	rm -rf build

help:
	@sed -n '3,/^$$/s/^# \{0,1\}//p' Makefile

include mk/install.mk
