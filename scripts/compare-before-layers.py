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
AFTER=DIR compares against the blueprints directory DIR instead of the built-in set
(to try a move before rebuilding).
Every difference is listed (file and answer set); exit 0 when every tree is identical,
1 when any differs.
"""
import os
import subprocess
import sys
import tempfile
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEFORE = os.path.join(ROOT, "tests", "fixtures", "before-layers")
PAVED = os.environ.get("PAVED", os.path.join(ROOT, "target", "debug", "paved"))
AFTER = ["--blueprints", os.environ["AFTER"]] if os.environ.get("AFTER") else []


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
    differences = {}
    for blueprint in ids:
        compared = files = 0
        for label, sets in answer_sets(blueprint):
            with tempfile.TemporaryDirectory() as work:
                before, after = os.path.join(work, "before"), os.path.join(work, "after")
                a = generate(["--blueprints", BEFORE], blueprint, sets, before)
                b = generate(AFTER, blueprint, sets, after)
                if a.returncode or b.returncode:
                    # A choice of a variable skipped by default: check skips it too.
                    if "does not apply" in a.stderr and "does not apply" in b.stderr:
                        continue
                    sys.exit(f"{blueprint} with {label}: {a.stderr}{b.stderr}")
                ta, tb = tree(before), tree(after)
                for rel in sorted(ta.keys() | tb.keys()):
                    if ta.get(rel) != tb.get(rel):
                        what = "only before" if rel not in tb else "only after" if rel not in ta else "differs"
                        differences.setdefault((blueprint, rel, what), []).append(label)
                if recorded(before) != recorded(after):
                    differences.setdefault((blueprint, ".paved/answers.toml [answers]/[files]", "differs"), []).append(label)
                compared += 1
                files += len(ta)
        print(f"{blueprint}: {compared} answer sets, {files} files compared")
    for (blueprint, rel, what), labels in sorted(differences.items()):
        print(f"  {blueprint}: {rel} {what} in {len(labels)} answer set(s): {', '.join(labels[:3])}{', …' if len(labels) > 3 else ''}")
    if differences:
        sys.exit(f"{len(differences)} file(s) differ")
    print("every tree identical")


if __name__ == "__main__":
    main()
