# Sourced by the bench scripts (from the repository root): the release
# build they time and the virtualenv of the tools they compare against.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/swimlane-target}"
BIN="$CARGO_TARGET_DIR/release/swimlane"
GEN="$CARGO_TARGET_DIR/release/examples/gen_table"

# The binary and every example in one build. One feature set for every
# script: the binary built alone leaves out the polars features the
# examples' dev-dependencies add, and alternating the two rebuilds polars
# (about 20 minutes) and times a different binary.
build_release() {
  cargo build -q --release --bin swimlane --examples
}

# The peers' virtualenv ($SWIMLANE_PEERS_VENV, default
# ~/.cache/swimlane-peers), created or completed when `import MODULES`
# fails in it:  peers_venv "duckdb, polars" duckdb polars
VENV="${SWIMLANE_PEERS_VENV:-$HOME/.cache/swimlane-peers}"
peers_venv() {
  local modules=$1
  shift
  if ! "$VENV/bin/python" -c "import $modules" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "$@"
  fi
}

# The pair of bench/peers.sh, ROWS rows a side, in WORK/ordered (both
# files in key order) and WORK/shuffled (each side shuffled its own way),
# each as base.parquet and head.parquet:  gen_pairs WORK ROWS
gen_pairs() {
  local work=$1 rows=$2
  mkdir -p "$work/ordered" "$work/shuffled"
  "$GEN" "$rows" "$work/ordered/base.parquet" --seed 7 --titles 0 2>/dev/null
  "$GEN" "$rows" "$work/ordered/head.parquet" --seed 7 --titles 0 --head 2>/dev/null
  "$GEN" "$rows" "$work/shuffled/base.parquet" --seed 7 --titles 0 --shuffle 1 2>/dev/null
  "$GEN" "$rows" "$work/shuffled/head.parquet" --seed 7 --titles 0 --head --shuffle 2 2>/dev/null
}
