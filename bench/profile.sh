#!/usr/bin/env bash
# What profiling costs (issue 16's goal: `--profile` adds at most 15% to
# `swimlane compare`): bench/peers.sh's 10M-row pair, once with both files
# in key order and once shuffled differently on each side, compared by
# `--key id` with and without `--profile`.
#
#   bash bench/profile.sh [ROWS] [RUNS]        (default 10000000 5)
#
# Rounds alternate (plain, profiled) on each layout; the script prints each
# variant's median wall time, median user and system CPU, peak RSS and the
# profile's overhead, then checks the profiles of the shuffled pair's two
# sides against polars reading the same files: row and null counts, min
# and max exactly; mean and standard deviation (ddof 1) to 1e-12 and 1e-9
# relative; p01, p50 and p99 (linear interpolation, as numpy) to 1e-12
# relative; distinct counts exactly where not estimated, else within four
# times the stated relative error; each text column's top values and their
# counts exactly.
set -euo pipefail
ROWS=${1:-10000000}
RUNS=${2:-5}
cd "$(dirname "$0")/.."
source bench/lib.sh
peers_venv "polars, pyarrow" polars pyarrow
build_release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gen_pairs "$work" "$ROWS"
"$VENV/bin/python" - "$BIN" "$work" "$RUNS" <<'PY'
import json, os, statistics, sys
import polars as pl
sys.path.insert(0, "bench")
from alternate import alternate, peak_rss_mib as rss

bin_, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])

print("| layout | variant | median s | user s | system s | runs | peak RSS MiB |")
print("| --- | --- | ---: | ---: | ---: | --- | ---: |")
for layout in ("ordered", "shuffled"):
    d = f"{work}/{layout}"
    plain = [bin_, "compare", f"{d}/base.parquet", f"{d}/head.parquet", "--key", "id", "-q"]
    variants = {
        "plain": plain,
        "--profile": plain + ["--profile", "--json", f"{d}/profiled.json"],
    }
    seen = alternate(runs, [(name, cmd, dict(os.environ)) for name, cmd in variants.items()])
    medians = {}
    for name, cmd in variants.items():
        walls = [w for w, _, _ in seen[name]]
        medians[name] = statistics.median(walls)
        user = statistics.median(u for _, u, _ in seen[name])
        system = statistics.median(s for _, _, s in seen[name])
        runs_s = ", ".join(f"{w:.2f}" for w in walls)
        print(f"| {layout} | {name} | {medians[name]:.2f} | {user:.2f} | {system:.2f} | {runs_s} | {rss(cmd):.0f} |")
    print(f"| {layout} | profile overhead | {100 * (medians['--profile'] / medians['plain'] - 1):+.0f}% | | | | |")

# The profiles against polars' own reading of the files.
report = json.load(open(f"{work}/shuffled/profiled.json"))
profiles = report["tables"][0]["profile"]
def close(a, b, rel):
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))
for side in ("base", "head"):
    df = pl.read_parquet(f"{work}/shuffled/{side}.parquet")
    p = profiles[side]
    if p["row_count"] != df.height:
        sys.exit(f"{side}: {p['row_count']} rows, polars reads {df.height}")
    for c in p["columns"]:
        name, s = c["name"], df[c["name"]]
        where = f"{side}.{name}"
        if c["null_count"] != s.null_count():
            sys.exit(f"{where}: {c['null_count']} nulls, polars counts {s.null_count()}")
        valid = s.drop_nulls()
        if s.dtype.is_numeric():
            valid = valid.cast(pl.Float64)
            checks = [
                ("min", c["min"], valid.min(), 0.0),
                ("max", c["max"], valid.max(), 0.0),
                ("mean", c["mean"], valid.mean(), 1e-12),
                ("std", c["std"], valid.std(ddof=1), 1e-9),
            ] + [
                (q, c[q], valid.quantile(f, interpolation="linear"), 1e-12)
                for q, f in (("p01", 0.01), ("p50", 0.5), ("p99", 0.99))
            ]
            for what, mine, theirs, rel in checks:
                if not close(mine, theirs, rel):
                    sys.exit(f"{where}: {what} {mine!r}, polars {theirs!r}")
        else:
            counts = valid.value_counts(sort=True)
            theirs = {r[0]: r[1] for r in counts.iter_rows()}
            for t in c.get("top", []):
                if theirs.get(t["value"]) != t["count"]:
                    sys.exit(f"{where}: {t['value']!r} counted {t['count']}, polars {theirs.get(t['value'])}")
        exact = valid.n_unique()
        if c["distinct_relative_error"] == 0.0:
            if c["distinct"] != exact:
                sys.exit(f"{where}: {c['distinct']} distinct, polars {exact}")
        elif abs(c["distinct"] - exact) > 4 * c["distinct_relative_error"] * exact:
            sys.exit(f"{where}: {c['distinct']} distinct (±{c['distinct_relative_error']:.2%}), polars {exact}")
    print(f"{side}: the profiles of {len(p['columns'])} columns agree with polars")
PY
