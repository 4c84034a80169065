use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container registry password hard-coded in workflow
    ///
    /// ## Why it matters
    /// A password written in the workflow is readable by everyone with read access to the
    /// repository and stays in its history forever.
    ///
    /// ## How to fix it
    /// Reference a secret: `password: ${{ secrets.REGISTRY_PASSWORD }}`, and rotate the
    /// exposed password.
    ///
    /// ## Example
    /// ```yaml
    /// container:
    ///   image: ghcr.io/org/build@sha256:…
    ///   credentials:
    ///     username: ci
    ///     # flagged: readable by everyone who can read the repository
    ///     password: s3cr3t-pa55
    /// ```
    /// ```yaml
    /// container:
    ///   image: ghcr.io/org/build@sha256:…
    ///   credentials:
    ///     username: ci
    ///     password: ${{ secrets.REGISTRY_PASSWORD }}
    /// ```
    pub struct ContainerCredentials {
        id: "PVD-GHA-014",
        severity: Critical,
        references: ["zizmor:hardcoded-container-credentials"],
    }
}

impl Check for ContainerCredentials {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            for job in file.jobs() {
                for c in job.containers() {
                    let literal = c
                        .get_or_empty("credentials")
                        .str_at("password")
                        .is_some_and(|s| !s.contains("${{"));
                    if literal {
                        out.at(file.at(c, "credentials.password"))
                            .say("registry password written in the workflow instead of a secret");
                    }
                }
            }
        }
    }
}
