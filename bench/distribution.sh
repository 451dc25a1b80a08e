#!/usr/bin/env bash
# `swimlane compare --distribution` beside scipy on the four float columns
# of the 10M-row pair of bench/peers.sh (shuffled layout).
#
#   bash bench/distribution.sh [ROWS] [RUNS]        (default 10000000 3)
#
# scipy's side reads the four columns of both files with polars, drops nulls
# and NaN, and runs `scipy.stats.ks_2samp` (method `auto`) per column: the
# test alone, no summaries or plots, which swimlane also computes. Rounds
# alternate; the script prints each tool's median wall time and peak RSS and
# fails unless both find the same D on every column (to 1e-12).
set -euo pipefail
ROWS=${1:-10000000}
RUNS=${2:-3}
cd "$(dirname "$0")/.."
source bench/lib.sh
peers_venv "scipy, polars, pyarrow" scipy polars pyarrow
build_release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$GEN" "$ROWS" "$work/base.parquet" --seed 7 --titles 0 --shuffle 1 2>/dev/null
"$GEN" "$ROWS" "$work/head.parquet" --seed 7 --titles 0 --head --shuffle 2 2>/dev/null
"$VENV/bin/python" - "$BIN" "$work" "$RUNS" <<'PY'
import json, statistics, subprocess, sys, time

bin_, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
columns = ["f1", "f2", "f3", "seconds"]
others = ["id", "country", "member", "title", "rating", "count"]
scipy_code = r'''
import json, sys, numpy as np, polars as pl
from scipy.stats import ks_2samp
cols = sys.argv[3].split(",")
b = pl.read_parquet(sys.argv[1], columns=cols)
h = pl.read_parquet(sys.argv[2], columns=cols)
out = {}
for c in cols:
    x = b[c].drop_nulls().to_numpy(); x = x[~np.isnan(x)]
    y = h[c].drop_nulls().to_numpy(); y = y[~np.isnan(y)]
    out[c] = float(ks_2samp(x, y).statistic)
json.dump(out, open(sys.argv[4], "w"))
'''

def timed(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode not in (0, 1):
        sys.exit(f"{cmd[0]} failed ({p.returncode}):\n{p.stderr}")
    return wall

def rss(cmd):
    """Peak RSS in MiB of one more run, from GNU time."""
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    return int(p.stderr.strip().splitlines()[-1]) / 1024

swim = [bin_, "compare", f"{work}/base.parquet", f"{work}/head.parquet", "--distribution",
        "--json", f"{work}/swim.json"] + [a for c in others for a in ("--ignore", c)]
scipy = [sys.executable, "-c", scipy_code, f"{work}/base.parquet", f"{work}/head.parquet",
         ",".join(columns), f"{work}/scipy.json"]
times = {"swimlane": [], "scipy": []}
for _ in range(runs):
    times["swimlane"].append(timed(swim))
    times["scipy"].append(timed(scipy))
report = json.load(open(f"{work}/swim.json"))
d_swim = {f["column"]: f["statistic"] for t in report["tables"] for f in t["features"]}
d_scipy = json.load(open(f"{work}/scipy.json"))
for c in columns:
    if abs(d_swim[c] - d_scipy[c]) > 1e-12:
        sys.exit(f"D differs on {c}: swimlane {d_swim[c]} scipy {d_scipy[c]}")
print(f"swimlane phases (last run): {report.get('timings')}")
print("| tool | median s | runs | peak RSS MiB |")
print("| --- | ---: | --- | ---: |")
for name, cmd in (("swimlane", swim), ("scipy", scipy)):
    peak = f"{rss(cmd):.0f}"
    runs_s = ", ".join(f"{t:.2f}" for t in times[name])
    print(f"| {name} | {statistics.median(times[name]):.2f} | {runs_s} | {peak} |")
print("D per column:", {c: round(d_swim[c], 6) for c in columns})
PY
