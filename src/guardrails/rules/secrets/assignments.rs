//! Finding `key = "value"` assignments whose key names a credential, for
//! PVD-SECRET-004. Declares no rule.
//!
//! Two patterns (see [`Form::pattern`]), whose matches are found exactly as written
//! (every match, in order, as `captures_iter` of the pattern with the value bounded
//! to 8–200 characters would give them), but the cheap way: the patterns are
//! case-insensitive, so no literal prefilter applies and running them meant stepping
//! through every byte of every file, the largest cost of auditing a repository after
//! parsing. A match always holds one of the key words, so the key words are looked
//! up first ([`KeyWords`]: a vectorised multi-string search over the text lower-cased
//! a block at a time, once per file for both forms) and a match is only tried,
//! anchored, where a match holding that word would have to start. From a given start each pattern can take one path only (see [`find`]), so
//! that anchored match is a direct walk over the text ([`Form::match_at`]) rather
//! than the compiled pattern, whose construction (two Unicode-aware automata) cost
//! more than everything else the rule does. The pattern itself still scans a text
//! holding a character that `(?i)` folds into ASCII, which the walk does not model.

use std::ops::Range;
use std::sync::LazyLock;

use paved_model::pattern::FirstOf;
use regex::Regex;

/// Key names that hold credentials.
const KEY_WORDS: &str = r"password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?";

/// Every word [`KEY_WORDS`] matches, or a part of it that every match contains.
pub(super) const KEY_WORD_LITERALS: [&str; 18] = [
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "api_key",
    "api-key",
    "apikey",
    "access_key",
    "access-key",
    "accesskey",
    "private_key",
    "private-key",
    "privatekey",
    "auth_key",
    "auth-key",
    "authkey",
    "credential",
];

/// Whether `key` holds one of the key words an assignment must name: what a
/// container `env` entry's `name:` must hold for its `value:` to be judged at all.
pub(super) fn names_a_credential(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    KEY_WORD_LITERALS.iter().any(|w| lower.contains(w))
}

/// Shortest and longest value reported, in characters.
const VALUE_CHARS: std::ops::RangeInclusive<usize> = 8..=200;

/// The two shapes of assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    /// `key = "value"`, `key: 'value'`, `const KEY: &str = "value"`, anywhere.
    Quoted,
    /// `KEY=value` and `key: value` on a line of their own (env, YAML, ini files).
    Unquoted,
}

impl Form {
    /// The pattern; the key is group 1, the value group 2. The value is `+` here and
    /// its length checked after matching (see [`find`]).
    fn pattern(self) -> String {
        match self {
            Form::Quoted => format!(
                r#"(?i)([A-Za-z0-9_.-]*(?:{KEY_WORDS})[A-Za-z0-9_.-]*)["']?(?:\s*:\s*&(?:'static\s+)?str)?\s*(?::=|=>|=|:)\s*(?:[br]#?)?["'`]([^"'`\s\\]+)["'`]"#
            ),
            Form::Unquoted => format!(
                r#"(?im)^[ \t]*(?:export[ \t]+)?([A-Za-z0-9_.-]*(?:{KEY_WORDS})[A-Za-z0-9_.-]*)[ \t]*[:=][ \t]*([^\s"'`]+)(?:[ \t]+#.*)?[ \t]*$"#
            ),
        }
    }

    /// Where a match whose key holds the key word at `word` can start, at the
    /// earliest: the start of the run of key characters around it (a quoted
    /// assignment's key is that whole run), or the start of its line.
    fn earliest_start(self, text: &[u8], word: usize) -> usize {
        let is_key_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
        let stop = |b: u8| match self {
            Form::Quoted => !is_key_char(b),
            Form::Unquoted => b == b'\n',
        };
        text[..word]
            .iter()
            .rposition(|&b| stop(b))
            .map_or(0, |i| i + 1)
    }

    /// The match of the pattern anchored at `start` (a char boundary of `text`), as
    /// (end of the whole match, key, value). Letters are compared ignoring ASCII
    /// case, as `(?i)` does for a text that holds no character it folds into ASCII.
    /// Each step is the only one the pattern can take from there (see [`find`]).
    /// `word` is the key word found in the text that led here.
    fn match_at(
        self,
        text: &str,
        start: usize,
        word: &Range<usize>,
    ) -> Option<(usize, Range<usize>, Range<usize>)> {
        match self {
            Form::Quoted => quoted_at(text, start, word),
            Form::Unquoted => unquoted_at(text, start, word),
        }
    }

    fn scanning(self) -> &'static Regex {
        static QUOTED: LazyLock<Regex> = LazyLock::new(|| scanner(Form::Quoted));
        static UNQUOTED: LazyLock<Regex> = LazyLock::new(|| scanner(Form::Unquoted));
        match self {
            Form::Quoted => &QUOTED,
            Form::Unquoted => &UNQUOTED,
        }
    }
}

fn scanner(form: Form) -> Regex {
    Regex::new(&form.pattern()).expect("assignment pattern is valid")
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The end of the run of characters from `at` that `keep` accepts.
fn run_end(text: &str, at: usize, keep: impl Fn(char) -> bool) -> usize {
    text[at..]
        .char_indices()
        .find(|&(_, c)| !keep(c))
        .map_or(text.len(), |(i, _)| at + i)
}

/// `\s*` from `at`: Unicode white space, as the patterns' `\s`.
fn skip_space(text: &str, at: usize) -> usize {
    run_end(text, at, char::is_whitespace)
}

/// `[ \t]*` from `at`.
fn skip_blank(text: &[u8], at: usize) -> usize {
    at + text[at..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// Whether `text` holds `word` (lower-case ASCII) at `at`, in any ASCII case.
fn has_at(text: &[u8], at: usize, word: &str) -> bool {
    text.get(at..at + word.len())
        .is_some_and(|b| b.eq_ignore_ascii_case(word.as_bytes()))
}

/// The byte at `at`, lower-cased (ASCII).
fn lower_at(text: &[u8], at: usize) -> Option<u8> {
    text.get(at).map(u8::to_ascii_lowercase)
}

/// The key at `at`: `[A-Za-z0-9_.-]*(?:KEY_WORDS)[A-Za-z0-9_.-]*` followed by a
/// character that is not a key character, so the whole run of key characters.
/// `word`, a key word found in the text, answers without a search when it lies in
/// the run.
fn key_at(text: &[u8], at: usize, word: &Range<usize>) -> Option<Range<usize>> {
    let end = at + text[at..].iter().take_while(|&&b| is_key_byte(b)).count();
    let key = &text[at..end];
    let holds = (at <= word.start && word.end <= end)
        || KEY_WORD_LITERALS.iter().any(|w| {
            key.windows(w.len())
                .any(|part| part.eq_ignore_ascii_case(w.as_bytes()))
        });
    holds.then_some(at..end)
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\'' | '`')
}

/// [`Form::Quoted`] anchored at `start`.
fn quoted_at(
    text: &str,
    start: usize,
    word: &Range<usize>,
) -> Option<(usize, Range<usize>, Range<usize>)> {
    let bytes = text.as_bytes();
    let key = key_at(bytes, start, word)?;
    // `["']?`: taken when there, as without it nothing after could match a quote.
    let mut at = key.end + usize::from(matches!(bytes.get(key.end), Some(b'"' | b'\'')));
    // `(?:\s*:\s*&(?:'static\s+)?str)?`: when it matches, skipping it leaves `:`
    // before `&`, which nothing after accepts.
    at = type_annotation(text, at).unwrap_or(at);
    // `\s*(?::=|=>|=|:)`, the first alternative that matches: a shorter one leaves
    // `=` or `>` where `\s*`, `[br]` or a quote must follow.
    at = skip_space(text, at);
    at += [":=", "=>", "=", ":"]
        .iter()
        .find(|op| has_at(bytes, at, op))?
        .len();
    // `\s*(?:[br]#?)?["'`]`
    at = skip_space(text, at);
    if matches!(lower_at(bytes, at), Some(b'b' | b'r')) {
        at += 1;
        if bytes.get(at) == Some(&b'#') {
            at += 1;
        }
    }
    if !matches!(bytes.get(at), Some(b'"' | b'\'' | b'`')) {
        return None;
    }
    // `([^"'`\s\\]+)["'`]`
    let value = at + 1..run_end(text, at + 1, |c| {
        !(is_quote(c) || c == '\\' || c.is_whitespace())
    });
    if value.is_empty() || !matches!(bytes.get(value.end), Some(b'"' | b'\'' | b'`')) {
        return None;
    }
    Some((value.end + 1, key, value))
}

/// `(?:\s*:\s*&(?:'static\s+)?str)?` at `at`: where it ends, when it matches.
fn type_annotation(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = skip_space(text, at);
    if bytes.get(at) != Some(&b':') {
        return None;
    }
    at = skip_space(text, at + 1);
    if bytes.get(at) != Some(&b'&') {
        return None;
    }
    at += 1;
    if has_at(bytes, at, "'static") {
        let after = skip_space(text, at + "'static".len());
        if after > at + "'static".len() {
            at = after;
        }
    }
    has_at(bytes, at, "str").then_some(at + "str".len())
}

/// [`Form::Unquoted`] anchored at `start`.
fn unquoted_at(
    text: &str,
    start: usize,
    word: &Range<usize>,
) -> Option<(usize, Range<usize>, Range<usize>)> {
    let bytes = text.as_bytes();
    // `(?m)^`: a line starts here.
    if start > 0 && bytes[start - 1] != b'\n' {
        return None;
    }
    let mut at = skip_blank(bytes, start);
    // `(?:export[ \t]+)?`: when it matches, skipping it leaves the key `export`.
    if has_at(bytes, at, "export") {
        let after = skip_blank(bytes, at + "export".len());
        if after > at + "export".len() {
            at = after;
        }
    }
    let key = key_at(bytes, at, word)?;
    // `[ \t]*[:=][ \t]*`
    at = skip_blank(bytes, key.end);
    if !matches!(bytes.get(at), Some(b':' | b'=')) {
        return None;
    }
    at = skip_blank(bytes, at + 1);
    // `([^\s"'`]+)`
    let value = at..run_end(text, at, |c| !(is_quote(c) || c.is_whitespace()));
    if value.is_empty() {
        return None;
    }
    // `(?:[ \t]+#.*)?[ \t]*$`: a comment runs to the end of the line; else only
    // blanks may follow, up to the line's `\n` (a `\r` ends no line here).
    let blanks = skip_blank(bytes, value.end);
    let end = if blanks > value.end && bytes.get(blanks) == Some(&b'#') {
        memchr::memchr(b'\n', &bytes[blanks..]).map_or(bytes.len(), |i| blanks + i)
    } else if blanks == bytes.len() || bytes[blanks] == b'\n' {
        blanks
    } else {
        return None;
    };
    Some((end, key, value))
}

/// One assignment: byte ranges of the key and the value in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Assignment {
    pub key: Range<usize>,
    pub value: Range<usize>,
}

/// Where the key words are in one text: found once per file and shared by both
/// forms.
pub(super) struct KeyWords {
    /// The key words in the text lower-cased, as `find_iter` of a leftmost-first
    /// search for [`KEY_WORD_LITERALS`] gives them; `None` for a text holding a
    /// character that `(?i)` folds into ASCII (see [`find`]).
    found: Option<Vec<Range<usize>>>,
}

impl KeyWords {
    /// The key words of `text`; `buffer` is scratch space, kept from file to file
    /// (zeroing a fresh block for each file cost more than searching most of them).
    pub(super) fn of(text: &str, buffer: &mut Vec<u8>) -> KeyWords {
        // Under `(?i)` two non-ASCII characters fold to ASCII letters of the key words
        // and key characters: `ſ` (to `s`) and the Kelvin sign (to `k`). Lower-casing
        // ASCII misses those, so such a text is scanned with the pattern itself.
        let found = (!folds_to_ascii(text)).then(|| key_words(text.as_bytes(), BLOCK, buffer));
        KeyWords { found }
    }

    /// The key words, in order; `None` for a text holding a character that `(?i)`
    /// folds into ASCII.
    pub(super) fn found(&self) -> Option<&[Range<usize>]> {
        self.found.as_deref()
    }

    /// Whether the text holds no key word, so no assignment.
    pub(super) fn is_empty(&self) -> bool {
        self.found.as_ref().is_some_and(Vec::is_empty)
    }
}

/// Bytes lower-cased and searched at a time (on the stack).
const BLOCK: usize = 4096;

/// The longest key word, less one: how far a block reaches into the next one.
const OVERLAP: usize = 10;

/// The key words of `text` lower-cased (ASCII), exactly as `find_iter` of the
/// leftmost-first search over a lower-cased copy of the whole text gives them, without
/// the copy (an allocation and a pass over every byte of every file): each `block`
/// bytes are lower-cased into a buffer and searched there. A match is taken from a
/// block only where every key word starting there would fit in it, so the leftmost
/// match and its word are those of the whole text; later starts are searched again
/// in the next block, which begins there.
fn key_words(text: &[u8], block: usize, buffer: &mut Vec<u8>) -> Vec<Range<usize>> {
    static WORDS: FirstOf = FirstOf::new(&KEY_WORD_LITERALS);
    debug_assert!(KEY_WORD_LITERALS.iter().all(|w| w.len() <= OVERLAP + 1));
    debug_assert!(block > OVERLAP);
    if buffer.len() < block {
        buffer.resize(block, 0);
    }
    let mut out = Vec::new();
    let mut from = 0;
    while from < text.len() {
        let end = (from + block).min(text.len());
        let last = end == text.len();
        // Starts from here on are left to the next block.
        let limit = if last { end } else { end - OVERLAP };
        let lower = &mut buffer[..end - from];
        for (l, b) in lower.iter_mut().zip(&text[from..end]) {
            *l = b.to_ascii_lowercase();
        }
        let mut next = limit;
        for word in WORDS.find_iter(lower) {
            let start = from + word.start();
            if start >= limit {
                break;
            }
            out.push(start..from + word.end());
            next = next.max(from + word.end());
        }
        if last {
            break;
        }
        from = next;
    }
    out
}

/// Every assignment of `form` in `text`, in order, whose value is 8 to 200 characters;
/// `words` are the text's [`KeyWords`].
///
/// Why the `+` pattern with a length check gives the bounded pattern's matches: from a
/// given start both patterns can take one path only. The key is a maximal run of key
/// characters, every piece up to the opening quote is forced by the next character,
/// and the value is the maximal run of value characters (its class excludes what must
/// follow it). So a start matches the bounded pattern exactly when it matches this one
/// with a value of the right length. The bounded form was the costliest pattern to
/// compile in the whole audit (200 copies of a Unicode class, ~19 M instructions).
///
/// A rejected value rules out only the starts inside its key (they share the value):
/// the search goes on from the end of the key, so an assignment starting inside a
/// rejected value is still found.
pub(super) fn find(form: Form, text: &str, words: &KeyWords) -> Vec<Assignment> {
    let Some(words) = &words.found else {
        return scan(form, text);
    };
    let mut out = Vec::new();
    let (mut at, mut tried) = (0, None);
    for word in words {
        if word.start < at {
            continue;
        }
        // The leftmost match from `at` starts at the earliest start of some key word
        // (a match starting later in the same run or line would also match from
        // there), so trying those in order finds every match, in order.
        let start = form.earliest_start(text.as_bytes(), word.start).max(at);
        if tried == Some(start) {
            continue;
        }
        tried = Some(start);
        let Some((end, key, value)) = form.match_at(text, start, word) else {
            continue;
        };
        if VALUE_CHARS.contains(&text[value.clone()].chars().count()) {
            at = end;
            out.push(Assignment { key, value });
        } else {
            at = key.end;
        }
    }
    out
}

/// Whether `text` holds `ſ` or the Kelvin sign. A byte search, not a `char` one:
/// decoding every character of every file cost more than the search it guards.
fn folds_to_ascii(text: &str) -> bool {
    !text.is_ascii()
        && (memchr::memmem::find(text.as_bytes(), "\u{17f}".as_bytes()).is_some()
            || memchr::memmem::find(text.as_bytes(), "\u{212a}".as_bytes()).is_some())
}

/// [`find`] by running the pattern over the whole text.
fn scan(form: Form, text: &str) -> Vec<Assignment> {
    let re = form.scanning();
    let mut out = Vec::new();
    let mut at = 0;
    while at <= text.len() {
        let Some(c) = re.captures_at(text, at) else {
            break;
        };
        let (Some(whole), Some(key), Some(value)) = (c.get(0), c.get(1), c.get(2)) else {
            break;
        };
        if VALUE_CHARS.contains(&value.as_str().chars().count()) {
            out.push(Assignment {
                key: key.range(),
                value: value.range(),
            });
            at = whole.end();
        } else {
            at = key.end();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, MatchKind};

    const FORMS: [Form; 2] = [Form::Quoted, Form::Unquoted];

    /// The pattern as it was, with the value bounded in the pattern itself.
    fn bounded(form: Form) -> &'static Regex {
        fn compile(form: Form) -> Regex {
            let pattern = form.pattern();
            let bounded = pattern
                .replacen(r#"([^"'`\s\\]+)"#, r#"([^"'`\s\\]{8,200})"#, 1)
                .replacen(r#"([^\s"'`]+)"#, r#"([^\s"'`]{8,200})"#, 1);
            assert_ne!(bounded, pattern, "the value group of {pattern} moved");
            Regex::new(&bounded).unwrap()
        }
        static QUOTED: LazyLock<Regex> = LazyLock::new(|| compile(Form::Quoted));
        static UNQUOTED: LazyLock<Regex> = LazyLock::new(|| compile(Form::Unquoted));
        match form {
            Form::Quoted => &QUOTED,
            Form::Unquoted => &UNQUOTED,
        }
    }

    /// The key words as found before [`key_words`]: one search of a lower-cased copy.
    fn key_words_of_a_copy(text: &str) -> Vec<Range<usize>> {
        static WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(KEY_WORD_LITERALS)
                .unwrap()
        });
        WORDS
            .find_iter(&text.to_ascii_lowercase())
            .map(|m| m.range())
            .collect()
    }

    /// [`key_words`] finds what the search of a lower-cased copy finds, with blocks
    /// small enough that words straddle them.
    fn assert_same_key_words(text: &str) {
        let copy = key_words_of_a_copy(text);
        for block in [OVERLAP + 1, OVERLAP + 2, 16, 23, 64, BLOCK] {
            let found = key_words(text.as_bytes(), block, &mut Vec::new());
            assert_eq!(copy, found, "block {block} on {text:?}");
        }
    }

    fn assert_same(text: &str) {
        assert_same_key_words(text);
        for form in FORMS {
            let old: Vec<Assignment> = bounded(form)
                .captures_iter(text)
                .map(|c| Assignment {
                    key: c.get(1).unwrap().range(),
                    value: c.get(2).unwrap().range(),
                })
                .collect();
            let words = KeyWords::of(text, &mut Vec::new());
            assert_eq!(old, find(form, text, &words), "{form:?} on {text:?}");
            assert_eq!(old, scan(form, text), "{form:?} (scanning) on {text:?}");
        }
    }

    #[test]
    fn the_literals_are_the_key_words() {
        let whole = Regex::new(&format!("^(?:{KEY_WORDS})$")).unwrap();
        for literal in KEY_WORD_LITERALS {
            assert!(whole.is_match(literal), "{literal}");
        }
        // Every word the alternation matches holds a literal (it has no other form).
        for word in ["credentials", "api_key", "apikey", "access-key", "auth_key"] {
            assert!(whole.is_match(word));
            assert!(KEY_WORD_LITERALS.iter().any(|l| word.contains(l)), "{word}");
        }
    }

    #[test]
    fn folding_characters_are_found() {
        assert!(folds_to_ascii("a ſecret"));
        assert!(folds_to_ascii("\u{212a}ey"));
        assert!(!folds_to_ascii("plain"));
        assert!(!folds_to_ascii("pässword é \u{17e}"));
    }

    #[test]
    fn only_two_characters_fold_into_the_ascii_classes() {
        // `find` relies on this to search a lower-cased ASCII copy.
        let class = Regex::new(r"(?i)^[A-Za-z0-9_.-]$").unwrap();
        let folding: Vec<char> = ('\u{80}'..=char::MAX)
            .filter(|c| class.is_match(c.encode_utf8(&mut [0; 4])))
            .collect();
        assert_eq!(folding, ['\u{17f}', '\u{212a}']);
    }

    #[test]
    fn matches_the_bounded_patterns_on_edge_cases() {
        let long = "x".repeat(200);
        let too_long = "x".repeat(201);
        let inner = format!("password=\"{}token=\"Zq8vN3rT5wX1yB7k\"", "a".repeat(220));
        for text in [
            "",
            "password = \"short\"",
            "password = \"longenough\"",
            &format!("token: '{long}'"),
            &format!("token: '{too_long}'"),
            // An assignment inside a rejected value: found from the end of the key.
            &inner,
            "my_password: \"abc\"token: \"Zq8vN3rT5wX1yB7k\"",
            "const API_KEY: &str = \"Zq8vN3rT5wX1yB7k\";\nconst T: &'static str = \"x\";",
            "secret := `ab` secret := `Zq8vN3rT5wX1yB7k`",
            "api-key => r#\"Zq8vN3rT5wX1yB7k\"#",
            "SECRETTOKEN=\"Zq8vN3rT5wX1yB7k\" x.Password.y : 'Zq8vN3rT5wX1yB7k'",
            "export DB_PASSWORD=Zq8vN3rT5wX1yB7k # prod\nTOKEN=short\nTOKEN=Zq8vN3rT5wX1yB7k\r\n",
            "  password: Zq8vN3rT5wX1yB7k token: x\n\tapi_key = Zq8vN3rT5wX1yB7k\n",
            "ſecret = \"ünïcødé-välüé\"\nKey: \"ſſſſſſſſſſ\"\npassword=\"a\u{a0}bcdefghijk\"",
            "pässword = \"ünïcødé-välüé\" token=\"a\u{a0}bcdefghijk\" token=\"é1234567é\"",
            "passwordpasswordpassword = \"Zq8vN3rT\" password=\"1234567\"",
        ] {
            assert_same(text);
        }
    }

    fn random_texts(pieces: &[&str], seed: u64, count: usize, check: impl Fn(&str)) {
        let mut next = paved_model::samples::below(seed);
        for _ in 0..count {
            let len = 1 + next(40);
            let mut text = String::new();
            for _ in 0..len {
                let piece = pieces[next(pieces.len())];
                let repeat = if next(8) == 0 { 1 + next(60) } else { 1 };
                for _ in 0..repeat {
                    text.push_str(piece);
                }
            }
            check(&text);
        }
    }

    #[test]
    fn matches_the_bounded_patterns_on_random_text() {
        const PIECES: &[&str] = &[
            "password",
            "PassWord",
            "token",
            "api_key",
            "apiKey",
            "x",
            "A9",
            "-",
            ".",
            "=",
            ":",
            ":=",
            "=>",
            "\"",
            "'",
            "`",
            " ",
            "\t",
            "\n",
            "\r\n",
            "\\",
            "r#",
            "b",
            "&str",
            "&'static str",
            "export ",
            "#",
            "abcdefgh",
            "Zq8vN3rT5wX1",
            "é",
            "\u{a0}",
        ];
        random_texts(PIECES, 0x2545_f491_4f6c_dd1d, 4000, assert_same);
        // With the two characters that fold into ASCII: the scanning path.
        let mut folding = PIECES.to_vec();
        folding.extend(["ſ", "\u{212a}"]);
        random_texts(&folding, 0x9e37_79b9_7f4a_7c15, 1000, assert_same);
    }

    #[test]
    fn key_words_are_those_of_a_lower_cased_copy() {
        let mut pieces: Vec<String> = KEY_WORD_LITERALS
            .iter()
            .flat_map(|w| {
                let upper = w.to_ascii_uppercase();
                let mixed: String = w
                    .chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if i % 2 == 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect();
                [w.to_string(), upper, mixed, w[..w.len() / 2].to_string()]
            })
            .collect();
        pieces
            .extend(["_", "-", " ", "x", "é", "ſ", "\n", "passw", "apik", "KEY"].map(String::from));
        let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
        random_texts(&pieces, 0x5851_f42d_4c95_7f2d, 3000, assert_same_key_words);
        // Texts of several blocks.
        let long: String = pieces.iter().cycle().take(4 * BLOCK).copied().collect();
        assert_same_key_words(&long);
        assert_same_key_words(&long[1..]);
    }

    #[test]
    fn matches_the_bounded_patterns_on_every_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut files = 0;
        for entry in walkdir::WalkDir::new(root).into_iter().flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                assert_same(&text);
                files += 1;
            }
        }
        assert!(files > 100, "only {files} fixture files read");
    }
}
