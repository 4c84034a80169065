//! The patterns that judge a scanner's command line (`|| true`, `--exit-code 0`,
//! `trivy fs`, `--scanners vuln`…), matched by hand on an ASCII line.
//!
//! Each regex was compiled per audit for the first command that held its literal,
//! and most are Unicode-aware (`\s`, `\b`, `.`): together about 1.6 M instructions
//! and a 320 KB UTF-8 map apiece, on the critical path of the rule phase (the CI
//! verdicts every coverage rule waits for), to judge a handful of short lines. On an
//! ASCII text `\s` is `[\t\n\v\f\r ]`, `\b` sits between `[0-9A-Za-z_]` and
//! anything else, and `.` is any byte but `\n`, so each pattern reduces to a few
//! comparisons after each place its literal occurs. A text that is not ASCII is left
//! to the regex ([`super`] keeps them). The tests compare both on the fixtures'
//! lines and on every short string over each pattern's decisive tokens.

/// `\s` on ASCII text: `[\t\n\v\f\r ]` (`u8::is_ascii_whitespace` leaves out `\v`).
fn space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// `\w` on ASCII text.
fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every place `needle` starts in `text`, overlapping ones included.
fn occurrences<'t>(text: &'t [u8], needle: &'t [u8]) -> impl Iterator<Item = usize> + 't {
    let mut from = 0;
    std::iter::from_fn(move || {
        let at = from + memchr::memmem::find(text.get(from..)?, needle)?;
        from = at + 1;
        Some(at)
    })
}

/// The end of the run of bytes from `at` that `class` accepts, when there is at
/// least one: a greedy `class+` followed by a byte outside the class takes the whole
/// run, whichever way the engine backtracks.
fn run(text: &[u8], at: usize, class: impl Fn(u8) -> bool) -> Option<usize> {
    let n = text.get(at..)?.iter().take_while(|&&b| class(b)).count();
    (n > 0).then_some(at + n)
}

/// `[\s=]+` from `at`.
fn separator(text: &[u8], at: usize) -> Option<usize> {
    run(text, at, |b| space(b) || b == b'=')
}

/// `\b` at `at` next to a word byte: the other side is no word byte (or the text's
/// edge).
fn edge(text: &[u8], at: usize, before: bool) -> bool {
    let other = if before {
        at.checked_sub(1).map(|i| text[i])
    } else {
        text.get(at).copied()
    };
    !other.is_some_and(word)
}

/// One of `words` at `at`, ending at a word boundary (`(a|b|c)\b`; each word ends
/// with a word byte).
fn one_of(text: &[u8], at: usize, words: &[&str]) -> bool {
    words.iter().any(|w| {
        text.get(at..)
            .is_some_and(|t| t.starts_with(w.as_bytes()) && edge(text, at + w.len(), false))
    })
}

/// `\bNAME\b` (`NAME` starts and ends with a word byte).
pub(super) fn whole_word(text: &[u8], name: &str) -> bool {
    occurrences(text, name.as_bytes())
        .any(|at| edge(text, at, true) && edge(text, at + name.len(), false))
}

/// `--exit-code[\s=]+0\b`.
pub(super) fn exit_code_zero(text: &[u8]) -> bool {
    occurrences(text, b"--exit-code").any(|at| {
        separator(text, at + "--exit-code".len())
            .is_some_and(|v| text.get(v) == Some(&b'0') && edge(text, v + 1, false))
    })
}

/// `--exit-code[\s=]+[1-9]`.
pub(super) fn exit_code_nonzero(text: &[u8]) -> bool {
    occurrences(text, b"--exit-code").any(|at| {
        separator(text, at + "--exit-code".len())
            .is_some_and(|v| matches!(text.get(v), Some(b'1'..=b'9')))
    })
}

/// `\btrivy\s+(image|fs|filesystem|config|repo|repository|rootfs|sbom)\b`.
pub(super) fn trivy_scan(text: &[u8]) -> bool {
    const TARGETS: [&str; 8] = [
        "image",
        "fs",
        "filesystem",
        "config",
        "repo",
        "repository",
        "rootfs",
        "sbom",
    ];
    occurrences(text, b"trivy").any(|at| {
        edge(text, at, true)
            && run(text, at + "trivy".len(), space).is_some_and(|t| one_of(text, t, &TARGETS))
    })
}

/// `(^|\s)(-json\b|-format[\s=]+(json|sarif|openvex)\b)`.
pub(super) fn govulncheck_format(text: &[u8]) -> bool {
    let starts_word = |at: usize| at == 0 || space(text[at - 1]);
    occurrences(text, b"-json").any(|at| starts_word(at) && edge(text, at + "-json".len(), false))
        || occurrences(text, b"-format").any(|at| {
            starts_word(at)
                && separator(text, at + "-format".len())
                    .is_some_and(|v| one_of(text, v, &["json", "sarif", "openvex"]))
        })
}

/// `(--format|-f)[\s=]+(cyclonedx|spdx)`.
pub(super) fn trivy_sbom_format(text: &[u8]) -> bool {
    ["--format", "-f"].iter().any(|flag| {
        occurrences(text, flag.as_bytes()).any(|at| {
            separator(text, at + flag.len()).is_some_and(|v| {
                let value = &text[v..];
                value.starts_with(b"cyclonedx") || value.starts_with(b"spdx")
            })
        })
    })
}

/// `--(scanners|security-checks)[\s=]+([a-z,]+)`: where the second group of the
/// leftmost match is.
pub(super) fn trivy_scanners(text: &[u8]) -> Option<std::ops::Range<usize>> {
    let mut flags: Vec<(usize, usize)> = ["--scanners", "--security-checks"]
        .iter()
        .flat_map(|flag| occurrences(text, flag.as_bytes()).map(|at| (at, at + flag.len())))
        .collect();
    flags.sort_unstable();
    flags.into_iter().find_map(|(_, end)| {
        let v = separator(text, end)?;
        let e = run(text, v, |b| b.is_ascii_lowercase() || b == b',')?;
        Some(v..e)
    })
}

/// How `(^|[^|])\|\|([^|].*)$|;\s*(true|:|exit\s+0)\s*$` matches a text, by its
/// leftmost match.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Swallows {
    /// The first branch: what follows its `||` (the second group) starts here and
    /// runs to the end.
    Or(usize),
    /// The other branch (`; true`, `; exit 0`).
    Exit,
}

pub(super) fn swallows(text: &[u8]) -> Option<Swallows> {
    // `.*$` from `at`: no `\n` at or after it.
    let last_newline = memchr::memrchr(b'\n', text);
    let to_end = |at: usize| !last_newline.is_some_and(|nl| nl >= at);
    // `\|\|([^|].*)$` with the `||` at `at` (`[^|]` takes a `\n` too): the group.
    let or_at = |at: usize| -> Option<usize> {
        (text.get(at..at + 2) == Some(b"||")
            && text.get(at + 2).is_some_and(|&b| b != b'|')
            && to_end(at + 3))
        .then_some(at + 2)
    };
    // `\s*(true|:|exit\s+0)\s*$` after a `;` at `at`.
    let exit_after = |at: usize| -> bool {
        let v = run(text, at + 1, space).unwrap_or(at + 1);
        let rest = &text[v..];
        let after = if rest.starts_with(b"true") {
            v + 4
        } else if rest.starts_with(b":") {
            v + 1
        } else if rest.starts_with(b"exit") {
            match run(text, v + 4, space) {
                Some(z) if text.get(z) == Some(&b'0') => z + 1,
                _ => return false,
            }
        } else {
            return false;
        };
        text[after..].iter().all(|&b| space(b))
    };
    // At one start the first branch is tried first: `^` then `[^|]` before `||`.
    if let Some(group) = or_at(0) {
        return Some(Swallows::Or(group));
    }
    for (at, &b) in text.iter().enumerate() {
        if b != b'|' {
            if let Some(group) = or_at(at + 1) {
                return Some(Swallows::Or(group));
            }
        }
        if b == b';' && exit_after(at) {
            return Some(Swallows::Exit);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{
        EXIT0, EXIT_NONZERO, GOVULNCHECK, GOVULN_FORMAT, GRYPE, SWALLOWS, TRIVY_SBOM_FORMAT,
        TRIVY_SCAN, TRIVY_SCANNERS,
    };
    use super::*;
    use paved_model::pattern::Gated;
    use regex::Regex;

    /// The fixtures' files and lines (as they are and lower-cased, as the judging
    /// functions see a command), then every string of up to four `tokens`, then
    /// random strings of up to nine.
    fn samples(tokens: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for text in crate::guardrails::gate_samples::texts(&[]) {
            out.push(text.to_ascii_lowercase());
            out.push(text);
        }
        let mut level = vec![String::new()];
        for _ in 0..4 {
            level = level
                .iter()
                .flat_map(|s| tokens.iter().map(move |t| format!("{s}{t}")))
                .collect();
            out.extend(level.iter().cloned());
        }
        let mut next = paved_model::samples::below(0x6a09_e667_f3bc_c909);
        for _ in 0..20_000 {
            let len = 5 + next(5);
            out.push((0..len).map(|_| tokens[next(tokens.len())]).collect());
        }
        out
    }

    /// Characters every pattern must tell apart: `\s` and not, word bytes and not,
    /// the line's end.
    const COMMON: [&str; 10] = [" ", "\t", "\n", "\u{b}", "\r", "=", "x", "_", "-", "."];

    fn with_common<'a>(tokens: &[&'a str]) -> Vec<&'a str> {
        tokens.iter().copied().chain(COMMON).collect()
    }

    /// `hand` decides every ASCII sample as `gated`'s pattern does; returns how many
    /// matched.
    fn same_verdicts(gated: &Gated, hand: impl Fn(&[u8]) -> bool, tokens: &[&str]) -> usize {
        let regex = Regex::new(gated.as_str()).unwrap();
        let mut matched = 0;
        for text in samples(&with_common(tokens)) {
            if !text.is_ascii() {
                continue;
            }
            let want = regex.is_match(&text);
            assert_eq!(
                hand(text.as_bytes()),
                want,
                "{:?} on {text:?}",
                gated.as_str()
            );
            matched += usize::from(want);
        }
        matched
    }

    #[test]
    fn exit_codes_as_the_regex() {
        let tokens = ["--exit-code", "0", "1", "9", "00", "a"];
        assert!(same_verdicts(&EXIT0, exit_code_zero, &tokens) > 200);
        assert!(same_verdicts(&EXIT_NONZERO, exit_code_nonzero, &tokens) > 200);
    }

    #[test]
    fn trivy_scans_as_the_regex() {
        let tokens = [
            "trivy",
            "image",
            "fs",
            "filesystem",
            "config",
            "repo",
            "repository",
            "rootfs",
            "sbom",
            "s",
        ];
        assert!(same_verdicts(&TRIVY_SCAN, trivy_scan, &tokens) > 500);
    }

    #[test]
    fn whole_words_as_the_regex() {
        let tokens = ["grype", "govulncheck", "gr", "ype", "1"];
        assert!(same_verdicts(&GRYPE, |t| whole_word(t, "grype"), &tokens) > 1000);
        assert!(same_verdicts(&GOVULNCHECK, |t| whole_word(t, "govulncheck"), &tokens) > 1000);
    }

    #[test]
    fn govulncheck_formats_as_the_regex() {
        let tokens = [
            "-json", "-format", "json", "sarif", "openvex", "--format", "j",
        ];
        assert!(same_verdicts(&GOVULN_FORMAT, govulncheck_format, &tokens) > 1000);
    }

    #[test]
    fn sbom_formats_as_the_regex() {
        let tokens = ["--format", "-f", "cyclonedx", "spdx", "spdx-json", "f", "-"];
        assert!(same_verdicts(&TRIVY_SBOM_FORMAT, trivy_sbom_format, &tokens) > 1000);
    }

    #[test]
    fn trivy_scanner_lists_as_the_regex() {
        let tokens = [
            "--scanners",
            "--security-checks",
            "vuln",
            ",",
            "secret",
            "A",
            "--",
        ];
        let regex = Regex::new(TRIVY_SCANNERS.as_str()).unwrap();
        let mut found = 0;
        for text in samples(&with_common(&tokens)) {
            if !text.is_ascii() {
                continue;
            }
            let want = regex.captures(&text).map(|c| c.get(2).unwrap().range());
            assert_eq!(trivy_scanners(text.as_bytes()), want, "{text:?}");
            found += usize::from(want.is_some());
        }
        assert!(found > 1000, "{found}");
    }

    #[test]
    fn swallowed_failures_as_the_regex() {
        let tokens = ["|", "||", ";", "true", ":", "exit", "0", "1", "false"];
        let regex = Regex::new(SWALLOWS.as_str()).unwrap();
        let (mut or, mut exit) = (0, 0);
        for text in samples(&with_common(&tokens)) {
            if !text.is_ascii() {
                continue;
            }
            let want = regex.captures(&text).map(|c| match c.get(2) {
                Some(after) => {
                    assert_eq!(after.end(), text.len());
                    Swallows::Or(after.start())
                }
                None => Swallows::Exit,
            });
            match want {
                Some(Swallows::Or(_)) => or += 1,
                Some(Swallows::Exit) => exit += 1,
                None => {}
            }
            assert_eq!(swallows(text.as_bytes()), want, "{text:?}");
        }
        assert!(or > 1000 && exit > 1000, "{or} {exit}");
    }

    /// The judging functions as they were, with the regexes alone.
    mod old {
        use super::super::super::{
            args_after, Category, EXIT0, EXIT_NONZERO, GOVULNCHECK, GOVULN_FORMAT, GRYPE, SWALLOWS,
            TRIVY_SBOM_FORMAT, TRIVY_SCAN, TRIVY_SCANNERS,
        };

        pub fn swallows_failure(rest: &str) -> bool {
            let Some(c) = SWALLOWS.captures(rest) else {
                return false;
            };
            match c.get(2) {
                Some(after) => {
                    let after = after.as_str();
                    !(after.contains("exit 1")
                        || after.contains("exit 2")
                        || after.trim_start().starts_with("false")
                        || after.contains("; exit $"))
                }
                None => true,
            }
        }

        pub fn exits_zero_on_findings(category: Category, cmd: &str) -> bool {
            if category == Category::Sbom {
                return false;
            }
            let cmd = cmd.to_ascii_lowercase();
            if cmd.contains("--soft-fail") || EXIT0.is_match(&cmd) {
                return true;
            }
            let sbom_exempt = category == Category::Sbom && TRIVY_SBOM_FORMAT.is_match(&cmd);
            if TRIVY_SCAN.is_match(&cmd) && !sbom_exempt && !EXIT_NONZERO.is_match(&cmd) {
                return true;
            }
            if GOVULNCHECK.is_match(&cmd) && GOVULN_FORMAT.is_match(&cmd) {
                return true;
            }
            GRYPE.is_match(&cmd) && !cmd.contains("--fail-on") && !cmd.contains(" -f ")
        }

        fn trivy_scans_vulns(cmd: &str) -> bool {
            match TRIVY_SCANNERS.captures(cmd).map(|c| c[2].to_owned()) {
                Some(list) => list.split(',').any(|s| s == "vuln"),
                None => !TRIVY_SBOM_FORMAT.is_match(cmd),
            }
        }

        /// The trivy part of `does_scan`, the only one the regexes decided.
        pub fn trivy_does_scan(category: Category, cmd: &str) -> Option<bool> {
            if !matches!(category, Category::Sca | Category::Container) {
                return None;
            }
            let cmd = cmd.to_ascii_lowercase();
            let args = args_after(&cmd, "trivy")?;
            let sub: Vec<&str> = args
                .into_iter()
                .take_while(|a| !matches!(*a, "&&" | "||" | ";" | "|"))
                .filter(|a| !a.starts_with('-'))
                .map(|a| a.trim_matches(|c| c == '"' || c == '\''))
                .collect();
            if category == Category::Sca
                && sub.first().is_some_and(|s| *s == "image" || *s == "config")
            {
                return Some(false);
            }
            Some(trivy_scans_vulns(&cmd))
        }
    }

    /// The functions that judge a command give what they gave with the regexes alone,
    /// on ASCII texts (by hand) and the others (by the regex).
    #[test]
    fn judging_a_command_is_unchanged() {
        use super::super::{
            args_after, does_scan, exits_zero_on_findings, swallows_failure, Category,
        };
        let tokens = [
            "trivy",
            "fs",
            "image",
            "config",
            "grype",
            "govulncheck",
            "-json",
            "-format",
            "sarif",
            "--exit-code",
            "0",
            "1",
            "--scanners",
            "--security-checks",
            "vuln",
            "secret,vuln",
            "--format",
            "cyclonedx",
            "spdx",
            "-f",
            "||",
            "|",
            ";",
            "true",
            ":",
            "exit",
            "false",
            "dir:.",
            "--fail-on",
            "--soft-fail",
            "TRIVY",
            "é",
            "ſ",
            "\u{a0}",
        ];
        let seps = [" ", "  ", "=", "\t", "", "\u{2003}", "\n"];
        let mut next = paved_model::samples::below(0xbb67_ae85_84ca_a73b);
        let mut texts: Vec<String> = crate::guardrails::gate_samples::texts(&[]);
        texts.extend((0..20_000).map(|_| {
            (0..1 + next(9))
                .map(|_| format!("{}{}", tokens[next(tokens.len())], seps[next(seps.len())]))
                .collect()
        }));
        let (mut silenced, mut scans, mut unicode) = (0, 0, 0);
        for text in &texts {
            assert_eq!(
                swallows_failure(text),
                old::swallows_failure(text),
                "{text:?}"
            );
            for category in Category::ALL {
                let zero = exits_zero_on_findings(category, text);
                assert_eq!(
                    zero,
                    old::exits_zero_on_findings(category, text),
                    "{text:?}"
                );
                silenced += usize::from(zero);
                if let Some(want) = old::trivy_does_scan(category, text) {
                    assert_eq!(does_scan(category, text), want, "{category:?} {text:?}");
                    scans += usize::from(want);
                }
            }
            unicode += usize::from(!text.is_ascii() && args_after(text, "trivy").is_some());
        }
        assert!(
            silenced > 5000 && scans > 1000 && unicode > 100,
            "{silenced} {scans} {unicode}"
        );
    }
}
