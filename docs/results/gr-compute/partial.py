#!/usr/bin/env python3
"""Tabulates the finished runs of an unfinished `./gradreg reproduce gr-compute` (runs/reproduce/gr-compute):
final test accuracy per configuration and seed, and the paired differences at large eps on the seeds that have
every configuration. Usage: python3 docs/results/gr-compute/partial.py (from the repository root)."""
import json, os, re, statistics as st
root = "runs/reproduce/gr-compute"
acc = {}
for d in sorted(os.listdir(root)):
    f = os.path.join(root, d, "summary.json")
    m = re.match(r"(.*)_seed=(\d+)$", d)
    if m and os.path.isfile(f):
        acc.setdefault(m.group(1), {})[int(m.group(2))] = json.load(open(f))["final_test_accuracy"]
configs = ["plain", "exact"] + [f"{o}{n}_e={e}" for n in ("", "N") for o in ("forward", "backward") for e in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)]
seeds = sorted({s for c in acc.values() for s in c})
complete = [s for s in seeds if all(s in acc.get(c, {}) for c in configs)]
print("| config | " + " | ".join(f"seed {s}" for s in seeds) + " |\n|---|" + "---|" * len(seeds))
for c in configs:
    print(f"| {c} | " + " | ".join(f"{100 * acc[c][s]:.2f}" if s in acc.get(c, {}) else "—" for s in seeds) + " |")
print(f"\nSeeds with every configuration: {complete}")
for n in ("", "N") if complete else ():
    for e in (0.2, 0.5):
        f = [acc[f"forward{n}_e={e}"][s] for s in complete]
        for other in (f"backward{n}_e={e}", "exact"):
            d = [100 * (a - acc[other][s]) for a, s in zip(f, complete)]
            se = st.stdev(d) / len(d) ** 0.5 if len(d) > 1 else float("nan")
            print(f"- eps = {e}{' normalized' if n else ''}: forward - {other.split('_')[0]} = {st.mean(d):+.2f} (SE {se:.2f}) points over {len(d)} seed(s)")
