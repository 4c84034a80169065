#!/usr/bin/env bash
# Re-locks the python-fastapi blueprint's dependencies with hashes:
# blueprints/python-fastapi/template/requirements{,-dev}.in -> requirements{,-dev}.txt.
#
# Usage: scripts/update-python-fastapi-lock.sh [--upgrade]
#   Without --upgrade the versions already in the locks are kept where they still
#   satisfy the .in files (only new or changed requirements move); with --upgrade
#   every package moves to its newest release.
# Uses uv (from PyPI, installed into $PAVED_TOOLS_VENV, default .tools-venv at the
# repository root). The locks are universal (any OS and CPU) for Python 3.11, the
# Python of the distroless runtime image.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
template="$root/blueprints/python-fastapi/template"
tools=${PAVED_TOOLS_VENV:-$root/.tools-venv}
uv_version=0.13.9

if [ ! -x "$tools/bin/uv" ] || [ "$("$tools/bin/uv" --version | cut -d' ' -f2)" != "$uv_version" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check "uv==$uv_version"
fi

upgrade=()
[ "${1:-}" = "--upgrade" ] && upgrade=(--upgrade)

cd "$template"
for name in requirements requirements-dev; do
  "$tools/bin/uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    --no-header "${upgrade[@]}" "$name.in" -o "$name.txt"
done
echo "locked: $template/requirements.txt, $template/requirements-dev.txt"
