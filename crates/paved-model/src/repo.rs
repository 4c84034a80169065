//! Facts about a repository's files that rules of several domains ask.

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
