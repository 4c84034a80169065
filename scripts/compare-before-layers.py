#!/usr/bin/env python3
"""Proves a move onto blueprints/_layers changed nothing a blueprint generates.

For each blueprint copied, just before its move, to tests/fixtures/before-layers/<id>/,
runs `paved new` from that copy and from the current built-in blueprints with every
answer set `paved blueprint check` renders (the defaults, then each choice, flag and
selection of one variable at a time) and compares the two trees: every file, byte for
byte, with its executable bit, and the [answers] and [files] of .paved/answers.toml.
Only the [blueprint] table (hash, layers) may differ.

Usage: scripts/compare-before-layers.py [ID...]   (default: every copied blueprint)
PAVED=path/to/paved overrides the binary (default: target/debug/paved; build it first).
Exit 0 when every tree is identical, 1 at the first difference.
"""
import os
import subprocess
import sys
import tempfile
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEFORE = os.path.join(ROOT, "tests", "fixtures", "before-layers")
PAVED = os.environ.get("PAVED", os.path.join(ROOT, "target", "debug", "paved"))


def answer_sets(blueprint):
    with open(os.path.join(BEFORE, blueprint, "blueprint.toml"), "rb") as f:
        manifest = tomllib.load(f)
    out = [("the defaults", [])]
    for v in manifest.get("variables", []):
        if v["type"] == "choice":
            values = v["choices"]
        elif v["type"] == "bool":
            values = ["true", "false"]
        elif v["type"] == "multi":
            values = ["", ",".join(v["choices"])] + v["choices"]
        else:
            continue
        out += [(f"{v['name']}={x!r}", [f"{v['name']}={x}"]) for x in values]
    return out


def tree(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if rel != os.path.join(".paved", "answers.toml"):
                with open(path, "rb") as f:
                    out[rel] = (f.read(), os.access(path, os.X_OK))
    return out


def recorded(root):
    with open(os.path.join(root, ".paved", "answers.toml")) as f:
        text = f.read()
    return text[text.index("[answers]"):]


def generate(catalog, blueprint, sets, target):
    args = [PAVED] + catalog + ["new", "example-svc", "-b", blueprint, "--no-input", "-o", target]
    for s in sets:
        args += ["--set", s]
    return subprocess.run(args, capture_output=True, text=True)


def main():
    ids = sys.argv[1:] or sorted(os.listdir(BEFORE))
    for blueprint in ids:
        compared = files = 0
        for label, sets in answer_sets(blueprint):
            with tempfile.TemporaryDirectory() as work:
                before, after = os.path.join(work, "before"), os.path.join(work, "after")
                a = generate(["--blueprints", BEFORE], blueprint, sets, before)
                b = generate([], blueprint, sets, after)
                if a.returncode or b.returncode:
                    # A choice of a variable skipped by default: check skips it too.
                    if "does not apply" in a.stderr and "does not apply" in b.stderr:
                        continue
                    sys.exit(f"{blueprint} with {label}: {a.stderr}{b.stderr}")
                ta, tb = tree(before), tree(after)
                if ta.keys() != tb.keys():
                    sys.exit(f"{blueprint} with {label}: files differ: {sorted(ta.keys() ^ tb.keys())}")
                for rel in ta:
                    if ta[rel] != tb[rel]:
                        sys.exit(f"{blueprint} with {label}: {rel} differs")
                if recorded(before) != recorded(after):
                    sys.exit(f"{blueprint} with {label}: .paved/answers.toml [answers]/[files] differ")
                compared += 1
                files += len(ta)
        print(f"{blueprint}: {compared} answer sets, {files} files: identical")


if __name__ == "__main__":
    main()
