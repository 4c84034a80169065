use paved_parse::yaml::Node;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

/// Predefined variables whose value whoever pushes or opens the merge request picks.
const UNTRUSTED_VARS: &[&str] = &[
    "CI_COMMIT_MESSAGE",
    "CI_COMMIT_TITLE",
    "CI_COMMIT_DESCRIPTION",
    "CI_COMMIT_TAG_MESSAGE",
    "CI_COMMIT_AUTHOR",
    "CI_MERGE_REQUEST_TITLE",
    "CI_MERGE_REQUEST_DESCRIPTION",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
    "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME",
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_REF_NAME",
    "CI_COMMIT_REF_SLUG",
];

/// Untrusted variables used unquoted (or anywhere in an `eval`/`sh -c` line).
fn unsafe_uses(line: &str) -> Vec<&'static str> {
    let reeval = line.contains("eval ") || line.contains("sh -c") || line.contains("bash -c");
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let (mut single, mut double) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if !single => {
                i += 2;
                continue;
            }
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'$' if !single => {
                let rest = &line[i + 1..];
                let rest = rest.strip_prefix('{').unwrap_or(rest);
                for var in UNTRUSTED_VARS {
                    let follows = rest.as_bytes().get(var.len());
                    let whole =
                        !matches!(follows, Some(c) if c.is_ascii_alphanumeric() || *c == b'_');
                    if rest.starts_with(var) && whole && (!double || reeval) {
                        out.push(*var);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

rule! {
    /// Untrusted CI variable used unsafely in a script
    ///
    /// ## Why it matters
    /// Commit messages, merge request titles and branch names are chosen by whoever pushes;
    /// unquoted they are split and globbed into extra arguments, and under eval/sh -c they
    /// become commands.
    ///
    /// ## How to fix it
    /// Always double-quote these variables (`"$CI_COMMIT_REF_NAME"`), never pass them
    /// through eval or sh -c, and prefer `$CI_COMMIT_SHA` or slugs validated by a regex.
    ///
    /// ## Example
    /// ```yaml
    /// tag:
    ///   script:
    ///     # flagged: the branch name is split into words by the shell
    ///     - git tag $CI_COMMIT_BRANCH
    /// ```
    /// ```yaml
    /// tag:
    ///   script:
    ///     - git tag "$CI_COMMIT_BRANCH"
    /// ```
    pub struct UntrustedVariable {
        id: "PVD-GITLAB-003",
        severity: Medium,
        references: ["owasp-top10:A03"],
    }
}

impl Check for UntrustedVariable {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.gitlab().files() {
            // Merge keys copy a template's script into each job: report each line once.
            let mut seen: Vec<(u32, &str)> = Vec::new();
            for node in file.job_like() {
                for field in ["before_script", "script", "after_script"] {
                    let Some(v) = node.get(field) else {
                        continue;
                    };
                    let mut scalars: Vec<&Node> =
                        v.items().iter().filter(|i| i.as_str().is_some()).collect();
                    scalars.extend(Some(v).filter(|v| v.as_str().is_some()));
                    for scalar in scalars {
                        let text = scalar.as_str().unwrap_or_default();
                        let mut offset = 0;
                        for raw in text.split('\n') {
                            let at = file.at_text(scalar, offset);
                            offset += raw.len() + 1;
                            for var in unsafe_uses(raw) {
                                let key = (at.line.unwrap_or_default(), var);
                                if seen.contains(&key) {
                                    continue;
                                }
                                seen.push(key);
                                out.at(at).say(format!(
                                    "`${var}` is chosen by whoever pushes or opens the merge request, and is used unquoted or re-evaluated by the shell"
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unsafe_uses;

    #[test]
    fn quoting_scanner() {
        assert_eq!(unsafe_uses("echo $CI_COMMIT_TITLE"), ["CI_COMMIT_TITLE"]);
        assert!(unsafe_uses("echo \"${CI_COMMIT_TITLE}\"").is_empty());
        assert!(unsafe_uses("echo $CI_COMMIT_TITLE_X").is_empty());
        assert_eq!(
            unsafe_uses("sh -c \"x $CI_COMMIT_BRANCH\""),
            ["CI_COMMIT_BRANCH"]
        );
        assert!(unsafe_uses("\\").is_empty());
    }
}
