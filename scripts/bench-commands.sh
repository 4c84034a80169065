#!/usr/bin/env bash
# Whole-process timings of the commands a user runs most, each against the baseline
# issue 10 sets for it, with hyperfine (Debian: `apt-get install hyperfine`).
#
#   scripts/bench-commands.sh [PAVED_BINARY]
#
# PAVED_BINARY defaults to target/release/paved (build it first with
# `cargo build --release`); pass another build to compare before and after.
# BENCH_BLUEPRINT (default rust-axum) picks the blueprint; BENCH_RUNS (default 30)
# the runs per command. Results: a Markdown table on stdout with the issue's ratios
# and goals, hyperfine's JSON in $BENCH_OUT (default a temporary directory).
#
# The ratios, as issue 10 section 3 states them (means of whole processes):
#   paved list                 absolute, goal <= 5 ms
#   paved new                  / `cp -r` of the same generated tree, goal <= 3x
#   paved drift (one service)  / (`find SVC -type f -exec cat {} +` + process start),
#                              goal <= 2x; process start = `paved --version`
# The drift ratio is also given from medians, and from its three commands run
# interleaved round by round (scripts/bench-interleaved.py, python3), which a host
# whose load drifts from minute to minute does not tilt.
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

# bench NAME COMMAND... : hyperfine's mean in ms, the JSON kept as $out/NAME.json.
bench() {
    local name=$1
    shift
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$out/$name.json" "$@" >/dev/null 2>&1 ||
        hyperfine --warmup 3 --runs "$runs" --export-json "$out/$name.json" "$@" >/dev/null
}
bench version "$paved --version"
bench list "$paved list"
bench dry-run "$paved new x --no-input --blueprint $blueprint --dry-run"
# `new` and `cp -r` write a fresh directory each run: hyperfine removes it first, untimed.
bench new --prepare "rm -rf $work/new" "$paved new x --no-input --blueprint $blueprint --output $work/new"
bench copy --prepare "rm -rf $work/copy" "cp -r $work/svc $work/copy"
bench drift "$paved drift $work/svc --format json --output $work/report.json"
bench cat "find $work/svc -type f -exec cat {} +"
# The drift ratio again, its three commands interleaved round by round (see
# scripts/bench-interleaved.py): the sequential runs above put a minute of a busy
# host on one side of the ratio only.
# Each command as one shell-quoted string, which the script splits again (shlex).
quoted() { printf '%q ' "$@"; }
python3 "$(dirname "$0")/bench-interleaved.py" --json "$out/interleaved.json" "$runs" \
    "$(quoted "$paved" drift "$work/svc" --format json --output "$work/report.json")" \
    "$(quoted "$(command -v find)" "$work/svc" -type f -exec cat {} +)" \
    "$(quoted "$paved" --version)" >/dev/null

python3 - "$out" "$blueprint" "$files" "$runs" <<'PY'
import json, sys
out, blueprint, files, runs = sys.argv[1:]
def mean(name):
    r = json.load(open(f"{out}/{name}.json"))["results"][0]
    return r["mean"] * 1000, r["stddev"] * 1000 if r.get("stddev") is not None else 0.0
def ms(name):
    m, s = mean(name)
    return f"{m:.1f} ± {s:.1f} ms"
start = mean("version")[0]
rows = [
    ("`paved --version` (process start)", ms("version"), "", "", "", ""),
    ("`paved list`", ms("list"), "", "", "≤ 5 ms", "yes" if mean("list")[0] <= 5 else "no"),
    (f"`paved new --dry-run` ({blueprint})", ms("dry-run"), "", "", "", ""),
]
r = mean("new")[0] / mean("copy")[0]
rows.append((f"`paved new` ({files} files) vs `cp -r` of its output", ms("new"),
             f"`cp -r` {ms('copy')}", f"{r:.2f}x", "≤ 3x", "yes" if r <= 3 else "no"))
base = mean("cat")[0] + start
r = mean("drift")[0] / base
rows.append(("`paved drift` one service vs reading its files plus the process start", ms("drift"),
             f"`find -exec cat` {ms('cat')} + start {start:.1f} ms = {base:.1f} ms",
             f"{r:.2f}x", "≤ 2x", "yes" if r <= 2 else "no"))
print(f"Means of {runs} runs (hyperfine -N --warmup 3).")
print()
print("| command | paved | baseline | ratio | goal | met? |")
print("|---|---|---|---|---|---|")
for row in rows:
    print("| " + " | ".join(row) + " |")
print()
print(f"`paved drift` against `find -exec cat` alone: {mean('drift')[0] / mean('cat')[0]:.2f}x")
# A run that the host delays (a core woken late, another guest's burst) moves the
# mean of a 10 ms multi-threaded process more than that of `cat`: the medians, beside.
def median(name):
    return json.load(open(f"{out}/{name}.json"))["results"][0]["median"] * 1000
base_median = median("cat") + median("version")
print(f"Medians: `paved drift` {median('drift'):.1f} ms against {median('cat'):.1f} + "
      f"{median('version'):.1f} ms = {base_median:.1f} ms, {median('drift') / base_median:.2f}x")
inter = json.load(open(f"{out}/interleaved.json"))
for stat in ("mean", "median"):
    d, c, v = (r[f"{stat}_ms"] for r in inter)
    print(f"Interleaved {stat}s ({runs} rounds): `paved drift` {d:.1f} ms against "
          f"{c:.1f} + {v:.1f} ms = {c + v:.1f} ms, {d / (c + v):.2f}x")
PY
echo
echo "hyperfine JSON: $out"
