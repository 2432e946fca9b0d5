#!/usr/bin/env python3
"""Tabulates the finished runs of an unfinished `./gradreg reproduce small-mnist` (the authors' protocol; runs in
runs/reproduce/small-mnist-protocol): final test accuracy per variant and seed, then the cells of the paper's
tables 1 and 3 (paired differences to the table's baseline on the seeds where both runs finished).
The full sweep writes the real report (results.md) itself; this only shows a sweep in progress.
Usage: python3 docs/results/small-mnist/partial.py [RUNS_DIR]   (from the repository root)"""
import json
import os
import re
import statistics as st
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "runs/reproduce/small-mnist-protocol"
acc = {}
for d in sorted(os.listdir(root)):
    f = os.path.join(root, d, "summary.json")
    m = re.match(r"(.*)_seed=(\d+)$", d)
    if m and os.path.isfile(f):
        acc.setdefault(m.group(1), {})[int(m.group(2))] = 100 * json.load(open(f))["final_test_accuracy"]
seeds = sorted({s for v in acc.values() for s in v})
print("| variant | " + " | ".join(f"seed {s}" for s in seeds) + " | mean ± std |\n|---|" + "---|" * (len(seeds) + 1))
for v, by in acc.items():
    vals = list(by.values())
    sd = f" ± {st.stdev(vals):.2f}" if len(vals) > 1 else ""
    print(f"| {v} | " + " | ".join(f"{by[s]:.2f}" if s in by else "—" for s in seeds) + f" | {st.mean(vals):.2f}{sd} (n = {len(vals)}) |")

# (table, cell, variant, its baseline, paper mean, paper baseline) for tables 1 and 3 of the paper
cells = [
    ("T1 WD 0", "SpectReg 0.03", "wd0-dropout.spectreg0.03", "wd0-dropout.baseline", 97.69, 97.25),
    ("T1 WD 0.0005", "SpectReg 0.03", "wd-dropout.spectreg0.03", "wd-dropout.baseline", 97.73, 97.40),
    ("T3", "SpectReg 0.03", "wd-dropout.spectreg0.03", "wd-dropout.baseline", 97.79, 97.39),
    ("T3", "DoubleBack 50", "wd-dropout.doubleback50", "wd-dropout.baseline", 97.89, 97.39),
    ("T3", "CP", "wd-dropout.confpen", "wd-dropout.baseline", 97.57, 97.39),
]
def verdict(d, se, paper):
    """The rule of the full report (SmallMnist.java), fixed before the runs."""
    if paper >= 0.2:
        return "reproduced" if d > 0 and d >= 2 * se else "not reproduced" if d <= 0 or d < se else "weak"
    return "consistent" if abs(d) < 2 * se or d < 0.2 else "differs"


print("\n| table | cell | paired Δ vs baseline ± SE (seeds won) | seeds | paper Δ | verdict (rule of the full report) |\n|---|---|---|---|---|---|")
for t, c, v, b, p, pb in cells:
    common = sorted(set(acc.get(v, {})) & set(acc.get(b, {})))
    d = [acc[v][s] - acc[b][s] for s in common]
    if not d:
        print(f"| {t} | {c} | not run yet | 0 | {p - pb:+.2f} | |")
        continue
    se = st.stdev(d) / len(d) ** 0.5 if len(d) > 1 else float("nan")
    won = sum(x > 0 for x in d)
    v = verdict(st.mean(d), se, p - pb) if len(d) > 1 else ""
    print(f"| {t} | {c} | {st.mean(d):+.2f} ± {se:.2f} ({won}/{len(d)}) | {len(d)} | {p - pb:+.2f} | {v} |")

# Table 3's other claim: GR beats the confidence penalty (paired, on the seeds where both finished)
for v in ("wd-dropout.spectreg0.03", "wd-dropout.doubleback50"):
    common = sorted(set(acc.get(v, {})) & set(acc.get("wd-dropout.confpen", {})))
    d = [acc[v][s] - acc["wd-dropout.confpen"][s] for s in common]
    if len(d) > 1:
        print(f"- {v} − confpen: {st.mean(d):+.2f} ± {st.stdev(d) / len(d) ** 0.5:.2f} points over {len(d)} seeds "
              f"(won {sum(x > 0 for x in d)}/{len(d)})")
