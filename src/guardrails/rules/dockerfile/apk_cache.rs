use paved_model::shell::{has_word, program, program_name};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// apk add without --no-cache
    ///
    /// ## Why it matters
    /// The apk index cache stays in the image layer: wasted space and stale package
    /// metadata in production.
    ///
    /// ## How to fix it
    /// Use `apk add --no-cache …`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// # flagged: the index cache stays in the layer
    /// RUN apk add curl
    /// ```
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN apk add --no-cache curl
    /// ```
    pub struct ApkCache {
        id: "PVD-DOCKER-013",
        severity: Low,
        references: ["hadolint:DL3019"],
    }
}

impl Check for ApkCache {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for run in df.runs() {
                if run.has_cache_mount("/var/cache/apk") || run.has_cache_mount("/etc/apk/cache") {
                    continue;
                }
                let cleaned = run.commands().any(|c| {
                    program_name(c) == "rm" && c.iter().any(|w| w.starts_with("/var/cache/apk"))
                });
                let bad = run.commands().any(|c| {
                    let p = program(c);
                    program_name(c) == "apk"
                        && p.iter()
                            .skip(1)
                            .find(|w| !w.starts_with('-'))
                            .map(String::as_str)
                            == Some("add")
                        && !has_word(p, "--no-cache")
                });
                if bad && !cleaned {
                    out.at(df.at(run.ins)).say("apk add without --no-cache");
                }
            }
        }
    }
}
