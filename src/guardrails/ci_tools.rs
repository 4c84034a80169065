//! Recognising security scanners in CI: the kinds of scan a pipeline should run, the
//! tools that count for each (profile parameters `ci_tools_*`), and the steps and jobs
//! of a pipeline reduced to what they run ([`Unit`]).
//!
//! Shared knowledge, not a rule: the CI coverage rules ask whether a pipeline runs a
//! scanner, and the GitHub Actions and GitLab CI rules ask whether a scanner it runs
//! can fail silently. Rules import this module, never each other.

use std::borrow::Cow;
use std::cell::OnceCell;

use paved_model::pattern::{contains_ignore_ascii_case, folds_into_ascii, Gated};
use regex::Regex;

use std::path::Path;

use paved_model::gitlab::GitlabFile;
use paved_model::workflows::{step_is_disabled, Step, WorkflowFile};
use paved_model::{Location, YamlPath};
use paved_parse::yaml::{Node, YamlKind};

use crate::guardrails::params::params;
use crate::guardrails::CheckCtx;

/// A kind of security scan a pipeline should run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Category {
    Sast,
    Sca,
    Secrets,
    Container,
    Iac,
    Sbom,
    WorkflowAudit,
}

impl Category {
    /// Its place in [`Category::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) const ALL: [Category; 7] = [
        Category::Sast,
        Category::Sca,
        Category::Secrets,
        Category::Container,
        Category::Iac,
        Category::Sbom,
        Category::WorkflowAudit,
    ];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Category::Sast => "SAST",
            Category::Sca => "dependency scanning (SCA)",
            Category::Secrets => "secret scanning",
            Category::Container => "container image scanning",
            Category::Iac => "IaC scanning",
            Category::Sbom => "SBOM generation",
            Category::WorkflowAudit => "workflow audit (zizmor/actionlint)",
        }
    }

    pub(crate) fn defaults(self) -> &'static [&'static str] {
        match self {
            Category::Sast => &[
                "github/codeql-action/analyze",
                "semgrep/semgrep-action",
                "returntocorp/semgrep-action",
                "semgrep",
                "bandit",
                "pycqa/bandit-action",
                "brakeman",
                "gosec",
                "securego/gosec",
                // The Clang Static Analyzer, as C and C++ projects run it (GTK's
                // `ninja -C _scan_build scan-build`).
                "scan-build",
                "flawfinder",
                "Security/SAST",
                "Jobs/SAST",
                "component:sast",
            ],
            Category::Sca => &[
                "cargo deny",
                "cargo-deny",
                "EmbarkStudios/cargo-deny-action",
                "cargo audit",
                "cargo-audit",
                "rustsec/audit-check",
                "actions/dependency-review-action",
                "osv-scanner",
                "google/osv-scanner-action",
                "trivy fs",
                "trivy filesystem",
                "trivy repo",
                "trivy repository",
                "trivy sbom",
                "grype",
                "anchore/scan-action",
                "snyk",
                "snyk/actions",
                "pip-audit",
                "pip_audit",
                "pypa/gh-action-pip-audit",
                "govulncheck",
                "golang/govulncheck-action",
                "npm audit",
                "pnpm audit",
                "yarn audit",
                "bundler-audit",
                "bundle-audit",
                "bundle audit",
                "composer audit",
                "Security/Dependency-Scanning",
                "Jobs/Dependency-Scanning",
                "component:dependency-scanning",
            ],
            Category::Secrets => &[
                "gitleaks/gitleaks-action",
                "gitleaks",
                "trufflesecurity/trufflehog",
                "trufflehog",
                "detect-secrets",
                "Security/Secret-Detection",
                "Jobs/Secret-Detection",
                "component:secret-detection",
            ],
            Category::Container => &[
                "aquasecurity/trivy-action",
                "trivy image",
                "anchore/scan-action",
                "grype",
                "docker scout cves",
                "Security/Container-Scanning",
                "Jobs/Container-Scanning",
                "component:container-scanning",
            ],
            Category::Iac => &[
                "bridgecrewio/checkov-action",
                "checkov",
                "trivy config",
                "tfsec",
                "kics",
                "hadolint",
                "hadolint/hadolint-action",
                "Security/SAST-IaC",
                "Jobs/SAST-IaC",
            ],
            Category::Sbom => &[
                "anchore/sbom-action",
                "syft",
                "cargo cyclonedx",
                "cargo-cyclonedx",
                "cyclonedx-py",
                "cyclonedx-npm",
                "trivy * --format cyclonedx",
                "trivy * --format spdx",
                "trivy * --format spdx-json",
                "trivy * -f cyclonedx",
                "trivy * -f spdx",
                "trivy * -f spdx-json",
                "cdxgen",
                "cyclonedx-gomod",
                "org.cyclonedx:cyclonedx-maven-plugin",
                "cyclonedxBom",
                "docker sbom",
                "docker/build-push-action",
            ],
            Category::WorkflowAudit => &[
                "zizmorcore/zizmor-action",
                "zizmor",
                "rhysd/actionlint",
                "raven-actions/actionlint",
                "reviewdog/action-actionlint",
                "actionlint",
            ],
        }
    }

    /// The default tool list, as the profile parameter holds it.
    pub(crate) fn default_tools(self) -> Vec<String> {
        self.defaults().iter().map(|s| (*s).to_owned()).collect()
    }

    /// The tools of a profile list (`ci_tools_*`), compiled.
    pub(crate) fn tools(specs: &[String]) -> std::sync::Arc<Tools> {
        // Compiling the command patterns dominated an audit (several rules ask for the
        // tools of every category, in every repository), so each list is compiled once
        // per process and shared, not cloned: a cloned regex starts with a cold cache.
        // Bounded by the number of distinct lists in the policy.
        type Compiled = std::collections::HashMap<Vec<String>, std::sync::Arc<Tools>>;
        static COMPILED: std::sync::LazyLock<std::sync::Mutex<Compiled>> =
            std::sync::LazyLock::new(Default::default);
        let mut cache = COMPILED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(tools) = cache.get(specs) {
            return std::sync::Arc::clone(tools);
        }
        let tools = std::sync::Arc::new(Tools::new(
            specs.iter().filter_map(|s| Tool::parse(s)).collect(),
        ));
        cache.insert(specs.to_vec(), std::sync::Arc::clone(&tools));
        tools
    }
}

params! {
    /// The scanner lists of every category, for the rules that ask whether any
    /// scanner a pipeline runs can fail silently (PVD-GHA-012, PVD-GITLAB-002). The CI
    /// coverage rules declare the one list each of them reads.
    pub struct ScannerTools {
        /// Tools that count as SAST in CI: owner/repo actions, GitLab templates, or
        /// commands (`*` = any arguments).
        ci_tools_sast: Vec<String> = Category::Sast.default_tools(),
        /// Tools that count as dependency (SCA) scanning in CI.
        ci_tools_sca: Vec<String> = Category::Sca.default_tools(),
        /// Tools that count as secret scanning in CI.
        ci_tools_secrets: Vec<String> = Category::Secrets.default_tools(),
        /// Tools that count as container image scanning in CI.
        ci_tools_container: Vec<String> = Category::Container.default_tools(),
        /// Tools that count as infrastructure-as-code scanning in CI.
        ci_tools_iac: Vec<String> = Category::Iac.default_tools(),
        /// Tools that count as SBOM generation in CI.
        ci_tools_sbom: Vec<String> = Category::Sbom.default_tools(),
        /// Tools that count as CI workflow auditing, e.g. zizmor, actionlint.
        ci_tools_workflow_audit: Vec<String> = Category::WorkflowAudit.default_tools(),
    }
}

impl ScannerTools {
    /// Every category's list, in [`Category::ALL`] order.
    pub(crate) fn lists(&self) -> Vec<Vec<String>> {
        Category::ALL
            .iter()
            .map(|&c| self.list(c).clone())
            .collect()
    }

    fn list(&self, category: Category) -> &Vec<String> {
        match category {
            Category::Sast => &self.ci_tools_sast,
            Category::Sca => &self.ci_tools_sca,
            Category::Secrets => &self.ci_tools_secrets,
            Category::Container => &self.ci_tools_container,
            Category::Iac => &self.ci_tools_iac,
            Category::Sbom => &self.ci_tools_sbom,
            Category::WorkflowAudit => &self.ci_tools_workflow_audit,
        }
    }

    /// Every category with its compiled tools.
    pub(crate) fn compiled(&self) -> Vec<(Category, std::sync::Arc<Tools>)> {
        Category::ALL
            .iter()
            .map(|&c| (c, Category::tools(self.list(c))))
            .collect()
    }
}

/// The tools of one profile list, and one search for the words of all its command
/// patterns. A line holding none of those words runs none of the commands, and most
/// lines of a pipeline (`cargo build`, `npm ci`, `echo …`) are such lines: one search
/// there instead of a word check per tool was most of what judging a pipeline's
/// scanners cost (7 categories × ~80 tools × every line of every step).
pub(crate) struct Tools {
    list: Vec<Tool>,
    /// The list's own words, built only when the list is judged alone: an audit judges
    /// the profile's seven lists together, with one search for all their words
    /// ([`Verdicts`]), and a second automaton per list would cost its build for nothing.
    words: std::sync::OnceLock<Words>,
}

impl Tools {
    fn new(list: Vec<Tool>) -> Tools {
        Tools {
            list,
            words: std::sync::OnceLock::new(),
        }
    }

    fn words(&self) -> &Words {
        self.words.get_or_init(|| Words::new(&[&self.list]))
    }

    /// Whether `line` may run one of the command tools: it holds a word of one (in
    /// some ASCII case), or `ſ` or the Kelvin sign, which the patterns' `(?i)` folds
    /// to ASCII letters.
    #[cfg(test)]
    pub(crate) fn may_run(&self, line: &str) -> bool {
        !matches!(self.words().seen(line), Seen::Nothing)
    }
}

/// The ASCII words of the command patterns of one or more tool lists, and one
/// overlapping search that finds every one of them a line holds.
///
/// Judging a unit asked, for each of the seven categories, one search per line for
/// the category's words and then, per tool, one substring check per word of its
/// command: 7 searches and up to ~100 checks per line, a tenth of auditing a fleet.
/// One search over the words of every list tells all of it at once: a tool's command
/// can match a line only if the line holds each of its words (see
/// [`CommandPattern::may_match`]), and the line's words are a set of ids.
pub(crate) struct Words {
    /// Over the distinct words, by word id. `None` when some command pattern has no
    /// ASCII word: every line may run it.
    search: Option<search::WordSearch>,
    /// Per list, per tool: the ids of the words its command needs (none for an action
    /// or template).
    needs: Vec<Vec<Box<[u16]>>>,
    /// Per word id: the command tools (list, place in the list) whose first word it
    /// is. A line holds a few words, and only their tools need a look: checking
    /// every tool of every list against the line's words cost more than the search.
    firsts: Vec<Vec<(u16, u16)>>,
    /// Word → id, to judge another list on the words a line was found to hold.
    ids: std::collections::HashMap<String, u16>,
    /// `u64`s in a set of word ids.
    blocks: usize,
}

/// What a line holds of the words of a [`Words`].
pub(crate) enum Seen {
    /// None of them: the line runs no command tool of the lists.
    Nothing,
    /// These word ids, as a bit set, and the command tools (list, place in the
    /// list, in that order) whose every word it holds.
    Words {
        bits: Box<[u64]>,
        tools: Box<[(u16, u16)]>,
    },
    /// Not known by id (no search, or the line holds `ſ` or the Kelvin sign): each
    /// tool checks its own words.
    Unknown,
}

impl Words {
    fn new(lists: &[&[Tool]]) -> Words {
        let mut ids: std::collections::HashMap<&str, u16> = std::collections::HashMap::new();
        let mut words: Vec<&str> = Vec::new();
        let mut every_line = false;
        let needs = lists
            .iter()
            .map(|list| {
                list.iter()
                    .map(|tool| match tool {
                        Tool::Command(command) => {
                            every_line |= command.words.is_empty();
                            command
                                .words
                                .iter()
                                .map(|w| {
                                    *ids.entry(w.as_str()).or_insert_with(|| {
                                        words.push(w.as_str());
                                        u16::try_from(words.len() - 1)
                                            .expect("fewer than 65536 command words")
                                    })
                                })
                                .collect()
                        }
                        _ => Box::default(),
                    })
                    .collect()
            })
            .collect();
        let search = (!every_line).then(|| search::WordSearch::new(&words));
        let needs: Vec<Vec<Box<[u16]>>> = needs;
        let mut firsts = vec![Vec::new(); words.len()];
        for (list, tools) in needs.iter().enumerate() {
            for (tool, needs) in tools.iter().enumerate() {
                if let Some(&first) = needs.first() {
                    firsts[usize::from(first)].push((
                        u16::try_from(list).expect("fewer than 65536 lists"),
                        u16::try_from(tool).expect("fewer than 65536 tools in a list"),
                    ));
                }
            }
        }
        Words {
            search,
            needs,
            firsts,
            blocks: words.len().div_ceil(64).max(1),
            ids: ids.into_iter().map(|(w, id)| (w.to_owned(), id)).collect(),
        }
    }

    /// The ids of the words each command tool of `tools` needs, when every one is a
    /// word of these lists (else `None`: a line's words say nothing about it).
    fn needs_of(&self, tools: &[Tool]) -> Option<Vec<Box<[u16]>>> {
        tools
            .iter()
            .map(|tool| match tool {
                Tool::Command(command) if command.words.is_empty() => None,
                Tool::Command(command) => command
                    .words
                    .iter()
                    .map(|w| self.ids.get(w).copied())
                    .collect(),
                _ => Some(Box::default()),
            })
            .collect()
    }

    /// The words `line` holds.
    fn seen(&self, line: &str) -> Seen {
        let Some(search) = &self.search else {
            return Seen::Unknown;
        };
        if folds_into_ascii(line) {
            return Seen::Unknown;
        }
        let mut bits: Option<Box<[u64]>> = None;
        search.each(line.as_bytes(), |id| {
            let id = usize::from(id);
            bits.get_or_insert_with(|| vec![0; self.blocks].into_boxed_slice())[id / 64] |=
                1 << (id % 64);
        });
        let Some(bits) = bits else {
            return Seen::Nothing;
        };
        let holds = |w: u16| bits[usize::from(w) / 64] & (1 << (w % 64)) != 0;
        let mut tools: Vec<(u16, u16)> = Vec::new();
        for (block, &set) in bits.iter().enumerate() {
            let mut set = set;
            while set != 0 {
                let id = block * 64 + set.trailing_zeros() as usize;
                set &= set - 1;
                tools.extend(self.firsts[id].iter().filter(|&&(list, tool)| {
                    self.needs[usize::from(list)][usize::from(tool)][1..]
                        .iter()
                        .all(|&w| holds(w))
                }));
            }
        }
        tools.sort_unstable();
        Seen::Words {
            bits,
            tools: tools.into_boxed_slice(),
        }
    }
}

impl std::ops::Deref for Tools {
    type Target = [Tool];

    fn deref(&self) -> &[Tool] {
        &self.list
    }
}

/// One way of recognising a scanner.
pub(crate) enum Tool {
    /// A GitHub action, `owner/repo[/path]`, matched against `uses:` without `@ref`.
    Action(String),
    /// A GitLab CI template, `Security/SAST`, matched against `include: template:`.
    Template(String),
    /// A command line; `*` stands for any arguments.
    Command(CommandPattern),
}

/// A scanner's command line as a regular expression, compiled on first use and only
/// for a line that contains every word of the command.
///
/// Compiling the ~80 case-insensitive patterns of the default lists was a quarter of
/// auditing one repository, yet a pipeline runs a handful of them: most lines never
/// mention most tools, and a line that lacks one of a tool's words (`cargo audit`
/// on a line with `cargo` but no `audit`, the six `trivy * --format …` SBOM forms on
/// a line that never says `cyclonedx` or `spdx`) cannot match its pattern.
pub(crate) struct CommandPattern {
    pattern: String,
    /// The ASCII words the pattern requires, lower-case. Under `(?i)` a word matches
    /// only itself in some ASCII case, except on a line holding `ſ` or the Kelvin sign
    /// (the regex then always runs).
    words: Vec<String>,
    regex: std::sync::OnceLock<Option<Regex>>,
    /// The same pattern for an ASCII line (see [`CommandPattern::starts`]).
    ascii: std::sync::OnceLock<Option<std::sync::Arc<regex::bytes::Regex>>>,
    /// The same pattern walked without a regex, for an ASCII line, when its words
    /// are ASCII.
    plain: Option<plain::Plain>,
}

/// Lines longer than this are left to the regex: the walk keeps a flag per step and
/// byte, and recurses once per argument.
const PLAIN_MAX_LINE: usize = 4096;

impl CommandPattern {
    fn new(pattern: String, words: Vec<String>, plain: Option<plain::Plain>) -> CommandPattern {
        CommandPattern {
            pattern,
            plain,
            words: words
                .into_iter()
                .filter(|w| w.is_ascii())
                .map(|w| w.to_ascii_lowercase())
                .collect(),
            regex: std::sync::OnceLock::new(),
            ascii: std::sync::OnceLock::new(),
        }
    }

    /// Whether `line` may hold a match.
    fn may_match(&self, line: &str) -> bool {
        folds_into_ascii(line)
            || self
                .words
                .iter()
                .all(|w| contains_ignore_ascii_case(line, w))
    }

    /// Where in `line` the pattern matches.
    ///
    /// On an ASCII line (nearly every CI line) the pattern compiled without Unicode
    /// finds the same matches at the same offsets: `\s` and `\S` agree on ASCII text,
    /// and `(?i)` folds an ASCII letter to nothing else ASCII (only to `ſ` and the
    /// Kelvin sign). It compiles without the UTF-8 automata a Unicode class needs, at
    /// a fraction of the cost, and once per process for a pattern string that several
    /// tool lists share. The Unicode regex is compiled only for a line that needs it.
    /// A pattern whose words are ASCII needs neither on an ASCII line: [`plain`]
    /// walks it.
    fn starts(&self, line: &str) -> Vec<usize> {
        if line.is_ascii() {
            if let (Some(plain), true) = (&self.plain, line.len() <= PLAIN_MAX_LINE) {
                return plain.starts(line.as_bytes());
            }
            if let Some(re) = self.ascii() {
                return re.find_iter(line.as_bytes()).map(|m| m.start()).collect();
            }
        }
        match self.regex() {
            Some(re) => re.find_iter(line).map(|m| m.start()).collect(),
            None => Vec::new(),
        }
    }

    fn ascii(&self) -> Option<&regex::bytes::Regex> {
        static COMPILED: std::sync::LazyLock<
            std::sync::Mutex<
                std::collections::HashMap<String, Option<std::sync::Arc<regex::bytes::Regex>>>,
            >,
        > = std::sync::LazyLock::new(Default::default);
        self.ascii
            .get_or_init(|| {
                let mut compiled = COMPILED.lock().unwrap_or_else(|p| p.into_inner());
                compiled
                    .entry(self.pattern.clone())
                    .or_insert_with(|| {
                        regex::bytes::RegexBuilder::new(&self.pattern)
                            .unicode(false)
                            .dfa_size_limit(0)
                            .build()
                            .ok()
                            .map(std::sync::Arc::new)
                    })
                    .clone()
            })
            .as_deref()
    }

    /// The regex, built for a line: without the lazy DFA, which halves what
    /// compiling it costs (see `paved_model::pattern::Gated::for_short_texts`).
    fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| {
                regex::RegexBuilder::new(&self.pattern)
                    .dfa_size_limit(0)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

impl Tool {
    pub(crate) fn parse(spec: &str) -> Option<Tool> {
        let spec = spec.trim();
        if spec.is_empty() {
            return None;
        }
        let lower = spec.to_ascii_lowercase();
        if lower.starts_with("security/")
            || lower.starts_with("jobs/")
            || lower.starts_with("component:")
        {
            return Some(Tool::Template(lower));
        }
        if spec.contains('/') && !spec.contains(char::is_whitespace) {
            return Some(Tool::Action(lower));
        }
        let mut pattern = String::from(r#"(?i)(?:^|[\s;&|(`"'/=])"#);
        let mut first = true;
        let mut words = Vec::new();
        for token in spec.split_whitespace() {
            if token == "*" || token == "…" {
                if !first {
                    pattern.push_str(r"(?:\s+\S+)*");
                }
                continue;
            }
            if !first {
                pattern.push_str(r"[\s=]+");
            }
            pattern.push_str(&regex::escape(token));
            words.push(token.to_owned());
            first = false;
        }
        // `:` and `@` end the name when the tool runs from its container image
        // (`docker run ghcr.io/gitleaks/gitleaks:v8@sha256:… git .`).
        pattern.push_str(r#"(?:$|[\s;&|)`"'=:@])"#);
        let plain = plain::Plain::new(spec.split_whitespace());
        Some(Tool::Command(CommandPattern::new(pattern, words, plain)))
    }

    pub(crate) fn matches_action(&self, name: &str) -> bool {
        match self {
            Tool::Action(a) => {
                name == a || (name.starts_with(a.as_str()) && name[a.len()..].starts_with('/'))
            }
            _ => false,
        }
    }

    pub(crate) fn matches_template(&self, template: &str) -> bool {
        match self {
            Tool::Template(t) => {
                let template = template.to_ascii_lowercase();
                match t.strip_prefix("component:") {
                    // CI/CD catalog component: `<host>/components/sast/sast@2`
                    Some(name) => template.contains(&format!("/components/{name}/")),
                    None => {
                        template.starts_with(t.as_str()) && template[t.len()..].starts_with('.')
                    }
                }
            }
            _ => false,
        }
    }

    /// Where in `line` the command starts.
    pub(crate) fn find_command(&self, line: &str) -> Option<usize> {
        self.find_commands(line).into_iter().next()
    }

    /// Every place in `line` where the tool runs, leaving out mentions that install it
    /// (`cargo install cargo-deny@0.20.2 && cargo deny check` runs it once).
    pub(crate) fn find_commands(&self, line: &str) -> Vec<usize> {
        match self {
            Tool::Command(command) if command.may_match(line) => command
                .starts(line)
                .into_iter()
                .filter(|&at| !installs(&line[..at]))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// [`Tool::find_commands`] for a tool known to hold every word of its command.
    fn find_commands_unchecked(&self, line: &str) -> Vec<usize> {
        match self {
            Tool::Command(command) => command
                .starts(line)
                .into_iter()
                .filter(|&at| !installs(&line[..at]))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// How the tools of a list are found among the words of a line ([`Seen`]).
enum Lookup<'n> {
    /// The list's place among the lists the words were gathered from.
    List(u16),
    /// The ids of each tool's words, for a list the words were not gathered from.
    Needs(&'n [Box<[u16]>]),
}

impl Lookup<'_> {
    /// The command tools of `tools` (this list) that may run on `line`, whose words
    /// are `seen`, in list order.
    fn may_run<'t>(&self, tools: &'t [Tool], line: &str, seen: &Seen) -> Vec<&'t Tool> {
        match (seen, self) {
            (Seen::Nothing, _) => Vec::new(),
            (Seen::Words { tools: held, .. }, Lookup::List(list)) => {
                let from = held.partition_point(|&(l, _)| l < *list);
                held[from..]
                    .iter()
                    .take_while(|&&(l, _)| l == *list)
                    .map(|&(_, tool)| &tools[usize::from(tool)])
                    .collect()
            }
            (Seen::Words { bits, .. }, Lookup::Needs(needs)) => tools
                .iter()
                .zip(needs.iter())
                .filter(|(tool, needs)| {
                    matches!(tool, Tool::Command(_))
                        && needs
                            .iter()
                            .all(|&w| bits[usize::from(w) / 64] & (1 << (w % 64)) != 0)
                })
                .map(|(tool, _)| tool)
                .collect(),
            (Seen::Unknown, _) => tools
                .iter()
                .filter(|tool| matches!(tool, Tool::Command(c) if c.may_match(line)))
                .collect(),
        }
    }
}

/// Whether the shell command that `prefix` ends inside is a package install, so a
/// tool named after it is being installed, not run.
fn installs(prefix: &str) -> bool {
    let command = prefix
        .rsplit([';', '&', '|', '\n', '('])
        .next()
        .unwrap_or(prefix);
    let words: Vec<&str> = command.split_whitespace().collect();
    words
        .iter()
        .any(|w| matches!(*w, "install" | "binstall" | "i" | "add" | "download"))
}

// The patterns that judge a scanner's command line (lower-cased), for a text that is
// not ASCII: [`flags`] matches an ASCII one by hand. Each is compiled only for a
// command holding a literal that all its matches contain, and built for short texts.
static SWALLOWS: Gated = Gated::new(
    r"(^|[^|])\|\|([^|].*)$|;\s*(true|:|exit\s+0)\s*$",
    &["||", ";"],
)
.for_short_texts();
static EXIT0: Gated = Gated::new(r"--exit-code[\s=]+0\b", &["--exit-code"]).for_short_texts();
static TRIVY_SCAN: Gated = Gated::new(
    r"\btrivy\s+(image|fs|filesystem|config|repo|repository|rootfs|sbom)\b",
    &["trivy"],
)
.for_short_texts();
static EXIT_NONZERO: Gated =
    Gated::new(r"--exit-code[\s=]+[1-9]", &["--exit-code"]).for_short_texts();
static GRYPE: Gated = Gated::new(r"\bgrype\b", &["grype"]).for_short_texts();
static GOVULNCHECK: Gated = Gated::new(r"\bgovulncheck\b", &["govulncheck"]).for_short_texts();
static GOVULN_FORMAT: Gated = Gated::new(
    r"(^|\s)(-json\b|-format[\s=]+(json|sarif|openvex)\b)",
    &["-json", "-format"],
)
.for_short_texts();
static TRIVY_SBOM_FORMAT: Gated = Gated::new(
    r"(--format|-f)[\s=]+(cyclonedx|spdx)",
    &["cyclonedx", "spdx"],
)
.for_short_texts();
static TRIVY_SCANNERS: Gated = Gated::new(
    r"--(scanners|security-checks)[\s=]+([a-z,]+)",
    &["--scanners", "--security-checks"],
)
.for_short_texts();

/// Whether `gated` matches `text`: by hand ([`flags`]) when the text is ASCII.
fn judged(text: &str, hand: fn(&[u8]) -> bool, gated: &Gated) -> bool {
    if text.is_ascii() {
        hand(text.as_bytes())
    } else {
        gated.is_match(text)
    }
}

/// What follows the `||` that [`SWALLOWS`] matched (its second group), `Some(None)`
/// for its other branch (`; true`, `; exit 0`), `None` without a match.
fn swallowed(rest: &str) -> Option<Option<&str>> {
    if rest.is_ascii() {
        return flags::swallows(rest.as_bytes()).map(|how| match how {
            flags::Swallows::Or(at) => Some(&rest[at..]),
            flags::Swallows::Exit => None,
        });
    }
    SWALLOWS
        .captures(rest)
        .map(|c| c.get(2).map(|after| after.as_str()))
}

/// `|| true`, `|| exit 0`, `|| :`, `; exit 0`: the command's failure is thrown away.
pub(crate) fn swallows_failure(rest: &str) -> bool {
    let Some(after) = swallowed(rest) else {
        return false;
    };
    // `|| exit 1` or `|| false` keep the failure; anything else after `||` hides it.
    match after {
        Some(after) => {
            !(after.contains("exit 1")
                || after.contains("exit 2")
                || after.trim_start().starts_with("false")
                || after.contains("; exit $"))
        }
        None => true,
    }
}

/// Flags that make a scanner report without ever failing: `--soft-fail`,
/// `--exit-code 0`, trivy without `--exit-code 1` (it exits 0 on findings by
/// default; a trivy SBOM has no findings to fail on, so it is exempt when it counts
/// as SBOM generation), grype without `--fail-on`, govulncheck writing JSON, SARIF or
/// OpenVEX (it then exits 0 whatever it finds).
pub(crate) fn exits_zero_on_findings(category: Category, cmd: &str) -> bool {
    // An SBOM has no findings to fail on: its exit-code flags say nothing.
    if category == Category::Sbom {
        return false;
    }
    let cmd = cmd.to_ascii_lowercase();
    if cmd.contains("--soft-fail") || judged(&cmd, flags::exit_code_zero, &EXIT0) {
        return true;
    }
    let sbom_exempt = category == Category::Sbom && trivy_sbom_format(&cmd);
    if judged(&cmd, flags::trivy_scan, &TRIVY_SCAN)
        && !sbom_exempt
        && !judged(&cmd, flags::exit_code_nonzero, &EXIT_NONZERO)
    {
        return true;
    }
    if judged(&cmd, |t| flags::whole_word(t, "govulncheck"), &GOVULNCHECK)
        && judged(&cmd, flags::govulncheck_format, &GOVULN_FORMAT)
    {
        return true;
    }
    judged(&cmd, |t| flags::whole_word(t, "grype"), &GRYPE)
        && !cmd.contains("--fail-on")
        && !cmd.contains(" -f ")
}

/// trivy writing an SBOM (`--format cyclonedx|spdx|spdx-json`, `-f cyclonedx`).
fn trivy_sbom_format(cmd: &str) -> bool {
    judged(cmd, flags::trivy_sbom_format, &TRIVY_SBOM_FORMAT)
}

/// The value of a trivy `--scanners` (or the older `--security-checks`) flag.
fn trivy_scanners(cmd: &str) -> Option<String> {
    if cmd.is_ascii() {
        return flags::trivy_scanners(cmd.as_bytes()).map(|at| cmd[at].to_owned());
    }
    TRIVY_SCANNERS.captures(cmd).map(|c| c[2].to_owned())
}

/// Whether a trivy invocation looks for vulnerabilities. An SBOM run does not unless
/// `--scanners` asks for `vuln` explicitly; `--scanners secret,misconfig` never does.
fn trivy_scans_vulns(cmd: &str) -> bool {
    match trivy_scanners(cmd) {
        Some(list) => list.split(',').any(|s| s == "vuln"),
        None => !trivy_sbom_format(cmd),
    }
}

/// The words of `cmd` after the first one equal to (or a path ending in) `word`.
fn args_after<'c>(cmd: &'c str, word: &str) -> Option<Vec<&'c str>> {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let at = words.iter().position(|w| {
        let w = w.trim_matches(|c| c == '"' || c == '\'');
        w == word || w.ends_with(&format!("/{word}"))
    })?;
    Some(words[at + 1..].to_vec())
}

/// Whether a command that a tool of `category` matched really runs that kind of scan.
/// Tool names alone over-count dependency scanning: trivy writing an SBOM, `npm audit
/// signatures`, `cargo deny check licenses`, grype pointed at an image or `snyk
/// monitor` name an SCA tool but find no vulnerable dependency in the change.
pub(crate) fn does_scan(category: Category, cmd: &str) -> bool {
    if !matches!(category, Category::Sca | Category::Container) {
        return true;
    }
    let cmd = cmd.to_ascii_lowercase();
    let positional = |args: Vec<&str>| -> Vec<String> {
        args.into_iter()
            .take_while(|a| !matches!(*a, "&&" | "||" | ";" | "|"))
            .filter(|a| !a.starts_with('-'))
            .map(|a| a.trim_matches(|c| c == '"' || c == '\'').to_owned())
            .collect()
    };
    if let Some(args) = args_after(&cmd, "trivy") {
        let sub = positional(args);
        if category == Category::Sca && sub.first().is_some_and(|s| s == "image" || s == "config") {
            return false;
        }
        return trivy_scans_vulns(&cmd);
    }
    if category == Category::Container {
        return true;
    }
    if let Some(args) = args_after(&cmd, "grype") {
        // `grype dir:.`, `grype sbom:bom.json`, `grype .`; an image is container scanning.
        return positional(args).iter().any(|t| {
            t.starts_with("dir:")
                || t.starts_with("file:")
                || t.starts_with("sbom:")
                || t == "."
                || t.starts_with("./")
        });
    }
    if let Some(args) = args_after(&cmd, "audit") {
        if args_after(&cmd, "npm")
            .or_else(|| args_after(&cmd, "pnpm"))
            .or_else(|| args_after(&cmd, "yarn"))
            .is_some_and(|a| a.first() == Some(&"audit") || a.get(1) == Some(&"audit"))
        {
            let sub = positional(args);
            return !sub.first().is_some_and(|s| s == "signatures" || s == "fix");
        }
    }
    if let Some(args) = args_after(&cmd, "deny").or_else(|| args_after(&cmd, "cargo-deny")) {
        let sub = positional(args);
        if let Some(i) = sub.iter().position(|s| s == "check") {
            let checks = &sub[i + 1..];
            return checks.is_empty() || checks.iter().any(|c| c == "advisories" || c == "all");
        }
        return !sub.is_empty() || cmd.contains("check");
    }
    if let Some(args) = args_after(&cmd, "snyk") {
        let sub = positional(args);
        return sub.first().is_some_and(|s| s == "test");
    }
    true
}

/// Whether a scanner action does a scan of `category` with its inputs: trivy-action
/// writing an SBOM or scanning an image is not dependency scanning, anchore/scan-action
/// scans dependencies only given a `path` or `sbom`, cargo-deny-action only when its
/// `command` checks advisories, a snyk action only when it runs `test`.
pub(crate) fn action_scans(category: Category, action: &str, with: Option<&Node>) -> bool {
    let input = |k: &str| with.and_then(|w| w.str_at(k)).map(str::to_ascii_lowercase);
    if category == Category::Sbom && action.starts_with("docker/build-push-action") {
        // An image build writes an SBOM attestation only when asked to.
        let sbom = with.and_then(|w| w.get("sbom")).is_some_and(|v| {
            v.as_bool() == Some(true) || v.as_str().is_some_and(|s| s.trim() == "true")
        });
        let attests = input("attests").is_some_and(|a| a.contains("type=sbom"));
        return sbom || attests;
    }
    if category == Category::Sca {
        if action.starts_with("anchore/scan-action") {
            return input("path").is_some() || input("sbom").is_some();
        }
        if action.starts_with("embarkstudios/cargo-deny-action") {
            let command = input("command").unwrap_or_else(|| "check".into());
            return does_scan(category, &format!("cargo deny {command}"));
        }
        if let Some(kind) = action.strip_prefix("snyk/actions/") {
            let command = input("command").unwrap_or_else(|| "test".into());
            return !matches!(kind, "docker" | "iac" | "setup")
                && command.split_whitespace().next() == Some("test");
        }
    }
    true
}

/// Action inputs that keep a scanner action from failing the job. `sbom_exempt`: a
/// trivy SBOM counted as SBOM generation, which has nothing to fail on.
pub(crate) fn action_exits_zero(action: &str, with: Option<&Node>, sbom_exempt: bool) -> bool {
    let input = |k: &str| with.and_then(|w| w.get(k));
    if action.starts_with("aquasecurity/trivy-action") {
        return !sbom_exempt
            && !input("exit-code")
                .and_then(Node::as_i64)
                .is_some_and(|c| c != 0);
    }
    if action.starts_with("bridgecrewio/checkov-action") {
        return input("soft_fail").and_then(Node::as_bool) == Some(true);
    }
    if action.starts_with("anchore/scan-action") {
        return input("fail-build").and_then(Node::as_bool) == Some(false);
    }
    if action.starts_with("golang/govulncheck-action") {
        return input("output-format")
            .and_then(Node::as_str)
            .is_some_and(|f| f != "text");
    }
    if action.starts_with("actions/dependency-review-action") {
        return input("warn-only").and_then(Node::as_bool) == Some(true);
    }
    false
}

/// Shell lines with `\`-continuations joined, each with the byte offset where it starts.
/// A line without a continuation is borrowed from `text` (nearly every line: a `String`
/// per line was a third of finding what a pipeline's lines hold).
pub(crate) fn logical_lines(text: &str) -> Vec<(usize, Cow<'_, str>)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut offset = 0;
    for raw in text.split('\n') {
        match (raw.trim_end().strip_suffix('\\'), current.take()) {
            (Some(head), joined) => {
                let (start, mut buf) = joined.unwrap_or((offset, String::new()));
                buf.push_str(head);
                buf.push(' ');
                current = Some((start, buf));
            }
            (None, Some((start, mut buf))) => {
                buf.push_str(raw);
                out.push((start, Cow::Owned(buf)));
            }
            (None, None) => out.push((offset, Cow::Borrowed(raw))),
        }
        offset += raw.len() + 1;
    }
    out.extend(current.map(|(start, buf)| (start, Cow::Owned(buf))));
    out
}

/// Each command of a unit (its index in `commands`) with its logical lines (offset in
/// the command, text).
type CommandLines<'a> = Vec<(usize, Vec<(usize, Cow<'a, str>)>)>;

/// A step or job, reduced to what recognises a scanner.
pub(crate) struct Unit<'a> {
    /// `uses:` action name without `@ref`, lower-case.
    pub action: Option<String>,
    pub with: Option<&'a Node>,
    /// Command text and the line to report it at.
    pub commands: Vec<&'a Node>,
    /// A `uses: docker://image` step as the command line its container runs: the
    /// image's program (or `with.entrypoint`) and `with.args`.
    pub container_command: Option<String>,
    /// GitLab templates named by this unit (`include: template:`).
    pub templates: Vec<(&'a str, u32)>,
    /// Line of the step or job, to tell units apart.
    pub line: u32,
    /// The step or job itself, for findings about it.
    pub site: Site<'a>,
    /// `continue-on-error: true` / `allow_failure: true`: that key.
    pub ignores_failure: Option<Site<'a>>,
    /// The logical lines of each command, split once for every category asked about.
    lines: OnceCell<CommandLines<'a>>,
    /// `uses: aquasecurity/trivy-action` as a command line, read once.
    trivy: OnceCell<TrivyAction>,
}

/// What a finding about a unit points at, named rather than counted: a key path
/// below a node (`""` for the node itself) or a byte offset into a script scalar.
/// [`Site::at`] resolves it through `paved_model::Location` where it is reported.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Site<'a> {
    Key(&'a Node, &'static str),
    Text(&'a Node, usize),
}

impl Site<'_> {
    /// Where this is in `file`.
    pub(crate) fn at(self, file: &Path) -> Location<'_> {
        match self {
            Site::Key(node, path) => Location::yaml(file, node, YamlPath(path)),
            Site::Text(node, offset) => Location::in_text(file, node, offset),
        }
    }
}

/// How a unit runs a scanner of some category.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Found<'a> {
    Enforced,
    /// Runs, but its failure cannot fail the pipeline (where the reason is).
    Silenced(Site<'a>),
}

/// Where in a unit its scanner is silenced, named by what it is in the unit rather
/// than by reference, so a [`Verdict`] outlives the units it was judged on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SiteRef {
    /// The step or job itself.
    Unit,
    /// Its `continue-on-error` / `allow_failure` key.
    IgnoresFailure,
    /// A line of one of its commands (index in `commands`, byte offset).
    Text(usize, usize),
}

/// [`Found`] for a unit, by [`SiteRef`]; [`Unit::resolve`] turns it into one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Enforced,
    Silenced(SiteRef),
}

impl<'a> Unit<'a> {
    fn command_lines(&self) -> &CommandLines<'a> {
        self.lines.get_or_init(|| {
            self.commands
                .iter()
                .enumerate()
                .filter_map(|(i, node)| Some((i, logical_lines(node.as_str()?))))
                .collect()
        })
    }

    pub(crate) fn resolve(&self, verdict: Verdict) -> Found<'a> {
        match verdict {
            Verdict::Enforced => Found::Enforced,
            Verdict::Silenced(SiteRef::Unit) => Found::Silenced(self.site),
            Verdict::Silenced(SiteRef::IgnoresFailure) => {
                Found::Silenced(self.ignores_failure.unwrap_or(self.site))
            }
            Verdict::Silenced(SiteRef::Text(command, offset)) => {
                Found::Silenced(Site::Text(self.commands[command], offset))
            }
        }
    }

    /// Whether this unit runs a tool of `category`, and whether it can fail the build.
    pub(crate) fn runs(&self, category: Category, tools: &Tools) -> Option<Found<'a>> {
        self.verdict(category, tools).map(|v| self.resolve(v))
    }

    /// [`Unit::runs`], by [`SiteRef`].
    pub(crate) fn verdict(&self, category: Category, tools: &Tools) -> Option<Verdict> {
        let words = tools.words();
        self.verdict_seen(category, tools, &Lookup::List(0), &self.seen(words))
    }

    /// What every line of this unit holds of `words` (one search per line, for every
    /// category the words were gathered from).
    fn seen(&self, words: &Words) -> UnitSeen {
        UnitSeen {
            lines: self
                .command_lines()
                .iter()
                .map(|(_, lines)| lines.iter().map(|(_, line)| words.seen(line)).collect())
                .collect(),
            container: self.container_command.as_deref().map(|c| words.seen(c)),
        }
    }

    /// `uses: aquasecurity/trivy-action` as the command line it runs, built once for
    /// every category asked about.
    fn trivy_action(&self) -> &TrivyAction {
        self.trivy.get_or_init(|| {
            let input = |k: &str| {
                self.with
                    .and_then(|w| w.get(k))
                    .and_then(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .or_else(|| v.as_i64().map(|n| n.to_string()))
                    })
                    .map(|v| v.to_ascii_lowercase())
            };
            let scan_type = input("scan-type").unwrap_or_else(|| "image".into());
            let format = input("format").unwrap_or_default();
            let sbom = format.starts_with("cyclonedx") || format.starts_with("spdx");
            // trivy-action as the command line it runs, so it is judged like one.
            let mut cmd = format!("trivy {scan_type}");
            for (flag, key) in [
                ("--format", "format"),
                ("--scanners", "scanners"),
                ("--exit-code", "exit-code"),
            ] {
                if let Some(v) = input(key) {
                    cmd.push_str(&format!(" {flag} {v}"));
                }
            }
            TrivyAction {
                image: scan_type == "image",
                sbom,
                cmd,
            }
        })
    }

    /// [`Unit::verdict`] with the words of every line known: `by` says how the tools
    /// of `tools` are found in `seen`.
    fn verdict_seen(
        &self,
        category: Category,
        tools: &Tools,
        by: &Lookup<'_>,
        seen: &UnitSeen,
    ) -> Option<Verdict> {
        let mut found: Option<Verdict> = None;
        let mut note = |f: Verdict| {
            found = match (found, f) {
                (Some(Verdict::Enforced), _) | (_, Verdict::Enforced) => Some(Verdict::Enforced),
                (_, s) => Some(s),
            }
        };
        let whole = || match self.ignores_failure {
            Some(_) => Verdict::Silenced(SiteRef::IgnoresFailure),
            None => Verdict::Enforced,
        };
        if let Some(action) = &self.action {
            if action.starts_with("aquasecurity/trivy-action") {
                let trivy = self.trivy_action();
                let sbom_exempt = trivy.sbom && category == Category::Sbom;
                let found = || {
                    if action_exits_zero(action, self.with, sbom_exempt) {
                        Verdict::Silenced(SiteRef::Unit)
                    } else {
                        whole()
                    }
                };
                if does_scan(category, &trivy.cmd) {
                    // trivy-action scans an image only when scan-type says so.
                    if trivy.image
                        && !trivy.sbom
                        && tools.iter().any(|tool| tool.matches_action(action))
                    {
                        note(found());
                    }
                    if tools.iter().any(|t| t.find_command(&trivy.cmd).is_some()) {
                        note(found());
                    }
                }
            } else if tools.iter().any(|tool| tool.matches_action(action))
                && action_scans(category, action, self.with)
            {
                // Only trivy-action reads `sbom_exempt`.
                note(if action_exits_zero(action, self.with, false) {
                    Verdict::Silenced(SiteRef::Unit)
                } else {
                    whole()
                });
            }
        }
        for (template, _) in &self.templates {
            if tools.iter().any(|t| t.matches_template(template)) {
                note(whole());
            }
        }
        for ((command, lines), seen) in self.command_lines().iter().zip(&seen.lines) {
            for ((offset, cmd_line), seen) in lines.iter().zip(seen) {
                if matches!(seen, Seen::Nothing) {
                    continue;
                }
                for tool in by.may_run(tools, cmd_line, seen) {
                    for at in tool.find_commands_unchecked(cmd_line) {
                        let rest = &cmd_line[at..];
                        if !does_scan(category, rest) {
                            continue;
                        }
                        if swallows_failure(rest) || exits_zero_on_findings(category, rest) {
                            note(Verdict::Silenced(SiteRef::Text(*command, *offset)));
                        } else {
                            note(whole());
                        }
                    }
                }
            }
        }
        if let (Some(cmd), Some(seen)) = (self.container_command.as_ref(), &seen.container) {
            for tool in by.may_run(tools, cmd, seen) {
                for at in tool.find_commands_unchecked(cmd) {
                    let rest = &cmd[at..];
                    if !does_scan(category, rest) {
                        continue;
                    }
                    if swallows_failure(rest) || exits_zero_on_findings(category, rest) {
                        note(Verdict::Silenced(SiteRef::Unit));
                    } else {
                        note(whole());
                    }
                }
            }
        }
        found
    }
}

/// What the lines of a unit hold of some [`Words`]: per command, per logical line,
/// and for its container's command line.
struct UnitSeen {
    lines: Vec<Vec<Seen>>,
    container: Option<Seen>,
}

/// `uses: aquasecurity/trivy-action`, read from its inputs.
struct TrivyAction {
    /// `scan-type: image` (the default).
    image: bool,
    /// `format:` CycloneDX or SPDX.
    sbom: bool,
    /// The command line it runs.
    cmd: String,
}

/// The command line a `uses: docker://…` step runs: the image's name as the program
/// (`docker://aquasec/trivy:0.50` runs `trivy`), or `with.entrypoint`, followed by
/// `with.args`. `None` for any other step.
fn container_command(uses: &str, with: Option<&Node>) -> Option<String> {
    let image = uses.trim().strip_prefix("docker://")?;
    let image = image.split('@').next().unwrap_or(image);
    let name = image.rsplit('/').next().unwrap_or(image);
    let name = name.split(':').next().unwrap_or(name);
    let program = with
        .and_then(|w| w.str_at("entrypoint"))
        .map(|e| e.trim().rsplit('/').next().unwrap_or(e).to_owned())
        .unwrap_or_else(|| name.to_owned());
    let args = with.and_then(|w| w.str_at("args")).unwrap_or("");
    Some(format!("{program} {}", args.trim()))
}

/// Whether a tool spec names a linter of Dockerfiles alone (hadolint): IaC scanning
/// for a repository whose only infrastructure code is its Dockerfiles, not for its
/// Terraform, Kubernetes manifests or Helm charts.
pub(crate) fn lints_dockerfiles_only(spec: &str) -> bool {
    let spec = spec.trim().to_ascii_lowercase();
    spec == "hadolint" || spec.starts_with("hadolint/hadolint-action")
}

/// The steps of one workflow or action file as units (not following callees: each
/// file reports its own steps).
pub(crate) fn file_units<'m>(file: &WorkflowFile<'m>) -> Vec<Unit<'m>> {
    let mut out = Vec::new();
    let runs = match file.kind() {
        YamlKind::Action => file.root().and_then(|r| r.get("runs")),
        _ => None,
    };
    // An action's steps have no job; `runs:` stands in for it (never disabled).
    let job_of = |step: &Step<'m>| step.job.map(|j| j.node).or(runs);
    for step in file.steps() {
        let Some(job) = job_of(step) else { continue };
        if step_is_disabled(job) || step_is_disabled(step.node) {
            continue;
        }
        let failure_ignored = |n: &'m Node| {
            n.get("continue-on-error")
                .filter(|v| v.as_bool() == Some(true))
                .map(|_| Site::Key(n, "continue-on-error"))
        };
        out.push(Unit {
            action: step.action(),
            with: step.node.get("with"),
            commands: step.node.get("run").into_iter().collect(),
            container_command: step
                .uses()
                .and_then(|u| container_command(u, step.node.get("with"))),
            templates: Vec::new(),
            line: step.node.line(),
            site: Site::Key(step.node, ""),
            ignores_failure: failure_ignored(step.node).or_else(|| failure_ignored(job)),
            lines: OnceCell::new(),
            trivy: OnceCell::new(),
        });
    }
    out
}

/// GitLab jobs and file-level template includes as units.
pub(crate) fn gitlab_units<'m>(file: &GitlabFile<'m>) -> Vec<Unit<'m>> {
    let mut out = Vec::new();
    let Some(root) = file.root() else {
        return out;
    };
    let templates = file.templates();
    if !templates.is_empty() {
        out.push(Unit {
            action: None,
            with: None,
            commands: Vec::new(),
            container_command: None,
            templates,
            line: root.key_line("include").unwrap_or(1),
            site: Site::Key(root, "include"),
            ignores_failure: None,
            lines: OnceCell::new(),
            trivy: OnceCell::new(),
        });
    }
    for job in file.jobs() {
        if job.skips_merge_requests() {
            continue;
        }
        out.push(Unit {
            action: None,
            with: None,
            commands: job.scripts(),
            container_command: None,
            templates: Vec::new(),
            line: job.key.line(),
            site: Site::Key(job.key, ""),
            ignores_failure: job.allow_failure().map(|key| Site::Key(key, "")),
            lines: OnceCell::new(),
            trivy: OnceCell::new(),
        });
    }
    out
}

/// What every unit of every CI file runs, per category, judged once per audit with
/// the profile's tool lists: PVD-GHA-012 asks it of every step for every category,
/// and each of the seven CI coverage rules asked it again of the pipeline's units
/// for its own category (one list each, the same parameters), which together were
/// a tenth of auditing a fleet of services.
pub(crate) struct Verdicts {
    /// The tool list each verdict was judged with, in [`Category::ALL`] order.
    lists: Vec<Vec<String>>,
    tools: Vec<(Category, std::sync::Arc<Tools>)>,
    /// The words of the seven lists, which the units' lines were searched for.
    words: std::sync::Arc<Words>,
    /// Per file: per unit, per category, and what the unit's lines hold.
    workflows: std::collections::HashMap<std::path::PathBuf, Judged>,
    gitlab: std::collections::HashMap<std::path::PathBuf, Judged>,
}

/// The units of one file, judged.
struct Judged {
    verdicts: Vec<[Option<Verdict>; 7]>,
    seen: Vec<UnitSeen>,
}

impl Verdicts {
    /// The audit's verdicts, judged on first use.
    pub(crate) fn of(cx: &CheckCtx<'_>) -> std::sync::Arc<Verdicts> {
        cx.repo.memo(|_| Verdicts::judge(cx))
    }

    fn judge(cx: &CheckCtx<'_>) -> Verdicts {
        let params = cx.params::<ScannerTools>();
        let tools = params.compiled();
        let lists = params.lists();
        let words = all_words(&lists, &tools);
        let judge_all = |units: Vec<Unit<'_>>| -> Judged {
            // One search per line for the words of all seven lists.
            let seen: Vec<UnitSeen> = units.iter().map(|unit| unit.seen(&words)).collect();
            let verdicts = units
                .iter()
                .zip(&seen)
                .map(|(unit, seen)| {
                    let mut each = [None; 7];
                    for (list, (slot, (category, tools))) in each.iter_mut().zip(&tools).enumerate()
                    {
                        let by = Lookup::List(u16::try_from(list).expect("seven lists"));
                        *slot = unit.verdict_seen(*category, tools, &by, seen);
                    }
                    each
                })
                .collect();
            Judged { verdicts, seen }
        };
        let workflows = cx
            .workflows()
            .all()
            .iter()
            .map(|file| (file.file.path.clone(), judge_all(file_units(file))))
            .collect();
        let gitlab = cx
            .gitlab()
            .files()
            .iter()
            .map(|file| (file.file.path.clone(), judge_all(gitlab_units(file))))
            .collect();
        Verdicts {
            lists,
            tools,
            words,
            workflows,
            gitlab,
        }
    }

    /// The verdicts for `category` of a file's `units` (all of them, in
    /// [`file_units`] / [`gitlab_units`] order) with `tools`, a list other than the
    /// profile's (PVD-CI-005's IaC list without hadolint): on the words the audit's
    /// judgement found in their lines when `tools` needs no other word, else with
    /// the list's own search.
    pub(crate) fn judge_with(
        &self,
        category: Category,
        tools: &Tools,
        file: &Path,
        gitlab: bool,
        units: &[Unit<'_>],
    ) -> Vec<Option<Verdict>> {
        let files = if gitlab {
            &self.gitlab
        } else {
            &self.workflows
        };
        let judged = files.get(file).filter(|j| j.seen.len() == units.len());
        match (judged, self.words.needs_of(tools)) {
            (Some(judged), Some(needs)) => units
                .iter()
                .zip(&judged.seen)
                .map(|(unit, seen)| {
                    unit.verdict_seen(category, tools, &Lookup::Needs(&needs), seen)
                })
                .collect(),
            _ => units.iter().map(|u| u.verdict(category, tools)).collect(),
        }
    }

    /// Whether the verdicts for `category` were judged with `list` (ask once, then
    /// [`Verdicts::runs`] for each unit; else judge each unit with `list`'s tools).
    pub(crate) fn judged_with(&self, category: Category, list: &[String]) -> bool {
        self.lists[category.index()] == list
    }

    /// The profile's tools for `category`, which the verdicts were judged with.
    pub(crate) fn tools(&self, category: Category) -> &Tools {
        &self.tools[category.index()].1
    }

    /// The verdicts of a file's units (in [`file_units`] / [`gitlab_units`] order),
    /// per category in [`Category::ALL`] order.
    pub(crate) fn of_file(&self, file: &Path, gitlab: bool) -> Option<&[[Option<Verdict>; 7]]> {
        let files = if gitlab {
            &self.gitlab
        } else {
            &self.workflows
        };
        files.get(file).map(|j| j.verdicts.as_slice())
    }
}

/// The [`Words`] of every category's list, in [`Category::ALL`] order: built once
/// per process for the profile's lists (an audit per repository asks for them).
fn all_words(
    lists: &[Vec<String>],
    tools: &[(Category, std::sync::Arc<Tools>)],
) -> std::sync::Arc<Words> {
    type Built = std::collections::HashMap<Vec<Vec<String>>, std::sync::Arc<Words>>;
    static BUILT: std::sync::LazyLock<std::sync::Mutex<Built>> =
        std::sync::LazyLock::new(Default::default);
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(words) = built.get(lists) {
        return std::sync::Arc::clone(words);
    }
    let each: Vec<&[Tool]> = tools.iter().map(|(_, t)| &t.list[..]).collect();
    let words = std::sync::Arc::new(Words::new(&each));
    built.insert(lists.to_vec(), std::sync::Arc::clone(&words));
    words
}

mod flags;
mod plain;
mod search;

#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_patterns_find_what_the_unicode_ones_find() {
        let mut compared = 0;
        for category in Category::ALL {
            for tool in Category::tools(&category.default_tools()).iter() {
                let Tool::Command(command) = tool else {
                    continue;
                };
                let unicode = command.regex().expect("default patterns compile");
                for line in LINES
                    .iter()
                    .chain(&["zizmor --format sarif .", "x;checkov -d ."])
                {
                    if !line.is_ascii() {
                        continue;
                    }
                    let want: Vec<usize> = unicode.find_iter(line).map(|m| m.start()).collect();
                    assert_eq!(
                        command.starts(line),
                        want,
                        "{} on {line:?}",
                        command.pattern
                    );
                    compared += want.len();
                }
            }
        }
        assert!(compared >= 10, "{compared}");
    }

    #[test]
    fn category_index_is_its_place_in_all() {
        for (i, c) in Category::ALL.iter().enumerate() {
            assert_eq!(c.index(), i, "{c:?}");
        }
    }

    /// Command lines the tests judge: defaults, several words, `*`, non-ASCII.
    const LINES: [&str; 25] = [
        "cargo deny check",
        "CARGO-DENY check advisories",
        "pip install semgrep==1.2 && semgrep ci --error",
        "docker run ghcr.io/gitleaks/gitleaks:v8@sha256:abc git .",
        "ſemgrep scan", // `ſ` folds to `s`: a non-ASCII line always runs the regex
        "\u{212a}ics scan -p .",
        "echo trivy; trivy fs --exit-code 1 .",
        "npm audit --audit-level=high",
        "run: ./scripts/osv-scanner.sh",
        "nothing to see",
        "",
        "zizmor . || true",
        "cargo audit",
        "CARGO \t AUDIT --deny warnings",
        "cargo build && cargo-audit audit",
        "docker scout cves img",
        "docker scout quickview",
        "trivy fs --format cyclonedx --output bom.json .",
        "trivy image -f spdx-json img; trivy fs -F SPDX .",
        "trivy sbom bom.json",
        "\u{e9}cho; TRIVY image --FORMAT CycloneDX x",
        "trivy image --format \u{17F}pdx x",
        "cargo cyclonedx --format json",
        "docker sbom img",
        "Jobs/SAST.gitlab-ci.yml",
    ];

    /// The word check before a command pattern never changes what it finds: every
    /// default pattern, and user patterns with several words, `*` and non-ASCII.
    #[test]
    fn command_patterns_find_what_their_regex_finds() {
        let lines = LINES;
        let mut checked = 0;
        let user: Vec<String> = [
            "trivy * --format ſpdx",
            "docker scout cves",
            "my-scan * --strict",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let lists = Category::ALL
            .iter()
            .map(|c| c.default_tools())
            .chain([user]);
        for list in lists {
            for tool in Category::tools(&list).iter() {
                let Tool::Command(command) = tool else {
                    continue;
                };
                let regex = Regex::new(&command.pattern).unwrap();
                for line in lines {
                    let expected: Vec<usize> = regex
                        .find_iter(line)
                        .map(|m| m.start())
                        .filter(|&at| !installs(&line[..at]))
                        .collect();
                    assert_eq!(
                        tool.find_commands(line),
                        expected,
                        "{} on {line:?}",
                        command.pattern
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    /// A line that runs a tool of a list holds one of the list's words.
    #[test]
    fn the_word_search_keeps_every_line_that_runs_a_tool() {
        let user: Vec<String> = ["my-scan * --strict", "trivy * --format ſpdx"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let mut judged = 0;
        for list in Category::ALL
            .iter()
            .map(|c| c.default_tools())
            .chain([user])
        {
            let tools = Category::tools(&list);
            for line in LINES {
                if tools.iter().any(|t| !t.find_commands(line).is_empty()) {
                    assert!(tools.may_run(line), "{line:?}");
                    judged += 1;
                }
            }
        }
        assert!(judged > 20, "{judged}");
        let sca = Category::tools(&Category::Sca.default_tools());
        assert!(!sca.may_run("make release && echo built"));
        assert!(sca.may_run("CARGO  Audit"));
        // A pattern without an ASCII word may match any line.
        let odd = Category::tools(&["ſcan".to_owned()]);
        assert!(odd.may_run("anything"));
    }

    /// The literals gating the patterns that judge a command are in every match.
    #[test]
    fn command_judging_gates_keep_every_match() {
        use crate::guardrails::gate_samples::{assert_same_matches, texts};
        let texts = texts(&[
            "trivy image --exit-code 0 x || true",
            "trivy fs --exit-code=1 --scanners vuln,secret .",
            "trivy fs --security-checks config .",
            "grype dir:. ; exit 0",
            "govulncheck -json ./...",
            "govulncheck -format sarif ./...",
            "trivy fs -f cyclonedx .",
            "x||y",
            "a | b ;  true ",
        ]);
        let n: usize = [
            &SWALLOWS,
            &EXIT0,
            &TRIVY_SCAN,
            &EXIT_NONZERO,
            &GRYPE,
            &GOVULNCHECK,
            &GOVULN_FORMAT,
            &TRIVY_SBOM_FORMAT,
            &TRIVY_SCANNERS,
        ]
        .iter()
        .map(|g| assert_same_matches(g, &texts))
        .sum();
        assert!(n > 20, "{n}");
    }
}
