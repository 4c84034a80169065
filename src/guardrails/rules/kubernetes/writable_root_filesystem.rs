use paved_model::k8s::Hardening;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Root filesystem is writable
    ///
    /// ## Why it matters
    /// A writable root filesystem lets an attacker drop tools and persist changes to
    /// binaries inside the container.
    ///
    /// ## How to fix it
    /// Set `securityContext.readOnlyRootFilesystem: true`; mount an `emptyDir` for the
    /// paths that must be writable (e.g. /tmp).
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     securityContext:
    ///       readOnlyRootFilesystem: false    # flagged
    /// ```
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     securityContext:
    ///       readOnlyRootFilesystem: true
    ///     volumeMounts:
    ///       - {name: tmp, mountPath: /tmp}
    /// volumes:
    ///   - {name: tmp, emptyDir: {}}
    /// ```
    pub struct WritableRootFilesystem {
        id: "PVD-KUBE-008",
        severity: Medium,
        references: ["checkov:CKV_K8S_22", "kube-linter:no-read-only-root-fs", "trivy:KSV-0014"],
    }
}

impl Check for WritableRootFilesystem {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (w, c) in cx.k8s().containers() {
            // A container with no securityContext at all is one finding, owned by
            // the first rule whose setting it lacks; the others stay quiet for it.
            if let Some(gaps) = w.bare_container_gaps(c) {
                if gaps.first() == Some(&Hardening::ReadOnlyRoot) {
                    let (message, fix) = Hardening::combined(&w.container_label(c), &gaps);
                    out.at(c.location()).detail(fix).say(message);
                }
                continue;
            }
            match c.security_context().get_entry("readOnlyRootFilesystem") {
                Some((_, v)) if v.as_bool() == Some(true) => {}
                Some(_) => out
                    .at(c.at("securityContext.readOnlyRootFilesystem"))
                    .say(format!("{}: root filesystem is writable", w.container_label(c))),
                None => out.at(c.location()).say(format!(
                    "{}: `readOnlyRootFilesystem: true` is not set",
                    w.container_label(c)
                )),
            }
        }
    }
}
