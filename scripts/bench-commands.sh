#!/usr/bin/env bash
# Whole-process timings of the commands a user runs most, each against the baseline
# issue 10 sets for it, with hyperfine (Debian: `apt-get install hyperfine`).
#
#   scripts/bench-commands.sh [PAVED_BINARY]
#
# PAVED_BINARY defaults to target/release/paved (build it first with
# `cargo build --release`); pass another build to compare before and after.
# BENCH_BLUEPRINT (default rust-axum) picks the blueprint; BENCH_RUNS (default 30)
# the runs per command. Results: a Markdown table on stdout, hyperfine's JSON in
# $BENCH_OUT (default a temporary directory).
set -euo pipefail

paved=${1:-target/release/paved}
blueprint=${BENCH_BLUEPRINT:-rust-axum}
runs=${BENCH_RUNS:-30}
out=${BENCH_OUT:-$(mktemp -d)}

if ! command -v hyperfine >/dev/null; then
    echo "hyperfine is not installed: apt-get install hyperfine (or cargo install hyperfine)" >&2
    exit 2
fi
if [[ ! -x $paved ]]; then
    echo "$paved is not an executable paved binary: run cargo build --release first" >&2
    exit 2
fi
paved=$(realpath "$paved")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A generated service to audit and to copy.
"$paved" new svc --no-input --blueprint "$blueprint" --output "$work/svc" >/dev/null
files=$(find "$work/svc" -type f | wc -l)

bench() { # name, json, commands...
    local name=$1 json=$2
    shift 2
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$out/$json.json" "$@" >/dev/null 2>&1 ||
        hyperfine --warmup 3 --runs "$runs" --export-json "$out/$json.json" "$@" >/dev/null
    python3 - "$out/$json.json" "$name" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
ms = [r["mean"] * 1000 for r in results]
name = sys.argv[2]
if len(ms) == 1:
    print(f"| {name} | {ms[0]:.1f} ms | | |")
else:
    print(f"| {name} | {ms[0]:.1f} ms | {ms[1]:.1f} ms | {ms[0] / ms[1]:.2f}x |")
EOF
}

echo "| command | paved | baseline | ratio |"
echo "|---|---|---|---|"
bench "\`paved --version\` (process start)" version "$paved --version"
bench "\`paved list\`" list "$paved list"
bench "\`paved new --dry-run\` ($blueprint)" dry-run "$paved new x --no-input --blueprint $blueprint --dry-run"
# `new` writes a fresh directory each run; the baseline copies the same tree.
bench "\`paved new\` vs \`cp -r\` ($files files)" new \
    --prepare "rm -rf $work/new" "$paved new x --no-input --blueprint $blueprint --output $work/new" \
    --prepare "rm -rf $work/copy" "cp -r $work/svc $work/copy"
bench "\`paved drift\` one service vs reading its files" drift \
    "$paved drift $work/svc --format json --output $work/report.json" \
    "find $work/svc -type f -exec cat {} +"
echo
echo "hyperfine JSON: $out"
