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
    /// on scratch and distroless images too. Only images that declare a port (`EXPOSE`)
    /// are asked for one: an image without one (a CLI tool) and a build or development
    /// image (`build.Dockerfile`, `Dockerfile.dev`, `.devcontainer/`) are not services.
    ///
    /// ## Example
    /// ```dockerfile
    /// # flagged: nothing tells the runtime the service hangs
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY app /app
    /// USER 65532:65532
    /// EXPOSE 8080
    /// ENTRYPOINT ["/app"]
    /// ```
    /// ```dockerfile
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY app /app
    /// USER 65532:65532
    /// EXPOSE 8080
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
            // Exported files and build or development images are never run as a
            // service that something could health-check.
            if df.is_export_only() || df.is_tooling_image() {
                continue;
            }
            // An image that declares no port gives no sign of being a service: CLI tool
            // images (gitleaks, zizmor, uv) run once and exit.
            let serves = df
                .lineage(last)
                .into_iter()
                .any(|s| df.stage_instructions(s).any(|i| i.is("EXPOSE")));
            if !serves {
                continue;
            }
            // The compose services that build it check its health themselves
            // (awesome-compose's nginx-flask-mysql backend): that is where it runs.
            let path = df.file.path.to_string_lossy().replace('\\', "/");
            let mut builders = cx
                .docker()
                .compose_services()
                .iter()
                .filter(|s| s.dockerfile().as_deref() == Some(path.as_str()))
                .peekable();
            if builders.peek().is_some() && builders.all(|s| s.has_healthcheck()) {
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
