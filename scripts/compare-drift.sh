#!/usr/bin/env bash
# Same report, byte for byte: runs two paved binaries on the same repositories and
# compares stdout (JSON report), stderr and exit code of every run.
#
# Usage: scripts/compare-drift.sh BEFORE AFTER [DIR...]
#   Each run: a fresh service of every built-in blueprint (generated with BEFORE),
#   the bad/ and good/ tree of every rule fixture, every tests/fixtures/drift
#   repository alone and with -r, -r over the other fixture trees, and -r over each DIR
#   (e.g. the 500 services of scripts/bench-drift.sh, kept with BENCH_DIR).
# Exit code 1 when any run differs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
before=$(realpath "$1")
after=$(realpath "$2")
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
runs=0
differ=0
check() { # label, paved arguments...
    local label=$1 rb=0 ra=0
    shift
    PAVED_TODAY=2026-11-30 "$before" "$@" --format json >"$work/b.out" 2>"$work/b.err" || rb=$?
    PAVED_TODAY=2026-11-30 "$after" "$@" --format json >"$work/a.out" 2>"$work/a.err" || ra=$?
    runs=$((runs + 1))
    if [[ $ra != "$rb" ]] || ! cmp -s "$work/a.out" "$work/b.out" || ! cmp -s "$work/a.err" "$work/b.err"; then
        differ=$((differ + 1))
        echo "differs: $label"
    fi
}
for bp in $("$before" list | awk '$1 != "" {print $1}'); do
    "$before" new "svc-$bp" --no-input --blueprint "$bp" --output "$work/$bp" >/dev/null 2>&1 || continue
    check "$bp service" drift "$work/$bp"
done
for dir in tests/fixtures/rules/*/bad tests/fixtures/rules/*/good; do
    check "$dir" drift "$dir"
done
for dir in tests/fixtures/drift/*/; do
    check "$dir" drift "$dir"
    check "$dir -r" drift -r "$dir"
done
for dir in tests/fixtures/yaml-lenient tests/fixtures/layered tests/fixtures/versioned tests/fixtures/before-layers; do
    check "$dir -r" drift -r "$dir"
done
for dir in "$@"; do
    check "$dir -r" drift -r "$dir"
done
echo "$runs runs, $differ differ"
[[ $differ == 0 ]]
