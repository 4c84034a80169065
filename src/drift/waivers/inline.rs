//! Other tools' inline suppressions, honoured as waivers of the paved rules that
//! declare the same check in their `references`:
//!
//! | comment | tool's semantics, kept here | paved rules it waives |
//! |---|---|---|
//! | `# zizmor: ignore[unpinned-uses]` | the line it is on | `zizmor:<audit>` |
//! | `# checkov:skip=CKV_AWS_20:reason` | Dockerfile: the whole file; Terraform and YAML: the block holding the comment (the resource, the job) | `checkov:<id>` |
//! | `checkov.io/skip1: CKV_K8S_20=reason` (Kubernetes annotation) | the object | `checkov:<id>` |
//! | `# hadolint ignore=DL3008,DL3009` / `# hadolint global ignore=…` | the next instruction / the file | `hadolint:<id>` |
//! | `# nosec` / `# nosec B310, B603 reason` / `// #nosec G101 -- reason` | the line it is on | without ids, every secrets and auth rule; with ids, `bandit:<id>` (bandit's hardcoded-password tests B105-B107 are PVD-SECRET-004; other ids map to none) |
//! | `# kics-scan ignore-line` / `ignore-block` / `ignore` | the next line / the block on the next line / the file (at its top) | every rule |
//! | `#trivy:ignore:AVD-DS-0002[:exp:2026-12-31]` | the line it is on, or the next line and the block it opens; not after `exp` | `trivy:DS-0002` |
//!
//! A suppression's reason is the text the tool lets it carry (checkov's after the
//! second colon, bandit's after its list of test ids, gosec's after `--`, anything
//! after zizmor's `]` or hadolint's list).

use jiff::civil::Date;
use paved_model::pattern::FirstOf;
use std::path::{Path, PathBuf};

use super::syntax::{CHECKOV, CHECKOV_ANNOTATION, HADOLINT, KICS, NOSEC, TRIVY, ZIZMOR};
use crate::guardrails::{Domain, RuleMeta, SourceFile};

/// The tool whose comment syntax a suppression uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Zizmor,
    Checkov,
    Hadolint,
    Nosec,
    Kics,
    Trivy,
}

impl Tool {
    /// The prefix of the rule `references` this tool's ids are matched against.
    fn reference_prefix(self) -> &'static str {
        match self {
            Tool::Zizmor => "zizmor:",
            Tool::Checkov => "checkov:",
            Tool::Hadolint => "hadolint:",
            Tool::Nosec => "bandit:",
            Tool::Kics => "kics:",
            Tool::Trivy => "trivy:",
        }
    }
}

/// Which lines of its file a suppression covers (1-based, inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    File,
    Lines(u32, u32),
}

/// One inline suppression found in an audited file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inline {
    pub tool: Tool,
    /// The directive as written, e.g. `checkov:skip=CKV_AWS_20`.
    pub directive: String,
    /// The tool's rule ids it names; empty means every rule the tool would report there.
    pub ids: Vec<String>,
    pub file: PathBuf,
    /// Line of the comment.
    pub line: u32,
    pub span: Span,
    pub reason: Option<String>,
    /// trivy's `:exp:YYYY-MM-DD`.
    pub expires: Option<Date>,
}

impl Inline {
    /// Whether this suppression waives a finding of `meta` at `file:line`.
    pub fn covers(&self, meta: &RuleMeta, file: &Path, line: Option<u32>) -> bool {
        if self.file != file {
            return false;
        }
        let in_span = match (self.span, line) {
            (Span::File, _) => true,
            (Span::Lines(a, b), Some(l)) => (a..=b).contains(&l),
            (Span::Lines(..), None) => false,
        };
        in_span && self.names(meta)
    }

    fn names(&self, meta: &RuleMeta) -> bool {
        if self.ids.is_empty() {
            return match self.tool {
                Tool::Nosec => matches!(meta.domain, Domain::Secrets | Domain::Auth),
                Tool::Kics => true,
                _ => false,
            };
        }
        let prefix = self.tool.reference_prefix();
        meta.references
            .iter()
            .filter_map(|r| r.strip_prefix(prefix))
            .any(|theirs| {
                self.ids
                    .iter()
                    .any(|ours| match (self.tool, trivy_id(ours), trivy_id(theirs)) {
                        (Tool::Trivy, Some(a), Some(b)) => a == b,
                        _ => ours.eq_ignore_ascii_case(theirs),
                    })
            })
    }

    /// `inline checkov:skip=CKV_AWS_20 in main.tf:12`.
    pub fn source(&self) -> String {
        format!(
            "inline {} in {}:{}",
            self.directive,
            self.file.to_string_lossy().replace('\\', "/"),
            self.line
        )
    }
}

/// `AVD-DS-0002`, `DS-0002`, `DS002` and `ds2` are one id: (letters, number).
fn trivy_id(id: &str) -> Option<(String, u32)> {
    let id = id.trim().to_ascii_uppercase();
    let id = id.strip_prefix("AVD-").unwrap_or(&id);
    let letters: String = id.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits: String = id[letters.len()..]
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    let rest_ok = id[letters.len()..]
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-');
    (rest_ok && !letters.is_empty() && !digits.is_empty())
        .then(|| digits.parse().ok().map(|n| (letters, n)))
        .flatten()
}

/// The literal each suppression pattern requires (one of the literals its gate
/// checks): a line without any of them holds no suppression.
const MARKERS: [&str; 7] = [
    "zizmor:",
    "checkov:skip=",
    "checkov.io/skip",
    "hadolint",
    "nosec",
    "kics-scan",
    "trivy:ignore:",
];

/// 0-based indexes of the lines of `text` holding a marker, in order. One pass over
/// the text for all markers: looking at every line of every file for each marker in
/// turn cost as much as auditing the rest of a generated service's CI.
fn marker_lines(text: &str) -> Vec<usize> {
    // Leftmost-first lets the search be aho-corasick's vectorised one; a line holding a
    // marker still yields a match (markers never span lines, and a match is skipped
    // only when one that overlaps it, on the same line, is reported).
    static FINDER: FirstOf = FirstOf::new(&MARKERS);
    let bytes = text.as_bytes();
    let mut out: Vec<usize> = Vec::new();
    let (mut line, mut counted) = (0, 0);
    for m in FINDER.find_iter(bytes) {
        line += memchr::memchr_iter(b'\n', &bytes[counted..m.start()]).count();
        counted = m.start();
        if out.last() != Some(&line) {
            out.push(line);
        }
    }
    out
}

fn reason(text: &str) -> Option<String> {
    let r = text
        .trim()
        .trim_start_matches(['-', ':', '—'])
        .trim()
        .trim_end_matches(['"', '\''])
        .trim();
    (!r.is_empty()).then(|| r.to_string())
}

/// The test ids a `nosec` comment names and its reason, from the text after `nosec`
/// (up to the next `#`). Bandit reads a comma-separated list of test ids (`B310`)
/// or names (`hardcoded_password_string`), optionally after a colon, and ignores
/// any other word; gosec reads ids separated by spaces and a reason after `--`. So
/// the ids are the run of such tokens at the start, and the reason is what follows
/// them (`# nosec B310: fixed HTTPS endpoint`, `# nosec B603, B607 - argv is
/// constant`, `// #nosec G101 -- test fixture`). Bandit's names of the
/// hardcoded-password tests are written as their ids, which the secrets rules name.
fn nosec_ids_and_reason(text: &str) -> (Vec<String>, Option<String>) {
    let text = text.trim_start();
    let text = text.strip_prefix(':').unwrap_or(text);
    let (head, after_dashes) = match text.split_once("--") {
        Some((head, tail)) => (head, reason(tail)),
        None => (text, None),
    };
    let mut ids = Vec::new();
    let mut rest = head;
    loop {
        let token_start = rest.trim_start_matches([' ', '\t', ',']);
        let len = token_start
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(token_start.len());
        let token = &token_start[..len];
        let Some(id) = nosec_test_id(token) else {
            rest = token_start;
            break;
        };
        ids.push(id);
        rest = &token_start[len..];
    }
    let why = match (reason(rest), after_dashes) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.or(b),
    };
    (ids, why)
}

/// `token` as a bandit or gosec test id (`B310`, `G101`), or a bandit test name
/// (lower-case words joined by `_`); `None` for any other word.
fn nosec_test_id(token: &str) -> Option<String> {
    let numbered = |prefix: char| {
        token.len() > 1
            && token.starts_with(prefix)
            && token[1..].bytes().all(|b| b.is_ascii_digit())
    };
    if numbered('B') || numbered('b') || numbered('G') {
        return Some(token.to_ascii_uppercase());
    }
    let name = token.contains('_')
        && token.starts_with(|c: char| c.is_ascii_lowercase())
        && token
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !name {
        return None;
    }
    Some(
        match token {
            "hardcoded_password_string" => "B105",
            "hardcoded_password_funcarg" => "B106",
            "hardcoded_password_default" => "B107",
            other => other,
        }
        .to_owned(),
    )
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#') || t.starts_with("//")
}

/// The block that holds line `at` (0-based): back to the nearest line indented less
/// (the resource, the job, the object), forward while lines are indented more than it,
/// plus a closing `}` or `]` at its indentation.
fn enclosing_block(lines: &[&str], at: usize) -> Span {
    let own = indent(lines[at]);
    let Some(start) = (0..at)
        .rev()
        .find(|&i| !is_blank_or_comment(lines[i]) && indent(lines[i]) < own)
    else {
        return Span::File;
    };
    block_from(lines, start)
}

/// The block that starts on line `start` (0-based): that line, the lines indented more
/// than it, and a closing `}`/`]` at its indentation.
fn block_from(lines: &[&str], start: usize) -> Span {
    let base = indent(lines[start]);
    let mut end = start;
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        if is_blank_or_comment(line) || indent(line) > base {
            end = i;
            continue;
        }
        let t = line.trim();
        if indent(line) == base && (t.starts_with('}') || t.starts_with(']')) {
            end = i;
        }
        break;
    }
    // Trailing blank or comment lines belong to nothing.
    while end > start && is_blank_or_comment(lines[end]) {
        end -= 1;
    }
    Span::Lines(to_u32(start + 1), to_u32(end + 1))
}

/// The next line after `at` (0-based) that is not blank or a comment.
fn next_code_line(lines: &[&str], at: usize) -> Option<usize> {
    (at + 1..lines.len()).find(|&i| !is_blank_or_comment(lines[i]))
}

/// The YAML document (between `---` lines) holding line `at` (0-based).
fn yaml_document(lines: &[&str], at: usize) -> Span {
    let is_sep = |l: &str| l.starts_with("---");
    let start = (0..at)
        .rev()
        .find(|&i| is_sep(lines[i]))
        .map_or(0, |i| i + 1);
    let end = (at + 1..lines.len())
        .find(|&i| is_sep(lines[i]))
        .map_or(lines.len(), |i| i);
    Span::Lines(to_u32(start + 1), to_u32(end.max(start + 1)))
}

fn is_dockerfile(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name == "dockerfile"
        || name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
        || name == "containerfile"
}

fn is_yaml(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".yml") || lower.ends_with(".yaml")
}

/// Every inline suppression in `files`.
pub fn find(files: &[SourceFile]) -> Vec<Inline> {
    let mut out = Vec::new();
    for file in files {
        let Some(text) = file.text.as_deref() else {
            continue;
        };
        let marked = marker_lines(text);
        if !marked.is_empty() {
            scan(file, text, &marked, &mut out);
        }
    }
    out
}

/// The suppressions on the `marked` lines (0-based, ascending) of one file.
fn scan(file: &SourceFile, text: &str, marked: &[usize], out: &mut Vec<Inline>) {
    let path = file.path_str();
    let lines: Vec<&str> = text.lines().collect();
    // Whether a line other than a blank or a comment comes before line `i`.
    let (mut seen_code, mut looked) = (false, 0);
    for &i in marked {
        let Some(line) = lines.get(i) else { break };
        while !seen_code && looked < i {
            seen_code = !is_blank_or_comment(lines[looked]);
            looked += 1;
        }
        let n = to_u32(i + 1);
        let push = |out: &mut Vec<Inline>, tool, directive: String, ids, span, reason, expires| {
            out.push(Inline {
                tool,
                directive,
                ids,
                file: file.path.clone(),
                line: n,
                span,
                reason,
                expires,
            })
        };
        let only_comment = is_blank_or_comment(line);
        if let Some(c) = ZIZMOR.captures(line) {
            let ids: Vec<String> = c[1]
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if !ids.is_empty() {
                let directive = format!("zizmor: ignore[{}]", ids.join(","));
                push(
                    out,
                    Tool::Zizmor,
                    directive,
                    ids,
                    Span::Lines(n, n),
                    reason(&c[2]),
                    None,
                );
            }
        }
        if let Some(c) = CHECKOV.captures(line) {
            let span = if is_dockerfile(&path) {
                Span::File
            } else {
                enclosing_block(&lines, i)
            };
            let id = c[1].to_string();
            let why = c.get(2).and_then(reason);
            push(
                out,
                Tool::Checkov,
                format!("checkov:skip={id}"),
                vec![id],
                span,
                why,
                None,
            );
        }
        if is_yaml(&path) {
            if let Some(c) = CHECKOV_ANNOTATION.captures(line) {
                let id = c[1].to_string();
                let why = c.get(2).and_then(reason);
                let span = yaml_document(&lines, i);
                push(
                    out,
                    Tool::Checkov,
                    format!("checkov.io/skip: {id}"),
                    vec![id],
                    span,
                    why,
                    None,
                );
            }
        }
        if let Some(c) = HADOLINT.captures(line) {
            let ids: Vec<String> = c[2]
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let global = c.get(1).is_some();
            let span = if global {
                Some(Span::File)
            } else {
                next_code_line(&lines, i).map(|j| Span::Lines(to_u32(j + 1), to_u32(j + 1)))
            };
            if let Some(span) = span {
                let directive = format!(
                    "hadolint {}ignore={}",
                    if global { "global " } else { "" },
                    ids.join(",")
                );
                push(
                    out,
                    Tool::Hadolint,
                    directive,
                    ids,
                    span,
                    reason(&c[3]),
                    None,
                );
            }
        }
        if let Some(c) = NOSEC.captures(line) {
            let (ids, why) = nosec_ids_and_reason(&c[1]);
            let directive = if ids.is_empty() {
                "nosec".to_string()
            } else {
                format!("nosec {}", ids.join(","))
            };
            push(
                out,
                Tool::Nosec,
                directive,
                ids,
                Span::Lines(n, n),
                why,
                None,
            );
        }
        if let Some(c) = KICS.captures(line) {
            let kind = &c[1];
            let span = match kind {
                "ignore" if !seen_code => Some(Span::File),
                "ignore" => None,
                "ignore-line" => {
                    next_code_line(&lines, i).map(|j| Span::Lines(to_u32(j + 1), to_u32(j + 1)))
                }
                _ => next_code_line(&lines, i).map(|j| block_from(&lines, j)),
            };
            if let Some(span) = span {
                push(
                    out,
                    Tool::Kics,
                    format!("kics-scan {kind}"),
                    Vec::new(),
                    span,
                    None,
                    None,
                );
            }
        }
        if let Some(c) = TRIVY.captures(line) {
            let id = c[1].to_string();
            let expires = c.get(2).and_then(|d| d.parse::<Date>().ok());
            let span = if only_comment {
                next_code_line(&lines, i).map(|j| block_from(&lines, j))
            } else {
                Some(Span::Lines(n, n))
            };
            if let Some(span) = span {
                push(
                    out,
                    Tool::Trivy,
                    format!("trivy:ignore:{id}"),
                    vec![id],
                    span,
                    None,
                    expires,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guardrails::Severity;

    #[test]
    fn marker_lines_are_the_lines_holding_a_marker() {
        let text = "# checkov:skip=CKV_1 # nosec\nplain\r\nx # trivy:ignore:DS-1 zizmor: hadolint\n\n# kics-scan ignore\nchecko\nv:skip=";
        assert_eq!(marker_lines(text), [0, 2, 4]);
        assert!(marker_lines("no suppression here\n").is_empty());
        // Every line, whatever precedes it, is found once.
        let many: String = (0..50)
            .map(|i| if i % 3 == 0 { "nosec\n" } else { "x\n" })
            .collect();
        assert_eq!(marker_lines(&many), (0..50).step_by(3).collect::<Vec<_>>());
    }

    /// The vectorised search finds every line holding a marker, as a look at each line
    /// for each marker does, on the fixtures and on texts made of markers, parts of
    /// markers and line breaks.
    #[test]
    fn marker_lines_are_those_a_look_at_each_line_finds() {
        use crate::guardrails::gate_samples::texts;
        let each_line = |text: &str| -> Vec<usize> {
            text.split('\n')
                .enumerate()
                .filter(|(_, line)| MARKERS.iter().any(|m| line.contains(m)))
                .map(|(i, _)| i)
                .collect()
        };
        let pieces = [
            "zizmor:",
            "zizmor",
            "checkov:skip=",
            "checkov:",
            "checkov.io/skip",
            "hadolint",
            "hadolin",
            "nosec",
            "kics-scan",
            "trivy:ignore:",
            "trivy:",
            "x",
            " ",
            "\n",
            "\r\n",
            "\u{e9}",
        ];
        let mut next = paved_model::samples::below(0x1405_7b7e_f767_814f);
        let random = (0..3000).map(|_| {
            let len = 1 + next(60);
            (0..len)
                .map(|_| pieces[next(pieces.len())])
                .collect::<String>()
        });
        let mut lines = 0;
        for text in texts(&[]).into_iter().chain(random) {
            let want = each_line(&text);
            assert_eq!(marker_lines(&text), want, "{text:?}");
            lines += want.len();
        }
        assert!(lines > 10_000, "{lines}");
    }

    fn meta(id: &'static str, domain: Domain, references: &'static [&'static str]) -> RuleMeta {
        RuleMeta {
            id,
            domain,
            references,
            ..crate::drift::rules::meta("PVD-AUDIT-001").clone()
        }
    }

    fn found(path: &str, text: &str) -> Vec<Inline> {
        find(&paved_parse::files::in_memory(&[(path, text)]))
    }

    fn one(path: &str, text: &str) -> Inline {
        let mut all = found(path, text);
        assert_eq!(all.len(), 1, "{all:?}");
        all.remove(0)
    }

    #[test]
    fn zizmor_ignore_is_its_line_and_names_audits() {
        let s = one(
            ".github/workflows/ci.yml",
            "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4 # zizmor: ignore[unpinned-uses] -- vendored mirror\n",
        );
        assert_eq!(
            (s.tool, s.span, s.line),
            (Tool::Zizmor, Span::Lines(4, 4), 4)
        );
        assert_eq!(s.reason.as_deref(), Some("vendored mirror"));
        let pin = meta(
            "PVD-GHA-001",
            Domain::GithubActions,
            &["zizmor:unpinned-uses"],
        );
        let other = meta(
            "PVD-GHA-002",
            Domain::GithubActions,
            &["zizmor:excessive-permissions"],
        );
        let file = Path::new(".github/workflows/ci.yml");
        assert!(s.covers(&pin, file, Some(4)));
        assert!(!s.covers(&pin, file, Some(3)));
        assert!(!s.covers(&other, file, Some(4)));
        assert!(!s.covers(&pin, Path::new("other.yml"), Some(4)));
    }

    #[test]
    fn checkov_skip_covers_its_terraform_block_or_dockerfile() {
        let tf = "resource \"aws_s3_bucket_acl\" \"a\" {\n  # checkov:skip=CKV_AWS_20:Public website bucket\n  acl = \"public-read\"\n}\n\nresource \"aws_s3_bucket_acl\" \"b\" {\n  acl = \"public-read\"\n}\n";
        let s = one("main.tf", tf);
        assert_eq!(s.span, Span::Lines(1, 4));
        assert_eq!(s.reason.as_deref(), Some("Public website bucket"));
        let acl = meta(
            "PVD-TF-006",
            Domain::Terraform,
            &["checkov:CKV_AWS_20", "trivy:AWS-0092"],
        );
        assert!(s.covers(&acl, Path::new("main.tf"), Some(3)));
        assert!(!s.covers(&acl, Path::new("main.tf"), Some(7)));

        let s = one(
            "Dockerfile",
            "FROM debian:12\n#checkov:skip=CKV_DOCKER_3:runs as root by design\nRUN x\n",
        );
        assert_eq!(s.span, Span::File);
        let root = meta(
            "PVD-DOCKER-001",
            Domain::Dockerfile,
            &["hadolint:DL3002", "checkov:CKV_DOCKER_3"],
        );
        assert!(s.covers(&root, Path::new("Dockerfile"), None));
    }

    #[test]
    fn checkov_kubernetes_annotation_covers_its_object() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    checkov.io/skip1: CKV_K8S_16=node agent needs the host\nspec: {}\n---\napiVersion: v1\nkind: Pod\n";
        let s = one("k8s/pod.yaml", text);
        assert_eq!(
            (s.span, s.reason.as_deref()),
            (Span::Lines(1, 6), Some("node agent needs the host"))
        );
        let privileged = meta("PVD-KUBE-001", Domain::Kubernetes, &["checkov:CKV_K8S_16"]);
        assert!(s.covers(&privileged, Path::new("k8s/pod.yaml"), Some(6)));
        assert!(!s.covers(&privileged, Path::new("k8s/pod.yaml"), Some(9)));
    }

    #[test]
    fn hadolint_ignore_is_the_next_instruction_and_global_the_file() {
        let text = "FROM debian:12\n# hadolint ignore=DL3008,DL3009\n\nRUN apt-get install -y curl\nRUN apt-get install -y git\n";
        let s = one("Dockerfile", text);
        assert_eq!(
            (s.span, s.ids.clone()),
            (
                Span::Lines(4, 4),
                vec!["DL3008".to_string(), "DL3009".to_string()]
            )
        );
        let apt = meta("PVD-DOCKER-009", Domain::Dockerfile, &["hadolint:DL3008"]);
        assert!(s.covers(&apt, Path::new("Dockerfile"), Some(4)));
        assert!(!s.covers(&apt, Path::new("Dockerfile"), Some(5)));
        let s = one(
            "Dockerfile",
            "# hadolint global ignore=DL3008\nFROM debian:12\n",
        );
        assert_eq!(s.span, Span::File);
    }

    #[test]
    fn nosec_waives_secrets_and_auth_on_its_line_only() {
        let s = one(
            "app/config.py",
            "KEY = 'AKIAIOSFODNN7EXAMPLE'  # nosec -- documentation example\n",
        );
        assert_eq!(
            (s.ids.is_empty(), s.reason.as_deref()),
            (true, Some("documentation example"))
        );
        let secret = meta(
            "PVD-SECRET-002",
            Domain::Secrets,
            &["gitleaks:aws-access-token"],
        );
        let docker = meta("PVD-DOCKER-001", Domain::Dockerfile, &[]);
        assert!(s.covers(&secret, Path::new("app/config.py"), Some(1)));
        assert!(!s.covers(&docker, Path::new("app/config.py"), Some(1)));
        // Ids of bandit or gosec map to no paved rule: a listed id waives nothing here.
        let s = one("app/config.py", "HOST = '0.0.0.0'  # nosec B104\n");
        assert!(!s.covers(&secret, Path::new("app/config.py"), Some(1)));
    }

    /// Real comments (public Python and Go code): the ids as bandit and gosec read
    /// them, and the rest as the reason.
    #[test]
    fn nosec_ids_then_reason() {
        let cases: [(&str, &[&str], Option<&str>); 11] = [
            (
                "x = urlopen(u)  # nosec B310 reason text\n",
                &["B310"],
                Some("reason text"),
            ),
            (
                "x  # nosec B310 - HTTPS is enforced above.\n",
                &["B310"],
                Some("HTTPS is enforced above."),
            ),
            (
                "x  # nosec B310: fixed public metadata endpoints\n",
                &["B310"],
                Some("fixed public metadata endpoints"),
            ),
            (
                "x  # nosec B310 \u{2014} http(s) declarado por el manifiesto\n",
                &["B310"],
                Some("http(s) declarado por el manifiesto"),
            ),
            (
                "x  # nosec B603, B607 - argv is constant\n",
                &["B603", "B607"],
                Some("argv is constant"),
            ),
            ("x  # nosec B404,B603\n", &["B404", "B603"], None),
            ("x  # nosec: B602\n", &["B602"], None),
            ("x  # nosec B301 # BNS:c3c5e9\n", &["B301"], None),
            (
                "x  # nosec - constant argv, list form\n",
                &[],
                Some("constant argv, list form"),
            ),
            (
                "pw = 'x'  # nosec hardcoded_password_string test fixture\n",
                &["B105"],
                Some("test fixture"),
            ),
            (
                "k := \"x\" // #nosec G101 G402 -- test fixture\n",
                &["G101", "G402"],
                Some("test fixture"),
            ),
        ];
        for (line, ids, why) in cases {
            let s = one("app/x.py", line);
            assert_eq!(
                (
                    s.ids.iter().map(String::as_str).collect::<Vec<_>>(),
                    s.reason.as_deref()
                ),
                (ids.to_vec(), why),
                "{line}"
            );
        }
        assert_eq!(
            one("app/x.py", "x  # nosec B310 reason text\n").directive,
            "nosec B310"
        );
        // Bandit's hardcoded-password tests are the generic credential rule's.
        let s = one("app/x.py", "PASSWORD = 'x'  # nosec B105 - test fixture\n");
        let generic = meta(
            "PVD-SECRET-004",
            Domain::Secrets,
            &["checkov:CKV_SECRET_6", "bandit:B105"],
        );
        assert!(s.covers(&generic, Path::new("app/x.py"), Some(1)));
        // A plain sentence names no test: the comment waives every secrets and auth
        // rule on its line, as bandit's blanket `nosec`.
        let s = one(
            "app/x.py",
            "KEY = 'x'  # nosec this is a documented example\n",
        );
        assert_eq!(
            (s.ids.len(), s.reason.as_deref()),
            (0, Some("this is a documented example"))
        );
    }

    #[test]
    fn kics_line_block_and_file() {
        let text = "resource \"a\" \"b\" {\n  # kics-scan ignore-line\n  acl = \"public-read\"\n  x = 1\n}\n# kics-scan ignore-block\nresource \"c\" \"d\" {\n  acl = \"public-read\"\n}\n";
        let all = found("main.tf", text);
        let spans: Vec<Span> = all.iter().map(|s| s.span).collect();
        assert_eq!(spans, [Span::Lines(3, 3), Span::Lines(7, 9)]);
        let any = meta("PVD-TF-006", Domain::Terraform, &[]);
        assert!(all[0].covers(&any, Path::new("main.tf"), Some(3)));
        assert!(!all[0].covers(&any, Path::new("main.tf"), Some(4)));
        assert!(all[1].covers(&any, Path::new("main.tf"), Some(8)));
        let s = one("k8s/a.yaml", "# kics-scan ignore\napiVersion: v1\n");
        assert_eq!(s.span, Span::File);
        // Not at the top of the file: KICS ignores it, and so does paved.
        assert!(found("k8s/a.yaml", "apiVersion: v1\n# kics-scan ignore\n").is_empty());
    }

    #[test]
    fn trivy_ignore_next_block_ids_and_expiry() {
        let text = "#trivy:ignore:AVD-AWS-0092:exp:2026-01-31\nresource \"aws_s3_bucket_acl\" \"a\" {\n  acl = \"public-read\"\n}\n";
        let s = one("main.tf", text);
        assert_eq!(s.span, Span::Lines(2, 4));
        assert_eq!(s.expires, Some("2026-01-31".parse().unwrap()));
        let acl = meta(
            "PVD-TF-006",
            Domain::Terraform,
            &["checkov:CKV_AWS_20", "trivy:AWS-0092"],
        );
        assert!(s.covers(&acl, Path::new("main.tf"), Some(3)));
        let s = one("Dockerfile", "FROM x\nUSER root #trivy:ignore:DS002\n");
        let root = meta("PVD-DOCKER-001", Domain::Dockerfile, &["trivy:DS-0002"]);
        assert!(s.covers(&root, Path::new("Dockerfile"), Some(2)));
        // Named secret rules compare as written, and never match a numbered id.
        let key = meta("PVD-SECRET-001", Domain::Secrets, &["trivy:private-key"]);
        assert!(!s.covers(&key, Path::new("Dockerfile"), Some(2)));
        assert_eq!(trivy_id("AVD-DS-0002"), trivy_id("ds2"));
        assert_eq!(trivy_id("private-key"), None);
        let _ = Severity::Low;
    }
}
