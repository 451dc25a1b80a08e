#!/usr/bin/env bash
# Key by key on a wider feature table: ROWS shuffled rows (default 5M)
# of an i64 key and 16 normal float features, each with 0.1% of its
# values moved by 1.0 in head, each side shuffled its own way (written
# by polars). `swimlane compare --distribution` as two samples
# (`--ignore id`) against key by key (`--key id`), alternating rounds.
#
#   bash bench/wide_paired.sh [ROWS] [RUNS]        (default 5000000 3)
set -euo pipefail
ROWS=${1:-5000000}
RUNS=${2:-3}
cd "$(dirname "$0")/.."
source bench/lib.sh
peers_venv "numpy, polars" numpy polars
build_release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$VENV/bin/python" - "$ROWS" "$work" <<'PY'
import sys
import numpy as np
import polars as pl
n, work = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(5)
cols = {"id": np.arange(n, dtype=np.int64) * 3 + 1}
cols |= {f"x{j}": rng.normal(size=n) * (j + 1) for j in range(16)}
base = pl.DataFrame(cols)
head = base.with_columns(
    pl.when(pl.Series(rng.random(n) < 0.001)).then(pl.col(c) + 1.0).otherwise(pl.col(c)).alias(c)
    for c in base.columns[1:]
)
base.sample(fraction=1.0, shuffle=True, seed=1).write_parquet(f"{work}/base.parquet")
head.sample(fraction=1.0, shuffle=True, seed=2).write_parquet(f"{work}/head.parquet")
PY
A="$BIN compare $work/base.parquet $work/head.parquet --distribution -q"
python3 bench/alternate.py "$RUNS" -- "two-samples=$A --ignore id" "key-by-key=$A --key id"
