use paved_model::shell::{is_assignment, program_name};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// sudo or chpasswd in the image build
    ///
    /// ## Why it matters
    /// Build steps already run as the current USER; `sudo` in an image means a
    /// privilege-escalation path is installed and configured, and `chpasswd` bakes a
    /// password into a layer.
    ///
    /// ## How to fix it
    /// Switch users with `USER` around the steps that need root; never set passwords in an
    /// image.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// USER 10001
    /// # flagged: sudo installed and configured in the image
    /// RUN sudo mkdir /data
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// RUN mkdir /data && chown 10001:10001 /data
    /// USER 10001
    /// ```
    pub struct Sudo {
        id: "PVD-DOCKER-015",
        severity: Medium,
        references: ["hadolint:DL3004", "checkov:CKV2_DOCKER_1", "checkov:CKV2_DOCKER_17", "trivy:DS-0010"],
    }
}

impl Check for Sudo {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for run in df.runs() {
                let found = run.commands().find_map(|c| {
                    let first = c.iter().find(|w| !is_assignment(w))?;
                    if first.rsplit('/').next() == Some("sudo") {
                        Some("sudo")
                    } else if program_name(c) == "chpasswd" {
                        Some("chpasswd")
                    } else {
                        None
                    }
                });
                if let Some(tool) = found {
                    out.at(df.at(run.ins))
                        .say(format!("`{tool}` used in the build"));
                }
            }
        }
    }
}
