#!/usr/bin/env bash
# swimlane compare beside its peers, on the same Parquet pairs.
#
#   bash bench/peers.sh [SIZES] [RUNS]        (default "1000000 10000000" 3)
#
# For each size it writes base/head pairs with examples/gen_table (an i64
# key, 3 strings of ~6 / 100k / one-per-row distinct values, 4 floats, 2
# ints, ~1% nulls; head: 0.1% changed values, 0.05% missing and 0.05% extra
# rows, float column f2 shifted) in three layouts:
#   - key order: Parquet written in key order (a sorted job's output);
#   - shuffled: Parquet in a random row order, a different one per side (as
#     parallel writers and hash partitioning leave them);
#   - shuffled CSV: the shuffled pair as CSV.
# Then for each layout it times, alternating, RUNS rounds of: reading both
# files with polars (the floor), DuckDB's FULL OUTER JOIN with IS DISTINCT
# FROM counts, datacompy with its polars backend, and `swimlane compare`,
# the rounds in the orders of a balanced Latin square, so that no tool runs
# right after another in every round (peers.py says why). It prints the
# median wall time and peak RSS of each, every run's wall time, and fails
# if the tools disagree on the counts.
#
# The Python peers go into a virtualenv this script creates
# ($SWIMLANE_PEERS_VENV, default ~/.cache/swimlane-peers).
set -euo pipefail
SIZES=${1:-"1000000 10000000"}
RUNS=${2:-3}
cd "$(dirname "$0")/.."
source bench/lib.sh
peers_venv "duckdb, datacompy, polars, pyarrow" duckdb datacompy polars pyarrow pandas
build_release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for rows in $SIZES; do
  "$GEN" "$rows" "$work/base-$rows-ordered.parquet" --seed 7 --titles 0 2>/dev/null
  "$GEN" "$rows" "$work/head-$rows-ordered.parquet" --seed 7 --titles 0 --head 2>/dev/null
  "$GEN" "$rows" "$work/base-$rows-shuffled.parquet" --seed 7 --titles 0 --shuffle 1 2>/dev/null
  "$GEN" "$rows" "$work/head-$rows-shuffled.parquet" --seed 7 --titles 0 --head --shuffle 2 2>/dev/null
  for side in base head; do
    "$VENV/bin/python" -c 'import sys, polars as pl; pl.read_parquet(sys.argv[1]).write_csv(sys.argv[2])' \
      "$work/$side-$rows-shuffled.parquet" "$work/$side-$rows-shuffled.csv"
  done
done
"$VENV/bin/python" bench/peers.py "$BIN" "$work" "$RUNS" $SIZES
