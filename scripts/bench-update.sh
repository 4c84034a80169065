#!/usr/bin/env bash
# Benchmark `paved update --recursive` over N generated, committed repositories with
# mixed blueprint versions, local edits and some conflicts, and check that the summary
# reports each repository as expected.
#
# Usage: scripts/bench-update.sh [N]           (default N=200)
# Environment:
#   BENCH_BLUEPRINT   mini (default: the tests/fixtures/versioned fixture, versions
#                     1.0.0, 1.1.0 and 2.0.0) or rust-axum (built in: 1.0.0 and the latest)
#   BENCH_RUNS        timed runs; the median is reported (default 5)
#   BENCH_DIR         where to generate (default: a temporary directory, removed at exit)
#   PAVED             paved binary (default: target/release/paved, built if missing)
#
# Each timed run updates a fresh copy of the fleet (the copy is not timed).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-200}
blueprint=${BENCH_BLUEPRINT:-mini}
runs=${BENCH_RUNS:-5}
paved=${PAVED:-$root/target/release/paved}

if [[ ! -x $paved ]]; then
  (cd "$root" && cargo build --release --quiet)
fi
if [[ -n ${BENCH_DIR:-} ]]; then
  work=$BENCH_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

catalog=()
update_args=(--no-input)
if [[ $blueprint == mini ]]; then
  catalog=(--blueprints "$root/tests/fixtures/versioned")
  update_args+=(--set region=eu)
  latest=2.0.0
else
  latest=$("$paved" list | awk -v id="$blueprint" '$1 == id {print $2}')
fi

git_commit() {
  git -C "$1" -c user.name=bench -c user.email=bench@example.com -c commit.gpgsign=false \
    add -A
  git -C "$1" -c user.name=bench -c user.email=bench@example.com -c commit.gpgsign=false \
    commit -q -m "$2"
}
replace() { # file from to
  python3 - "$1" "$2" "$3" <<'EOF'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
assert old in text, (path, old)
open(path, "w").write(text.replace(old, new, 1))
EOF
}

fleet=$work/fleet
expected_updated=0 expected_conflicts=0 expected_current=0
if [[ ! -d $fleet ]]; then
  mkdir -p "$fleet"
  for i in $(seq 1 "$n"); do
    svc=$fleet/svc-$i
    if [[ $blueprint == mini ]]; then
      case $((i % 6)) in
        0) version=2.0.0; extra=(--set region=eu) ;;
        1|2|3) version=1.0.0; extra=() ;;
        *) version=1.1.0; extra=() ;;
      esac
    else
      if ((i % 2)); then version=1.0.0; else version=$latest; fi
      extra=()
    fi
    "$paved" "${catalog[@]}" new "svc-$i" --blueprint "$blueprint@$version" --no-input \
      "${extra[@]}" --output "$svc" >/dev/null
    git -C "$svc" init -q
    git_commit "$svc" generated
    if [[ $blueprint == mini && $version != 2.0.0 ]]; then
      # A clean edit everywhere; every 10th repository also edits a line 2.0.0 changes.
      replace "$svc/config.yaml" "level: info" "level: debug"
      if ((i % 10 == 0)); then
        replace "$svc/config.yaml" "memory: 256Mi" "memory: 1Gi"
      fi
      git_commit "$svc" "team edits"
    elif [[ $blueprint != mini ]]; then
      replace "$svc/deploy/k8s/deployment.yaml" "  replicas: 2" "  replicas: 3"
      git_commit "$svc" "team edits"
    fi
  done
fi
# What the summary must say.
for i in $(seq 1 "$n"); do
  if [[ $blueprint == mini ]]; then
    if ((i % 6 == 0)); then expected_current=$((expected_current + 1))
    elif ((i % 10 == 0)); then expected_conflicts=$((expected_conflicts + 1))
    else expected_updated=$((expected_updated + 1)); fi
  else
    if ((i % 2)) && [[ $latest != 1.0.0 ]]; then expected_updated=$((expected_updated + 1))
    else expected_current=$((expected_current + 1)); fi
  fi
done
files=$(find "$fleet" -path '*/.git' -prune -o -type f -print | wc -l)

now() { date +%s.%N; }
times=()
for r in $(seq 1 "$runs"); do
  rm -rf "$work/run"
  cp -a "$fleet" "$work/run"
  t0=$(now)
  "$paved" "${catalog[@]}" update --recursive "$work/run" "${update_args[@]}" --format json \
    >"$work/report.json" 2>/dev/null || true
  t1=$(now)
  times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')

python3 - "$work/report.json" "$n" "$expected_updated" "$expected_conflicts" "$expected_current" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
n, updated, conflicts, current = map(int, sys.argv[2:])
s = report["summary"]
want = {"repos": n, "updated": updated, "conflicts": conflicts, "current": current, "refused": 0, "failed": 0}
got = {k: s[k] for k in want}
if got != want:
    sys.exit(f"summary {got} != expected {want}")
print(f"summary as expected: {got}")
EOF
echo "paved update --recursive: $n repositories ($blueprint, latest $latest), $files files: median ${median}s over $runs runs (runs: ${times[*]})"
