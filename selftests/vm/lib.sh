# SPDX-License-Identifier: GPL-2.0
#
# lib.sh - helpers shared by run.sh, host.sh and bochs.sh (sourced; needs $root).

# the source files of the tree: tracked and untracked-but-not-ignored
source_list() {
	(cd "$root" && { git ls-files -co --exclude-standard 2>/dev/null ||
		find . -path ./.git -prune -o -path ./build -prune -o -type f -print |
		sed 's|^\./||'; }) | grep -v '^build/' | LC_ALL=C sort
}

# sync_tree DST: make DST a copy of the source tree; changed files get a new mtime
sync_tree() {
	local dst=$1 f
	mkdir -p "$dst"
	source_list >"$dst/.manifest.new"
	if [ -f "$dst/.manifest" ]; then
		LC_ALL=C comm -23 "$dst/.manifest" "$dst/.manifest.new" | while read -r f; do
			rm -f "$dst/$f"
		done
	fi
	while read -r f; do
		[ -f "$root/$f" ] || continue
		if ! cmp -s "$root/$f" "$dst/$f"; then
			mkdir -p "$dst/$(dirname "$f")"
			cp "$root/$f" "$dst/$f"
		fi
	done <"$dst/.manifest.new"
	mv -f "$dst/.manifest.new" "$dst/.manifest"
}
