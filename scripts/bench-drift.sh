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
#   BENCH_RUNS           timed rounds, each running the three commands in turn; medians
#                        and the median of the per-round ratios are reported (default 5)
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
# Wall time of one run of a command, in seconds.
timed() {
  local t0 t1
  t0=$(now)
  "$@" >/dev/null 2>&1 || true
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cat_all() { find "$org" -type f -print0 | xargs -0 cat >/dev/null; }
cat_exec() { find "$org" -type f -exec cat {} + >/dev/null; }
drift() { "$paved" "${catalog_args[@]}" drift --recursive "$org" --format json --fail-on critical; }

# Rounds interleave the three commands (after one warm-up of each), so a slow minute
# on a shared host slows the baseline and paved alike; the ratio reported is the
# median of the per-round ratios, with the range of all of them.
cat_all >/dev/null 2>&1 || true
cat_exec >/dev/null 2>&1 || true
drift >/dev/null 2>&1 || true
cats=() execs=() drifts=() ratios=() ratios_exec=()
for _ in $(seq 1 "$runs"); do
  c=$(timed cat_all)
  e=$(timed cat_exec)
  d=$(timed drift)
  cats+=("$c") execs+=("$e") drifts+=("$d")
  ratios+=("$(awk -v a="$d" -v b="$c" 'BEGIN {print a / b}')")
  ratios_exec+=("$(awk -v a="$d" -v b="$e" 'BEGIN {print a / b}')")
done
t_cat=$(printf '%s\n' "${cats[@]}" | median)
t_exec=$(printf '%s\n' "${execs[@]}" | median)
t_drift=$(printf '%s\n' "${drifts[@]}" | median)
ratio=$(printf '%s\n' "${ratios[@]}" | median)
ratio_exec=$(printf '%s\n' "${ratios_exec[@]}" | median)
ratio_range=$(printf '%s\n' "${ratios[@]}" | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2f-%.2fx", lo, hi}')

rss_kb=""
if [[ -x /usr/bin/time ]]; then
  rss_kb=$( { /usr/bin/time -v "$paved" "${catalog_args[@]}" drift --recursive "$org" --format json --fail-on critical >/dev/null; } 2>&1 \
    | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}')
fi
findings=$(drift | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["findings"])' 2>/dev/null || echo "?")

printf 'repositories      %s (blueprint %s)\n' "$n" "$blueprint"
printf 'files / bytes     %s / %s\n' "$files" "$bytes"
printf 'cores             %s\n' "$(nproc)"
printf 'find | xargs cat  %.3f s (median of %s)\n' "$t_cat" "$runs"
printf 'find -exec cat    %.3f s (median of %s)\n' "$t_exec" "$runs"
printf 'paved drift -r    %.3f s (median of %s), %s findings\n' "$t_drift" "$runs" "$findings"
printf 'ratio             %.2fx (find | xargs cat; goal <= 2x; per-round range %s), %.2fx (find -exec cat)\n' \
  "$ratio" "$ratio_range" "$ratio_exec"
[[ -n $rss_kb ]] && printf 'peak RSS          %s MiB\n' "$((rss_kb / 1024))"
exit 0
