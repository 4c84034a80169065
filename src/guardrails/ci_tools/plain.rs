//! A tool's command pattern matched on an ASCII line without a regular expression.
//!
//! The pattern [`super::Tool::parse`] builds is always the same shape: a boundary
//! character (or the line's start), the command's words with `[\s=]+` between them
//! and `(?:\s+\S+)*` for each `*`, then a boundary character (or the line's end).
//! Compiling it was most of what judging one repository's scanners cost (~150 K
//! instructions per pattern a line asks for), and the regex without its lazy DFA
//! then spent ~26 K instructions on each line it ran on. This walks the same pattern
//! in the order a backtracking engine tries it (leftmost start, the line's start
//! before a boundary character, greedy repetitions), so it finds the matches
//! `find_iter` finds, at the same offsets; the tests compare both on random lines.

/// One step of a command pattern.
#[derive(Debug)]
enum Step {
    /// A word, lower-case ASCII, matched in any ASCII case.
    Word(Box<[u8]>),
    /// `[\s=]+` between two words.
    Sep,
    /// `(?:\s+\S+)*`: any arguments.
    Args,
}

/// A command pattern whose words are all ASCII.
#[derive(Debug)]
pub(super) struct Plain {
    steps: Vec<Step>,
}

/// `\s` of a regex without Unicode: `[\t\n\v\f\r ]` (`u8::is_ascii_whitespace`
/// leaves out `\v`).
fn space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// `[\s;&|(`"'/=]`, what may come before a command.
fn before(b: u8) -> bool {
    space(b)
        || matches!(
            b,
            b';' | b'&' | b'|' | b'(' | b'`' | b'"' | b'\'' | b'/' | b'='
        )
}

/// `[\s;&|)`"'=:@]`, what may come after it.
fn after(b: u8) -> bool {
    space(b)
        || matches!(
            b,
            b';' | b'&' | b'|' | b')' | b'`' | b'"' | b'\'' | b'=' | b':' | b'@'
        )
}

impl Plain {
    /// The steps of a tool spec's tokens (as [`super::Tool::parse`] reads them), or
    /// `None` when a word is not ASCII (under `(?i)`, `ſ` matches `s`: the regex
    /// judges those) or there is no word.
    pub(super) fn new<'t>(tokens: impl Iterator<Item = &'t str>) -> Option<Plain> {
        let mut steps = Vec::new();
        for token in tokens {
            if token == "*" || token == "…" {
                if !steps.is_empty() {
                    steps.push(Step::Args);
                }
                continue;
            }
            if !token.is_ascii() {
                return None;
            }
            if !steps.is_empty() {
                steps.push(Step::Sep);
            }
            steps.push(Step::Word(token.to_ascii_lowercase().into_bytes().into()));
        }
        let Some(Step::Word(first)) = steps.first() else {
            return None;
        };
        if first.is_empty() {
            return None;
        }
        Some(Plain { steps })
    }

    /// Where in `line` (ASCII) the pattern's matches start, as `find_iter` gives them.
    pub(super) fn starts(&self, line: &[u8]) -> Vec<usize> {
        let Some(Step::Word(first)) = self.steps.first() else {
            return Vec::new();
        };
        let first = first[0];
        let mut out = Vec::new();
        // Positions known to fail, per step (the rest of the pattern from there does
        // not depend on where the match started): keeps a line with many arguments
        // from being walked more than once per step and position.
        let mut failed = vec![false; (self.steps.len() + 1) * (line.len() + 1)];
        let mut from = 0;
        while from < line.len() {
            let mut found = None;
            for start in from..line.len() {
                // A match starts at the line's start (its first word there) or at a
                // boundary character right before the first word.
                if start == 0 && line[0].eq_ignore_ascii_case(&first) {
                    if let Some(end) = self.rest(line, 0, 0, &mut failed) {
                        found = Some((0, end));
                        break;
                    }
                }
                if before(line[start])
                    && line
                        .get(start + 1)
                        .is_some_and(|b| b.eq_ignore_ascii_case(&first))
                {
                    if let Some(end) = self.rest(line, 0, start + 1, &mut failed) {
                        found = Some((start, end));
                        break;
                    }
                }
            }
            let Some((start, end)) = found else { break };
            out.push(start);
            from = end;
        }
        out
    }

    /// The end of the first way steps `step..` and the closing boundary match at `at`.
    fn rest(&self, line: &[u8], step: usize, at: usize, failed: &mut [bool]) -> Option<usize> {
        let key = step * (line.len() + 1) + at;
        if failed[key] {
            return None;
        }
        let end = match self.steps.get(step) {
            None => match line.get(at) {
                None => Some(at),
                Some(&b) if after(b) => Some(at + 1),
                Some(_) => None,
            },
            Some(Step::Word(word)) => {
                let head = line.get(at..at + word.len())?;
                if head.eq_ignore_ascii_case(word) {
                    self.rest(line, step + 1, at + word.len(), failed)
                } else {
                    None
                }
            }
            Some(Step::Sep) => {
                let run = line[at..]
                    .iter()
                    .take_while(|&&b| space(b) || b == b'=')
                    .count();
                (1..=run)
                    .rev()
                    .find_map(|n| self.rest(line, step + 1, at + n, failed))
            }
            Some(Step::Args) => {
                // One more argument first (greedy), then the rest of the pattern.
                let spaces = line[at..].iter().take_while(|&&b| space(b)).count();
                let word_at = at + spaces;
                let word = line[word_at..].iter().take_while(|&&b| !space(b)).count();
                // A shorter `\s+` leaves a space where `\S+` must start: only the
                // whole run of spaces can begin an argument.
                let more = if spaces > 0 {
                    (1..=word)
                        .rev()
                        .find_map(|n| self.rest(line, step, word_at + n, failed))
                } else {
                    None
                };
                more.or_else(|| self.rest(line, step + 1, at, failed))
            }
        };
        if end.is_none() {
            failed[key] = true;
        }
        end
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::Plain;

    /// Lines made of the tools' words, separators, flags, boundary characters and
    /// characters that fold into ASCII.
    fn random_lines(count: usize, seed: u64) -> Vec<String> {
        let mut next = paved_model::samples::below(seed);
        let mut tokens: Vec<String> = Vec::new();
        for category in Category::ALL {
            for spec in category.defaults() {
                tokens.push((*spec).to_owned());
                tokens.extend(spec.split_whitespace().map(str::to_owned));
            }
        }
        tokens.extend(
            [
                "install",
                "&&",
                "||",
                ";",
                "|",
                "=",
                "==",
                "--format",
                "-f",
                "cyclonedx",
                "spdx",
                "spdx-json",
                "image",
                "fs",
                "x",
                "a=b",
                "--exit-code",
                "1",
                "(",
                ")",
                "`",
                "\"",
                "'",
                "/",
                ":",
                "@",
                "@v1",
                ":latest",
                "ſ",
                "\u{212a}",
                "é",
                "\t",
                "\u{b}",
                "\u{c}",
                "\r",
                "k",
                "s",
                "cargo",
                "deny",
                "trivy",
                "ſpdx",
                "*",
            ]
            .iter()
            .map(|s| (*s).to_owned()),
        );
        let seps = [
            " ", "  ", "=", "", ";", " \t", "\u{b}", " = ", "/", "\"", "'",
        ];
        (0..count)
            .map(|_| {
                let mut out = String::new();
                for i in 0..1 + next(8) {
                    if i > 0 {
                        out.push_str(seps[next(seps.len())]);
                    }
                    let token = &tokens[next(tokens.len())];
                    match next(5) {
                        0 => out.push_str(&token.to_uppercase()),
                        1 => out.push_str(&token.replace('s', "ſ").replace('k', "\u{212a}")),
                        _ => out.push_str(token),
                    }
                }
                out
            })
            .collect()
    }

    /// Specs beyond the defaults: several `*`, a leading `*`, words with `=` and the
    /// boundary characters in them, one word, a non-ASCII word.
    const SPECS: [&str; 12] = [
        "trivy * --format * cyclonedx",
        "* trivy image",
        "trivy * *",
        "a=b x",
        "x =y",
        "run @v1",
        "cargo deny *",
        "k",
        "s * s",
        "trivy * --format ſpdx",
        "'x' \"y\"",
        "/ : ;",
    ];

    /// The walk finds what the regex finds, at the same offsets, on every line where
    /// it is used (ASCII lines, patterns with ASCII words), for every default pattern
    /// and the specs above.
    #[test]
    fn plain_patterns_find_what_the_regex_finds() {
        let lines = random_lines(3000, 0x2545_f491_4f6c_dd1d);
        let mut specs: Vec<&str> = Category::ALL
            .iter()
            .flat_map(|c| c.defaults().iter().copied())
            .collect();
        specs.extend(SPECS);
        let (mut compared, mut found, mut checked) = (0, 0, 0);
        for spec in specs {
            let Some(Tool::Command(command)) = Tool::parse(spec) else {
                continue;
            };
            let regex = Regex::new(&command.pattern).unwrap();
            let ascii = regex::bytes::RegexBuilder::new(&command.pattern)
                .unicode(false)
                .build()
                .ok();
            let plain = Plain::new(spec.split_whitespace());
            assert_eq!(plain.is_some(), spec.is_ascii(), "{spec}");
            for line in &lines {
                // What `CommandPattern::starts` found before: the regex without
                // Unicode on an ASCII line when it compiles (with a non-ASCII word it
                // does not find what the Unicode one finds: `ſ` no longer matches `s`).
                let want: Vec<usize> = match (&ascii, line.is_ascii()) {
                    (Some(ascii), true) => ascii
                        .find_iter(line.as_bytes())
                        .map(|m| m.start())
                        .collect(),
                    _ => regex.find_iter(line).map(|m| m.start()).collect(),
                };
                assert_eq!(command.starts(line), want, "{spec:?} on {line:?}");
                if let (Some(plain), true) = (&plain, line.is_ascii()) {
                    let unicode: Vec<usize> = regex.find_iter(line).map(|m| m.start()).collect();
                    assert_eq!(unicode, want, "{spec:?} on {line:?}");
                    assert_eq!(plain.starts(line.as_bytes()), want, "{spec:?} on {line:?}");
                    checked += 1;
                }
                compared += 1;
                found += want.len();
            }
        }
        assert!(
            compared > 100_000 && found > 2_000 && checked > 50_000,
            "{compared} {found} {checked}"
        );
    }

    #[test]
    fn plain_patterns_on_lines_that_need_backtracking() {
        let cases: [(&str, &str, &[usize]); 9] = [
            (
                "trivy * --format cyclonedx",
                "trivy image --format cyclonedx .",
                &[0],
            ),
            (
                "trivy * --format cyclonedx",
                "x; trivy a b=--format=cyclonedx;y",
                &[2],
            ),
            ("cargo deny", "cargo deny cargo deny", &[0]),
            ("cargo deny", "cargo deny  cargo deny", &[0, 11]),
            ("x =y", "x==y x =y", &[0]),
            ("x =y", "x==y  x =y", &[0, 5]),
            ("s * s", "s s s s", &[0]),
            ("semgrep", "/usr/bin/semgrep:1", &[8]),
            ("semgrep", "semgrepx semgrep", &[8]),
        ];
        for (spec, line, want) in cases {
            let Some(Tool::Command(command)) = Tool::parse(spec) else {
                panic!("{spec}");
            };
            let regex = Regex::new(&command.pattern).unwrap();
            let got: Vec<usize> = regex.find_iter(line).map(|m| m.start()).collect();
            assert_eq!(got, want, "regex: {spec:?} on {line:?}");
            let plain = Plain::new(spec.split_whitespace()).unwrap();
            assert_eq!(plain.starts(line.as_bytes()), want, "{spec:?} on {line:?}");
        }
    }
}
