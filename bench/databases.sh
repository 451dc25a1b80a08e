#!/usr/bin/env bash
# Reading a table from PostgreSQL (binary COPY) and from a DuckDB file
# (Arrow batches), beside reading the same rows from Parquet: rows per
# second and peak memory of `examples/bench_read`, which reads a table as a
# comparison does (`load::load`).
#
#   bash bench/databases.sh [ROWS] [RUNS]        (default 10000000 3)
#
# Needs PostgreSQL's server binaries (Debian's postgresql package): a
# server of its own is started on a loopback port for the run and stopped
# after. The table is gen_table's (an i64 key, 3 strings, 4 floats, 2 ints,
# ~1% nulls), loaded into DuckDB by DuckDB's Python package and into
# PostgreSQL with COPY. Rounds alternate; medians.
set -euo pipefail
ROWS=${1:-10000000}
RUNS=${2:-3}
cd "$(dirname "$0")/.."
source bench/lib.sh
peers_venv "duckdb" duckdb
cargo build -q --release --features duckdb --bin swimlane --examples
READ="$CARGO_TARGET_DIR/release/examples/bench_read"

work=$(mktemp -d)
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
trap 'as_pg "$PG_BIN/pg_ctl" -D "$work/pg" stop -m immediate >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
as_pg "$PG_BIN/initdb" -D "$work/pg" -A trust -U bench >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c shared_buffers=1GB" start >/dev/null
PG="postgresql://bench@127.0.0.1:$port/postgres"

"$GEN" "$ROWS" "$work/t.parquet" --seed 7 --titles 0 2>/dev/null
"$VENV/bin/python" - "$work" <<'PY'
import sys, duckdb
work = sys.argv[1]
con = duckdb.connect(f"{work}/t.duckdb")
con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{work}/t.parquet')")
types = {"BIGINT": "int8", "INTEGER": "int4", "DOUBLE": "float8", "VARCHAR": "text",
         "DATE": "date", "TIMESTAMP": "timestamp", "BOOLEAN": "bool", "SMALLINT": "int2"}
cols = con.execute("DESCRIBE t").fetchall()
ddl = ", ".join(f'"{c[0]}" {types[c[1]]}' for c in cols)
open(f"{work}/t.sql", "w").write(f"CREATE TABLE t ({ddl});\n")
con.execute(f"COPY t TO '{work}/t.csv' (HEADER)")
PY
psql -q -v ON_ERROR_STOP=1 "$PG" -f "$work/t.sql"
psql -q -v ON_ERROR_STOP=1 "$PG" -c "\\copy t FROM '$work/t.csv' CSV HEADER"
psql -q "$PG" -c "VACUUM ANALYZE t"
rm "$work/t.csv"

python3 - "$READ" "$work" "$PG" "$RUNS" "$ROWS" <<'PY'
import statistics, subprocess, sys
read, work, pg, runs, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
sources = {
    "Parquet": ["parquet", f"{work}/t.parquet"],
    "DuckDB file": ["duckdb", f"{work}/t.duckdb", "t"],
    "PostgreSQL": ["postgres", pg, "public.t"],
}
times = {k: [] for k in sources}
rss = {k: [] for k in sources}
for _ in range(runs):
    for name, args in sources.items():
        out = subprocess.run(["/usr/bin/time", "-f", "%e %M", read, *args],
                             capture_output=True, text=True, check=True)
        wall, kib = out.stderr.strip().splitlines()[-1].split()
        assert out.stdout.startswith(f"{rows} rows"), out.stdout
        times[name].append(float(wall))
        rss[name].append(int(kib) / 1024)
print(f"{rows:,} rows, {runs} rounds, medians")
print("| source | wall | rows per second | peak RSS |")
print("| --- | ---: | ---: | ---: |")
for name in sources:
    t = statistics.median(times[name])
    print(f"| {name} | {t:.2f} s | {rows / t / 1e6:.1f} M | {statistics.median(rss[name]):,.0f} MiB |")
PY
