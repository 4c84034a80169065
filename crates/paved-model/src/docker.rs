//! Dockerfiles as rules see them: each file with its stages, the stage that ships,
//! the commands of every `RUN` (split once, shared by every rule) and the
//! `.dockerignore` that applies to it.

use std::path::Path;

use paved_parse::dockerfile::{Base, Dockerfile, Instruction, Stage};
use paved_parse::files::SourceFile;

use crate::shell::{self, Command};
use crate::{Location, Model};

/// Every Dockerfile of the repository.
#[derive(Debug)]
pub struct Docker<'m> {
    files: Vec<DockerfileView<'m>>,
}

impl<'m> Docker<'m> {
    pub(crate) fn build(model: &'m Model) -> Docker<'m> {
        let files = model
            .dockerfiles()
            .iter()
            .map(|df| DockerfileView::build(model, df))
            .collect();
        Docker { files }
    }

    pub fn files(&self) -> &[DockerfileView<'m>] {
        &self.files
    }
}

/// One Dockerfile.
#[derive(Debug)]
pub struct DockerfileView<'m> {
    pub file: &'m Dockerfile,
    runs: Vec<Run<'m>>,
    dockerignore: Option<&'m SourceFile>,
}

/// One `RUN` and its script split into commands.
#[derive(Debug)]
pub struct Run<'m> {
    pub ins: &'m Instruction,
    /// The shell script it executes (heredoc bodies included).
    pub script: String,
    /// Its pipelines; each is a list of commands joined by `|`.
    pub pipelines: Vec<Vec<Command>>,
}

impl Run<'_> {
    /// Every command of the script, pipelines flattened.
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        self.pipelines.iter().flatten()
    }

    /// Whether the `RUN` mounts a cache whose flag mentions `target`.
    pub fn has_cache_mount(&self, target: &str) -> bool {
        self.ins.flags.iter().any(|f| {
            f.name == "mount"
                && f.value
                    .as_deref()
                    .is_some_and(|v| v.contains("type=cache") && v.contains(target))
        })
    }
}

impl<'m> DockerfileView<'m> {
    fn build(model: &'m Model, file: &'m Dockerfile) -> DockerfileView<'m> {
        let runs = file
            .instructions
            .iter()
            .filter(|i| i.is("RUN"))
            .map(|ins| {
                let script = ins.script();
                let pipelines = shell::pipelines(&script);
                Run {
                    ins,
                    script,
                    pipelines,
                }
            })
            .collect();
        DockerfileView {
            file,
            runs,
            dockerignore: dockerignore(model, &file.path),
        }
    }

    pub fn path(&self) -> &'m Path {
        &self.file.path
    }

    /// Every instruction, in order.
    pub fn instructions(&self) -> &'m [Instruction] {
        &self.file.instructions
    }

    /// Instructions with this keyword (upper case), in order.
    pub fn instructions_named<'s>(
        &'s self,
        keyword: &'s str,
    ) -> impl Iterator<Item = &'m Instruction> + 's {
        self.file.instructions.iter().filter(move |i| i.is(keyword))
    }

    pub fn stages(&self) -> &'m [Stage] {
        &self.file.stages
    }

    /// The stage that ships: the last one.
    pub fn final_stage(&self) -> Option<&'m Stage> {
        self.file.final_stage()
    }

    /// Instructions of one stage, `FROM` first.
    pub fn stage_instructions(&self, stage: &'m Stage) -> impl Iterator<Item = &'m Instruction> {
        self.file.stage_instructions(stage)
    }

    /// The stage and the stages it is built on, nearest first.
    pub fn lineage(&self, stage: &'m Stage) -> Vec<&'m Stage> {
        self.file.lineage(stage)
    }

    /// What the stage ultimately builds on.
    pub fn root_base(&self, stage: &'m Stage) -> &'m Base {
        self.file.root_base(stage)
    }

    /// Every `RUN` of every stage.
    pub fn runs(&self) -> &[Run<'m>] {
        &self.runs
    }

    /// The `RUN`s of one stage.
    pub fn stage_runs<'s>(&'s self, stage: &'s Stage) -> impl Iterator<Item = &'s Run<'m>> + 's {
        self.runs
            .iter()
            .filter(move |r| r.ins.stage == Some(stage.index))
    }

    /// The `RUN`s of the final stage and the stages it is built on: what ships.
    pub fn final_runs(&self) -> Vec<&Run<'m>> {
        let Some(last) = self.final_stage() else {
            return Vec::new();
        };
        let shipped: Vec<usize> = self.lineage(last).iter().map(|s| s.index).collect();
        // Stage order, nearest first, as the instructions of each stage in turn.
        shipped
            .iter()
            .flat_map(|i| self.runs.iter().filter(move |r| r.ins.stage == Some(*i)))
            .collect()
    }

    /// The last `USER` of the final stage, following the stages it is built on.
    pub fn effective_user(&self) -> Option<&'m Instruction> {
        let last = self.final_stage()?;
        self.lineage(last)
            .into_iter()
            .find_map(|s| self.stage_instructions(s).filter(|i| i.is("USER")).last())
    }

    /// `COPY . .` (or `ADD`) of the whole build context in the final stage.
    pub fn whole_context_copy(&self) -> Option<&'m Instruction> {
        let last = self.final_stage()?;
        self.stage_instructions(last).find(|ins| {
            (ins.is("COPY") || ins.is("ADD"))
                && ins.flag("from").is_none()
                && copy_sources(ins)
                    .iter()
                    .any(|s| matches!(s.as_str(), "." | "./" | "*" | "./*"))
        })
    }

    /// The `.dockerignore` that applies: `<Dockerfile>.dockerignore`, then one beside
    /// the Dockerfile, then the repository root's.
    pub fn dockerignore(&self) -> Option<&'m SourceFile> {
        self.dockerignore
    }

    /// Where an instruction is.
    pub fn at(&self, ins: &Instruction) -> Location<'m> {
        Location::instruction(&self.file.path, ins)
    }

    /// Where a stage starts (its `FROM`).
    pub fn at_stage(&self, stage: &Stage) -> Location<'m> {
        Location::stage(&self.file.path, stage)
    }
}

/// Source paths of `COPY`/`ADD`: every word but the destination; none for heredoc
/// copies.
pub fn copy_sources(ins: &Instruction) -> Vec<String> {
    if !ins.heredocs.is_empty() {
        return Vec::new();
    }
    let mut words = ins.words();
    words.pop();
    words
}

/// The user part of `USER user[:group]`.
pub fn user_name(ins: &Instruction) -> String {
    let arg = ins.args.trim();
    arg.split(':').next().unwrap_or("").trim().to_owned()
}

/// `root`, `0`, `00` …
pub fn is_root_user(user: &str) -> bool {
    user == "root" || (!user.is_empty() && user.chars().all(|c| c == '0'))
}

/// A base image whose tag says `nonroot` (distroless, chainguard).
pub fn is_nonroot_tag(base: &Base) -> bool {
    match base {
        Base::Image(r) => r.tag.as_deref().is_some_and(|t| t.contains("nonroot")),
        _ => false,
    }
}

/// A `COPY`/`ADD` source that is fetched from the network.
pub fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://")
        || l.starts_with("https://")
        || l.starts_with("git@")
        || l.starts_with("ftp://")
}

/// A local tar archive, which `ADD` extracts.
pub fn is_archive(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ]
    .iter()
    .any(|e| l.ends_with(e))
}

fn dockerignore<'m>(model: &'m Model, df: &Path) -> Option<&'m SourceFile> {
    let df_str = df.to_string_lossy().replace('\\', "/");
    let dir = df
        .parent()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let beside = if dir.is_empty() {
        ".dockerignore".to_owned()
    } else {
        format!("{dir}/.dockerignore")
    };
    [
        format!("{df_str}.dockerignore"),
        beside,
        ".dockerignore".to_owned(),
    ]
    .iter()
    .find_map(|p| model.file(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_split_once_and_grouped_by_stage() {
        let model = Model::from_memory(&[
            (
                "app/Dockerfile",
                "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y curl\nFROM build\nRUN curl -fsSL x | sh\nUSER 1000\n",
            ),
            ("app/.dockerignore", ".git\n"),
        ]);
        let docker = Docker::build(&model);
        let df = &docker.files()[0];
        assert_eq!(df.runs().len(), 2);
        assert_eq!(df.runs()[0].commands().count(), 2);
        assert_eq!(df.runs()[1].pipelines[0].len(), 2);
        // The final stage is built on the first, so both RUNs ship, nearest first.
        let shipped: Vec<u32> = df.final_runs().iter().map(|r| r.ins.line).collect();
        assert_eq!(shipped, [4, 2]);
        assert_eq!(df.effective_user().map(|u| u.line), Some(5));
        assert_eq!(
            df.dockerignore().map(|f| f.path_str()).as_deref(),
            Some("app/.dockerignore")
        );
    }
}
