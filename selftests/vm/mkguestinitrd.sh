#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkguestinitrd.sh - the initramfs of the Linux guest that runs INSIDE hvm
# (selftests/linux_boot.c, make demo): busybox-static and an /init that
# reports the kernel, its clocksource and CPUs on the console, then runs a
# shell on it with the prompt "hvm-linux# ". `poweroff -f` ends the VM.
#
# Usage: mkguestinitrd.sh OUT.gz

set -euo pipefail

out=${1:?usage: mkguestinitrd.sh OUT.gz}
stage=$(mktemp -d "${TMPDIR:-/tmp}/hvm-guestinitrd.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root}
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
cp /bin/busybox "$stage/bin/busybox"
/bin/busybox --list-full | while read -r a; do
	[ -e "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
done

cat >"$stage/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)
echo "hvm-linux: $(uname -r) up, clocksource ${cs:-none}, $(grep -c ^processor /proc/cpuinfo) cpu(s)"
export PS1='hvm-linux# ' HOME=/root PATH=/bin:/sbin:/usr/bin:/usr/sbin
exec sh -i
INIT
chmod 0755 "$stage/init"

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
 cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$out.tmp"
mv -f "$out.tmp" "$out"
