//! The judgement of a unit as it was before one search per line served every
//! category ([`super::Words`]): a search per category with the list's own automaton,
//! then a substring check per word of each tool. Kept to test that the new one
//! judges every unit the same.

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use paved_model::pattern::folds_into_ascii;

use super::*;

/// The old `Tools::may_run`: the list's own search, built as it was.
fn may_run(tools: &Tools, line: &str) -> bool {
    let mut words: Vec<&str> = Vec::new();
    let mut every_line = false;
    for tool in tools.iter() {
        if let Tool::Command(command) = tool {
            every_line |= command.words.is_empty();
            words.extend(command.words.iter().map(String::as_str));
        }
    }
    if every_line {
        return true;
    }
    // Built once per list, as `Tools::new` did (lists are compiled once per process).
    thread_local! {
        static BUILT: std::cell::RefCell<std::collections::HashMap<usize, AhoCorasick>> =
            Default::default();
    }
    let key = std::ptr::from_ref(tools) as usize;
    BUILT.with(|built| {
        let mut built = built.borrow_mut();
        let search = built.entry(key).or_insert_with(|| {
            AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::NoncontiguousNFA))
                .ascii_case_insensitive(true)
                .build(&words)
                .expect("command words are plain strings")
        });
        folds_into_ascii(line) || search.is_match(line)
    })
}

/// The old `logical_lines`, a `String` per line.
pub(super) fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut offset = 0;
    for raw in text.split('\n') {
        let (start, mut buf) = current.take().unwrap_or((offset, String::new()));
        match raw.trim_end().strip_suffix('\\') {
            Some(head) => {
                buf.push_str(head);
                buf.push(' ');
                current = Some((start, buf));
            }
            None => {
                buf.push_str(raw);
                out.push((start, buf));
            }
        }
        offset += raw.len() + 1;
    }
    out.extend(current);
    out
}

/// The old `CommandPattern::starts`: the regex without Unicode on an ASCII line when
/// it compiles, else the Unicode one.
pub(super) fn starts(pattern: &str, line: &str) -> Vec<usize> {
    type Both = (Option<regex::bytes::Regex>, Option<Regex>);
    thread_local! {
        static BUILT: std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<Both>>> =
            Default::default();
    }
    let both = BUILT.with(|built| {
        std::rc::Rc::clone(
            built
                .borrow_mut()
                .entry(pattern.to_owned())
                .or_insert_with(|| {
                    std::rc::Rc::new((
                        regex::bytes::RegexBuilder::new(pattern)
                            .unicode(false)
                            .build()
                            .ok(),
                        Regex::new(pattern).ok(),
                    ))
                }),
        )
    });
    if let (Some(re), true) = (&both.0, line.is_ascii()) {
        return re.find_iter(line.as_bytes()).map(|m| m.start()).collect();
    }
    both.1
        .as_ref()
        .map(|re| re.find_iter(line).map(|m| m.start()).collect())
        .unwrap_or_default()
}

/// The old `Tool::find_commands`, with the old regexes.
fn find_commands(tool: &Tool, line: &str) -> Vec<usize> {
    match tool {
        Tool::Command(command) if command.may_match(line) => starts(&command.pattern, line)
            .into_iter()
            .filter(|&at| !installs(&line[..at]))
            .collect(),
        _ => Vec::new(),
    }
}

/// The old `Unit::verdict`.
pub(super) fn verdict(unit: &Unit<'_>, category: Category, tools: &Tools) -> Option<Verdict> {
    let this = unit;
    let mut found: Option<Verdict> = None;
    let mut note = |f: Verdict| {
        found = match (found, f) {
            (Some(Verdict::Enforced), _) | (_, Verdict::Enforced) => Some(Verdict::Enforced),
            (_, s) => Some(s),
        }
    };
    let whole = || match this.ignores_failure {
        Some(_) => Verdict::Silenced(SiteRef::IgnoresFailure),
        None => Verdict::Enforced,
    };
    if let Some(action) = &this.action {
        let trivy = action.starts_with("aquasecurity/trivy-action");
        let input = |k: &str| {
            this.with
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
        let sbom_exempt = sbom && category == Category::Sbom;
        let found = || {
            if action_exits_zero(action, this.with, sbom_exempt) {
                Verdict::Silenced(SiteRef::Unit)
            } else {
                whole()
            }
        };
        let scans = if trivy {
            does_scan(category, &cmd)
        } else {
            action_scans(category, action, this.with)
        };
        for tool in tools.iter() {
            // trivy-action scans an image only when scan-type says so.
            if tool.matches_action(action) && scans && (!trivy || (scan_type == "image" && !sbom)) {
                note(found());
            }
        }
        if trivy && scans && tools.iter().any(|t| !find_commands(t, &cmd).is_empty()) {
            note(found());
        }
    }
    for (template, _) in &this.templates {
        if tools.iter().any(|t| t.matches_template(template)) {
            note(whole());
        }
    }
    let lines: Vec<(usize, Vec<(usize, String)>)> = this
        .commands
        .iter()
        .enumerate()
        .filter_map(|(i, node)| Some((i, logical_lines(node.as_str()?))))
        .collect();
    for (command, lines) in &lines {
        for (offset, cmd_line) in lines {
            if !may_run(tools, cmd_line) {
                continue;
            }
            for tool in tools.iter() {
                for at in find_commands(tool, cmd_line) {
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
    if let Some(cmd) = this
        .container_command
        .as_ref()
        .filter(|c| may_run(tools, c))
    {
        for tool in tools.iter() {
            for at in find_commands(tool, cmd) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use paved_model::{Model, Views};

    /// Sets of the seven lists judged together: the defaults; IaC without hadolint
    /// (the list PVD-CI-005 judges with when there is infrastructure beyond
    /// Dockerfiles); user lists with several words, `*`, a non-ASCII word and a
    /// pattern without an ASCII word (every line may run it).
    fn list_sets() -> Vec<Vec<Vec<String>>> {
        let defaults: Vec<Vec<String>> = Category::ALL.iter().map(|c| c.default_tools()).collect();
        let mut no_hadolint = defaults.clone();
        no_hadolint[Category::Iac.index()].retain(|s| !lints_dockerfiles_only(s));
        let own = |specs: &[&str]| specs.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let mut user = defaults.clone();
        user[Category::Sca.index()] =
            own(&["my-scan * --strict", "trivy * --format ſpdx", "cargo audit"]);
        user[Category::Sast.index()].push("docker scout cves".to_owned());
        let mut wordless = defaults.clone();
        wordless[Category::Secrets.index()].push("ſcan".to_owned());
        vec![defaults, no_hadolint, user, wordless]
    }

    /// Judges every unit of every workflow and GitLab file of `model` four ways (the
    /// old judgement, one list's own words, all seven lists' words at once, and on
    /// the words of another set of lists as PVD-CI-005 judges its own list) and
    /// asserts they agree. The number of units judged.
    fn judge_all_ways(files: &[(&str, &str)], sets: &[Vec<Vec<String>>]) -> (usize, usize) {
        let model = Model::from_memory(files);
        let views = Views::new(&model);
        let mut units: Vec<Unit<'_>> = Vec::new();
        for file in views.workflows().all() {
            units.extend(file_units(file));
        }
        for file in views.gitlab().files() {
            units.extend(gitlab_units(file));
        }
        let (mut found, mut judged_with) = (0, 0);
        for lists in sets {
            let tools: Vec<(Category, std::sync::Arc<Tools>)> = Category::ALL
                .iter()
                .zip(lists)
                .map(|(&c, l)| (c, Category::tools(l)))
                .collect();
            let words = all_words(lists, &tools);
            for unit in &units {
                let seen = unit.seen(&words);
                for (list, (category, tools)) in tools.iter().enumerate() {
                    let want = verdict(unit, *category, tools);
                    let what = || format!("{category:?} {:?} line {}", unit.action, unit.line);
                    assert_eq!(unit.verdict(*category, tools), want, "alone: {}", what());
                    let by = Lookup::List(u16::try_from(list).unwrap());
                    assert_eq!(
                        unit.verdict_seen(*category, tools, &by, &seen),
                        want,
                        "together: {}",
                        what()
                    );
                    found += usize::from(want.is_some());
                    // Each list of every other set, on these words when they hold
                    // all of its words.
                    for other in sets {
                        let tools = Category::tools(&other[list]);
                        let want = verdict(unit, *category, &tools);
                        if let Some(needs) = words.needs_of(&tools) {
                            assert_eq!(
                                unit.verdict_seen(*category, &tools, &Lookup::Needs(&needs), &seen),
                                want,
                                "on other words: {}",
                                what()
                            );
                            judged_with += 1;
                        }
                    }
                }
            }
        }
        assert!(units.is_empty() || judged_with > 0);
        (units.len(), found)
    }

    fn yaml_files(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for entry in entries {
            let path = entry.path();
            if path.is_dir() {
                yaml_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    out.push((path.display().to_string(), text));
                }
            }
        }
    }

    /// Borrowed logical lines are the old ones: every fixture YAML file and random
    /// texts of continuations, blank lines and trailing spaces.
    #[test]
    fn logical_lines_are_the_old_ones() {
        let mut files = Vec::new();
        yaml_files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
            &mut files,
        );
        let mut next = paved_model::samples::below(0x5851_f42d_4c95_7f2d);
        let parts = [
            "a",
            "cargo deny",
            " ",
            "\\",
            "\\ ",
            "\n",
            "\t",
            "\\\n",
            "é",
            "\r\n",
            "x \\\n  y",
        ];
        let random = (0..2000).map(|_| {
            (0..next(12))
                .map(|_| parts[next(parts.len())])
                .collect::<String>()
        });
        let mut compared = 0;
        for text in files.into_iter().map(|(_, t)| t).chain(random) {
            let new: Vec<(usize, String)> = super::super::logical_lines(&text)
                .into_iter()
                .map(|(at, line)| (at, line.into_owned()))
                .collect();
            assert_eq!(new, logical_lines(&text), "{text:?}");
            compared += 1;
        }
        assert!(compared > 2100, "{compared}");
    }

    /// Every YAML file of the test fixtures, as a workflow and as a GitLab CI file.
    #[test]
    fn every_fixture_is_judged_as_before() {
        let mut files = Vec::new();
        yaml_files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
            &mut files,
        );
        assert!(files.len() > 100, "{}", files.len());
        let (mut units, mut found) = (0, 0);
        for (name, text) in &files {
            let as_action = name.ends_with("/action.yml") || name.ends_with("/action.yaml");
            let workflow = if as_action {
                "action.yml"
            } else {
                ".github/workflows/ci.yml"
            };
            for path in [workflow, ".gitlab-ci.yml"] {
                let (u, f) = judge_all_ways(&[(path, text)], &list_sets());
                units += u;
                found += f;
            }
        }
        assert!(
            units > 300 && found > 200,
            "{units} units, {found} verdicts"
        );
    }

    /// The CI files of a fresh service of every built-in blueprint.
    #[test]
    fn generated_pipelines_are_judged_as_before() {
        use crate::blueprint::{answers::resolve, generate, Catalog, Inputs};
        let catalog = Catalog::embedded();
        let mut found = 0;
        for id in catalog.ids() {
            let bp = catalog.load(id).unwrap();
            let answers = resolve(&bp, "svc", &Inputs::default(), None).unwrap();
            let tree = generate(&bp, &answers).unwrap();
            let files: Vec<(String, String)> = tree
                .files
                .iter()
                .filter(|f| f.path.starts_with(".github/") || f.path.contains("gitlab-ci"))
                .map(|f| {
                    (
                        f.path.clone(),
                        String::from_utf8_lossy(&f.contents).into_owned(),
                    )
                })
                .collect();
            let files: Vec<(&str, &str)> = files
                .iter()
                .map(|(p, t)| (p.as_str(), t.as_str()))
                .collect();
            let (units, f) = judge_all_ways(&files, &list_sets());
            assert!(units > 10, "{id}: {units} units");
            found += f;
        }
        assert!(found > 20, "{found}");
    }

    /// Random command lines made of the tools' own words, separators, install
    /// commands, flags that silence a scanner and characters that fold into ASCII, in
    /// `run:` scripts (with continuations), container steps and trivy-action inputs.
    #[test]
    fn random_command_lines_are_judged_as_before() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut tokens: Vec<String> = Vec::new();
        for lists in list_sets() {
            for spec in lists.iter().flatten() {
                tokens.push(spec.clone());
                tokens.extend(spec.split_whitespace().map(str::to_owned));
            }
        }
        tokens.extend(
            [
                "install",
                "cargo install",
                "pip install",
                "npm i",
                "&&",
                "||",
                ";",
                "|",
                "true",
                "exit 0",
                "exit 1",
                "--exit-code",
                "0",
                "1",
                "=",
                "--soft-fail",
                "--fail-on",
                "high",
                "-f",
                "--format",
                "--scanners",
                "vuln,secret",
                "vuln",
                "image",
                "fs",
                "check",
                "advisories",
                "licenses",
                "test",
                "monitor",
                "dir:.",
                ".",
                "./...",
                "-json",
                "ſ",
                "\u{212a}",
                "é",
                "CARGO",
                "Deny",
                "\"",
                "'",
                "`",
                "(",
                ")",
                "/",
                "@v1",
                ":latest",
                "x",
                "echo",
                "run",
            ]
            .iter()
            .map(|s| (*s).to_owned()),
        );
        let line = |next: &mut dyn FnMut(usize) -> usize| -> String {
            let n = 1 + next(7);
            let mut out = String::new();
            for i in 0..n {
                if i > 0 {
                    out.push_str([" ", "  ", "=", "", ";", " \t"][next(6)]);
                }
                let token = &tokens[next(tokens.len())];
                if next(4) == 0 {
                    out.push_str(&token.to_uppercase());
                } else {
                    out.push_str(token);
                }
            }
            out.trim().replace('\n', " ")
        };
        let mut judged = 0;
        for round in 0..40 {
            let mut yaml =
                String::from("on: pull_request\njobs:\n  scan:\n    runs-on: x\n    steps:\n");
            let mut gitlab = String::from("scan:\n  script:\n");
            for _ in 0..30 {
                let mut script = String::new();
                for l in 0..1 + next(3) {
                    if l > 0 {
                        script.push_str(if next(3) == 0 { " \\\n" } else { "\n" });
                    }
                    script.push_str(&line(&mut next));
                }
                let quoted = |s: &str| format!("'{}'", s.replace('\'', "''").replace('\n', " "));
                yaml.push_str(&format!("      - run: {}\n", quoted(&script)));
                gitlab.push_str(&format!("    - {}\n", quoted(&script)));
                if next(3) == 0 {
                    let image = [
                        "aquasec/trivy",
                        "anchore/grype:v1",
                        "zricethezav/gitleaks@sha",
                        "x/semgrep",
                    ][next(4)];
                    yaml.push_str(&format!(
                        "      - uses: docker://{image}\n        with:\n          args: {}\n",
                        quoted(&line(&mut next))
                    ));
                }
                if next(4) == 0 {
                    yaml.push_str("      - uses: aquasecurity/trivy-action@v1\n        with:\n");
                    for (key, values) in [
                        ("scan-type", &["image", "fs", "config", "repo", "sbom"][..]),
                        ("format", &["table", "cyclonedx", "spdx-json", "sarif"][..]),
                        ("scanners", &["vuln", "secret,misconfig", "vuln,secret"][..]),
                        ("exit-code", &["0", "1", "'1'"][..]),
                    ] {
                        if next(2) == 0 {
                            yaml.push_str(&format!(
                                "          {key}: {}\n",
                                values[next(values.len())]
                            ));
                        }
                    }
                    if next(3) == 0 {
                        yaml.push_str("        continue-on-error: true\n");
                    }
                }
            }
            let files = [
                (".github/workflows/ci.yml", yaml.as_str()),
                (".gitlab-ci.yml", gitlab.as_str()),
            ];
            let (units, found) = judge_all_ways(&files, &list_sets());
            assert!(units >= 30, "round {round}: {units} units");
            judged += found;
        }
        assert!(judged > 500, "{judged}");
    }
}
