use std::cell::LazyCell;
use std::collections::HashSet;
use std::sync::LazyLock;

use paved_model::secrets::{
    TextLines,
    entropy, is_known_token, is_lockfile, is_placeholder,
    is_public_client_key, is_stand_in, looks_like_aws_secret, mask, mentions_ingestion_host,
};
use regex::Regex;

use super::assignments::{self, Form};
use super::scan::{scanned, PerValue, SecretParams};
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, SourceFile};

rule! {
    /// Hard-coded password, secret or token
    ///
    /// ## Why it matters
    /// A credential written into code or configuration is shared with everyone who
    /// can read the repository and ships inside every build and image; it cannot
    /// be rotated without a code change, so it usually never is.
    ///
    /// ## How to fix it
    /// Rotate the credential, read it at run time from the environment or a
    /// secret manager (Kubernetes Secret, Vault, AWS Secrets Manager), and keep
    /// only placeholders such as `${DB_PASSWORD}` in committed files.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "main" {
    ///   # flagged: a literal master password
    ///   password = "Tr0ub4dor-and-3"
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_db_instance" "main" {
    ///   manage_master_user_password = true
    /// }
    /// ```
    pub struct GenericCredential {
        id: "PVD-SECRET-004",
        severity: High,
        references: ["checkov:CKV_SECRET_6", "gitleaks:generic-api-key", "bandit:B105", "bandit:B106", "bandit:B107", "owasp-top10:A07"],
        params: SecretParams,
    }
}

/// Endings of key names that hold a reference to a credential rather than the credential.
const NON_SECRET_KEY_SUFFIXES: &[&str] = &[
    "url",
    "uri",
    "path",
    "file",
    "name",
    "env",
    "id",
    "header",
    "type",
    "endpoint",
    "field",
    "prefix",
    "format",
    "length",
    "len",
    "size",
    "ttl",
    "timeout",
    "expiry",
    "expires",
    "ref",
    "arn",
    "policy",
    "algorithm",
    "alg",
    "mode",
    "kind",
    "version",
    "count",
    "dir",
    "location",
];

fn is_reference_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    NON_SECRET_KEY_SUFFIXES
        .iter()
        .any(|s| lower.ends_with(s) && !lower.ends_with("token") && !lower.ends_with("key"))
}

/// File kinds where `key: value` without quotes is a string value.
fn unquoted_values_are_strings(f: &SourceFile) -> bool {
    let name = f.file_name().to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    paved_model::repo::is_env_file(f.file_name())
        || name.ends_with(".env")
        || matches!(
            ext,
            "yml" | "yaml" | "properties" | "ini" | "cfg" | "conf" | "env"
        )
}

static DOTTED_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+$").unwrap());

static FILE_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+\.[A-Za-z][A-Za-z0-9]{0,5}$").unwrap()
});

fn entropy_threshold(len: usize) -> f64 {
    match len {
        0..=11 => 2.5,
        12..=19 => 3.0,
        _ => 3.3,
    }
}

/// Whether an assigned value looks like a real credential.
fn is_credential_value(value: &str) -> bool {
    if is_placeholder(value) || is_known_token(value) {
        return false;
    }
    // Environment variable names and dotted/dashed identifiers name a secret, they are not one.
    let upper_ident = value
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    let lower_words = value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || matches!(b, b'.' | b'-' | b'_'));
    if upper_ident || lower_words {
        return false;
    }
    if value.starts_with('/')
        || value.starts_with("./")
        || value.starts_with('!')
        || value.contains("://")
        || value.contains("eyJ")
    {
        return false;
    }
    // Dotted names: `config.db.password`, `tuple.0.0`, host names; relative paths to
    // a file (`src/app/auth/api_key.py`).
    if DOTTED_NAME.is_match(value) || FILE_PATH.is_match(value) {
        return false;
    }
    entropy(value) >= entropy_threshold(value.len())
}

fn truncate_key(key: &str) -> String {
    if key.chars().count() <= 60 {
        key.to_owned()
    } else {
        key.chars().take(60).chain(['…']).collect()
    }
}

/// Configuration formats where a `*password*` key holds the password itself, so any
/// literal that is not a stand-in is one, however guessable.
fn is_config_file(f: &SourceFile) -> bool {
    let name = f.file_name().to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    paved_model::repo::is_env_file(f.file_name())
        || matches!(
            ext,
            "yml" | "yaml" | "json" | "tf" | "tfvars" | "hcl" | "properties" | "ini" | "cfg"
                | "conf" | "toml" | "env"
        )
}

/// Test trees: a password in a test configuration is a throwaway for a test
/// database, not a credential (it still needs to look random to be reported).
fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    ["test/", "tests/", "spec/", "__tests__/", "testdata/", "fixtures/", "e2e/"]
        .iter()
        .any(|d| lower.starts_with(d) || lower.contains(&format!("/{d}")))
}

fn is_password_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.contains("password") || lower.contains("passwd") || lower.contains("passphrase")
}

/// Well-known defaults of local development databases and brokers: documented
/// values, not secrets (`postgres`, `guest`, `admin`).
fn is_default_password(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "postgres" | "mysql" | "root" | "admin" | "guest" | "test" | "testing" | "pass" | "changeit" | "redis" | "mongo" | "rabbitmq" | "minio" | "minioadmin" | "dev" | "passw0rd"
            | "p@ssw0rd" | "pwd" | "user" | "username" | "default" | "letmein" | "secret123"
            | "password1" | "password123" | "admin123" | "root123" | "12345678" | "123456"
    )
}

/// A literal assigned to a `*password*` key of a configuration file. Lower-case
/// words count only under a key that ends in the word (`password: administrator`);
/// under `passwordSecret` or `password_ref` they name where the password is.
fn is_literal_password(key: &str, value: &str) -> bool {
    let lower_key = key.to_ascii_lowercase();
    let lower_key = lower_key.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let names_the_password = ["password", "passwd", "passphrase"]
        .iter()
        .any(|w| lower_key.ends_with(w));
    let words = value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || matches!(b, b'.' | b'-' | b'_'));
    (names_the_password || !words) && is_literal_password_value(value)
}

fn is_literal_password_value(value: &str) -> bool {
    value.chars().count() >= 6
        && !is_stand_in(value)
        && !is_default_password(value)
        && !is_known_token(value)
        && !value.starts_with('/')
        && !value.contains("://")
        && !value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !DOTTED_NAME.is_match(value)
}

/// Key words that name a key or token rather than a password: their values may be
/// the public key of an analytics SDK.
fn names_a_password_or_secret(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    is_password_key(&lower) || lower.contains("secret") || lower.contains("private")
}

/// An AWS secret access key assigned by name: PVD-SECRET-002 reports it.
fn is_aws_secret(key: &str, value: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.contains("secret")
        && lower.contains("access")
        && value.len() == 40
        && looks_like_aws_secret(value)
}

/// Start lines of the Kubernetes Secret objects of each YAML file, and of the objects
/// after them: PVD-SECRET-006 reports literal Secret data.
fn secret_object_lines(cx: &CheckCtx<'_>, path: &str) -> Vec<(u32, bool)> {
    let mut starts: Vec<(u32, bool)> = cx
        .k8s()
        .objects()
        .iter()
        .filter(|o| o.path.to_string_lossy() == path)
        .map(|o| (o.node.line(), o.kind() == "Secret"))
        .collect();
    starts.sort_unstable();
    starts
}

fn in_secret_object(starts: &[(u32, bool)], line: u32) -> bool {
    starts
        .iter()
        .rev()
        .find(|(start, _)| *start <= line)
        .is_some_and(|(_, secret)| *secret)
}

/// `(name, value, offset of the value)` of every container `env` entry of file `f`
/// with a literal `value` (Kubernetes manifests): the variable's name is the key.
fn env_literals<'a>(
    cx: &'a CheckCtx<'_>,
    f: &SourceFile,
    text: &'a str,
) -> Vec<(&'a str, &'a str, usize)> {
    let k8s = cx.k8s();
    let mut lines: Option<TextLines> = None;
    let mut out = Vec::new();
    for (_, c) in k8s.containers().filter(|(_, c)| c.path == f.path.as_path()) {
        for e in c.node.get_or_empty("env").items() {
            let (Some(name), Some(v)) = (e.str_at("name"), e.get("value")) else {
                continue;
            };
            let Some(value) = v.as_str().filter(|s| !s.is_empty()) else {
                continue;
            };
            let lines = lines.get_or_insert_with(|| TextLines::new(text));
            let span = lines.span(text, v.line(), v.line());
            if let Some(i) = text[span.clone()].find(value) {
                out.push((name, value, span.start + i));
            }
        }
    }
    out
}

impl Check for GenericCredential {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for s in scanned(cx) {
            let (f, text) = (s.file, s.text);
            if is_lockfile(f.file_name()) {
                continue;
            }
            // Most files hold no key word, so no assignment: what only a finding
            // needs (the path, the file's kind) is worked out on the first one.
            let words = s.key_words(cx);
            let path = LazyCell::new(|| f.path_str());
            let relaxed = LazyCell::new(|| is_config_file(f) && !is_test_path(&path));
            let mut secret_objects: Option<Vec<(u32, bool)>> = None;
            let mut found = PerValue::new(f, text);
            let mut seen_lines: Vec<u32> = Vec::new();
            let mut seen_offsets: HashSet<usize> = HashSet::new();
            let mut scan = |form: Form, found: &mut PerValue<'_>| {
                for a in assignments::find(form, text, &words) {
                    let (k, v) = (&text[a.key.clone()], &text[a.value.clone()]);
                    if is_reference_key(k) || !seen_offsets.insert(a.value.start) {
                        continue;
                    }
                    let credential = is_credential_value(v)
                        || (*relaxed && is_password_key(k) && is_literal_password(k, v));
                    if !credential || is_public_client_key(k, v) || is_aws_secret(k, v) {
                        continue;
                    }
                    // An API key or token beside an analytics request or SDK call is
                    // the SDK's public ingestion key (recorded test cassettes are full
                    // of them).
                    if !names_a_password_or_secret(k)
                        && mentions_ingestion_host(&text[found.around(a.value.start, 12)])
                    {
                        continue;
                    }
                    let line = found.line_of(a.value.start);
                    let objects =
                        secret_objects.get_or_insert_with(|| secret_object_lines(cx, &path));
                    if in_secret_object(objects, line) {
                        continue;
                    }
                    if seen_lines.contains(&line) && !found.has_value(v) {
                        continue;
                    }
                    seen_lines.push(line);
                    found.add(v, a.value.start, || {
                        format!(
                            "`{}` is assigned a literal that looks like a credential: {}",
                            truncate_key(k),
                            mask(v)
                        )
                    });
                }
            };
            if !words.is_empty() {
                scan(Form::Quoted, &mut found);
                if unquoted_values_are_strings(f) {
                    scan(Form::Unquoted, &mut found);
                }
            }
            // A container's `env` names the variable in `name:` and gives the literal
            // in `value:`, so the assignment patterns never pair them.
            for (name, value, offset) in env_literals(cx, f, text) {
                // Only a variable named like a credential, as for every other
                // assignment: `PODINFO_UI_COLOR: "#34577c"` is a colour.
                if !assignments::names_a_credential(name) {
                    continue;
                }
                let credential = is_credential_value(value)
                    || (*relaxed && is_password_key(name) && is_literal_password(name, value));
                if !credential
                    || is_public_client_key(name, value)
                    || !seen_offsets.insert(offset)
                {
                    continue;
                }
                found.add(value, offset, || {
                    format!(
                        "`{}` is assigned a literal that looks like a credential: {}",
                        truncate_key(name),
                        mask(value)
                    )
                });
            }
            found.emit(out);
        }
    }
}

