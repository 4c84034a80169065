//! The items of a Rust source file, found without building a syntax tree, so that
//! `analysis` hands `syn` only the items an analysis can learn something from.
//!
//! A small lexer knows what hides brackets and names from a reader (line, block and
//! nested comments, doc comments, string, raw string, byte and character literals,
//! lifetimes) and matches brackets; items are then split at `;` and at the brace
//! group that closes them, and the items of `impl`, `trait` and inline `mod` bodies
//! are split the same way.
//!
//! Decisions worth knowing:
//! - The outline is only ever a way to choose text: whatever it selects is still
//!   parsed by `syn`, and when that parse fails the caller parses the whole file, so
//!   a wrong split costs time, never a fact.
//! - Anything the lexer is unsure of gives no outline (`None`), and the caller parses
//!   the whole file: unbalanced brackets, unterminated literals or comments, a byte
//!   order mark or shebang, and any non-ASCII character outside literals and
//!   comments (a Unicode identifier or whitespace).

use std::ops::Range;

/// What a token is, as far as splitting items and spotting names needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// An identifier or keyword, raw (`r#x`) ones included.
    Ident,
    /// One punctuation character.
    Punct(u8),
    /// `(`, `[` or `{`; `mate` is the index of the closing token.
    Open(u8),
    /// `)`, `]` or `}`.
    Close(u8),
    /// A string literal syn reads as `LitStr` (`"…"`, `r#"…"#`); `value` is what is
    /// between the quotes, `escaped` whether it holds a backslash escape.
    Str { escaped: bool },
    /// Any other literal: numbers, characters, byte and C strings.
    OtherLit,
    /// A doc comment (`///`, `//!`, `/** */`, `/*! */`), which the parser turns into a
    /// `#[doc = "…"]` attribute holding `value`.
    Doc { inner: bool },
    /// `'a`, `'static`, a loop label.
    Lifetime,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub kind: Kind,
    /// Byte range of the whole token.
    pub start: u32,
    pub end: u32,
    /// For `Str` and `Doc`: the byte range of the value.
    pub value: (u32, u32),
    /// For `Open`: the index of the matching `Close`.
    pub mate: u32,
}

/// A lexed source file.
pub(super) struct Lexed<'a> {
    pub text: &'a str,
    pub tokens: Vec<Token>,
}

impl<'a> Lexed<'a> {
    pub fn text_of(&self, t: &Token) -> &'a str {
        &self.text[t.start as usize..t.end as usize]
    }

    pub fn value_of(&self, t: &Token) -> &'a str {
        &self.text[t.value.0 as usize..t.value.1 as usize]
    }

    fn is_ident(&self, i: usize, name: &str) -> bool {
        self.tokens
            .get(i)
            .is_some_and(|t| t.kind == Kind::Ident && self.text_of(t) == name)
    }

    fn is_punct(&self, i: usize, c: u8) -> bool {
        self.tokens.get(i).is_some_and(|t| t.kind == Kind::Punct(c))
    }

    /// The byte range of tokens `range` (start of the first to end of the last).
    pub fn bytes(&self, range: &Range<usize>) -> Range<usize> {
        match (self.tokens.get(range.start), range.end.checked_sub(1)) {
            (Some(first), Some(last)) if last >= range.start => {
                first.start as usize..self.tokens[last].end as usize
            }
            _ => 0..0,
        }
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Splits `text` into tokens; `None` when anything is unbalanced, unterminated or
/// outside what this lexer reads with certainty (see the module docs).
pub(super) fn lex(text: &str) -> Option<Lexed<'_>> {
    let bytes = text.as_bytes();
    if bytes.starts_with("\u{feff}".as_bytes()) || bytes.starts_with(b"#!") {
        return None;
    }
    if u32::try_from(bytes.len()).is_err() {
        return None;
    }
    let mut tokens: Vec<Token> = Vec::with_capacity(bytes.len() / 5);
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0usize;
    let tok = |kind, start: usize, end: usize| Token {
        kind,
        start: start as u32,
        end: end as u32,
        value: (0, 0),
        mate: 0,
    };
    // A doc comment `start..end` whose text runs from after its three-byte opener to
    // `value_end`; `marker` is its third byte, `!` for an inner doc.
    let doc = |marker: Option<u8>, start: usize, end: usize, value_end: usize| Token {
        value: ((start + 3) as u32, value_end as u32),
        ..tok(
            Kind::Doc {
                inner: marker == Some(b'!'),
            },
            start,
            end,
        )
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = memchr_newline(bytes, i);
                // `///x` (not `////`) and `//!` are doc comments.
                let third = bytes.get(i + 2).copied();
                let is_doc = match third {
                    Some(b'/') => bytes.get(i + 3) != Some(&b'/'),
                    Some(b'!') => true,
                    _ => false,
                };
                if is_doc {
                    tokens.push(doc(third, i, end, end));
                }
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = block_comment_end(bytes, i)?;
                // `/**x*/` (not `/***`, not `/**/`) and `/*!x*/` are doc comments.
                let third = bytes.get(i + 2).copied();
                let is_doc = match third {
                    Some(b'*') => !matches!(bytes.get(i + 3), Some(b'*') | Some(b'/')),
                    Some(b'!') => true,
                    _ => false,
                };
                if is_doc {
                    tokens.push(doc(third, i, end, end - 2));
                }
                i = end;
            }
            b'"' => {
                let (end, escaped) = quoted_end(bytes, i + 1, b'"')?;
                let mut t = tok(Kind::Str { escaped }, i, suffix_end(bytes, end));
                t.value = ((i + 1) as u32, (end - 1) as u32);
                tokens.push(t);
                i = t.end as usize;
            }
            b'\'' => {
                if let Some(end) = char_literal_end(bytes, i + 1) {
                    let end = suffix_end(bytes, end);
                    tokens.push(tok(Kind::OtherLit, i, end));
                    i = end;
                } else {
                    // A lifetime or label: `'a`, `'static`, `'r#a`.
                    let mut end = i + 1;
                    if bytes.get(end) == Some(&b'r') && bytes.get(end + 1) == Some(&b'#') {
                        end += 2;
                    }
                    if !bytes.get(end).copied().is_some_and(is_ident_start) {
                        return None;
                    }
                    while bytes.get(end).copied().is_some_and(is_ident_continue) {
                        end += 1;
                    }
                    tokens.push(tok(Kind::Lifetime, i, end));
                    i = end;
                }
            }
            b'0'..=b'9' => {
                let mut end = i + 1;
                loop {
                    match bytes.get(end) {
                        Some(&c) if is_ident_continue(c) => end += 1,
                        // `1.5`, but not `1..2` or `1.max(2)`.
                        Some(b'.') if bytes.get(end + 1).is_some_and(u8::is_ascii_digit) => {
                            end += 2
                        }
                        _ => break,
                    }
                }
                tokens.push(tok(Kind::OtherLit, i, end));
                i = end;
            }
            c if is_ident_start(c) => {
                if let Some((kind, end, value)) = prefixed_literal(bytes, i)? {
                    let mut t = tok(kind, i, end);
                    t.value = value;
                    tokens.push(t);
                    i = end;
                    continue;
                }
                let mut end = i + 1;
                if c == b'r' && bytes.get(end) == Some(&b'#') {
                    end += 1;
                    if !bytes.get(end).copied().is_some_and(is_ident_start) {
                        return None;
                    }
                }
                while bytes.get(end).copied().is_some_and(is_ident_continue) {
                    end += 1;
                }
                tokens.push(tok(Kind::Ident, i, end));
                i = end;
            }
            b'(' | b'[' | b'{' => {
                open.push(tokens.len());
                tokens.push(tok(Kind::Open(b), i, i + 1));
                i += 1;
            }
            b')' | b']' | b'}' => {
                let opener = open.pop()?;
                let expected = match b {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                if tokens[opener].kind != Kind::Open(expected) {
                    return None;
                }
                tokens[opener].mate = tokens.len() as u32;
                tokens.push(tok(Kind::Close(b), i, i + 1));
                i += 1;
            }
            c if c.is_ascii_punctuation() => {
                tokens.push(tok(Kind::Punct(c), i, i + 1));
                i += 1;
            }
            // Control characters, non-ASCII identifiers or whitespace.
            _ => return None,
        }
    }
    if !open.is_empty() {
        return None;
    }
    Some(Lexed { text, tokens })
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

/// The end of the (nested) block comment starting at `from`.
fn block_comment_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The end (after the closing quote) of a quoted literal whose body starts at
/// `from`, and whether it holds a backslash.
fn quoted_end(bytes: &[u8], from: usize, quote: u8) -> Option<(usize, bool)> {
    let mut i = from;
    let mut escaped = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                escaped = true;
                i += 2;
            }
            c if c == quote => return Some((i + 1, escaped)),
            _ => i += 1,
        }
    }
    None
}

/// The end of a raw string whose `r` is at `at` (`r"…"`, `r#"…"#`), and the range of
/// its value.
fn raw_string_end(bytes: &[u8], at: usize) -> Option<(usize, (u32, u32))> {
    let mut i = at + 1;
    let mut hashes = 0usize;
    while bytes.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    let body = i + 1;
    let mut j = body;
    while j < bytes.len() {
        if bytes[j] == b'"'
            && bytes.len() - (j + 1) >= hashes
            && bytes[j + 1..j + 1 + hashes].iter().all(|&b| b == b'#')
        {
            return Some((j + 1 + hashes, (body as u32, j as u32)));
        }
        j += 1;
    }
    None
}

/// A character literal whose body starts at `from` (just after the quote): its end,
/// or `None` when the quote starts a lifetime.
fn char_literal_end(bytes: &[u8], from: usize) -> Option<usize> {
    match bytes.get(from)? {
        b'\\' => quoted_end(bytes, from, b'\'').map(|(end, _)| end),
        b'\'' => None,
        &c => {
            let len = utf8_len(c);
            (bytes.get(from + len) == Some(&b'\'')).then_some(from + len + 1)
        }
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

/// Skips a literal's suffix (`1u8`, `"x"suffix`).
fn suffix_end(bytes: &[u8], mut end: usize) -> usize {
    if bytes.get(end).copied().is_some_and(is_ident_start) {
        while bytes.get(end).copied().is_some_and(is_ident_continue) {
            end += 1;
        }
    }
    end
}

type Prefixed = Option<(Kind, usize, (u32, u32))>;

/// A literal starting with a letter at `at`: raw strings (`r"…"`, `r#"…"#`), byte
/// and C strings and characters (`b"…"`, `b'…'`, `br"…"`, `c"…"`, `cr"…"`).
/// `Some(None)` when `at` starts an identifier instead (`r#type`, `break`); `None`
/// when the literal is unterminated.
fn prefixed_literal(bytes: &[u8], at: usize) -> Option<Prefixed> {
    let next = |k: usize| bytes.get(at + k).copied();
    // After `r`: `"` or hashes then `"` make a raw string.
    let raw_from = |k: usize| {
        let mut j = at + k;
        while bytes.get(j) == Some(&b'#') {
            j += 1;
        }
        bytes.get(j) == Some(&b'"')
    };
    let (kind, end, value) = match (bytes[at], next(1)) {
        (b'r', Some(b'"' | b'#')) if raw_from(1) => {
            let (end, value) = raw_string_end(bytes, at)?;
            (Kind::Str { escaped: false }, end, value)
        }
        (b'b' | b'c', Some(b'"')) => {
            let (end, _) = quoted_end(bytes, at + 2, b'"')?;
            (Kind::OtherLit, end, (0, 0))
        }
        (b'b', Some(b'\'')) => {
            let (end, _) = quoted_end(bytes, at + 2, b'\'')?;
            (Kind::OtherLit, end, (0, 0))
        }
        (b'b' | b'c', Some(b'r')) if matches!(next(2), Some(b'"' | b'#')) && raw_from(2) => {
            let (end, _) = raw_string_end(bytes, at + 1)?;
            (Kind::OtherLit, end, (0, 0))
        }
        _ => return Some(None),
    };
    Some(Some((kind, suffix_end(bytes, end), value)))
}

/// The value of a string literal's body with escapes, as the compiler reads it;
/// `None` for an escape it does not know.
pub(super) fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                if hex.len() != 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                let v = u8::from_str_radix(&hex, 16).ok().filter(|v| *v < 0x80)?;
                out.push(char::from(v));
            }
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars.by_ref().take_while(|c| *c != '}').collect();
                let hex = hex.replace('_', "");
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            '\n' => {
                while chars
                    .next_if(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
                    .is_some()
                {}
            }
            '\r' if chars.next() == Some('\n') => {
                while chars
                    .next_if(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
                    .is_some()
                {}
            }
            _ => return None,
        }
    }
    Some(out)
}

// ---------------------------------------------------------------- items

/// What an item is, as far as the analyses care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ItemKind {
    /// `#![…]` or an inner doc comment.
    InnerAttr,
    Fn,
    Mod,
    Const,
    Static,
    Impl,
    Trait,
    Other,
}

/// One item: its tokens, attributes included.
#[derive(Clone, Debug)]
pub(super) struct Item {
    pub tokens: Range<usize>,
    pub kind: ItemKind,
    /// The name of a `fn`, `mod`, `const` or `static`.
    pub name: Option<usize>,
    /// Has `#[test]`, `#[…::test]` or `#[cfg(test)]`, as the analyses judge it.
    pub test_only: bool,
    /// The `{` of the brace group that ends the item, if it ends with one.
    pub body: Option<usize>,
}

/// The items between tokens `range` (a file, or the inside of a body).
pub(super) fn items(lexed: &Lexed<'_>, range: Range<usize>) -> Vec<Item> {
    let toks = &lexed.tokens;
    let end = range.end;
    let mut out = Vec::new();
    let mut i = range.start;
    while i < end {
        let start = i;
        // Inner attributes, each an item of its own.
        if let Kind::Doc { inner: true } = toks[i].kind {
            out.push(inner_attr(start, i + 1));
            i += 1;
            continue;
        }
        if lexed.is_punct(i, b'#')
            && lexed.is_punct(i + 1, b'!')
            && i + 2 < end
            && toks[i + 2].kind == Kind::Open(b'[')
        {
            let close = toks[i + 2].mate as usize;
            out.push(inner_attr(start, close + 1));
            i = close + 1;
            continue;
        }
        // Outer attributes.
        let mut test_only = false;
        loop {
            if i < end && toks[i].kind == (Kind::Doc { inner: false }) {
                i += 1;
            } else if lexed.is_punct(i, b'#') && i + 1 < end && toks[i + 1].kind == Kind::Open(b'[')
            {
                let close = toks[i + 1].mate as usize;
                test_only |= is_test_attr(lexed, i + 2..close);
                i = close + 1;
            } else {
                break;
            }
        }
        let (kind, name, semicolon_only) = item_head(lexed, &mut i, end);
        let (stop, body) = item_end(lexed, i, end, semicolon_only);
        let stop = stop.max(start + 1);
        out.push(Item {
            tokens: start..stop,
            kind,
            name: name.filter(|&n| n < stop && toks[n].kind == Kind::Ident),
            test_only,
            body,
        });
        i = stop;
    }
    out
}

/// Reads the visibility, qualifiers and keyword of an item from `*i`: what it is,
/// where its name is, and whether only a `;` ends it (`const X: S = S { … };`,
/// `use a::{b, c};`, `type T = X<{ N }>;`).
fn item_head(lexed: &Lexed<'_>, i: &mut usize, end: usize) -> (ItemKind, Option<usize>, bool) {
    let toks = &lexed.tokens;
    if lexed.is_ident(*i, "pub") {
        *i += 1;
        if *i < end && toks[*i].kind == Kind::Open(b'(') {
            *i = toks[*i].mate as usize + 1;
        }
    }
    while *i < end && toks[*i].kind == Kind::Ident {
        let at = *i;
        match lexed.text_of(&toks[at]) {
            "default" | "async" | "unsafe" | "safe" | "auto" => *i += 1,
            "extern" => {
                *i += 1;
                if *i < end && matches!(toks[*i].kind, Kind::Str { .. }) {
                    *i += 1;
                }
            }
            "const" => {
                let qualifier = ["fn", "async", "unsafe", "extern", "safe"]
                    .iter()
                    .any(|q| lexed.is_ident(at + 1, q));
                if !qualifier {
                    return (ItemKind::Const, Some(at + 1), true);
                }
                *i += 1;
            }
            "fn" => return (ItemKind::Fn, Some(at + 1), false),
            "mod" => return (ItemKind::Mod, Some(at + 1), false),
            "static" => {
                let name = if lexed.is_ident(at + 1, "mut") {
                    at + 2
                } else {
                    at + 1
                };
                return (ItemKind::Static, Some(name), true);
            }
            "impl" => return (ItemKind::Impl, None, false),
            "trait" => return (ItemKind::Trait, None, false),
            "use" | "type" => return (ItemKind::Other, None, true),
            _ => return (ItemKind::Other, None, false),
        }
    }
    (ItemKind::Other, None, false)
}

fn inner_attr(start: usize, end: usize) -> Item {
    Item {
        tokens: start..end,
        kind: ItemKind::InnerAttr,
        name: None,
        test_only: false,
        body: None,
    }
}

/// Where the item whose keyword is at `from` ends: after the first `;`, or (unless
/// `semicolon_only`) after the first brace group, whichever comes first, at the
/// item's own bracket level.
fn item_end(
    lexed: &Lexed<'_>,
    from: usize,
    end: usize,
    semicolon_only: bool,
) -> (usize, Option<usize>) {
    let toks = &lexed.tokens;
    let mut j = from;
    while j < end {
        match toks[j].kind {
            Kind::Open(b'{') if !semicolon_only => return (toks[j].mate as usize + 1, Some(j)),
            Kind::Open(_) => j = toks[j].mate as usize + 1,
            Kind::Punct(b';') => return (j + 1, None),
            _ => j += 1,
        }
    }
    (end, None)
}

/// The inside of `#[…]` says test-only code as `analysis::is_test_only` judges it:
/// a path whose last segment is `test`, or exactly `cfg(test)`.
fn is_test_attr(lexed: &Lexed<'_>, inside: Range<usize>) -> bool {
    let toks = &lexed.tokens;
    let mut i = inside.start;
    let mut segments: Vec<&str> = Vec::new();
    let leading = lexed.is_punct(i, b':');
    loop {
        if lexed.is_punct(i, b':') && lexed.is_punct(i + 1, b':') {
            i += 2;
        }
        if i < inside.end && toks[i].kind == Kind::Ident {
            segments.push(lexed.text_of(&toks[i]));
            i += 1;
        } else {
            break;
        }
        if !(lexed.is_punct(i, b':') && lexed.is_punct(i + 1, b':')) {
            break;
        }
    }
    if segments.last() == Some(&"test") {
        return true;
    }
    segments == ["cfg"]
        && !leading
        && i < inside.end
        && matches!(toks[i].kind, Kind::Open(_))
        && toks[i].mate as usize == i + 2
        && lexed.is_ident(i + 1, "test")
        && toks[i].mate as usize + 1 == inside.end
}

/// Text holding only the byte ranges `keep` of `text` (in order, not overlapping),
/// with every line break of what is left out kept, so line numbers are unchanged.
pub(super) fn keep_only(text: &str, keep: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(keep.iter().map(|r| r.len() + 8).sum());
    let mut at = 0;
    for r in keep {
        let gap = &text[at..r.start];
        let breaks = gap.bytes().filter(|&b| b == b'\n').count();
        if breaks == 0 && !gap.is_empty() {
            out.push(' ');
        }
        for _ in 0..breaks {
            out.push('\n');
        }
        out.push_str(&text[r.clone()]);
        at = r.end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(ItemKind, String, bool)> {
        let lexed = lex(text).expect("lexes");
        items(&lexed, 0..lexed.tokens.len())
            .iter()
            .map(|it| {
                let r = lexed.bytes(&it.tokens);
                (it.kind, text[r].to_owned(), it.test_only)
            })
            .collect()
    }

    #[test]
    fn items_are_split_at_their_end() {
        let text = "//! doc\nuse a::{b, c};\n/// f\n#[inline]\npub(crate) const fn f() -> u8 { 1 }\nconst X: S = S { a: 1 };\nstruct T { a: [u8; 3] }\n#[cfg(test)]\nmod tests { fn x() {} }\nmacro_rules! m { () => {} }\nm!(x);\n";
        let got = kinds(text);
        let want = [
            (ItemKind::InnerAttr, "//! doc", false),
            (ItemKind::Other, "use a::{b, c};", false),
            (
                ItemKind::Fn,
                "/// f\n#[inline]\npub(crate) const fn f() -> u8 { 1 }",
                false,
            ),
            (ItemKind::Const, "const X: S = S { a: 1 };", false),
            (ItemKind::Other, "struct T { a: [u8; 3] }", false),
            (ItemKind::Mod, "#[cfg(test)]\nmod tests { fn x() {} }", true),
            (ItemKind::Other, "macro_rules! m { () => {} }", false),
            (ItemKind::Other, "m!(x);", false),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(k, s, t)| (*k, (*s).to_owned(), *t))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn test_attributes_are_judged_like_the_analysis() {
        for (attr, test) in [
            ("#[test]", true),
            ("#[tokio::test]", true),
            ("#[::test]", true),
            ("#[cfg(test)]", true),
            ("#[cfg[test]]", true),
            ("#[cfg(all(test))]", false),
            ("#[cfg(not(test))]", false),
            ("#[cfg_attr(test, x)]", false),
            ("#[::cfg(test)]", false),
            ("#[r#test]", false),
            ("#[doc = \"test\"]", false),
        ] {
            let got = kinds(&format!("{attr}\nfn f() {{}}\n"));
            assert_eq!(got[0].2, test, "{attr}");
        }
    }

    #[test]
    fn literals_and_comments_hide_brackets() {
        let text = "fn a() { let s = \"}\"; let r = r#\"\"}\"#; let c = '}'; let b = b'{'; /* { /* } */ */ // }\n let l: &'static str = \"\\\"}\"; }\nfn b<'a>(x: &'a str) {}\n";
        let got = kinds(text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1].1, "fn b<'a>(x: &'a str) {}");
    }

    #[test]
    fn doubtful_sources_have_no_outline() {
        for text in [
            "fn a() {",
            "fn a() { ) }",
            "fn a() { \"x }",
            "fn a() { r#\"x\" }",
            "/* x",
            "#!/usr/bin/env run-cargo-script\nfn main() {}",
            "\u{feff}fn main() {}",
            "fn caf\u{e9}() {}",
            "fn a() {}\u{2028}",
        ] {
            assert!(lex(text).is_none(), "{text:?}");
        }
        // Non-ASCII inside literals and comments is fine.
        assert!(lex("// caf\u{e9}\nfn a() { let c = '\u{e9}'; let s = \"\u{e9}\"; }").is_some());
    }

    #[test]
    fn doc_comments_carry_their_value() {
        let text =
            "/// none\n//// not doc\n/** HS256 */\n/*** not doc */\n/**/\n//! inner\nfn f() {}";
        let lexed = lex(text).unwrap();
        let docs: Vec<_> = lexed
            .tokens
            .iter()
            .filter(|t| matches!(t.kind, Kind::Doc { .. }))
            .map(|t| lexed.value_of(t))
            .collect();
        assert_eq!(docs, [" none", " HS256 ", " inner"]);
    }

    #[test]
    fn escapes_are_read_like_the_compiler() {
        assert_eq!(
            unescape(r#"a\nb\t\\\"\x41\u{1F600}"#).as_deref(),
            Some("a\nb\t\\\"A\u{1F600}")
        );
        assert_eq!(unescape("\\\n    none").as_deref(), Some("none"));
        assert_eq!(unescape(r"\x48S256").as_deref(), Some("HS256"));
        assert_eq!(unescape(r"\q"), None);
        assert_eq!(unescape(r"\xff"), None);
    }

    #[test]
    fn kept_text_keeps_line_numbers() {
        let text = "a\nbb\nccc\ndd";
        assert_eq!(keep_only(text, std::slice::from_ref(&(5..8))), "\n\nccc");
        assert_eq!(keep_only(text, &[0..1, 2..4]), "a\nbb");
        assert_eq!(keep_only("ab", &[0..1, 1..2]), "ab");
        assert_eq!(keep_only("a b", &[0..1, 2..3]), "a b");
    }
}
