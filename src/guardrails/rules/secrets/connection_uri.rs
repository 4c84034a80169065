use std::sync::LazyLock;

use paved_model::pattern::folds_into_ascii;
use paved_model::secrets::{is_placeholder, is_stand_in, mask};
use regex::Regex;

use super::scan::{scanned, PerValue, SecretParams};
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Connection URI with an embedded password
    ///
    /// ## Why it matters
    /// A URI of the form `scheme://user:password@host/db` hands the database password to
    /// everyone who reads the file, and the URI travels further than the password
    /// alone would: into logs, error messages, crash reports and container images.
    ///
    /// ## How to fix it
    /// Keep the URI without its password and supply the password separately at run
    /// time (an environment variable from a Kubernetes Secret or a secret manager), or
    /// build the URI from parts at start-up; rotate the password that was committed.
    ///
    /// ## Example
    /// ```yaml
    /// # flagged: the password is part of the URI
    /// DATABASE_URL: postgresql://app:Tr0ub4dor-and-3@db.internal:5432/app
    /// ```
    /// ```yaml
    /// DATABASE_URL: postgresql://app@db.internal:5432/app
    /// PGPASSWORD:
    ///   valueFrom: {secretKeyRef: {name: db, key: password}}
    /// ```
    pub struct ConnectionUri {
        id: "PVD-SECRET-007",
        severity: High,
        references: ["gitleaks:generic-api-key", "trivy:generic-credential"],
        params: SecretParams,
    }
}

/// `scheme://user:password@host` for the schemes of databases, caches, brokers and
/// directories; the user may be empty (`redis://:password@host`).
static URI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(postgres(?:ql)?|mysql|mariadb|mssql|sqlserver|oracle|mongodb(?:\+srv)?|redis|rediss|amqps?|nats|kafka|ldaps?|smtps?|ftp|sftp|clickhouse|cockroachdb|neo4j(?:\+s)?|couchdb)://([^\s:/@'"`<>{}()\[\]]*):([^\s@/'"`<>{}()\[\]]+)@([A-Za-z0-9_.-]+)"#,
    )
    .unwrap()
});

/// The schemes of [`URI`], lower-case.
const SCHEMES: [&str; 26] = [
    "postgres", "postgresql", "mysql", "mariadb", "mssql", "sqlserver", "oracle", "mongodb",
    "mongodb+srv", "redis", "rediss", "amqp", "amqps", "nats", "kafka", "ldap", "ldaps", "smtp",
    "smtps", "ftp", "sftp", "clickhouse", "cockroachdb", "neo4j", "neo4j+s", "couchdb",
];

/// Whether `text` may hold a match of [`URI`]: a `://` right after one of its schemes
/// (in some ASCII case) and followed by `user:password@` and a host character, or a
/// character that folds into ASCII under `(?i)`. Most files hold no such URI (a URL
/// has another scheme or no password), and then the pattern is neither compiled nor
/// run. The credentials are looked at first: a URL's host usually ends at the next
/// `/` or blank, and a lock file's hundreds of `registry+https://` are ruled out
/// there without comparing 26 schemes.
fn may_hold_uri(text: &str) -> bool {
    let bytes = text.as_bytes();
    folds_into_ascii(text)
        || memchr::memmem::find_iter(bytes, b"://").any(|at| {
            let before = &bytes[..at];
            credentials_follow(&bytes[at + 3..])
                && SCHEMES.iter().any(|s| {
                    before.len() >= s.len()
                        && before[at - s.len()..].eq_ignore_ascii_case(s.as_bytes())
                })
        })
}

/// Whether `rest` (what follows `://`) starts the way [`URI`] needs: a user (maybe
/// empty), `:`, a password, `@` and a host character. Each run ends at the first ASCII
/// character its class in the pattern excludes; a non-ASCII character is passed over
/// (the pattern may exclude it, as Unicode whitespace, but then it would not match
/// either), so this never rules out a text the pattern matches.
fn credentials_follow(rest: &[u8]) -> bool {
    let ends_run = |b: u8, extra: u8| {
        b.is_ascii_whitespace()
            || b == 0x0B
            || b == extra
            || matches!(b, b'/' | b'@' | b'\'' | b'"' | b'`' | b'<' | b'>' | b'{' | b'}' | b'(' | b')' | b'[' | b']')
    };
    let user_end = rest.iter().position(|&b| ends_run(b, b':')).unwrap_or(rest.len());
    if rest.get(user_end) != Some(&b':') {
        return false;
    }
    let password = &rest[user_end + 1..];
    let password_end = password
        .iter()
        .position(|&b| ends_run(b, b'@'))
        .unwrap_or(password.len());
    password_end > 0
        && password.get(password_end) == Some(&b'@')
        && password
            .get(password_end + 1)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Hosts of examples and local development, whose passwords are not secrets.
fn is_local_or_example_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    matches!(host.as_str(), "localhost" | "127.0.0.1" | "0.0.0.0" | "host" | "hostname" | "server")
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.ends_with(".test")
        || host.ends_with(".example")
        || host.ends_with(".invalid")
        || host.contains("example.")
}

/// Passwords of documentation and local development (`user:pass`, `guest:guest`).
fn is_stand_in_password(user: &str, password: &str) -> bool {
    let lower = password.to_ascii_lowercase();
    lower == user.to_ascii_lowercase()
        || password.starts_with('$')
        || password.contains('*')
        || password.contains('%')
        || is_stand_in(password)
        || is_placeholder(password) && lower.len() <= 12
        || matches!(
            lower.as_str(),
            "pass" | "passwd" | "pwd" | "pw" | "root" | "admin" | "guest" | "test" | "user"
                | "postgres" | "mysql" | "redis" | "mongo" | "rabbitmq" | "dev" | "local"
                | "default" | "foo" | "bar" | "foobar" | "123456" | "12345678"
        )
}

impl Check for ConnectionUri {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for s in scanned(cx) {
            let (f, text) = (s.file, s.text);
            let mut found = PerValue::new(f, text);
            // Every match holds `://` (which `(?i)` folds from nothing else).
            let uris = (s.holds("://") && may_hold_uri(text)).then(|| URI.captures_iter(text));
            for c in uris.into_iter().flatten() {
                let (Some(scheme), Some(user), Some(password), Some(host)) =
                    (c.get(1), c.get(2), c.get(3), c.get(4))
                else {
                    continue;
                };
                let (user, password, host) = (user.as_str(), password.as_str(), host.as_str());
                if is_local_or_example_host(host) || is_stand_in_password(user, password) {
                    continue;
                }
                let who = if user.is_empty() {
                    String::new()
                } else {
                    format!(" of `{user}`")
                };
                found.add(password, c.get(0).map_or(0, |m| m.start()), || {
                    format!(
                        "`{}` connection URI to {host} carries the password{who}: {}",
                        scheme.as_str().to_ascii_lowercase(),
                        mask(password)
                    )
                });
            }
            found.emit(out);
        }
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::guardrails::gate_samples::texts;

    /// A text [`may_hold_uri`] rules out holds no match, and every scheme of the
    /// pattern is in [`SCHEMES`].
    #[test]
    fn the_scheme_check_keeps_every_match() {
        let texts = texts(&[
            "DATABASE_URL=postgresql://app:s3cr3t@db.internal/app",
            "MONGODB+SRV://u:p4ss@cluster0.mongodb.net",
            "x neo4j+s://:pw@graph.io",
            "rediss://:pw@cache",
            "\u{17F}mtp://u:pw@mail",
            "https://u:pw@host",
            "ftp://issuer.example/jwks.json",
            "redis://cache:6379/0",
            "postgres://u:@host",
            "postgres://u:p@ host",
            "postgres://u:p\u{a0}q@host",
            "postgres://u\u{2003}:p@host",
            "mysql://u:p\x0b@host",
            "amqp://:p:q@h",
        ]);
        let mut matched = 0;
        for t in &texts {
            let n = URI.captures_iter(t).count();
            assert!(n == 0 || may_hold_uri(t), "{t:?}");
            matched += n;
        }
        assert!(matched >= 6, "{matched}");
        assert!(!may_hold_uri("ftp://issuer.example/jwks.json redis://cache:6379/0"));
        for scheme in SCHEMES {
            let t = format!("{} {scheme}://u:pw@host", scheme.to_ascii_uppercase());
            assert!(URI.is_match(&t) && may_hold_uri(&t), "{scheme}");
        }
    }
}
