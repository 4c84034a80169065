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

use aho_corasick::{packed, AhoCorasick, AhoCorasickKind, Input, MatchKind, Span};
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
    /// One search for any of the needles, ignoring ASCII case; built on first use.
    finder: OnceLock<AhoCorasick>,
    /// One search for any of the needles, byte for byte.
    first: FirstOf,
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
            first: FirstOf::new(needles),
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
            first: FirstOf::new(needles),
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
            first: FirstOf::new(needles),
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
        if self.ignore_case {
            // Under `(?i)` two non-ASCII characters fold to ASCII letters (`ſ` to `s`,
            // the Kelvin sign to `k`): a text holding either may match without holding
            // a needle, so it always runs the regex.
            if folds_into_ascii(text) {
                return true;
            }
            // Most texts are a name or a value: a search for each needle in turn costs
            // far less than building the case-insensitive automaton (~100 K
            // instructions), which only a long text repays.
            if text.len() <= SHORT_TEXT {
                return self
                    .needles
                    .iter()
                    .any(|n| contains_ignore_ascii_case(text, n));
            }
            return self.finder().is_match(text);
        }
        match self.needles {
            [one] => memchr::memmem::find(text.as_bytes(), one.as_bytes()).is_some(),
            _ => self.first.find_at(text.as_bytes(), 0).is_some(),
        }
    }

    fn finder(&self) -> &AhoCorasick {
        self.finder.get_or_init(|| {
            // The automaton only confirms what its prefilter finds, so the NFA it is
            // built from serves as well as a DFA, which cost ~165 K instructions more.
            AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::NoncontiguousNFA))
                .ascii_case_insensitive(true)
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
    finder: FirstOf,
}

/// The literals of a [`Literals`] list that one text holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Held(u64);

impl Literals {
    /// At most 64 `needles`, looked for byte for byte, none a prefix of another
    /// (checked when the list is compiled).
    pub const fn new(needles: &'static [&'static str]) -> Literals {
        assert!(needles.len() <= 64, "at most 64 literals");
        // Each search of `scan` restarts one byte after the start of the last match,
        // so every literal that occurs is found unless another one starts at the same
        // place: that needs one literal to be a prefix of another.
        let mut i = 0;
        while i < needles.len() {
            let mut j = 0;
            while j < needles.len() {
                assert!(
                    i == j || !is_prefix(needles[i].as_bytes(), needles[j].as_bytes()),
                    "a literal is a prefix of another"
                );
                j += 1;
            }
            i += 1;
        }
        Literals {
            needles,
            finder: FirstOf::new(needles),
        }
    }

    /// Which of the literals `text` holds.
    pub fn scan(&self, text: &str) -> Held {
        let all = if self.needles.len() == 64 {
            u64::MAX
        } else {
            (1u64 << self.needles.len()) - 1
        };
        let mut held = 0u64;
        let mut from = 0;
        while from < text.len() {
            let Some(m) = self.finder.find_at(text.as_bytes(), from) else {
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

/// Whether `a` is a prefix of `b` (at compile time).
const fn is_prefix(a: &[u8], b: &[u8]) -> bool {
    if a.len() > b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Texts up to this long are searched for a case-insensitive [`Gated`]'s needles one
/// needle at a time, rather than by the automaton built for all of them.
const SHORT_TEXT: usize = 256;

/// A leftmost-first search for a fixed list of literals (the leftmost match; of the
/// literals that start there, the one listed first): `find` and `find_iter` of an
/// [`AhoCorasick`] built with [`MatchKind::LeftmostFirst`].
///
/// Built the default way, that automaton is a DFA, ~500 K instructions to build for a
/// dozen literals, and its searches are answered by the vectorised packed searcher
/// (Teddy) it builds as its prefilter whenever that applies. This builds only the
/// packed searcher (~5 K instructions), which finds the same matches, and the
/// automaton only where no packed searcher can be built (no SSSE3).
pub struct FirstOf {
    needles: &'static [&'static str],
    searcher: OnceLock<FirstSearcher>,
}

enum FirstSearcher {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl FirstSearcher {
    fn packed(needles: &[&str]) -> Option<FirstSearcher> {
        packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(needles)
            .build()
            .map(FirstSearcher::Packed)
    }

    fn automaton(needles: &[&str]) -> FirstSearcher {
        FirstSearcher::Automaton(
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .kind(Some(AhoCorasickKind::NoncontiguousNFA))
                .build(needles)
                .expect("literals are plain strings"),
        )
    }

    fn find_at(&self, haystack: &[u8], from: usize) -> Option<aho_corasick::Match> {
        let span = Span {
            start: from,
            end: haystack.len(),
        };
        match self {
            FirstSearcher::Packed(s) => s.find_in(haystack, span),
            FirstSearcher::Automaton(a) => a.find(Input::new(haystack).span(span)),
        }
    }
}

impl FirstOf {
    /// A search for `needles`, built on first use.
    pub const fn new(needles: &'static [&'static str]) -> FirstOf {
        FirstOf {
            needles,
            searcher: OnceLock::new(),
        }
    }

    fn searcher(&self) -> &FirstSearcher {
        self.searcher.get_or_init(|| {
            FirstSearcher::packed(self.needles)
                .unwrap_or_else(|| FirstSearcher::automaton(self.needles))
        })
    }

    /// The leftmost match in `haystack` that starts at `from` or after.
    pub fn find_at(&self, haystack: &[u8], from: usize) -> Option<aho_corasick::Match> {
        self.searcher().find_at(haystack, from)
    }

    /// The successive matches in `haystack`, each searched for from the end of the
    /// previous one (the needles are not empty).
    pub fn find_iter<'a>(
        &'a self,
        haystack: &'a [u8],
    ) -> impl Iterator<Item = aho_corasick::Match> + 'a {
        let searcher = self.searcher();
        let mut from = 0;
        std::iter::from_fn(move || {
            let m = searcher.find_at(haystack, from)?;
            from = m.end();
            Some(m)
        })
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

    /// Texts of `pieces` (some repeated many times, so that a text is from one byte to
    /// a few kilobytes long), the same on every run.
    fn random_texts(pieces: &[&str], seed: u64, count: usize) -> Vec<String> {
        let mut next = crate::samples::below(seed);
        (0..count)
            .map(|_| {
                let mut text = String::new();
                for _ in 0..1 + next(40) {
                    let piece = pieces[next(pieces.len())];
                    let repeat = if next(8) == 0 { 1 + next(80) } else { 1 };
                    text.push_str(&piece.repeat(repeat));
                }
                text
            })
            .collect()
    }

    const PIECES: &[&str] = &[
        "a",
        "b",
        "ab",
        "abc",
        "x",
        " ",
        "\n",
        "\r\n",
        "é",
        "\u{17F}",
        "\u{212A}",
        "xox",
        "xoxb-",
        "XOXB-",
        "AKIA",
        "akia",
        "ASI",
        "ghp_",
        "eyJ",
        "://",
        ":/",
        "PRIVATE KEY",
        "Secret",
        "nosec",
        "checkov:skip=",
        "zizmor:",
    ];

    /// The lists searched below: the literals every search of the rules uses, and
    /// lists where one literal is a prefix of another, or starts inside another.
    const LISTS: &[&[&str]] = &[
        &["xoxb-", "xoxp-", "ab", "b", "eyJ"],
        &["abc", "ab", "b"],
        &["ab", "abc", "bc", "c"],
        &["AKIA", "ASIA", "ghp_", "xox", "eyJ", "PRIVATE KEY", "://"],
        &["nosec", "checkov:skip=", "zizmor:", "a"],
        &["x"],
    ];

    /// The old searcher, and the reference: aho-corasick's leftmost-first automaton as
    /// built by default.
    fn reference(needles: &[&str]) -> AhoCorasick {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(needles)
            .unwrap()
    }

    /// `searcher` finds what `reference` finds from every start `step` apart.
    fn assert_same_search(
        searcher: &FirstSearcher,
        reference: &AhoCorasick,
        text: &str,
        step: usize,
    ) -> usize {
        let bytes = text.as_bytes();
        let mut found = 0;
        for from in (0..=bytes.len()).step_by(step) {
            let want = reference.find(Input::new(bytes).range(from..));
            assert_eq!(
                searcher.find_at(bytes, from),
                want,
                "from {from} in {text:?}"
            );
            found += usize::from(want.is_some());
        }
        found
    }

    #[test]
    fn first_of_finds_what_the_leftmost_first_automaton_finds() {
        // From every start of random texts up to 300 bytes long (300 starts in longer
        // ones), from a few starts in the fixtures (files and lines), and every match
        // of the iteration in both.
        let random = random_texts(PIECES, 0x9e37_79b9_7f4a_7c15, 300);
        let fixtures = crate::samples::texts(&["", "ab", "abc", "xoxb-xoxp-"]);
        let (mut found, mut matches) = (0, 0);
        for needles in LISTS {
            let reference = reference(needles);
            let packed = FirstSearcher::packed(needles).expect("SSSE3 on the test machine");
            let automaton = FirstSearcher::automaton(needles);
            let first = FirstOf::new(needles);
            for (texts, random) in [(&random, true), (&fixtures, false)] {
                for text in texts {
                    let step = if random {
                        1 + text.len() / 300
                    } else {
                        97.max(text.len() / 8)
                    };
                    for searcher in [&packed, &automaton] {
                        found += assert_same_search(searcher, &reference, text, step);
                    }
                    let want: Vec<aho_corasick::Match> = reference.find_iter(text).collect();
                    let got: Vec<aho_corasick::Match> = first.find_iter(text.as_bytes()).collect();
                    assert_eq!(got, want, "{needles:?} in {text:?}");
                    matches += want.len();
                }
            }
        }
        assert!(found > 100_000 && matches > 100_000, "{found} {matches}");
    }

    /// `may_match` is whether the text holds a needle (all of them for `all_of`), as
    /// the automaton over the needles said before the short-text and packed searches
    /// (and holds `ſ` or the Kelvin sign, for a case-insensitive gate).
    #[test]
    fn may_match_is_whether_a_needle_occurs() {
        static ANY: Gated = Gated::new("x", &["xoxb-", "xoxp-", "ab", "b", "eyJ"]);
        static ONE: Gated = Gated::new("x", &["xox"]);
        static ALL: Gated = Gated::all_of("x", &["ab", "c"]);
        static CASE: Gated = Gated::ignore_ascii_case("x", &["secret", "akia", "nosec"]);
        let mut texts = crate::samples::texts(&["", "SeCrEt", "\u{17F}ecret", "ab"]);
        texts.extend(random_texts(PIECES, 0x2545_f491_4f6c_dd1d, 3000));
        let standard = |needles: &[&str], ignore_case: bool| {
            AhoCorasick::builder()
                .ascii_case_insensitive(ignore_case)
                .build(needles)
                .unwrap()
        };
        let any = standard(ANY.needles(), false);
        let one = standard(ONE.needles(), false);
        let case = standard(CASE.needles(), true);
        let (mut short, mut long, mut held) = (0, 0, 0);
        for text in &texts {
            assert_eq!(ANY.may_match(text), any.is_match(text), "{text:?}");
            assert_eq!(ONE.may_match(text), one.is_match(text), "{text:?}");
            assert_eq!(
                ALL.may_match(text),
                text.contains("ab") && text.contains('c'),
                "{text:?}"
            );
            let want = folds_into_ascii(text) || case.is_match(text);
            assert_eq!(CASE.may_match(text), want, "{text:?}");
            if text.len() <= SHORT_TEXT {
                short += 1;
            } else {
                long += 1;
            }
            held += usize::from(want);
        }
        assert!(
            short > 1000 && long > 1000 && held > 1000,
            "{short} {long} {held}"
        );
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
