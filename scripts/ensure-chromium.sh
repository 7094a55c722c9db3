#!/usr/bin/env bash
# Make sure a headless-capable Chromium is at /usr/bin/chromium (Debian's package), for the
# report browser tests. Idempotent: does nothing when it is already there.
# Usage: scripts/ensure-chromium.sh   (needs root to install; prints what it did on stderr)
set -euo pipefail

CHROMIUM=/usr/bin/chromium

say () { echo "ensure-chromium: $*" >&2; }

if [ -x "$CHROMIUM" ]; then
  say "found $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"), nothing to do"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  say "$CHROMIUM is missing and this is not root; install it with:"
  say "  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium"
  exit 1
fi

if ! command -v apt-get > /dev/null 2>&1; then
  say "$CHROMIUM is missing and apt-get is not available; install Chromium by hand at $CHROMIUM"
  exit 1
fi

say "$CHROMIUM is missing, installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq > /dev/null; then
  say "apt-get update failed"
  exit 1
fi
if ! apt-get install -y -qq --no-install-recommends chromium > /dev/null; then
  say "apt-get install chromium failed"
  exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
  say "the chromium package installed but $CHROMIUM is still missing"
  exit 1
fi

say "installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
