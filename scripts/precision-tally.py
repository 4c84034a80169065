#!/usr/bin/env python3
"""Tally a hand-judged verdict file of `paved drift` findings into precision per domain.

A verdict file is tab-separated, one finding a line (lines starting with `#` are comments):

    repo    rule    file:line    TP|FP|ART|WAIVED    why

`repo` is the audited directory's name (e.g. `owner__repo`), `rule` the paved rule id,
`file:line` the finding's location as paved prints it (`file` alone for a whole-file
finding, empty for a repository-wide one). ART marks a finding whose truth depends on
a file the sample did not fetch (an artifact of a partial copy) and WAIVED one the
repository waives inline; both are counted apart, outside the rate. `--by-rule` groups
by rule instead of domain. The domain of a rule is read from its id:
PVD-KUBE-* Kubernetes, PVD-TF-0xx Terraform AWS, PVD-TF-1xx Azure, PVD-TF-2xx Google
Cloud; every other prefix is counted under its own name.

With `--findings REPORT.json ...` (the output of `paved drift DIR --format json`, one or
more), the script also checks that every finding of the counted domains has a verdict
and that every verdict still matches a finding, so a rerun after a fix shows what
changed. `--domains` limits both to some domains (default: all that appear).

Usage:
    scripts/precision-tally.py verdicts.tsv
    scripts/precision-tally.py verdicts.tsv --findings out/*.json --domains kubernetes,aws,azure,google
"""

import argparse
import json
import os
import sys
from collections import OrderedDict


def domain_of(rule):
    if rule.startswith("PVD-KUBE-"):
        return "kubernetes"
    if rule.startswith("PVD-TF-"):
        digits = rule[len("PVD-TF-"):]
        if digits.isdigit():
            return {"0": "aws", "1": "azure", "2": "google"}.get(digits[0], "terraform")
        return "terraform"
    parts = rule.split("-")
    return parts[1].lower() if len(parts) > 2 else rule


def location(finding):
    file = finding.get("file") or ""
    line = finding.get("line")
    return f"{file}:{line}" if line is not None else file


def read_verdicts(path):
    verdicts = []
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 4 or cols[3] not in ("TP", "FP", "ART", "WAIVED"):
                sys.exit(
                    f"{path}:{number}: expected `repo<TAB>rule<TAB>file:line<TAB>TP|FP|ART|WAIVED<TAB>why`"
                )
            verdicts.append(
                {"repo": cols[0], "rule": cols[1], "loc": cols[2], "verdict": cols[3],
                 "why": cols[4] if len(cols) > 4 else "", "line": number}
            )
    return verdicts


def read_findings(paths, wanted):
    findings = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        for repo in report.get("repos", []):
            name = os.path.basename(os.path.normpath(repo.get("path", "")))
            for finding in repo.get("findings", []):
                if finding.get("waived"):
                    continue
                if wanted and domain_of(finding["rule"]) not in wanted:
                    continue
                findings.append((name, finding["rule"], location(finding)))
    return findings


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("verdicts")
    ap.add_argument("--findings", nargs="*", default=[])
    ap.add_argument("--domains", default="")
    ap.add_argument("--by-rule", action="store_true", help="one row per rule instead of per domain")
    args = ap.parse_args()

    wanted = {d.strip() for d in args.domains.split(",") if d.strip()}
    verdicts = [v for v in read_verdicts(args.verdicts)
                if not wanted or domain_of(v["rule"]) in wanted]

    status = 0
    if args.findings:
        found = read_findings(args.findings, wanted)
        judged = {(v["repo"], v["rule"], v["loc"]) for v in verdicts}
        current = set(found)
        missing = [f for f in found if f not in judged]
        stale = [v for v in verdicts if (v["repo"], v["rule"], v["loc"]) not in current]
        for repo, rule, loc in missing:
            print(f"unjudged: {repo}\t{rule}\t{loc}")
        for v in stale:
            print(f"no longer reported: {v['repo']}\t{v['rule']}\t{v['loc']}\t{v['verdict']}")
        if missing:
            status = 1
        # Precision is of what paved reports now: verdicts of vanished findings drop out.
        verdicts = [v for v in verdicts if (v["repo"], v["rule"], v["loc"]) in current]

    excluded = {k: sum(1 for v in verdicts if v["verdict"] == k) for k in ("ART", "WAIVED")}
    if any(excluded.values()):
        print(f"excluded from the rate: {excluded['ART']} ART, {excluded['WAIVED']} WAIVED\n")
    verdicts = [v for v in verdicts if v["verdict"] in ("TP", "FP")]
    group = (lambda v: v["rule"]) if args.by_rule else (lambda v: domain_of(v["rule"]))
    table = OrderedDict()
    for v in verdicts:
        row = table.setdefault(group(v), {"findings": 0, "TP": 0, "FP": 0})
        row["findings"] += 1
        row[v["verdict"]] += 1
    total = {"findings": 0, "TP": 0, "FP": 0}
    print(f"| {'rule' if args.by_rule else 'domain'} | findings | TP | FP | precision |")
    print("|---|---|---|---|---|")
    for name, row in sorted(table.items()):
        for k in total:
            total[k] += row[k]
        print(f"| {name} | {row['findings']} | {row['TP']} | {row['FP']} | {pct(row)} |")
    print(f"| all | {total['findings']} | {total['TP']} | {total['FP']} | {pct(total)} |")

    fps = [v for v in verdicts if v["verdict"] == "FP"]
    if fps:
        print("\nfalse positives:")
        for v in fps:
            print(f"  {v['repo']} {v['rule']} {v['loc']}: {v['why']}")
    return status


def pct(row):
    return f"{100.0 * row['TP'] / row['findings']:.1f}%" if row["findings"] else "n/a"


if __name__ == "__main__":
    sys.exit(main())
