use paved_parse::dockerfile::Base;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Base image not pinned by digest
    ///
    /// ## Why it matters
    /// A tag can be moved to different content at any time; without a digest the same
    /// Dockerfile builds from whatever the registry serves that day, including a
    /// compromised image.
    ///
    /// ## How to fix it
    /// Pin every `FROM` to `image:tag@sha256:…` and let Dependabot or Renovate update the
    /// digest.
    ///
    /// A base with no tag, or the `latest` tag, is PVD-DOCKER-004's finding alone (one
    /// cause, one fix: a tag and a digest), also when an `ARG` default names it.
    ///
    /// ## Example
    /// ```dockerfile
    /// # flagged: the tag can move to different content
    /// FROM debian:12.8-slim
    /// USER 65532:65532
    /// ```
    /// ```dockerfile
    /// FROM debian:12.8-slim@sha256:4f9d3e8c2a1b0f6e5d4c3b2a19f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c
    /// USER 65532:65532
    /// ```
    pub struct UnpinnedDigest {
        id: "PVD-DOCKER-003",
        severity: Medium,
        references: ["scorecard:Pinned-Dependencies", "hadolint:DL3006"],
    }
}

impl Check for UnpinnedDigest {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for stage in df.stages() {
                if let Base::Image(r) = &stage.base {
                    // Untagged or `latest`: PVD-DOCKER-004 reports it, with the digest.
                    if r.digest.is_none() && !r.floats() {
                        // `FROM ${BASE}`: say that the image is the ARG's default.
                        let from_arg = stage
                    .instructions
                    .first()
                    .and_then(|&i| df.instructions().get(i))
                            .is_some_and(|i| i.args.contains('$'));
                        let arg = if from_arg { " (an ARG default)" } else { "" };
                        out.at(df.at_stage(stage))
                            .say(format!("`{}`{arg} is not pinned by @sha256 digest", r.raw));
                    }
                }
            }
        }
    }
}
