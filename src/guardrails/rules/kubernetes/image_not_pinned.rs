use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container image not pinned by digest
    ///
    /// ## Why it matters
    /// Tags can be moved; only a digest guarantees the image that was scanned is the one
    /// that runs.
    ///
    /// ## How to fix it
    /// Append the digest: `image: registry/app:1.4.2@sha256:…`, updated by
    /// renovate/dependabot.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/acme/app:1.4.2        # flagged: the tag can move
    /// ```
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/acme/app:1.4.2@sha256:4f9d3e8c2a1b0f6e5d4c3b2a19f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c
    /// ```
    pub struct ImageNotPinned {
        id: "PVD-KUBE-012",
        severity: Medium,
        references: ["checkov:CKV_K8S_43", "scorecard:Pinned-Dependencies"],
    }
}

impl Check for ImageNotPinned {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let k8s = cx.k8s();
        for (w, c) in k8s.containers() {
            let Some(written) = c.node.str_at("image") else {
                continue;
            };
            // As deployed: a kustomization's `images: [{digest: …}]` pins it.
            let deployed = k8s.deployed_images(w, c);
            if let Some(image) = deployed.iter().find(|i| !i.contains("@sha256:")) {
                let image = if image == written.trim() { written } else { image };
                out.at(c.at("image")).say(format!(
                    "{}: image `{image}` is not pinned by digest",
                    w.container_label(c)
                ));
            }
        }
    }
}
