use paved_model::shell::{program, program_name};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// World-writable permissions set in the image
    ///
    /// ## Why it matters
    /// Files any user can write let a compromised low-privilege process replace binaries or
    /// configuration that others execute.
    ///
    /// ## How to fix it
    /// Grant the least mode needed (e.g. `--chmod=0755` for executables, `0644` for files)
    /// and own files by the runtime UID.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: any process in the container can replace these
    /// COPY --chmod=777 bin/ /usr/local/bin/
    /// RUN mkdir /data && chmod o+w /data
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// COPY --chmod=0755 bin/ /usr/local/bin/
    /// RUN mkdir /data && chown 10001:10001 /data && chmod 0750 /data
    /// ```
    pub struct WorldWritable {
        id: "PVD-DOCKER-019",
        severity: Low,
        references: [],
    }
}

fn world_writable_mode(mode: &str) -> bool {
    let m = mode.trim();
    if !m.is_empty() && m.len() <= 5 && m.chars().all(|c| ('0'..='7').contains(&c)) {
        return matches!(m.chars().last(), Some('2' | '3' | '6' | '7'));
    }
    m.split(',').any(|part| {
        let (who, perm) = match part.split_once(['+', '=']) {
            Some(x) => x,
            None => return false,
        };
        (who.contains('o') || who.contains('a')) && perm.contains('w')
    })
}

impl Check for WorldWritable {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for ins in df.instructions() {
                if ins.is("COPY") || ins.is("ADD") {
                    if let Some(mode) = ins.flag("chmod").and_then(|f| f.value.as_deref()) {
                        if world_writable_mode(mode) {
                            out.at(df.at(ins))
                                .say(format!("--chmod={mode} makes files world-writable"));
                        }
                    }
                }
            }
            for run in df.runs() {
                let hit = run.commands().find_map(|c| {
                    let p = program(c);
                    (program_name(c) == "chmod")
                        .then(|| {
                            p.iter()
                                .skip(1)
                                .find(|w| !w.starts_with('-') || w.starts_with("-w"))
                                .cloned()
                        })
                        .flatten()
                        .filter(|m| world_writable_mode(m))
                });
                if let Some(mode) = hit {
                    out.at(df.at(run.ins))
                        .say(format!("`chmod {mode}` makes files world-writable"));
                }
            }
        }
    }
}
