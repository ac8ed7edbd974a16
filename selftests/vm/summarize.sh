#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# summarize.sh - turn the serial log of a suite run into results.
#
# Usage: summarize.sh --log SERIAL.LOG --label LABEL [--tests TESTS.LIST]
#                     [--counts FILE] [--extra-fail 'reason']...
#
# Reads the "### hvm: ..." frames written by /hvm/run-suite and the KTAP of
# each test binary between them. Prints one line per result, prefixed with
# "[LABEL/backend]", then the log of every failure, then
#   [LABEL/backend] N passed, N failed, N skipped
# and writes "N_PASSED N_FAILED N_SKIPPED" to --counts.
#
# Counting:
#   ok ...            passed (ok ... # SKIP: skipped; # XFAIL: passed)
#   not ok ...        failed (not ok ... # SKIP: skipped)
#   results missing against the binary's plan (1..N): one failure each
#   a binary that exits non-zero without a failed result: one failure
#   (exit status 4, KSFT_SKIP, with no results: one skip)
#   a binary that never finished (crash, timeout): one failure
#   a listed binary that never started: one failure
#   no suite end marker though every binary finished: one failure
#   each --extra-fail (kernel log pattern, QEMU timeout ...): one failure
# Only top-level (unindented) KTAP result lines count; nested subtests are
# summarised by their parent's line.

set -euo pipefail

log="" label="" tests="" counts=""
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--log) log=$2; shift 2 ;;
	--label) label=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	--counts) counts=$2; shift 2 ;;
	--extra-fail) extra+=("$2"); shift 2 ;;
	*) echo "summarize: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -f "$log" ] || { echo "summarize: no log $log" >&2; exit 2; }
[ -n "$tests" ] || tests=/dev/null
extra_file=$(mktemp)
trap 'rm -f "$extra_file"' EXIT
for e in "${extra[@]+"${extra[@]}"}"; do
	printf '%s\n' "$e" >>"$extra_file"
done

sed -e 's/\r//g' -e 's/\x1b[^a-zA-Z]*[a-zA-Z]//g' "$log" | awk -v label="$label" -v tests="$tests" -v extra="$extra_file" \
	-v counts="${counts:-/dev/null}" '
function prefix() { return "[" label "/" backend "] " }
function fail(name, why, logtext) {
	nfail++
	fails[nfail] = name
	failwhy[nfail] = why
	faillog[nfail] = logtext
}
# output of the binary: around the first kernel crash report if there is
# one, else its last n lines
function binlog_excerpt(n,    from, to, i, out) {
	if (crash_at) {
		from = crash_at - 10
		to = crash_at + n
	} else {
		from = nb - n + 1
		to = nb
	}
	if (from < 1)
		from = 1
	if (to > nb)
		to = nb
	out = ""
	for (i = from; i <= to; i++)
		out = out bl[i] "\n"
	return out
}
function rc_text(rc) {
	if (rc == 137)
		return "killed (per-binary timeout, hvmtest.timeout)"
	if (rc > 128)
		return "killed by signal " (rc - 128)
	return "exit status " rc
}
function finish_test(rc,    missing) {
	if (plan > nres) {
		missing = plan - nres
		fail(cur, missing " of " plan " planned results missing, " rc_text(rc),
		     binlog_excerpt(40))
		failed += missing
		printf "%snot ok %s: %d results missing (plan 1..%d), %s\n", prefix(), cur,
		       missing, plan, rc_text(rc)
	}
	if (rc != 0 && curfail == 0 && plan <= nres) {
		if (rc == 4 && nres == 0) {
			skipped++
			printf "%sok %s # SKIP whole binary (exit status 4)\n", prefix(), cur
		} else {
			failed++
			fail(cur, rc_text(rc), binlog_excerpt(40))
			printf "%snot ok %s: %s\n", prefix(), cur, rc_text(rc)
		}
	}
	ended[cur] = 1
	cur = ""
}
BEGIN {
	backend = "?"
	passed = failed = skipped = 0
	nfail = 0
	cur = ""
	suite_end = 0
	ntests = 0
	while ((getline t < tests) > 0)
		if (t != "")
			listed[++ntests] = t
}
/### hvm: boot / {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^backend=/)
			backend = substr($i, 9)
	next
}
/^### hvm: test begin / {
	if (cur != "")
		finish_test(-1)
	cur = $5
	started[cur] = 1
	plan = 0; nres = 0; curfail = 0
	nb = 0; crash_at = 0; caselog = ""
	next
}
/^### hvm: test end / {
	if (cur == "")
		next
	rc = $6
	sub(/^rc=/, "", rc)
	secs = $7
	sub(/^secs=/, "", secs)
	t = cur
	finish_test(rc + 0)
	if (secs != "")
		printf "%s%s: finished in %ss, exit status %d\n", prefix(), t, secs, rc
	next
}
/^### hvm: suite end/ { suite_end = 1; next }
cur == "" { next }
{
	if (nb < 20000)
		bl[++nb] = $0
	if (!crash_at && $0 ~ /BUG:|Oops|WARNING:|Kernel panic|general protection|soft lockup/)
		crash_at = nb
}
/^1\.\.[0-9]+/ {
	p = $0
	sub(/^1\.\./, "", p)
	plan = p + 0
	next
}
/^(not ok|ok) [0-9]+/ {
	nres++
	line = $0
	upper = toupper(line)
	if (upper ~ /# *SKIP/) {
		skipped++
	} else if (line ~ /^ok /) {
		passed++
	} else {
		failed++
		curfail++
		name = line
		sub(/^not ok [0-9]+ */, "", name)
		fail(cur ": " name, "not ok", caselog line "\n")
	}
	printf "%s%s: %s\n", prefix(), cur, line
	caselog = ""
	next
}
{
	caselog = caselog $0 "\n"
	if (length(caselog) > 32768)
		caselog = substr(caselog, length(caselog) - 16384)
}
END {
	if (cur != "") {
		failed++
		fail(cur, "did not finish (crash, hang or timeout)", binlog_excerpt(60))
		printf "%snot ok %s: did not finish\n", prefix(), cur
		ended[cur] = 1
	}
	for (i = 1; i <= ntests; i++) {
		if (!(listed[i] in started)) {
			failed++
			fail(listed[i], "never started", "")
			printf "%snot ok %s: never started\n", prefix(), listed[i]
		}
	}
	if (!suite_end) {
		all_ended = 1
		for (i = 1; i <= ntests; i++)
			if (!(listed[i] in ended))
				all_ended = 0
		if (all_ended) {
			failed++
			fail("suite", "no end marker: the machine did not finish the suite", "")
			printf "%snot ok suite: no end marker\n", prefix()
		}
	}
	while ((getline e < extra) > 0) {
		failed++
		fail("machine", e, "")
		printf "%snot ok machine: %s\n", prefix(), e
	}
	shown = 0
	for (i = 1; i <= nfail; i++) {
		if (faillog[i] == "")
			continue
		printf "\n---- %sFAILED %s (%s) ----\n", prefix(), fails[i], failwhy[i]
		printf "%s", faillog[i]
		shown++
	}
	if (shown)
		printf "\n"
	printf "%s%d passed, %d failed, %d skipped\n", prefix(), passed, failed, skipped
	printf "%d %d %d\n", passed, failed, skipped > counts
}
'
