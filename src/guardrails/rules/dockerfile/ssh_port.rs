use paved_model::docker::DockerfileView;
use paved_model::shell::{has_word, program, program_name};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// SSH port 22 exposed
    ///
    /// ## Why it matters
    /// An SSH daemon in a container is a second, credential-based way in that bypasses the
    /// orchestrator's access control and audit.
    ///
    /// ## How to fix it
    /// Remove `EXPOSE 22` and the SSH server; use `kubectl exec` or `docker exec` for
    /// debugging. An image whose product is Git over SSH (it creates the conventional
    /// `git` account, or installs both `git` and an SSH server) is not reported: there
    /// port 22 is the service, not an administrator's way in.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: a second, credential-based way in
    /// EXPOSE 22 8080
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// EXPOSE 8080
    /// ```
    pub struct SshPort {
        id: "PVD-DOCKER-017",
        severity: Medium,
        references: ["checkov:CKV_DOCKER_1", "trivy:DS-0004"],
    }
}

impl Check for SshPort {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            if serves_git_over_ssh(df) {
                continue;
            }
            for ins in df.instructions_named("EXPOSE") {
                if ins
                    .words()
                    .iter()
                    .any(|p| p == "22" || p.starts_with("22/"))
                {
                    out.at(df.at(ins)).say("EXPOSE 22 publishes SSH");
                }
            }
        }
    }
}

/// Whether the image's product is Git over SSH (gitea, gogs, forgejo, gitolite): the
/// stages that ship create the `git` account every Git host serves SSH as (`adduser
/// … git`, `useradd … git`, a `git-shell` login shell, `USER git`), or install both
/// `git` and an SSH server. An administrator's sshd in a service image does neither.
fn serves_git_over_ssh(df: &DockerfileView<'_>) -> bool {
    let Some(last) = df.final_stage() else {
        return false;
    };
    let shipped = df.lineage(last);
    let git_user = shipped.iter().any(|s| {
        df.stage_instructions(s).any(|i| {
            (i.is("USER") && paved_model::docker::user_name(i) == "git")
                || (i.is("ENV")
                    && i.key_values()
                        .iter()
                        .any(|(k, v)| k == "USER" && v.as_deref() == Some("git")))
        })
    });
    let runs = df.final_runs();
    let commands = || runs.iter().flat_map(|r| r.commands());
    let creates_git_account = commands().any(|c| {
        let p = program(c);
        matches!(program_name(c), "adduser" | "useradd")
            && (p.last().is_some_and(|w| w == "git")
                || p.iter().any(|w| w.ends_with("/git-shell")))
    });
    let installs = |names: &[&str]| {
        commands().any(|c| {
            let p = program(c);
            let installer = matches!(program_name(c), "apk" | "apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "zypper")
                && (has_word(p, "add") || has_word(p, "install"));
            installer && names.iter().any(|n| has_word(p, n))
        })
    };
    git_user
        || creates_git_account
        || (installs(&["git"])
            && installs(&["openssh", "openssh-server", "openssh-server-pam", "dropbear"]))
}
