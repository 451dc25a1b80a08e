#!/usr/bin/env bash
# A pair larger than comfortable memory, compared from disk under a budget.
#
#   bash bench/out_of_core.sh [ROWS] [BUDGET] [DIR]    (default 100000000 8GiB, a temp dir)
#
# Writes the bench/peers.sh pair at ROWS rows (about 4 GB of Parquet per side
# at 100M; needs ~9 GB of disk), then prints the wall time and peak RSS of
# `swimlane compare --memory-budget BUDGET` and of DuckDB's full outer join on
# the same files, and checks that their counts agree. Give DIR to keep the
# files between runs (they are reused when present).
set -euo pipefail
ROWS=${1:-100000000}
BUDGET=${2:-8GiB}
cd "$(dirname "$0")/.."
source bench/lib.sh
peers_venv duckdb duckdb
build_release

if [ -n "${3:-}" ]; then
  work=$3
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
base="$work/base-$ROWS.parquet"
head="$work/head-$ROWS.parquet"
[ -f "$base" ] || "$GEN" "$ROWS" "$base" --seed 7
[ -f "$head" ] || "$GEN" "$ROWS" "$head" --seed 7 --head

/usr/bin/time -f "swimlane compare: %e s, peak RSS %M KiB" \
  "$BIN" compare "$base" "$head" --key id -q --memory-budget "$BUDGET" \
  --json "$work/swimlane.json" || [ $? -eq 1 ]
/usr/bin/time -f "DuckDB full outer join: %e s, peak RSS %M KiB" \
  "$VENV/bin/python" - "$base" "$head" "$work/swimlane.json" <<'PY'
import json, sys, duckdb
base, head, report = sys.argv[1:4]
cols = ["country", "member", "title", "f1", "f2", "f3", "seconds", "rating", "count"]
per_column = ", ".join(
    f'count(*) FILTER (WHERE b.id IS NOT NULL AND h.id IS NOT NULL'
    f' AND b."{c}" IS DISTINCT FROM h."{c}")' for c in cols)
row = duckdb.sql(f"""
  SELECT count(*) FILTER (WHERE h.id IS NULL), count(*) FILTER (WHERE b.id IS NULL), {per_column}
  FROM read_parquet('{base}') b FULL OUTER JOIN read_parquet('{head}') h ON b.id = h.id
""").fetchall()[0]
duck = {"missing": row[0], "extra": row[1], "columns": dict(zip(cols, row[2:]))}
t = json.load(open(report))["tables"][0]
ours = {"missing": t["rows"]["missing"], "extra": t["rows"]["extra"],
        "columns": {c["name"]: c["mismatches"] for c in t["columns"]}}
if duck != ours:
    sys.exit(f"counts differ:\n DuckDB   {duck}\n swimlane {ours}")
print(f"counts agree: {ours}")
PY
