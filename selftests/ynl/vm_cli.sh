#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_cli.sh - the kernel's ynl CLI (tools/ynl/cli.py) drives hvm with
# uapi/hvm.yaml in the emulated machine: vm_cli_test.py (KTAP) runs there.
#
# The machine's initramfs is busybox and has no Python, so this packs the
# host's Debian python3 (the interpreter, the libraries it and its
# extension modules link, the standard library without tests, IDLE, Tk,
# lib2to3, ensurepip, distutils) and PyYAML into build/ynl/python.tgz,
# about 7 MB, and hands it to the machine with run.sh --file beside the
# CLI, its library and the spec; the command unpacks it into / first.
#
# Usage: vm_cli.sh [--kernel 6.1|6.12] [run.sh options]   (root; default 6.12)
# Exit status: the test's (run.sh --cmd), non-zero on any failure.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kernel=6.12
if [ "${1:-}" = --kernel ]; then
	kernel=$2
	shift 2
fi

py=$(readlink -f /usr/bin/python3)
[ -x "$py" ] || { echo "vm_cli.sh: /usr/bin/python3 missing (apt-get install python3)" >&2; exit 1; }
ver=$(basename "$py")				# python3.11
yaml_dir=$(/usr/bin/python3 -c 'import os, yaml; print(os.path.dirname(yaml.__file__))')

out=$root/build/ynl
stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage/usr/bin" "$stage/usr/lib/$ver" "$stage/$(dirname "$yaml_dir")"

# extension modules left out, with the libraries they would pull in
# (libcrypto, libsqlite3, libdb, Tcl/Tk, ncurses ...): ynl needs none
skip_re='^(_ssl|_hashlib|_sqlite3|_dbm|_gdbm|_tkinter|_curses|_curses_panel|readline|_lzma|_bz2|_decimal|nis|_crypt|_test[a-z]*|_xx[a-z]*|xxlimited.*|ossaudiodev|audioop)\.'

# shared libraries of the interpreter and of the extension modules it gets
libs() {
	ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true
}
{
	libs "$py"
	for so in /usr/lib/"$ver"/lib-dynload/*.so "$yaml_dir"/*.so; do
		[ -f "$so" ] || continue
		if [[ $(basename "$so") =~ $skip_re ]]; then continue; fi
		libs "$so"
	done
} | sort -u | while read -r lib; do
	mkdir -p "$stage/$(dirname "$lib")"
	cp -L "$lib" "$stage/$lib"
done
cp -L "$py" "$stage/usr/bin/python3"
(cd /usr/lib/"$ver" && tar -c --exclude=__pycache__ --exclude=./test \
	--exclude=./idlelib --exclude=./tkinter --exclude=./turtledemo \
	--exclude=./ensurepip --exclude=./lib2to3 --exclude=./pydoc_data \
	--exclude=./distutils --exclude='./config-*' --exclude=./site-packages \
	--exclude=./dist-packages .) | tar -x -C "$stage/usr/lib/$ver"
find "$stage/usr/lib/$ver/lib-dynload" -name '*.so' | while read -r so; do
	if [[ $(basename "$so") =~ $skip_re ]]; then rm -f "$so"; fi
done
cp -rL "$yaml_dir" "$stage/$yaml_dir"
find "$stage" -name __pycache__ -prune -exec rm -rf {} +
tar -C "$stage" -czf "$out/python.tgz" .
rm -rf "$stage"
echo "vm_cli.sh: $(du -h "$out/python.tgz" | cut -f1) of Python for the machine ($ver)" >&2

files=(--file "$out/python.tgz:/hvm/ynl/python.tgz"
	--file "$root/uapi/hvm.yaml:/hvm/ynl/hvm.yaml"
	--file "$root/tools/ynl/cli.py:/hvm/ynl/cli.py"
	--file "$here/vm_cli_test.py:/hvm/ynl/vm_cli_test.py")
for f in "$root"/tools/ynl/lib/*.py; do
	files+=(--file "$f:/hvm/ynl/lib/$(basename "$f")")
done

exec "$root/selftests/vm/run.sh" --kernel "$kernel" "${files[@]}" "$@" --cmd \
	'tar -xzf /hvm/ynl/python.tgz -C / && PYTHONDONTWRITEBYTECODE=1 python3 /hvm/ynl/vm_cli_test.py /hvm/ynl'
