//! Dockerfile rules (`PVD-DOCKER-NNN`): who the container runs as, where its base
//! image comes from, what the build leaves in the image, and what it trusts.
//!
//! Decisions worth knowing:
//! - Only the final stage ships, so rules about the running container (user,
//!   healthcheck, package caches, whole-context copies) look at the final stage and
//!   the stages it is built on; rules about what the build trusts (base images, piped
//!   scripts, disabled TLS or signature checks, secrets) look at every stage.
//! - A base image whose tag says `nonroot` (distroless, chainguard) still needs an
//!   explicit `USER`: the tag is the publisher's convention, and a re-tag or a switch
//!   of base image silently brings root back. The message says so.
//! - `HEALTHCHECK` is required even on `scratch` and distroless final stages: the
//!   exec form can run the service binary itself (`["/app", "--healthcheck"]`), so no
//!   shell is needed. `HEALTHCHECK NONE` counts as missing.
//! - Anything that depends on a build argument without a default is unknown and
//!   never a finding by itself.
//!
//! One rule per file; what several rules ask of a Dockerfile (the stage that ships,
//! the commands of each `RUN`, the `.dockerignore` that applies) is the Dockerfile
//! view of the domain model (`paved_model::docker`).

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Dockerfile;

register! {
    root_user::RootUser,
    named_user::NamedUser,
    unpinned_digest::UnpinnedDigest,
    latest_tag::LatestTag,
    registry_not_allowed::RegistryNotAllowed,
    secret_in_env::SecretInEnv,
    remote_add::RemoteAdd,
    add_instead_of_copy::AddInsteadOfCopy,
    pipe_to_shell::PipeToShell,
    apt_recommends::AptRecommends,
    apt_lists::AptLists,
    dist_upgrade::DistUpgrade,
    apk_cache::ApkCache,
    pip_cache::PipCache,
    sudo::Sudo,
    no_healthcheck::NoHealthcheck,
    ssh_port::SshPort,
    context_without_dockerignore::ContextWithoutDockerignore,
    world_writable::WorldWritable,
    maintainer::Maintainer,
    tls_disabled::TlsDisabled,
    signatures_disabled::SignaturesDisabled,
    secret_file_copied::SecretFileCopied,
    dockerignore_incomplete::DockerignoreIncomplete,
}

#[cfg(test)]
mod tests;
