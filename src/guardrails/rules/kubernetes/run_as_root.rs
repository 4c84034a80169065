use paved_model::k8s::Hardening;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container may run as root
    ///
    /// ## Why it matters
    /// Root in a container is root on the node once any isolation bug or mount slips; most
    /// escapes need it.
    ///
    /// ## How to fix it
    /// Set `securityContext.runAsNonRoot: true` and a non-zero `runAsUser` (pod or
    /// container level) and build the image with a numeric non-root USER.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app                # flagged: nothing stops the image's root user
    ///     image: ghcr.io/acme/app:1.4.2
    /// ```
    /// ```yaml
    /// securityContext:             # pod level, or per container
    ///   runAsNonRoot: true
    ///   runAsUser: 10001
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/acme/app:1.4.2
    /// ```
    pub struct RunAsRoot {
        id: "PVD-KUBE-002",
        severity: High,
        references: ["checkov:CKV_K8S_23", "checkov:CKV_K8S_6", "kube-linter:run-as-non-root", "trivy:KSV-0012", "cis-k8s:5.2.7"],
    }
}

impl Check for RunAsRoot {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (w, c) in cx.k8s().containers() {
            // A container with no securityContext at all is one finding, owned by
            // the first rule whose setting it lacks; the others stay quiet for it.
            if let Some(gaps) = w.bare_container_gaps(c) {
                if gaps.first() == Some(&Hardening::NonRoot) {
                    let (message, fix) = Hardening::combined(&w.container_label(c), &gaps);
                    out.at(c.location()).detail(fix).say(message);
                }
                continue;
            }
            let user = w.effective(c, "runAsUser");
            let non_root = w.effective(c, "runAsNonRoot");
            let mut say = |at, msg: &str| out.at(at).say(format!("{}: {msg}", w.container_label(c)));
            if let Some((at, v)) = user {
                if v.as_i64() == Some(0) {
                    say(at, "runs as UID 0 (root)");
                    continue;
                }
            }
            match non_root {
                Some((at, v)) if v.as_bool() != Some(true) => say(
                    at,
                    "`runAsNonRoot` is not true: the image's user (often root) is used",
                ),
                Some(_) => {}
                None if user.and_then(|(_, v)| v.as_i64()).is_some_and(|u| u > 0) => {}
                None => say(
                    c.location(),
                    "neither `runAsNonRoot: true` nor a non-zero `runAsUser`: may run as root",
                ),
            }
        }
    }
}
