use paved_model::pattern::Gated;
use paved_model::shell::{program, program_name};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Remote script piped into a shell
    ///
    /// ## Why it matters
    /// `curl … | sh` runs whatever the server returns at build time, unverified; a
    /// compromised or spoofed host owns the image.
    ///
    /// ## How to fix it
    /// Download to a file, verify its checksum or signature, then run it; better, install
    /// from a signed package.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: runs whatever the server returns
    /// RUN curl -fsSL https://example.com/install.sh | sh
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \
    ///  && echo "4f9d3e8c2a1b0f6e5d4c3b2a19f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c  /tmp/install.sh" | sha256sum -c - \
    ///  && sh /tmp/install.sh
    /// ```
    pub struct PipeToShell {
        id: "PVD-DOCKER-009",
        severity: Medium,
        references: ["cis-docker:4.11"],
    }
}

/// `sh -c "$(curl …)"`; tried only on a script holding a substitution (its needles)
/// and `curl` or `wget` (see [`substitutes_download`]).
static SUBST_TO_SHELL: Gated = Gated::new(
    r#"\b(ba|z|da|k)?sh\s+(-[a-z]+\s+)*["']?(\$\(|<\(|`)\s*(curl|wget)\b"#,
    &["$(", "<(", "`"],
);

/// Whether `script` runs a shell on the output of a download.
fn substitutes_download(script: &str) -> bool {
    (script.contains("curl") || script.contains("wget")) && SUBST_TO_SHELL.is_match(script)
}

/// A command that executes what it reads on stdin: a shell, or an interpreter
/// without an inline program (`python3 -c '…json…'` only reads data).
fn executes_stdin(c: &[String]) -> bool {
    let name = program_name(c);
    if matches!(
        name,
        "sh" | "bash" | "zsh" | "dash" | "ash" | "ksh" | "fish"
    ) {
        return true;
    }
    let interpreter =
        name.starts_with("python") || matches!(name, "perl" | "ruby" | "node" | "php");
    interpreter
        && !program(c)
            .iter()
            .skip(1)
            .any(|w| matches!(w.as_str(), "-c" | "-e" | "-m" | "-E" | "-r" | "--eval"))
}

impl Check for PipeToShell {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for run in df.runs() {
                let piped = run.pipelines.iter().any(|p| {
                    p.iter()
                        .position(|c| matches!(program_name(c), "curl" | "wget"))
                        .is_some_and(|i| p[i + 1..].iter().any(|c| executes_stdin(c)))
                });
                if piped || substitutes_download(&run.script) {
                    out.at(df.at(run.ins))
                        .say("a downloaded script is executed without verification");
                }
            }
        }
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::guardrails::gate_samples::{assert_same_matches, texts};

    #[test]
    fn gates_keep_every_match() {
        let texts = texts(&[
            r#"bash -c "$(curl -fsSL https://x/i.sh)""#,
            "sh <(wget -qO- https://x)",
            "zsh -e `curl x`",
            "sh -c curl",
        ]);
        assert!(assert_same_matches(&SUBST_TO_SHELL, &texts) >= 3);
        let plain = regex::Regex::new(SUBST_TO_SHELL.as_str()).unwrap();
        for t in &texts {
            assert_eq!(substitutes_download(t), plain.is_match(t), "{t:?}");
        }
    }
}
