//! Rules the drift engine itself reports: blueprint conformance, waivers, the
//! repository's security context and files the audit could not parse. They carry the
//! same metadata as the guardrail rules so `paved rules`, `paved explain`, the policy
//! and the reports treat every finding alike; their checks run in the engine (they
//! need the file system, the blueprint catalog or today's date), so `check` is empty.

use std::sync::LazyLock;

use crate::guardrails::legacy::{Rule, RuleMeta};
use crate::guardrails::{CheckCtx, Domain, Emitter, Severity};

fn engine_check(_: &CheckCtx<'_>, _: &mut Emitter<'_>) {}

pub const BLUEPRINT_CHANGED: &str = "PVD-BLUEPRINT-001";
pub const BLUEPRINT_MISSING: &str = "PVD-BLUEPRINT-002";
pub const BLUEPRINT_UNAVAILABLE: &str = "PVD-BLUEPRINT-003";
pub const BLUEPRINT_NEWER: &str = "PVD-BLUEPRINT-004";
pub const BLUEPRINT_SECURITY: &str = "PVD-BLUEPRINT-005";
pub const WAIVER_EXPIRED: &str = "PVD-WAIVER-001";
pub const WAIVER_INVALID: &str = "PVD-WAIVER-002";
pub const WAIVER_UNUSED: &str = "PVD-WAIVER-003";
pub const WAIVER_INLINE_FORBIDDEN: &str = "PVD-WAIVER-004";
pub const CONTEXT_INVALID: &str = "PVD-CONTEXT-001";
pub const AUDIT_UNPARSED: &str = "PVD-AUDIT-001";
pub const AUDIT_HELM_CHART: &str = "PVD-AUDIT-002";
pub const AUDIT_REMOTE_BASE: &str = "PVD-AUDIT-003";
pub const AUDIT_RENDERED_SOURCE: &str = "PVD-AUDIT-004";

pub static RULES: &[Rule] = &[
    Rule {
        meta: RuleMeta {
            id: BLUEPRINT_CHANGED,
            title: "A file the blueprint manages differs from what it renders",
            domain: Domain::Blueprint,
            severity: Severity::High,
            rationale: "Managed files (CI pipeline, Dockerfile, Kubernetes and Terraform baselines, \
                        auth middleware) carry the paved road's security controls. A local edit can \
                        silently remove a control, and it stops the repository from receiving fixes \
                        when the blueprint is updated.",
            remediation: "Review the diff. If the change is unintended, run `paved update --restore \
                           FILE` in the repository: it puts the file back to what the recorded \
                           blueprint version renders with the recorded answers (without FILE, \
                           every managed file). If the change is needed, propose it to the \
                           blueprint's owners, or waive it in .paved/waivers.toml with a reason \
                           and an expiry.",
            references: &["owasp-top10:A05"],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: BLUEPRINT_MISSING,
            title: "A file the blueprint manages has been deleted",
            domain: Domain::Blueprint,
            severity: Severity::High,
            rationale: "A deleted managed file usually means a security control is gone: the \
                        scanning workflow, the NetworkPolicy, the .dockerignore or the SECURITY.md \
                        that tells researchers where to report.",
            remediation: "Run `paved update --restore FILE` in the repository to put the file \
                           back as the blueprint version recorded in .paved/answers.toml renders \
                           it, or waive it with a reason if the service genuinely does not need \
                           it.",
            references: &["owasp-top10:A05"],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: BLUEPRINT_UNAVAILABLE,
            title: "Blueprint conformance cannot be checked",
            domain: Domain::Blueprint,
            severity: Severity::Medium,
            rationale: "The repository records a blueprint (in .paved/answers.toml) that cannot be \
                        rendered: the file is malformed, the blueprint or the recorded version is \
                        not in the catalog, or the recorded answers no longer validate. Until it \
                        can be rendered, nobody can tell whether the managed files still carry the \
                        paved road's controls.",
            remediation: "Run the audit with the catalog that holds the recorded blueprint version \
                           (--blueprints DIR or PAVED_BLUEPRINTS), fix .paved/answers.toml, or \
                           migrate the repository to an available blueprint version.",
            references: &[],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: BLUEPRINT_NEWER,
            title: "A newer version of the repository's blueprint exists",
            domain: Domain::Blueprint,
            severity: Severity::Info,
            rationale: "Blueprint releases carry security fixes and new controls (scanner updates, \
                        tighter defaults). Repositories that stay on an old version miss them.",
            remediation: "Read the release notes in the message and run `paved update` in the \
                           repository: it merges the newer version into the managed files, keeps \
                           your edits, and leaves conflict markers where both changed the same \
                           lines.",
            references: &[],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: BLUEPRINT_SECURITY,
            title: "A newer version of the repository's blueprint fixes a security problem",
            domain: Domain::Blueprint,
            severity: Severity::Medium,
            rationale: "The blueprint's owners released a version whose release notes mark it as a \
                        security fix (a weakened control, a vulnerable pinned dependency, a \
                        missing check). Every service generated from an older version still \
                        carries the problem until it is updated.",
            remediation: "Run `paved update` (or `paved update --to VERSION` with the version the \
                           message names) in the repository, resolve any conflict markers, run the \
                           service's tests and commit.",
            references: &["owasp-top10:A06"],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: WAIVER_EXPIRED,
            title: "A waiver has expired",
            domain: Domain::Repository,
            severity: Severity::Medium,
            rationale: "Waivers are promises to fix something by a date. An expired waiver no \
                        longer hides its finding (the finding is reported again), and the expiry \
                        itself shows the promise was not kept.",
            remediation: "Fix the waived finding and delete the waiver, or, with the owner's \
                           agreement, renew it with a new `expires` date and an updated reason in \
                           .paved/waivers.toml.",
            references: &["trivy:ignore-expiry"],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: WAIVER_INVALID,
            title: "The waivers file or one of its waivers is malformed",
            domain: Domain::Repository,
            severity: Severity::Medium,
            rationale: "A waiver that cannot be read is ignored, so the findings it meant to waive \
                        are reported, and a waiver without reason, owner or expiry date is a \
                        permanent, unaccountable exception.",
            remediation: "Each `[[waiver]]` in .paved/waivers.toml needs `rule` (an id from `paved \
                           rules`), `path` (a glob relative to the repository root), `reason`, \
                           `owner` and `expires = YYYY-MM-DD` within the profile's max_waiver_days.",
            references: &[],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: WAIVER_UNUSED,
            title: "A waiver matches no finding",
            domain: Domain::Repository,
            severity: Severity::Info,
            rationale: "A waiver that matches nothing is either stale (the problem was fixed) or \
                        has a typo in its rule or path and so does not waive what its author \
                        thinks it does.",
            remediation: "Remove the waiver if the finding is fixed; otherwise correct its `rule` \
                           or `path` glob.",
            references: &[],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: WAIVER_INLINE_FORBIDDEN,
            title: "An inline suppression is used where the profile forbids them",
            domain: Domain::Repository,
            severity: Severity::Medium,
            rationale: "An inline suppression (`# checkov:skip=…`, `# nosec`, `# zizmor: \
                        ignore[…]`) is an exception without an owner or an end date, written \
                        next to the code by whoever wanted the check gone. Profiles that require \
                        accountable exceptions forbid them, so the suppression waives nothing \
                        and the finding it hid is reported too.",
            remediation: "Fix the finding and delete the comment, or replace the comment with a \
                           `[[waiver]]` in .paved/waivers.toml (rule, path, reason, owner, \
                           expires).",
            references: &[],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: CONTEXT_INVALID,
            title: "The repository's security context is malformed",
            domain: Domain::Repository,
            severity: Severity::Low,
            rationale: "Exposure and data classification (from .paved/answers.toml or \
                        .paved/context.toml) decide how severe findings are. When they cannot be \
                        read, findings are reported at their default severity, which understates \
                        them for internet-facing services or sensitive data.",
            remediation: "Set `exposure` to internet or internal and `data_classification` to \
                           public, internal, confidential or pii in .paved/context.toml (or in the \
                           answers of .paved/answers.toml).",
            references: &[],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: AUDIT_UNPARSED,
            title: "A configuration file could not be parsed, so no guardrail checked it",
            domain: Domain::Repository,
            severity: Severity::Low,
            rationale: "A Dockerfile, workflow, manifest or Terraform file that the auditor cannot \
                        parse is a blind spot: whatever it configures is unchecked, and a \
                        deliberately malformed file is a way to hide a misconfiguration.",
            remediation: "Fix the syntax error named in the message (the file's own tooling, such \
                           as `terraform validate`, `actionlint` or `kubectl --dry-run=client`, \
                           reports it too).",
            references: &[],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: AUDIT_HELM_CHART,
            title: "A Helm chart is not audited until it is rendered",
            domain: Domain::Repository,
            severity: Severity::Low,
            rationale: "A chart's templates are Go templates, not Kubernetes manifests: what they \
                        deploy (privileged containers, host mounts, RBAC, public Services) is \
                        only known once `helm template` fills in the values. Skipping them \
                        silently would report a chart-only repository as clean.",
            remediation: "Render the chart with the values you deploy with and audit the result: \
                           `helm template CHART -f values.yaml | paved drift --manifests -` (or \
                           `helm template CHART --output-dir DIR` and `paved drift --manifests \
                           DIR`), for example as a CI step beside the repository audit. Then \
                           waive this finding in .paved/waivers.toml with that reason.",
            references: &[],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: AUDIT_REMOTE_BASE,
            title: "A kustomization builds on a remote base or chart that is not audited",
            domain: Domain::Repository,
            severity: Severity::Low,
            rationale: "A remote base, component or Helm chart pulled by kustomize carries most of \
                        what is deployed (the workloads, their security contexts and RBAC), yet \
                        it lives outside the repository, so auditing the repository alone sees \
                        only the overlay's patches.",
            remediation: "Audit what kustomize builds: `kustomize build DIR | paved drift \
                           --manifests -` (`kubectl kustomize DIR` works too; add \
                           `--enable-helm` for helmCharts). Pin remote bases to a commit \
                           (`?ref=<sha>`) so the audited build is the deployed one, then waive \
                           this finding with that reason.",
            references: &[],
        },
        check: engine_check,
    },
    Rule {
        meta: RuleMeta {
            id: AUDIT_RENDERED_SOURCE,
            title: "Configuration written in Jsonnet, CUE or a template language is not audited",
            domain: Domain::Repository,
            severity: Severity::Low,
            rationale: "Jsonnet, CUE and templated manifests (`{{ … }}`, `*.yaml.j2`) become \
                        Kubernetes objects only when a tool evaluates them, so the guardrails \
                        cannot read them as they are and whatever they configure is unchecked.",
            remediation: "Render them (`jsonnet -y main.jsonnet`, `tk show`, `cue export --out \
                           yaml`, the templating step of your pipeline) and pipe the result to \
                           `paved drift --manifests -`, then waive this finding with that \
                           reason.",
            references: &[],
        },
        check: engine_check,
    },
];

/// Every rule `paved rules` lists and a profile may name: the guardrail rules, then
/// the engine's own.
pub fn catalog() -> impl Iterator<Item = &'static crate::guardrails::Rule> {
    static ENGINE: LazyLock<Vec<crate::guardrails::Rule>> =
        LazyLock::new(|| RULES.iter().map(Rule::to_catalog).collect());
    crate::guardrails::rules::all().chain(ENGINE.iter())
}

/// The rule with this id (case-insensitive).
pub fn find(id: &str) -> Option<&'static crate::guardrails::Rule> {
    catalog().find(|r| r.meta.id.eq_ignore_ascii_case(id))
}

/// The metadata of a rule the engine emits. Panics on an id not in the catalog,
/// which is a programming error caught by the tests.
pub fn meta(id: &str) -> &'static crate::guardrails::RuleMeta {
    &find(id)
        .unwrap_or_else(|| panic!("rule {id} is not in the catalog"))
        .meta
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalog_ids_are_unique_and_documented() {
        let re = regex::Regex::new(r"^PVD-[A-Z0-9]+-\d{3}$").unwrap();
        let mut seen = HashSet::new();
        for rule in catalog() {
            let m = &rule.meta;
            assert!(re.is_match(m.id), "{}", m.id);
            assert!(seen.insert(m.id), "{} is defined twice", m.id);
            assert!(!m.title.ends_with('.'), "{}", m.id);
            assert!(
                m.rationale.len() > 20 && m.remediation.len() > 10,
                "{}",
                m.id
            );
        }
        assert_eq!(find("pvd-waiver-001").unwrap().meta.id, WAIVER_EXPIRED);
    }
}
