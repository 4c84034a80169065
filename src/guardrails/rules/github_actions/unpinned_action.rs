use paved_model::workflows::{action_name, is_full_sha};
use paved_parse::yaml::{Node, YamlKind};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Action not pinned to a full commit SHA
    ///
    /// ## Why it matters
    /// Tags and branches are mutable: whoever controls the action's repository (or steals
    /// its maintainer's token) can change the code your workflow runs with your secrets, as
    /// happened with tj-actions/changed-files.
    ///
    /// ## How to fix it
    /// Pin `uses:` to the 40-character commit SHA and keep the version in a comment (`uses:
    /// actions/checkout@<sha> # v4.2.2`); let dependabot update it. Param
    /// `gha_unpinned_allowed` lists owners or actions exempted.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   # flagged: v4 is a tag its owner can move
    ///   - uses: actions/checkout@v4
    /// ```
    /// ```yaml
    /// steps:
    ///   - uses: actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab # v4.2.2
    /// ```
    pub struct UnpinnedAction {
        id: "PVD-GHA-001",
        severity: Medium,
        references: ["zizmor:unpinned-uses", "scorecard:Pinned-Dependencies"],
        params: UnpinnedParams,
    }
}

params! {
    /// Parameters of PVD-GHA-001.
    pub struct UnpinnedParams {
        /// Actions (owner/repo, or an owner) allowed without a commit-SHA pin, e.g.
        /// your organisation's own.
        gha_unpinned_allowed: Vec<String> = Vec::new(),
    }
}

impl Check for UnpinnedAction {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let allowed: Vec<String> = cx
            .params::<UnpinnedParams>()
            .gha_unpinned_allowed
            .iter()
            .map(|a| a.to_ascii_lowercase())
            .collect();
        for file in cx.workflows().all() {
            let mut uses: Vec<&Node> = file.jobs().iter().map(|j| j.node).collect();
            uses.extend(file.steps().iter().map(|s| s.node));
            let mut found: Vec<(&Node, &str)> = uses
                .into_iter()
                .filter(|n| n.get("uses").and_then(Node::as_str).is_some())
            .map(|n| (n, "uses"))
                .collect();
            // A Docker action's image: `runs: {using: docker, image: docker://…}`.
            if file.kind() == YamlKind::Action {
                if let Some(runs) = file.root().and_then(|r| r.get("runs")) {
                    if runs
                        .str_at("image")
                        .is_some_and(|i| i.trim().starts_with("docker://"))
                    {
                        found.push((runs, "image"));
                    }
                }
            }
            for (node, key) in found {
                let Some(uses) = node.str_at(key).map(str::trim) else {
                    continue;
                };
                if uses.starts_with("./") || uses.starts_with(".\\") {
                    continue;
                }
                let at = file.at(node, key);
                if let Some(image) = uses.strip_prefix("docker://") {
                    if !image.contains("@sha256:") {
                        out.at(at)
                            .say(format!("`{uses}` is a container image not pinned by digest"));
                    }
                    continue;
                }
                let name = action_name(uses);
                if allowed.iter().any(|a| {
                    name == *a || name.starts_with(&format!("{}/", a.trim_end_matches('/')))
                }) {
                    continue;
                }
                match uses.split_once('@') {
                    Some((_, r)) if is_full_sha(r) => {}
                    Some((_, r)) => out.at(at).say(format!(
                        "`{uses}` is pinned to `{r}`, a movable ref, not a full commit SHA"
                    )),
                    None => out.at(at).say(format!("`{uses}` has no ref at all")),
                }
            }
        }
    }
}
