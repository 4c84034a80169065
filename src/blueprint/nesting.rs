//! How deeply a template's source nests, measured before the Handlebars parser sees
//! it. The parser and the compiled template recurse once per level (blocks,
//! `{{else if}}` chains, parentheses, literal brackets); compiling takes time
//! quadratic in the depth and a few thousand levels overflow the stack. This scan is
//! linear and never recurses.
//!
//! It must never see less nesting than the parser will, so where the two could read
//! the text differently it refuses instead of guessing: `{{` or `}}` inside a tag
//! (outside a string), quotes, `{{` or `}}` inside `[ ]`, `\\` inside a string, and
//! raw blocks other than `{{{{name}}}}…{{{{/name}}}}`. Unterminated tags are refused
//! too (the parser would reject them anyway).

/// Why a source was refused, and on which line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub line: usize,
    pub message: String,
}

/// One open block and the `{{else if …}}` levels chained onto it.
struct Open {
    chained: usize,
}

struct Scan<'s> {
    b: &'s [u8],
    max: usize,
    open: Vec<Open>,
    depth: usize,
    /// Where lines start outside every tag and block, when asked for.
    top_level_lines: Option<Vec<usize>>,
}

/// Checks that `src` nests at most `max` deep.
pub fn check(src: &str, max: usize) -> Result<(), Refusal> {
    Scan::new(src, max).run()
}

/// Checks `src` like [`check`] and returns the byte offsets of the lines that start
/// outside every tag, comment, raw block and open block: the places where the
/// template could be cut into pieces that each parse on their own.
pub fn top_level_line_starts(src: &str, max: usize) -> Result<Vec<usize>, Refusal> {
    let mut scan = Scan::new(src, max);
    scan.top_level_lines = Some(Vec::new());
    scan.run()?;
    Ok(scan.top_level_lines.unwrap_or_default())
}

impl<'s> Scan<'s> {
    fn new(src: &'s str, max: usize) -> Self {
        Scan {
            b: src.as_bytes(),
            max,
            open: Vec::new(),
            depth: 0,
            top_level_lines: None,
        }
    }

    fn refuse(&self, at: usize, message: impl Into<String>) -> Refusal {
        let at = at.min(self.b.len());
        Refusal {
            line: 1 + self.b[..at].iter().filter(|&&c| c == b'\n').count(),
            message: message.into(),
        }
    }

    fn starts(&self, at: usize, s: &str) -> bool {
        self.b
            .get(at..)
            .is_some_and(|rest| rest.starts_with(s.as_bytes()))
    }

    fn find(&self, from: usize, needle: &str) -> Option<usize> {
        let n = needle.as_bytes();
        self.b
            .get(from..)?
            .windows(n.len())
            .position(|w| w == n)
            .map(|p| p + from)
    }

    /// Text outside tags: runs of backslashes, escaped tags, tags.
    fn run(&mut self) -> Result<(), Refusal> {
        let mut i = 0;
        while i < self.b.len() {
            match self.b[i] {
                b'\\' => {
                    let run = self.b[i..].iter().take_while(|&&c| c == b'\\').count();
                    i += run;
                    // One backslash makes the tag text; more are text before a tag.
                    if run == 1 && self.starts(i, "{{") {
                        i += if self.starts(i, "{{{{") { 4 } else { 2 };
                    }
                }
                b'{' if self.starts(i, "{{") => i = self.tag(i)?,
                b'\n' => {
                    i += 1;
                    if let Some(lines) = self.top_level_lines.as_mut() {
                        if self.open.is_empty() && i < self.b.len() {
                            lines.push(i);
                        }
                    }
                }
                _ => i += 1,
            }
        }
        Ok(())
    }

    /// One tag starting at `start` (`{{`); returns the index after it.
    fn tag(&mut self, start: usize) -> Result<usize, Refusal> {
        if self.starts(start, "{{{{") {
            return self.raw_block(start);
        }
        if self.starts(start, "{{!") {
            // A `{{!--` comment runs to `--}}`; without one it is a short comment.
            let end = match self.starts(start, "{{!--") {
                true => self.find(start + 5, "--}}").map(|e| e + 4),
                false => None,
            };
            let end = end.or_else(|| self.find(start + 3, "}}").map(|e| e + 2));
            return end.ok_or_else(|| self.refuse(start, "has a comment that is never closed"));
        }
        let mut i = start + 2;
        if self.starts(i, "~") {
            i += 1;
        }
        if self.starts(i, "{") {
            // `{{{x}}}`: the extra braces are not an object literal.
            let end = self.inside(start, i + 1)?;
            return Ok(if self.starts(end, "}") { end + 1 } else { end });
        }
        match self.b.get(i) {
            Some(b'#') => {
                self.open.push(Open { chained: 0 });
                self.depth += 1;
            }
            Some(b'/') => {
                if let Some(open) = self.open.pop() {
                    self.depth -= 1 + open.chained;
                }
            }
            _ if self.chains(i) => {
                if let Some(open) = self.open.last_mut() {
                    open.chained += 1;
                    self.depth += 1;
                }
            }
            _ => {}
        }
        self.inside(start, i)
    }

    /// `{{else if …}}` or `{{^if …}}`: another level on the open block. A bare
    /// `{{else}}` or `{{^}}` is not, nor is an expression such as `{{elsewhere}}`.
    fn chains(&self, i: usize) -> bool {
        let after = if self.starts(i, "else") {
            let next = self.b.get(i + 4);
            if next.is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
                return false;
            }
            i + 4
        } else if self.starts(i, "^") {
            i + 1
        } else {
            return false;
        };
        let rest = self.b[after..].iter().find(|c| !c.is_ascii_whitespace());
        !matches!(rest, Some(b'}' | b'~') | None)
    }

    /// The rest of a tag from `i`: strings, brackets, and the closing `}}`.
    fn inside(&mut self, start: usize, mut i: usize) -> Result<usize, Refusal> {
        let mut brackets: Vec<u8> = Vec::new();
        while i < self.b.len() {
            let c = self.b[i];
            if self.depth + brackets.len() > self.max {
                return Err(self.refuse(
                    start,
                    format!("nests blocks, `else if` chains and brackets more than {} deep here; move inner parts into partials or simplify", self.max),
                ));
            }
            match c {
                b'"' | b'\'' => {
                    if brackets.contains(&b'[') {
                        return Err(self.refuse(
                            start,
                            "has a quote inside [ ] in a tag; paved cannot check such a template's nesting, so it is not supported",
                        ));
                    }
                    i = self.string(start, i)?;
                    continue;
                }
                b'(' | b'[' => brackets.push(c),
                b'{' if self.starts(i, "{{") => return Err(self.ambiguous(start)),
                b'{' => brackets.push(c),
                b')' | b']' => {
                    let opening = if c == b')' { b'(' } else { b'[' };
                    if brackets.pop() != Some(opening) {
                        return Err(self.ambiguous(start));
                    }
                }
                b'}' => match brackets.last() {
                    // Closes an object literal, even as the first of `}}}`.
                    Some(b'{') => {
                        brackets.pop();
                    }
                    None if self.starts(i, "}}") => return Ok(i + 2),
                    // The inner `}` of a `{{~{triple}~}}` tag.
                    None => {}
                    Some(_) => return Err(self.ambiguous(start)),
                },
                _ => {}
            }
            i += 1;
        }
        Err(self.refuse(start, "has a tag that is never closed with }}"))
    }

    fn ambiguous(&self, at: usize) -> Refusal {
        self.refuse(
            at,
            "has `{{`, `}}` or unmatched brackets inside a tag; paved cannot check such a template's nesting, so it is not supported",
        )
    }

    /// A quoted string from `i`; returns the index after its closing quote.
    fn string(&self, start: usize, i: usize) -> Result<usize, Refusal> {
        let quote = self.b[i];
        let mut j = i + 1;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' if self.b.get(j + 1) == Some(&b'\\') => {
                    return Err(self.refuse(
                        start,
                        "has `\\\\` inside a quoted string in a tag, which Handlebars reads differently in partial names; it is not supported",
                    ))
                }
                b'\\' => j += 2,
                c if c == quote => return Ok(j + 1),
                _ => j += 1,
            }
        }
        Err(self.refuse(start, "has a quoted string that is never closed"))
    }

    /// `{{{{name}}}}…{{{{/name}}}}`: the text between is not parsed.
    fn raw_block(&self, start: usize) -> Result<usize, Refusal> {
        let plain = |from: usize| -> Option<usize> {
            let len = self.b[from..]
                .iter()
                .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                .count();
            (len > 0 && self.starts(from + len, "}}}}")).then_some(from + len + 4)
        };
        if self.starts(start + 4, "/") {
            return Err(self.refuse(start, "closes a raw block that was never opened"));
        }
        let body = plain(start + 4).ok_or_else(|| {
            self.refuse(
                start,
                "opens a raw block that is not written {{{{name}}}}; only that form is supported",
            )
        })?;
        // The text runs to the next `{{{{` that is not escaped by one backslash.
        let mut i = body;
        loop {
            let at = self
                .find(i, "{{{{")
                .ok_or_else(|| self.refuse(start, "opens a raw block that is never closed"))?;
            let run = self.b[..at]
                .iter()
                .rev()
                .take_while(|&&c| c == b'\\')
                .count();
            if run == 1 {
                i = at + 4;
                continue;
            }
            if !self.starts(at + 4, "/") {
                return Err(self.refuse(
                    at,
                    "closes a raw block with something other than {{{{/name}}}}",
                ));
            }
            return plain(at + 5).ok_or_else(|| {
                self.refuse(
                    at,
                    "closes a raw block with something other than {{{{/name}}}}",
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) {
        check(src, 4).unwrap_or_else(|e| panic!("{src:?}: {e:?}"));
    }

    fn refused(src: &str) -> Refusal {
        check(src, 4).expect_err(src)
    }

    #[test]
    fn counts_blocks_chains_and_brackets() {
        ok("{{#a}}{{#b}}{{#c}}{{#d}}x{{/d}}{{/c}}{{/b}}{{/a}}");
        assert_eq!(refused("a\n{{#a}}{{#b}}{{#c}}{{#d}}{{#e}}").line, 2);
        ok("{{#if a}}{{else if b}}{{else if c}}{{else}}{{/if}}{{#if a}}{{/if}}");
        refused("{{#if a}}{{else if b}}{{else if c}}{{else if d}}{{else if e}}{{/if}}");
        ok("{{#if (and (or a (not b)) c)}}x{{/if}}");
        refused("{{#if (a (b (c (d e))))}}x{{/if}}");
        refused("{{x [[[[[1]]]]]}}");
        // Closing tags free their levels for what follows.
        ok(&"{{#a}}{{#b}}{{/b}}{{/a}}".repeat(100));
        ok("{{else}}{{^}}{{elsewhere}}{{~else~}}");
    }

    #[test]
    fn text_comments_raw_blocks_and_escapes_do_not_count() {
        ok(r"\{{#a}}\{{#b}}\{{#c}}\{{#d}}\{{#e}}");
        ok("{{!-- {{#a}}{{#b}}{{#c}}{{#d}}{{#e}} --}}{{! {{#a}}{{#b}}{{#c}}{{#d}}{{#e}} }}");
        ok("{{{{raw}}}}{{#a}}{{#b}}{{#c}}{{#d}}{{#e}}{{{{/raw}}}}");
        ok(r#"{{eq x "{{#a}}{{#b}}{{#c}}{{#d}}{{#e}} }}"}}"#);
        ok("{{{triple}}} {{~{triple}~}} {{x {\"a\": {\"b\": 1}}}}");
        // Two backslashes are text before a real tag.
        refused(r"\\{{#a}}\\{{#b}}\\{{#c}}\\{{#d}}\\{{#e}}");
    }

    #[test]
    fn top_level_lines_are_outside_blocks_tags_comments_and_raw_blocks() {
        let src = "a\n{{#if x}}\nb\n{{/if}}\nc {{!-- one\ntwo --}}\n{{{{raw}}}}\n{{{{/raw}}}}\n{{x\n}}\nend";
        let starts = top_level_line_starts(src, 8).unwrap();
        let lines: Vec<&str> = starts
            .iter()
            .map(|&s| src[s..].lines().next().unwrap())
            .collect();
        assert_eq!(
            lines,
            ["{{#if x}}", "c {{!-- one", "{{{{raw}}}}", "{{x", "end"]
        );
        // An escaped tag opens nothing.
        assert_eq!(top_level_line_starts("\\{{#if}}\nb", 8).unwrap(), [9]);
    }

    #[test]
    fn refuses_what_it_could_read_differently_from_the_parser() {
        refused(r#"{{x [a"b] "]x}}{{/if}}"}}"#);
        refused("{{x [a}}{{/if}}]}}");
        refused(r"{{> 'a\\' }}");
        refused("{{{{raw x}}}}a{{{{/raw}}}}");
        refused("{{{{raw}}}}a");
        refused("{{#if a");
        refused("{{x \"open}}");
        refused("{{x {{y}}");
    }
}
