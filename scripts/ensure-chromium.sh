#!/bin/sh
# Makes sure a Chromium for the webview tests (test/webview, playwright-core) is installed:
# Debian's `chromium` package, installed with apt-get when this runs as root and it is missing.
# Otherwise it says what to do and exits 0: the webview tests then skip (printing the reason), so
# a developer without root still runs every other test. The tests look at $MEMAUDIT_CHROMIUM,
# /usr/bin/chromium and /usr/bin/chromium-browser.
set -eu
for c in "${MEMAUDIT_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$c" ] && [ -x "$c" ]; then
    echo "ensure-chromium: found $c"
    exit 0
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: no Chromium found. Install Debian's chromium package as root:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y chromium" >&2
  echo "or point MEMAUDIT_CHROMIUM at a Chromium executable. (npx playwright install needs network access to Microsoft's CDN.)" >&2
  echo "ensure-chromium: the webview tests will be skipped" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no Chromium and no apt-get here; install Chromium and set MEMAUDIT_CHROMIUM to its path" >&2
  echo "ensure-chromium: the webview tests will be skipped" >&2
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium with apt-get"
DEBIAN_FRONTEND=noninteractive apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
echo "ensure-chromium: installed $(command -v chromium)"
