use std::sync::LazyLock;

use paved_model::pattern::Gated;
use paved_model::secrets::TextLines;
use paved_model::Location;
use regex::Regex;

use super::scan::{scanned, Scope, SecretParams};
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Private key committed
    ///
    /// ## Why it matters
    /// Anyone who can read the repository, any clone, fork or CI cache of it, can
    /// impersonate the key's owner: decrypt TLS traffic, sign artifacts or log in
    /// over SSH. Deleting the file does not help, history keeps it.
    ///
    /// ## How to fix it
    /// Revoke and replace the key now, remove it from the repository (and its
    /// history if the repository is shared), load keys at run time from a secret
    /// manager, and ignore *.pem, *.key and key stores in .gitignore.
    ///
    /// ## Example
    /// ```text
    /// # flagged: deploy/tls.key
    /// -----BEGIN RSA PRIVATE KEY-----
    /// MIIEowIBAAKCAQEA7v3Qm0Jr…
    /// ```
    /// ```text
    /// # deploy/tls.key is gone; the key is mounted at run time from a secret manager
    /// # .gitignore
    /// *.pem
    /// *.key
    /// ```
    pub struct PrivateKey {
        id: "PVD-SECRET-001",
        severity: Critical,
        references: ["checkov:CKV_SECRET_13", "trivy:private-key", "gitleaks:private-key"],
        params: SecretParams,
    }
}

// Compiled only for a text holding the literal every match contains.
static PEM_KEY: Gated = Gated::new(
    r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?)PRIVATE KEY( BLOCK)?-----",
    &["PRIVATE KEY"],
);
static PEM_BODY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/]{40,}").unwrap());
static PUTTY_KEY: Gated = Gated::new(r"(?m)^PuTTY-User-Key-File-\d+:", &["PuTTY-User-Key-File-"]);

/// Names of key files that are only recognisable by name when binary.
fn is_key_store_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(
        lower.as_str(),
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519"
    ) || matches!(ext, "p12" | "pfx" | "jks" | "keystore" | "key" | "ppk")
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Check for PrivateKey {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let scope = Scope::new(cx);
        for f in cx.repo.files() {
            if f.text.is_none() && !scope.skips(&f.path_str()) && is_key_store_name(f.file_name())
            {
                out.at(Location::file(&f.path))
                    .say("binary key file committed (named like a private key or key store)");
            }
        }
        for s in scanned(cx) {
            let (f, text) = (s.file, s.text);
            // Line starts only for a file with a finding: most have none, and indexing
            // every file's lines was most of this rule's cost.
            let index = std::cell::OnceCell::new();
            let lines = || index.get_or_init(|| TextLines::new(text));
            let pem = s.may_match(&PEM_KEY).then(|| PEM_KEY.regex().captures_iter(text));
            for m in pem.into_iter().flatten() {
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
                out.at(lines().at(&f.path, whole.start))
                    .say(format!("{kind} private key in PEM form"));
            }
            let putty = s.may_match(&PUTTY_KEY).then(|| PUTTY_KEY.regex().find_iter(text));
            for m in putty.into_iter().flatten() {
                out.at(lines().at(&f.path, m.start()))
                    .say("PuTTY private key file");
            }
        }
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::guardrails::gate_samples::{assert_same_matches, texts};

    /// The needles of each pattern are literals all its matches contain.
    #[test]
    fn gates_keep_every_match() {
        let texts = texts(&["-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN PRIVATE KEY BLOCK-----", "PuTTY-User-Key-File-2: ssh-rsa", "x\nPuTTY-User-Key-File-3:"]);
        let n: usize = [&PEM_KEY, &PUTTY_KEY]
            .iter()
            .map(|g| assert_same_matches(g, &texts))
            .sum();
        assert!(n >= 4, "{n}");
        assert!(super::super::scan::covers(&PEM_KEY) && super::super::scan::covers(&PUTTY_KEY));
    }
}
