//! Which of the command words of the tool lists a line holds, in any ASCII case.
//!
//! An Aho-Corasick automaton over the ~100 words of the seven default lists cost
//! ~790 K instructions and ~190 KB to build, once per process and so once per audit
//! of one repository, on the critical path of the rule phase, for a search over a few
//! KB of `run:` lines. The words are short and most lines hold none of them: looking,
//! at each byte, only at the words starting with that byte (in any case) and whose
//! second byte is the next one finds the same set of words with a build of a few
//! thousand instructions and a search about as fast.

/// The words, grouped by first byte, and what a line must hold for a word to start at
/// a byte.
pub(super) struct WordSearch {
    /// The words (lower-case ASCII, not empty) with their ids, ordered by first byte.
    words: Vec<(Box<[u8]>, u16)>,
    /// Per first byte: where its words start in `words` (they end where the next
    /// byte's start).
    starts: Box<[u16; 257]>,
    /// Per first byte: the second bytes of its words (bit `b % 64`), one-byte words
    /// setting every bit.
    seconds: Box<[u64; 256]>,
    /// Ids of empty words: every text holds them.
    empty: Vec<u16>,
}

impl WordSearch {
    /// Over `words` (ASCII), word `i` having id `i`.
    pub(super) fn new(words: &[&str]) -> WordSearch {
        let mut sorted: Vec<(Box<[u8]>, u16)> = Vec::with_capacity(words.len());
        let mut empty = Vec::new();
        for (id, w) in words.iter().enumerate() {
            let id = u16::try_from(id).expect("fewer than 65536 command words");
            if w.is_empty() {
                empty.push(id);
            } else {
                sorted.push((w.to_ascii_lowercase().into_bytes().into(), id));
            }
        }
        sorted.sort_by_key(|(w, _)| w[0]);
        let mut starts = Box::new([0u16; 257]);
        let mut seconds = Box::new([0u64; 256]);
        for (w, _) in &sorted {
            seconds[usize::from(w[0])] |= match w.get(1) {
                Some(&b) => 1 << (b % 64),
                None => u64::MAX,
            };
        }
        let mut at = 0;
        for (b, start) in starts.iter_mut().enumerate() {
            while at < sorted.len() && usize::from(sorted[at].0[0]) < b {
                at += 1;
            }
            *start = u16::try_from(at).expect("fewer than 65536 command words");
        }
        WordSearch {
            words: sorted,
            starts,
            seconds,
            empty,
        }
    }

    /// Calls `found` with the id of every word `text` holds (once or more for each).
    pub(super) fn each(&self, text: &[u8], mut found: impl FnMut(u16)) {
        for &id in &self.empty {
            found(id);
        }
        for (i, &b) in text.iter().enumerate() {
            let first = usize::from(b.to_ascii_lowercase());
            let next = text.get(i + 1).map_or(0, |n| n.to_ascii_lowercase());
            // A one-byte word sets every bit; a longer one needs a next byte.
            if self.seconds[first] & (1 << (next % 64)) == 0 {
                continue;
            }
            let (from, to) = (
                usize::from(self.starts[first]),
                usize::from(self.starts[first + 1]),
            );
            for (word, id) in &self.words[from..to] {
                if text
                    .get(i + 1..i + word.len())
                    .is_some_and(|rest| rest.eq_ignore_ascii_case(&word[1..]))
                {
                    found(*id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Category, Tool};
    use super::*;
    use aho_corasick::{AhoCorasick, AhoCorasickKind};

    /// The automaton the search replaces, as `Words::new` built it.
    fn automaton(words: &[&str]) -> AhoCorasick {
        AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::NoncontiguousNFA))
            .ascii_case_insensitive(true)
            .build(words)
            .unwrap()
    }

    fn ids(words: &[&str], text: &str) -> (Vec<u16>, Vec<u16>) {
        let mut want: Vec<u16> = automaton(words)
            .find_overlapping_iter(text)
            .map(|m| u16::try_from(m.pattern().as_usize()).unwrap())
            .collect();
        want.sort_unstable();
        want.dedup();
        let mut got = Vec::new();
        WordSearch::new(words).each(text.as_bytes(), |id| got.push(id));
        got.sort_unstable();
        got.dedup();
        (got, want)
    }

    /// The command words of every default list, as `Words::new` gathers them.
    fn default_words() -> Vec<String> {
        let mut words: Vec<String> = Vec::new();
        for category in Category::ALL {
            for tool in Category::tools(&category.default_tools()).iter() {
                if let Tool::Command(command) = tool {
                    for w in &command.words {
                        if !words.contains(w) {
                            words.push(w.clone());
                        }
                    }
                }
            }
        }
        words
    }

    /// Every fixture file and line, and random lines of the words, their pieces,
    /// upper case and non-ASCII bytes: the same words found as the automaton finds.
    #[test]
    fn finds_the_words_the_automaton_finds() {
        let words = default_words();
        assert!(words.len() > 50, "{}", words.len());
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let search = WordSearch::new(&words);
        let automaton = automaton(&words);
        let mut texts = crate::guardrails::gate_samples::texts(&[]);
        let mut next = paved_model::samples::below(0x3c6e_f372_fe94_f82b);
        let pieces: Vec<String> = words
            .iter()
            .flat_map(|w| {
                [
                    w.to_string(),
                    w.to_uppercase(),
                    w[..w.len() / 2].to_string(),
                ]
            })
            .chain(["é", "ſ", " ", "-", "\u{0}", "\u{7f}", "x"].map(str::to_owned))
            .collect();
        texts.extend((0..20_000).map(|_| {
            (0..next(8))
                .map(|_| pieces[next(pieces.len())].as_str())
                .collect::<String>()
        }));
        let mut found = 0;
        for text in &texts {
            let mut want: Vec<u16> = automaton
                .find_overlapping_iter(text.as_str())
                .map(|m| u16::try_from(m.pattern().as_usize()).unwrap())
                .collect();
            want.sort_unstable();
            want.dedup();
            let mut got = Vec::new();
            search.each(text.as_bytes(), |id| got.push(id));
            got.sort_unstable();
            got.dedup();
            assert_eq!(got, want, "{text:?}");
            found += want.len();
        }
        assert!(found > 50_000, "{found}");
    }

    /// Words of one byte, words that are pieces of others, words starting with the
    /// same two bytes, a byte whose bit another second byte shares (`a` and `!` are
    /// both 33 mod 64), and an empty word.
    #[test]
    fn odd_word_sets() {
        let sets: [&[&str]; 4] = [
            &["k", "s", "ks", "x-y"],
            &["cargo", "car", "cargo-deny", "deny", "cargo deny"],
            &["ab", "a!", "!a", "a"],
            &["", "ab"],
        ];
        let mut next = paved_model::samples::below(0xa54f_f53a_5f1d_36f1);
        for words in sets {
            let alphabet: Vec<char> = words
                .iter()
                .flat_map(|w| w.chars())
                .chain(['A', 'K', 'é', ' '])
                .collect();
            for _ in 0..3000 {
                let text: String = (0..next(9))
                    .map(|_| alphabet[next(alphabet.len())])
                    .collect();
                let (got, want) = ids(words, &text);
                assert_eq!(got, want, "{words:?} on {text:?}");
            }
        }
    }
}
