#!/usr/bin/env bash
# Compares paved's YAML parser with PyYAML on a directory of real YAML files (GitHub
# workflows, Kubernetes manifests): how many each fails to read, before (yaml-rust2
# alone, `--strict`) and after paved's dedented-flow repair, and which files paved
# refuses that PyYAML reads. Keep the corpus outside the repository.
#
#   scripts/yaml-corpus.sh /work/cache/yaml-corpus
set -euo pipefail
dir=${1:?usage: scripts/yaml-corpus.sh DIR}
[ -d "$dir" ] || { echo "$dir: not a directory" >&2; exit 2; }
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build -q -p paved-parse --example yaml_corpus
bin=target/debug/examples/yaml_corpus
"$bin" --strict "$dir" >"$tmp/strict"
"$bin" "$dir" >"$tmp/paved"
python3 - "$dir" "$tmp" <<'PY'
import os, sys, yaml
root, tmp = sys.argv[1], sys.argv[2]
def load(name):
    out = {}
    for line in open(os.path.join(tmp, name), encoding="utf-8"):
        status, rest = line.rstrip("\n").split(" ", 1)
        path = rest.split(": ", 1)[0] if status == "fail" else rest
        out[path] = (status, rest)
    return out
strict, paved = load("strict"), load("paved")
py = {}
for path in paved:
    try:
        with open(path, encoding="utf-8") as f:
            list(yaml.safe_load_all(f))
        py[path] = "ok"
    except Exception as e:  # any PyYAML error: the file is unreadable for PyYAML too
        py[path] = "fail"
fails = lambda d: sum(1 for v in d.values() if (v[0] if isinstance(v, tuple) else v) == "fail")
print(f"files: {len(paved)}")
print(f"PyYAML fails:            {fails(py)}")
print(f"paved before (strict):   {fails(strict)}")
print(f"paved after (repaired):  {fails(paved)}")
for label, d in (("before", strict), ("after", paved)):
    for path, (status, rest) in sorted(d.items()):
        if status == "fail" and py[path] == "ok":
            print(f"  paved {label} refuses, PyYAML reads: {rest}")
PY
