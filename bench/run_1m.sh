#!/usr/bin/env bash
# Times `swimlane run` on a ROWS-row x 10-column Parquet output whose stage is
# a trivial `cp` in both lanes (head has 0.1% of one float column changed),
# and prints the phases from the JSON report: median of RUNS runs.
#
#   bash bench/run_1m.sh [ROWS] [RUNS]      (default 1000000 5)
set -euo pipefail
ROWS=${1:-1000000}
RUNS=${2:-5}
cd "$(dirname "$0")/.."
source bench/lib.sh
build_release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
mkdir -p "$repo/facts"
"$GEN" "$ROWS" "$repo/facts/base.parquet" --seed 1 2>/dev/null
"$GEN" "$ROWS" "$repo/facts/head.parquet" --seed 1 --changed 0.001 2>/dev/null
cd "$repo"
git init -q -b main
cat > swimlane.toml <<'TOML'
[snapshot]
path = "facts"

[[stage]]
name = "etl"
run = "cp {snapshot}/$(cat which) {out}/t.parquet"

[[table]]
name = "t"
path = "t.parquet"
key = ["id"]
TOML
echo base.parquet > which
git add -A && git -c user.name=b -c user.email=b@b commit -qm base
git checkout -qb head
echo head.parquet > which
git -c user.name=b -c user.email=b@b commit -qam head

for i in $(seq "$RUNS"); do
  TMPDIR="$work" "$BIN" run --base main --head head -q --json "$work/r$i.json" >/dev/null || true
done
python3 - "$work" "$RUNS" "$ROWS" <<'PY'
import json, statistics, sys
work, runs, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rs = [json.load(open(f"{work}/r{i}.json")) for i in range(1, runs + 1)]
t = rs[0]["tables"][0]
print(f"rows={rows} verdict={rs[0]['verdict']} changed={t['rows']['changed']} (median of {runs} runs, seconds)")
for phase in ["checkout", "stages", "load", "compare", "total"]:
    print(f"  {phase:9} {statistics.median(r['timings'][phase] for r in rs):.3f}")
PY
