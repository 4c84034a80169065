use paved_model::k8s::Hardening;
use paved_model::{Location, YamlPath};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// No seccomp profile
    ///
    /// ## Why it matters
    /// Without seccomp the container can call every syscall, including the rarely used ones
    /// behind many kernel exploits.
    ///
    /// ## How to fix it
    /// Set `securityContext.seccompProfile.type: RuntimeDefault` at pod level (or Localhost
    /// with a reviewed profile).
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   seccompProfile:
    ///     type: Unconfined            # flagged (so is no profile at all)
    /// ```
    /// ```yaml
    /// securityContext:               # pod level, or per container
    ///   seccompProfile:
    ///     type: RuntimeDefault
    /// ```
    pub struct NoSeccomp {
        id: "PVD-KUBE-014",
        severity: Medium,
        references: ["checkov:CKV_K8S_31", "checkov:CKV_K8S_32", "trivy:KSV-0030", "cis-k8s:5.7.2"],
    }
}

impl Check for NoSeccomp {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (w, c) in cx.k8s().containers() {
            // A container with no securityContext at all is one finding, owned by
            // the first rule whose setting it lacks; the others stay quiet for it.
            if let Some(gaps) = w.bare_container_gaps(c) {
                if gaps.first() == Some(&Hardening::Seccomp) {
                    let (message, fix) = Hardening::combined(&w.container_label(c), &gaps);
                    out.at(c.location()).detail(fix).say(message);
                }
                continue;
            }
            let profile = w.effective(c, "seccompProfile");
            let label = w.container_label(c);
            match profile {
                Some((at, p)) => match p.get_entry("type") {
                    Some((_, t)) if matches!(t.as_str(), Some("RuntimeDefault") | Some("Localhost")) => {}
                    Some((_, t)) => out.at(Location::yaml(at.file, p, YamlPath("type"))).say(format!(
                        "{label}: seccomp profile `{}` leaves every syscall open",
                        t.as_str().unwrap_or("?")
                    )),
                    None => out.at(at).say(format!(
                        "{label}: no seccomp profile (`seccompProfile: {{type: RuntimeDefault}}`)"
                    )),
                },
                None => out.at(c.location()).say(format!(
                    "{label}: no seccomp profile (`seccompProfile: {{type: RuntimeDefault}}`)"
                )),
            }
        }
    }
}
