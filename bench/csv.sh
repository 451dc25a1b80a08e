#!/usr/bin/env bash
# CSV: swimlane's reader and `swimlane compare` beside polars' read of the
# same files, on a pair shaped like nycflights13's flights (336,776 rows ×
# 20 columns, ~36 MB each; bench/flights_csv.py).
#
#   bash bench/csv.sh [RUNS] [ROWS]        (default 5 336776)
#
# Prints, as medians of RUNS alternating rounds: polars from Python reading
# both files (pl.read_csv, its defaults), `swimlane compare --key id` on
# them (wall and peak RSS, and the load phase from its JSON report), then
# the csv_read example's three ways of reading the files in one process.
# Polars for Python goes into $SWIMLANE_PEERS_VENV (default
# ~/.cache/swimlane-peers), as for bench/peers.sh.
set -euo pipefail
RUNS=${1:-5}
ROWS=${2:-336776}
cd "$(dirname "$0")/.."
source bench/lib.sh
peers_venv polars polars
build_release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/flights_csv.py "$work/base.csv" "$work/head.csv" "$ROWS"

"$VENV/bin/python" - "$BIN" "$work" "$RUNS" <<'EOF'
import json, statistics, subprocess, sys, tempfile
binary, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
base, head = f"{work}/base.csv", f"{work}/head.csv"
READ = "import sys, polars as pl; a = pl.read_csv(sys.argv[1]); b = pl.read_csv(sys.argv[2]); print(a.height, b.height)"
tools = {
    "polars (Python) pl.read_csv of both files": [sys.executable, "-c", READ, base, head],
    "swimlane compare --key id": [binary, "compare", base, head, "--key", "id", "-q", "--json", f"{work}/r.json"],
}
results = {name: [] for name in tools}
loads = []
for _ in range(runs):
    for name, cmd in tools.items():
        with tempfile.NamedTemporaryFile(mode="r") as t:
            out = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name] + cmd,
                                 capture_output=True, text=True)
            wall, rss = t.read().split()[-2:]
        results[name].append((float(wall), int(rss) / 1024))
        if name.startswith("swimlane"):
            report = json.load(open(f"{work}/r.json"))
            loads.append(report["timings"]["load"])
            rows = report["tables"][0]["rows"]
print(f"{runs} rounds, medians")
for name, rs in results.items():
    print(f"{statistics.median(w for w, _ in rs):7.2f} s {statistics.median(m for _, m in rs):7.0f} MiB  {name}")
print(f"{statistics.median(loads):7.2f} s          swimlane's load phase (both files, in parallel)")
print("swimlane found:", json.dumps(rows))
EOF
"$CARGO_TARGET_DIR/release/examples/csv_read" "$work/base.csv" "$work/head.csv" --runs "$RUNS"
