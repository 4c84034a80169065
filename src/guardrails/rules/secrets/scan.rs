//! What the secret rules share and that depends on the profile: which files are
//! scanned (`secret_allow_paths`), and folding one value repeated in a file into one
//! finding. Declares no rule; what text looks like a credential is
//! `paved_model::secrets`.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use paved_model::pattern::{Gated, Held, Literals};
use paved_model::secrets::TextLines;

use super::assignments::KeyWords;
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter, SourceFile};

params! {
    /// Parameters of the secret rules (PVD-SECRET-*).
    pub struct SecretParams {
        /// Path globs whose contents the secret rules skip, e.g. test fixtures
        /// (`["tests/fixtures/**"]`). `.paved/` is never scanned.
        secret_allow_paths: Vec<String> = Vec::new(),
    }
}

/// Whether the profile exempts `path` (or it is paved's own directory).
pub struct Scope {
    allow: GlobSet,
}

impl Scope {
    pub fn new(cx: &CheckCtx<'_>) -> Scope {
        Scope::of(&cx.params::<SecretParams>().secret_allow_paths)
    }

    fn of(globs: &[String]) -> Scope {
        let mut builder = GlobSetBuilder::new();
        for g in globs {
            // Profiles are validated when loaded; a glob that still fails to compile is skipped.
            if let Ok(glob) = GlobBuilder::new(g).literal_separator(true).build() {
                builder.add(glob);
            }
        }
        Scope {
            allow: builder.build().unwrap_or_else(|_| GlobSet::empty()),
        }
    }

    pub fn skips(&self, path: &str) -> bool {
        path.starts_with(".paved/") || self.allow.is_match(path)
    }
}

/// The literals the secret rules' patterns need (their gates' needles), searched
/// once per file for all of them: most files hold none, and one search per rule and
/// pattern over every file, hash-filled lock and requirements files included, was
/// most of what these rules cost. A pattern whose needles are not all here is still
/// answered exactly (by a search of its own), just not from this index.
static LITERALS: Literals = Literals::new(&[
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xox",
    "AIza",
    "k_live_",
    "eyJ",
    "PRIVATE KEY",
    "PuTTY-User-Key-File-",
    "://",
]);

/// Whether [`Scanned::may_match`] answers for `gate` from the index (a test's
/// question: every secret rule's gate should be covered).
#[cfg(test)]
pub fn covers(gate: &Gated) -> bool {
    gate.needles()
        .iter()
        .all(|n| LITERALS.holds(Held::default(), n).is_some())
}

/// The files the secret rules scan (by index in the repository) with the literals
/// each holds, and the `secret_allow_paths` that chose them; computed once per audit
/// for all the secret rules.
struct ScannedFiles {
    allow: Vec<String>,
    files: Vec<(usize, Held)>,
}

/// A text file the secret rules scan, with the literals it holds.
pub struct Scanned<'a> {
    pub file: &'a SourceFile,
    pub text: &'a str,
    held: Held,
    /// Index of the file in the repository.
    index: usize,
}

impl Scanned<'_> {
    /// Exactly `gate.may_match(self.text)`, mostly without searching the text again.
    pub fn may_match(&self, gate: &Gated) -> bool {
        LITERALS.may_match(self.held, gate, self.text)
    }

    /// The text's credential key words ([`KeyWords`]), found once per audit for
    /// every rule that asks (PVD-SECRET-004's assignments, PVD-SECRET-002's named
    /// secret keys): each search lower-cases the file a block at a time, a pass over
    /// every byte.
    pub fn key_words(&self, cx: &CheckCtx<'_>) -> Arc<KeyWords> {
        let memo = cx.repo.memo(|_| {
            let mut buffer = Vec::new();
            let mut words = HashMap::new();
            for s in scanned(cx) {
                words.insert(s.index, Arc::new(KeyWords::of(s.text, &mut buffer)));
            }
            FileKeyWords(words)
        });
        // The memo holds the files of the audit's `secret_allow_paths`; a rule asking
        // with other ones (never in an audit) may ask for another file.
        memo.0
            .get(&self.index)
            .cloned()
            .unwrap_or_else(|| Arc::new(KeyWords::of(self.text, &mut Vec::new())))
    }

    /// Whether the text holds `needle`, one of the [`LITERALS`].
    pub fn holds(&self, needle: &str) -> bool {
        LITERALS.holds(self.held, needle).unwrap_or_else(|| {
            memchr::memmem::find(self.text.as_bytes(), needle.as_bytes()).is_some()
        })
    }
}

/// The [`KeyWords`] of each scanned file, by index in the repository.
struct FileKeyWords(HashMap<usize, Arc<KeyWords>>);

/// Text files the secret rules scan: outside `.paved/` and the `secret_allow_paths`.
pub fn scanned<'a>(cx: &'a CheckCtx<'_>) -> Vec<Scanned<'a>> {
    let allow = cx.params::<SecretParams>().secret_allow_paths;
    let choose = |allow: &[String]| -> Vec<(usize, Held)> {
        let scope = Scope::of(allow);
        cx.repo
            .files()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.text.is_some() && !scope.skips(&f.path_str()))
            .map(|(i, f)| {
                (
                    i,
                    f.text
                        .as_deref()
                        .map(|t| LITERALS.scan(t))
                        .unwrap_or_default(),
                )
            })
            .collect()
    };
    let memo = cx.repo.memo(|_| ScannedFiles {
        files: choose(&allow),
        allow: allow.clone(),
    });
    // The parameters are the audit's, so the same for every rule; a rule asking with
    // other ones (never in an audit) gets its own choice.
    let own;
    let files = if memo.allow == allow {
        &memo.files
    } else {
        own = choose(&allow);
        &own
    };
    let all = cx.repo.files();
    files
        .iter()
        .filter_map(|&(i, held)| {
            let file = &all[i];
            file.text.as_deref().map(|text| Scanned {
                file,
                text,
                held,
                index: i,
            })
        })
        .collect()
}

/// The findings of one rule in one file, where one value found several times (a key
/// pasted into six recorded requests, a password in every environment's block) is one
/// finding at its first place, saying how often it appears.
pub struct PerValue<'f> {
    file: &'f SourceFile,
    text: &'f str,
    /// Built on the first finding: most files have none.
    lines: OnceCell<TextLines>,
    /// Value → (offset of the first occurrence, message, occurrences, another line
    /// the cause covers), in order found.
    found: Vec<(usize, String, usize, Option<u32>)>,
    index: HashMap<String, usize>,
}

impl<'f> PerValue<'f> {
    pub fn new(file: &'f SourceFile, text: &'f str) -> PerValue<'f> {
        PerValue {
            file,
            text,
            lines: OnceCell::new(),
            found: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn lines(&self) -> &TextLines {
        self.lines.get_or_init(|| TextLines::new(self.text))
    }

    /// The line of a byte offset (for messages that name another line).
    pub fn line_of(&self, offset: usize) -> u32 {
        self.lines().line_of(offset)
    }

    /// Byte range of the lines `around` lines before and after `offset`'s.
    pub fn around(&self, offset: usize, around: u32) -> Range<usize> {
        let line = self.line_of(offset);
        self.lines().span(
            self.text,
            line.saturating_sub(around),
            line.saturating_add(around),
        )
    }

    /// Records `value` found at `offset`; `message` is built only for its first
    /// occurrence.
    pub fn add(&mut self, value: &str, offset: usize, message: impl FnOnce() -> String) {
        self.lines();
        match self.index.get(value) {
            Some(&i) => self.found[i].2 += 1,
            None => {
                self.index.insert(value.to_owned(), self.found.len());
                self.found.push((offset, message(), 1, None));
            }
        }
    }

    /// Records that the cause of `value` (recorded already) also covers `line`: the
    /// secret of a key pair on another line.
    pub fn spanning(&mut self, value: &str, line: u32) {
        if let Some(&i) = self.index.get(value) {
            self.found[i].3 = Some(line);
        }
    }

    /// Whether `value` was recorded already.
    pub fn has_value(&self, value: &str) -> bool {
        self.index.contains_key(value)
    }

    /// Emits one finding per distinct value.
    pub fn emit(self, out: &mut Emitter<'_>) {
        let Some(lines) = self.lines.get() else {
            return;
        };
        for (offset, message, count, also) in &self.found {
            let count = *count;
            let message = if count > 1 {
                format!("{message} (the same value appears {count} times in this file)")
            } else {
                message.clone()
            };
            let mut say = out.at(lines.at(&self.file.path, *offset));
            if let Some(line) = also {
                say = say.spanning(*line);
            }
            say.say(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use paved_model::secrets::{AWS_KEY_ID, JWT_TOKEN, SERVICE_TOKENS};

    use super::*;

    #[test]
    fn the_index_covers_the_token_gates() {
        assert!(covers(&AWS_KEY_ID) && covers(&JWT_TOKEN));
        for (what, _, gate) in SERVICE_TOKENS.iter() {
            assert!(covers(gate), "{what}");
        }
        let text = "AKIAX ghp_ a://b";
        let held = LITERALS.scan(text);
        for gate in [&AWS_KEY_ID, &JWT_TOKEN] {
            assert_eq!(LITERALS.may_match(held, gate, text), gate.may_match(text));
        }
    }
}
