use paved_model::secrets::{
    entropy, is_http_recording, is_placeholder, mask, mentions_firebase_web_config,
    mentions_ingestion_host, SERVICE_TOKENS,
};

use super::scan::{scanned, PerValue, SecretParams};
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Service access token committed
    ///
    /// ## Why it matters
    /// GitHub, GitLab, Slack, Google and Stripe tokens grant API access as their
    /// owner: pushing code, reading private repositories and messages, spending
    /// money. Their fixed prefixes make them trivial for attackers to harvest.
    ///
    /// ## How to fix it
    /// Revoke the token at its provider now, remove it from the repository, and
    /// inject tokens at run time from the CI secret store or a secret manager.
    ///
    /// ## Example
    /// ```yaml
    /// # flagged: a GitHub token in a workflow
    /// env:
    ///   GH_TOKEN: ghp_R7kq2Lz9Xw4Tn8…
    /// ```
    /// ```yaml
    /// env:
    ///   GH_TOKEN: ${{ secrets.GH_TOKEN }}
    /// ```
    pub struct ServiceToken {
        id: "PVD-SECRET-003",
        severity: Critical,
        references: [
            "checkov:CKV_SECRET_14",
            "checkov:CKV_SECRET_17",
            "trivy:github-pat",
            "gitleaks:github-pat",
            "gitleaks:gitlab-pat",
            "gitleaks:slack-bot-token",
            "gitleaks:gcp-api-key",
            "gitleaks:stripe-access-token",
        ],
        params: SecretParams,
    }
}

impl Check for ServiceToken {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for s in scanned(cx) {
            let (f, text) = (s.file, s.text);
            let recording = is_http_recording(&f.path_str());
            let mut found = PerValue::new(f, text);
            for (what, prefix, re) in SERVICE_TOKENS.iter() {
                if !s.may_match(re) {
                    continue;
                }
                for m in re.regex().find_iter(text) {
                    let token = m.as_str();
                    let body = token.get(*prefix..).unwrap_or("");
                    if is_placeholder(token) || entropy(body) < 3.0 {
                        continue;
                    }
                    // A browser key (Firebase, Maps) recorded next to an analytics
                    // request is the page's public key, sent by every visitor.
                    if recording
                        && *what == "Google API key"
                        && mentions_ingestion_host(&text[found.around(m.start(), 12)])
                    {
                        continue;
                    }
                    // The `apiKey` of a Firebase web config is the app's public browser
                    // key, meant to ship in the page (excalidraw's `.env.production`).
                    if *what == "Google API key"
                        && mentions_firebase_web_config(&text[found.around(m.start(), 3)])
                    {
                        continue;
                    }
                    found.add(token, m.start(), || format!("{what} {}", mask(token)));
                }
            }
            found.emit(out);
        }
    }
}
