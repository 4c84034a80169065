//! Committed secrets: private keys, cloud and service tokens, hard-coded credentials
//! and JSON Web Tokens. Findings name the file and line and show at most the first
//! four characters of what was found.
//!
//! Parameters:
//! - `secret_allow_paths` (globs, default none): paths never scanned for secrets,
//!   e.g. `["tests/fixtures/**"]` for deliberately fake keys. `.paved/` is never scanned.

use std::sync::LazyLock;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;

use crate::guardrails::legacy::{Rule, RuleMeta};
use crate::guardrails::{CheckCtx, Domain, Emitter, Severity, SourceFile};

pub(super) const PRIVATE_KEY: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-SECRET-001",
        title: "Private key committed",
        domain: Domain::Secrets,
        severity: Severity::Critical,
        rationale: "Anyone who can read the repository, any clone, fork or CI cache of it, can \
                    impersonate the key's owner: decrypt TLS traffic, sign artifacts or log in \
                    over SSH. Deleting the file does not help, history keeps it.",
        remediation: "Revoke and replace the key now, remove it from the repository (and its \
                      history if the repository is shared), load keys at run time from a secret \
                      manager, and ignore *.pem, *.key and key stores in .gitignore.",
        references: &[
            "checkov:CKV_SECRET_13",
            "trivy:private-key",
            "gitleaks:private-key",
        ],
    },
    check: check_private_keys,
};

pub(super) const AWS_ACCESS_KEY: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-SECRET-002",
        title: "AWS access key committed",
        domain: Domain::Secrets,
        severity: Severity::Critical,
        rationale: "A long-lived AWS access key in the repository gives whoever reads it the \
                    permissions of its IAM user; leaked keys are harvested from public and \
                    private repositories within minutes and used for data theft and crypto-mining.",
        remediation: "Deactivate and delete the key in IAM now, review CloudTrail for its use, \
                      remove it from the repository, and use short-lived credentials (IAM roles, \
                      OIDC federation from CI) instead of access keys.",
        references: &[
            "checkov:CKV_SECRET_2",
            "trivy:aws-access-key-id",
            "gitleaks:aws-access-token",
        ],
    },
    check: check_aws_keys,
};

pub(super) const SERVICE_TOKEN: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-SECRET-003",
        title: "Service access token committed",
        domain: Domain::Secrets,
        severity: Severity::Critical,
        rationale: "GitHub, GitLab, Slack, Google and Stripe tokens grant API access as their \
                    owner: pushing code, reading private repositories and messages, spending \
                    money. Their fixed prefixes make them trivial for attackers to harvest.",
        remediation: "Revoke the token at its provider now, remove it from the repository, and \
                      inject tokens at run time from the CI secret store or a secret manager.",
        references: &[
            "checkov:CKV_SECRET_14",
            "checkov:CKV_SECRET_17",
            "trivy:github-pat",
            "gitleaks:github-pat",
            "gitleaks:gitlab-pat",
            "gitleaks:slack-bot-token",
            "gitleaks:gcp-api-key",
            "gitleaks:stripe-access-token",
        ],
    },
    check: check_service_tokens,
};

pub(super) const GENERIC_CREDENTIAL: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-SECRET-004",
        title: "Hard-coded password, secret or token",
        domain: Domain::Secrets,
        severity: Severity::High,
        rationale: "A credential written into code or configuration is shared with everyone who \
                    can read the repository and ships inside every build and image; it cannot \
                    be rotated without a code change, so it usually never is.",
        remediation: "Rotate the credential, read it at run time from the environment or a \
                      secret manager (Kubernetes Secret, Vault, AWS Secrets Manager), and keep \
                      only placeholders such as `${DB_PASSWORD}` in committed files.",
        references: &[
            "checkov:CKV_SECRET_6",
            "gitleaks:generic-api-key",
            "owasp-top10:A07",
        ],
    },
    check: check_generic_credentials,
};

pub(super) const JWT: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-SECRET-005",
        title: "JSON Web Token committed",
        domain: Domain::Secrets,
        severity: Severity::Low,
        rationale: "A committed JWT with real claims is a bearer credential until it expires \
                    (some never do), and its claims reveal issuers, audiences and identities.",
        remediation: "Remove the token; generate test tokens at test time with a throwaway key, \
                      and make sure the issuer did not accept it (revoke the session or rotate \
                      the signing key if it was long-lived).",
        references: &["checkov:CKV_SECRET_9", "trivy:jwt-token", "gitleaks:jwt"],
    },
    check: check_jwts,
};

// ---------------------------------------------------------------- shared helpers

/// Files scanned for secrets: text files outside `.paved/` and outside the
/// `secret_allow_paths` globs.
fn scanned<'a>(ctx: &'a CheckCtx<'_>) -> Vec<(&'a SourceFile, &'a str)> {
    let allow = allow_set(&ctx.params.strings("secret_allow_paths", &[]));
    ctx.repo
        .files()
        .iter()
        .filter(|f| {
            let path = f.path_str();
            !path.starts_with(".paved/") && !allow.is_match(&path)
        })
        .filter_map(|f| f.text.as_deref().map(|t| (f, t)))
        .collect()
}

fn allow_set(globs: &[String]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        // Profiles are validated when loaded; a glob that still fails to compile is skipped.
        if let Ok(glob) = GlobBuilder::new(g).literal_separator(true).build() {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

/// Lock and checksum files: full of hashes, never the place for a credential assignment.
fn is_lockfile(name: &str) -> bool {
    name.ends_with(".lock")
        || matches!(
            name,
            "package-lock.json" | "npm-shrinkwrap.json" | "pnpm-lock.yaml" | "go.sum"
        )
}

/// 1-based line of a byte offset.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    fn line_of(&self, offset: usize) -> u32 {
        let idx = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(idx).unwrap_or(u32::MAX)
    }

    /// Byte range of lines `[from, to]` (1-based, clamped).
    fn span(&self, text: &str, from: u32, to: u32) -> std::ops::Range<usize> {
        let from = (from.max(1) as usize - 1).min(self.starts.len() - 1);
        let to = (to as usize).min(self.starts.len());
        let start = self.starts[from];
        let end = self.starts.get(to).copied().unwrap_or(text.len());
        start..end.max(start)
    }
}

/// The first four characters and the length: enough to find it, not enough to use it.
pub(crate) fn mask(secret: &str) -> String {
    let shown: String = secret.chars().take(4).collect();
    format!("{shown}… ({} characters)", secret.chars().count())
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut total = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = f64::from(total);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / total;
            -p * p.log2()
        })
        .sum()
}

const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "xxxx",
    "your_",
    "your-",
    "yourpass",
    "yoursecret",
    "yourtoken",
    "dummy",
    "sample",
    "redacted",
    "replace",
    "insert",
    "fake",
    "todo",
    "****",
    "....",
    "password",
    "secret",
    "notreal",
    "not-a-real",
    "not_a_real",
];

/// Template references and obvious stand-ins, which are not secrets.
fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if ["${", "{{", "$(", "%(", "<", ">", "#{"]
        .iter()
        .any(|m| value.contains(m))
    {
        return true;
    }
    if value.starts_with('$') || value.starts_with('%') || lower.starts_with("env:") {
        return true;
    }
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    // One character repeated (aaaaaaaa, 00000000).
    let mut chars = value.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => true,
    }
}

// ---------------------------------------------------------------- private keys

static PEM_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?)PRIVATE KEY( BLOCK)?-----")
        .unwrap()
});
static PEM_BODY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/]{40,}").unwrap());
static PUTTY_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^PuTTY-User-Key-File-\d+:").unwrap());

/// Names of key files that are only recognisable by name when binary.
fn is_key_store_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(
        lower.as_str(),
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519"
    ) || matches!(ext, "p12" | "pfx" | "jks" | "keystore" | "key" | "ppk")
}

fn check_private_keys(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let allow = allow_set(&ctx.params.strings("secret_allow_paths", &[]));
    for f in ctx.repo.files() {
        let path = f.path_str();
        if f.text.is_none()
            && !path.starts_with(".paved/")
            && !allow.is_match(&path)
            && is_key_store_name(f.file_name())
        {
            out.emit(
                &f.path,
                None,
                "binary key file committed (named like a private key or key store)",
            );
        }
    }
    for (f, text) in scanned(ctx) {
        let lines = Lines::new(text);
        for m in PEM_KEY.captures_iter(text) {
            let whole = m.get(0).map_or(0..0, |g| g.range());
            let tail_end = floor_char_boundary(text, (whole.end + 400).min(text.len()));
            // Documentation shows the header with `...` or nothing as the body: not a key.
            let body = &text[whole.end..tail_end];
            let body = body.find("-----END").map_or(body, |i| &body[..i]);
            if !PEM_BODY.is_match(body) {
                continue;
            }
            let kind = m.get(1).map_or("", |g| g.as_str()).trim();
            let kind = if kind.is_empty() { "PKCS#8" } else { kind };
            out.emit(
                &f.path,
                Some(lines.line_of(whole.start)),
                format!("{kind} private key in PEM form"),
            );
        }
        for m in PUTTY_KEY.find_iter(text) {
            out.emit(
                &f.path,
                Some(lines.line_of(m.start())),
                "PuTTY private key file",
            );
        }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

// ---------------------------------------------------------------- AWS

static AWS_KEY_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b").unwrap());
static AWS_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)").unwrap()
});

fn looks_like_aws_secret(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(|b| b.is_ascii_digit())
        && entropy(s) >= 4.0
        && !is_placeholder(s)
}

fn check_aws_keys(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (f, text) in scanned(ctx) {
        let mut lines: Option<Lines> = None;
        for m in AWS_KEY_ID.find_iter(text) {
            let id = m.as_str();
            if is_placeholder(id) || entropy(&id[4..]) < 2.5 {
                continue;
            }
            let lines = lines.get_or_insert_with(|| Lines::new(text));
            let line = lines.line_of(m.start());
            let window = lines.span(text, line.saturating_sub(3), line.saturating_add(3));
            let secret_line = AWS_SECRET
                .captures_iter(&text[window.clone()])
                .filter_map(|c| c.get(1))
                .find(|s| looks_like_aws_secret(s.as_str()))
                .map(|s| lines.line_of(window.start + s.start()));
            let message = match secret_line {
                Some(l) => format!(
                    "AWS access key id {} with what looks like its secret access key on line {l}",
                    mask(id)
                ),
                None => format!("AWS access key id {}", mask(id)),
            };
            out.emit(&f.path, Some(line), message);
        }
    }
}

// ---------------------------------------------------------------- service tokens

static SERVICE_TOKENS: LazyLock<Vec<(&'static str, usize, Regex)>> = LazyLock::new(|| {
    // (what, length of the fixed prefix, pattern)
    [
        ("GitHub token", 4, r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"),
        (
            "GitHub fine-grained token",
            11,
            r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b",
        ),
        (
            "GitLab personal access token",
            6,
            r"\bglpat-[A-Za-z0-9_-]{20,}",
        ),
        ("Slack token", 5, r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
        ("Google API key", 4, r"\bAIza[0-9A-Za-z_-]{35}"),
        ("Stripe live key", 8, r"\b[rs]k_live_[0-9A-Za-z]{24,}"),
    ]
    .into_iter()
    .map(|(what, prefix, re)| (what, prefix, Regex::new(re).unwrap()))
    .collect()
});

/// Whether `s` contains any provider token, AWS key id or JWT: those have their own rules.
fn is_known_token(s: &str) -> bool {
    SERVICE_TOKENS.iter().any(|(_, _, re)| re.is_match(s))
        || AWS_KEY_ID.is_match(s)
        || JWT_TOKEN.is_match(s)
}

fn check_service_tokens(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (f, text) in scanned(ctx) {
        let mut lines: Option<Lines> = None;
        for (what, prefix, re) in SERVICE_TOKENS.iter() {
            for m in re.find_iter(text) {
                let token = m.as_str();
                let body = token.get(*prefix..).unwrap_or("");
                if is_placeholder(token) || entropy(body) < 3.0 {
                    continue;
                }
                let lines = lines.get_or_insert_with(|| Lines::new(text));
                out.emit(
                    &f.path,
                    Some(lines.line_of(m.start())),
                    format!("{what} {}", mask(token)),
                );
            }
        }
    }
}

// ---------------------------------------------------------------- generic credentials

/// Key names that hold credentials.
const KEY_WORDS: &str = r"password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?";

static QUOTED_ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?i)([A-Za-z0-9_.-]*(?:{KEY_WORDS})[A-Za-z0-9_.-]*)["']?(?:\s*:\s*&(?:'static\s+)?str)?\s*(?::=|=>|=|:)\s*(?:[br]#?)?["'`]([^"'`\s\\]{{8,200}})["'`]"#
    ))
    .unwrap()
});

static UNQUOTED_ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?im)^[ \t]*(?:export[ \t]+)?([A-Za-z0-9_.-]*(?:{KEY_WORDS})[A-Za-z0-9_.-]*)[ \t]*[:=][ \t]*([^\s"'`]{{8,200}})(?:[ \t]+#.*)?[ \t]*$"#
    ))
    .unwrap()
});

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
    // Dotted names: `config.db.password`, `tuple.0.0`, host names.
    if DOTTED_NAME.is_match(value) {
        return false;
    }
    entropy(value) >= entropy_threshold(value.len())
}

fn check_generic_credentials(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (f, text) in scanned(ctx) {
        if is_lockfile(f.file_name()) {
            continue;
        }
        let mut lines: Option<Lines> = None;
        let mut seen_lines = Vec::new();
        let mut scan = |re: &Regex, out: &mut Emitter<'_>| {
            for c in re.captures_iter(text) {
                let (Some(key), Some(value)) = (c.get(1), c.get(2)) else {
                    continue;
                };
                if is_reference_key(key.as_str()) || !is_credential_value(value.as_str()) {
                    continue;
                }
                let lines = lines.get_or_insert_with(|| Lines::new(text));
                let line = lines.line_of(value.start());
                if seen_lines.contains(&line) {
                    continue;
                }
                seen_lines.push(line);
                out.emit(
                    &f.path,
                    Some(line),
                    format!(
                        "`{}` is assigned a literal that looks like a credential: {}",
                        truncate_key(key.as_str()),
                        mask(value.as_str())
                    ),
                );
            }
        };
        scan(&QUOTED_ASSIGNMENT, out);
        if unquoted_values_are_strings(f) {
            scan(&UNQUOTED_ASSIGNMENT, out);
        }
    }
}

fn truncate_key(key: &str) -> String {
    if key.chars().count() <= 60 {
        key.to_owned()
    } else {
        key.chars().take(60).chain(['…']).collect()
    }
}

// ---------------------------------------------------------------- JWT

static JWT_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\beyJ[A-Za-z0-9_-]{8,}\.(eyJ[A-Za-z0-9_-]{8,})\.[A-Za-z0-9_-]{16,}").unwrap()
});

/// Decodes unpadded base64url; `None` on any invalid character.
fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Whether a JWT payload carries real-looking claims (and is not the jwt.io sample).
fn real_jwt_payload(payload: &str) -> bool {
    let Some(bytes) = base64url_decode(payload) else {
        return false;
    };
    let Ok(serde_json::Value::Object(claims)) = serde_json::from_slice::<serde_json::Value>(&bytes)
    else {
        return false;
    };
    let has_claims = ["iss", "sub", "aud", "exp", "iat", "azp", "email"]
        .iter()
        .any(|k| claims.contains_key(*k));
    let sample = claims.get("sub").and_then(|v| v.as_str()) == Some("1234567890");
    let placeholder = claims
        .values()
        .filter_map(|v| v.as_str())
        .any(is_placeholder_claim);
    has_claims && !sample && !placeholder
}

fn is_placeholder_claim(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    lower.contains("example") || lower.contains("test") || lower.contains("dummy")
}

fn check_jwts(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (f, text) in scanned(ctx) {
        if is_lockfile(f.file_name()) {
            continue;
        }
        let mut lines: Option<Lines> = None;
        for c in JWT_TOKEN.captures_iter(text) {
            let (Some(whole), Some(payload)) = (c.get(0), c.get(1)) else {
                continue;
            };
            if !real_jwt_payload(payload.as_str()) {
                continue;
            }
            let lines = lines.get_or_insert_with(|| Lines::new(text));
            out.emit(
                &f.path,
                Some(lines.line_of(whole.start())),
                format!(
                    "JSON Web Token with real-looking claims {}",
                    mask(whole.as_str())
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guardrails::{check_all, Hit, Params, RepoModel};
    use std::path::PathBuf;

    // Test secrets are assembled at run time so this source file never contains one.
    fn github_token() -> String {
        format!("{}_{}", "ghp", "R7kq2Lz9Xw4Tn8Vb3Mc6Pd1Hs5Jf0Ga2Ye7Ui")
    }
    fn aws_id() -> String {
        format!("{}{}", "AKIA", "Q3EGRTYU5JKLMN2P")
    }
    fn aws_secret() -> String {
        format!("{}{}", "wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYzq8Lm3Nt4V")
    }
    fn pem_key(kind: &str) -> String {
        let body = "MIIEowIBAAKCAQEA7v3Qm0JrFQ9sZk2xWcN1aTfLgH8pRy4UoVbXeCdKiMnOjPqS";
        format!(
            "-----BEGIN {kind}PRIVATE KEY-----\n{body}\n{body}\n-----END {kind}PRIVATE KEY-----\n"
        )
    }
    fn jwt(payload: &str) -> String {
        let enc = |s: &str| -> String {
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let bytes = s.as_bytes();
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b))
                    << (8 * (3 - chunk.len()));
                for i in 0..=chunk.len() {
                    out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        };
        format!(
            "{}.{}.{}",
            enc(r#"{"alg":"RS256","typ":"JWT"}"#),
            enc(payload),
            "Qm9ndXNTaWduYXR1cmVCeXRlc0hlcmUx"
        )
    }

    fn run(rule: &Rule, files: &[(&str, &str)]) -> Vec<Hit> {
        check_all(&RepoModel::from_memory(files), &Params::default(), [rule])
    }

    fn all_text(hits: &[Hit]) -> String {
        hits.iter().map(|h| format!("{h:?}\n")).collect()
    }

    #[test]
    fn masks_all_but_four_characters() {
        assert_eq!(mask("ghp_abcdefgh"), "ghp_… (12 characters)");
        assert_eq!(mask("ab"), "ab… (2 characters)");
    }

    #[test]
    fn private_keys() {
        let rsa = pem_key("RSA ");
        let pkcs8 = pem_key("");
        let putty = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n";
        let doc = format!("Paste your key:\n-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\nlet id = \"{}\";\n", "Qm9ndXNTaWduYXR1cmVCeXRlc0hlcmUxQm9ndXNTaWduYXR1cmVC");
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB...\n";
        let src = format!(
            "const KEY: &str = \"{}\";",
            pem_key("EC ").replace('\n', "\\n")
        );
        let files = [
            ("deploy/tls.key", rsa.as_str()),
            ("a/b.pem", &format!("intro\n{pkcs8}")),
            ("me.ppk", putty),
            ("docs/keys.md", doc.as_str()),
            ("ca.pem", cert),
            ("src/keys.rs", src.as_str()),
        ];
        let hits = run(&PRIVATE_KEY, &files);
        let got: Vec<_> = hits
            .iter()
            .map(|h| (h.file.to_string_lossy().into_owned(), h.line))
            .collect();
        assert_eq!(
            got,
            [
                ("deploy/tls.key".to_owned(), Some(1)),
                ("a/b.pem".to_owned(), Some(2)),
                ("me.ppk".to_owned(), Some(1)),
                ("src/keys.rs".to_owned(), Some(1)),
            ],
            "{}",
            all_text(&hits)
        );
        assert!(hits[0].message.starts_with("RSA private key"));
        assert!(!all_text(&hits).contains("MIIE"));
    }

    #[test]
    fn binary_key_stores_by_name() {
        let mut files = vec![SourceFile::in_memory("README.md", "hi")];
        for (path, text) in [
            ("certs/app.p12", None),
            ("keys/id_rsa", None),
            ("logo.png", None),
            ("id_rsa.pub", Some("ssh-rsa AAAA")),
        ] {
            files.push(SourceFile {
                path: PathBuf::from(path),
                size: 10,
                executable: false,
                text: text.map(str::to_owned),
            });
        }
        let model = RepoModel::new(
            PathBuf::from("."),
            crate::guardrails::model::Model::build(files),
            None,
            Default::default(),
        );
        let hits = check_all(&model, &Params::default(), [&PRIVATE_KEY]);
        let files: Vec<_> = hits
            .iter()
            .map(|h| h.file.to_string_lossy().into_owned())
            .collect();
        assert_eq!(files, ["certs/app.p12", "keys/id_rsa"]);
    }

    #[test]
    fn allow_paths_and_paved_dir_are_skipped() {
        let key = pem_key("OPENSSH ");
        let files = [
            ("tests/fixtures/keys/a.pem", key.as_str()),
            (".paved/answers.toml", key.as_str()),
            ("tests/other.pem", key.as_str()),
        ];
        let table: toml::Table =
            toml::from_str("secret_allow_paths = [\"tests/fixtures/**\"]").unwrap();
        let hits = check_all(
            &RepoModel::from_memory(&files),
            &Params::new(table),
            [&PRIVATE_KEY],
        );
        let files: Vec<_> = hits
            .iter()
            .map(|h| h.file.to_string_lossy().into_owned())
            .collect();
        assert_eq!(files, ["tests/other.pem"]);
    }

    #[test]
    fn aws_keys() {
        let near = format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            aws_id(),
            aws_secret()
        );
        let alone = format!("key: {}\n", aws_id());
        let docs = format!("{}EXAMPLE\n", "AKIAIOSFODNN7");
        let files = [
            ("creds", near.as_str()),
            ("b.yml", alone.as_str()),
            ("c.md", docs.as_str()),
        ];
        let hits = run(&AWS_ACCESS_KEY, &files);
        assert_eq!(hits.len(), 2, "{}", all_text(&hits));
        assert_eq!(hits[0].line, Some(2));
        assert!(
            hits[0].message.contains("secret access key on line 3"),
            "{}",
            hits[0].message
        );
        assert!(!hits[1].message.contains("secret"));
        assert!(!all_text(&hits).contains(&aws_id()[4..]));
    }

    #[test]
    fn service_tokens() {
        let gh = github_token();
        let gl = format!("{}-{}", "glpat", "x7Kd93LmQz0Rt5Vw2Nb8");
        let slack = format!("{}-{}", "xoxb", "2981734-5529173-Tq8Wz3Lk0PmN");
        let google = format!("{}{}", "AIza", "SyD8x-4Km2Qp9Lz7Tw3Vb6Nc1Hj5Rf0Gd2Y");
        let stripe = format!("{}_{}", "sk_live", "4eC39HqLyjWDarjtT1zdp7dc");
        let placeholder = format!("{}_{}", "ghp", "x".repeat(36));
        let text = format!("a={gh}\nb={gl}\nc={slack}\nd={google}\ne={stripe}\nf={placeholder}\n");
        let hits = run(&SERVICE_TOKEN, &[("config.txt", text.as_str())]);
        let mut lines: Vec<_> = hits.iter().filter_map(|h| h.line).collect();
        lines.sort();
        assert_eq!(lines, [1, 2, 3, 4, 5], "{}", all_text(&hits));
        assert!(!all_text(&hits).contains(&gh[4..]));
        assert!(run(
            &SERVICE_TOKEN,
            &[("README.md", "tokens start with ghp_ or glpat-")]
        )
        .is_empty());
    }

    #[test]
    fn generic_credentials() {
        let q = '"';
        let text = [
            format!("password = {q}Zx9-qT4_pL2wRb{q}"),
            format!("DB_PASSWORD = {q}${{DB_PASSWORD}}{q}"),
            format!("api_key: {q}changeme-please{q}"),
            format!("token_url = {q}https://idp.acme.io/token{q}"),
            format!("secret = {q}MY_SECRET_NAME{q}"),
            format!("const API_TOKEN: &str = {q}h7Gd2kLq9ZpX4vN1{q};"),
            format!("if token == {q}Kd83hs92Lq0z{q} {{}}"),
            format!("{q}client_secret{q}: {q}e3Fz9Qm2Lx7Wv4Rt{q},"),
            format!("let token = {q}{}{q};", github_token()),
            format!("let mut tokens = {q}tuple.0.0{q}.parse();"),
            format!("password: {q}db.internal.acme-corp.net{q}"),
        ]
        .join("\n");
        let hits = run(&GENERIC_CREDENTIAL, &[("src/config.rs", text.as_str())]);
        let lines: Vec<_> = hits.iter().filter_map(|h| h.line).collect();
        assert_eq!(lines, [1, 6, 8], "{}", all_text(&hits));
        assert!(hits[0].message.contains("Zx9-…"));
        assert!(!all_text(&hits).contains("qT4_pL2w"));
    }

    #[test]
    fn generic_credentials_in_config_files() {
        let yaml = "db:\n  password: Hq8zL3mX0pWt # rotated yearly\n  password_file: /run/secrets/db\n  token: ${{ secrets.TOKEN }}\n";
        let hits = run(&GENERIC_CREDENTIAL, &[("deploy/values.yaml", yaml)]);
        assert_eq!(
            hits.iter().map(|h| h.line).collect::<Vec<_>>(),
            [Some(2)],
            "{}",
            all_text(&hits)
        );
        let env = "export AWS_SECRET_ACCESS_KEY=9fKq2LmZx8Wt4Rv7Np1B\nAPI_KEY=your-api-key\nSECRET=#a9Kq#2Lm\n";
        let hits = run(&GENERIC_CREDENTIAL, &[(".env.local", env)]);
        assert_eq!(
            hits.iter().map(|h| h.line).collect::<Vec<_>>(),
            [Some(1), Some(3)]
        );
        // Unquoted values in source code are expressions, not literals.
        let rs = "let password = Hq8zL3mX0pWt;\n";
        assert!(run(&GENERIC_CREDENTIAL, &[("src/a.rs", rs)]).is_empty());
        assert!(run(
            &GENERIC_CREDENTIAL,
            &[("Cargo.lock", "token = \"Hq8zL3mX0pWtQ\"")]
        )
        .is_empty());
    }

    #[test]
    fn jwts() {
        let real = jwt(r#"{"iss":"https://login.acme.io","sub":"u-81723","exp":1893456000}"#);
        let sample = jwt(r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#);
        let no_claims = jwt(r#"{"hello":"world"}"#);
        let text = format!("a: {real}\nb: {sample}\nc: {no_claims}\n");
        let hits = run(&JWT, &[("fixtures.yml", text.as_str())]);
        assert_eq!(hits.len(), 1, "{}", all_text(&hits));
        assert_eq!(hits[0].line, Some(1));
        assert!(hits[0].message.contains("eyJh…"));
        // A JWT is not also reported as a generic credential.
        let assigned = format!("token = \"{real}\"");
        assert!(run(&GENERIC_CREDENTIAL, &[("a.py", assigned.as_str())]).is_empty());
    }

    #[test]
    fn hostile_text_does_not_panic() {
        let long = "a".repeat(100_000);
        let texts = [
            "-----BEGIN RSA PRIVATE KEY-----é".to_owned(),
            format!("password = \"{long}\""),
            format!("{}{}", "eyJ", "é".repeat(50)),
            "\u{0}\u{ffff}token=\u{1F600}\u{1F600}\u{1F600}\u{1F600}".to_owned(),
        ];
        for t in &texts {
            let files = [("x.yaml", t.as_str())];
            let model = RepoModel::from_memory(&files);
            let _ = check_all(&model, &Params::default(), super::super::RULES);
        }
        assert!(base64url_decode("a\u{e9}").is_none());
    }
}
