#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ for a fixed number of inputs each, with a fixed
# seed, so a run is the same work on any machine and a crash reproduces with the same
# command. Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`);
# the stable driver `cargo test --test it fuzz` runs the same harnesses without them.
#
#   scripts/fuzz.sh                 # every target, FUZZ_RUNS inputs each (default 100000)
#   FUZZ_RUNS=1000000 scripts/fuzz.sh yaml hcl
#
# Environment: FUZZ_RUNS (inputs per target), FUZZ_SEED (libFuzzer -seed, default 1).
# A crash leaves its input in fuzz/artifacts/TARGET/ and fails the script (exit 1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"
runs=${FUZZ_RUNS:-100000}
seed=${FUZZ_SEED:-1}
case $runs in '' | *[!0-9]*) echo "scripts/fuzz.sh: FUZZ_RUNS must be a number, not '$runs'" >&2; exit 2 ;; esac
case $seed in '' | *[!0-9]*) echo "scripts/fuzz.sh: FUZZ_SEED must be a number, not '$seed'" >&2; exit 2 ;; esac
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: needs the nightly toolchain and cargo-fuzz (rustup toolchain install nightly; cargo install cargo-fuzz)" >&2
  exit 2
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
# Per-target options: the whole-engine harness gets inputs large enough for several
# files; the others keep libFuzzer's defaults.
opts_for() {
  case $1 in
    repo_model) echo "-max_len=4096 -len_control=0" ;;
    *) echo "" ;;
  esac
}
for t in "${targets[@]}"; do
  echo "== $t: $runs inputs, seed $seed"
  start=$(date +%s)
  set +e
  # shellcheck disable=SC2046 # the options are words
  cargo +nightly fuzz run "$t" -- -runs="$runs" -seed="$seed" $(opts_for "$t") 2>&1 \
    | grep -E '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)'
  status=${PIPESTATUS[0]}
  set -e
  echo "== $t: exit $status in $(( $(date +%s) - start )) s"
  [ "$status" -eq 0 ] || exit 1
done
