use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container image uses latest or no tag
    ///
    /// ## Why it matters
    /// `latest` (or no tag) means whatever was pushed last: deployments are not
    /// reproducible and a pushed malicious image is picked up on the next restart.
    ///
    /// ## How to fix it
    /// Use an explicit version tag, ideally with a digest: `image:
    /// registry/app:1.4.2@sha256:…`.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/acme/app:latest       # flagged
    /// ```
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/acme/app:1.4.2@sha256:4f9d3e8c2a1b0f6e5d4c3b2a19f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c
    /// ```
    pub struct ImageLatestTag {
        id: "PVD-KUBE-011",
        severity: Medium,
        references: ["checkov:CKV_K8S_14", "kube-linter:latest-tag", "trivy:KSV-0013"],
    }
}

/// `(tag, has_digest)` of an image reference.
fn image_parts(image: &str) -> (Option<&str>, bool) {
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    (last.split_once(':').map(|(_, t)| t), digest)
}

/// Whether `image` is pinned by digest or carries a tag other than `latest`.
fn tag_is_fine(image: &str) -> bool {
    match image_parts(image.trim()) {
        (_, true) => true,
        (Some(t), false) => !t.eq_ignore_ascii_case("latest"),
        (None, false) => false,
    }
}

impl Check for ImageLatestTag {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let k8s = cx.k8s();
        for (w, c) in k8s.containers() {
            let Some(written) = c.node.str_at("image") else {
                continue;
            };
            // Judge the tag the kustomize builds deploy, the first one at fault: a
            // build's `newTag` completes an untagged image and replaces a written one
            // (KEDA's `keda:latest` retagged `:main`). A build that only adds a digest
            // keeps the manifest's own tag as the version it names, and a manifest no
            // build includes is deployed as written.
            let written_tag = image_parts(written.trim()).0;
            let deployed: Vec<String> = k8s
                .deployed_images(w, c)
                .into_iter()
                .map(|d| match (written_tag, image_parts(&d).0) {
                    (None, _) => d,
                    (Some(old), Some(new)) if old != new => d,
                    _ => written.trim().to_owned(),
                })
                .collect();
            let Some(image) = deployed.iter().find(|i| !tag_is_fine(i)) else {
                continue;
            };
            let image = if image == written.trim() { written } else { image };
            let say = |what: String| format!("{}: {what}", w.container_label(c));
            match image_parts(image.trim()) {
                (_, true) => {}
                (Some(t), false) if !t.eq_ignore_ascii_case("latest") => {}
                (Some(_), false) => out
                    .at(c.at("image"))
                    .say(say(format!("image `{image}` uses the `latest` tag"))),
                (None, false) => out
                    .at(c.at("image"))
                    .say(say(format!("image `{image}` has no tag (means `latest`)"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::image_parts;

    #[test]
    fn a_registry_port_is_not_a_tag() {
        assert_eq!(image_parts("localhost:5000/app"), (None, false));
        assert_eq!(image_parts("app:1.2@sha256:ab"), (Some("1.2"), true));
    }
}
