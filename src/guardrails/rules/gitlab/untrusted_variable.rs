use paved_parse::yaml::Node;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, Severity};

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

/// The variables that name the pipeline's ref: a job that `only:` runs for a list of
/// literal branch names sees one of those names in them, never a name an outsider chose.
const REF_VARS: &[&str] = &["CI_COMMIT_BRANCH", "CI_COMMIT_REF_NAME", "CI_COMMIT_REF_SLUG"];

/// Whether `job` runs only for refs it names literally (`only: [main, release@group/project]`
/// or `only: {refs: [...]}`): no regular expression, no keyword such as `branches`,
/// `tags` or `merge_requests` that admits a ref somebody else names.
fn only_fixed_refs(job: &Node) -> bool {
    let Some(only) = job.get("only") else {
        return false;
    };
    let list = only.get("refs").unwrap_or(only);
    let items = list.items();
    !items.is_empty()
        && items.iter().all(|i| {
            i.as_str().is_some_and(|r| {
                let name = r.split('@').next().unwrap_or(r).trim();
                !name.is_empty()
                    && !name.starts_with('/')
                    && !matches!(
                        name,
                        "branches"
                            | "tags"
                            | "merge_requests"
                            | "external_pull_requests"
                            | "api"
                            | "pipelines"
                            | "pushes"
                            | "schedules"
                            | "triggers"
                            | "web"
                            | "chat"
                            | "external"
                    )
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
            })
        })
}

/// How a script line uses an untrusted variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    /// Unquoted: the shell splits and globs it into extra arguments.
    Unquoted,
    /// In an `eval`, `sh -c` or `bash -c` line, quoted or not: the shell parses its
    /// text again, as commands.
    Reevaluated,
}

/// Untrusted variables used unquoted (or anywhere in an `eval`/`sh -c` line).
fn unsafe_uses(line: &str) -> Vec<(&'static str, Use)> {
    let reeval = line.contains("eval ") || line.contains("sh -c") || line.contains("bash -c");
    let how = if reeval { Use::Reevaluated } else { Use::Unquoted };
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
                        out.push((*var, how));
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
    /// ## Severity
    /// High when the variable is re-evaluated (`eval`, `sh -c`, `bash -c`): its text
    /// runs as commands with the job's variables and token, one step away (pushing a
    /// branch or commit to the project, or a maintainer running a fork's merge
    /// request pipeline in the project). Medium when it is only unquoted: split and
    /// globbed into extra arguments, rarely more.
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
                let fixed_refs = only_fixed_refs(node);
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
                            for (var, how) in unsafe_uses(raw) {
                                if fixed_refs && REF_VARS.contains(&var) {
                                    continue;
                                }
                                let key = (at.line.unwrap_or_default(), var);
                                if seen.contains(&key) {
                                    continue;
                                }
                                seen.push(key);
                                let chosen = format!("`${var}` is chosen by whoever pushes or opens the merge request");
                                match how {
                                    Use::Unquoted => out.at(at).say(format!(
                                        "{chosen}, and is used unquoted: the shell splits and globs it into extra arguments"
                                    )),
                                    Use::Reevaluated => out.at(at).severity(Severity::High).say(format!(
                                        "{chosen}, and is re-evaluated by the shell (eval, sh -c): its text runs as commands"
                                    )),
                                }
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
    use super::{only_fixed_refs, unsafe_uses, Use};
    use paved_parse::yaml;

    #[test]
    fn quoting_scanner() {
        assert_eq!(
            unsafe_uses("echo $CI_COMMIT_TITLE"),
            [("CI_COMMIT_TITLE", Use::Unquoted)]
        );
        assert!(unsafe_uses("echo \"${CI_COMMIT_TITLE}\"").is_empty());
        assert!(unsafe_uses("echo $CI_COMMIT_TITLE_X").is_empty());
        assert_eq!(
            unsafe_uses("sh -c \"x $CI_COMMIT_BRANCH\""),
            [("CI_COMMIT_BRANCH", Use::Reevaluated)]
        );
        assert_eq!(
            unsafe_uses("eval echo $CI_COMMIT_MESSAGE"),
            [("CI_COMMIT_MESSAGE", Use::Reevaluated)]
        );
        // The inner shell expands it as a variable: its text is not parsed again.
        assert!(unsafe_uses("bash -c 'echo $CI_COMMIT_MESSAGE'").is_empty());
        assert!(unsafe_uses("\\").is_empty());
    }

    #[test]
    fn only_literal_branches_fix_the_ref_name() {
        let job = |only: &str| {
            let docs = yaml::parse(&format!("job:\n  only: {only}\n  script: [x]\n"))
                .expect("yaml");
            only_fixed_refs(docs[0].get("job").expect("job"))
        };
        assert!(job("[master@tezos/tezos, alphanet@tezos/tezos]"));
        assert!(job("{refs: [main, release/1.x]}"));
        assert!(!job("[branches]"));
        assert!(!job("[master, merge_requests]"));
        assert!(!job("['/^release-.*$/']"));
        assert!(!job("{variables: [$DEPLOY]}"));
    }
}
