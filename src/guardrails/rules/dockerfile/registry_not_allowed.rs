use paved_parse::dockerfile::Base;

use crate::guardrails::params::params;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Base image from a registry outside the allowed list
    ///
    /// ## Why it matters
    /// Images from unvetted registries bypass the organisation's supply-chain controls
    /// (mirroring, scanning, signing).
    ///
    /// ## How to fix it
    /// Pull base images only from the registries in the `allowed_registries` parameter,
    /// mirroring others there first.
    ///
    /// ## Example
    /// ```dockerfile
    /// # with allowed_registries = ["gcr.io"]
    /// # flagged: docker.io is not in the list
    /// FROM debian:12-slim
    /// ```
    /// ```dockerfile
    /// # with allowed_registries = ["gcr.io"]
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// ```
    pub struct RegistryNotAllowed {
        id: "PVD-DOCKER-005",
        severity: Medium,
        references: ["hadolint:DL3026"],
        params: RegistryParams,
    }
}

params! {
    /// Parameters of PVD-DOCKER-005.
    pub struct RegistryParams {
        /// Registries that Dockerfile base images may come from: a host (`gcr.io`) or a
        /// host/path prefix (`docker.io/library`, `registry.example.com/base`); images
        /// without a registry are `docker.io/…`. Empty allows any.
        allowed_registries: Vec<String> = Vec::new(),
    }
}

impl Check for RegistryNotAllowed {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let allowed = cx.params::<RegistryParams>().allowed_registries;
        if allowed.is_empty() {
            return;
        }
        for df in cx.docker().files() {
            for stage in df.stages() {
                let Base::Image(r) = &stage.base else {
                    continue;
                };
                let name = r.name();
                let ok = allowed.iter().any(|a| {
                    let a = a.trim_end_matches('/').to_ascii_lowercase();
                    r.registry == a || name.to_ascii_lowercase().starts_with(&format!("{a}/"))
                });
                if !ok {
                    out.at(df.at_stage(stage)).say(format!(
                        "`{}` comes from {}, which is not in allowed_registries ({})",
                        r.raw,
                        r.registry,
                        allowed.join(", ")
                    ));
                }
            }
        }
    }
}
