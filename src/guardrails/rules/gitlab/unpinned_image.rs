use paved_model::gitlab::RESERVED;
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

/// Names the repository's GitLab files extend (`extends: .base` or a list of them).
fn extended_names<'m>(cx: &CheckCtx<'m>) -> Vec<&'m str> {
    let mut names = Vec::new();
    for file in cx.gitlab().files() {
        for node in file.job_like() {
            match node.get("extends") {
                Some(e) if e.is_seq() => names.extend(e.items().iter().filter_map(Node::as_str)),
                Some(e) => names.extend(e.as_str()),
                None => {}
            }
        }
    }
    names
}

impl Check for UnpinnedImage {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let extended = extended_names(cx);
        for file in cx.gitlab().files() {
            let Some(root) = file.root() else { continue };
            // A hidden job of the project's own pipeline that nothing extends never runs:
            // a leading dot is how GitLab disables a job (meltano's `.review`,
            // `.production`). One merged by a YAML alias is reported through the job that
            // merges it, which comes first below. Hidden jobs of included files stay:
            // they are templates other pipelines may extend.
            let pipeline = file.file.path.file_name().is_some_and(|n| n == ".gitlab-ci.yml");
            let mut nodes: Vec<&Node> = vec![root];
            nodes.extend(root.get("default"));
            let entries: Vec<(&str, &Node)> = root
                .entries()
                .filter(|(k, _, v)| v.is_map() && !RESERVED.contains(k))
                .map(|(k, _, v)| (k, v))
                .collect();
            nodes.extend(entries.iter().filter(|(k, _)| !k.starts_with('.')).map(|e| e.1));
            nodes.extend(
                entries
                    .iter()
                    .filter(|(k, _)| k.starts_with('.') && (!pipeline || extended.contains(k)))
                    .map(|e| e.1),
            );
            // Merge keys make one node reachable twice; report it once.
            let mut seen: Vec<u32> = Vec::new();
            for node in nodes {
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
