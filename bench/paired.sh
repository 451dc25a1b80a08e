#!/usr/bin/env bash
# What comparing a feature table key by key costs: `swimlane compare
# --distribution` on the four float columns of bench/peers.sh's 10M-row
# pair, as two samples (no key) and with `--key id` (each key's values
# paired too: changed keys, |Δ|, the Wilcoxon and sign tests); once with
# both files in key order (as a pipeline that sorts its features writes
# them) and once shuffled differently on each side (the worst case).
#
#   bash bench/paired.sh [ROWS] [RUNS]        (default 10000000 3)
#
# Rounds alternate; the script prints each variant's median wall time, user
# and system CPU, peak RSS and the paired path's overhead in both, then checks the paired numbers of
# every column of the shuffled pair against scipy (a polars join on the key, d = head - base with
# the same precision rule, `scipy.stats.wilcoxon(method="auto")` and
# `binomtest`): counts exactly, p-values to 1e-9 relative.
set -euo pipefail
ROWS=${1:-10000000}
RUNS=${2:-3}
cd "$(dirname "$0")/.."
source bench/lib.sh
peers_venv "scipy, polars, pyarrow" scipy polars pyarrow
build_release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gen_pairs "$work" "$ROWS"
"$VENV/bin/python" - "$BIN" "$work" "$RUNS" <<'PY'
import json, os, statistics, sys
import numpy as np, polars as pl
from scipy.stats import binomtest, wilcoxon
sys.path.insert(0, "bench")
from alternate import alternate, peak_rss_mib as rss

bin_, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
columns = ["f1", "f2", "f3", "seconds"]
others = ["country", "member", "title", "rating", "count"]

ignore = [a for c in others for a in ("--ignore", c)]
print("| layout | variant | median s | runs | median CPU s | peak RSS MiB |")
print("| --- | --- | ---: | --- | ---: | ---: |")
for layout in ("ordered", "shuffled"):
    d = f"{work}/{layout}"
    base = [bin_, "compare", f"{d}/base.parquet", f"{d}/head.parquet", "--distribution"]
    variants = {
        "two samples (--ignore id)": base + ignore + ["--ignore", "id", "--json", f"{d}/plain.json"],
        "key by key (--key id)": base + ignore + ["--key", "id", "--json", f"{d}/keyed.json"],
    }
    # Wall time, and user + system CPU: on a machine whose speed drifts,
    # the CPU a variant adds moves less from round to round than its wall.
    seen = alternate(runs, [(name, cmd, dict(os.environ)) for name, cmd in variants.items()])
    times = {name: [w for w, _, _ in r] for name, r in seen.items()}
    cpus = {name: [u + s for _, u, s in r] for name, r in seen.items()}
    for name, cmd in variants.items():
        runs_s = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"| {layout} | {name} | {statistics.median(times[name]):.2f} | {runs_s} "
              f"| {statistics.median(cpus[name]):.2f} | {rss(cmd):.0f} |")
    plain, keyed = (statistics.median(t) for t in times.values())
    plain_cpu, keyed_cpu = (statistics.median(c) for c in cpus.values())
    print(f"| {layout} | paired path overhead | {100 * (keyed / plain - 1):+.0f}% | "
          f"| {100 * (keyed_cpu / plain_cpu - 1):+.0f}% | |")

# The paired numbers against scipy's, column by column.
report = json.load(open(f"{work}/shuffled/keyed.json"))
feats = {f["column"]: f for t in report["tables"] for f in t["features"]}
b = pl.read_parquet(f"{work}/shuffled/base.parquet", columns=["id"] + columns)
h = pl.read_parquet(f"{work}/shuffled/head.parquet", columns=["id"] + columns)
assert b["id"].n_unique() == b.height and h["id"].n_unique() == h.height, "ids must be unique"
j = b.join(h, on="id", how="inner", suffix="_h")
tol = 1e-12  # precision = 12
for c in columns:
    x = j[c].to_numpy(); y = j[c + "_h"].to_numpy()
    both = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[both], y[both]
    d = y - x
    d[np.abs(d) <= tol * np.maximum(np.abs(x), np.abs(y))] = 0.0
    p = feats[c]["paired"]
    mine = (p["up"], p["down"], p["keys"])
    theirs = (int((d > 0).sum()), int((d < 0).sum()), j.height)
    if mine != theirs:
        sys.exit(f"{c}: up/down/keys {mine} vs numpy {theirs}")
    if (d != 0).sum() == 0:
        if p.get("test") is not None:
            sys.exit(f"{c}: a test where nothing moved")
        print(f"{c}: no key moved, as numpy finds")
        continue
    w = wilcoxon(d, zero_method="wilcox", correction=False, method="auto")
    s = binomtest(int((d > 0).sum()), int((d != 0).sum()), 0.5).pvalue
    t = p["test"]
    for name, a, bb in (("wilcoxon", t["wilcoxon_p_value"], w.pvalue), ("sign", t["sign_test_p_value"], s)):
        if not (a == bb or abs(a - bb) <= max(1e-9 * max(abs(a), abs(bb)), 1e-300)):
            sys.exit(f"{c}: {name} p {a} vs scipy {bb}")
    if t["wilcoxon_statistic"] != float(w.statistic):
        sys.exit(f"{c}: W {t['wilcoxon_statistic']} vs scipy {w.statistic}")
    print(f"{c}: {p['changed']} of {p['keys']} keys changed, W {t['wilcoxon_statistic']:.0f}, Wilcoxon p {t['wilcoxon_p_value']:.6e} "
          f"and sign p {t['sign_test_p_value']:.6e} equal scipy's")
PY
