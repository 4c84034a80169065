#!/usr/bin/env python3
"""Tally a hand-judged precision sample of `paved drift` findings.

Input: a verdict file (TSV, one finding per line, `#` comments allowed):

    repo <TAB> rule <TAB> file:line <TAB> verdict <TAB> why

where verdict is TP (true and correctly scoped and graded), FP (wrong, or right
about something that does not apply to this file or workload, or graded at the
wrong severity), ART (an artifact of a partial corpus copy, e.g. a file the sample
did not fetch) or WAIVED (waived by the repository's own inline suppression, so not
an active finding). ART and WAIVED are excluded from the rate and counted apart.

Output: a Markdown table per domain (findings, TP, FP, precision) and the total;
`--by-rule` adds one row per rule. The verdicts stay outside the repository; this
script only counts them.

    scripts/precision-tally.py /work/cache/precision/prec-ci/verdicts.tsv [--by-rule]
"""

import argparse
import collections
import sys

DOMAINS = [
    ("PVD-GHA-", "GitHub Actions"),
    ("PVD-GITLAB-", "GitLab CI"),
    ("PVD-CI-", "CI coverage"),
    ("PVD-DOCKER-", "Dockerfile"),
    ("PVD-REPO-", "repository"),
    ("PVD-SECRET-", "secrets"),
    ("PVD-AUDIT-", "audit"),
    ("PVD-KUBE-", "Kubernetes"),
    ("PVD-TF-", "Terraform"),
    ("PVD-AUTH-", "auth"),
]


def domain(rule: str) -> str:
    for prefix, name in DOMAINS:
        if rule.startswith(prefix):
            return name
    return "other"


def read(path: str):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 4:
                sys.exit(f"{path}:{n}: expected repo, rule, file:line, verdict, why (tab-separated)")
            verdict = cols[3].strip().upper()
            if verdict not in ("TP", "FP", "ART", "WAIVED"):
                sys.exit(f"{path}:{n}: verdict must be TP, FP, ART or WAIVED, not {cols[3]!r}")
            rows.append((cols[0].strip(), cols[1].strip(), verdict))
    return rows


def table(title: str, counts) -> str:
    out = [f"| {title} | findings | TP | FP | precision |", "|---|---|---|---|---|"]
    total = collections.Counter()
    for key in sorted(counts, key=lambda k: (-sum(counts[k][v] for v in ("TP", "FP")), k)):
        c = counts[key]
        n = c["TP"] + c["FP"]
        total.update(c)
        out.append(f"| {key} | {n} | {c['TP']} | {c['FP']} | {pct(c['TP'], n)} |")
    n = total["TP"] + total["FP"]
    out.append(f"| **all** | **{n}** | **{total['TP']}** | **{total['FP']}** | **{pct(total['TP'], n)}** |")
    return "\n".join(out), total


def pct(tp: int, n: int) -> str:
    return f"{100 * tp / n:.1f}%" if n else "—"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("verdicts")
    ap.add_argument("--by-rule", action="store_true", help="also one row per rule")
    args = ap.parse_args()
    rows = read(args.verdicts)
    by_domain = collections.defaultdict(collections.Counter)
    by_rule = collections.defaultdict(collections.Counter)
    repos = set()
    for repo, rule, verdict in rows:
        repos.add(repo)
        by_domain[domain(rule)][verdict] += 1
        by_rule[rule][verdict] += 1
    text, total = table("domain", by_domain)
    print(f"{len(rows)} findings in {len(repos)} repositories; excluded: "
          f"{total['ART']} corpus artifacts, {total['WAIVED']} waived\n")
    print(text)
    if args.by_rule:
        print()
        print(table("rule", by_rule)[0])


if __name__ == "__main__":
    main()
