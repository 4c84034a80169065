use memchr::memmem;
use paved_model::pattern::contains_ignore_ascii_case;
use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// JWT signing keys (JWKS) fetched over plain HTTP
    ///
    /// ## Why it matters
    /// The JWKS document holds the keys a service trusts to sign its tokens. Fetched
    /// over `http://`, anyone on the network path can answer with keys of their own and
    /// then mint tokens the service accepts for every request, whatever the algorithm
    /// list, audience and expiry checks say.
    ///
    /// ## How to fix it
    /// Point the JWKS URL (`AUTH_JWKS_URL`, `jwks_uri`, …) at the identity provider's
    /// `https://` endpoint. Plain HTTP is acceptable only to a loopback address in local
    /// development; the generated services refuse anything else at start-up.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// data:
    ///   # flagged: the signing keys travel unauthenticated
    ///   AUTH_JWKS_URL: http://idp.example.com/.well-known/jwks.json
    /// ```
    /// ```yaml
    /// kind: ConfigMap
    /// data:
    ///   AUTH_JWKS_URL: https://idp.example.com/.well-known/jwks.json
    /// ```
    pub struct JwksOverHttp {
        id: "PVD-AUTH-011",
        severity: High,
        references: ["cwe:CWE-319", "cwe:CWE-347", "owasp-top10:A02"],
    }
}

impl Check for JwksOverHttp {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.repo.files() {
            let Some(text) = file.text.as_deref() else {
                continue;
            };
            let path = file.path_str();
            if !configures_services(&path) || !mentions_jwks(text) {
                continue;
            }
            // Rust keeps unit tests in the file, in a `#[cfg(test)]` module at its end:
            // their URLs are test vectors (the blueprint's own rejects `http://`).
            let text = if path.ends_with(".rs") {
                text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
            } else {
                text
            };
            for (line, url) in plain_http_jwks(text) {
                out.at(Location {
                    file: &file.path,
                    line: Some(line),
                })
                .say(format!(
                    "the JWKS URL `{url}` is plain HTTP: whoever is on the network path can substitute the signing keys"
                ));
            }
        }
    }
}

/// Configuration and code a deployed service reads its JWKS URL from; tests, docs and
/// examples of a test harness are not configuration.
fn configures_services(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let in_tests = lower.split('/').any(|d| {
        matches!(
            d,
            "test" | "tests" | "__tests__" | "spec" | "testdata" | "fixtures" | "e2e"
        )
    }) || name.contains(".test.")
        || name.contains(".spec.")
        || name.contains("_test.")
        || name.starts_with("test_");
    if in_tests {
        return false;
    }
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    name == ".env"
        || name.starts_with(".env.")
        || matches!(
            ext,
            "yaml"
                | "yml"
                | "json"
                | "toml"
                | "env"
                | "ini"
                | "conf"
                | "properties"
                | "tf"
                | "tfvars"
                | "rs"
                | "py"
                | "ts"
                | "js"
                | "mjs"
                | "cjs"
                | "go"
                | "java"
                | "kt"
        )
}

/// A cheap first look: the file says `jwks` somewhere (any case).
fn mentions_jwks(text: &str) -> bool {
    let bytes = text.as_bytes();
    ["jwks", "JWKS", "Jwks"]
        .iter()
        .any(|w| memmem::find(bytes, w.as_bytes()).is_some())
}

/// `(line, url)` of every `http://` URL that is a JWKS location: on a line naming the
/// JWKS (`AUTH_JWKS_URL: http://…`, `jwks_uri = "http://…"`), on the `value:` line
/// after a Kubernetes `- name: …JWKS…`, or with `jwks` in the URL itself. Loopback
/// hosts (local development) and single-label hosts (a container network's service
/// name, never routed beyond it) are left out.
fn plain_http_jwks(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    // Only a line holding `http://` (in some ASCII case: the search below is on the
    // lower-cased line) yields a URL, so a text without one is done with one search
    // instead of a lower-cased copy of every line (1.5 M instructions a service).
    if !contains_ignore_ascii_case(text, "http://") {
        return out;
    }
    let mut named_above = false;
    for (idx, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        // A commented-out setting or a remark is not configuration.
        if ["#", "//", "--", ";", "*", "/*"].iter().any(|c| trimmed.starts_with(c)) {
            named_above = false;
            continue;
        }
        let lower = line.to_ascii_lowercase();
        let names_jwks = lower.contains("jwks");
        let mut start = 0;
        while let Some(at) = lower[start..].find("http://") {
            let begin = start + at;
            let end = lower[begin..]
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ',' | ')' | ']' | '}' | '>'))
                .map_or(lower.len(), |e| begin + e);
            let url = &line[begin..end];
            let here = names_jwks || (named_above && lower.trim_start().starts_with("value:"));
            if here && !stays_local(url) {
                out.push((u32::try_from(idx + 1).unwrap_or(u32::MAX), url.to_owned()));
            }
            start = end.max(begin + 7);
        }
        // `- name: AUTH_JWKS_URL` puts the URL on the next line, as `value:`.
        named_above = names_jwks && lower.trim_start().trim_start_matches("- ").starts_with("name:");
    }
    out
}

/// Loopback, unspecified and single-label hosts: traffic that never crosses a network
/// an outsider shares.
fn stays_local(url: &str) -> bool {
    let rest = &url["http://".len()..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or(v6)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    let host = host.to_ascii_lowercase();
    host.is_empty()
        || host == "localhost"
        || host.ends_with(".localhost")
        || host.starts_with("127.")
        || host == "::1"
        || host == "0.0.0.0"
        || !host.contains('.')
        || host.contains("${")
        || host.contains("{{")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_plain_http_jwks_urls() {
        // The whole-text check ignores ASCII case as the line search does.
        assert_eq!(
            plain_http_jwks("jwks_uri = \"HTTP://idp.example.com/keys\"\n"),
            [(1, "HTTP://idp.example.com/keys".to_owned())]
        );
        assert_eq!(plain_http_jwks("jwks_uri = \"https://idp.example.com/keys\"\n"), []);
        let cm = "kind: ConfigMap\ndata:\n  AUTH_JWKS_URL: http://idp.example.com/.well-known/jwks.json\n  AUTH_ISSUER: http://idp.example.com/\n";
        assert_eq!(
            plain_http_jwks(cm),
            [(3, "http://idp.example.com/.well-known/jwks.json".to_owned())]
        );
        let env = "        env:\n          - name: AUTH_JWKS_URL\n            value: \"http://auth.example.org/certs\"\n          - name: OTHER\n            value: http://other.example.org/\n";
        assert_eq!(
            plain_http_jwks(env),
            [(3, "http://auth.example.org/certs".to_owned())]
        );
        let code = "const keys = createRemoteJWKSet(new URL('http://login.example.net/keys'));\n";
        assert_eq!(plain_http_jwks(code).len(), 1);
        let in_url = "issuer_keys = \"http://sso.example.io/oauth2/jwks\"\n";
        assert_eq!(plain_http_jwks(in_url).len(), 1);
    }

    #[test]
    fn https_loopback_and_container_names_are_quiet() {
        for text in [
            "AUTH_JWKS_URL: https://idp.example.com/jwks.json\n",
            "AUTH_JWKS_URL=http://127.0.0.1:8080/jwks\n",
            "AUTH_JWKS_URL=http://localhost:8080/jwks\n",
            "AUTH_JWKS_URL=http://[::1]:8080/jwks\n",
            "JWKS_URL: http://keycloak:8080/realms/dev/protocol/openid-connect/certs\n",
            "AUTH_JWKS_URL: http://${IDP_HOST}/jwks\n",
            "# docs: http://example.com/ explains JWKS rotation\nurl: https://x.example/jwks\n",
            "// AUTH_JWKS_URL=http://idp.example.com/jwks (the old setting)\n",
        ] {
            let found = plain_http_jwks(text);
            assert!(found.is_empty(), "{text}: {found:?}");
        }
    }

    /// rust-axum's `src/auth/jwt.rs` tests that `http://` JWKS URLs are refused.
    #[test]
    fn rust_unit_tests_are_not_configuration() {
        let src = "pub fn load() {}\n#[cfg(test)]\nmod tests {\n    const CASES: &[(&str, bool)] = &[(\"http://issuer.example/jwks.json\", false)];\n}\n";
        let model = crate::guardrails::RepoModel::from_memory(&[("src/auth/jwt.rs", src)]);
        let hits = crate::guardrails::check_all(
            &model,
            &crate::guardrails::Params::default(),
            super::super::rules().iter().filter(|r| r.meta.id == "PVD-AUTH-011"),
        );
        assert!(hits.is_empty(), "{hits:?}");
        let live = src.replace("#[cfg(test)]", "");
        let model = crate::guardrails::RepoModel::from_memory(&[("src/auth/jwt.rs", &live)]);
        let hits = crate::guardrails::check_all(
            &model,
            &crate::guardrails::Params::default(),
            super::super::rules().iter().filter(|r| r.meta.id == "PVD-AUTH-011"),
        );
        assert_eq!(hits.len(), 1);
    }

    #[test]
    fn only_configuration_and_code_is_read() {
        for p in [
            "deploy/k8s/configmap.yaml",
            ".env",
            ".env.production",
            "config/app.toml",
            "src/auth/jwt.rs",
            "src/app/config.py",
        ] {
            assert!(configures_services(p), "{p}");
        }
        for p in [
            "tests/test_auth_jwt.py",
            "src/auth/jwt.test.ts",
            "internal/auth/jwks_test.go",
            "README.md",
            "docs/auth.md",
            "testdata/config.yaml",
        ] {
            assert!(!configures_services(p), "{p}");
        }
    }
}
