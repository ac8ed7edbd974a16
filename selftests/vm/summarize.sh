#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# summarize.sh - turn the serial log of a suite run into results, and judge
# the machine's kernel log.
#
# Usage: summarize.sh --log SERIAL.LOG --label LABEL [--tests TESTS.LIST]
#                     [--expect-tests FILE] [--counts FILE]
#                     [--build-log FILE] [--extra-fail 'reason']...
#        summarize.sh --gate-only --log SERIAL.LOG [--build-log FILE]
#
# Reads the "### hvm: ..." frames written by /hvm/run-suite and the KTAP of
# each test binary between them. Prints one line per result, prefixed with
# "[LABEL/backend]", then the log of every failure, then
#   [LABEL/backend] N passed, N failed, N skipped
# and writes "N_PASSED N_FAILED N_SKIPPED" to --counts. --gate-only prints
# the kernel-log gate's findings only (one per line) and exits 1 if any.
#
# Counting:
#   ok ...            passed (# XFAIL: passed)
#   ok/not ok ... # SKIP  skipped when skips.allowed lists it for this
#                     machine, otherwise failed ("unexpected SKIP")
#   not ok ...        failed
#   results missing against the binary's plan (1..N): one failure each;
#   no plan at all, or plan 1..0: one failure; more results than planned:
#   one failure
#   a binary that exits non-zero without a failed result: one failure
#   (exit status 4, KSFT_SKIP, with no results: a skip of the whole binary,
#   subject to skips.allowed like any skip)
#   a binary that never finished (crash, timeout): one failure
#   a binary of --tests or --expect-tests that never started: one failure
#   an empty list of binaries: one failure
#   no suite end marker though every binary finished: one failure
#   each kernel-log gate finding (below): one failure
#   each --extra-fail (kernel log pattern, QEMU timeout ...): one failure
#
# Which lines are results: only unindented "ok N"/"not ok N" lines whose N
# is the next number, and, for a kselftest_harness binary (it prints
# "#  RUN  name ..." before each test), only the line that follows the
# harness's own "#  OK/FAIL  name" line for that test, naming that test
# (a SKIP line names no test: it is the running test's). Anything else that
# looks like a result (a guest's console in a TH_LOG, output of a child
# process) is shown as "ignored" and counts nothing.
#
# Kernel-log gate (the machine's "### hvm: dmesg" section and taint line,
# see init.sh; the module build log):
#   "unchecked MSR access error" in any kernel message of the log
#   modpost's "WARNING:" in the module build log (--build-log, default
#   module-build.log beside --log)
#   hvm's own "should never happen" messages (hvm_bug_re below)
#   an "hvm:" kernel message of level warning or above that the running
#   test did not declare: a test declares one by writing
#   "hvmtest: expect-warn ERE" to /dev/kmsg (hvm_expect_kmsg() in
#   selftests/lib) before provoking it; declarations hold until the next
#   binary starts ("hvmtest: test begin NAME", written by run-suite), and
#   kmsg.expected beside this script lists per-binary ones for tests
#   that cannot write the marker themselves
#   a taint flag set during the run other than O (out-of-tree module) and
#   E (unsigned module); a machine that powered off without its taint line
#
# Environment: HVM_EXPECT_TESTS=FILE is the same as --expect-tests (make
# check sets it so that every leg, bochs.sh included, must run every binary
# of the suite); HVM_SKIPS_ALLOWED / HVM_KMSG_EXPECTED replace the two tables
# (the host-side unit test uses them).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
log="" label="" tests="" counts="" expect=${HVM_EXPECT_TESTS:-} buildlog="" gate_only=0
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--log) log=$2; shift 2 ;;
	--label) label=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	--expect-tests) expect=$2; shift 2 ;;
	--counts) counts=$2; shift 2 ;;
	--build-log) buildlog=$2; shift 2 ;;
	--extra-fail) extra+=("$2"); shift 2 ;;
	--gate-only) gate_only=1; shift ;;
	*) echo "summarize: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -f "$log" ] || { echo "summarize: no log $log" >&2; exit 2; }
[ -n "$tests" ] || tests=/dev/null
[ -n "$expect" ] || expect=/dev/null
[ "$expect" = /dev/null ] || [ -f "$expect" ] || { echo "summarize: no list $expect (--expect-tests)" >&2; exit 2; }
skips=${HVM_SKIPS_ALLOWED:-$here/skips.allowed}
kmsgexp=${HVM_KMSG_EXPECTED:-$here/kmsg.expected}
[ -f "$skips" ] || { echo "summarize: no table $skips" >&2; exit 2; }
[ -f "$kmsgexp" ] || { echo "summarize: no table $kmsgexp" >&2; exit 2; }
[ -n "$buildlog" ] || buildlog=$(dirname "$log")/module-build.log

extra_file=$(mktemp)
trap 'rm -f "$extra_file" "$extra_file.out"' EXIT
# modpost's warnings (undefined or section-mismatched symbols ...) start with
# "WARNING:"; the compiler's "warning:" lines are run.sh's business (fatal)
if [ -f "$buildlog" ]; then
	grep '^WARNING:' "$buildlog" | head -n 3 | sed 's/^/module build: /' >>"$extra_file" || true
fi
for e in "${extra[@]+"${extra[@]}"}"; do
	printf '%s\n' "$e" >>"$extra_file"
done

sed -e 's/\r//g' -e 's/\x1b[^a-zA-Z]*[a-zA-Z]//g' "$log" | awk -v label="$label" -v tests="$tests" \
	-v expect="$expect" -v extra="$extra_file" -v skips="$skips" -v kmsgexp="$kmsgexp" \
	-v gate_only="$gate_only" -v counts="${counts:-/dev/null}" '
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
# a skip counts as a skip only where skips.allowed lists it for this machine
function skip_allowed(bin, test) {
	return ((prefix() SUBSEP bin SUBSEP test) in allowed)
}
function finish_test(rc,    missing) {
	if (plan_skip && nres == 0) {
		if (skip_allowed(cur, "-")) {
			skipped++
			printf "%sok %s # SKIP whole binary (plan 1..0)\n", prefix(), cur
		} else {
			failed++
			fail(cur, "unexpected SKIP of the whole binary (not in skips.allowed)",
			     binlog_excerpt(20))
			printf "%snot ok %s: unexpected SKIP of the whole binary\n", prefix(), cur
		}
	} else if (!have_plan && nres == 0 && rc != 4) {
		failed++
		curfail++
		fail(cur, "no KTAP plan (1..N) and no results, " rc_text(rc), binlog_excerpt(40))
		printf "%snot ok %s: no KTAP plan, %s\n", prefix(), cur, rc_text(rc)
	} else if (have_plan && plan == 0) {
		failed++
		curfail++
		fail(cur, "plan 1..0: the binary has no tests", binlog_excerpt(20))
		printf "%snot ok %s: plan 1..0, no tests\n", prefix(), cur
	}
	if (plan > nres) {
		missing = plan - nres
		fail(cur, missing " of " plan " planned results missing, " rc_text(rc),
		     binlog_excerpt(40))
		failed += missing
		printf "%snot ok %s: %d results missing (plan 1..%d), %s\n", prefix(), cur,
		       missing, plan, rc_text(rc)
	}
	if (have_plan && nres > plan && plan > 0) {
		failed++
		curfail++
		fail(cur, nres " results for a plan of " plan, binlog_excerpt(20))
		printf "%snot ok %s: %d results, plan 1..%d\n", prefix(), cur, nres, plan
	}
	if (rc != 0 && curfail == 0 && plan <= nres && !plan_skip) {
		if (rc == 4 && nres == 0) {
			if (skip_allowed(cur, "-")) {
				skipped++
				printf "%sok %s # SKIP whole binary (exit status 4)\n", prefix(), cur
			} else {
				failed++
				fail(cur, "unexpected SKIP of the whole binary (exit status 4, not in skips.allowed)",
				     binlog_excerpt(20))
				printf "%snot ok %s: unexpected SKIP of the whole binary (exit status 4)\n",
				       prefix(), cur
			}
		} else {
			failed++
			fail(cur, rc_text(rc), binlog_excerpt(40))
			printf "%snot ok %s: %s\n", prefix(), cur, rc_text(rc)
		}
	}
	ended[cur] = 1
	cur = ""
}
function gate(what) {
	ngate++
	gates[ngate] = what
}
# the kernel log gate: one line of the dmesg section ("<N>[time] text")
function gate_kmsg(line,    pri, msg, i, ok) {
	if (line !~ /^<[0-9]+>/)
		return
	pri = substr(line, 2, index(line, ">") - 2) + 0
	msg = substr(line, index(line, ">") + 1)
	sub(/^\[[^]]*\] ?/, "", msg)
	if (msg ~ /^hvmtest: test begin /) {
		gtest = msg
		sub(/^hvmtest: test begin /, "", gtest)
		nexp = 0
		return
	}
	if (msg ~ /^hvmtest: expect-warn /) {
		sub(/^hvmtest: expect-warn /, "", msg)
		exp_re[++nexp] = msg
		return
	}
	# only the kernel facility; levels 0-4 (emerg .. warning)
	if (pri > 4)
		return
	if (msg ~ hvm_bug_re) {
		gate("hvm bug message (during " gtest "): " msg)
		return
	}
	if (msg !~ /^hvm: /)
		return
	ok = 0
	for (i = 1; i <= nexp && !ok; i++)
		if (msg ~ exp_re[i])
			ok = 1
	for (i = 1; i <= nkexp && !ok; i++)
		if ((kexp_bin[i] == gtest || kexp_bin[i] == "*") && msg ~ kexp_re[i])
			ok = 1
	if (!ok)
		gate("unexpected hvm warning (during " gtest "): <" pri "> " msg)
}
function taint_letters(v,    s, i, letters) {
	letters = "PFSRMBUDAWCIOELKXTN"
	s = ""
	for (i = 0; i < 19; i++) {
		if (v % 2)
			s = s substr(letters, i + 1, 1)
		v = int(v / 2)
	}
	return s
}
BEGIN {
	backend = "?"
	passed = failed = skipped = 0
	nfail = 0
	ngate = 0
	cur = ""
	suite_end = 0
	ntests = 0
	gtest = "-"
	nexp = 0
	taint_seen = 0
	poweroff = 0
	msr_seen = 0
	# hvm messages that mean a bug in hvm, never a guest or a test: each
	# should be a WARN_ONCE (see the report for issue 7)
	hvm_bug_re = "^hvm: (svm: CPU [0-9]+: host save area still in use|" \
		"svm: CPU [0-9]+: SVM not enabled|svm: CPU [0-9]+: VMRUN faulted|" \
		"svm: .*: nested page fault at .* does not resolve|" \
		"vmx: XCR0 .* after a VM exit|vmx: vm .*: EPT misconfiguration|" \
		"vmx: vm .*: VMLAUNCH/VMRESUME faulted|vmx: VMCLEAR of a new VMCS failed|" \
		"vmx: VMWRITE .* failed|vmx: VMPTRLD failed)"
	while ((getline t < tests) > 0)
		if (t != "" && !(t in inlist)) {
			listed[++ntests] = t
			inlist[t] = 1
		}
	while ((getline t < expect) > 0)
		if (t != "" && !(t in inlist)) {
			listed[++ntests] = t
			inlist[t] = 1
		}
	while ((getline t < skips) > 0) {
		if (t ~ /^[ \t]*(#|$)/)
			continue
		n = split(t, f, /[ \t]+/)
		if (n < 4) {
			printf "summarize: %s: no reason given: %s\n", skips, t > "/dev/stderr"
			exit 2
		}
		allowed["[" f[1] "] " SUBSEP f[2] SUBSEP f[3]] = 1
	}
	nkexp = 0
	while ((getline t < kmsgexp) > 0) {
		if (t ~ /^[ \t]*(#|$)/)
			continue
		i = index(t, " ")
		if (!i)
			continue
		kexp_bin[++nkexp] = substr(t, 1, i - 1)
		kexp_re[nkexp] = substr(t, i + 1)
		sub(/^[ \t]+/, "", kexp_re[nkexp])
	}
}
# a kernel message (console or dmesg dump), not a test printing the words
/^(<[0-9]+>)?\[ *[0-9]+\.[0-9]+\] .*unchecked MSR access error/ && !msr_seen {
	msr_seen = 1
	m = $0
	sub(/^.*unchecked MSR/, "unchecked MSR", m)
	gate("kernel: " m)
}
/^### hvm: dmesg begin/ { indmesg = 1; next }
/^### hvm: dmesg end/ { indmesg = 0; next }
indmesg { gate_kmsg($0); next }
/^### hvm: taint / {
	taint_seen = 1
	tb = $4; sub(/^boot=/, "", tb)
	te = $5; sub(/^end=/, "", te)
	tb += 0; te += 0
	# new flags, less O (4096, out-of-tree) and E (8192, unsigned module):
	# bit arithmetic by hand, awk has none
	newt = 0
	for (b = 1; b <= 2^18; b *= 2)
		if (int(te / b) % 2 && !(int(tb / b) % 2) && b != 4096 && b != 8192)
			newt += b
	if (newt)
		gate("kernel tainted during the run: " taint_letters(newt) " (boot " tb ", end " te ")")
	next
}
/^### hvm: poweroff/ { poweroff = 1; next }
/### hvm: boot / {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^backend=/)
			backend = substr($i, 9)
	next
}
gate_only { next }
/^### hvm: test begin / {
	if (cur != "")
		finish_test(-1)
	cur = $5
	started[cur] = 1
	plan = 0; have_plan = 0; plan_skip = 0; nres = 0; curfail = 0
	runname = ""; statusname = ""; harness = 0
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
	p = plan
	finish_test(rc + 0)
	if (secs != "")
		printf "%s%s: finished in %ss, exit status %d, plan 1..%d\n", prefix(), t,
		       secs, rc, p
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
/^1\.\.[0-9]+/ && !have_plan && nres == 0 {
	p = $0
	sub(/^1\.\./, "", p)
	plan = p + 0
	have_plan = 1
	if (plan == 0 && toupper($0) ~ /# *SKIP/)
		plan_skip = 1
	next
}
/^# +RUN +[^ ]+ \.\.\.$/ {
	harness = 1
	runname = $3
	statusname = ""
	caselog = caselog $0 "\n"
	next
}
/^# +(OK|FAIL) +[^ ]+$/ && harness && $3 == runname {
	statusname = $3
	statusword = $2
	caselog = caselog $0 "\n"
	next
}
/^(not ok|ok) [0-9]+( |$)/ {
	line = $0
	num = (line ~ /^not /) ? $3 : $2
	upper = toupper(line)
	isskip = upper ~ /# *SKIP/
	name = line
	sub(/^(not ok|ok) [0-9]+ */, "", name)
	sub(/^- /, "", name)
	sub(/ *#.*$/, "", name)
	why = ""
	if (num + 0 != nres + 1)
		why = "number " num ", expected " (nres + 1)
	else if (harness && statusname == "")
		why = "not after the harness status line of " (runname == "" ? "a test" : runname)
	else if (harness && !isskip && name != runname)
		why = "names " name ", the running test is " runname
	else if (harness && !isskip && (line ~ /^ok /) != (statusword == "OK"))
		why = "contradicts the harness status line " statusword
	if (why != "") {
		printf "%s%s: ignored result-like line (%s): %s\n", prefix(), cur, why, line
		caselog = caselog $0 "\n"
		next
	}
	if (harness) {
		name = runname
		statusname = ""
	}
	nres++
	if (isskip) {
		if (skip_allowed(cur, name) && have_plan) {
			skipped++
		} else {
			failed++
			curfail++
			fail(cur ": " name, "unexpected SKIP (not in skips.allowed)", caselog line "\n")
			line = line "   <- unexpected SKIP: failed"
		}
	} else if (line ~ /^ok /) {
		passed++
	} else {
		failed++
		curfail++
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
	if (!taint_seen && poweroff)
		gate("the machine powered off without its taint line (init.sh)")
	if (gate_only) {
		for (i = 1; i <= ngate; i++)
			print gates[i]
		while ((getline e < extra) > 0)
			print e
		exit 0
	}
	if (cur != "") {
		failed++
		fail(cur, "did not finish (crash, hang or timeout)", binlog_excerpt(60))
		printf "%snot ok %s: did not finish\n", prefix(), cur
		ended[cur] = 1
	}
	if (ntests == 0) {
		failed++
		fail("suite", "no test binaries listed: an empty suite", "")
		printf "%snot ok suite: no test binaries listed (empty suite)\n", prefix()
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
	for (i = 1; i <= ngate; i++) {
		failed++
		fail("kernel log", gates[i], "")
		printf "%snot ok kernel log: %s\n", prefix(), gates[i]
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
' >"$extra_file.out"
if [ "$gate_only" = 1 ]; then
	cat "$extra_file.out"
	[ ! -s "$extra_file.out" ]
	rc=$?
	rm -f "$extra_file.out"
	exit $rc
fi
cat "$extra_file.out"
rm -f "$extra_file.out"
