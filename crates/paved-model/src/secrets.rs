//! What text that may hold a credential looks like: provider token shapes, the
//! entropy and placeholder tests that tell a real value from a stand-in, the public
//! keys of analytics SDKs (which are not credentials), masking, and the line of a byte
//! offset. The secret rules share these; each rule keeps only its own patterns.

use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::pattern::Gated;
use crate::Location;

/// The 1-based line of a byte offset in one text, computed once per text.
pub struct TextLines {
    starts: Vec<usize>,
}

impl TextLines {
    pub fn new(text: &str) -> TextLines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        TextLines { starts }
    }

    /// 1-based line of `offset`.
    pub fn line_of(&self, offset: usize) -> u32 {
        let idx = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(idx).unwrap_or(u32::MAX)
    }

    /// Where a match at `offset` of `file` points.
    pub fn at<'a>(&self, file: &'a Path, offset: usize) -> Location<'a> {
        Location {
            file,
            line: Some(self.line_of(offset)),
        }
    }

    /// Byte range of lines `[from, to]` (1-based, clamped).
    pub fn span(&self, text: &str, from: u32, to: u32) -> Range<usize> {
        let from = (from.max(1) as usize - 1).min(self.starts.len() - 1);
        let to = (to as usize).min(self.starts.len());
        let start = self.starts[from];
        let end = self.starts.get(to).copied().unwrap_or(text.len());
        start..end.max(start)
    }
}

/// The first four characters and the length: enough to find it, not enough to use it.
pub fn mask(secret: &str) -> String {
    let shown: String = secret.chars().take(4).collect();
    format!("{shown}… ({} characters)", secret.chars().count())
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
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

/// Words whose presence anywhere in a value marks it as a stand-in.
const STAND_IN_WORDS: &[&str] = &[
    "example",
    "changeme",
    "change_me",
    "change-me",
    "please_change",
    "please-change",
    "pleasechange",
    "insecure",
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
    "fixme",
    "notreal",
    "not-a-real",
    "not_a_real",
];

/// Template references and obvious stand-ins, which are not secrets. Values that
/// merely contain `password` or `secret` count as stand-ins too (`my-secret`,
/// `password123` in a README); see [`is_stand_in`] for the narrower test.
pub fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    is_stand_in(value) || lower.contains("password") || lower.contains("secret")
}

/// [`is_placeholder`] without the `password`/`secret` words: for values assigned to
/// a key that already says it holds a password, where `MySecretPass1` is a password.
pub fn is_stand_in(value: &str) -> bool {
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
    if STAND_IN_WORDS.iter().any(|w| lower.contains(w)) || encodes_stand_in(value) {
        return true;
    }
    if matches!(
        lower.as_str(),
        "xxx" | "password" | "secret" | "none" | "null" | "nil" | "true" | "false" | "tbd"
            // the metasyntactic words of examples (sealed-secrets' docs Secret)
            | "foo" | "bar" | "baz" | "qux" | "quux" | "foobar"
    ) {
        return true;
    }
    // One character repeated (aaaaaaaa, 00000000); a single character (`A=1`) is a value.
    let mut chars = value.chars();
    match chars.next() {
        Some(first) => value.len() >= 3 && chars.all(|c| c == first),
        None => true,
    }
}

/// Whether a base64 run of the value decodes to text that is itself a stand-in: the
/// Standard Webhooks example secret `v1,whsec_VGhpcyBpcyBhbiBleGFtcGxl…` (supabase's
/// compose file) is "This is an example of a shorter Base64 string". A random key
/// never decodes to printable text, let alone to one that says it is an example.
fn encodes_stand_in(value: &str) -> bool {
    if value.len() < 16 {
        return false;
    }
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_');
    value
        .split(|c: char| !is_b64(c))
        // A prefix such as `whsec_` runs into the encoded part; try after each `_`.
        .flat_map(|run| {
            std::iter::once(run).chain(run.match_indices('_').map(move |(i, _)| &run[i + 1..]))
        })
        .filter(|run| run.len() >= 16)
        .any(|run| {
            base64_decode(run)
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .is_some_and(|text| {
                    let lower = text.to_ascii_lowercase();
                    text.chars().all(|c| c == ' ' || c.is_ascii_graphic())
                        && STAND_IN_WORDS.iter().any(|w| lower.contains(w))
                })
        })
}

/// Lock and checksum files: full of hashes, never the place for a credential assignment.
pub fn is_lockfile(name: &str) -> bool {
    name.ends_with(".lock")
        || matches!(
            name,
            "package-lock.json" | "npm-shrinkwrap.json" | "pnpm-lock.yaml" | "go.sum"
        )
}

// ---------------------------------------------------------------- token shapes

/// An AWS access key id (long-lived `AKIA…` or temporary `ASIA…`).
pub static AWS_KEY_ID: Gated = Gated::new(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", &["AKIA", "ASIA"]);

/// A 40-character run that may be an AWS secret access key (group 1). Searched only
/// near an AWS access key id, so compiled only where one is found.
pub static AWS_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    // `=` may precede it (`KEY=…` in shell and env files) but not follow it (base64 padding).
    Regex::new(r"(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)").expect("aws secret")
});

/// Whether a 40-character run has the mix and randomness of an AWS secret key.
pub fn looks_like_aws_secret(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(|b| b.is_ascii_digit())
        && entropy(s) >= 4.0
        && !is_placeholder(s)
}

/// Provider tokens recognisable by a fixed prefix: (what, prefix length, pattern).
/// Each pattern's needles are its prefix (or the part of it every spelling shares), so
/// a file without one never compiles it; one needle is searched with `memmem`.
pub static SERVICE_TOKENS: [(&str, usize, Gated); 6] = [
    (
        "GitHub token",
        4,
        Gated::new(
            r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b",
            &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        ),
    ),
    (
        "GitHub fine-grained token",
        11,
        Gated::new(r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b", &["github_pat_"]),
    ),
    (
        "GitLab personal access token",
        6,
        Gated::new(r"\bglpat-[A-Za-z0-9_-]{20,}", &["glpat-"]),
    ),
    (
        "Slack token",
        5,
        Gated::new(r"\bxox[baprs]-[A-Za-z0-9-]{10,}", &["xox"]),
    ),
    (
        "Google API key",
        4,
        Gated::new(r"\bAIza[0-9A-Za-z_-]{35}", &["AIza"]),
    ),
    (
        "Stripe live key",
        8,
        Gated::new(r"\b[rs]k_live_[0-9A-Za-z]{24,}", &["k_live_"]),
    ),
];

/// A JSON Web Token; group 1 is the payload.
pub static JWT_TOKEN: Gated = Gated::new(
    r"\beyJ[A-Za-z0-9_-]{8,}\.(eyJ[A-Za-z0-9_-]{8,})\.[A-Za-z0-9_-]{16,}",
    &["eyJ"],
);

/// Whether `s` contains any provider token, AWS key id or JWT: those have their own rules.
pub fn is_known_token(s: &str) -> bool {
    SERVICE_TOKENS.iter().any(|(_, _, re)| re.is_match(s))
        || AWS_KEY_ID.is_match(s)
        || JWT_TOKEN.is_match(s)
}

/// Decodes base64 in either alphabet (standard or URL-safe), padded or not; `None` on
/// any other character. Whitespace is skipped (PEM-style wrapped values).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
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
            b' ' | b'\n' | b'\r' | b'\t' => continue,
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

// ---------------------------------------------------------------- public client keys

/// Key names under which analytics and error-reporting SDKs keep the key they send
/// with every event. Those keys ship inside every web page and mobile app that uses
/// them; they can only add events, not read data, so they are not credentials.
const PUBLIC_KEY_NAMES: &[&str] = &[
    "writekey",
    "segment",
    "posthog",
    "mixpanel",
    "amplitude",
    "sentry_key",
    "sentrykey",
    "sentry_dsn",
    "measurement_id",
    "measurementid",
    "tracking_id",
    "trackingid",
    "publishable",
    "public_key",
    "publickey",
    "project_token",
    "projecttoken",
    "client_token",
    "clienttoken",
    "rum_token",
    "browser_key",
];

/// Hosts that receive analytics or error events keyed by those public keys, and the
/// SDK calls that take them.
const INGESTION_HOSTS: &[&str] = &[
    "analytics.load(",
    "posthog.init(",
    "mixpanel.init(",
    "amplitude.init(",
    "amplitude.getInstance()",
    "Sentry.init(",
    "gtag(",
    "api.segment.io",
    "cdn.segment.com",
    "events.eu1.segmentapis.com",
    "api.amplitude.com",
    "api2.amplitude.com",
    "api.eu.amplitude.com",
    "api.mixpanel.com",
    "api-eu.mixpanel.com",
    "posthog.com",
    "ingest.sentry.io",
    "sentry.io/api/",
    "google-analytics.com",
    "googletagmanager.com",
    "browser-intake-datadoghq",
    "rs.fullstory.com",
    "heapanalytics.com",
];

// PostHog project keys, GA4 measurement ids, Universal Analytics property ids,
// Stripe publishable keys.
static PUBLIC_VALUE: Gated = Gated::new(
    r"^(?:phc_[A-Za-z0-9]{20,}|G-[A-Z0-9]{6,12}|UA-\d{4,10}-\d{1,4}|pk_(?:live|test)_[A-Za-z0-9]{10,})$",
    &["phc_", "G-", "UA-", "pk_live_", "pk_test_"],
)
.for_short_texts();

/// Whether `value`, assigned to `key`, is the public key of an analytics or
/// error-reporting SDK (by its name or its shape) rather than a credential.
pub fn is_public_client_key(key: &str, value: &str) -> bool {
    let lower = key.to_ascii_lowercase().replace('-', "_");
    // `segment_client_secret` is a secret of the vendor's API, not the SDK key.
    if ["secret", "password", "private"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return false;
    }
    PUBLIC_KEY_NAMES.iter().any(|n| lower.contains(n)) || PUBLIC_VALUE.is_match(value)
}

/// Whether `text` holds a Firebase web app configuration (`authDomain`,
/// `messagingSenderId`, a `*.firebaseapp.com` host). Its `apiKey` identifies the app
/// to Google and ships in every page that uses it; Firebase documents it as safe to
/// include in code, and restricting it (not rotating it) is what protects it.
pub fn mentions_firebase_web_config(text: &str) -> bool {
    [
        "authDomain",
        "auth_domain",
        "messagingSenderId",
        "messaging_sender_id",
        ".firebaseapp.com",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// Whether `text` names an analytics or error-reporting ingestion host or SDK call.
pub fn mentions_ingestion_host(text: &str) -> bool {
    INGESTION_HOSTS.iter().any(|h| text.contains(h))
}

/// Recorded HTTP interactions replayed by tests (vcrpy, VCR, Polly.JS, Betamax,
/// go-vcr, nock back): what they hold was sent to or by a server during one test run.
pub fn is_http_recording(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [
        "cassettes/",
        "cassette/",
        "vcr_cassettes/",
        "__recordings__/",
        "recordings/",
        "fixtures/vcr",
    ]
    .iter()
    .any(|d| lower.contains(d))
        || lower.ends_with(".har")
}

// ---------------------------------------------------------------- env files

/// Words of an environment variable name that say it holds a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PWD",
    "SECRET",
    "TOKEN",
    "KEY",
    "CREDENTIAL",
    "AUTH",
    "PRIVATE",
    "CERT",
];

/// Words of an environment variable name that say it holds a connection string.
const CONNECTION_WORDS: &[&str] = &["DSN", "URL", "URI", "CONNECTION"];

/// The words of a variable name (`_`, `-` and `.` separate them), upper case and
/// without a plural `S` (`CONNECTIONS`, `API_KEYS`).
fn name_words(key: &str) -> impl Iterator<Item = String> + '_ {
    key.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let upper = w.to_ascii_uppercase();
            match upper.strip_suffix('S') {
                Some(singular) if singular.len() >= 3 => singular.to_owned(),
                _ => upper,
            }
        })
}

/// Whether a name says one of `words`: a word of the name is it, or ends with it as
/// compounds do (`APIKEY`, `DBPASSWORD`, `OAUTH`). Matching whole words keeps
/// `SECURITY` from saying `URI` and `HOURLY` from saying `URL`.
fn name_says(key: &str, words: &[&str]) -> bool {
    name_words(key).any(|word| words.iter().any(|w| word.ends_with(w)))
}

/// Whether an environment variable name says it holds a credential or a connection
/// string (`DB_PASSWORD`, `STRIPE_SECRET_KEY`, `DATABASE_URL`, `SENTRY_DSN`).
pub fn is_sensitive_env_name(key: &str) -> bool {
    name_says(key, CREDENTIAL_WORDS) || name_says(key, CONNECTION_WORDS)
}

/// Whether a dotenv entry holds something to rotate: a credential or a connection
/// string by its name ([`is_sensitive_env_name`]), unless the name says the value is
/// public (`VAPID_PUBLIC_KEY`, `NEXT_PUBLIC_*`, `*_PUBLISHABLE_KEY`; a name that also
/// says `SECRET`, `PASSWORD` or `PRIVATE` stays sensitive) or the value is an endpoint
/// URL with no credentials in it (`VITE_AUTH_SERVER_URL=https://auth.example.com`).
/// A name that only says it is a connection (`*_URL`, `*_CONNECTIONS_MAX`) holds
/// something to rotate only when the value carries a credential: appwrite's
/// development `.env` sets `_APP_CONNECTIONS_CACHE=redis_fra1_01=redis://redis:6379`
/// and `_APP_CONNECTIONS_MAX=251`.
pub fn is_sensitive_env_entry(key: &str, value: &str) -> bool {
    let credential = name_says(key, CREDENTIAL_WORDS);
    if !credential && !name_says(key, CONNECTION_WORDS) {
        return false;
    }
    let upper = key.to_ascii_uppercase();
    let says_secret = name_says(key, &["SECRET", "PASSWORD", "PASSWD", "PRIVATE"]);
    if !says_secret && (upper.contains("PUBLIC") || upper.contains("PUBLISHABLE")) {
        return false;
    }
    if credential {
        !is_plain_url(value)
    } else {
        carries_credential(value)
    }
}

/// Whether a connection string carries a credential: a password (or, as in a Sentry
/// DSN, a key) in a URL's `user:password@`, a key, token or signature in its query
/// string, or a `Password=`/`AccountKey=` pair of an ADO.NET-style string. A
/// stand-in (`user:password@`) is none.
fn carries_credential(value: &str) -> bool {
    if let Some((_, rest)) = value.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            let secret = userinfo.split_once(':').map_or(userinfo, |(_, p)| p);
            if !secret.is_empty() && !is_stand_in(secret) {
                return true;
            }
        }
        return query_has_credential(rest);
    }
    value.split(';').any(|pair| {
        pair.split_once('=').is_some_and(|(name, v)| {
            let name = name.trim().to_ascii_lowercase().replace(' ', "");
            matches!(
                name.as_str(),
                "password" | "pwd" | "accountkey" | "sharedaccesskey" | "accesskey"
            ) && !v.trim().is_empty()
                && !is_stand_in(v.trim())
        })
    })
}

/// `scheme://host/path` with neither `user:password@` nor a key, token or signature
/// in its query string.
fn is_plain_url(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    if !scheme_ok || value.contains(char::is_whitespace) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    !query_has_credential(rest)
}

/// Whether the query string of a URL (given without its `scheme://`) names a key,
/// token, password or signature.
fn query_has_credential(rest: &str) -> bool {
    let query = rest.split_once('?').map(|(_, q)| q.to_ascii_lowercase());
    query.is_some_and(|q| {
        q.split('&').any(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            [
                "token",
                "key",
                "secret",
                "password",
                "passwd",
                "pwd",
                "sig",
                "signature",
                "auth",
                "credential",
            ]
            .iter()
            .any(|w| name.contains(w))
        })
    })
}

/// `KEY=value` lines of a dotenv file that carry a value: not comments, not empty
/// values and not stand-ins (`changeme`, `<your-key>`, `${VAR}`, `xxx`, `example`).
/// Returns (1-based line, key) of each.
pub fn env_values(text: &str) -> Vec<(u32, &str)> {
    env_entries(text)
        .into_iter()
        .map(|(l, k, _)| (l, k))
        .collect()
}

/// [`env_values`] with each value (unquoted, without a trailing ` # comment`).
pub fn env_entries(text: &str) -> Vec<(u32, &str, &str)> {
    let mut out = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = strip_env_comment(value.trim());
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value)
            .trim();
        if value.is_empty() || is_stand_in(value) {
            continue;
        }
        out.push((
            u32::try_from(idx + 1).unwrap_or(u32::MAX),
            key.trim(),
            value,
        ));
    }
    out
}

/// An unquoted value ends at ` #` (dotenv comment syntax).
fn strip_env_comment(value: &str) -> &str {
    if value.starts_with('"') || value.starts_with('\'') {
        return value;
    }
    match value.find(" #").or_else(|| value.find("\t#")) {
        Some(i) => value[..i].trim_end(),
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The needles of every gated pattern are literals its matches contain: gated or
    /// not, each finds the same, on every text (a match of each, near misses, every
    /// file under tests/fixtures and its lines, and every word of those).
    #[test]
    fn gated_token_patterns_find_what_their_regex_finds() {
        use crate::samples::{assert_same_matches, texts};
        let mut texts = texts(&[
            "AKIAIOSFODNN7EXAMPLQ ASIAZ2X3C4V5B6N7M8Q9 akiaIOSFODNN7EXAMPLQ",
            "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5 gho_x ghs_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5b",
            "github_pat_11ABCDEFG0123456789abcdefghijkl glpat-abcdefghij0123456789",
            "xoxb-1234567890-abc xoxa-1 xoxs-abcdefghijkl XOXB-1234567890",
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q sk_live_abcdefghijklmnopqrstuvwx rk_live_0123456789abcdefghijklmn",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnopqrstuvwxyz",
            "phc_abcdefghijklmnopqrstuvwx",
            "G-AB12CD34EF",
            "UA-12345678-1",
            "pk_live_abcdefghijkl",
            "pk_test_abcdefghijkl",
            "\u{e9}ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5 \u{17F}k_live_abcdefghijklmnopqrstuvwx",
            "",
        ]);
        let words: Vec<String> = texts
            .iter()
            .flat_map(|t| t.split_whitespace())
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .map(str::to_owned)
            .collect();
        texts.extend(words);
        let mut gated: Vec<&Gated> = vec![&AWS_KEY_ID, &JWT_TOKEN, &PUBLIC_VALUE];
        gated.extend(SERVICE_TOKENS.iter().map(|(_, _, g)| g));
        let matched: usize = gated.iter().map(|g| assert_same_matches(g, &texts)).sum();
        assert!(matched > 20, "{matched}");
    }

    #[test]
    fn lines_and_masks() {
        let lines = TextLines::new("a\nbb\n\nc");
        assert_eq!(lines.line_of(0), 1);
        assert_eq!(lines.line_of(2), 2);
        assert_eq!(lines.line_of(6), 4);
        assert_eq!(lines.span("a\nbb\n\nc", 2, 3), 2..6);
        assert_eq!(mask("ghp_abcdefgh"), "ghp_… (12 characters)");
        assert!(entropy("aaaa") < 0.1 && entropy("abcd") > 1.9);
    }

    #[test]
    fn placeholders() {
        for v in [
            "${DB}",
            "{{ .Values.x }}",
            "<your-key>",
            "changeme",
            "xxx",
            "XXXX-1",
            "example.com",
            "aaaaaaa",
            "$(cat f)",
            // photoprism's example compose file
            "insecure",
            "please_change",
            // healthchecks' docker/.env
            "fixme-postgres-password",
            // sealed-secrets' docs example Secret
            "foo",
            "baz",
        ] {
            assert!(is_stand_in(v), "{v}");
        }
        for v in ["Hq8zL3mX0pWt", "MySecretPass1", "hunter22", "foobarbaz1"] {
            assert!(!is_stand_in(v), "{v}");
        }
        assert!(is_placeholder("MySecretPass1") && is_placeholder("password123"));
    }

    #[test]
    fn public_client_keys() {
        assert!(is_public_client_key("SEGMENT_WRITE_KEY", "Zx9qT4pL2wRb"));
        assert!(is_public_client_key("writeKey", "Zx9qT4pL2wRb"));
        assert!(is_public_client_key(
            "api_key",
            "phc_Zx9qT4pL2wRbZx9qT4pL2wRb"
        ));
        assert!(is_public_client_key("id", "G-AB12CD34EF"));
        assert!(!is_public_client_key("api_key", "Zx9qT4pL2wRb"));
        assert!(!is_public_client_key(
            "segment_client_secret",
            "Zx9qT4pL2wRb"
        ));
        assert!(mentions_ingestion_host(
            "uri: https://api2.amplitude.com/2/httpapi"
        ));
        assert!(is_http_recording("tests/cassettes/test_track.yaml"));
        assert!(is_http_recording("test/__recordings__/x/recording.har"));
        assert!(!is_http_recording("src/app.py"));
    }

    #[test]
    fn encoded_examples_are_stand_ins() {
        // supabase's docker-compose.yml (a commented-out GoTrue hook secret).
        assert!(is_stand_in(
            "v1,whsec_VGhpcyBpcyBhbiBleGFtcGxlIG9mIGEgc2hvcnRlciBCYXNlNjQgc3RyaW5n"
        ));
        // Random key material stays a value.
        assert!(!is_stand_in("v1,whsec_Zx9qT4pL2wRbK8mN3vC7hJ5dF1gS6aQ0"));
        assert!(!is_stand_in("c3VwZXItcmVhbC1rZXktOTg3NjU0MzIx"));
    }

    #[test]
    fn base64_either_alphabet() {
        assert_eq!(base64_decode("aGk=").unwrap(), b"hi");
        assert_eq!(base64_decode("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64_decode("+/8").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64_decode("aG\nk=").unwrap(), b"hi");
        assert!(base64_decode("a\u{e9}").is_none());
    }

    #[test]
    fn env_values_skip_comments_empty_and_stand_ins() {
        let text = "# comment\nEMPTY=\nA=changeme\nB=<your-key>\nC=${VAR}\nD=xxx\nE=example\nF=\"\"\nexport G=Zx9qT4pL2wRb # real\nH=8080\n";
        assert_eq!(env_values(text), [(9, "G"), (10, "H")]);
        assert!(env_values("# only comments\n\nA=\nB='<set me>'\n").is_empty());
        assert!(is_sensitive_env_name("DATABASE_URL") && is_sensitive_env_name("api_key"));
        assert!(!is_sensitive_env_name("POSTGRES_USER") && !is_sensitive_env_name("PORT"));
    }

    #[test]
    fn env_entries_that_hold_nothing_to_rotate() {
        // excalidraw's .env.production: endpoints and a public key.
        assert!(!is_sensitive_env_entry(
            "VITE_APP_BACKEND_V2_GET_URL",
            "https://json.excalidraw.com/api/v2/"
        ));
        assert!(!is_sensitive_env_entry(
            "VITE_APP_AUTH_SERVER_URL",
            "https://auth.example.org"
        ));
        assert!(!is_sensitive_env_entry(
            "VITE_APP_PLUS_EXPORT_PUBLIC_KEY",
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApQ0jM9Qz"
        ));
        assert!(!is_sensitive_env_entry(
            "STRIPE_PUBLISHABLE_KEY",
            "pk_live_51H8xYz"
        ));
        // Credentials in the URL, a query token, or a secret by name stay sensitive.
        assert!(is_sensitive_env_entry(
            "DATABASE_URL",
            "postgres://app:s3cr3t@db:5432/app"
        ));
        assert!(is_sensitive_env_entry(
            "HOOK_URL",
            "https://hooks.example.com/x?token=abc123"
        ));
        assert!(is_sensitive_env_entry(
            "NEXT_PUBLIC_STRIPE_SECRET_KEY",
            "sk_live_abc"
        ));
        assert!(is_sensitive_env_entry("API_KEY", "Zx9qT4pL2wRb"));
        assert!(!is_sensitive_env_entry("PORT", "8080"));
        // appwrite's development .env: words are whole (SECURITY is not URI, HOURLY
        // is not URL), and a connection name holds a credential only in its value.
        for (key, value) in [
            ("_APP_SYSTEM_SECURITY_EMAIL_ADDRESS", "security@appwrite.io"),
            ("_APP_MAINTENANCE_RETENTION_USAGE_HOURLY", "8640000"),
            ("_APP_CONNECTIONS_MAX", "251"),
            ("_APP_CONNECTIONS_CACHE", "redis_fra1_01=redis://redis:6379"),
            (
                "_APP_CONNECTIONS_DB_PROJECT",
                "db_fra1_02=mariadb://user:password@mariadb:3306/appwrite",
            ),
            ("AUTHOR_NAME", "Jane"),
            ("DATABASE_URL", "file:./dev.db"),
        ] {
            assert!(!is_sensitive_env_entry(key, value), "{key}={value}");
        }
        for (key, value) in [
            (
                "_APP_CONNECTIONS_DB",
                "db=mariadb://app:Zx9qT4pL2w@mariadb:3306/app",
            ),
            ("SENTRY_DSN", "https://abc123def@o1.ingest.sentry.io/1"),
            (
                "DB_CONNECTION",
                "Server=db;User Id=app;Password=Zx9qT4pL2w;",
            ),
            ("OAUTH_CLIENT_SECRET", "Zx9qT4pL2wRb"),
            ("DBPASSWORD", "Zx9qT4pL2wRb"),
            ("API_KEYS", "Zx9qT4pL2wRb"),
        ] {
            assert!(is_sensitive_env_entry(key, value), "{key}={value}");
        }
        let text = "A=1\nexport B=\"two words\"\nC=plain # note\n";
        assert_eq!(
            env_entries(text),
            [(1, "A", "1"), (2, "B", "two words"), (3, "C", "plain")]
        );
    }
}
