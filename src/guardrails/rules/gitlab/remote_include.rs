use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Pipeline includes remote configuration
    ///
    /// ## Why it matters
    /// `include: remote:` downloads pipeline code from a URL on every run; its owner (or
    /// anyone who takes over the host) can change what runs with this project's secrets.
    ///
    /// ## How to fix it
    /// Vendor the configuration into the repository or include it from a project pinned to
    /// a commit SHA (`include: project: … ref: <sha>`).
    ///
    /// ## Example
    /// ```yaml
    /// include:
    ///   # flagged: whoever controls the URL controls the pipeline
    ///   - remote: https://example.com/ci/base.yml
    /// ```
    /// ```yaml
    /// include:
    ///   - local: ci/base.yml
    /// ```
    pub struct RemoteInclude {
        id: "PVD-GITLAB-004",
        severity: Medium,
        references: ["scorecard:Pinned-Dependencies"],
    }
}

impl Check for RemoteInclude {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.gitlab().files() {
            for inc in file.includes() {
                let (url, at) = match inc.as_str() {
                    Some(s) if s.contains("://") => (s, file.at(inc, "")),
                    _ => match inc.str_at("remote") {
                        Some(s) => (s, file.at(inc, "remote")),
                        None => continue,
                    },
                };
                out.at(at).say(format!(
                    "pipeline code fetched from `{url}` at run time; whoever controls that URL controls the pipeline"
                ));
            }
        }
    }
}
