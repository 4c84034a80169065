//! `[[files]]` globs matched without building a `GlobSet`.
//!
//! A render matches every template path against the manifest's file rules, once per
//! render: building the set (an Aho-Corasick automaton per strategy, and a regex for
//! what none covers) costs far more than matching the few dozen paths of a
//! blueprint. The rules blueprints write are literal paths, `dir/**`, `*` inside a
//! name and `{a,b}` lists of names; [`Simple::parse`] takes exactly those and
//! anything else is left to globset.
//!
//! A glob means what the regex globset translates it to says (default options:
//! `*` and `**` match any bytes, `/` included, since separators are not literal;
//! `(?-u)` and dot-matches-newline, so any byte at all). For the pieces taken here:
//! a literal matches itself, `*` any bytes, `{a,b}` one of its names, `dir/**` the
//! directory and `/` then anything, `**/` at the start nothing, `/`, or anything up
//! to a `/`, and `/**/` a `/` or a `/`, anything, `/`.

/// A glob of the simple kinds, as globset's parser tokenizes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Simple {
    tokens: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(String),
    /// `*`: `.*`.
    Star,
    /// `**/` at the start: `(?:/?|.*/)`.
    RecursivePrefix,
    /// `/**` at the end: `/.*`.
    RecursiveSuffix,
    /// `/**/`: `(?:/|/.*/)`.
    RecursiveZeroOrMore,
    /// `{a,b}` of plain names: `(?:a|b)`.
    Alternates(Vec<String>),
}

/// Characters globset's parser treats specially.
const META: &[char] = &['*', '?', '[', ']', '{', '}', ',', '\\'];

impl Simple {
    /// `None` unless `glob` is made of the pieces named in the module comment; the
    /// tokens are those globset's parser makes of it.
    pub(crate) fn parse(glob: &str) -> Option<Simple> {
        let mut tokens: Vec<Token> = Vec::new();
        let chars: Vec<char> = glob.chars().collect();
        let mut i = 0;
        let literal = |tokens: &mut Vec<Token>, c: char| match tokens.last_mut() {
            Some(Token::Literal(s)) => s.push(c),
            _ => tokens.push(Token::Literal(c.to_string())),
        };
        while i < chars.len() {
            let c = chars[i];
            match c {
                '*' if chars.get(i + 1) == Some(&'*') => {
                    let after = chars.get(i + 2).copied();
                    if after.is_some_and(|a| a != '/') {
                        return None;
                    }
                    if tokens.is_empty() {
                        // `**/…` (globset consumes the `/`), or the whole glob `**`.
                        tokens.push(Token::RecursivePrefix);
                        i += 3;
                        continue;
                    }
                    // Only `…/**` and `…/**/…`, after a literal `/`.
                    let Some(Token::Literal(s)) = tokens.last_mut() else {
                        return None;
                    };
                    if !s.ends_with('/') {
                        return None;
                    }
                    s.pop();
                    if s.is_empty() {
                        tokens.pop();
                    }
                    if after.is_none() {
                        tokens.push(Token::RecursiveSuffix);
                        i += 2;
                    } else {
                        tokens.push(Token::RecursiveZeroOrMore);
                        i += 3;
                    }
                    // What follows `/**/` starts a new literal, never `**` again.
                    if chars.get(i) == Some(&'*') {
                        return None;
                    }
                }
                '*' => {
                    tokens.push(Token::Star);
                    i += 1;
                }
                '{' => {
                    let close = chars[i + 1..].iter().position(|&c| c == '}')? + i + 1;
                    let inner: String = chars[i + 1..close].iter().collect();
                    let names: Vec<String> = inner.split(',').map(str::to_string).collect();
                    if names.len() < 2 || names.iter().any(|n| n.is_empty() || n.contains(META)) {
                        return None;
                    }
                    tokens.push(Token::Alternates(names));
                    i = close + 1;
                }
                c if META.contains(&c) => return None,
                c => {
                    literal(&mut tokens, c);
                    i += 1;
                }
            }
        }
        Some(Simple { tokens })
    }

    pub(crate) fn is_match(&self, path: &str) -> bool {
        // globset's special case: the whole glob `**` matches everything.
        if self.tokens == [Token::RecursivePrefix] {
            return true;
        }
        matches(&self.tokens, path.as_bytes())
    }
}

/// Whether `tokens` match all of `s`.
fn matches(tokens: &[Token], s: &[u8]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return s.is_empty();
    };
    match first {
        Token::Literal(lit) => s
            .strip_prefix(lit.as_bytes())
            .is_some_and(|s| matches(rest, s)),
        Token::Alternates(names) => names.iter().any(|n| {
            s.strip_prefix(n.as_bytes())
                .is_some_and(|s| matches(rest, s))
        }),
        Token::Star => (0..=s.len()).any(|i| matches(rest, &s[i..])),
        Token::RecursivePrefix => {
            matches(rest, s)
                || s.strip_prefix(b"/").is_some_and(|s| matches(rest, s))
                || (1..=s.len()).any(|i| s[i - 1] == b'/' && matches(rest, &s[i..]))
        }
        Token::RecursiveSuffix => {
            s.first() == Some(&b'/') && (1..=s.len()).any(|i| matches(rest, &s[i..]))
        }
        Token::RecursiveZeroOrMore => {
            s.first() == Some(&b'/')
                && (1..=s.len()).any(|i| s[i - 1] == b'/' && matches(rest, &s[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use globset::{Glob, GlobSetBuilder};

    /// Tokens as globset makes them, checked against its regex for each glob.
    #[test]
    fn tokens_are_globsets() {
        use Token::*;
        let lit = |s: &str| Literal(s.to_string());
        let cases: Vec<(&str, Vec<Token>)> = vec![
            ("README.md", vec![lit("README.md")]),
            ("tests/**", vec![lit("tests"), RecursiveSuffix]),
            ("**/x.rs", vec![RecursivePrefix, lit("x.rs")]),
            ("a/**/b", vec![lit("a"), RecursiveZeroOrMore, lit("b")]),
            ("/**", vec![RecursiveSuffix]),
            ("**", vec![RecursivePrefix]),
            (
                "requirements*.{in,txt}",
                vec![
                    lit("requirements"),
                    Star,
                    lit("."),
                    Alternates(vec!["in".into(), "txt".into()]),
                ],
            ),
        ];
        for (glob, tokens) in cases {
            assert_eq!(Simple::parse(glob), Some(Simple { tokens }), "{glob}");
        }
        for glob in [
            "a?",
            "[ab]",
            "a\\*",
            "{a,{b,c}}",
            "{a,}",
            "{a}",
            "a**",
            "**a",
            "a/**b",
            "x,y}",
            "{a",
            "a}",
            "a/**/**",
            "**/**",
            "{a*,b}",
        ] {
            assert_eq!(Simple::parse(glob), None, "{glob}");
        }
    }

    /// Every `[[files]]` glob of the built-in blueprints, layers and releases is
    /// simple, and matches every template path (and variations of it) as globset
    /// does, alone and in a set.
    #[test]
    fn manifest_globs_match_as_globset_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints");
        let (mut globs, mut paths) = (std::collections::BTreeSet::new(), Vec::new());
        for entry in walkdir::WalkDir::new(&root) {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(&root).unwrap().to_string_lossy();
            if let Some((_, t)) = rel.split_once("/template/") {
                let t = t.strip_suffix(".hbs").unwrap_or(t);
                paths.extend([
                    t.to_string(),
                    format!("{t}/x"),
                    format!("x/{t}"),
                    format!("/{t}"),
                    format!("{t}\n"),
                    t.to_uppercase(),
                ]);
            }
            if entry.file_name() == "blueprint.toml" || entry.file_name() == "layer.toml" {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                for line in text.lines() {
                    if let Some(g) = line.strip_prefix("path = \"") {
                        globs.insert(g.trim_end_matches('"').to_string());
                    }
                }
            }
        }
        assert!(
            globs.len() > 30 && paths.len() > 500,
            "{} {}",
            globs.len(),
            paths.len()
        );
        let globs: Vec<String> = globs.into_iter().collect();
        let simple: Vec<Simple> = globs.iter().map(|g| Simple::parse(g).unwrap()).collect();
        let mut set = GlobSetBuilder::new();
        for g in &globs {
            set.add(Glob::new(g).unwrap());
        }
        let set = set.build().unwrap();
        let mut matched = 0;
        for path in &paths {
            let want = set.matches(path);
            let got: Vec<usize> = (0..globs.len())
                .filter(|&i| simple[i].is_match(path))
                .collect();
            assert_eq!(got, want, "{path:?}");
            matched += got.len();
        }
        assert!(matched > 100, "{matched}");
    }

    /// Random globs of the simple kinds against random paths made of their pieces.
    #[test]
    fn random_globs_match_as_globset_does() {
        let mut rng = crate::blueprint::test_rng::Rng(0x9e37_79b9_7f4a_7c15_u64);
        let mut next = move |n: usize| rng.below(n);
        let glob_pieces = [
            "a",
            "b",
            "ab",
            "/",
            ".",
            "-",
            "é",
            "*",
            "**",
            "**/",
            "/**",
            "/**/",
            "{a,b}",
            "{a,ab,b/c}",
            "{x.y,z}",
            "\n",
        ];
        let path_pieces = [
            "a", "b", "ab", "/", ".", "-", "é", "c", "x.y", "z", "\n", "//",
        ];
        let (mut simple_count, mut checked) = (0, 0);
        for _ in 0..3000 {
            let glob: String = (0..1 + next(5))
                .map(|_| glob_pieces[next(glob_pieces.len())])
                .collect();
            let (Some(simple), Ok(theirs)) = (Simple::parse(&glob), Glob::new(&glob)) else {
                continue;
            };
            simple_count += 1;
            let theirs = theirs.compile_matcher();
            for _ in 0..30 {
                let path: String = (0..next(6))
                    .map(|_| path_pieces[next(path_pieces.len())])
                    .collect();
                assert_eq!(
                    simple.is_match(&path),
                    theirs.is_match(&path),
                    "glob {glob:?}, path {path:?}"
                );
                checked += 1;
            }
        }
        assert!(simple_count > 1000 && checked > 30_000, "{simple_count}");
    }
}
