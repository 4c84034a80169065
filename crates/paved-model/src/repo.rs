//! Facts about a repository's files that rules of several domains ask: environment
//! files, the security policy, CODEOWNERS and the dependabot configuration.

use crate::{Model, SourceFile};

const ENV_TEMPLATE_SUFFIXES: &[&str] = &["example", "sample", "template"];

/// `.env` or `.env.<anything>` except the templates (`.env.example`, `.env.sample`,
/// `.env.template`).
pub fn is_env_file(name: &str) -> bool {
    if name == ".env" {
        return true;
    }
    match name.strip_prefix(".env.") {
        Some(suffix) => !ENV_TEMPLATE_SUFFIXES.contains(&suffix.to_ascii_lowercase().as_str()),
        None => false,
    }
}

// ---------------------------------------------------------------- hygiene files

/// Where GitHub looks for a security policy, in its order of preference.
const SECURITY_DIRS: &[&str] = &[".github/", "", "docs/"];

fn is_security_policy_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "security.md" | "security.markdown" | "security.rst" | "security.txt" | "security"
    )
}

/// The security policy GitHub would show, if any: SECURITY.md (any case, .md, .rst,
/// .txt or no extension) in `.github/`, at the root or in `docs/`, in that order.
pub fn security_policy(model: &Model) -> Option<&SourceFile> {
    SECURITY_DIRS.iter().find_map(|dir| {
        model.files().iter().find(|f| {
            let path = f.path_str();
            path.strip_prefix(dir)
                .is_some_and(|rest| !rest.contains('/') && is_security_policy_name(rest))
        })
    })
}

/// Where GitHub and GitLab look for CODEOWNERS, in GitHub's order of preference.
pub const CODEOWNERS_PATHS: &[&str] = &[
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
];

/// The CODEOWNERS file GitHub would use, if any.
pub fn codeowners(model: &Model) -> Option<&SourceFile> {
    CODEOWNERS_PATHS.iter().find_map(|p| model.file(p))
}

/// One meaningful CODEOWNERS line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnersLine<'a> {
    /// 1-based.
    pub line: u32,
    /// The path pattern, `\ ` escapes resolved.
    pub pattern: String,
    pub owners: Vec<&'a str>,
}

/// Splits CODEOWNERS into pattern lines, skipping comments, blank lines and GitLab
/// section headers (`[Section]`, `^[Section] @owner`).
pub fn owners_lines(text: &str) -> Vec<OwnersLine<'_>> {
    let mut lines = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with('[') || trimmed.starts_with("^[") {
            continue;
        }
        let (pattern, rest) = split_pattern(trimmed);
        let rest = match rest.find(" #").or_else(|| rest.find("\t#")) {
            Some(i) => &rest[..i],
            None => rest,
        };
        let rest = if rest.starts_with('#') { "" } else { rest };
        lines.push(OwnersLine {
            line: u32::try_from(idx + 1).unwrap_or(u32::MAX),
            pattern,
            owners: rest.split_whitespace().collect(),
        });
    }
    lines
}

/// The pattern (with `\ ` escapes resolved) and the rest of the line.
fn split_pattern(line: &str) -> (String, &str) {
    let mut pattern = String::new();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    pattern.push(next);
                }
            }
            c if c.is_whitespace() => return (pattern, &line[i..]),
            c => pattern.push(c),
        }
    }
    (pattern, "")
}

/// Whether a CODEOWNERS owner is `@user`, `@org/team` or an e-mail address: the whole
/// of `owner` matches
/// `@[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?(?:/[A-Za-z0-9_.-]+)*` or
/// [`is_email`]. Written out rather than compiled as a regex, which cost more than
/// the rest of the CODEOWNERS rules together (the test compares the two).
pub fn is_valid_owner(owner: &str) -> bool {
    is_handle(owner) || is_email(owner)
}

/// `@user` or `@org/team[/…]`.
fn is_handle(owner: &str) -> bool {
    let Some(rest) = owner.strip_prefix('@') else {
        return false;
    };
    let mut parts = rest.split('/');
    let name = parts.next().unwrap_or_default().as_bytes();
    let handle_char = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
    let name_ok = match name {
        [] => false,
        [first] => first.is_ascii_alphanumeric(),
        [first, middle @ .., last] => {
            first.is_ascii_alphanumeric()
                && middle.iter().all(handle_char)
                && (last.is_ascii_alphanumeric() || *last == b'_')
        }
    };
    name_ok && parts.all(|p| !p.is_empty() && p.as_bytes().iter().all(handle_char))
}

/// Whether the whole of `text` is an e-mail address:
/// `[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-'));
    let labels: Vec<&str> = domain.split('.').collect();
    let Some((top, rest)) = labels.split_last() else {
        return false;
    };
    local_ok
        && !rest.is_empty()
        && rest
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        && top.len() >= 2
        && top.bytes().all(|b| b.is_ascii_alphabetic())
}

/// Whether a CODEOWNERS pattern matches every file.
pub fn is_catch_all(pattern: &str) -> bool {
    matches!(pattern, "*" | "**" | "/**" | "/*" | "/")
}

/// Where Dependabot reads its configuration.
pub const DEPENDABOT_PATHS: &[&str] = &[".github/dependabot.yml", ".github/dependabot.yaml"];

/// The repository's dependabot configuration, if any.
pub fn dependabot_config(model: &Model) -> Option<&SourceFile> {
    DEPENDABOT_PATHS.iter().find_map(|p| model.file(p))
}

#[cfg(test)]
mod hygiene_tests {
    use super::*;

    #[test]
    fn security_policy_is_found_where_github_looks() {
        let model = Model::from_memory(&[("src/SECURITY.md", "x"), ("docs/security.rst", "y")]);
        assert_eq!(
            security_policy(&model).map(|f| f.path_str()).as_deref(),
            Some("docs/security.rst")
        );
        let model = Model::from_memory(&[("docs/SECURITY.md", "x"), (".github/SECURITY.md", "y")]);
        assert_eq!(
            security_policy(&model).map(|f| f.path_str()).as_deref(),
            Some(".github/SECURITY.md")
        );
        assert!(security_policy(&Model::from_memory(&[("a/SECURITY.md", "")])).is_none());
    }

    #[test]
    fn codeowners_lines_and_owners() {
        let text = "# c\n* @acme/team # all\n\n[Section]\n/a\\ b/ x@y.io @bad!\n/empty/\n";
        let lines = owners_lines(text);
        assert_eq!(lines.len(), 3);
        assert_eq!((lines[0].line, lines[0].pattern.as_str()), (2, "*"));
        assert_eq!(lines[0].owners, ["@acme/team"]);
        assert_eq!(lines[1].pattern, "/a b/");
        assert!(is_valid_owner(lines[1].owners[0]) && !is_valid_owner(lines[1].owners[1]));
        assert!(lines[2].owners.is_empty());
        assert!(is_catch_all("/**") && !is_catch_all("/src/"));
        let model = Model::from_memory(&[("docs/CODEOWNERS", "* @a"), ("CODEOWNERS", "* @b")]);
        assert_eq!(
            codeowners(&model).map(|f| f.path_str()).as_deref(),
            Some("CODEOWNERS")
        );
    }
}

#[cfg(test)]
mod owner_tests {
    use super::*;

    /// The regex the owner check was written from.
    const OWNER: &str = r"^(?:@[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?(?:/[A-Za-z0-9_.-]+)*|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})$";

    /// Every string of up to six characters over the characters that decide a match,
    /// and some real owners, are judged as the regex judges them.
    #[test]
    fn owners_are_judged_as_the_regex_judges_them() {
        let re = regex::Regex::new(OWNER).unwrap();
        let mut all = crate::samples::strings_over(&['a', '0', '_', '.', '-', '/', '@', ' '], 6);
        all.extend(
            [
                "@acme/platform-team",
                "@octo-cat",
                "@a_",
                "@a-",
                "@org/team/sub",
                "@org//team",
                "sec@example.com",
                "first.last+tag@mail.example.co.uk",
                "x@example.c",
                "x@example.c0m",
                "x@-.io",
                "x@a..io",
                "@x@example.com",
                "x@example.com\n",
                "ſ@example.com",
                "@ſ",
                "A%b+c@X.IO",
                "@Zz/Team.9",
            ]
            .map(str::to_owned),
        );
        let mut valid = 0;
        for owner in &all {
            assert_eq!(is_valid_owner(owner), re.is_match(owner), "{owner:?}");
            valid += usize::from(re.is_match(owner));
        }
        assert!(valid > 1000, "{valid}");
    }
}
