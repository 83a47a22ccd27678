#!/usr/bin/env bash
# Installs Debian's headless browser pair for the detect page's browser test (DetectPageBrowserTest):
# /usr/bin/chromium and /usr/bin/chromedriver, built from the same Chromium release so their protocol matches.
# Idempotent and quiet: does nothing when both are present; prints one line on what it did or why it failed.
# Without them `mvn test` still passes (the browser test is skipped), so CI runs this first.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: no apt-get here; install chromium and chromedriver so that /usr/bin/chromium and" \
       "/usr/bin/chromedriver exist" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "install-browser: need root (or password-less sudo) to apt-get install chromium chromium-driver" >&2
    exit 1
  fi
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { $sudo apt-get update -qq && \
       $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver; } >"$log" 2>&1; then
  echo "install-browser: apt-get failed; its output:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "install-browser: installed $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
