#!/usr/bin/env bash
# swimlane compare beside its peers, on the same Parquet pairs.
#
#   bash bench/peers.sh [SIZES] [RUNS]        (default "1000000 10000000" 3)
#
# For each size it writes a base/head pair with examples/gen_table (an i64
# key, 3 strings, 4 floats, 2 ints, ~1% nulls; head: 0.1% changed values,
# 0.05% missing and 0.05% extra rows, float column f2 shifted), then times,
# alternating, RUNS rounds of: reading both files with polars (the floor),
# DuckDB's FULL OUTER JOIN with IS DISTINCT FROM counts, datacompy with its
# polars backend, and `swimlane compare`. It prints the median wall time and
# peak RSS of each, and fails if the tools disagree on the counts.
#
# The Python peers go into a virtualenv this script creates
# ($SWIMLANE_PEERS_VENV, default ~/.cache/swimlane-peers).
set -euo pipefail
SIZES=${1:-"1000000 10000000"}
RUNS=${2:-3}
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/swimlane-target}"
VENV="${SWIMLANE_PEERS_VENV:-$HOME/.cache/swimlane-peers}"

if ! "$VENV/bin/python" -c "import duckdb, datacompy, polars, pyarrow" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q duckdb datacompy polars pyarrow pandas
fi
cargo build -q --release --bin swimlane --example gen_table
BIN="$CARGO_TARGET_DIR/release/swimlane"
GEN="$CARGO_TARGET_DIR/release/examples/gen_table"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for rows in $SIZES; do
  "$GEN" "$rows" "$work/base-$rows.parquet" --seed 7 2>/dev/null
  "$GEN" "$rows" "$work/head-$rows.parquet" --seed 7 --head 2>/dev/null
done
"$VENV/bin/python" bench/peers.py "$BIN" "$work" "$RUNS" $SIZES
