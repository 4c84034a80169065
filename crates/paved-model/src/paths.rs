//! Repository-relative paths as the files name them: `/`-separated, resolved
//! without leaving the repository (Dockerfile build contexts, kustomize includes).

/// The directory part of a `/`-separated path (`""` at the root).
pub(crate) fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// `dir/rel` with `.` and `..` resolved; `None` for absolute paths, URLs,
/// variables, or a path that leaves the repository.
pub(crate) fn join(dir: &str, rel: &str) -> Option<String> {
    let rel = rel.trim();
    if rel.is_empty()
        || rel.starts_with('/')
        || rel.contains("://")
        || rel.starts_with("git@")
        || rel.contains('$')
        || rel.contains("{{")
        || rel.starts_with('~')
    {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_inside_the_repository_only() {
        assert_eq!(dir_of("deploy/base/app.yaml"), "deploy/base");
        assert_eq!(dir_of("Dockerfile"), "");
        assert_eq!(join("a/b", "../c").as_deref(), Some("a/c"));
        assert_eq!(join("", "./x/./y").as_deref(), Some("x/y"));
        for outside in ["", "/etc", "../x", "https://h/x", "$DIR", "{{ x }}", "~/x"] {
            assert_eq!(join("", outside), None, "{outside}");
        }
    }
}
