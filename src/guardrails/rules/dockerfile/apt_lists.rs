use paved_model::shell::{is_apt, program_name};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// apt package lists left in the final image
    ///
    /// ## Why it matters
    /// Package lists bloat the shipped image and carry a stale view of the archive;
    /// scanners and attackers alike read them.
    ///
    /// ## How to fix it
    /// End the same `RUN` with `rm -rf /var/lib/apt/lists/*`, or use a cache mount for
    /// /var/lib/apt.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: the package lists stay in the layer
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    pub struct AptLists {
        id: "PVD-DOCKER-011",
        severity: Low,
        references: ["hadolint:DL3009"],
    }
}

impl Check for AptLists {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for run in df.final_runs() {
                if !run.commands().any(|c| is_apt(c, "install")) || run.has_cache_mount("/var/lib/apt") {
                    continue;
                }
                let cleaned = run.commands().any(|c| {
                    program_name(c) == "rm" && c.iter().any(|w| w.starts_with("/var/lib/apt/lists"))
                });
                if !cleaned {
                    out.at(df.at(run.ins))
                        .say("apt-get install leaves /var/lib/apt/lists in the image");
                }
            }
        }
    }
}
