//! A rule's doc comment, split into its sections. Shared with the build script
//! (build/rules.rs includes this file): build.rs parses every declared rule's doc
//! comment once, at compile time, so a process only copies the parsed texts into its
//! catalog. Plain `std` only, for that reason.

/// The sections of a rule's doc comment.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleDoc {
    pub title: String,
    pub why: String,
    pub fix: String,
    pub example: String,
    /// The optional `## Severity` section: how the rule grades findings that differ
    /// in weight.
    pub graded: Option<String>,
}

/// Problems with a doc comment, found by the catalog test rather than at run time.
///
/// One pass over the lines that copies only the texts it keeps (it ran in every
/// process before build.rs took it over, and still runs in the tests that compare).
pub fn parse_doc(doc: &str) -> Result<RuleDoc, String> {
    // `/// text` arrives as " text": drop that one space, keep deeper indentation.
    let lines: Vec<&str> = doc_lines(doc)
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let mut title = "";
    // Heading and the range of its body lines in `lines`, in order.
    let mut sections: Vec<(&str, std::ops::Range<usize>)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(heading) = line.strip_prefix("## ") {
            sections.push((heading.trim(), i + 1..i + 1));
        } else if let Some((_, body)) = sections.last_mut() {
            body.end = i + 1;
        } else if !line.trim().is_empty() {
            if !title.is_empty() {
                return Err("the title (first doc line) must be a single line".into());
            }
            title = line.trim();
        }
    }
    let section = |name: &str| -> Result<&[&str], String> {
        sections
            .iter()
            .find(|(h, _)| *h == name)
            .map(|(_, body)| &lines[body.clone()])
            .ok_or_else(|| format!("missing the `## {name}` section"))
    };
    let prose = |name: &str| -> Result<String, String> {
        let body = section(name)?;
        let mut text = String::with_capacity(body.iter().map(|l| l.len() + 1).sum());
        for line in body.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(line);
        }
        if text.is_empty() {
            return Err(format!("the `## {name}` section is empty"));
        }
        Ok(text)
    };
    if title.is_empty() {
        return Err("no title: the first doc line says what is wrong".into());
    }
    let why = prose("Why it matters")?;
    let fix = prose("How to fix it")?;
    let example = section("Example")?.join("\n").trim().to_owned();
    if example.matches("```").count() < 4 {
        return Err(
            "the `## Example` section needs two fenced blocks: a flagged one, then a fixed one"
                .into(),
        );
    }
    let graded = if sections.iter().any(|(h, _)| *h == "Severity") {
        Some(prose("Severity")?)
    } else {
        None
    };
    Ok(RuleDoc {
        title: title.to_owned(),
        why,
        fix,
        example,
        graded,
    })
}

/// The lines of `doc` as [`str::lines`] gives them, found with a plain byte loop:
/// doc lines are short, and a `memchr` call per line cost more than the search.
fn doc_lines(doc: &str) -> impl Iterator<Item = &str> {
    let mut rest = doc;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        Some(match rest.bytes().position(|b| b == b'\n') {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                line.strip_suffix('\r').unwrap_or(line)
            }
            None => std::mem::take(&mut rest),
        })
    })
}
