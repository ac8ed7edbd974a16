# SPDX-License-Identifier: GPL-2.0
#
# mk/install.mk - make install, make uninstall and the DKMS targets
# (included by the top-level Makefile, which sets KDIR).
#
#   make install        hvm.ko through kbuild's modules_install into
#                       /lib/modules/KVER/$(INSTALL_MOD_DIR) and depmod, hvctl
#                       into $(SBINDIR), hvctl(8) and hvm(4), the bash completion
#                       and the udev rule; without DESTDIR also the system
#                       group "hvm" and a udev reload
#   make uninstall      removes exactly the files install put (again: a no-op),
#                       then depmod; the group stays (files may belong to it)
#   make install-tools  everything but the module (uninstall-tools undoes it)
#   make dkms           the module sources into /usr/src/hvm-VERSION, then
#                       dkms add, build and install for KVER (DKMS rebuilds
#                       hvm.ko for every kernel installed later: AUTOINSTALL),
#                       and install-tools; with DESTDIR the files only
#   make dkms-remove    dkms remove --all, the sources from /usr/src, and
#                       uninstall-tools
#   make dkms-source    only the copy into $(DESTDIR)/usr/src/hvm-VERSION
#
# Knobs: DESTDIR (staging root: no depmod, groupadd, udev or dkms calls),
# PREFIX (/usr/local), SBINDIR, MANDIR, BASHCOMPDIR, UDEVRULESDIR (PREFIX=/usr:
# /usr/lib/udev/rules.d, otherwise /etc/udev/rules.d, where udev looks),
# INSTALL_MOD_DIR (extra), KVER (the release of KDIR's kernel). The module
# always goes below $(DESTDIR)/lib/modules, whatever PREFIX says.

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ifeq ($(patsubst %/,%,$(PREFIX)),/usr)
UDEVRULESDIR ?= /usr/lib/udev/rules.d
else
UDEVRULESDIR ?= /etc/udev/rules.d
endif
INSTALL_MOD_DIR ?= extra
INSTALL ?= install
DEPMOD ?= depmod
DKMS ?= dkms

# the one version number: MODULE_VERSION() and the info reply use it too
HVM_VERSION := $(shell sed -n 's/^\#define[[:space:]]\{1,\}HVM_MODULE_VERSION[[:space:]]\{1,\}"\([^"]*\)".*/\1/p' \
	$(CURDIR)/kmod/hvm.h)
# the release hvm.ko's vermagic names (Debian's kernel.release file says 6.1.x)
KVER ?= $(if $(KDIR),$(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null))

DKMS_SRCDIR = /usr/src/hvm-$(HVM_VERSION)
# what the module build reads: the Kbuild, its *.mk, the sources, the uapi
DKMS_FILES = Kbuild dkms.conf $(sort $(shell cd $(CURDIR) && find kmod svm vmx uapi \
	-type f \( -name '*.[chS]' -o -name '*.mk' -o -name '*.yaml' \) \
	! -name '*.mod.c' 2>/dev/null))

HVM_MODDIR = $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)
# file:destination:mode, for install and uninstall alike
HVM_INSTALL_FILES = \
	ctl/hvctl:$(SBINDIR)/hvctl:0755 \
	man/hvctl.8:$(MANDIR)/man8/hvctl.8:0644 \
	man/hvm.4:$(MANDIR)/man4/hvm.4:0644 \
	ctl/hvctl.bash-completion:$(BASHCOMPDIR)/hvctl:0644 \
	udev/60-hvm.rules:$(UDEVRULESDIR)/60-hvm.rules:0644

.PHONY: install uninstall install-tools uninstall-tools dkms dkms-source \
	dkms-remove hvm-need-kver hvm-need-version

hvm-need-version:
	@test -n "$(HVM_VERSION)" || { echo "make: no HVM_MODULE_VERSION in kmod/hvm.h" >&2; exit 1; }

hvm-need-kver: hvm-need-version
	@test -n "$(KVER)" || { echo "make: no kernel release: set KDIR= (or KVER=)" >&2; exit 1; }

# Distribution headers have no module signing key (Debian signs its own
# modules elsewhere): there kbuild's sign step only prints SSL errors, so it
# is skipped; a KDIR that has the key (a kernel built here) signs hvm.ko.
# Headers without System.map make kbuild skip depmod (it says so): it runs
# here afterwards.
hvm_sig_key = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' $(KDIR)/.config 2>/dev/null)
hvm_no_sign = $(if $(filter /% pkcs11:%,$(hvm_sig_key)),,$(if $(wildcard \
	$(KDIR)/$(hvm_sig_key)),,CONFIG_MODULE_SIG_ALL=))

install: hvm-need-kver module install-tools
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) $(hvm_no_sign) modules_install
ifeq ($(DESTDIR),)
	$(DEPMOD) -a $(KVER)
endif

uninstall: hvm-need-kver uninstall-tools
	rm -f $(foreach s,.ko .ko.gz .ko.xz .ko.zst,"$(HVM_MODDIR)/hvm$(s)")
	@rmdir "$(HVM_MODDIR)" 2>/dev/null || true
ifeq ($(DESTDIR),)
	if [ -d /lib/modules/$(KVER) ]; then $(DEPMOD) -a $(KVER); fi
endif

# Everything but the module. The udev rule names the group: it exists
# before udev applies the rule.
install-tools: hvctl
	@set -e; for f in $(HVM_INSTALL_FILES); do \
		src=$${f%%:*}; rest=$${f#*:}; dst=$${rest%:*}; mode=$${rest##*:}; \
		echo "  INSTALL $(DESTDIR)$$dst"; \
		$(INSTALL) -D -m $$mode $$src "$(DESTDIR)$$dst"; \
	done
ifeq ($(DESTDIR),)
	getent group hvm >/dev/null || groupadd --system hvm
	@if [ -S /run/udev/control ]; then \
		udevadm control --reload && \
		udevadm trigger --action=change --subsystem-match=misc --sysname-match=hvm; \
	fi
endif

uninstall-tools:
	rm -f $(foreach f,$(HVM_INSTALL_FILES),"$(DESTDIR)$(word 2,$(subst :, ,$(f)))")
ifeq ($(DESTDIR),)
	@if [ -S /run/udev/control ]; then udevadm control --reload; fi
	@! getent group hvm >/dev/null || \
		echo "make: the group hvm stays (groupdel hvm removes it)"
endif

dkms-source: hvm-need-version
	rm -rf "$(DESTDIR)$(DKMS_SRCDIR)"
	@set -e; for f in $(DKMS_FILES); do \
		$(INSTALL) -D -m 0644 $$f "$(DESTDIR)$(DKMS_SRCDIR)/$$f"; \
	done
	@echo "  DKMS    $(DESTDIR)$(DKMS_SRCDIR): $(words $(DKMS_FILES)) files"

# DESTDIR: the sources only (a package's postinst runs dkms add/install)
ifeq ($(DESTDIR),)
dkms: hvm-need-kver dkms-source install-tools
	if $(DKMS) status -m hvm -v $(HVM_VERSION) 2>/dev/null | grep -q .; then \
		$(DKMS) remove -m hvm -v $(HVM_VERSION) --all; fi
	$(DKMS) add -m hvm -v $(HVM_VERSION)
	$(DKMS) install -m hvm -v $(HVM_VERSION) -k $(KVER)
else
dkms: dkms-source install-tools
endif

dkms-remove: hvm-need-version uninstall-tools
ifeq ($(DESTDIR),)
	if $(DKMS) status -m hvm -v $(HVM_VERSION) 2>/dev/null | grep -q .; then \
		$(DKMS) remove -m hvm -v $(HVM_VERSION) --all; fi
endif
	rm -rf "$(DESTDIR)$(DKMS_SRCDIR)"
