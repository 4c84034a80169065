//! Regular expressions compiled on first use, and only for a text that could match.
//!
//! Compiling a regular expression costs far more than searching a small file for a
//! literal: building the ~130 patterns of the rules was a quarter of auditing one
//! repository, yet most files hold no token, no suppression and no credential
//! assignment. A [`Gated`] pattern names the literals every match must contain (its
//! needles); a text holding none of them cannot match, so the regex is neither
//! compiled nor run for it. Which needles a pattern requires is a fact about the
//! pattern that its owner states, and each owner's tests check it.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use regex::{CaptureMatches, Captures, Match, Matches, Regex, RegexBuilder};

/// A regular expression behind the literals that every match of it contains.
pub struct Gated {
    pattern: &'static str,
    needles: &'static [&'static str],
    /// The needles are lower-case ASCII and are looked for ignoring ASCII case (for a
    /// pattern under `(?i)`).
    ignore_case: bool,
    /// Every match contains all the needles, not just one of them.
    all: bool,
    /// Built with the lazy DFA (see [`Gated::for_short_texts`]).
    lazy_dfa: bool,
    /// One search for any of the needles (vectorised); built on first use.
    finder: OnceLock<AhoCorasick>,
    regex: OnceLock<Regex>,
}

impl Gated {
    /// `pattern`, tried only on a text that contains one of `needles` byte for byte.
    pub const fn new(pattern: &'static str, needles: &'static [&'static str]) -> Gated {
        Gated {
            pattern,
            needles,
            ignore_case: false,
            all: false,
            lazy_dfa: true,
            finder: OnceLock::new(),
            regex: OnceLock::new(),
        }
    }

    /// `pattern`, tried only on a text that contains every one of `needles` byte for
    /// byte.
    pub const fn all_of(pattern: &'static str, needles: &'static [&'static str]) -> Gated {
        Gated {
            pattern,
            needles,
            ignore_case: false,
            all: true,
            lazy_dfa: true,
            finder: OnceLock::new(),
            regex: OnceLock::new(),
        }
    }

    /// `pattern` (case-insensitive), tried only on a text that contains one of the
    /// lower-case ASCII `needles` in any ASCII case.
    pub const fn ignore_ascii_case(
        pattern: &'static str,
        needles: &'static [&'static str],
    ) -> Gated {
        Gated {
            pattern,
            needles,
            ignore_case: true,
            all: false,
            lazy_dfa: true,
            finder: OnceLock::new(),
            regex: OnceLock::new(),
        }
    }

    /// The same pattern for short texts (a line, a command, a value): built without the
    /// lazy DFA, which halves what compiling it costs. The regex then searches with
    /// its backtracker or Pike VM, which find the same matches and are as quick on a
    /// few dozen bytes, but far slower over a whole file.
    pub const fn for_short_texts(self) -> Gated {
        let mut gated = self;
        gated.lazy_dfa = false;
        gated
    }

    /// Whether `text` holds one of the needles, so that it may match.
    pub fn may_match(&self, text: &str) -> bool {
        if self.all {
            return self
                .needles
                .iter()
                .all(|n| memchr::memmem::find(text.as_bytes(), n.as_bytes()).is_some());
        }
        // Under `(?i)` two non-ASCII characters fold to ASCII letters (`ſ` to `s`, the
        // Kelvin sign to `k`): a text holding either may match without holding a
        // needle, so it always runs the regex.
        (self.ignore_case && folds_into_ascii(text)) || self.finder().is_match(text)
    }

    fn finder(&self) -> &AhoCorasick {
        self.finder.get_or_init(|| {
            // A handful of needles: the search is the prefilter's (a vectorised scan
            // for them), and the automaton only confirms a candidate. The default, a
            // DFA, cost ~165 K instructions to build per pattern, twenty of them per
            // audit; the NFA it is built from serves as well.
            AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::NoncontiguousNFA))
                .ascii_case_insensitive(self.ignore_case)
                .build(self.needles)
                .unwrap_or_else(|e| panic!("needles of {:?}: {e}", self.pattern))
        })
    }

    /// The compiled regex (compiled now if it was not yet).
    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            let mut builder = RegexBuilder::new(self.pattern);
            if !self.lazy_dfa {
                // Too small a cache for the lazy DFA makes the regex build without it
                // (regex-automata's meta engine skips a lazy DFA that fails to build).
                builder.dfa_size_limit(0);
            }
            builder
                .build()
                .unwrap_or_else(|e| panic!("pattern {:?} is invalid: {e}", self.pattern))
        })
    }

    /// The literals every match contains (one of them, or all: see the constructor).
    pub fn needles(&self) -> &'static [&'static str] {
        self.needles
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &'static str {
        self.pattern
    }

    /// Whether the regex has been compiled (for tests of what an audit builds).
    pub fn is_compiled(&self) -> bool {
        self.regex.get().is_some()
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.may_match(text) && self.regex().is_match(text)
    }

    pub fn find<'h>(&self, text: &'h str) -> Option<Match<'h>> {
        self.may_match(text)
            .then(|| self.regex().find(text))
            .flatten()
    }

    pub fn captures<'h>(&self, text: &'h str) -> Option<Captures<'h>> {
        self.may_match(text)
            .then(|| self.regex().captures(text))
            .flatten()
    }

    pub fn find_iter<'r, 'h>(
        &'r self,
        text: &'h str,
    ) -> std::iter::Flatten<std::option::IntoIter<Matches<'r, 'h>>> {
        self.may_match(text)
            .then(|| self.regex().find_iter(text))
            .into_iter()
            .flatten()
    }

    pub fn captures_iter<'r, 'h>(
        &'r self,
        text: &'h str,
    ) -> std::iter::Flatten<std::option::IntoIter<CaptureMatches<'r, 'h>>> {
        self.may_match(text)
            .then(|| self.regex().captures_iter(text))
            .into_iter()
            .flatten()
    }
}

/// Which of a fixed list of literals a text holds, found in one search of it.
///
/// Several rules scan every file for their own literals (the secret rules: key ids,
/// token prefixes, PEM headers). Each search was a pass over every byte of the
/// repository, and lock and requirements files full of hashes made most of them
/// search in vain. One search for all the literals, kept per file ([`Held`]), then
/// answers each [`Gated`] pattern's "may it match?" without touching the text again.
pub struct Literals {
    needles: &'static [&'static str],
    finder: OnceLock<AhoCorasick>,
}

/// The literals of a [`Literals`] list that one text holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Held(u64);

impl Literals {
    /// At most 64 `needles`, looked for byte for byte.
    pub const fn new(needles: &'static [&'static str]) -> Literals {
        assert!(needles.len() <= 64, "at most 64 literals");
        Literals {
            needles,
            finder: OnceLock::new(),
        }
    }

    fn finder(&self) -> &AhoCorasick {
        self.finder.get_or_init(|| {
            // Each search below restarts one byte after the start of the last match,
            // so every literal that occurs is found unless another one starts at the
            // same place: that needs one literal to be a prefix of another.
            for a in self.needles {
                for b in self.needles {
                    assert!(a == b || !b.starts_with(a), "{a:?} is a prefix of {b:?}");
                }
            }
            // Leftmost-first, so the search is aho-corasick's vectorised one (an
            // overlapping search, which would report every literal at once, runs the
            // automaton over every byte: ten times the cost).
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(self.needles)
                .expect("literals are plain strings")
        })
    }

    /// Which of the literals `text` holds.
    pub fn scan(&self, text: &str) -> Held {
        let all = if self.needles.len() == 64 {
            u64::MAX
        } else {
            (1u64 << self.needles.len()) - 1
        };
        let finder = self.finder();
        let mut held = 0u64;
        let mut from = 0;
        while from < text.len() {
            let Some(m) = finder.find(Input::new(text).range(from..)) else {
                break;
            };
            held |= 1 << m.pattern().as_usize();
            if held == all {
                break;
            }
            from = m.start() + 1;
        }
        Held(held)
    }

    /// Whether the text of `held` holds `needle`; `None` when it is not in the list.
    pub fn holds(&self, held: Held, needle: &str) -> Option<bool> {
        let i = self.needles.iter().position(|n| *n == needle)?;
        Some(held.0 & (1 << i) != 0)
    }

    /// Exactly [`Gated::may_match`] on `text`, whose literals are `held`: answered from
    /// `held` when the list has every needle of a byte-for-byte gate, else by
    /// searching `text`.
    pub fn may_match(&self, held: Held, gate: &Gated, text: &str) -> bool {
        if gate.ignore_case {
            return gate.may_match(text);
        }
        let mut found = gate.needles.iter().map(|n| self.holds(held, n));
        let answer = if gate.all {
            found.try_fold(true, |acc, f| f.map(|f| acc && f))
        } else {
            found.try_fold(false, |acc, f| f.map(|f| acc || f))
        };
        answer.unwrap_or_else(|| gate.may_match(text))
    }
}

/// Whether `text` holds `ſ` or the Kelvin sign, the only characters outside ASCII
/// that a case-insensitive regex matches against an ASCII letter.
pub fn folds_into_ascii(text: &str) -> bool {
    // A byte search: decoding every character of a file costs more than the search.
    !text.is_ascii()
        && (memchr::memmem::find(text.as_bytes(), "\u{17F}".as_bytes()).is_some()
            || memchr::memmem::find(text.as_bytes(), "\u{212A}".as_bytes()).is_some())
}

/// Whether `haystack` contains `needle` (lower-case ASCII), ignoring ASCII case.
pub fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (hay, needle) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let upper = first.to_ascii_uppercase();
    memchr::memchr2_iter(first, upper, &hay[..=hay.len() - needle.len()])
        .any(|at| hay[at + 1..at + needle.len()].eq_ignore_ascii_case(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only `ſ` and the Kelvin sign match an ASCII letter case-insensitively, so a text
    /// without them matches a `(?i)` literal only where it holds the literal in some
    /// ASCII case. Checked over every non-ASCII character.
    #[test]
    fn only_two_characters_fold_into_ascii_letters() {
        let all: String = (0x80..=0x10FFFFu32).filter_map(char::from_u32).collect();
        let folding: Vec<char> = Regex::new("(?i)[a-z]")
            .unwrap()
            .find_iter(&all)
            .flat_map(|m| m.as_str().chars())
            .collect();
        assert_eq!(folding, ['\u{17F}', '\u{212A}']);
        assert!(folds_into_ascii("\u{17F}ecret"));
        assert!(!folds_into_ascii("s\u{e9}cret"));
        assert!(!folds_into_ascii("secret"));
    }

    #[test]
    fn needles_gate_the_regex() {
        static TOKEN: Gated = Gated::new(r"\bxox[bp]-[0-9]+", &["xoxb-", "xoxp-"]);
        assert!(TOKEN.find("no token here").is_none());
        assert!(TOKEN.find_iter("xoxa-1").next().is_none());
        assert!(!TOKEN.is_compiled());
        assert_eq!(
            TOKEN.find("a xoxb-12 b").map(|m| m.as_str()),
            Some("xoxb-12")
        );
        assert!(TOKEN.is_compiled());
        let all: Vec<&str> = TOKEN
            .find_iter("xoxb-1 xoxp-2")
            .map(|m| m.as_str())
            .collect();
        assert_eq!(all, ["xoxb-1", "xoxp-2"]);

        static SHORT: Gated = Gated::new(r"\bxox[bp]-[0-9]+", &["xoxb-"]).for_short_texts();
        assert_eq!(SHORT.find("a xoxb-12 b").map(|m| m.range()), Some(2..9));

        static BOTH: Gated = Gated::all_of(r"a+b", &["a", "b"]);
        assert!(!BOTH.may_match("aaa") && !BOTH.may_match("bbb") && BOTH.may_match("ba"));
        assert!(!BOTH.is_compiled());
        assert!(BOTH.is_match("xab") && !BOTH.is_match("ba"));

        static WORD: Gated = Gated::ignore_ascii_case(r"(?i)\bsecret\b", &["secret"]);
        assert!(WORD.is_match("a SeCrEt b"));
        assert!(WORD.is_match("a \u{17F}ecret b"));
        assert!(!WORD.may_match("a s\u{e9}cret b"));
        assert_eq!(
            WORD.captures("x secret").map(|c| c.get(0).unwrap().start()),
            Some(2)
        );
        assert_eq!(WORD.captures_iter("secret SECRET").count(), 2);
    }

    #[test]
    fn literals_answer_for_the_gates_they_cover() {
        static LITS: Literals = Literals::new(&["xoxb-", "xoxp-", "ab", "b", "eyJ"]);
        static TOKEN: Gated = Gated::new(r"\bxox[bp]-[0-9]+", &["xoxb-", "xoxp-"]);
        static BOTH: Gated = Gated::all_of(r"a+b", &["ab", "b"]);
        static OTHER: Gated = Gated::new(r"zz", &["zz"]);
        static WORD: Gated = Gated::ignore_ascii_case(r"(?i)\bsecret\b", &["secret"]);
        let texts = [
            "",
            "xoxb-1",
            "XOXB-1 xoxp-",
            "ab",
            "b",
            "a b",
            "zz",
            "SeCrEt",
            "\u{17F}ecret eyJ",
        ];
        for text in texts {
            let held = LITS.scan(text);
            for gate in [&TOKEN, &BOTH, &OTHER, &WORD] {
                assert_eq!(
                    LITS.may_match(held, gate, text),
                    gate.may_match(text),
                    "{:?} on {text:?}",
                    gate.as_str()
                );
            }
        }
        // A literal inside another's match is still found.
        let held = LITS.scan("ab");
        assert_eq!(LITS.holds(held, "b"), Some(true));
        assert_eq!(LITS.holds(held, "eyJ"), Some(false));
        assert_eq!(LITS.holds(held, "zz"), None);
    }

    #[test]
    fn ascii_case_insensitive_search() {
        assert!(contains_ignore_ascii_case("run Cargo-Deny", "cargo-deny"));
        assert!(contains_ignore_ascii_case("CARGO-DENY", "cargo-deny"));
        assert!(!contains_ignore_ascii_case("cargo", "cargo-deny"));
        assert!(!contains_ignore_ascii_case("cargo-den", "cargo-deny"));
        assert!(contains_ignore_ascii_case("x", ""));
        assert!(contains_ignore_ascii_case(
            "é secretaccesskey",
            "secretaccesskey"
        ));
    }
}
