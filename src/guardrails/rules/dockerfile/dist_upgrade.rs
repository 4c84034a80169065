use paved_model::shell::is_apt;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Distribution upgrade during the image build
    ///
    /// ## Why it matters
    /// `apt-get upgrade` / `dist-upgrade` pulls whatever changed that day into the image,
    /// making builds unreproducible and hiding base-image drift.
    ///
    /// ## How to fix it
    /// Rebuild on an updated, digest-pinned base image instead of upgrading inside the
    /// build.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12.7-slim
    /// # flagged: whatever changed today goes into the image
    /// RUN apt-get update && apt-get upgrade -y
    /// ```
    /// ```dockerfile
    /// # a newer, pinned base image instead of an upgrade in the build
    /// FROM debian:12.8-slim
    /// ```
    pub struct DistUpgrade {
        id: "PVD-DOCKER-012",
        severity: Low,
        references: ["hadolint:DL3005", "cis-docker:4.7"],
    }
}

impl Check for DistUpgrade {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for run in df.runs() {
                if let Some(sub) = ["upgrade", "dist-upgrade", "full-upgrade"]
                    .into_iter()
                    .find(|s| run.commands().any(|c| is_apt(c, s)))
                {
                    out.at(df.at(run.ins))
                        .say(format!("`apt-get {sub}` during the build"));
                }
            }
        }
    }
}
