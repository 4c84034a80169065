//! Test support, shared by this crate's tests and paved's (through the
//! `test-samples` feature): texts to check a [`Gated`] pattern against the same
//! pattern compiled plainly, so that its needles are shown to be literals every
//! match contains.

use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::pattern::Gated;

/// Every string of one to `max_len` characters over `alphabet`, shortest first: an
/// exhaustive sample for a hand-written matcher compared with the regex it replaces,
/// where the alphabet holds the characters that decide a match.
pub fn strings_over(alphabet: &[char], max_len: usize) -> Vec<String> {
    let mut words = vec![String::new()];
    let mut all = Vec::new();
    for _ in 0..max_len {
        words = words
            .iter()
            .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
            .collect();
        all.extend(words.iter().cloned());
    }
    all
}

/// A repeatable pseudo-random draw for generated test inputs: each call gives a number
/// below its argument (xorshift64 from `seed`, which must not be 0), so a failing random
/// case repeats on every run.
pub fn below(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    }
}

/// `extra`, then every distinct text file under the repository's tests/fixtures and
/// every distinct line of those (read once per test run).
pub fn texts(extra: &[&str]) -> Vec<String> {
    static CORPUS: LazyLock<Vec<String>> = LazyLock::new(|| {
        fn walk(dir: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if let Ok(text) = std::fs::read_to_string(&p) {
                    out.push(text);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures"),
            &mut files,
        );
        assert!(files.len() > 100, "{} fixture files", files.len());
        let mut seen = HashSet::new();
        let lines: Vec<String> = files
            .iter()
            .flat_map(|f| f.lines())
            .filter(|l| seen.insert(*l))
            .map(str::to_owned)
            .collect();
        let mut seen = HashSet::new();
        files.retain(|f| seen.insert(f.clone()));
        files.extend(lines);
        files
    });
    extra
        .iter()
        .map(|s| (*s).to_owned())
        .chain(CORPUS.iter().cloned())
        .collect()
}

/// Asserts that `gated` finds exactly what its pattern compiled plainly finds in each
/// text (match ranges and capture groups); returns how many matches there were.
pub fn assert_same_matches(gated: &Gated, texts: &[String]) -> usize {
    let plain = Regex::new(gated.as_str()).expect("valid pattern");
    let mut matches = 0;
    for t in texts {
        let want: Vec<Vec<Option<std::ops::Range<usize>>>> = plain
            .captures_iter(t)
            .map(|c| c.iter().map(|m| m.map(|m| m.range())).collect())
            .collect();
        let got: Vec<Vec<Option<std::ops::Range<usize>>>> = gated
            .captures_iter(t)
            .map(|c| c.iter().map(|m| m.map(|m| m.range())).collect())
            .collect();
        assert_eq!(got, want, "{:?} on {t:?}", gated.as_str());
        assert_eq!(
            gated.is_match(t),
            !want.is_empty(),
            "{:?} on {t:?}",
            gated.as_str()
        );
        matches += want.len();
    }
    matches
}
