#!/usr/bin/env bash
# The action's swimlane: the release binary matching the action's own ref
# (a version tag), verified against the release's checksum by install.sh;
# a source build only when no release matches, saying so in the log. A
# checksum mismatch fails: a tampered or broken download is never run, and
# never silently replaced by a build.
#
# Environment: ROOT (the action's checkout), ACTION_REF, SWIMLANE_REPO
# (owner/name), RELEASE_URL (optional: the release's download directory,
# e.g. file:// in tests), BIN_DIR (where swimlane goes), BUILD (the source
# build command; default cargo install of ROOT).
set -euo pipefail
if [ -x "$BIN_DIR/swimlane" ]; then
  echo "swimlane: $("$BIN_DIR/swimlane" --version) (cached)"
  exit 0
fi
build() {
  echo "swimlane: $1: building from source (about 20 minutes on a cold cache)"
  if [ -n "${BUILD:-}" ]; then
    eval "$BUILD"
  else
    CARGO_TARGET_DIR="$HOME/.cache/swimlane-target" cargo install --locked --path "$ROOT" --root "$(dirname "$BIN_DIR")"
  fi
}
case "${ACTION_REF:-}" in
  v[0-9]*) ;;
  *)
    build "no release matches the action's ref '${ACTION_REF:-}' (use a version tag, e.g. @v0.2.0, for a prebuilt binary)"
    exit 0
    ;;
esac
args=(--version "$ACTION_REF" --to "$BIN_DIR")
if [ -n "${RELEASE_URL:-}" ]; then
  args+=(--base-url "$RELEASE_URL")
fi
status=0
SWIMLANE_REPO="${SWIMLANE_REPO:-}" sh "$ROOT/install.sh" "${args[@]}" || status=$?
case $status in
  0) ;;
  3) build "release $ACTION_REF has no binary for this runner" ;;
  *) echo "::error title=swimlane::could not install release $ACTION_REF (see above); not building from source over a failed verification" >&2
     exit 1 ;;
esac
