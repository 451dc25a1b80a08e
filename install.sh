#!/bin/sh
# Installs a prebuilt swimlane from a GitHub release, verified against the
# release's SHA-256 checksum:
#
#   curl -fsSL https://github.com/OWNER/swimlane/releases/latest/download/install.sh | sh
#   sh install.sh [--version v0.2.0] [--to ~/.local/bin] [--spark] [--base-url URL]
#
# Assets are named swimlane[-spark]-<target>.tar.gz (target: x86_64 or
# aarch64-unknown-linux-gnu, aarch64-apple-darwin) beside
# swimlane[-spark]-<target>.sha256 (sha256sum's output), as
# .github/workflows/release.yml uploads them. --base-url takes the
# release's download directory (https://..., or file:// for a local copy).
#
# Exit status: 0 installed; 3 no such release asset (the GitHub Action then
# builds from source); 1 anything else (a checksum mismatch above all).
set -eu

repo="${SWIMLANE_REPO:-OWNER/swimlane}"
version=latest
to="${HOME}/.local/bin"
flavour=swimlane
base=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --to) to="$2"; shift 2 ;;
    --spark) flavour=swimlane-spark; shift ;;
    --base-url) base="$2"; shift 2 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-gnu ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-gnu ;;
  Darwin-arm64) target=aarch64-apple-darwin ;;
  *) echo "install.sh: no prebuilt swimlane for $(uname -s) $(uname -m); build it: cargo install --locked --git https://github.com/$repo" >&2; exit 3 ;;
esac

if [ -z "$base" ]; then
  if [ "$version" = latest ]; then
    base="https://github.com/$repo/releases/latest/download"
  else
    base="https://github.com/$repo/releases/download/$version"
  fi
fi
archive="$flavour-$target"
asset="$archive.tar.gz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

fetch() { # URL FILE: 0 fetched, 3 not there, 1 other failure
  if curl -fsSL --retry 2 -o "$2" "$1" 2>"$work/curl.err"; then
    return 0
  fi
  # curl: 22 is an HTTP error (404 for a missing asset), 37 a missing file://.
  case "$(cat "$work/curl.err")" in
    *404* | *"Couldn't open file"* | *"Could not open file"*) return 3 ;;
  esac
  cat "$work/curl.err" >&2
  return 1
}

status=0
fetch "$base/$asset" "$work/$asset" || status=$?
if [ "$status" -eq 0 ]; then
  fetch "$base/$archive.sha256" "$work/$archive.sha256" || status=$?
fi
if [ "$status" -eq 3 ]; then
  echo "install.sh: no release asset $asset at $base" >&2
  exit 3
elif [ "$status" -ne 0 ]; then
  echo "install.sh: cannot download $base/$asset" >&2
  exit 1
fi

# sha256sum's lines: "<hash>  <file>"; the line naming the archive.
expected=$(awk -v f="$asset" '{ n = $2; sub(/^\*/, "", n) } n == f { print $1 }' "$work/$archive.sha256")
if [ -z "$expected" ]; then
  echo "install.sh: $base/$archive.sha256 has no checksum for $asset; nothing was installed" >&2
  exit 1
fi
if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$work/$asset" | cut -d' ' -f1)
else
  actual=$(shasum -a 256 "$work/$asset" | cut -d' ' -f1)
fi
if [ "$expected" != "$actual" ]; then
  echo "install.sh: checksum mismatch for $asset: the release says $expected, the download is $actual; nothing was installed (retry, or report it if it persists)" >&2
  exit 1
fi

tar -xzf "$work/$asset" -C "$work"
mkdir -p "$to"
install -m 0755 "$work/swimlane" "$to/swimlane"
if [ -d "$work/man" ]; then
  mkdir -p "$to/../share/man/man1"
  cp "$work"/man/*.1 "$to/../share/man/man1/" 2>/dev/null || true
fi
echo "installed $("$to/swimlane" --version 2>/dev/null || echo swimlane) to $to/swimlane (sha256 $actual)"
