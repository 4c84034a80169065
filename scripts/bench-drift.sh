#!/usr/bin/env bash
# Benchmark `paved drift --recursive` over N generated repositories against reading
# every file of them with cat (warm cache), and report peak memory.
#
# Two read-alls, both whole processes: `find ORG -type f | xargs cat` (issue 10's
# measure; -print0/-0 so no name is split) and `find ORG -type f -exec cat {} +` (the
# one earlier figures in docs/performance.md used). The ratio is given against each.
#
# Usage: scripts/bench-drift.sh [N]            (default N=500)
# Environment:
#   BENCH_BLUEPRINT      blueprint id to generate from       (default: full)
#   BENCH_BLUEPRINTS     --blueprints directory, or "builtin" (default: tests/fixtures/blueprints)
#   BENCH_RUNS           timed runs of each command; the median is reported (default 5)
#   BENCH_DIR            where to generate (default: a temporary directory, removed at exit)
#   PAVED                paved binary (default: target/release/paved, built if missing)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-500}
blueprint=${BENCH_BLUEPRINT:-full}
blueprints=${BENCH_BLUEPRINTS:-$root/tests/fixtures/blueprints}
runs=${BENCH_RUNS:-5}
paved=${PAVED:-$root/target/release/paved}

if [[ ! -x $paved ]]; then
  (cd "$root" && cargo build --release --quiet)
fi
catalog_args=()
if [[ $blueprints != builtin ]]; then
  catalog_args=(--blueprints "$blueprints")
fi

if [[ -n ${BENCH_DIR:-} ]]; then
  work=$BENCH_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
org=$work/org
if [[ ! -d $org ]]; then
  mkdir -p "$org"
  for i in $(seq 1 "$n"); do
    "$paved" "${catalog_args[@]}" new "svc-$i" --blueprint "$blueprint" --no-input \
      --output "$org/svc-$i" >/dev/null
  done
fi
files=$(find "$org" -type f | wc -l)
bytes=$(du -sb "$org" | cut -f1)

now() { date +%s.%N; }
# Median wall time of a command over $runs runs (after one warm-up run).
median() {
  "$@" >/dev/null 2>&1 || true
  local times=()
  for _ in $(seq 1 "$runs"); do
    local t0 t1
    t0=$(now)
    "$@" >/dev/null 2>&1 || true
    t1=$(now)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

cat_all() { find "$org" -type f -print0 | xargs -0 cat >/dev/null; }
cat_exec() { find "$org" -type f -exec cat {} + >/dev/null; }
drift() { "$paved" "${catalog_args[@]}" drift --recursive "$org" --format json --fail-on critical; }

t_cat=$(median cat_all)
t_exec=$(median cat_exec)
t_drift=$(median drift)

rss_kb=""
if [[ -x /usr/bin/time ]]; then
  rss_kb=$( { /usr/bin/time -v "$paved" "${catalog_args[@]}" drift --recursive "$org" --format json --fail-on critical >/dev/null; } 2>&1 \
    | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}')
fi
findings=$(drift | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["findings"])' 2>/dev/null || echo "?")

ratio=$(awk -v a="$t_drift" -v b="$t_cat" 'BEGIN {print a / b}')
ratio_exec=$(awk -v a="$t_drift" -v b="$t_exec" 'BEGIN {print a / b}')
printf 'repositories      %s (blueprint %s)\n' "$n" "$blueprint"
printf 'files / bytes     %s / %s\n' "$files" "$bytes"
printf 'cores             %s\n' "$(nproc)"
printf 'find | xargs cat  %.3f s (median of %s)\n' "$t_cat" "$runs"
printf 'find -exec cat    %.3f s (median of %s)\n' "$t_exec" "$runs"
printf 'paved drift -r    %.3f s (median of %s), %s findings\n' "$t_drift" "$runs" "$findings"
printf 'ratio             %.2fx (find | xargs cat; goal <= 2x), %.2fx (find -exec cat)\n' "$ratio" "$ratio_exec"
[[ -n $rss_kb ]] && printf 'peak RSS          %s MiB\n' "$((rss_kb / 1024))"
exit 0
