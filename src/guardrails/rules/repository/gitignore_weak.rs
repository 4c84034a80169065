use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// .gitignore does not exclude environment files and private keys
    ///
    /// ## Why it matters
    /// A local .env file, a private key or Terraform state is one `git add .` away
    /// from being committed; once pushed, the secret is in the history of every clone.
    ///
    /// ## How to fix it
    /// Add `.env`, `.env.*` (with `!.env.example`), `*.pem` and `*.key` to the root
    /// .gitignore, and `*.tfstate*` and `.terraform/` when the repository has Terraform.
    ///
    /// ## Example
    /// ```text
    /// # flagged: .env, *.pem and *.key are not ignored
    /// /target
    /// ```
    /// ```text
    /// /target
    /// .env*
    /// !.env.example
    /// *.pem
    /// *.key
    /// ```
    pub struct GitignoreWeak {
        id: "PVD-REPO-009",
        severity: Low,
        references: [],
    }
}

impl Check for GitignoreWeak {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let path = Path::new(".gitignore");
    let Some(file) = cx.repo.file(".gitignore") else {
        out.at(Location::file(path)).say("no .gitignore at the repository root");
        return;
    };
    let Some(text) = &file.text else {
        out.at(Location::file(path)).say(".gitignore is not readable text");
        return;
    };
    let Some(matcher) = matcher(text) else {
        out.at(Location::file(path)).say(".gitignore could not be read as ignore patterns",
        );
        return;
    };
    let mut wanted: Vec<(&str, bool, &str)> = vec![
        (PROBES[0], false, ".env"),
        (PROBES[1], false, "*.pem"),
        (PROBES[2], false, "*.key"),
    ];
    if cx
        .repo
        .any_file(|f| f.file_name().to_ascii_lowercase().ends_with(".tf"))
    {
        wanted.push((PROBES[3], false, "*.tfstate"));
        wanted.push((PROBES[4], true, ".terraform/"));
    }
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(probe, is_dir, _)| {
            !matcher
                .matched_path_or_any_parents(probe, *is_dir)
                .is_ignore()
        })
        .map(|(_, _, shown)| *shown)
        .collect();
    if !missing.is_empty() {
        out.at(Location::file(path)).say(format!(".gitignore does not ignore {}", missing.join(", ")),
        );
    }
}
}

/// The paths the rule asks the matcher about. None has a parent but the root (the
/// empty path), which `matched_path_or_any_parents` also asks about.
const PROBES: [&str; 5] = [
    ".env",
    "server.pem",
    "server.key",
    "terraform.tfstate",
    ".terraform",
];

/// Texts longer than this are compiled whole (see [`may_match_a_probe`]).
const FILTERED_UP_TO: usize = 16 * 1024;

/// Whether the glob of a `.gitignore` line may match one of [`PROBES`] or the root.
///
/// The matcher answers for a path with the last glob that matches it, so a glob that
/// matches none of the paths asked about can be left out without changing any answer;
/// compiling every line (a glob each, and a regex set for the complex ones) was most of
/// what this rule cost. A glob without escapes, classes or alternatives (`\`, `[`, `{`;
/// a line holding one is kept) matches its other characters literally, and case
/// sensitively (the builder's default), so a path it matches holds each of its letters,
/// digits, `.`, `-` and `_`: `ignore` only adds `**/` and `/*` around the line, strips a
/// leading `!` or `/` and a trailing `/`, and skips comments. A line this keeps may still
/// match nothing. Leaving lines out can only shrink the regex set, so it cannot make a
/// build fail; it could make one succeed that the whole text fails (over the regex size
/// limit), so a text that long is compiled whole: past [`FILTERED_UP_TO`], far beyond any
/// real `.gitignore`, whose densest globs still compile (see the tests).
fn may_match_a_probe(line: &str) -> bool {
    if line.contains(['\\', '[', '{']) {
        return true;
    }
    let literal = line
        .bytes()
        .filter(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    PROBES
        .iter()
        .any(|p| literal.clone().all(|b| p.as_bytes().contains(&b)))
}

/// The matcher of a `.gitignore` text for [`PROBES`] (`None` when it cannot be built),
/// built once per distinct text in a process: the services of one blueprint share their
/// `.gitignore`, and building its matcher (a regex per line) was most of what this rule
/// cost in each repository of a fleet audit. A matcher depends on the text alone. At
/// most 256 texts are kept; past that each repository builds its own.
fn matcher(text: &str) -> Option<Arc<Gitignore>> {
    type Built = HashMap<String, Option<Arc<Gitignore>>>;
    static BUILT: LazyLock<Mutex<Built>> = LazyLock::new(Default::default);
    let cache = || BUILT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(built) = cache().get(text) {
        return built.clone();
    }
    let whole = text.len() > FILTERED_UP_TO;
    let built = compiled(text.lines().filter(|line| whole || may_match_a_probe(line)));
    let mut cache = cache();
    if cache.len() < 256 {
        cache.insert(text.to_owned(), built.clone());
    }
    built
}

/// The matcher of `lines` of a `.gitignore`.
fn compiled<'a>(lines: impl Iterator<Item = &'a str>) -> Option<Arc<Gitignore>> {
    let mut builder = GitignoreBuilder::new("");
    for line in lines {
        // A line the matcher cannot read is ignored by git too.
        let _ = builder.add_line(None, line);
    }
    builder.build().ok().map(Arc::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ignore::Match;
    use paved_model::samples::below;

    /// What the matcher says for each probe (as a file and as a directory), and for the
    /// root: nothing, ignored or re-included, and by which line.
    fn answers(matcher: &Option<Arc<Gitignore>>) -> Option<Vec<(bool, bool, String)>> {
        let m = matcher.as_ref()?;
        let mut out = Vec::new();
        for probe in PROBES.iter().chain(&[""]) {
            for is_dir in [false, true] {
                out.push(match m.matched_path_or_any_parents(probe, is_dir) {
                    Match::None => (false, false, String::new()),
                    Match::Ignore(g) => (true, false, g.original().to_owned()),
                    Match::Whitelist(g) => (false, true, g.original().to_owned()),
                });
            }
        }
        Some(out)
    }

    /// Every `.gitignore` of the repository (its own, the blueprints', the fixtures'),
    /// then texts mixing their lines with pieces of globs (classes, alternatives,
    /// escapes, negations, anchors, directory slashes, spaces) at random.
    fn gitignores() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() && !p.ends_with("target") && !p.ends_with(".git") {
                    walk(&p, out);
                } else if p.file_name().is_some_and(|n| n == ".gitignore") {
                    out.extend(std::fs::read_to_string(&p));
                }
            }
        }
        let mut all = Vec::new();
        walk(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &mut all);
        assert!(all.len() >= 10, "{} files", all.len());
        let lines: Vec<String> = all.iter().flat_map(|t| t.lines()).map(str::to_owned).collect();
        let pieces = [
            ".env", "env", ".", "*", "**", "?", "/", "!", "#", "\\", "\\!", "\\#", "[ce]", "[!a]",
            "{pem,key}", "{", "}", "]", "server", "terra", "form", "tf", "state", "pem", "key",
            "s", "e", "r", "v", "x", "-", "_", " ", "\t", "\u{e9}", "\r",
        ];
        let mut next = below(0x6a09_e667_f3bc_c909);
        for _ in 0..3000 {
            let text: String = (0..1 + next(12))
                .map(|_| {
                    let line: String = match next(3) {
                        0 => lines[next(lines.len())].clone(),
                        _ => (0..1 + next(5)).map(|_| pieces[next(pieces.len())]).collect(),
                    };
                    line + "\n"
                })
                .collect();
            all.push(text);
        }
        all
    }

    /// The matcher of the lines that may match a probe answers as the matcher of every
    /// line, for every probe.
    #[test]
    fn left_out_lines_change_no_answer() {
        let (mut kept, mut left, mut ignored) = (0, 0, 0);
        for text in gitignores() {
            let whole = compiled(text.lines());
            let filtered = compiled(text.lines().filter(|l| may_match_a_probe(l)));
            let want = answers(&whole);
            assert_eq!(answers(&filtered), want, "{text:?}");
            for line in text.lines() {
                if may_match_a_probe(line) {
                    kept += 1;
                } else {
                    left += 1;
                }
            }
            ignored += want.iter().flatten().filter(|a| a.0).count();
        }
        assert!(kept > 1000 && left > 1000 && ignored > 1000, "{kept} {left} {ignored}");
    }

    /// A `.gitignore` of [`FILTERED_UP_TO`] bytes of the densest globs still compiles, so
    /// a text that is filtered could be compiled whole too.
    #[test]
    fn the_densest_filtered_texts_compile() {
        for line in ["*?*?*?*?*?*?*?*/", "**/**/**/**/a", "[!a][!b][!c]?*", "{a,b,c}*{d,e}?", "a/**/b/**/c"] {
            let text = format!("{line}\n").repeat(FILTERED_UP_TO / (line.len() + 1));
            assert!(text.len() <= FILTERED_UP_TO);
            let mut builder = GitignoreBuilder::new("");
            for l in text.lines() {
                builder.add_line(None, l).unwrap();
            }
            assert!(builder.build().is_ok(), "{line}");
        }
    }

    #[test]
    fn kept_lines() {
        for kept in [".env*", "*.pem", "*.key", "*.tfstate*", ".terraform/", "*.py[cod]", "*", "/", "!*", "venv/"] {
            assert!(may_match_a_probe(kept), "{kept}");
        }
        for left in ["*.tfvars", "!.env.example", "dist/", "__pycache__/", "*.swp", "/target"] {
            assert!(!may_match_a_probe(left), "{left}");
        }
    }
}
