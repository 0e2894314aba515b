#!/usr/bin/env bash
# Make sure Debian's chromium and its chromedriver are installed (the dashboard's browser test
# drives them with Selenium; used by `make test`).
#
#   scripts/ensure-chromium.sh           install them (as root, with apt-get) when missing
#   scripts/ensure-chromium.sh --check   only report: exit 0 if both are there
#
# Only Debian's packages are used: no browser is downloaded by a test tool.  Exit status:
# non-zero only when they are missing, cannot be installed, and CI is set; outside CI that is a
# warning and exit 0 (the browser test then skips).
set -uo pipefail

ME="ensure-chromium"
BROWSER=/usr/bin/chromium
DRIVER=/usr/bin/chromedriver

present() { [[ -x "$BROWSER" && -x "$DRIVER" ]]; }

if [[ "${1:-}" == "--check" ]]; then
    present
    exit $?
fi

fail() {
    if [[ -n "${CI:-}" ]]; then
        echo "$ME: ERROR: $*" >&2
        exit 1
    fi
    echo "$ME: WARNING: $* - the dashboard's browser test will be skipped." >&2
    exit 0
}

if present; then
    echo "$ME: $("$BROWSER" --version 2>/dev/null | head -n 1) and chromedriver are installed."
    exit 0
fi

if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    fail "$BROWSER or $DRIVER is missing and cannot be installed here (needs root and apt-get)"
fi

LOG="$(mktemp "${TMPDIR:-/tmp}/ensure-chromium.XXXXXX")"
trap 'rm -f "$LOG"' EXIT
echo "$ME: chromium not found; installing chromium and chromium-driver with apt-get (a minute or two)..."
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver; } \
    >>"$LOG" 2>&1; then
    tail -n 20 "$LOG" >&2
    fail "apt-get install chromium chromium-driver failed"
fi
present || fail "installed chromium and chromium-driver, but $BROWSER or $DRIVER is still missing"
echo "$ME: installed $("$BROWSER" --version 2>/dev/null | head -n 1) and chromedriver."
exit 0
