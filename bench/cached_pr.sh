#!/usr/bin/env bash
# A pull request's second run with a cached base, against its first run,
# on a pipeline whose stages dominate: each lane's stage keeps both cores
# busy for a few seconds, so two lanes cost about twice one.
#
#   bash bench/cached_pr.sh [RUNS]     (default 3; prints medians)
set -euo pipefail
RUNS=${1:-3}
cd "$(dirname "$0")/.."
source bench/lib.sh
build_release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
mkdir -p "$repo/facts"
cd "$repo"
git init -q -b main
seq 1 1000 > facts/ids.txt
cat > etl.sh <<'SH'
set -e
# CPU-bound work on both cores, then the output.
for i in 1 2; do python3 -c "sum(i * i for i in range(40_000_000))" & done
wait
{ echo id,v; awk '{print $1 "," $1 * 2}' "$1/ids.txt"; } > "$2/t.csv"
SH
cat > swimlane.toml <<'TOML'
[snapshot]
path = "facts"

[[stage]]
name = "etl"
run = "sh etl.sh {snapshot} {out}"

[[table]]
name = "t"
path = "t.csv"
key = ["id"]
TOML
git add -A && git -c user.name=b -c user.email=b@b commit -qm base
git checkout -qb feature
echo "# docs" > README.md
git add -A && git -c user.name=b -c user.email=b@b commit -qm docs

first=(); second=()
for i in $(seq "$RUNS"); do
  cache="$work/cache-$i"
  s=$EPOCHREALTIME; "$BIN" run --base main --cache-dir "$cache" -q >/dev/null; e=$EPOCHREALTIME
  first+=("$s:$e")
  s=$EPOCHREALTIME; "$BIN" run --base main --cache-dir "$cache" -q --json "$work/second.json" >/dev/null; e=$EPOCHREALTIME
  second+=("$s:$e")
done
python3 - "$work/second.json" "${first[@]}" -- "${second[@]}" <<'PY'
import json, statistics, sys
args = sys.argv[2:]
cut = args.index("--")
span = lambda x: round(float(x.split(":")[1]) - float(x.split(":")[0]), 2)
first = [span(x) for x in args[:cut]]
second = [span(x) for x in args[cut + 1:]]
status = json.load(open(sys.argv[1]))["lanes"][0]["stages"][0]["status"]
f, s = statistics.median(first), statistics.median(second)
print(f"first run (both lanes)      median {f:.2f} s  {first}")
print(f"second run (base {status})  median {s:.2f} s  {second}")
print(f"second / first = {s / f:.2f}")
PY
