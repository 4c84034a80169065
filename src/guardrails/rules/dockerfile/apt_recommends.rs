use paved_model::shell::{has_word, is_apt};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// apt-get install without --no-install-recommends
    ///
    /// ## Why it matters
    /// Recommended packages add software nobody asked for, and with it attack surface and
    /// vulnerabilities to patch.
    ///
    /// ## How to fix it
    /// Add `--no-install-recommends` to every `apt-get install`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: pulls in recommended packages too
    /// RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    pub struct AptRecommends {
        id: "PVD-DOCKER-010",
        severity: Low,
        references: ["hadolint:DL3015"],
    }
}

impl Check for AptRecommends {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for run in df.runs() {
                let bad = run.commands().any(|c| {
                    is_apt(c, "install")
                        && !has_word(c, "--no-install-recommends")
                        && !c.iter().any(|w| {
                            w.contains("Install-Recommends=false") || w.contains("Install-Recommends=0")
                        })
                });
                if bad {
                    out.at(df.at(run.ins))
                        .say("apt-get install without --no-install-recommends");
                }
            }
        }
    }
}
