use paved_parse::yaml::Node;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// CI image not pinned by digest
    ///
    /// ## Why it matters
    /// Jobs run with the CI variables and tokens of the project; an image referenced by tag
    /// can be replaced upstream and then runs whatever its publisher (or an attacker
    /// holding their credentials) pushed.
    ///
    /// ## How to fix it
    /// Reference images as `name:tag@sha256:<digest>` and let renovate/dependabot update
    /// the digest.
    ///
    /// ## Example
    /// ```yaml
    /// test:
    ///   # flagged: the tag can be moved to other content
    ///   image: rust:1.85
    ///   script: [cargo test]
    /// ```
    /// ```yaml
    /// test:
    ///   image: rust:1.85@sha256:…
    ///   script: [cargo test]
    /// ```
    pub struct UnpinnedImage {
        id: "PVD-GITLAB-001",
        severity: Medium,
        references: ["scorecard:Pinned-Dependencies"],
    }
}

impl Check for UnpinnedImage {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.gitlab().files() {
            // Merge keys make one node reachable twice; report it once.
            let mut seen: Vec<u32> = Vec::new();
            for node in file.job_like() {
                let mut images: Vec<&Node> = Vec::new();
                if let Some(v) = node.get("image") {
                    images.push(v.get("name").unwrap_or(v));
                }
                for svc in node.get_or_empty("services").items() {
                    images.push(svc.get("name").unwrap_or(svc));
                }
                for img in images {
                    let Some(name) = img.as_str().map(str::trim) else {
                        continue;
                    };
                    if seen.contains(&img.line()) {
                        continue;
                    }
                    seen.push(img.line());
                    if name.is_empty() || name.contains('$') || name.contains("@sha256:") {
                        continue;
                    }
                    out.at(file.at(img, "")).say(format!(
                        "image `{name}` is not pinned by digest; the tag can be moved to other content"
                    ));
                }
            }
        }
    }
}
