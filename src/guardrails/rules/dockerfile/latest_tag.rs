use paved_parse::dockerfile::Base;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Base image uses the latest tag or no tag
    ///
    /// ## Why it matters
    /// `latest` (explicit or implied) changes under the build without review, so builds are
    /// neither reproducible nor auditable.
    ///
    /// ## How to fix it
    /// Name an explicit version tag, ideally with a digest: `FROM
    /// debian:12.7-slim@sha256:…`.
    ///
    /// ## Example
    /// ```dockerfile
    /// # flagged: no tag means latest
    /// FROM node AS build
    /// # flagged: latest, explicitly
    /// FROM python:latest
    /// ```
    /// ```dockerfile
    /// FROM node:22.11-bookworm-slim AS build
    /// FROM python:3.13.1-slim-bookworm
    /// ```
    pub struct LatestTag {
        id: "PVD-DOCKER-004",
        severity: Medium,
        references: ["hadolint:DL3006", "hadolint:DL3007", "checkov:CKV_DOCKER_7", "trivy:DS-0001"],
    }
}

impl Check for LatestTag {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for stage in df.stages() {
                let Base::Image(r) = &stage.base else {
                    continue;
                };
                if r.digest.is_some() {
                    continue;
                }
                match r.tag.as_deref() {
                    None => out
                        .at(df.at_stage(stage))
                        .say(format!("`{}` has no tag and resolves to latest", r.raw)),
                    Some(t) if t.eq_ignore_ascii_case("latest") => out
                        .at(df.at_stage(stage))
                        .say(format!("`{}` uses the latest tag", r.raw)),
                    Some(_) => {}
                }
            }
        }
    }
}
