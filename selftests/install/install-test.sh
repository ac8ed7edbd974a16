#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install-test.sh - make install, make uninstall and make dkms into a
# DESTDIR (mk/install.mk), against the newest supported kernel's headers:
# the exact files, their modes and contents, the module's kernel release,
# PREFIX=/usr, an uninstall that removes only what install put (twice: a
# no-op the second time), and that a DESTDIR install calls none of depmod,
# groupadd, udevadm and dkms (stubs in PATH record every call). Builds
# hvm.ko and hvctl in the tree it runs from (host.sh: build/host/src).
# Prints TAP; host.sh runs it (`make check`).

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

read -r _ kver kdir _ < <(hvm_kernels | tail -n1)
if [ -z "${kdir:-}" ] || [ ! -d "$kdir" ]; then
	check "kernel headers to install against" 1 "none found: run make prepare"
	finish
	exit
fi
suffix=$(module_suffix "$kdir")
version=$(hvm_version)

# the system-changing tools a DESTDIR install must never call
mkdir -p "$tmp/stub"
for t in depmod groupadd udevadm dkms; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$t" "$tmp" >"$tmp/stub/$t"
	chmod +x "$tmp/stub/$t"
done
: >"$tmp/calls"
export PATH=$tmp/stub:$PATH

mk() {
	make -s --no-print-directory -C "$root" KDIR="$kdir" "$@" >"$tmp/make.log" 2>&1
}
files() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%P\n' | LC_ALL=C sort)
}
modes() {
	(cd "$1" && find . -type f -printf '%m %P\n' | LC_ALL=C sort -k2)
}

d=$tmp/dest
mk install DESTDIR="$d"
check "make install DESTDIR= KDIR=$kdir" $? "$(tail -n 20 "$tmp/make.log")"
want="etc/udev/rules.d/60-hvm.rules
lib/modules/$kver/extra/hvm.ko$suffix
usr/local/sbin/hvctl
usr/local/share/bash-completion/completions/hvctl
usr/local/share/man/man4/hvm.4
usr/local/share/man/man8/hvctl.8"
same "$(files "$d")" "$want" "make install puts exactly the six files"
same "$(modes "$d")" "644 etc/udev/rules.d/60-hvm.rules
644 lib/modules/$kver/extra/hvm.ko$suffix
755 usr/local/sbin/hvctl
644 usr/local/share/bash-completion/completions/hvctl
644 usr/local/share/man/man4/hvm.4
644 usr/local/share/man/man8/hvctl.8" "installed files' modes"
diffs=""
for f in ctl/hvctl:usr/local/sbin/hvctl man/hvctl.8:usr/local/share/man/man8/hvctl.8 \
	man/hvm.4:usr/local/share/man/man4/hvm.4 udev/60-hvm.rules:etc/udev/rules.d/60-hvm.rules \
	ctl/hvctl.bash-completion:usr/local/share/bash-completion/completions/hvctl; do
	cmp -s "$root/${f%%:*}" "$d/${f#*:}" || diffs="$diffs ${f#*:}"
done
check "installed files are the tree's" "$([ -z "$diffs" ]; echo $?)" "differ:$diffs"
mod=$d/lib/modules/$kver/extra/hvm.ko$suffix
same "$(modinfo -F vermagic "$mod" 2>/dev/null | awk '{ print $1 }')" "$kver" \
	"installed hvm.ko is built for $kver"
same "$(modinfo -F version "$mod" 2>/dev/null)" "$version" \
	"installed hvm.ko's version is HVM_MODULE_VERSION"
same "$(grep -v '^#' "$d/etc/udev/rules.d/60-hvm.rules")" \
	'KERNEL=="hvm", SUBSYSTEM=="misc", GROUP="hvm", MODE="0660"' \
	"the udev rule gives /dev/hvm to group hvm, 0660"

# uninstall leaves what it did not install, and is a no-op the second time
mkdir -p "$d/lib/modules/$kver/extra" "$d/usr/local/sbin"
touch "$d/lib/modules/$kver/extra/other.ko" "$d/usr/local/sbin/other"
mk uninstall DESTDIR="$d"
check "make uninstall DESTDIR=" $? "$(tail -n 20 "$tmp/make.log")"
others="lib/modules/$kver/extra/other.ko
usr/local/sbin/other"
same "$(files "$d")" "$others" "make uninstall removes exactly what install put"
mk uninstall DESTDIR="$d"
check "make uninstall again succeeds" $? "$(tail -n 20 "$tmp/make.log")"
same "$(files "$d")" "$others" "make uninstall again changes nothing"

d=$tmp/usr
mk install DESTDIR="$d" PREFIX=/usr
check "make install DESTDIR= PREFIX=/usr" $? "$(tail -n 20 "$tmp/make.log")"
same "$(files "$d")" "lib/modules/$kver/extra/hvm.ko$suffix
usr/lib/udev/rules.d/60-hvm.rules
usr/sbin/hvctl
usr/share/bash-completion/completions/hvctl
usr/share/man/man4/hvm.4
usr/share/man/man8/hvctl.8" "PREFIX=/usr: /usr/sbin, /usr/share, /usr/lib/udev"
mk uninstall DESTDIR="$d" PREFIX=/usr
same "$(files "$d")" "" "make uninstall PREFIX=/usr leaves no file"

# make dkms with DESTDIR: the sources and the tools, no dkms call
d=$tmp/dkms
mk dkms DESTDIR="$d"
check "make dkms DESTDIR=" $? "$(tail -n 20 "$tmp/make.log")"
src=usr/src/hvm-$version
got=$(files "$d" | grep -v "^$src/")
same "$got" "etc/udev/rules.d/60-hvm.rules
usr/local/sbin/hvctl
usr/local/share/bash-completion/completions/hvctl
usr/local/share/man/man4/hvm.4
usr/local/share/man/man8/hvctl.8" "make dkms DESTDIR= puts the tools beside the sources"
# every source file of the module's directories (git's list, or the list
# host.sh copied the tree by), not the Makefile's patterns: a new file there
# that DKMS would not get fails here
if [ -f "$root/.manifest" ]; then
	list=$(cat "$root/.manifest")
else
	list=$(git -C "$root" ls-files -co --exclude-standard)
fi
want=$({ echo Kbuild; echo dkms.conf; printf '%s\n' "$list" |
	grep -E '^(kmod|svm|vmx|uapi)/'; } | sed "s|^|$src/|" | LC_ALL=C sort)
same "$(files "$d" | grep "^$src/")" "$want" \
	"the DKMS sources: Kbuild, dkms.conf and every file of kmod/ svm/ vmx/ uapi/"
mk dkms-remove DESTDIR="$d"
same "$(files "$d")" "" "make dkms-remove DESTDIR= leaves no file"

same "$(cat "$tmp/calls")" "" "with DESTDIR, no depmod, groupadd, udevadm or dkms call"

finish
