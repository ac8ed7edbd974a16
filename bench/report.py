#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report.py - turn the BENCH-* lines of `make bench` machines into the table,
bench.json and the gnuplot chart.

Usage: report.py --out DIR [--no-chart] LABEL=CONSOLE_LOG [LABEL=CONSOLE_LOG...]

Exit status 1 when a machine's log shows a benchmark that could not run
(BENCH-FAIL, no BENCH-DONE, missing samples) or payloads that differ between
hvm and KVM (BENCH-SHA); missed targets do not change it.
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys

# (key, label, unit, scale from ns, target: (what, max) or None)
LOOPS = [
    ("cpuid", "CPUID exit", "us", 1e3, ("ratio", 0.5)),
    ("hypercall", "hypercall round trip", "us", 1e3, ("ratio", 0.5)),
    ("ioport", "port I/O, unassigned port", "us", 1e3, ("ratio", 0.3)),
    ("uart", "console byte (LSR poll + THR)", "us", 1e3, ("ratio", 0.35)),
    ("touch", "first touch, per 4 KiB page", "us", 1e3, ("ratio", 1.0)),
]
ONES = [
    ("start", "start: create, 1st insn, stop (16M)", "ms", 1e6, ("ratio", 0.5)),
    ("create16m", "create + destroy, 16 MiB", "ms", 1e6, None),
    ("create4g", "create + destroy, 4 GiB", "ms", 1e6, None),
]

# names on the chart's x axis
SHORT = {"cpuid": "CPUID", "hypercall": "hypercall", "ioport": "port I/O",
         "uart": "console byte", "touch": "first touch", "touch_4k": "first touch (KVM 4K)",
         "touch_2m": "first touch (2 MiB)",
         "start": "start", "linux_boot": "Linux to shell", "linux_idle": "idle Linux CPU"}


class BenchError(Exception):
    pass


def parse(path):
    m = {"meta": {}, "sha": [], "run": {}, "one": {}, "many": [], "linux": {},
         "done": False, "fail": []}
    with open(path, errors="replace") as f:
        for line in f:
            w = line.split()
            if not w or not w[0].startswith("BENCH-"):
                continue
            tag = w[0]
            if tag == "BENCH-META" and len(w) >= 2:
                m["meta"][w[1]] = " ".join(w[2:])
            elif tag == "BENCH-SHA" and len(w) == 4:
                m["sha"].append((w[1], w[2], w[3]))
            elif tag == "BENCH-RUN" and len(w) == 6:
                m["run"].setdefault((w[1], w[2]), {}).setdefault(
                    int(w[3]), {})[int(w[4])] = int(w[5])
            elif tag == "BENCH-ONE" and len(w) == 5:
                m["one"].setdefault((w[1], w[2]), {}).setdefault(
                    int(w[3]), []).append(int(w[4]))
            elif tag == "BENCH-MANY" and len(w) == 6:
                m["many"].append(tuple(int(x) for x in w[1:]))
            elif tag == "BENCH-LINUX" and len(w) == 7:
                m["linux"].setdefault(w[1], {})[int(w[2])] = tuple(int(x) for x in w[3:])
            elif tag == "BENCH-DONE":
                m["done"] = True
            elif tag == "BENCH-FAIL":
                m["fail"].append(" ".join(w[1:]))
    return m


def stats(samples):
    if not samples:
        return None
    return {"median": statistics.median(samples), "min": min(samples),
            "max": max(samples), "samples": samples}


def loop_samples(m, key, side):
    """Per round: (t(N2) - t(N1)) / (N2 - N1), the per-operation time."""
    out = {}
    for rnd, runs in sorted(m["run"].get((key, side), {}).items()):
        if len(runs) != 2:
            raise BenchError(f"{key}/{side} round {rnd}: {len(runs)} iteration counts")
        (n1, t1), (n2, t2) = sorted(runs.items())
        out[rnd] = (t2 - t1) / (n2 - n1)
    return out


def one_samples(m, key, side):
    return {rnd: statistics.median(v) for rnd, v in m["one"].get((key, side), {}).items()}


def make_row(key, label, unit, scale, target, hvm, kvm, extra=None):
    """hvm, kvm: {round: ns}; per-round ratios give the ratio's spread."""
    row = {"name": key, "label": label, "unit": unit,
           "hvm": stats([v / scale for _, v in sorted(hvm.items())]),
           "kvm": stats([v / scale for _, v in sorted(kvm.items())]) if kvm else None}
    if extra:
        row.update(extra)
    if row["hvm"] is None or (kvm is not None and row["kvm"] is None):
        raise BenchError(f"{key}: no samples")
    # a median at or below 0: the noise was larger than the difference
    # between the two counts (raise BENCH_N1/N2); no ratio, no verdict
    row["noise"] = any(x and x["median"] <= 0 for x in (row["hvm"], row["kvm"]))
    if row["kvm"]:
        row["ratio"] = row["ratio_min"] = row["ratio_max"] = None
        if not row["noise"]:
            row["ratio"] = row["hvm"]["median"] / row["kvm"]["median"]
            per = [hvm[r] / kvm[r] for r in hvm if r in kvm and kvm[r] > 0 and hvm[r] > 0]
            if per:
                row["ratio_min"], row["ratio_max"] = min(per), max(per)
    if target:
        row["target"] = {"what": target[0], "max": target[1]}
        value = row["ratio"] if target[0] == "ratio" else row.get("value")
        row["met"] = None if value is None else value <= target[1]
    return row


def machine_rows(m, label):
    if m["fail"]:
        raise BenchError(f"{label}: could not run: {'; '.join(m['fail'])}")
    if not m["done"]:
        raise BenchError(f"{label}: the benchmark run did not finish (no BENCH-DONE)")
    if not m["sha"]:
        raise BenchError(f"{label}: no payload checksums")
    for name, h, k in m["sha"]:
        if h != k:
            raise BenchError(f"{label}: {name}: hvm loads sha256 {h}, kvmrun {k}")
    rounds = int(dict(x.split("=") for x in m["meta"].get("params", "").split())
                 .get("rounds", 0))
    rows = []
    for key, lab, unit, scale, target in LOOPS:
        h, k = loop_samples(m, key, "hvm"), loop_samples(m, key, "kvm")
        if len(h) != rounds or len(k) != rounds:
            raise BenchError(f"{label}: {key}: {len(h)}/{len(k)} of {rounds} rounds")
        rows.append(make_row(key, lab, unit, scale, target, h, k))
    # first touch against KVM with 4 KiB pages too (hvm's granule): what the
    # fault path costs, apart from KVM's 2 MiB transparent huge pages
    k = loop_samples(m, "touch", "kvm4k")
    if len(k) != rounds:
        raise BenchError(f"{label}: touch without THP: {len(k)} of {rounds} rounds")
    rows.append(make_row("touch_4k", "first touch, per page, KVM without THP", "us", 1e3,
                         ("ratio", 1.0), loop_samples(m, "touch", "hvm"), k))
    # and hvm with huge_pages=Y against KVM's THP: 2 MiB blocks on both sides
    h = loop_samples(m, "touch", "hvm2m")
    if len(h) != rounds:
        raise BenchError(f"{label}: touch with huge_pages: {len(h)} of {rounds} rounds")
    rows.append(make_row("touch_2m", "first touch, hvm huge_pages vs KVM THP", "us", 1e3,
                         ("ratio", 1.0), h, loop_samples(m, "touch", "kvm")))
    ones = {}
    for key, lab, unit, scale, target in ONES:
        h, k = one_samples(m, key, "hvm"), one_samples(m, key, "kvm")
        if len(h) != rounds or len(k) != rounds:
            raise BenchError(f"{label}: {key}: {len(h)}/{len(k)} of {rounds} rounds")
        ones[key] = (h, k)
        rows.append(make_row(key, lab, unit, scale, target, h, k))
    # 4 GiB against 16 MiB, within each hypervisor; the target is hvm's
    h = {r: ones["create4g"][0][r] / ones["create16m"][0][r] for r in ones["create4g"][0]}
    k = {r: ones["create4g"][1][r] / ones["create16m"][1][r] for r in ones["create4g"][1]}
    row = make_row("create4g_vs_16m", "create 4 GiB / create 16 MiB", "x", 1, None, h, k)
    row["value"] = row["hvm"]["median"]
    row["ratio"] = row["ratio_min"] = row["ratio_max"] = None
    row["target"] = {"what": "hvm", "max": 1.2}
    row["met"] = row["value"] <= 1.2
    rows.append(row)
    if len(m["many"]) != rounds:
        raise BenchError(f"{label}: many VMs: {len(m['many'])} of {rounds} rounds")
    vms = m["many"][0][1]
    wall = {r: ns for r, _, ns, _, _ in m["many"]}
    mem = {r: (b - a) / n for r, n, _, b, a in m["many"]}
    rows.append(make_row("many_vms", f"{vms} VMs: create, start, print, exit", "ms",
                         1e6, None, wall, None))
    rows.append(make_row("many_vms_mem", f"host memory per VM ({vms} VMs)", "KiB",
                         1, None, mem, None))
    if m["meta"].get("qemu"):
        rows += linux_rows(m, label, rounds)
    return rows


def linux_rows(m, label, rounds):
    """The Linux guest: hvm (hvctl run) against QEMU with KVM. Boot: launch to
    the shell prompt. Idle: host CPU seconds per wall second over the idle
    interval, all of the VMM's threads plus hvm's vCPU kernel threads, and
    the vCPU threads alone."""
    h, k = m["linux"].get("hvm", {}), m["linux"].get("kvm", {})
    if len(h) != rounds or len(k) != rounds:
        raise BenchError(f"{label}: Linux guest: {len(h)}/{len(k)} of {rounds} rounds")
    for side, d in (("hvm", h), ("QEMU/KVM", k)):
        for rnd, (_, wall, cpu, vcpu) in d.items():
            if wall <= 0 or cpu < 0 or vcpu < 0 or vcpu > cpu:
                raise BenchError(f"{label}: Linux guest, {side} round {rnd}: idle wall "
                                 f"{wall} ns, CPU {cpu} ns, vCPU {vcpu} ns")
    rows = [make_row("linux_boot", "Linux to shell prompt, vs QEMU/KVM", "s", 1e9,
                     ("ratio", 0.5), {r: v[0] for r, v in h.items()},
                     {r: v[0] for r, v in k.items()})]
    # CPU per wall second, in milli-CPU-seconds per second (1000 = one CPU)
    cpu = lambda d, i: {r: v[i] / v[1] * 1e3 for r, v in d.items()}
    rows.append(make_row("linux_idle", "idle Linux host CPU, VMM + vCPUs", "mCPU", 1,
                         ("ratio", 1.0), cpu(h, 2), cpu(k, 2)))
    rows.append(make_row("linux_idle_vcpu", "idle Linux host CPU, vCPU threads", "mCPU", 1,
                         None, cpu(h, 3), cpu(k, 3)))
    return rows


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    return f"{v:.0f}" if a >= 1000 else f"{v:.1f}" if a >= 100 else f"{v:.2f}" \
        if a >= 1 else f"{v:.3f}"


def print_table(label, meta, rows):
    print(f"\n== {label}: {meta.get('kernel', '?')}, {meta.get('cpu', '?')}, "
          f"{meta.get('cpus', '?')} CPUs, THP {meta.get('thp', '?')}; "
          f"{meta.get('params', '')}")
    hdr = (f"{'benchmark':<38} {'unit':<4} {'hvm med':>8} {'min':>8} {'max':>8}   "
           f"{'KVM med':>8} {'min':>8} {'max':>8}   {'hvm/KVM':>7}  target")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        h, k = r["hvm"], r["kvm"]
        kv = [fmt(k[x]) if k else "-" for x in ("median", "min", "max")]
        ratio = fmt(r.get("ratio"))
        t = r.get("target")
        if t:
            tt = (f"<= {t['max']}" if t["what"] == "ratio" else f"hvm <= {t['max']}")
            tt += "  NOISE" if r["met"] is None else "  ok" if r["met"] else "  MISS"
        else:
            tt = ""
        print(f"{r['label']:<38} {r['unit']:<4} {fmt(h['median']):>8} {fmt(h['min']):>8} "
              f"{fmt(h['max']):>8}   {kv[0]:>8} {kv[1]:>8} {kv[2]:>8}   {ratio:>7}  {tt}")


def chart(out, machines):
    """Bar chart of the hvm/KVM ratios with their targets; None if no gnuplot."""
    gp = shutil.which("gnuplot")
    if not gp:
        return None
    keys = [r["name"] for r in machines[0]["rows"]
            if r.get("target", {}).get("what") == "ratio"]
    dat = os.path.join(out, "bench.dat")
    with open(dat, "w") as f:
        f.write("# label target " + " ".join(
            f"{m['label']}_ratio {m['label']}_lo {m['label']}_hi" for m in machines) + "\n")
        for key in keys:
            cols = []
            target = None
            for m in machines:
                r = next(x for x in m["rows"] if x["name"] == key)
                target = r["target"]["max"]
                cols += [r.get("ratio"), r.get("ratio_min"), r.get("ratio_max")]
            f.write('"%s" %g %s\n' % (SHORT.get(key, key), target,
                                      " ".join("NaN" if c is None else f"{c:.4f}" for c in cols)))
    title = ("hvm / KVM, same machine, same payload bytes or Linux guest "
             "(QEMU/KVM for Linux; lower is better)")
    sub = "; ".join(f"{m['label']}: {m['meta'].get('kernel', '?')}" for m in machines)
    plots = []
    for i, m in enumerate(machines):
        c = 3 + 3 * i
        plots.append(f"'{dat}' using {c}:{c + 1}:{c + 2}:xtic(1) title '{m['label']} hvm/KVM'")
    n = len(machines)
    plots.append(f"'{dat}' using ($0):2 with points pt 9 ps 2.2 lc rgb '#c00000' "
                 "title 'target (at most)'")
    if n == 1:
        plots.append(f"'{dat}' using ($0):3:(sprintf('%.2f', $3)) with labels "
                     "offset 2.6,0.6 notitle")
    vals = [v for m in machines for r in m["rows"] if r["name"] in keys
            for v in (r.get("ratio"), r.get("ratio_min"), r.get("ratio_max"),
                      r["target"]["max"])
            if v and v > 0]
    ylo, yhi = min(vals + [0.5]) / 1.5, max(vals + [2]) * 1.5
    ytics = ", ".join(f"{2.0 ** e:g}" for e in range(-12, 13) if ylo <= 2.0 ** e <= yhi)
    png = os.path.join(out, "bench.png")
    script = f"""
set terminal pngcairo size 1100,600 font ',10' noenhanced
set output '{png}'
set title "{title}\\n{sub}"
set ylabel 'hvm / KVM: time; host CPU for idle Linux (log scale)'
set logscale y 2
set yrange [{ylo}:{yhi}]
set ytics ({ytics})
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.75 border -1
set boxwidth 0.9
set grid ytics
set xtics rotate by -20 scale 0
set key top left
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#404040'
plot {", ".join(plots)}
"""
    gpf = os.path.join(out, "bench.gp")
    with open(gpf, "w") as f:
        f.write(script)
    r = subprocess.run([gp, gpf], capture_output=True, text=True)
    if r.returncode:
        raise BenchError(f"gnuplot failed: {r.stderr.strip()[:300]}")
    return png


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-chart", action="store_true")
    ap.add_argument("logs", nargs="+", metavar="LABEL=LOG")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    machines = []
    try:
        for spec in a.logs:
            label, _, path = spec.partition("=")
            m = parse(path)
            machines.append({"label": label, "log": path, "meta": m["meta"],
                             "payload_sha256": {n: h for n, h, _ in m["sha"]},
                             "rows": machine_rows(m, label)})
    except BenchError as e:
        print(f"bench: FAIL: {e}", file=sys.stderr)
        return 1
    for m in machines:
        print_table(m["label"], m["meta"], m["rows"])
    doc = {"generated": datetime.datetime.now(datetime.timezone.utc)
           .isoformat(timespec="seconds"),
           "method": "loops: (t(N2) - t(N1)) / (N2 - N1) per round, t = wall time of "
                     "`hvctl run` / `kvmrun` from CLOCK_MONOTONIC in the test machine; "
                     "single operations: median of the round's repetitions; "
                     "Linux guest: launch to its shell prompt on the serial console, then "
                     "host CPU (schedstat run time of the VMM's threads and hvm's vCPU "
                     "kernel threads) per wall second while it idles, in mCPU (1000 = one "
                     "CPU busy), against QEMU -accel kvm; "
                     "ratio = median(hvm) / median(KVM)",
           "machines": machines}
    with open(os.path.join(a.out, "bench.json"), "w") as f:
        json.dump(doc, f, indent=1)
    print(f"\nbench: {os.path.join(a.out, 'bench.json')}")
    if not a.no_chart:
        try:
            png = chart(a.out, machines)
        except BenchError as e:
            print(f"bench: FAIL: {e}", file=sys.stderr)
            return 1
        print(f"bench: {png}" if png else "bench: no gnuplot, no chart")
    missed = sum(1 for m in machines for r in m["rows"] if r.get("met") is False)
    noisy = sum(1 for m in machines for r in m["rows"] if r.get("noise"))
    print(f"bench: {missed} target(s) missed (a measurement: the exit status ignores them)")
    if noisy:
        print(f"bench: {noisy} row(s) lost in noise (NOISE): raise BENCH_N1/BENCH_N2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
