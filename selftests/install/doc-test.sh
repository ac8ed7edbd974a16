#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# doc-test.sh - the man pages and the bash completion against the code:
#   - man/*.[1-8] render with `man --warnings -l` without a warning
#   - hvctl(8) has a section for every command of `hvctl help` and names
#     every long option of ctl/'s getopt tables
#   - hvm(4) names every module parameter (module_param* in kmod/ svm/
#     vmx/), every stop reason of hvctl (with exactly one entry each under
#     STOP REASONS), every ioctl and netlink command of uapi/linux/hvm.h
#   - the completion offers hvctl's commands (the SPEC's among them), a
#     command's options, --format and --mode values, VM names from
#     `hvctl list` (a stub) for NAME arguments, files for FILE arguments
# Builds ctl/hvctl. Prints TAP; host.sh runs it (`make check`).

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

man8=$root/man/hvctl.8
man4=$root/man/hvm.4

for page in "$root"/man/*.[1-8]; do
	MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$page" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ -s "$tmp/err" ] && rc=1
	[ -s "$tmp/out" ] || rc=1
	check "man --warnings -l man/${page##*/}: no warning" $rc "$(cat "$tmp/err")"
done

# roff source with the escapes of hyphens undone, fonts dropped
plain() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\e/\\/g' "$1"
}

# (grep -q on a pipe would end the writer early: pipefail)
man8_plain=$(plain "$man8")

make -s --no-print-directory -C "$root/ctl" hvctl >"$tmp/log" 2>&1
check "make -C ctl hvctl" $? "$(tail -n 20 "$tmp/log")"
hvctl=$root/ctl/hvctl
commands=$("$hvctl" help | sed -n 's/^  hvctl \([a-z][a-z0-9-]*\).*/\1/p')
check "hvctl help lists commands" "$([ -n "$commands" ]; echo $?)"

missing=""
for c in $commands; do
	grep -q "^\.SS \"hvctl ${c}[ \"]" <<<"$man8_plain" || missing="$missing $c"
done
check "hvctl.8 has a section per command of hvctl help" "$([ -z "$missing" ]; echo $?)" \
	"no .SS \"hvctl CMD ...\" for:$missing"

options=$(cat "$root"/ctl/*.c "$root"/ctl/*.h |
	sed -n 's/.*{ *"\([a-z][a-z0-9-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' |
	LC_ALL=C sort -u)
missing=""
for o in $options; do
	grep -q -- "--$o\b" <<<"$man8_plain" || missing="$missing --$o"
done
check "hvctl.8 names every long option of ctl/ ($(wc -w <<<"$options"))" \
	"$([ -n "$options" ] && [ -z "$missing" ]; echo $?)" "missing:$missing"

params=$(cat "$root"/kmod/*.c "$root"/svm/*.c "$root"/vmx/*.c |
	sed -n 's/^module_param\(_named\|_cb\)\{0,1\}(\([a-z0-9_]*\),.*/\2/p' | LC_ALL=C sort -u)
missing=""
for p in $params; do
	grep -q "^\.BI $p= " "$man4" || missing="$missing $p"
done
check "hvm.4 describes every module parameter ($(wc -w <<<"$params"))" \
	"$([ -n "$params" ] && [ -z "$missing" ]; echo $?)" "missing:$missing"

reasons=$(sed -n '/reason_names\[\] = {/,/^};/s/.*= "\([a-z-]*\)",/\1/p' "$root/ctl/nl.c")
section=$(plain "$man4" | sed -n '/^\.SH STOP REASONS/,/^\.SH /p')
got=$(printf '%s\n' "$section" | grep -A1 '^\.TP' | sed -n 's/^\.B //p' | LC_ALL=C sort)
same "$got" "$(printf '%s\n' $reasons | LC_ALL=C sort)" \
	"hvm.4 STOP REASONS: one entry per stop reason hvctl prints"

names=$(grep -o '\bHVM_\(IOC\|CMD\)_[A-Z_]*' "$root/uapi/linux/hvm.h" |
	grep -v -e '_UNSPEC$' -e '_MAX$' -e '^HVM_IOC_MAGIC$' | LC_ALL=C sort -u)
missing=""
for x in $names; do
	grep -q "\b$x\b" "$man4" || missing="$missing $x"
done
check "hvm.4 names every ioctl and netlink command ($(wc -w <<<"$names"))" \
	"$([ -n "$names" ] && [ -z "$missing" ]; echo $?)" "missing:$missing"

# the completion, driven as bash does it, on an hvctl whose list is canned
cat >"$tmp/hvctl" <<EOF
#!/bin/sh
if [ "\$1" = list ]; then
	printf 'NAME  STATE     MEMORY  VCPUS  REASON\nvm-a  running      16M      1  none\nvm.b  stopped      32M      2  exit\n'
	exit 0
fi
exec "$hvctl" "\$@"
EOF
chmod +x "$tmp/hvctl"
mkdir "$tmp/cwd"
touch "$tmp/cwd/guest.elf" "$tmp/cwd/initrd.gz"
complete_words() {
	(cd "$tmp/cwd" && bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_hvctl
		printf "%s\n" "${COMPREPLY[@]}"' _ "$root/ctl/hvctl.bash-completion" \
		"$tmp/hvctl" "$@") | LC_ALL=C sort
}
srt() { printf '%s\n' "$@" | LC_ALL=C sort; }

same "$(complete_words "")" "$(srt help $commands)" "completion: the commands of hvctl help, and help"
missing=""
got=$(complete_words "")
for c in info create load start stop destroy list status console wait run; do
	grep -qx "$c" <<<"$got" || missing="$missing $c"
done
check "completion: every command of the SPEC" "$([ -z "$missing" ]; echo $?)" "missing:$missing"
same "$(complete_words st)" "$(grep '^st' <<<"$commands" | LC_ALL=C sort)" "completion: st<TAB>"
got=$(complete_words create vm1 --)
missing=""
for o in --help --memory --vcpus --image --format --addr --entry --mode --initrd --cmdline --module; do
	grep -qx -- "$o" <<<"$got" || missing="$missing $o"
done
check "completion: create's options, the load options among them" \
	"$([ -z "$missing" ]; echo $?)" "missing:$missing" "got: $got"
same "$(complete_words run --format "")" "$(srt raw elf multiboot linux)" "completion: --format values"
same "$(complete_words run --mode=p)" "protected" "completion: --mode=p"
same "$(complete_words start "")" "$(srt vm-a vm.b)" "completion: NAME from hvctl list"
same "$(complete_words status vm)" "$(srt vm-a vm.b)" "completion: NAME prefix"
same "$(complete_words create "")" "" "completion: create's NAME is new: nothing"
same "$(complete_words load vm-a "")" "$(srt guest.elf initrd.gz)" "completion: load NAME FILE"
same "$(complete_words run --initrd i)" "initrd.gz" "completion: --initrd FILE"
same "$(complete_words stop vm-a "")" "" "completion: nothing after stop's NAME"
same "$(complete_words help con)" "console" "completion: help COMMAND"

finish
