//! What the python-fastapi and typescript-fastify contracts share, read from their
//! tree-sitter views: the authentication module that must define the middleware (or
//! hook) beside a literal `PUBLIC_ENDPOINTS`, the file that must build the
//! application, the allow-list's entries and the path literals the module
//! special-cases, and the algorithm names a verifier accepts (following the module's
//! constants).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use tree_sitter::Node;

use crate::guardrails::RepoModel;

use super::syntax::{descendants, line, string_value, text};
use super::wiring::{weak_algorithm, Exemption, Spot, Wiring};

/// The allow-list every contract names.
pub(super) const ALLOW_LIST: &str = "PUBLIC_ENDPOINTS";

/// Where a blueprint keeps its authentication and builds its application.
pub(super) struct Contract {
    /// The module that defines the middleware or hook, e.g. `src/auth/hook.ts`.
    pub module: &'static str,
    /// What the module provides, as the messages name it ("authentication hook").
    pub provides: &'static str,
    /// The definition it must hold, e.g. "`class AuthMiddleware`".
    pub definition: &'static str,
    /// The file that must build the application, e.g. `src/app.ts`.
    pub app_file: &'static str,
    /// The application's constructor, e.g. "`Fastify(...)`".
    pub constructor: &'static str,
    /// What the application file is where, e.g. "the authentication hook is installed".
    pub applied: &'static str,
}

impl Contract {
    /// PVD-AUTH-001 when the module or its definition is gone; PVD-AUTH-006 when its
    /// allow-list cannot be read or no application is built in the application file.
    pub fn check_files(
        &self,
        repo: &RepoModel,
        defined: bool,
        allow_list_found: bool,
        mut app_files: impl Iterator<Item = impl AsRef<Path>>,
        w: &mut Wiring,
    ) {
        let module = self.module;
        if repo.file(module).is_none() {
            w.missing.push(Spot::new(
                module,
                None,
                format!("no {module}: the {} is gone", self.provides),
            ));
        } else if !defined {
            w.missing.push(Spot::new(
                module,
                None,
                format!("no {} in the authentication sources", self.definition),
            ));
        } else if !allow_list_found {
            w.unverifiable.push(Spot::new(
                module,
                None,
                format!("no `{ALLOW_LIST}`: which paths skip authentication cannot be checked"),
            ));
        }
        if !app_files.any(|f| f.as_ref() == Path::new(self.app_file)) {
            w.unverifiable.push(Spot::new(
                self.app_file,
                None,
                format!(
                    "no {} in {}: where {} cannot be checked",
                    self.constructor, self.app_file, self.applied
                ),
            ));
        }
    }
}

/// The entries of the allow-list whose value is `value`: one exemption per entry of
/// a collection (`entries`), with its path when the entry is a literal (`literal`)
/// naming exactly one path; a value that is not a collection is one exemption
/// without a path.
pub(super) fn listed(
    file: &Path,
    value: Node<'_>,
    entries: Option<Vec<Node<'_>>>,
    literal: impl Fn(Node<'_>) -> bool,
    src: &str,
) -> Vec<Exemption> {
    let Some(entries) = entries else {
        return vec![Exemption::Listed {
            file: file.to_path_buf(),
            line: line(value),
            list: ALLOW_LIST.to_owned(),
            path: None,
        }];
    };
    entries
        .into_iter()
        .filter(|e| e.kind() != "comment")
        .map(|entry| {
            let paths: Vec<String> = descendants(entry)
                .into_iter()
                .filter_map(|s| string_value(s, src))
                .filter(|s| s.starts_with('/'))
                .collect();
            Exemption::Listed {
                file: file.to_path_buf(),
                line: line(entry),
                list: ALLOW_LIST.to_owned(),
                path: match paths.as_slice() {
                    [p] if literal(entry) => Some(p.clone()),
                    _ => None,
                },
            }
        })
        .collect()
}

/// A string literal of the authentication module that reads as a path (`/…`, no
/// spaces): the module compares requests against it, so it is an exemption.
pub(super) fn special_case(
    file: &Path,
    n: Node<'_>,
    src: &str,
    function: impl FnOnce() -> Option<String>,
) -> Option<Exemption> {
    let path = string_value(n, src).filter(|s| s.starts_with('/') && !s.contains(' '))?;
    Some(Exemption::SpecialCase {
        file: file.to_path_buf(),
        line: line(n),
        function: function().unwrap_or_else(|| "the module".into()),
        path,
    })
}

/// The weak algorithm names (HMAC, `none`) among the strings below `v`, following
/// the module constants an identifier names (to a depth of 8): where, and why.
pub(super) fn weak_strings(
    v: Node<'_>,
    constants: &HashMap<String, Node<'_>>,
    src: &str,
) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut stack = vec![(v, 0)];
    let mut seen = HashSet::new();
    while let Some((n, depth)) = stack.pop() {
        if depth > 8 || !seen.insert(n.id()) {
            continue;
        }
        for c in descendants(n) {
            if c.kind() == "identifier" {
                if let Some(&value) = constants.get(text(c, src)) {
                    stack.push((value, depth + 1));
                }
            } else if let Some(what) = string_value(c, src).and_then(|s| weak_algorithm(&s)) {
                out.push((line(c), what));
            }
        }
    }
    out
}
