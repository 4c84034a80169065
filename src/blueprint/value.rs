//! Answer values and the checks that keep them from breaking out of the files
//! they are rendered into.

use std::fmt;

/// An answer to a blueprint variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    String(String),
    Bool(bool),
    Integer(i64),
    List(Vec<String>),
}

impl Value {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Integer(i) => serde_json::Value::from(*i),
            Value::List(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(|s| serde_json::Value::String(s.clone()))
                    .collect(),
            ),
        }
    }

    pub fn to_toml(&self) -> toml_edit::Value {
        match self {
            Value::String(s) => s.as_str().into(),
            Value::Bool(b) => (*b).into(),
            Value::Integer(i) => (*i).into(),
            Value::List(items) => {
                let mut array = toml_edit::Array::new();
                for item in items {
                    array.push(item.as_str());
                }
                toml_edit::Value::Array(array)
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => f.write_str(s),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::List(items) => f.write_str(&items.join(",")),
        }
    }
}

/// Characters no string answer may contain, with the reason shown to the user.
/// Together they cover the ways a value can end a quoted string or start a new
/// construct in YAML, TOML, JSON, Dockerfiles, shell and GitHub Actions expressions.
const FORBIDDEN: &[(char, &str)] = &[
    ('"', "a double quote ends a quoted string"),
    ('\'', "a single quote ends a quoted string"),
    ('`', "a backtick starts shell command substitution"),
    ('$', "`$` starts shell and CI variable expansion"),
    ('\\', "a backslash starts an escape sequence"),
    ('{', "braces start template and CI expressions"),
    ('}', "braces end template and CI expressions"),
    ('<', "`<` is a shell redirection"),
    ('>', "`>` is a shell redirection"),
    (';', "`;` separates shell commands"),
    ('|', "`|` is a shell pipe and a YAML block marker"),
    (
        '&',
        "`&` runs shell commands in the background and starts a YAML anchor",
    ),
    (
        '#',
        "`#` starts a comment in YAML, TOML, shell and Dockerfiles",
    ),
];

/// Checks that a string answer is one line of plain text that cannot change the
/// structure of any file it is rendered into. Returns a sentence saying what is wrong.
pub fn check_plain_text(value: &str, max_length: usize) -> Result<(), String> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(match c {
            '\n' | '\r' => "must be a single line (it contains a line break)".to_string(),
            _ => format!("contains the control character {c:?}"),
        });
    }
    if let Some((c, why)) = value
        .chars()
        .find_map(|c| FORBIDDEN.iter().find(|(f, _)| *f == c))
    {
        return Err(format!("must not contain {c:?}: {why}"));
    }
    if value.chars().any(|c| matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')) {
        return Err("contains an invisible or bidirectional-control character".to_string());
    }
    if value != value.trim() {
        return Err("must not start or end with white space".to_string());
    }
    let len = value.chars().count();
    if len > max_length {
        return Err(format!(
            "is {len} characters long; the limit is {max_length}"
        ));
    }
    Ok(())
}

/// The service name becomes a directory, a Cargo package, a Kubernetes object name
/// and part of image references, so it must be a DNS label (RFC 1123).
pub fn check_service_name(name: &str) -> Result<(), String> {
    const RULE: &str = "use 1-63 lowercase letters, digits and '-', starting with a letter and not ending with '-'";
    if name.is_empty() {
        return Err(format!("the name is empty; {RULE}"));
    }
    if name.contains('/') || name.contains('\\') || name == "." || name == ".." {
        return Err(format!(
            "a service name is a single directory name, not a path; {RULE} (use --output to choose where it is written)"
        ));
    }
    let bytes = name.as_bytes();
    let ok = name.len() <= 63
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(RULE.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_accepts_ordinary_descriptions() {
        assert!(check_plain_text("Payments API for the checkout team (v2)", 200).is_ok());
        assert!(check_plain_text("@acme/payments", 200).is_ok());
        assert!(check_plain_text("ghcr.io/acme/demo-svc", 200).is_ok());
    }

    #[test]
    fn plain_text_refuses_context_breakers() {
        for bad in [
            "a\nb",
            "a\rb",
            "tab\there",
            "say \"hi\"",
            "it's",
            "$(rm -rf /)",
            "`id`",
            "${{ github.token }}",
            "{{name}}",
            "a; b",
            "a | b",
            "a & b",
            "key: value # comment",
            "back\\slash",
            "<script>",
            " padded",
            "bidi\u{202e}x",
        ] {
            assert!(check_plain_text(bad, 200).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn plain_text_enforces_length_in_characters() {
        assert!(check_plain_text(&"é".repeat(10), 10).is_ok());
        assert!(check_plain_text(&"é".repeat(11), 10).is_err());
    }

    #[test]
    fn service_names() {
        for good in ["a", "demo-svc", "svc2", &"a".repeat(63)] {
            assert!(check_service_name(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            "../x",
            "/abs",
            "a/b",
            "Demo",
            "2svc",
            "-x",
            "x-",
            "a_b",
            "a b",
            "a\"b",
            "$(id)",
            "a\nb",
            "{{name}}",
            ".",
            "..",
            &"a".repeat(64),
        ] {
            assert!(check_service_name(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
