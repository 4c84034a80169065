#!/usr/bin/env python3
"""Regenerates blueprints/typescript-fastify/template/package-lock.json.hbs and the
blueprint's reserved_names.

The generated service ships a real package-lock.json so `npm ci` works. Its only
answer-dependent content is the service's own name (the lockfile's root entry), so this
script renders the blueprint under a placeholder name, lets npm resolve the lockfile and
writes it back with `{{name}}` in place of the placeholder. Both `auth` choices share
the dependency set (jose is used by the tests of both).

reserved_names lists every unscoped package in the lockfile: npm refuses to install a
package that depends on a package of its own name, so a service cannot be called
`fastify` or `jose`.

Usage (from the repository root, after `cargo build`; needs npm and the npm registry):
    scripts/update-typescript-fastify-lockfile.py            # keep locked versions
    scripts/update-typescript-fastify-lockfile.py --upgrade  # newest within package.json ranges
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLUEPRINTS = os.path.join(ROOT, "blueprints")
BLUEPRINT = os.path.join(BLUEPRINTS, "typescript-fastify")
OUT = os.path.join(BLUEPRINT, "template", "package-lock.json.hbs")
MANIFEST = os.path.join(BLUEPRINT, "blueprint.toml")
PAVED = os.path.join(ROOT, "target", "debug", "paved")
NAME = "lockfile-root"


def run(cmd, cwd=None):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def resolve(upgrade, work):
    out = os.path.join(work, NAME)
    run([PAVED, "--blueprints", BLUEPRINTS, "new", NAME, "--blueprint", "typescript-fastify",
         "--no-input", "--output", out])
    lock = os.path.join(out, "package-lock.json")
    if upgrade and os.path.exists(lock):
        os.remove(lock)
    run(["npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=out)
    with open(lock) as f:
        return f.read()


def template_of(lock):
    if "{{" in lock or "}}" in lock:
        sys.exit("the lockfile contains '{{' or '}}', which Handlebars would interpret")
    root = f'"name": "{NAME}"'
    if lock.count(root) != 2 or lock.count(NAME) != 2:
        sys.exit(f"expected the placeholder name exactly twice (root and packages[\"\"]) in the lockfile")
    return lock.replace(root, '"name": "{{name}}"')


def reserved(lock):
    names = set()
    for key in json.loads(lock)["packages"]:
        name = key.rpartition("node_modules/")[2]
        if key and not name.startswith("@"):
            names.add(name)
    return sorted(names)


def write_reserved(names):
    with open(MANIFEST) as f:
        text = f.read()
    lines, line = [], "    "
    for name in names:
        item = f'"{name}", '
        if len(line) + len(item) > 92:
            lines.append(line.rstrip())
            line = "    "
        line += item
    lines.append(line.rstrip())
    block = "reserved_names = [\n" + "\n".join(lines) + "\n]"
    new, count = re.subn(r"(?ms)^reserved_names = \[.*?\]", lambda _m: block, text, count=1)
    if count != 1:
        sys.exit("reserved_names not found in blueprint.toml")
    with open(MANIFEST, "w") as f:
        f.write(new)


def main():
    upgrade = "--upgrade" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as work:
        lock = resolve(upgrade, work)
    with open(OUT, "w") as f:
        f.write(template_of(lock))
    write_reserved(reserved(lock))
    print(f"wrote {os.path.relpath(OUT, ROOT)} and reserved_names ({len(reserved(lock))} packages)")


if __name__ == "__main__":
    main()
