use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Job container image not pinned by digest
    ///
    /// ## Why it matters
    /// A job or service container referenced by tag runs whatever its publisher pushes
    /// next, inside a job holding the workflow's token and secrets.
    ///
    /// ## How to fix it
    /// Reference `container:` and `services:` images as `name:tag@sha256:<digest>`.
    ///
    /// ## Example
    /// ```yaml
    /// jobs:
    ///   test:
    ///     services:
    ///       db:
    ///         # flagged: the tag can be moved to other content
    ///         image: postgres:16
    /// ```
    /// ```yaml
    /// jobs:
    ///   test:
    ///     services:
    ///       db:
    ///         image: postgres:16@sha256:…
    /// ```
    pub struct UnpinnedImage {
        id: "PVD-GHA-017",
        severity: Medium,
        references: ["zizmor:unpinned-images", "scorecard:Pinned-Dependencies"],
    }
}

impl Check for UnpinnedImage {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            for job in file.jobs() {
                for (at, image) in job.images() {
                    let Some(name) = image.as_str().map(str::trim) else {
                        continue;
                    };
                    if name.is_empty() || name.contains("${{") || name.contains("@sha256:") {
                        continue;
                    }
                    out.at(file.at(at, "")).say(format!(
                        "job container image `{name}` is not pinned by digest"
                    ));
                }
            }
        }
    }
}
