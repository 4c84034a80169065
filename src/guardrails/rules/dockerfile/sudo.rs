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
                let found = run.pipelines.iter().find_map(|pipeline| {
                    pipeline.iter().find_map(|c| {
                        let first = c.iter().find(|w| !is_assignment(w))?;
                        if first.rsplit('/').next() == Some("sudo") {
                            Some("sudo")
                        } else if program_name(c) == "chpasswd" && !random_password(pipeline) {
                            Some("chpasswd")
                        } else {
                            None
                        }
                    })
                });
                if let Some(tool) = found {
                    out.at(df.at(run.ins))
                        .say(format!("`{tool}` used in the build"));
                }
            }
        }
    }
}

/// Whether the pipeline feeding `chpasswd` makes the password up from randomness
/// (`echo "git:$(dd if=/dev/urandom … | base64)" | chpasswd`, as Gitea's image does to
/// unlock an SSH-only account): the layer then holds the hash of a password nobody
/// knows, which is not the baked-in password this rule is about.
fn random_password(pipeline: &[Vec<String>]) -> bool {
    let text: Vec<&str> = pipeline.iter().flatten().map(String::as_str).collect();
    let text = text.join(" ");
    ["/dev/urandom", "/dev/random", "openssl rand", "pwgen", "$RANDOM", "uuidgen"]
        .iter()
        .any(|r| text.contains(r))
}
