#!/usr/bin/env bash
# What the statistics of a profile cost elsewhere: one side of
# bench/peers.sh's 10M-row pair (key order) profiled end to end by
# `swimlane profile` (read, then every column's counts, nulls, distinct
# values, min, max, mean, std, p01/p50/p99 and a 129-point sketch, top
# text values), against polars computing the same statistics (read, then
# one select of null counts, exact distinct counts, min, max, mean, std
# and linear quantiles, and each text column's value counts) and DuckDB's
# SUMMARIZE (read, then its approximate quantiles and distinct counts).
#
#   bash bench/profile_peers.sh [ROWS] [RUNS]        (default 10000000 3)
#
# Rounds alternate the three; each is a process of its own, file read
# included, on both cores (polars and DuckDB are told to use two).
set -euo pipefail
ROWS=${1:-10000000}
RUNS=${2:-3}
cd "$(dirname "$0")/.."
source bench/lib.sh
peers_venv "duckdb, polars, pyarrow" duckdb polars pyarrow
build_release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$GEN" "$ROWS" "$work/base.parquet" --seed 7 --titles 0 2>/dev/null
cat > "$work/polars_stats.py" <<'PY'
import sys
import polars as pl
df = pl.read_parquet(sys.argv[1])
nums = [c for c, d in df.schema.items() if d.is_numeric()]
texts = [c for c, d in df.schema.items() if d == pl.String]
stats = [pl.col(c).null_count().alias(f"{c}.nulls") for c in df.columns]
stats += [pl.col(c).n_unique().alias(f"{c}.distinct") for c in df.columns]
for c in nums:
    x = pl.col(c)
    stats += [x.min().alias(f"{c}.min"), x.max().alias(f"{c}.max"),
              x.mean().alias(f"{c}.mean"), x.std().alias(f"{c}.std")]
    stats += [x.quantile(q, "linear").alias(f"{c}.q{q}") for q in (0.01, 0.5, 0.99)]
df.select(stats)
for c in texts:
    df[c].value_counts(sort=True).head(10)
PY
cat > "$work/duckdb_summarize.py" <<'PY'
import sys
import duckdb
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute(f"SUMMARIZE SELECT * FROM read_parquet('{sys.argv[1]}')").fetchall()
PY
POLARS_MAX_THREADS=2 python3 bench/alternate.py "$RUNS" -- \
  "swimlane-profile=$BIN profile $work/base.parquet -q --json $work/profile.json" \
  "polars-stats=$VENV/bin/python $work/polars_stats.py $work/base.parquet" \
  "duckdb-summarize=$VENV/bin/python $work/duckdb_summarize.py $work/base.parquet"
