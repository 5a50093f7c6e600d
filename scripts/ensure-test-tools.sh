#!/bin/sh
# Makes sure the tools of the browser tests are here:
# - a Chromium for the webview tests (test/webview) and the end-to-end test (test/e2e), driven by
#   playwright-core: Debian's `chromium` package;
# - code-server for the end-to-end test, with what compiling its native modules needs (Debian's
#   libkrb5-dev, ripgrep, g++, make), installed by scripts/setup-code-server.js into
#   ~/.cache/memaudit (or $MEMAUDIT_CODE_SERVER_DIR).
# Missing Debian packages are installed with apt-get when this runs as root. Otherwise it says what
# to do and exits 0: those tests then skip (printing the reason), so a developer without root
# still runs every other test. The tests look for Chromium at $MEMAUDIT_CHROMIUM,
# /usr/bin/chromium and /usr/bin/chromium-browser.
set -eu
cd "$(dirname "$0")/.."

have_chromium() {
  for c in "${MEMAUDIT_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$c" ] && [ -x "$c" ]; then echo "ensure-test-tools: found $c"; return 0; fi
  done
  return 1
}

missing=""
have_chromium || missing="$missing chromium"
[ -f /usr/include/gssapi/gssapi.h ] || missing="$missing libkrb5-dev"
command -v rg >/dev/null 2>&1 || missing="$missing ripgrep"
command -v g++ >/dev/null 2>&1 || missing="$missing g++"
command -v make >/dev/null 2>&1 || missing="$missing make"

if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-test-tools: installing with apt-get:$missing"
    DEBIAN_FRONTEND=noninteractive apt-get update
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
  else
    echo "ensure-test-tools: missing Debian packages:$missing. Install them as root:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
    echo "or point MEMAUDIT_CHROMIUM at a Chromium executable (npx playwright install needs network access to Microsoft's CDN)." >&2
    echo "ensure-test-tools: the tests that need them will be skipped" >&2
  fi
fi

node scripts/setup-code-server.js
