#!/usr/bin/env bash
# What a key-hash sample saves a pull request on a big snapshot: `swimlane
# run` of a polars pipeline (read the snapshot's plays, derive two columns,
# write them keyed by `id`) whose head branch changes `seconds` on 1% of
# the rows, once on the whole snapshot and once with `[sample] rate = RATE`
# on `id` (the sampled snapshot written, then reused from the cache).
#
#   bash bench/sampled_run.sh [ROWS] [RATE] [DIR]   (default 100000000 0.01 a temp dir)
#
# Prints each run's wall time, peak RSS (of swimlane and its stages) and
# phases, the sampling pass's share, whether each run found the defect,
# and the sampled runs' estimate of the full table's changed rows against
# the truth: the whole run's count (a little under ROWS / 100: `seconds`
# is null on ~1% of rows, and null + 1 is null).
set -euo pipefail
ROWS=${1:-100000000}
RATE=${2:-0.01}
cd "$(dirname "$0")/.."
source bench/lib.sh
peers_venv "polars" polars
build_release

work=$(mktemp -d -p "${3:-${TMPDIR:-/tmp}}")
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
mkdir -p "$repo/facts"
"$GEN" "$ROWS" "$repo/facts/plays.parquet" --seed 3 2>/dev/null
cd "$repo"
git init -q -b main
# The snapshot stays out of git (and out of the lanes' checkouts).
printf 'facts/\n*.toml.run\n' > .gitignore
cat > etl.py <<'PY'
import sys
import polars as pl

snapshot, out = sys.argv[1], sys.argv[2]
BUG = False
plays = pl.scan_parquet(f"{snapshot}/plays.parquet")
seconds = pl.col("seconds")
if BUG:
    # 1% of rows: id = 7 r + 3, so id % 100 == 3 exactly when r % 100 == 0.
    seconds = pl.when(pl.col("id") % 100 == 3).then(seconds + 1.0).otherwise(seconds)
plays.select(
    "id", "member", "country",
    seconds.alias("seconds"),
    (seconds / 60).alias("minutes"),
    (pl.col("f1") * pl.col("f3")).alias("score"),
).sink_parquet(f"{out}/plays_clean.parquet")
PY
config() {
  cat <<TOML
[snapshot]
path = "facts"

[[stage]]
name = "etl"
run = "$VENV/bin/python etl.py {snapshot} {out}"

[[table]]
name = "plays_clean"
path = "plays_clean.parquet"
key = ["id"]
TOML
  if [ -n "${1:-}" ]; then
    printf '\n[sample]\nkey = ["id"]\nrate = %s\n' "$1"
  fi
}
config > swimlane.toml
git add -A && git -c user.name=b -c user.email=b@b commit -qm base
git checkout -qb bug
sed -i 's/^BUG = False/BUG = True/' etl.py
git -c user.name=b -c user.email=b@b commit -qam "bug on 1% of rows"
git checkout -q main

run() { # NAME CONFIG
  local name=$1
  /usr/bin/time -f "%e %M" -o "$work/$name.time" \
    env TMPDIR="$work" SWIMLANE_CACHE_DIR="$work/cache" \
    "$BIN" run --config "$2" --base main --head bug -q --json "$work/$name.json" >/dev/null || true
}
# Both configs beside the committed one, ignored by git.
config > whole.toml.run
config "$RATE" > sampled.toml.run
run whole whole.toml.run
rm -rf "$work/cache"
run sampled sampled.toml.run
run sampled_cached sampled.toml.run

python3 - "$work" "$ROWS" <<'PY'
import json, sys
work, rows = sys.argv[1], int(sys.argv[2])
print(f"{rows:,} rows, defect on every 100th row (1%)")
whole_s = None
truth = None
for name in ["whole", "sampled", "sampled_cached"]:
    r = json.load(open(f"{work}/{name}.json"))
    wall, kb = open(f"{work}/{name}.time").read().split()[-2:]
    wall = float(wall)
    whole_s = whole_s or wall
    t = r["tables"][0] if r["tables"] else {}
    changed = (t.get("rows") or {}).get("changed")
    truth = truth if truth is not None else changed
    ti = r["timings"]
    line = (f"{name:15} {wall:7.1f} s ({whole_s / wall:5.1f}x less than whole)  peak {int(kb) / 2**20:5.2f} GiB  "
            f"verdict {r['verdict']:10} changed rows seen {changed}  "
            f"[sampling {ti.get('sample', 0):.1f}, checkout {ti['checkout']:.1f}, stages {ti['stages']:.1f}, load {ti['load']:.1f}, compare {ti['compare']:.1f}]")
    print(line)
    snap = (r.get("sample") or {}).get("snapshot")
    if snap:
        kept = sum(f["kept"] for f in snap["files"])
        print(f"{'':15} sampled snapshot: {kept:,} of {rows:,} rows kept, cached: {snap['cached']}")
    for e in (t.get("sample") or {}).get("estimates", []):
        if e["what"] == "changed rows":
            covered = e["low"] <= truth <= e["high"]
            print(f"{'':15} estimate of changed rows: {e['estimate']:,.0f} ({e['low']:,}-{e['high']:,}), "
                  f"truth (the whole run's count) {truth:,}: {'covered' if covered else 'NOT covered'}")
PY
