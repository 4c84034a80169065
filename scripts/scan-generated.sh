#!/usr/bin/env bash
# Runs the third-party scanners a generated service must pass — checkov, zizmor,
# hadolint, actionlint — over one generated tree, prints a count per tool and every
# finding, and fails if any tool reports anything.
#
# Usage: scripts/scan-generated.sh DIR
#   Scanners come from the virtualenv $PAVED_SCANNERS_VENV (default: .scanners at the
#   repository root); scripts/install-scanners.sh creates it.
# Exit:  0 no findings; 1 findings; 2 usage error; 3 a scanner is missing or crashed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-}
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "usage: scripts/scan-generated.sh DIR" >&2
  exit 2
fi
dir=$(cd "$dir" && pwd)
venv=${PAVED_SCANNERS_VENV:-$root/.scanners}
bin="$venv/bin"
for tool in checkov zizmor hadolint actionlint; do
  if [ ! -x "$bin/$tool" ]; then
    echo "scan-generated: $tool not found in $bin; run scripts/install-scanners.sh $venv" >&2
    exit 3
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
total=0
broken=0

report() { # tool count
  echo "$1: $2 findings"
  total=$((total + $2))
}

# --- checkov: Dockerfile, Kubernetes, Terraform, CI definitions, committed secrets ---
# Run from inside the tree: checkov silently drops Kubernetes files whose absolute path
# crosses a hidden directory (such as a /tmp/.tmpXXXX test directory).
(cd "$dir" && "$bin/checkov" --directory . --quiet --compact --skip-download --output json \
  --framework dockerfile kubernetes terraform github_actions gitlab_ci secrets \
  >"$work/checkov.json" 2>"$work/checkov.err")
checkov_rc=$?
if count=$("$bin/python" - "$work/checkov.json" "$dir" <<'PY'
import json, pathlib, sys
try:
    with open(sys.argv[1]) as f:
        data = json.load(f)
except (OSError, ValueError):
    sys.exit(1)
reports = data if isinstance(data, list) else [data]
n = 0
seen = set()
for report in reports:
    if not isinstance(report, dict):
        sys.exit(1)
    if report.get("check_type"):
        seen.add(report["check_type"])
    for check in (report.get("results") or {}).get("failed_checks") or []:
        n += 1
        lines = check.get("file_line_range") or [0]
        print(f"  checkov {check.get('check_id')} {check.get('file_path', '')}:{lines[0]}"
              f" {check.get('resource', '')}: {check.get('check_name', '')}", file=sys.stderr)
# checkov skips a file it cannot parse without failing: a kind of file that is present
# but absent from the report is a finding, not a pass.
root = pathlib.Path(sys.argv[2])
present = {
    "dockerfile": any(root.rglob("Dockerfile")),
    "kubernetes": any((root / "deploy" / "k8s").glob("*.yaml")),
    "terraform": any(root.rglob("*.tf")),
    "github_actions": any((root / ".github" / "workflows").glob("*.y*ml")),
    "gitlab_ci": (root / ".gitlab-ci.yml").is_file(),
}
for kind, exists in sorted(present.items()):
    if exists and kind not in seen:
        n += 1
        print(f"  checkov: {kind} files are present but checkov parsed none of them", file=sys.stderr)
print(n)
PY
); then
  report checkov "$count"
elif [ "$checkov_rc" = 0 ] && [ ! -s "$work/checkov.json" ]; then
  report checkov 0 # nothing of a scanned kind in the tree
else
  echo "checkov: failed to run (exit $checkov_rc): $(tail -n 3 "$work/checkov.err")"
  broken=1
fi

# --- zizmor: GitHub Actions workflows and Dependabot configuration, offline ---
if [ -d "$dir/.github" ]; then
  "$bin/zizmor" --offline --no-progress --format plain "$dir" >"$work/zizmor.txt" 2>&1
  zizmor_rc=$?
  # zizmor exits 0 when clean, 10-14 by highest severity found, 1-2 on errors.
  if [ "$zizmor_rc" = 0 ] || [ "$zizmor_rc" -ge 10 ]; then
    count=$(grep -cE '^(error|warning|help|info|note)\[' "$work/zizmor.txt")
    [ "$count" -gt 0 ] && sed 's/^/  /' "$work/zizmor.txt" >&2
    report zizmor "$count"
  else
    echo "zizmor: failed to run (exit $zizmor_rc): $(tail -n 3 "$work/zizmor.txt")"
    broken=1
  fi
else
  echo "zizmor: 0 findings (no .github directory)"
fi

# --- hadolint: every Dockerfile ---
count=0
while IFS= read -r -d '' dockerfile; do
  out=$("$bin/hadolint" --no-color "$dockerfile" 2>&1)
  rc=$?
  n=$(printf '%s' "$out" | grep -c .)
  if [ "$rc" != 0 ] && [ "$n" = 0 ]; then
    echo "hadolint: failed to run on $dockerfile (exit $rc)"
    broken=1
  fi
  [ "$n" -gt 0 ] && printf '%s\n' "$out" | sed 's/^/  /' >&2
  count=$((count + n))
done < <(find "$dir" -type f \( -name Dockerfile -o -name 'Dockerfile.*' -o -name '*.Dockerfile' \) \
  -not -path '*/.git/*' -not -path '*/target/*' -print0)
report hadolint "$count"

# --- actionlint: every workflow ---
workflows=()
if [ -d "$dir/.github/workflows" ]; then
  mapfile -d '' workflows < <(find "$dir/.github/workflows" -type f \( -name '*.yml' -o -name '*.yaml' \) -print0)
fi
if [ "${#workflows[@]}" -gt 0 ]; then
  out=$(cd "$dir" && "$bin/actionlint" -no-color "${workflows[@]}" 2>&1)
  rc=$?
  count=$(printf '%s\n' "$out" | grep -cE ':[0-9]+:[0-9]+: ')
  if [ "$rc" != 0 ] && [ "$count" = 0 ]; then
    echo "actionlint: failed to run (exit $rc): $out"
    broken=1
  else
    [ "$count" -gt 0 ] && printf '%s\n' "$out" | sed 's/^/  /' >&2
    report actionlint "$count"
  fi
else
  echo "actionlint: 0 findings (no workflows)"
fi

if [ "$broken" != 0 ]; then
  echo "scanners: a scanner failed to run"
  exit 3
fi
echo "scanners: $total findings"
[ "$total" = 0 ]
