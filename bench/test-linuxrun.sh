#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# test-linuxrun.sh LINUXRUN - host checks of bench/linuxrun (`make -C bench
# test`), with stand-in VMMs: the prompt is found, the CPU time of the
# VMM's threads is read (a busy loop: at least a tenth of the idle wall
# time, as other emulators may load the 2 cores, all of it on the thread
# named by -v; a process waiting on its stdin: under a fiftieth), "poweroff -f" is typed and the VMM must end by itself;
# a missing prompt and a missing vCPU thread fail.

lr=${1:?usage: test-linuxrun.sh LINUXRUN}

fail() { echo "bench test: linuxrun: $*" >&2; exit 1; }

busy='import sys, time
print("booting\nup# ", end="", flush=True)
t = time.time() + 1.5
while time.time() < t:
    pass
sys.exit(sys.stdin.readline() != "poweroff -f\n")'
r=$("$lr" -t 10 -s 0 -i 1 -v python 'up# ' python3 -c "$busy") || fail "busy VMM failed"
set -- $r
[ $# = 4 ] && [ "$2" -ge 1000000000 ] && [ "$3" -ge $(($2 / 10)) ] && [ "$4" = "$3" ] ||
	fail "busy VMM: '$r' (boot, wall, cpu, vcpu ns)"

r=$("$lr" -t 10 -s 0.2 -i 1 -v sh 'up# ' sh -c 'printf "up# "; read l; [ "$l" = "poweroff -f" ]') ||
	fail "idle VMM failed"
set -- $r
[ $# = 4 ] && [ "$2" -ge 1000000000 ] && [ "$3" -lt $(($2 / 50)) ] && [ "$3" -ge 0 ] ||
	fail "idle VMM: '$r'"

! "$lr" -t 1 -i 0 'up# ' sh -c 'read l' 2>/dev/null || fail "no prompt, yet success"
! "$lr" -t 5 -s 0 -i 0.2 -k 'hvm-nosuch-%d/' 'up# ' sh -c 'printf "up# "; read l' \
	2>/dev/null || fail "no vCPU thread, yet success"
! "$lr" -t 5 -s 0 -i 0 'up# ' sh -c 'printf "up# "; read l; exit 3' 2>/dev/null ||
	fail "the VMM's failure ignored"
exit 0
