use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Compose service runs with seccomp, AppArmor or SELinux confinement switched off
    ///
    /// ## Why it matters
    /// Docker confines every container with a seccomp syscall filter, an AppArmor
    /// profile (or SELinux labels) and masked `/proc` and `/sys` paths. `security_opt`
    /// entries such as `seccomp:unconfined` or `apparmor:unconfined` remove that layer,
    /// so code execution in the service can reach the rarely used syscalls and kernel
    /// interfaces behind most container escapes.
    ///
    /// ## How to fix it
    /// Remove the `unconfined` (and `label:disable`) entries from `security_opt`; when
    /// the service needs one syscall the default profile blocks, give it a reviewed
    /// profile (`seccomp:./seccomp.json`) or the one capability instead.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: registry.example.com/app:1.4.2
    ///     security_opt:
    ///       # flagged: no syscall filter
    ///       - seccomp:unconfined
    /// ```
    /// ```yaml
    /// services:
    ///   app:
    ///     image: registry.example.com/app:1.4.2
    ///     security_opt:
    ///       - no-new-privileges:true
    /// ```
    pub struct ComposeUnconfined {
        id: "PVD-DOCKER-025",
        severity: Medium,
        references: ["cis-docker:5.22"],
    }
}

impl Check for ComposeUnconfined {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for service in cx.docker().compose_services() {
            let off: Vec<(usize, &str)> = service
                .security_opt()
                .iter()
                .enumerate()
                .filter_map(|(i, opt)| Some((i, switched_off(opt.as_str()?)?)))
                .collect();
            let Some(&(first, _)) = off.first() else {
                continue;
            };
            let what: Vec<&str> = off.iter().map(|(_, w)| *w).collect();
            out.at(service.at(&format!("security_opt[{first}]")))
                .say(format!(
                    "service `{}` switches off {} (`security_opt`)",
                    service.name,
                    what.join(" and ")
                ));
        }
    }
}

/// What a `security_opt` entry switches off, if anything (`seccomp:unconfined` and
/// `seccomp=unconfined` are the same option).
fn switched_off(opt: &str) -> Option<&'static str> {
    let (key, value) = opt.trim().split_once([':', '='])?;
    match (key.trim(), value.trim()) {
        ("seccomp", "unconfined") => Some("the seccomp syscall filter"),
        ("apparmor", "unconfined") => Some("the AppArmor profile"),
        ("label", "disable") => Some("SELinux labelling"),
        ("systempaths", "unconfined") => Some("the masking of /proc and /sys"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::switched_off;

    #[test]
    fn options_that_switch_confinement_off() {
        for opt in [
            "seccomp:unconfined",
            "seccomp=unconfined",
            "apparmor:unconfined",
            "apparmor=unconfined",
            "label:disable",
            "label=disable",
            "systempaths=unconfined",
        ] {
            assert!(switched_off(opt).is_some(), "{opt}");
        }
        for opt in [
            "no-new-privileges:true",
            "seccomp:./seccomp.json",
            "apparmor:docker-default",
            "label:type:svirt_apache_t",
            "seccomp",
        ] {
            assert!(switched_off(opt).is_none(), "{opt}");
        }
    }
}
