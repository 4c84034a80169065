use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Every secret passed to a workflow
    ///
    /// ## Why it matters
    /// `secrets: inherit` and `toJSON(secrets)` hand all repository and organisation
    /// secrets to code that needs one or two, widening what a compromise of that code
    /// reaches.
    ///
    /// ## How to fix it
    /// Pass the secrets the called workflow or step needs by name (`secrets: { token: ${{
    /// secrets.TOKEN }} }`).
    ///
    /// ## Example
    /// ```yaml
    /// jobs:
    ///   deploy:
    ///     uses: org/infra/.github/workflows/deploy.yml@8e5e7e5ab8b370d6c329ec480221332ada57f0ab
    ///     # flagged: every secret of the repository goes along
    ///     secrets: inherit
    /// ```
    /// ```yaml
    /// jobs:
    ///   deploy:
    ///     uses: org/infra/.github/workflows/deploy.yml@8e5e7e5ab8b370d6c329ec480221332ada57f0ab
    ///     secrets:
    ///       token: ${{ secrets.DEPLOY_TOKEN }}
    /// ```
    pub struct EverySecret {
        id: "PVD-GHA-009",
        severity: Medium,
        references: ["zizmor:secrets-inherit", "zizmor:overprovisioned-secrets"],
    }
}

impl Check for EverySecret {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            let Some(root) = file.root() else { continue };
            for job in file.jobs() {
                if job.node.str_at("secrets") == Some("inherit") {
                    out.at(file.at(job.node, "secrets")).say(format!(
                        "job `{}` passes every secret of the repository to the called workflow",
                        job.name
                    ));
                }
            }
            for s in root.scalars() {
                let text = s.as_str().unwrap_or_default();
                if holds_without_spaces_ignoring_case(text, b"tojson(secrets)") {
                    out.at(file.at(s, "")).say(
                        "`toJSON(secrets)` exposes every secret of the repository to this step",
                    );
                }
            }
        }
    }
}

/// Whether `text`, with its spaces removed, holds `needle` (lower-case ASCII, no
/// spaces) in some ASCII case. Without building the lower-cased, spaceless copy of
/// every scalar of every workflow, which was most of this rule's cost.
fn holds_without_spaces_ignoring_case(text: &str, needle: &[u8]) -> bool {
    let bytes = text.as_bytes();
    let Some(&first) = needle.first() else {
        return true;
    };
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), bytes).any(|at| {
        let mut rest = bytes[at..].iter().filter(|&&b| b != b' ');
        needle
            .iter()
            .all(|n| rest.next().is_some_and(|b| b.to_ascii_lowercase() == *n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaceless_search_is_the_copy_search() {
        for text in [
            "${{ toJSON(secrets) }}",
            "${{ to JSON( secrets ) }}",
            "TOJSON(SECRETS",
            "tojson(secret)",
            "x tojson(secrets)",
            "",
            "t",
            "toJSON(\tsecrets)",
        ] {
            let copy = text
                .to_ascii_lowercase()
                .replace(' ', "")
                .contains("tojson(secrets)");
            assert_eq!(
                holds_without_spaces_ignoring_case(text, b"tojson(secrets)"),
                copy,
                "{text:?}"
            );
        }
    }
}
