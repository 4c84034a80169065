//! Whether an answer matches a variable's `regex`, decided on the pattern's syntax
//! tree (the `Hir` the regex crate compiles) instead of a compiled regex.
//!
//! Validating the recorded answers is the only use drift's conformance has for
//! these patterns, once per pattern and audit, on a value of a few dozen bytes:
//! compiling each to an automaton (an NFA, then a one-pass DFA and a backtracker)
//! costs far more than walking the tree once over the value. The walk computes the
//! set of positions where the pattern can end, from the set where it can start: a
//! literal or class moves each position past what it matches, a concatenation
//! chains its parts, an alternation unites them, and a repetition repeats its part
//! until no new position appears. That is the definition of a match, with none of
//! an engine's choices (greediness, priorities) in it, which only decide *which*
//! match is reported, never *whether* there is one.
//!
//! [`direct`] accepts only trees made of those parts (looking around only at the
//! start and end of the text) and small enough that the regex crate surely compiles
//! them (see [`MAX_WEIGHT`]), so the answer is exactly `Regex::is_match`'s, error
//! cases included. [`full_match`] gives up (`None`) past a budget of steps, for a
//! long value and a pattern with nested repetitions; the caller then compiles the
//! regex as before.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// The largest [`weight`] matched here. The regex crate refuses a pattern whose NFA
/// exceeds its size limit (10 MiB by default); an NFA takes at most about 260
/// bytes per unit of weight (a class range spanning the 4-byte UTF-8 sequences
/// being the dearest: `[\u{80}-\u{10FFFF}]{1000}` compiles to 257 KB), so 4000
/// units stay under 1.1 MB, nine times below the limit
/// (`tests::patterns_at_the_weight_bound_compile` compiles the dearest ones).
pub(crate) const MAX_WEIGHT: usize = 4000;

/// Steps (a node entered, and each position carried through it) before
/// [`full_match`] gives up.
const MAX_STEPS: usize = 100_000;
/// Longer texts are left to the regex crate (an answer is a short value).
const MAX_TEXT: usize = 4096;

/// `Some(hir)` when `hir` can be matched here: only the parts named in the module
/// comment, and no heavier than [`MAX_WEIGHT`].
pub(crate) fn direct(hir: Hir) -> Option<Hir> {
    (weight(&hir)? <= MAX_WEIGHT).then_some(hir)
}

/// A bound on the size of what `hir` compiles to: one per node, literal byte and
/// class range, a repetition's part counted as often as it can be unrolled;
/// `None` for what is not matched here (or too heavy to count).
fn weight(hir: &Hir) -> Option<usize> {
    let w = match hir.kind() {
        HirKind::Empty => 1,
        HirKind::Literal(lit) => lit.0.len(),
        HirKind::Class(Class::Unicode(c)) => c.ranges().len(),
        HirKind::Class(Class::Bytes(c)) => c.ranges().len(),
        HirKind::Look(Look::Start | Look::End) => 1,
        HirKind::Look(_) => return None,
        HirKind::Repetition(rep) => {
            let times = rep.max.unwrap_or(rep.min.saturating_add(1)).max(rep.min);
            weight(&rep.sub)?.checked_mul(times as usize)?
        }
        HirKind::Capture(cap) => weight(&cap.sub)?,
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            let mut sum = 0usize;
            for sub in subs {
                sum = sum.checked_add(weight(sub)?)?;
            }
            sum
        }
    };
    w.checked_add(1).filter(|&w| w <= MAX_WEIGHT * 2)
}

/// Whether `hir` (accepted by [`direct`]) matches anywhere in `text`, as
/// `Regex::is_match` answers; `None` past [`MAX_STEPS`] or [`MAX_TEXT`].
pub(crate) fn full_match(hir: &Hir, text: &str) -> Option<bool> {
    if text.len() > MAX_TEXT {
        return None;
    }
    let mut m = Matcher { text, steps: 0 };
    let mut starts = Set::new(text.len());
    // A match starts and ends on character boundaries (empty ones included: the
    // regex crate never splits a character).
    for p in (0..=text.len()).filter(|&p| text.is_char_boundary(p)) {
        starts.insert(p);
    }
    Some(!m.ends(hir, &starts)?.is_empty())
}

struct Matcher<'t> {
    text: &'t str,
    steps: usize,
}

impl Matcher<'_> {
    /// The positions where `hir` can end when it starts at any of `from`.
    fn ends(&mut self, hir: &Hir, from: &Set) -> Option<Set> {
        self.steps += 1 + from.len();
        if self.steps > MAX_STEPS {
            return None;
        }
        let text = self.text;
        let bytes = text.as_bytes();
        let mut out = Set::new(text.len());
        match hir.kind() {
            HirKind::Empty => return Some(from.clone()),
            HirKind::Literal(lit) => {
                for p in from.iter() {
                    if bytes[p..].starts_with(&lit.0) {
                        out.insert(p + lit.0.len());
                    }
                }
            }
            HirKind::Class(Class::Unicode(c)) => {
                for p in from.iter() {
                    let Some(ch) = text.get(p..).and_then(|rest| rest.chars().next()) else {
                        continue;
                    };
                    let found = c.ranges().binary_search_by(|r| {
                        if r.end() < ch {
                            std::cmp::Ordering::Less
                        } else if r.start() > ch {
                            std::cmp::Ordering::Greater
                        } else {
                            std::cmp::Ordering::Equal
                        }
                    });
                    if found.is_ok() {
                        out.insert(p + ch.len_utf8());
                    }
                }
            }
            HirKind::Class(Class::Bytes(c)) => {
                for p in from.iter() {
                    if let Some(&b) = bytes.get(p) {
                        if c.ranges().iter().any(|r| r.start() <= b && b <= r.end()) {
                            out.insert(p + 1);
                        }
                    }
                }
            }
            HirKind::Look(look) => {
                let at = match look {
                    Look::Start => 0,
                    Look::End => text.len(),
                    _ => unreachable!("refused by `direct`"),
                };
                if from.contains(at) {
                    out.insert(at);
                }
            }
            HirKind::Capture(cap) => return self.ends(&cap.sub, from),
            HirKind::Concat(subs) => {
                let mut at = from.clone();
                for sub in subs {
                    if at.is_empty() {
                        break;
                    }
                    at = self.ends(sub, &at)?;
                }
                return Some(at);
            }
            HirKind::Alternation(subs) => {
                for sub in subs {
                    out.union_with(&self.ends(sub, from)?);
                }
            }
            HirKind::Repetition(rep) => {
                let mut at = from.clone();
                for _ in 0..rep.min {
                    if at.is_empty() {
                        return Some(at);
                    }
                    at = self.ends(&rep.sub, &at)?;
                }
                // `out` holds every end after `min` to `i` repetitions. A position
                // met again was met after fewer repetitions, with as many left,
                // and carried on from then: only new ones need carrying on.
                out = at.clone();
                let mut frontier = at;
                let mut i = rep.min;
                while !frontier.is_empty() && rep.max.map_or(true, |max| i < max) {
                    let next = self.ends(&rep.sub, &frontier)?;
                    frontier = next.minus(&out);
                    out.union_with(&frontier);
                    i += 1;
                }
            }
        }
        Some(out)
    }
}

/// A set of positions `0..=len` in the text.
#[derive(Clone)]
struct Set {
    words: Vec<u64>,
}

impl Set {
    fn new(len: usize) -> Set {
        Set {
            words: vec![0; len / 64 + 1],
        }
    }

    fn insert(&mut self, p: usize) {
        self.words[p / 64] |= 1 << (p % 64);
    }

    fn contains(&self, p: usize) -> bool {
        self.words[p / 64] & (1 << (p % 64)) != 0
    }

    fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    fn union_with(&mut self, other: &Set) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    fn minus(&self, other: &Set) -> Set {
        Set {
            words: self
                .words
                .iter()
                .zip(&other.words)
                .map(|(a, b)| a & !b)
                .collect(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros() as usize;
                    w &= w - 1;
                    i * 64 + bit
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn parse(pattern: &str) -> Hir {
        regex_automata::util::syntax::parse(pattern).unwrap()
    }

    /// A pattern parsed and compiled once for many texts.
    struct Pattern {
        text: String,
        direct: Option<Hir>,
        regex: Regex,
    }

    impl Pattern {
        fn new(pattern: &str) -> Pattern {
            Pattern {
                text: pattern.to_string(),
                direct: direct(parse(pattern)),
                regex: Regex::new(pattern).unwrap(),
            }
        }

        /// Matches `text` as `Regex::is_match` does, or declines; returns whether
        /// it decided.
        fn agrees(&self, text: &str) -> bool {
            let Some(mine) = self.direct.as_ref().and_then(|h| full_match(h, text)) else {
                return false;
            };
            let theirs = self.regex.is_match(text);
            assert_eq!(mine, theirs, "pattern {:?}, text {text:?}", self.text);
            true
        }
    }

    use crate::blueprint::test_rng::Rng;

    /// Every `regex` the built-in blueprints, layers and releases declare,
    /// anchored as `AnswerRegex` anchors it.
    fn manifest_patterns() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints");
        let mut out = std::collections::BTreeSet::new();
        for entry in walkdir::WalkDir::new(root) {
            let entry = entry.unwrap();
            if entry.path().extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap();
            for line in text.lines() {
                if let Some(p) = line.strip_prefix("regex = '") {
                    out.insert(format!("^(?:{})$", p.trim_end_matches('\'')));
                }
            }
        }
        out.into_iter().collect()
    }

    /// Random values around each manifest pattern's examples: the built-in
    /// defaults, and each edited by a random insertion, deletion or replacement.
    #[test]
    fn manifest_patterns_match_as_the_regex_crate_matches() {
        let patterns = manifest_patterns();
        assert!(patterns.len() >= 5, "{patterns:?}");
        let examples = [
            "@acme/payments",
            "@acme/security",
            "security@example.com",
            "a.b-c_d%e+f@mail.example.co",
            "eu-west-1",
            "us-gov-west-1",
            "ghcr.io/acme/svc",
            "registry.gitlab.com/acme/svc",
            "000000000000.dkr.ecr.eu-west-1.amazonaws.com/svc",
            "localhost:5000/a/b.c",
            "ingress-nginx",
            "a",
            "",
        ];
        let alphabet: Vec<char> = "aZ09-_./@:%+é \n".chars().collect();
        let mut rng = Rng(0x5851_f42d_4c95_7f2d);
        let mut decided = 0;
        for pattern in &patterns {
            let pattern = Pattern::new(pattern);
            assert!(pattern.direct.is_some(), "{}", pattern.text);
            for example in examples {
                assert!(pattern.agrees(example));
                for _ in 0..300 {
                    let mut chars: Vec<char> = example.chars().collect();
                    for _ in 0..1 + rng.below(3) {
                        let at = rng.below(chars.len() + 1);
                        let c = alphabet[rng.below(alphabet.len())];
                        match rng.below(3) {
                            0 => chars.insert(at, c),
                            1 if at < chars.len() => {
                                chars.remove(at);
                            }
                            _ if at < chars.len() => chars[at] = c,
                            _ => chars.push(c),
                        }
                    }
                    let text: String = chars.into_iter().collect();
                    decided += usize::from(pattern.agrees(&text));
                }
            }
        }
        assert!(decided > 15_000, "decided {decided}");
    }

    /// Random patterns from the syntax the tree can hold (classes with Unicode,
    /// case folding, nested and counted repetitions, empty alternatives, anchors
    /// in odd places), against random short texts.
    #[test]
    fn random_patterns_match_as_the_regex_crate_matches() {
        let atoms = [
            "a",
            "b",
            "ab",
            "é",
            "\\.",
            ".",
            "\\d",
            "\\w",
            "\\s",
            "[a-c]",
            "[^a]",
            "[é-ü]",
            "(?i)a",
            "(?i:é)",
            "(?-u:[a-b])",
            "(?s:.)",
            "^",
            "$",
            "",
            "\\pL",
            "[[:alpha:]]",
        ];
        let reps = [
            "", "", "*", "+", "?", "{2}", "{1,3}", "{0,2}", "{2,}", "*?", "{0}",
        ];
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        fn pattern(rng: &mut Rng, depth: usize, atoms: &[&str], reps: &[&str]) -> String {
            let mut out = String::new();
            for _ in 0..1 + rng.below(3) {
                let piece = if depth > 0 && rng.below(3) == 0 {
                    let mut alts = vec![pattern(rng, depth - 1, atoms, reps)];
                    for _ in 0..rng.below(3) {
                        alts.push(pattern(rng, depth - 1, atoms, reps));
                    }
                    format!("({})", alts.join("|"))
                } else {
                    rng.pick(atoms).to_string()
                };
                let rep = rng.pick(reps);
                // A repetition needs something to repeat.
                let repeatable = !piece.is_empty() && piece != "^" && piece != "$";
                out.push_str(&piece);
                if repeatable && !piece.starts_with("(?i)") {
                    out.push_str(rep);
                }
            }
            out
        }
        let alphabet = [
            "a", "b", "A", "é", "É", "ü", "0", "7", " ", "\n", ".", "_", "x",
        ];
        let (mut decided, mut tried) = (0, 0);
        for _ in 0..4000 {
            let p = pattern(&mut rng, 2, &atoms, &reps);
            let anchored = if rng.below(2) == 0 {
                format!("^(?:{p})$")
            } else {
                p
            };
            if Regex::new(&anchored).is_err() {
                continue;
            }
            let pattern = Pattern::new(&anchored);
            for _ in 0..12 {
                let text: String = (0..rng.below(7)).map(|_| rng.pick(&alphabet)).collect();
                tried += 1;
                decided += usize::from(pattern.agrees(&text));
            }
        }
        // The rest repeat a large Unicode class (`\pL{2,}`): too heavy, declined.
        assert!(
            tried > 30_000 && decided * 10 > tried * 8,
            "{decided} of {tried}"
        );
    }

    #[test]
    fn declines_other_looks_and_heavy_patterns() {
        for p in [
            r"\bx",
            r"(?m)^x$",
            r"\Bx",
            r"\pL{10}",
            r"a{5000}",
            r"(?:a{100}){100}",
        ] {
            assert!(direct(parse(p)).is_none(), "{p}");
        }
        assert!(direct(parse(r"\w")).is_some());
    }

    #[test]
    fn gives_up_past_the_budget() {
        let branches: Vec<String> = (0..30).map(|i| format!("[ab]*{i}")).collect();
        let hir = direct(parse(&branches.join("|"))).unwrap();
        assert_eq!(full_match(&hir, "aab7"), Some(true));
        assert_eq!(full_match(&hir, &"ab".repeat(200)), Some(false));
        assert_eq!(full_match(&hir, &"ab".repeat(2000)), None);
        assert_eq!(full_match(&hir, &"a".repeat(MAX_TEXT + 1)), None);
    }

    /// The heaviest patterns [`direct`] accepts compile well under the regex
    /// crate's size limit (which `MAX_WEIGHT` relies on).
    #[test]
    fn patterns_at_the_weight_bound_compile() {
        let heaviest = [
            format!("[\\x{{80}}-\\x{{10FFFF}}]{{{}}}", MAX_WEIGHT / 2 - 2),
            format!("\\x{{10FFFF}}{{{}}}", MAX_WEIGHT / 5 - 1),
            format!(
                "[\\x{{80}}-\\x{{7FF}}\\x{{10000}}-\\x{{10FFFF}}]{{{}}}",
                MAX_WEIGHT / 3 - 1
            ),
            format!("(?:ab|cd|ef){{{}}}", MAX_WEIGHT / 10 - 1),
            "[a-z0-9]{0,1330}".to_string(),
            "\\w{5}".to_string(),
        ];
        for p in &heaviest {
            let w = weight(&parse(p)).unwrap();
            assert!(w <= MAX_WEIGHT && w * 10 >= MAX_WEIGHT * 9, "{p}: {w}");
            let nfa = regex_automata::nfa::thompson::NFA::new(p).unwrap();
            assert!(
                nfa.memory_usage() < (10 << 20) / 4,
                "{p}: {}",
                nfa.memory_usage()
            );
            assert!(Regex::new(p).is_ok(), "{p}");
        }
    }
}
