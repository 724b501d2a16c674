# Shared by scripts/run, scripts/test and scripts/bench: make the virtual environment and
# install the package into it, again only when the dependencies changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

ensure_venv() {
  local extras="${1:-}"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating the virtual environment in .venv ..."
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
  fi
  local stamp="$VENV/.installed${extras:+-$extras}"
  if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing the warehouse package${extras:+ with [$extras]} ..."
    "$VENV/bin/python" -m pip install --quiet -e ".${extras:+[$extras]}"
    touch "$stamp"
  fi
  "$ROOT/scripts/translations" compile >/dev/null
}

# The browser tests drive Debian's Chromium (Playwright's own browser download is not
# used). Install it when missing and we may (root, apt-get); otherwise say how, and let
# the browser tests fail with the same advice.
ensure_chromium() {
  if command -v chromium >/dev/null 2>&1 || [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    return 0
  fi
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the browser tests ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "Chromium is missing: the browser tests in tests/browser will fail." >&2
    echo "Install it with: sudo apt-get install chromium" >&2
  fi
}

# CI's shifted-clock pass (FAKETIME=+400d scripts/test) moves the tests' clock with
# libfaketime, from Debian's faketime package. Install it when missing and we may.
ensure_faketime() {
  if [ -n "$(faketime_library)" ]; then
    return 0
  fi
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing libfaketime for the shifted-clock pass ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime
  else
    echo "libfaketime is missing: install it with: sudo apt-get install faketime" >&2
    return 1
  fi
}

faketime_library() {
  local lib
  for lib in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 \
             /usr/local/lib/faketime/libfaketime.so.1; do
    if [ -f "$lib" ]; then echo "$lib"; return 0; fi
  done
}
