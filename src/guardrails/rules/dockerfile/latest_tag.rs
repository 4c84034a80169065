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
    /// debian:12.7-slim@sha256:…`. This rule alone reports such a base: it has no
    /// digest either, and PVD-DOCKER-003 (digest) stays quiet on it, so one cause is
    /// one finding. A base named by an `ARG` is judged by the argument's default
    /// (`ARG BASE=node` then `FROM ${BASE}`); an argument without a default is the
    /// builder's choice and not judged.
    ///
    /// ## Example
    /// ```dockerfile
    /// # flagged: no tag means latest
    /// FROM node AS build
    /// # flagged: latest, explicitly
    /// FROM python:latest
    /// # flagged: the ARG's default has no tag
    /// ARG BASE=alpine
    /// FROM ${BASE}
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
                if !r.floats() {
                    continue;
                }
                // `FROM ${BASE}`: say that the image is the ARG's default.
                let from_arg = stage
                    .instructions
                    .first()
                    .and_then(|&i| df.instructions().get(i))
                    .is_some_and(|i| i.args.contains('$'));
                let what = if from_arg {
                    format!("`{}` (an ARG default)", r.raw)
                } else {
                    format!("`{}`", r.raw)
                };
                let tag = match r.tag.as_deref() {
                    None => "has no tag",
                    Some(_) => "uses the latest tag",
                };
                out.at(df.at_stage(stage)).say(format!(
                    "{what} {tag} and no digest, so each build takes whatever `latest` is that day"
                ));
            }
        }
    }
}
