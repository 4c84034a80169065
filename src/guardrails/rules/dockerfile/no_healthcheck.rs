use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Final stage has no HEALTHCHECK
    ///
    /// ## Why it matters
    /// Without a health check the runtime keeps routing to a hung or half-started
    /// container; failures go unnoticed until users report them.
    ///
    /// ## How to fix it
    /// Add an exec-form check, e.g. `HEALTHCHECK CMD ["/app", "--healthcheck"]`; it works
    /// on scratch and distroless images too.
    ///
    /// ## Example
    /// ```dockerfile
    /// # flagged: nothing tells the runtime the service hangs
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY app /app
    /// USER 65532:65532
    /// ENTRYPOINT ["/app"]
    /// ```
    /// ```dockerfile
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY app /app
    /// USER 65532:65532
    /// HEALTHCHECK CMD ["/app", "--healthcheck"]
    /// ENTRYPOINT ["/app"]
    /// ```
    pub struct NoHealthcheck {
        id: "PVD-DOCKER-016",
        severity: Low,
        references: ["checkov:CKV_DOCKER_2", "trivy:DS-0026", "cis-docker:4.6"],
    }
}

impl Check for NoHealthcheck {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            let Some(last) = df.final_stage() else {
                continue;
            };
            if df.is_export_only() {
                continue;
            }
            let hc = df.lineage(last).into_iter().find_map(|s| {
                df.stage_instructions(s)
                    .filter(|i| i.is("HEALTHCHECK"))
                    .last()
            });
            match hc {
                Some(i) if i.args.trim().eq_ignore_ascii_case("none") => out
                    .at(df.at(i))
                    .say("HEALTHCHECK NONE disables the health check"),
                Some(_) => {}
                None => out
                    .at(df.at_stage(last))
                    .say("final stage has no HEALTHCHECK"),
            }
        }
    }
}
