#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS (default 60):
#   bash fuzz/run.sh [SECONDS] [--dev]
# Optimized by default (cargo-fuzz's release mode: one codegen unit per
# crate, so polars alone takes most of the build). `--dev` builds without
# optimizations and without debug info, as `.ci/run`'s smoke run does: on a
# fresh machine that build is the difference between fitting CI's time
# and not (BENCHMARKS.md, "The fuzz build in CI").
# cargo-fuzz needs nightly-only flags; RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them (this machine has no nightly). Findings land in
# fuzz/artifacts/<target>/; the seed corpora are fuzz/corpus/<target>/
# (small, committed); what a run adds goes to a scratch copy.
set -euo pipefail
SECONDS_EACH=${1:-60}
MODE=-O
if [ "${2:-}" = "--dev" ]; then
  MODE=--dev
  export CARGO_PROFILE_DEV_DEBUG=0
fi
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${SWIMLANE_FUZZ_TARGET:-$HOME/.cache/swimlane-fuzz-target}"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
cargo fuzz build "$MODE" --target-dir "$CARGO_TARGET_DIR"
for target in config load; do
  scratch=$(mktemp -d)
  cp -r "corpus/$target/." "$scratch/"
  echo "== fuzz $target for ${SECONDS_EACH}s"
  log="$scratch.log"
  if ! cargo fuzz run "$MODE" --target-dir "$CARGO_TARGET_DIR" "$target" "$scratch" -- \
    -max_total_time="$SECONDS_EACH" -max_len=4096 -rss_limit_mb=4096 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz target $target failed: see fuzz/artifacts/$target/"
    exit 1
  fi
  grep -E "DONE|^Done" "$log"
  rm -rf "$scratch" "$log"
done
