use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Whole build context copied without a .dockerignore
    ///
    /// ## Why it matters
    /// `COPY . .` with no .dockerignore ships everything in the checkout: .git history,
    /// .env files, keys and Terraform state end up in the image.
    ///
    /// ## How to fix it
    /// Add a .dockerignore at the root of the build context (or a
    /// `<Dockerfile>.dockerignore` beside the Dockerfile) that excludes .git, .env*,
    /// *.pem, *.key and build output, or copy only the paths the image needs.
    ///
    /// ## Example
    /// ```dockerfile
    /// # built with `docker build .` from its directory, which has no .dockerignore
    /// FROM rust:1.83-slim
    /// WORKDIR /src
    /// # flagged: .git, .env and keys go into the image too
    /// COPY . .
    /// ```
    /// ```dockerfile
    /// # no .dockerignore: copy only what the build needs
    /// FROM rust:1.83-slim
    /// WORKDIR /src
    /// COPY Cargo.toml Cargo.lock ./
    /// COPY src ./src
    /// ```
    pub struct ContextWithoutDockerignore {
        id: "PVD-DOCKER-018",
        severity: Medium,
        references: ["cis-docker:4.10"],
    }
}

impl Check for ContextWithoutDockerignore {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            let Some(ins) = df.whole_context_copy() else {
                continue;
            };
            for ctx in df.contexts().iter().filter(|c| c.dockerignore.is_none()) {
                let by = ctx
                    .stated_in
                    .as_deref()
                    .map(|f| format!(" (per {f})"))
                    .unwrap_or_default();
                out.at(df.at(ins)).say(format!(
                    "the whole build context `{}`{by} is copied and it has no .dockerignore",
                    ctx.display()
                ));
            }
        }
    }
}
