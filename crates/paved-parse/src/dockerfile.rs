//! Dockerfile parser: logical instructions with their start lines, grouped into build
//! stages, with base images resolved as far as the file itself allows.
//!
//! Handles parser directives (`# escape=`), line continuations, comments (also inside
//! continuations), heredocs (`RUN <<EOF … EOF`), exec form (JSON arrays) versus shell
//! form, case-insensitive keywords, `FROM [--platform=…] image[:tag][@digest] [AS name]`
//! with `ARG` substitution from the global scope, and stage references. Work is bounded
//! by a size cap and an instruction cap; nothing recurses on input.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::files::{SourceFile, Warning};

/// Larger Dockerfiles are skipped with a warning.
pub const MAX_BYTES: usize = 1 << 20;
/// More instructions than this and the rest of the file is ignored with a warning.
pub const MAX_INSTRUCTIONS: usize = 20_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dockerfile {
    pub path: PathBuf,
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// 1-based line where the instruction starts.
    pub line: u32,
    /// Upper-cased keyword: `RUN`, `FROM`, `COPY`, …
    pub keyword: String,
    /// Leading `--name[=value]` options (`--platform`, `--from`, `--chmod`, `--mount`, …).
    pub flags: Vec<Flag>,
    /// The arguments after the flags, continuation lines joined.
    pub args: String,
    /// The JSON array when the arguments are in exec form.
    pub exec: Option<Vec<String>>,
    /// Here-documents opened by this instruction, in order.
    pub heredocs: Vec<Heredoc>,
    /// The stage the instruction belongs to; `None` for instructions before the first `FROM`.
    pub stage: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    pub delimiter: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub index: usize,
    /// Line of the stage's `FROM`.
    pub line: u32,
    /// The `AS name`, lower-cased.
    pub name: Option<String>,
    pub base: Base,
    /// Indices into [`Dockerfile::instructions`], the `FROM` included.
    pub instructions: Vec<usize>,
}

/// What a stage is built on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base {
    Scratch,
    /// An earlier stage of the same file.
    Stage(usize),
    Image(ImageRef),
    /// Depends on a build argument without a default; never a finding by itself.
    Unresolved(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// As written after `ARG` substitution.
    pub raw: String,
    /// `docker.io` when the reference names no registry.
    pub registry: String,
    /// The repository path as written, without registry, tag or digest.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// Whether the reference floats: no digest, and no tag or the `latest` tag, so
    /// each pull may bring other content.
    pub fn floats(&self) -> bool {
        self.digest.is_none()
            && !self
                .tag
                .as_deref()
                .is_some_and(|t| !t.eq_ignore_ascii_case("latest"))
    }

    pub fn parse(raw: &str) -> ImageRef {
        let (rest, digest) = match raw.split_once('@') {
            Some((r, d)) => (r, Some(d.to_owned())),
            None => (raw, None),
        };
        let (name, tag) = match rest.rfind(':') {
            Some(pos) if !rest[pos + 1..].contains('/') => {
                (&rest[..pos], Some(rest[pos + 1..].to_owned()))
            }
            _ => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_ascii_lowercase(), path.to_owned())
            }
            _ => ("docker.io".to_owned(), name.to_owned()),
        };
        ImageRef {
            raw: raw.to_owned(),
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// `registry/repository`, e.g. `docker.io/library/debian` is `docker.io/debian`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl Instruction {
    pub fn is(&self, keyword: &str) -> bool {
        self.keyword == keyword
    }

    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The words of the arguments: the exec array, or shell-like words of the shell form.
    pub fn words(&self) -> Vec<String> {
        match &self.exec {
            Some(items) => items.clone(),
            None => split_words(&self.args),
        }
    }

    /// The shell script a `RUN` executes: the arguments, and heredoc bodies when the
    /// arguments only feed them to a shell.
    pub fn script(&self) -> String {
        let mut out = match &self.exec {
            Some(items) => items.join(" "),
            None => self.args.clone(),
        };
        for doc in &self.heredocs {
            out.push('\n');
            out.push_str(&doc.body);
        }
        out
    }

    /// `KEY=value` pairs of `ENV`, `ARG` and `LABEL`, including the legacy
    /// `ENV KEY value` form. `ARG NAME` without a default yields `(NAME, None)`.
    pub fn key_values(&self) -> Vec<(String, Option<String>)> {
        let words = split_words(&self.args);
        if self.is("ENV") && words.first().is_some_and(|w| !w.contains('=')) {
            let trimmed = self.args.trim();
            let (key, value) = trimmed
                .split_once(char::is_whitespace)
                .unwrap_or((trimmed, ""));
            return vec![(key.to_owned(), Some(unquote(value.trim())))];
        }
        words
            .into_iter()
            .map(|w| match w.split_once('=') {
                Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                None => (w, None),
            })
            .collect()
    }
}

impl Dockerfile {
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// Instructions of one stage, `FROM` first.
    pub fn stage_instructions<'a>(
        &'a self,
        stage: &'a Stage,
    ) -> impl Iterator<Item = &'a Instruction> + 'a {
        stage
            .instructions
            .iter()
            .filter_map(|&i| self.instructions.get(i))
    }

    /// The stage and the stages it is built on, nearest first (bounded: a stage can
    /// only refer to earlier stages).
    pub fn lineage<'a>(&'a self, stage: &'a Stage) -> Vec<&'a Stage> {
        let mut out = vec![stage];
        let mut current = stage;
        while let Base::Stage(i) = current.base {
            match self.stages.get(i) {
                Some(parent) if parent.index < current.index => {
                    out.push(parent);
                    current = parent;
                }
                _ => break,
            }
        }
        out
    }

    /// The image the stage ultimately builds on, when it is an image.
    pub fn root_base<'a>(&'a self, stage: &'a Stage) -> &'a Base {
        self.lineage(stage)
            .last()
            .map(|s| &s.base)
            .unwrap_or(&stage.base)
    }
}

/// Whether a file name is a Dockerfile: `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`,
/// `Containerfile` (and `Containerfile.*`).
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    // `Dockerfile.dockerignore` is BuildKit's per-Dockerfile ignore file.
    if lower.ends_with(".dockerignore") || lower.ends_with(".md") {
        return false;
    }
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || (lower.ends_with(".dockerfile") && lower.len() > ".dockerfile".len())
}

pub fn collect(files: &[SourceFile], warnings: &mut Vec<Warning>) -> Vec<Dockerfile> {
    let mut out = Vec::new();
    for file in files {
        if !is_dockerfile_name(file.file_name()) {
            continue;
        }
        let Some(text) = &file.text else { continue };
        if text.len() > MAX_BYTES {
            warnings.push(Warning {
                file: file.path.clone(),
                message: format!(
                    "Dockerfile larger than {} KiB, not audited",
                    MAX_BYTES / 1024
                ),
            });
            continue;
        }
        let mut notes = Vec::new();
        let parsed = parse(file.path.clone(), text, &mut notes);
        warnings.extend(notes.into_iter().map(|message| Warning {
            file: file.path.clone(),
            message,
        }));
        out.push(parsed);
    }
    out
}

/// Parses one Dockerfile. Problems (unterminated heredoc, too many instructions) are
/// pushed to `notes` as messages with their line; the parse always succeeds.
pub fn parse(path: PathBuf, text: &str, notes: &mut Vec<String>) -> Dockerfile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let escape = escape_directive(&lines);
    let mut instructions: Vec<Instruction> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        if instructions.len() >= MAX_INSTRUCTIONS {
            notes.push(format!(
                "line {}: more than {MAX_INSTRUCTIONS} instructions, the rest is not audited",
                i + 1
            ));
            break;
        }
        let start = i;
        let mut logical = String::new();
        loop {
            let line = lines[i].trim_end();
            i += 1;
            match line.strip_suffix(escape) {
                Some(body) => {
                    logical.push_str(body);
                    // Skip comment and blank lines inside the continuation.
                    while i < lines.len() {
                        let t = lines[i].trim_start();
                        if t.is_empty() || t.starts_with('#') {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    if i >= lines.len() {
                        break;
                    }
                }
                None => {
                    logical.push_str(line);
                    break;
                }
            }
        }
        let mut instruction = split_instruction(&logical, start);
        if matches!(instruction.keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for (delimiter, strip_tabs) in heredoc_markers(&logical) {
                let mut body = String::new();
                let mut closed = false;
                while i < lines.len() {
                    let line = lines[i];
                    i += 1;
                    let candidate = if strip_tabs {
                        line.trim_start_matches('\t')
                    } else {
                        line
                    };
                    if candidate.trim_end_matches('\r') == delimiter {
                        closed = true;
                        break;
                    }
                    body.push_str(candidate);
                    body.push('\n');
                }
                if !closed {
                    notes.push(format!(
                        "line {}: heredoc `{delimiter}` is never closed",
                        start + 1
                    ));
                    instruction.heredocs.push(Heredoc { delimiter, body });
                    break;
                }
                instruction.heredocs.push(Heredoc { delimiter, body });
            }
        }
        instructions.push(instruction);
    }
    let stages = build_stages(&mut instructions);
    Dockerfile {
        path,
        instructions,
        stages,
    }
}

/// `# escape=`` ` directive at the top of the file; `\` otherwise.
fn escape_directive(lines: &[&str]) -> char {
    for line in lines {
        let Some(rest) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = rest.split_once('=') else {
            break;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            break;
        }
        if key.eq_ignore_ascii_case("escape") {
            return match value.trim() {
                "`" => '`',
                _ => '\\',
            };
        }
    }
    '\\'
}

fn split_instruction(logical: &str, start: usize) -> Instruction {
    let trimmed = logical.trim();
    let (keyword, rest) = trimmed
        .split_once(char::is_whitespace)
        .unwrap_or((trimmed, ""));
    let mut rest = rest.trim_start();
    let mut flags = Vec::new();
    while let Some(after) = rest.strip_prefix("--") {
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        let token = &after[..end];
        if token.is_empty() {
            break;
        }
        let (name, value) = match token.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(unquote(v))),
            None => (token.to_owned(), None),
        };
        flags.push(Flag { name, value });
        rest = after[end..].trim_start();
    }
    let args = rest.trim().to_owned();
    let exec = if args.starts_with('[') {
        serde_json::from_str::<Vec<String>>(&args).ok()
    } else {
        None
    };
    Instruction {
        line: u32::try_from(start + 1).unwrap_or(u32::MAX),
        keyword: keyword.to_ascii_uppercase(),
        flags,
        args,
        exec,
        heredocs: Vec::new(),
        stage: None,
    }
}

/// Heredoc openers (`<<EOF`, `<<-EOF`, `<<"EOF"`) in an instruction, in order.
fn heredoc_markers(logical: &str) -> Vec<(String, bool)> {
    let bytes = logical.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < bytes.len() {
        if bytes[i] == b'<' && bytes[i + 1] == b'<' && (i == 0 || bytes[i - 1] != b'<') {
            let mut j = i + 2;
            let strip = bytes.get(j) == Some(&b'-');
            if strip {
                j += 1;
            }
            let quote = match bytes.get(j) {
                Some(b'"') | Some(b'\'') => {
                    j += 1;
                    Some(bytes[j - 1])
                }
                _ => None,
            };
            let begin = j;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            let word_ok = j > begin && !bytes[begin].is_ascii_digit();
            let quote_ok = match quote {
                Some(q) => bytes.get(j) == Some(&q),
                None => true,
            };
            if word_ok && quote_ok {
                out.push((logical[begin..j].to_owned(), strip));
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out
}

fn build_stages(instructions: &mut [Instruction]) -> Vec<Stage> {
    let mut global_args: HashMap<String, Option<String>> = HashMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    let mut named: HashMap<String, usize> = HashMap::new();
    for (idx, ins) in instructions.iter_mut().enumerate() {
        if ins.is("FROM") {
            let words = split_words(&ins.args);
            let raw = words.first().cloned().unwrap_or_default();
            let name = match (words.get(1), words.get(2)) {
                (Some(kw), Some(n)) if kw.eq_ignore_ascii_case("as") => {
                    Some(n.to_ascii_lowercase())
                }
                _ => None,
            };
            let base = match expand(&raw, &global_args) {
                None => Base::Unresolved(raw),
                Some(image) => {
                    let lower = image.to_ascii_lowercase();
                    if lower == "scratch" {
                        Base::Scratch
                    } else if let Some(&i) = named.get(&lower) {
                        Base::Stage(i)
                    } else if image.is_empty() {
                        Base::Unresolved(image)
                    } else {
                        Base::Image(ImageRef::parse(&image))
                    }
                }
            };
            if let Some(n) = &name {
                named.entry(n.clone()).or_insert(stages.len());
            }
            stages.push(Stage {
                index: stages.len(),
                line: ins.line,
                name,
                base,
                instructions: Vec::new(),
            });
        } else if ins.is("ARG") && stages.is_empty() {
            for (k, v) in ins.key_values() {
                global_args.insert(k, v);
            }
        }
        if let Some(stage) = stages.last_mut() {
            ins.stage = Some(stage.index);
            stage.instructions.push(idx);
        }
    }
    stages
}

/// Substitutes `$NAME`, `${NAME}` and `${NAME:-default}` from `vars`; `None` when a
/// variable has no value.
fn expand(s: &str, vars: &HashMap<String, Option<String>>) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, default, consumed) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}')?;
            let body = &inner[..end];
            let (name, default) = match body.split_once(":-").or_else(|| body.split_once('-')) {
                Some((n, d)) => (n, Some(d)),
                None => (body, None),
            };
            (name, default, end + 2)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], None, end)
        };
        match vars.get(name).cloned().flatten().filter(|v| !v.is_empty()) {
            Some(v) => out.push_str(&v),
            None => out.push_str(default?),
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Some(out)
}

/// Splits shell-like words, honouring single and double quotes and backslash escapes.
pub fn split_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '"') | (None, '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

fn unquote(s: &str) -> String {
    split_words(s).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Dockerfile {
        parse(PathBuf::from("Dockerfile"), text, &mut Vec::new())
    }

    #[test]
    fn names() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "Containerfile",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [
            "Dockerfile-notes.md",
            ".dockerfile",
            "docker-compose.yml",
            "Dockerfile.dockerignore",
            "Dockerfile.md",
        ] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }

    #[test]
    fn continuations_comments_and_lines() {
        let d = p("# syntax=docker/dockerfile:1\nFROM debian:12 AS base\n\nrun apt-get update \\\n  # a comment\n  && apt-get install -y curl\nUSER 1000\n");
        assert_eq!(d.instructions.len(), 3);
        assert_eq!(d.instructions[1].keyword, "RUN");
        assert_eq!(d.instructions[1].line, 4);
        assert!(d.instructions[1].args.contains("apt-get install -y curl"));
        assert_eq!(d.instructions[2].line, 7);
        assert_eq!(d.stages[0].name.as_deref(), Some("base"));
    }

    #[test]
    fn escape_directive_backtick() {
        let d = p(
            "# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022\nRUN dir C:\\ `\n  && echo hi\n",
        );
        assert_eq!(d.instructions.len(), 2);
        assert!(d.instructions[1].args.contains("C:\\"));
        assert!(d.instructions[1].args.contains("echo hi"));
    }

    #[test]
    fn heredocs_are_bodies_not_instructions() {
        let d = p("FROM alpine:3\nRUN <<EOF\nFROM evil\napk add curl\nEOF\nRUN <<-'A' cat <<B\n\tone\n\tA\ntwo\nB\nUSER 10001\n");
        assert_eq!(d.instructions.len(), 4);
        assert_eq!(
            d.instructions[1].heredocs[0].body,
            "FROM evil\napk add curl\n"
        );
        assert!(d.instructions[1].script().contains("apk add curl"));
        assert_eq!(d.instructions[2].heredocs.len(), 2);
        assert_eq!(d.instructions[2].heredocs[0].body, "one\n");
        assert_eq!(d.instructions[3].line, 11);
        let mut notes = Vec::new();
        parse(PathBuf::from("D"), "FROM a\nRUN <<EOF\nx\n", &mut notes);
        assert!(notes[0].contains("never closed"));
        let mut notes = Vec::new();
        parse(
            PathBuf::from("D"),
            &format!("FROM a\nRUN {}\n", "<<A ".repeat(10_000)),
            &mut notes,
        );
        assert_eq!(notes.len(), 1);
        // A here-string is not a heredoc.
        let d = p("FROM a\nRUN cat <<<\"x\"\nUSER 1\n");
        assert_eq!(d.instructions.len(), 3);
    }

    #[test]
    fn exec_form_and_flags() {
        let d = p("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nCOPY --chown=1:1 --chmod=755 a b\nHEALTHCHECK --interval=30s CMD [\"/app\", \"health\"]\nCMD [\"/app\"]\nENTRYPOINT [not json\n");
        assert_eq!(
            d.instructions[0].flag("platform").unwrap().value.as_deref(),
            Some("$BUILDPLATFORM")
        );
        assert_eq!(
            d.instructions[1].flag("chmod").unwrap().value.as_deref(),
            Some("755")
        );
        assert_eq!(
            d.instructions[3].exec.as_deref(),
            Some(&["/app".to_owned()][..])
        );
        assert!(d.instructions[4].exec.is_none());
        assert_eq!(d.instructions[2].args, "CMD [\"/app\", \"health\"]");
    }

    #[test]
    fn from_images_stages_and_args() {
        let d = p("ARG BASE=gcr.io/distroless/cc-debian12\nARG TAG\nFROM rust:1.80@sha256:abc AS Builder\nFROM builder AS test\nFROM ${BASE}:nonroot\nFROM scratch\nFROM img:${TAG}\nFROM localhost:5000/team/app\n");
        let s = &d.stages;
        match &s[0].base {
            Base::Image(r) => {
                assert_eq!(r.registry, "docker.io");
                assert_eq!(r.repository, "rust");
                assert_eq!(r.tag.as_deref(), Some("1.80"));
                assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s[1].base, Base::Stage(0));
        match &s[2].base {
            Base::Image(r) => {
                assert_eq!(r.registry, "gcr.io");
                assert_eq!(r.tag.as_deref(), Some("nonroot"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s[3].base, Base::Scratch);
        assert!(matches!(s[4].base, Base::Unresolved(_)));
        match &s[5].base {
            Base::Image(r) => {
                assert_eq!(r.registry, "localhost:5000");
                assert_eq!(r.tag, None);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(d.lineage(&s[1]).len(), 2);
    }

    #[test]
    fn env_forms() {
        let d = p("FROM a\nENV A=1 B=\"two words\"\nENV LEGACY some value\nARG X Y=2\n");
        assert_eq!(
            d.instructions[1].key_values(),
            vec![
                ("A".into(), Some("1".into())),
                ("B".into(), Some("two words".into()))
            ]
        );
        assert_eq!(
            d.instructions[2].key_values(),
            vec![("LEGACY".into(), Some("some value".into()))]
        );
        assert_eq!(d.instructions[3].key_values()[0], ("X".into(), None));
    }

    #[test]
    fn hostile_input_is_bounded() {
        let big = "RUN a \\\n".repeat(50_000);
        let d = p(&big);
        assert_eq!(d.instructions.len(), 1);
        let stages: String = (0..MAX_INSTRUCTIONS)
            .map(|i| format!("FROM s{i} AS s{}\n", i + 1))
            .collect();
        let d = p(&stages);
        assert_eq!(d.stages.len(), MAX_INSTRUCTIONS);
        assert_eq!(d.lineage(d.final_stage().unwrap()).len(), MAX_INSTRUCTIONS);
        let many = "RUN a\n".repeat(MAX_INSTRUCTIONS + 5);
        let mut notes = Vec::new();
        let d = parse(PathBuf::from("D"), &many, &mut notes);
        assert_eq!(d.instructions.len(), MAX_INSTRUCTIONS);
        assert_eq!(notes.len(), 1);
        p("\\");
        p("FROM ${");
        p("FROM $");
        p("RUN <<");
        p("FROM --\n--\n\u{0}\u{feff}RUN");
        let bom = p("\u{feff}FROM a:1\r\nUSER 1\r\n");
        assert_eq!(bom.stages.len(), 1);
        assert_eq!(bom.instructions[1].args, "1");
    }
}
