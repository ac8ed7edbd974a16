#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - `make demo`: build everything, boot the emulated AMD-V machine
# (QEMU TCG, Debian's 6.1 kernel) and show hvctl at work, ending with a
# Linux guest booted inside hvm that gets a command typed into it. Each
# command is echoed before it runs. Exits non-zero if one of them fails.
#
# Environment: HVM_DEMO_KERNEL (default 6.1).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# runs inside the machine (busybox sh, cwd /hvm, hvm.ko inserted)
script='
status=0
run() {
	echo
	echo "\$ $*"
	"$@" || { rc=$?; echo "(exit status $rc)"; status=1; }
}
run hvctl info
run hvctl create demo --memory 64M
run hvctl list
run hvctl status demo
hello=""
for f in guests/hello-long.bin guests/hello.bin guests/hello-long.elf guests/hello.elf; do
	if [ -f "$f" ]; then hello=$f; break; fi
done
if [ -n "$hello" ]; then
	run hvctl load demo "$hello"
	run hvctl start demo
	run hvctl wait demo --timeout 10
	run hvctl console demo
	run hvctl status demo
	run hvctl destroy demo
	run hvctl run "$hello" --timeout 10
else
	run hvctl destroy demo
fi
run hvctl list
# the main job: a Linux guest (this machine'"'"'s own kernel) boots inside hvm;
# once its shell prompt shows, two commands are typed into its serial
# console, and it powers off
echo
echo "\$ hvctl run /hvm/linux/vmlinuz --initrd /hvm/linux/initrd.gz --memory 256M \\"
echo "      --cmdline '"'"'console=ttyS0 quiet'"'"' --attach"
echo "  (typed at the prompt: uname -sr; echo hello from a shell inside hvm; poweroff -f)"
rm -f /tmp/demo-in /tmp/demo-out
mkfifo /tmp/demo-in
(
	while ! grep -q "hvm-linux# " /tmp/demo-out 2>/dev/null; do sleep 1; done
	printf '"'"'uname -sr; echo hello from a shell inside hvm\npoweroff -f\n'"'"'
) >/tmp/demo-in &
hvctl run /hvm/linux/vmlinuz --initrd /hvm/linux/initrd.gz --memory 256M \
	--cmdline "console=ttyS0 quiet" --attach </tmp/demo-in | tee /tmp/demo-out ||
	{ echo "(exit status $?)"; status=1; }
grep -q "^hello from a shell inside hvm" /tmp/demo-out || { echo "(no answer from the guest)"; status=1; }
exit $status
'

exec "$here/run.sh" --kernel "${HVM_DEMO_KERNEL:-6.1}" --cmd "$script"
