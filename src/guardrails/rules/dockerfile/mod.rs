//! Dockerfile rules (`PVD-DOCKER-NNN`): who the container runs as, where its base
//! image comes from, what the build leaves in the image, and what it trusts.
//!
//! Decisions worth knowing:
//! - Only the final stage ships, so rules about the running container (user,
//!   healthcheck, package caches, whole-context copies) look at the final stage and
//!   the stages it is built on; rules about what the build trusts (base images, piped
//!   scripts, disabled TLS or signature checks, secrets) look at every stage.
//! - A base image whose publisher documents a non-root default user (distroless
//!   `:nonroot`/`:debug-nonroot`, Chainguard `static` and `glibc-dynamic` except
//!   `-dev`) runs as that user without a `USER` (PVD-DOCKER-001), and `USER nonroot`
//!   on it names that documented UID 65532 (PVD-DOCKER-002). A later `USER root` is
//!   still root. Any other tag that merely says `nonroot` is a hope, and is flagged
//!   with a message that says so.
//! - A final stage built on `scratch` with no `ENTRYPOINT` or `CMD` is an export
//!   stage (`docker build --output`): files, not a runnable service image, so the
//!   root-user and HEALTHCHECK rules leave it alone. With an `ENTRYPOINT`/`CMD` it
//!   is a service image and `HEALTHCHECK` is required even there: the exec form can
//!   run the service binary itself (`["/app", "--healthcheck"]`), so no shell is
//!   needed. `HEALTHCHECK NONE` counts as missing.
//! - The `.dockerignore` rules (PVD-DOCKER-018, 024) read the ignore file of the
//!   Dockerfile's build context, not the repository root's: the context stated by a
//!   docker-compose `build:`, a `docker/build-push-action` step (`context`, `file`),
//!   or a `docker build [-f FILE] CONTEXT` in a workflow, GitLab CI script, shell
//!   script or Makefile; else the Dockerfile's own directory. A
//!   `<Dockerfile>.dockerignore` beside the Dockerfile takes precedence, as in
//!   BuildKit. A Dockerfile built with several contexts is checked for each.
//! - Severity follows docs/drift.md's rubric. Moved: PVD-DOCKER-009 (remote script
//!   piped into a shell), 021 (TLS verification off) and 022 (package signatures
//!   off) high → medium: each needs an upstream or network compromise first, the
//!   class of an unpinned base image; 019 (world-writable paths) medium → low: it only
//!   widens what code execution in the container already gives.
//! - Build and development images (`paved_model::docker::is_tooling_dockerfile`:
//!   under `.devcontainer/`, or named `build.Dockerfile`, `Dockerfile.dev`,
//!   `Dockerfile.ci`, `docs.Dockerfile`, …) run on a CI runner or a laptop, never as a
//!   workload: PVD-DOCKER-016 asks them for no HEALTHCHECK and PVD-DOCKER-001 grades
//!   their root user low instead of high.
//! - Anything that depends on a build argument without a default is unknown and
//!   never a finding by itself.
//! - How a docker compose service runs its container is this domain's too (there is
//!   no compose domain): PVD-DOCKER-025 reads `security_opt` of every service in
//!   `docker-compose*.yml` / `compose*.yaml` (the Dockerfile view's
//!   `compose_services()`), and PVD-DOCKER-026 to 029 its `privileged`, runtime
//!   socket mounts, host namespaces and `cap_add`. They are graded as their
//!   Kubernetes counterparts (PVD-KUBE-001, 015, 004, 005): a compose host is the
//!   node, so each is one step from root on it, and the runtime-socket and
//!   capability knowledge is shared with them through the model
//!   (`docker::holds_runtime_socket`, `k8s::is_escape_capability`).
//!
//! One rule per file; what several rules ask of a Dockerfile (the stage that ships,
//! the commands of each `RUN`, the `.dockerignore` that applies) is the Dockerfile
//! view of the domain model (`paved_model::docker`).

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Dockerfile;

register!("guardrails/rules/dockerfile");

#[cfg(test)]
mod tests;
