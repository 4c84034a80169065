//! The syntax of other tools' inline suppression comments (see [`super::inline`]): one
//! pattern per comment, matched by hand on an ASCII line.
//!
//! Each pattern is a regex with Unicode classes (`\s`, `\d`, `\b`, `.`, `[^x]`), and
//! compiling such a regex builds a 320 KB map of UTF-8 ranges: two of these compiles
//! (a `# nosec` and a `# checkov:skip=` comment are in every generated service) were
//! the largest allocations of an audit. On a line of ASCII characters those classes
//! are their ASCII selves, and each pattern, read from a given start, can take one
//! path only (each step below says why), so a walk over the bytes finds the match and
//! groups the regex finds. A line holding any other character is still matched by the
//! regex. The tests compare both on fixture lines and generated ones.

use std::ops::{Index, Range};

use paved_model::pattern::Gated;

/// The ranges of a match and of its groups (0 the whole match), as `captures` gives them.
type Groups = [Option<Range<usize>>; 4];

/// A suppression comment's pattern: the regex behind the literals its lines must
/// hold, and the same pattern matched by hand on an ASCII line.
pub(super) struct Comment {
    gated: Gated,
    ascii: fn(&[u8]) -> Option<Groups>,
}

/// A comment found on a line: its groups.
pub(super) struct Found<'h> {
    line: &'h str,
    groups: Groups,
}

impl<'h> Found<'h> {
    /// Group `i`, if it took part in the match.
    pub(super) fn get(&self, i: usize) -> Option<&'h str> {
        self.groups[i].clone().map(|r| &self.line[r])
    }
}

impl Index<usize> for Found<'_> {
    type Output = str;

    /// Group `i`, which must have taken part in the match.
    fn index(&self, i: usize) -> &str {
        self.get(i)
            .unwrap_or_else(|| panic!("group {i} did not match"))
    }
}

impl Comment {
    /// The leftmost match of the pattern in `line`, as the regex's `captures`.
    pub(super) fn captures<'h>(&self, line: &'h str) -> Option<Found<'h>> {
        if !self.gated.may_match(line) {
            return None;
        }
        let groups = if line.is_ascii() {
            (self.ascii)(line.as_bytes())?
        } else {
            let c = self.gated.regex().captures(line)?;
            std::array::from_fn(|i| c.get(i).map(|m| m.range()))
        };
        Some(Found { line, groups })
    }

    #[cfg(test)]
    fn pattern(&self) -> &'static str {
        self.gated.as_str()
    }
}

// Each pattern runs only on a line holding all its literals: most lines of a file that
// mentions a tool (a lockfile, a CI job installing it) hold no suppression.
pub(super) static ZIZMOR: Comment = Comment {
    gated: Gated::all_of(
        r"#\s*zizmor:\s*ignore\[([^\]]*)\](.*)$",
        &["zizmor:", "ignore[", "#"],
    )
    .for_short_texts(),
    ascii: zizmor,
};
pub(super) static CHECKOV: Comment = Comment {
    gated: Gated::all_of(
        r"(?:#|//)\s*checkov:skip=([A-Za-z0-9_]+)(?::(.*))?$",
        &["checkov:skip="],
    )
    .for_short_texts(),
    ascii: checkov,
};
pub(super) static CHECKOV_ANNOTATION: Comment = Comment {
    gated: Gated::all_of(
        r#"^\s*["']?checkov\.io/skip\d*["']?\s*:\s*["']?([A-Za-z0-9_]+)(?:=([^"']*))?["']?\s*$"#,
        &["checkov.io/skip"],
    )
    .for_short_texts(),
    ascii: checkov_annotation,
};
pub(super) static HADOLINT: Comment = Comment {
    gated: Gated::all_of(
        r"^\s*#\s*hadolint\s+(global\s+)?ignore=([A-Za-z0-9_,]+)(.*)$",
        &["hadolint", "ignore=", "#"],
    )
    .for_short_texts(),
    ascii: hadolint,
};
pub(super) static NOSEC: Comment = Comment {
    gated: Gated::all_of(r"(?:#|//)\s*nosec\b([^#]*)", &["nosec"]).for_short_texts(),
    ascii: nosec,
};
pub(super) static KICS: Comment = Comment {
    gated: Gated::all_of(
        r"^\s*#\s*kics-scan\s+(ignore-line|ignore-block|ignore)\s*$",
        &["kics-scan", "ignore", "#"],
    )
    .for_short_texts(),
    ascii: kics,
};
pub(super) static TRIVY: Comment = Comment {
    gated: Gated::all_of(
        r"(?:#|//)\s*trivy:ignore:([A-Za-z0-9-]+)(?::exp:(\d{4}-\d{2}-\d{2}))?",
        &["trivy:ignore:"],
    )
    .for_short_texts(),
    ascii: trivy,
};

// The walks. `\s` on ASCII is the white space of `is_space` (Unicode's White_Space
// includes U+000B, which `u8::is_ascii_whitespace` leaves out), `\d` is `0-9`, `\w`
// (for `\b`) is `[A-Za-z0-9_]`, `.` is any byte but `\n`, and `$` (no `m` flag) is the
// end of the line. A greedy run followed by a byte it cannot hold has only one length
// that lets the match go on, so none of the runs below is tried shorter.

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The end of the run of bytes from `at` that `keep` accepts.
fn run(b: &[u8], at: usize, keep: impl Fn(u8) -> bool) -> usize {
    b[at..]
        .iter()
        .position(|&c| !keep(c))
        .map_or(b.len(), |i| at + i)
}

fn spaces(b: &[u8], at: usize) -> usize {
    run(b, at, is_space)
}

/// The position after `word` if `b` holds it at `at`.
fn literal(b: &[u8], at: usize, word: &str) -> Option<usize> {
    b[at..]
        .starts_with(word.as_bytes())
        .then(|| at + word.len())
}

/// `(.*)$` from `at`: the rest of the line, if it holds no `\n`.
fn rest_of_line(b: &[u8], at: usize) -> Option<Range<usize>> {
    (!b[at..].contains(&b'\n')).then_some(at..b.len())
}

/// `(?:#|//)` at `at`: the position after it (the two never start alike).
fn hash_or_slashes(b: &[u8], at: usize) -> Option<usize> {
    literal(b, at, "#").or_else(|| literal(b, at, "//"))
}

/// The leftmost start from which `at` matches: the regex's unanchored search, since a
/// match from a given start is the only one possible there.
fn leftmost(b: &[u8], at: impl Fn(usize) -> Option<Groups>) -> Option<Groups> {
    (0..b.len()).find_map(at)
}

/// `#\s*zizmor:\s*ignore\[([^\]]*)\](.*)$`
fn zizmor(b: &[u8]) -> Option<Groups> {
    leftmost(b, |start| {
        let at = literal(b, start, "#")?;
        let at = literal(b, spaces(b, at), "zizmor:")?;
        let ids = literal(b, spaces(b, at), "ignore[")?;
        // `[^\]]*` stops at the first `]`, which the next step needs.
        let close = run(b, ids, |c| c != b']');
        let after = literal(b, close, "]")?;
        let rest = rest_of_line(b, after)?;
        Some([Some(start..b.len()), Some(ids..close), Some(rest), None])
    })
}

/// `(?:#|//)\s*checkov:skip=([A-Za-z0-9_]+)(?::(.*))?$`
fn checkov(b: &[u8]) -> Option<Groups> {
    leftmost(b, |start| {
        let at = hash_or_slashes(b, start)?;
        let id = literal(b, spaces(b, at), "checkov:skip=")?;
        let end = run(b, id, is_word);
        if end == id {
            return None;
        }
        // The optional group first (greedy), then the end of the line straight away.
        let reason = literal(b, end, ":").and_then(|at| rest_of_line(b, at));
        if reason.is_none() && end != b.len() {
            return None;
        }
        Some([Some(start..b.len()), Some(id..end), reason, None])
    })
}

/// An optional quote at `at`: the position after it.
fn quote(b: &[u8], at: usize) -> usize {
    at + usize::from(matches!(b.get(at), Some(b'"' | b'\'')))
}

/// `^\s*["']?checkov\.io/skip\d*["']?\s*:\s*["']?([A-Za-z0-9_]+)(?:=([^"']*))?["']?\s*$`
fn checkov_annotation(b: &[u8]) -> Option<Groups> {
    let at = literal(b, quote(b, spaces(b, 0)), "checkov.io/skip")?;
    let at = quote(b, run(b, at, |c| c.is_ascii_digit()));
    let at = literal(b, spaces(b, at), ":")?;
    let id = quote(b, spaces(b, at));
    let end = run(b, id, is_word);
    if end == id {
        return None;
    }
    // `["']?\s*$` from `at`.
    let closes = |at: usize| spaces(b, quote(b, at)) == b.len();
    let reason = match literal(b, end, "=") {
        // `[^"']*` up to the first quote (or the end); a shorter value would leave a
        // byte that is neither a quote nor the end to `["']?\s*$`. Without the group,
        // `=` would have to be a quote or a space: no match.
        Some(value) => {
            let stop = run(b, value, |c| c != b'"' && c != b'\'');
            if !closes(stop) {
                return None;
            }
            Some(value..stop)
        }
        None if closes(end) => None,
        None => return None,
    };
    Some([Some(0..b.len()), Some(id..end), reason, None])
}

/// `\s+` from `at`: the position after it, if there is one space at least.
fn some_spaces(b: &[u8], at: usize) -> Option<usize> {
    let end = spaces(b, at);
    (end > at).then_some(end)
}

/// `^\s*#\s*hadolint\s+(global\s+)?ignore=([A-Za-z0-9_,]+)(.*)$`
fn hadolint(b: &[u8]) -> Option<Groups> {
    let at = literal(b, spaces(b, 0), "#")?;
    let at = some_spaces(b, literal(b, spaces(b, at), "hadolint")?)?;
    // `global\s+` is taken if `ignore=` follows it; otherwise `ignore=` would have to
    // start at its `g`.
    let global = literal(b, at, "global")
        .and_then(|g| some_spaces(b, g))
        .filter(|&g| literal(b, g, "ignore=").is_some());
    let ids = literal(b, global.unwrap_or(at), "ignore=")?;
    let end = run(b, ids, |c| is_word(c) || c == b',');
    if end == ids {
        return None;
    }
    let rest = rest_of_line(b, end)?;
    Some([
        Some(0..b.len()),
        global.map(|g| at..g),
        Some(ids..end),
        Some(rest),
    ])
}

/// `(?:#|//)\s*nosec\b([^#]*)`
fn nosec(b: &[u8]) -> Option<Groups> {
    leftmost(b, |start| {
        let at = hash_or_slashes(b, start)?;
        let end = literal(b, spaces(b, at), "nosec")?;
        if b.get(end).is_some_and(|&c| is_word(c)) {
            return None;
        }
        let stop = run(b, end, |c| c != b'#');
        Some([Some(start..stop), Some(end..stop), None, None])
    })
}

/// `^\s*#\s*kics-scan\s+(ignore-line|ignore-block|ignore)\s*$`
fn kics(b: &[u8]) -> Option<Groups> {
    let at = literal(b, spaces(b, 0), "#")?;
    let at = some_spaces(b, literal(b, spaces(b, at), "kics-scan")?)?;
    // The alternatives in order: the first that only spaces follow.
    ["ignore-line", "ignore-block", "ignore"]
        .into_iter()
        .find_map(|kind| literal(b, at, kind).filter(|&end| spaces(b, end) == b.len()))
        .map(|end| [Some(0..b.len()), Some(at..end), None, None])
}

/// `(?:#|//)\s*trivy:ignore:([A-Za-z0-9-]+)(?::exp:(\d{4}-\d{2}-\d{2}))?`
fn trivy(b: &[u8]) -> Option<Groups> {
    leftmost(b, |start| {
        let at = hash_or_slashes(b, start)?;
        let id = literal(b, spaces(b, at), "trivy:ignore:")?;
        let end = run(b, id, |c| c.is_ascii_alphanumeric() || c == b'-');
        if end == id {
            return None;
        }
        // The optional group if it matches (greedy); the match ends after the id if not.
        let date = literal(b, end, ":exp:").filter(|&d| {
            b.len() >= d + 10
                && b[d..d + 10].iter().enumerate().all(|(i, &c)| match i {
                    4 | 7 => c == b'-',
                    _ => c.is_ascii_digit(),
                })
        });
        let finish = date.map_or(end, |d| d + 10);
        Some([
            Some(start..finish),
            Some(id..end),
            date.map(|d| d..d + 10),
            None,
        ])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use paved_model::samples::{below, strings_over, texts};
    use regex::Regex;

    const ALL: [&Comment; 7] = [
        &ZIZMOR,
        &CHECKOV,
        &CHECKOV_ANNOTATION,
        &HADOLINT,
        &NOSEC,
        &KICS,
        &TRIVY,
    ];

    /// The pieces suppression comments are made of, near misses, every ASCII space,
    /// and characters outside ASCII that the patterns' Unicode classes hold (white
    /// space, a digit, a letter) or that fold into ASCII letters.
    const PIECES: &[&str] = &[
        "#",
        "#",
        "//",
        "/",
        " ",
        " ",
        "\t",
        "\u{b}",
        "\u{c}",
        "\r",
        "\n",
        "\u{a0}",
        "\u{2003}",
        "\u{663}",
        "\u{e9}",
        "\u{17f}",
        "\u{212a}",
        "zizmor:",
        "zizmor",
        "ignore[",
        "ignore",
        "[",
        "]",
        "a",
        "B105",
        "CKV_AWS_20",
        "_",
        ",",
        ":",
        "=",
        "checkov:skip=",
        "checkov:skip",
        "checkov.io/skip",
        "checkov.io/skip1",
        "\"",
        "'",
        "hadolint",
        "global",
        "ignore=",
        "DL3008,DL3009",
        "nosec",
        "nosecx",
        "kics-scan",
        "ignore-line",
        "ignore-block",
        "-line",
        "-block",
        "trivy:ignore:",
        "AVD-DS-0002",
        ":exp:",
        "2026-01-31",
        "2026-1-31",
        "2026",
        "-",
        "0",
        "x",
        "--",
        "reason",
    ];

    /// Beginnings of each comment, so that generated lines come near a match often.
    const STARTS: &[&str] = &[
        "# zizmor: ignore[",
        "#zizmor:ignore[a,b]",
        "# checkov:skip=",
        "//checkov:skip=CKV_1:",
        "checkov.io/skip1: ",
        "  'checkov.io/skip' : \"",
        "# hadolint ignore=",
        "#hadolint global ignore=",
        "# kics-scan ignore",
        "#trivy:ignore:",
        "// trivy:ignore:DS-1:exp:",
        "# nosec",
        "//#nosec ",
    ];

    /// Random lines of up to 14 pieces (half of them up to 5), two thirds beginning
    /// with the beginning of a comment, a third of the others too; the same on every
    /// run.
    fn generated(count: usize) -> Vec<String> {
        let mut next = below(0x853c_49e6_748f_ea9b);
        (0..count)
            .map(|_| {
                let most = if next(2) == 0 { 5 } else { 14 };
                let len = 1 + next(most);
                (0..len)
                    .map(|i| match next(3) {
                        0 => PIECES[next(PIECES.len())],
                        _ if i == 0 => STARTS[next(STARTS.len())],
                        1 => STARTS[next(STARTS.len())],
                        _ => PIECES[next(PIECES.len())],
                    })
                    .collect()
            })
            .collect()
    }

    /// Each comment as a sequence of slots, with the alternatives of each: what it must
    /// hold there, what it may, and near misses (another space, a character outside
    /// ASCII, a missing or doubled piece, a line break).
    const SHAPES: &[&[&[&str]]] = &[
        &[
            &["", "x ", "#", "\u{a0}"],
            &["#", "//", "/", ""],
            &["", " ", "\t", "\u{b}", "\u{2003}", "\n"],
            &["zizmor:", "zizmor", "zizmor::"],
            &["", " ", "\r"],
            &["ignore[", "ignore", "ignore[["],
            &["", "a", "a,b", " a , ", "\n", "\u{e9}"],
            &["]", "", "]]", "[]"],
            &["", " why", " \u{e9}", "\n", " x\ny"],
        ],
        &[
            &["", "x ", " #", "\u{a0}"],
            &["#", "//", "/", "///", ""],
            &["", " ", "\t", "\u{c}", "\u{2003}"],
            &["checkov:skip=", "checkov:skip", "checkov:skip=="],
            &["CKV_AWS_20", "", "C-1", "\u{e9}", "a"],
            &["", ":", ":why", ": a b", ":\n", "x", "\n", " ", "::"],
        ],
        &[
            &["", " ", "\t", "\u{a0}", "x"],
            &["", "\"", "'", "\"\""],
            &["checkov.io/skip", "checkov.io/ski", "checkov.iox/skip"],
            &["", "1", "12", "\u{663}", "a"],
            &["", "\"", "'"],
            &["", " ", "\u{b}", "\n"],
            &[":", "=", "", "::"],
            &["", " ", "\u{2003}", "\n"],
            &["", "'", "\"", "''"],
            &["CKV_K8S_8", "", "-x", "C\u{e9}", "a"],
            &[
                "", "=why", "=a b ", "=", "=x'y", "='", "=\"", "= \n", "x", "=\u{e9}",
            ],
            &["", "'", "\"", "''"],
            &["", " ", "\n", " x", "\u{a0}", "\u{2003}"],
        ],
        &[
            &["", " ", "\t", "\u{a0}", "x"],
            &["#", "//", "##", ""],
            &["", " ", "\u{2003}"],
            &["hadolint", "hadolin", "hadolint-x"],
            &[" ", "", "  ", "\n", "\u{a0}", "\t"],
            &[
                "",
                "global ",
                "global",
                "global  ",
                "global\u{a0}",
                "global global ",
            ],
            &["ignore=", "ignore", "ignore=="],
            &["DL3008", "DL3008,DL3009", "", ",", "\u{e9}", "-"],
            &["", " why", "\n", " \u{e9}", "x"],
        ],
        &[
            &["", "x ", " ", "#", "\u{a0}"],
            &["#", "//", "/", "///", ""],
            &["", " ", "\t", "\u{2003}", "#"],
            &["nosec", "nose", "nosecx", "nosec_", "nosec1", "nosec\u{e9}"],
            &["", " B105", ": B1 # x", "#", " -- why\nx", "\u{a0}B1"],
        ],
        &[
            &["", " ", "\t", "\u{a0}", "x"],
            &["#", "//", "##", ""],
            &["", " ", "\u{2003}"],
            &["kics-scan", "kics-sca", "kics-scan-"],
            &[" ", "", "  ", "\n", "\u{a0}"],
            &[
                "ignore",
                "ignore-line",
                "ignore-block",
                "ignore-",
                "ignore-lines",
                "ignor",
            ],
            &["", " ", "\n", " x", "\u{2003}", "\u{b}"],
        ],
        &[
            &["", "x ", " #", "\u{a0}"],
            &["#", "//", "/", "///", ""],
            &["", " ", "\t", "\u{2003}"],
            &["trivy:ignore:", "trivy:ignore", "trivy:ignore::"],
            &["AVD-DS-0002", "", "a", "-", "\u{e9}", "a_b"],
            &["", ":exp:", ":exp", ":exp:x"],
            &[
                "",
                "2026-01-31",
                "2026-1-31",
                "2026-01-3",
                "\u{663}026-01-31",
                "2026-01-31x",
            ],
            &["", " x", "\n", ":exp:2026-01-31"],
        ],
    ];

    /// `count` lines drawn from `shape`, one alternative per slot: the first (a match)
    /// half of the time, so that most lines differ from a match in a few slots.
    fn drawn(shape: &[&[&str]], seed: u64, count: usize) -> Vec<String> {
        let mut next = below(seed);
        (0..count)
            .map(|_| {
                shape
                    .iter()
                    .map(|slot| match next(2) {
                        0 => slot[0],
                        _ => slot[next(slot.len())],
                    })
                    .collect()
            })
            .collect()
    }

    fn regex_groups(re: &Regex, text: &str) -> Option<Groups> {
        re.captures(text).map(|c| {
            let mut groups: Groups = Default::default();
            for (i, m) in c.iter().enumerate() {
                groups[i] = m.map(|m| m.range());
            }
            groups
        })
    }

    /// The walk finds what the regex finds on every ASCII text, and the comment's
    /// `captures` (gate, walk or regex) on every text.
    #[test]
    fn walks_find_what_the_regexes_find() {
        let mut all = texts(&[
            "run: x # zizmor: ignore[template-injection] reason",
            "# checkov:skip=CKV_AWS_1:why",
            "  checkov.io/skip1: CKV_K8S_8=why",
            "  \"checkov.io/skip2\" : 'CKV_K8S_8=why' ",
            "# hadolint global ignore=DL3008,DL3009",
            "# hadolint global  global ignore=DL3008",
            "x = 1  # nosec B105 -- test only",
            "# kics-scan ignore-line",
            "# kics-scan ignore-lines",
            "// trivy:ignore:AVD-AWS-0001:exp:2026-01-01",
            "uses: hadolint/hadolint-action@v3 # ignore=nothing",
        ]);
        all.extend(generated(40_000));
        for (i, shape) in SHAPES.iter().enumerate() {
            all.extend(drawn(shape, 0x9e37_79b9 + i as u64, 6_000));
        }
        // Every short line over the bytes that decide the simplest patterns.
        all.extend(
            strings_over(&['#', '/', ' ', 'n', 'x'], 6)
                .into_iter()
                .map(|s| s.replace('n', "nosec").replace('x', "trivy:ignore:a")),
        );
        let (mut ascii, mut other) = (0, 0);
        for comment in ALL {
            let re = Regex::new(comment.pattern()).unwrap();
            let mut found = 0;
            for text in &all {
                let want = regex_groups(&re, text);
                if text.is_ascii() {
                    assert_eq!(
                        (comment.ascii)(text.as_bytes()),
                        want,
                        "{:?} on {text:?}",
                        comment.pattern()
                    );
                    ascii += 1;
                } else {
                    other += 1;
                }
                let got = comment.captures(text).map(|f| f.groups);
                assert_eq!(got, want, "{:?} on {text:?}", comment.pattern());
                found += usize::from(want.is_some());
            }
            assert!(found > 500, "{found} matches of {:?}", comment.pattern());
        }
        assert!(ascii > 100_000 && other > 100_000, "{ascii} {other}");
    }

    /// The literals gating each suppression pattern are in all its matches.
    #[test]
    fn gates_keep_every_match() {
        use crate::guardrails::gate_samples::assert_same_matches;
        let texts = texts(&[
            "run: x # zizmor: ignore[template-injection] reason",
            "# checkov:skip=CKV_AWS_1:why",
            "  checkov.io/skip1: CKV_K8S_8=why",
            "# hadolint global ignore=DL3008,DL3009",
            "x = 1  # nosec B105 -- test only",
            "# kics-scan ignore-line",
            "// trivy:ignore:AVD-AWS-0001:exp:2026-01-01",
            "uses: hadolint/hadolint-action@v3 # ignore=nothing",
        ]);
        let n: usize = ALL
            .iter()
            .map(|c| assert_same_matches(&c.gated, &texts))
            .sum();
        assert!(n >= 7, "{n}");
    }

    #[test]
    fn groups_by_index() {
        let f = CHECKOV.captures("# checkov:skip=CKV_1").unwrap();
        assert_eq!((&f[1], f.get(2)), ("CKV_1", None));
        let f = CHECKOV.captures("# checkov:skip=CKV_1:why").unwrap();
        assert_eq!((&f[1], f.get(2)), ("CKV_1", Some("why")));
    }
}
