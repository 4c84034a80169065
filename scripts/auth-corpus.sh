#!/usr/bin/env bash
# Measures the auth rules that say "routes are reachable without authentication" on a
# corpus of public axum, FastAPI and fastify repositories kept OUTSIDE this repository
# (default /work/cache/auth-corpus, override with AUTH_CORPUS=dir): PVD-AUTH-008 for
# services without provenance, and PVD-AUTH-001/002/003 for services held to a
# blueprint's contract (override the set with AUTH_RULES='^PVD-AUTH-00[1238]$').
#
# Layout: $AUTH_CORPUS/<framework>/<owner__repo>/... with a file EXPECTED in each
# repository directory holding `finding` or `quiet` (the hand-checked verdict: is there
# an HTTP route, not public by design, reachable with no authentication?) and a
# one-line reason. The script runs `paved drift` on each repository (the code is only
# parsed, never run) and prints one line per repository and the tally: true/false
# positives and negatives, precision and recall.
#
# Usage: scripts/auth-corpus.sh [path/to/paved]
set -euo pipefail
corpus=${AUTH_CORPUS:-/work/cache/auth-corpus}
paved=${1:-target/debug/paved}
rules=${AUTH_RULES:-'^PVD-AUTH-00[1238]$'}
[ -d "$corpus" ] || { echo "no corpus at $corpus (set AUTH_CORPUS)" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed" >&2; exit 2; }
tp=0 fp=0 tn=0 fn=0 unlabelled=0
for repo in "$corpus"/*/*/; do
  repo=${repo%/}
  name=${repo#"$corpus"/}
  expected=$(head -n1 "$repo/EXPECTED" 2>/dev/null | awk '{print $1}' || true)
  report=$("$paved" drift --format json --fail-on critical "$repo" 2>/dev/null || true)
  hits=$(jq -r --arg re "$rules" '[.repos[].findings[] | select(.rule | test($re))] | length' <<<"$report" 2>/dev/null || echo "error")
  where=$(jq -r --arg re "$rules" '[.repos[].findings[] | select(.rule | test($re)) | "\(.rule) \(.file):\(.line)"] | join(" ")' <<<"$report" 2>/dev/null || true)
  case "$expected:$hits" in
    finding:0) fn=$((fn+1)); verdict="FALSE NEGATIVE" ;;
    finding:*) tp=$((tp+1)); verdict="true positive" ;;
    quiet:0) tn=$((tn+1)); verdict="true negative" ;;
    quiet:*) fp=$((fp+1)); verdict="FALSE POSITIVE" ;;
    *) unlabelled=$((unlabelled+1)); verdict="unlabelled ($expected, $hits)" ;;
  esac
  printf '%-60s %-16s %s\n' "$name" "$verdict" "$where"
done
echo
echo "true positives $tp, false positives $fp, true negatives $tn, false negatives $fn, unlabelled $unlabelled"
if [ $((tp+fp)) -gt 0 ]; then
  echo "precision $(awk -v a=$tp -v b=$((tp+fp)) 'BEGIN{printf "%.2f", a/b}') ($tp/$((tp+fp)))"
fi
if [ $((tp+fn)) -gt 0 ]; then
  echo "recall    $(awk -v a=$tp -v b=$((tp+fn)) 'BEGIN{printf "%.2f", a/b}') ($tp/$((tp+fn)))"
fi
