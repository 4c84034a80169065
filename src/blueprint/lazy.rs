//! Patterns of a manifest, checked when it loads but compiled only when used.
//!
//! Compiling a regular expression or a glob costs far more than checking its syntax,
//! and most commands use few of them: `paved list` none, `paved new` the regexes of
//! the answers it validates, drift's conformance the file rules of one blueprint
//! (through one [`FileRuleSet`]). Loading still reports a pattern that does not parse,
//! with the same message as before, because the syntax check is the parser the
//! compiler runs first.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};
use regex::Regex;
use regex_syntax::hir::Hir;

use super::answer_match;
use super::glob_match::Simple;

/// A glob of a `[[files]]` or `[[overrides]]` entry: parsed at load, compiled to a
/// matcher the first time it is matched on its own.
#[derive(Clone)]
pub struct LazyGlob {
    glob: Glob,
    matcher: OnceLock<GlobMatcher>,
}

impl LazyGlob {
    /// Parses `pattern` with globset's defaults, as `Glob::new` does.
    pub fn new(pattern: &str) -> Result<LazyGlob, globset::Error> {
        Ok(LazyGlob {
            glob: Glob::new(pattern)?,
            matcher: OnceLock::new(),
        })
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.matcher
            .get_or_init(|| self.glob.compile_matcher())
            .is_match(path)
    }
}

impl AsRef<LazyGlob> for LazyGlob {
    fn as_ref(&self) -> &LazyGlob {
        self
    }
}

impl std::fmt::Debug for LazyGlob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LazyGlob").field(&self.glob.glob()).finish()
    }
}

/// All `[[files]]` globs of a manifest as one set, built on first use: globset
/// matches plain literals, prefixes (`deploy/**`) and extensions without a regex,
/// so a render pays for one small automaton instead of one regex per rule.
#[derive(Clone, Default)]
pub struct FileRuleSet {
    /// Every glob as a [`Simple`] one, when all are (those of the built-in
    /// blueprints are): matched without building the set.
    simple: OnceLock<Option<Vec<Simple>>>,
    /// `None` when the set cannot be built (a glob past regex's size limit once
    /// combined): each glob is then matched on its own, as before.
    set: OnceLock<Option<GlobSet>>,
}

impl FileRuleSet {
    /// Indices of the globs in `globs` matching `path`, ascending (globset sorts
    /// them), so "the last matching rule wins" reads them in manifest order.
    /// `globs` must be the same list on every call.
    pub fn matching<T: AsRef<LazyGlob>>(&self, globs: &[T], path: &str, into: &mut Vec<usize>) {
        let simple = self.simple.get_or_init(|| {
            globs
                .iter()
                .map(|g| Simple::parse(g.as_ref().glob.glob()))
                .collect()
        });
        if let Some(simple) = simple {
            into.clear();
            into.extend((0..simple.len()).filter(|&i| simple[i].is_match(path)));
            return;
        }
        let set = self.set.get_or_init(|| {
            let mut builder = GlobSetBuilder::new();
            for glob in globs {
                builder.add(glob.as_ref().glob.clone());
            }
            builder.build().ok()
        });
        match set {
            Some(set) => set.matches_into(path, into),
            None => {
                into.clear();
                into.extend((0..globs.len()).filter(|&i| globs[i].as_ref().is_match(path)));
            }
        }
    }
}

impl std::fmt::Debug for FileRuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileRuleSet")
    }
}

/// The `regex` of a string variable, anchored (`^(?:…)$`): its syntax is checked at
/// load, and it is compiled the first time an answer is validated against it.
#[derive(Clone)]
pub struct AnswerRegex {
    anchored: String,
    /// The parsed pattern, when [`answer_match`] can match it (without compiling).
    direct: Option<Arc<Hir>>,
    compiled: OnceLock<Result<Regex, String>>,
}

impl AnswerRegex {
    /// Checks the syntax of `pattern` (as written in the manifest). The error is the
    /// one `Regex::new` reports for a syntax error: it runs the same parser.
    pub fn new(pattern: &str) -> Result<AnswerRegex, String> {
        let anchored = format!("^(?:{pattern})$");
        let mut parsed = PARSED.lock().unwrap_or_else(|p| p.into_inner());
        let direct = match parsed.get(&anchored) {
            Some(direct) => direct.clone(),
            None => {
                let hir =
                    regex_automata::util::syntax::parse(&anchored).map_err(|e| e.to_string())?;
                let direct = answer_match::direct(hir).map(Arc::new);
                parsed.insert(anchored.clone(), direct.clone());
                direct
            }
        };
        Ok(AnswerRegex {
            anchored,
            direct,
            compiled: OnceLock::new(),
        })
    }

    /// The anchored pattern, as `Regex::as_str` gave it.
    pub fn as_str(&self) -> &str {
        &self.anchored
    }

    /// Whether `text` matches; `Err` only when a pattern that parses is too large
    /// to compile (regex's size limit), which the manifest check cannot see.
    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        if let Some(matched) = self
            .direct
            .as_deref()
            .and_then(|hir| answer_match::full_match(hir, text))
        {
            return Ok(matched);
        }
        match self.compiled.get_or_init(|| compiled(&self.anchored)) {
            Ok(re) => Ok(re.is_match(text)),
            Err(e) => Err(e.clone()),
        }
    }
}

/// Patterns known to parse (with their tree when it is matched directly), and
/// patterns compiled, in this process: the built-in blueprints and their layers
/// declare a handful of patterns many times over (an owner, an e-mail address, an
/// image reference), and each is checked and compiled once. Bounded by the
/// patterns the loaded manifests declare.
static PARSED: Mutex<BTreeMap<String, Option<Arc<Hir>>>> = Mutex::new(BTreeMap::new());
static COMPILED: Mutex<BTreeMap<String, Result<Regex, String>>> = Mutex::new(BTreeMap::new());

/// `Regex::new(anchored)`, shared by every variable declaring the same pattern
/// (a `Regex` clone shares the compiled program). Built without the lazy DFA: an
/// answer is a short value, which the backtracker or Pike VM match as quickly, and
/// the same matches, for half the cost of compiling (drift compiles one per string
/// variable of a blueprint to check the recorded answers).
fn compiled(anchored: &str) -> Result<Regex, String> {
    let mut cache = COMPILED.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .entry(anchored.to_string())
        .or_insert_with(|| {
            regex::RegexBuilder::new(anchored)
                .dfa_size_limit(0)
                .build()
                .map_err(|e| e.to_string())
        })
        .clone()
}

impl std::fmt::Debug for AnswerRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // As `Regex` prints itself: compositions compare variable contracts by
        // their debug text.
        f.debug_tuple("Regex").field(&self.anchored).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_read_as_regex_reports_them() {
        for bad in ["(", "a{2,1}", "[z-a]", "\\p{NoSuchClass}", "(?<n>a)(?<n>b)"] {
            let ours = AnswerRegex::new(bad).unwrap_err();
            let theirs = Regex::new(&format!("^(?:{bad})$")).unwrap_err().to_string();
            assert_eq!(ours, theirs, "{bad}");
        }
    }

    #[test]
    fn a_pattern_checked_before_is_still_checked_alike() {
        for _ in 0..2 {
            assert!(AnswerRegex::new("[a-z]+").is_ok());
            assert!(AnswerRegex::new("[a-z").is_err());
        }
    }

    #[test]
    fn matches_like_the_compiled_regex() {
        let re = AnswerRegex::new("[a-z]{2}(-gov)?-[a-z]+-[0-9]").unwrap();
        assert_eq!(re.as_str(), "^(?:[a-z]{2}(-gov)?-[a-z]+-[0-9])$");
        assert_eq!(re.is_match("eu-west-1"), Ok(true));
        assert_eq!(re.is_match("eu-west-1x"), Ok(false));
        assert_eq!(
            format!("{re:?}"),
            format!("{:?}", Regex::new(re.as_str()).unwrap())
        );
    }

    #[test]
    fn a_set_matches_as_each_glob_does() {
        let patterns = [
            "deploy/**",
            "tests/**",
            "README.md",
            "tests/http_{stack,server}.rs",
            "*.md",
            "src/**/mod.rs",
            "deploy/k8s/{kustomization,configmap}.yaml",
        ];
        let globs: Vec<LazyGlob> = patterns.iter().map(|p| LazyGlob::new(p).unwrap()).collect();
        let set = FileRuleSet::default();
        for path in [
            "deploy/k8s/kustomization.yaml",
            "tests/http_server.rs",
            "README.md",
            "docs/x.md",
            "src/a/b/mod.rs",
            "src/mod.rs",
            "Cargo.toml",
        ] {
            let mut got = Vec::new();
            set.matching(&globs, path, &mut got);
            let want: Vec<usize> = (0..globs.len())
                .filter(|&i| globs[i].is_match(path))
                .collect();
            assert_eq!(got, want, "{path}");
        }
    }
}
