use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Release workflow restores a cache
    ///
    /// ## Why it matters
    /// Caches are shared across workflows of a repository; a poisoned cache written by a
    /// less trusted workflow ends up inside the released artifact.
    ///
    /// ## How to fix it
    /// Build releases from a clean state: drop actions/cache and `cache:` options from
    /// workflows triggered by releases or tags.
    ///
    /// ## Example
    /// ```yaml
    /// on:
    ///   release:
    ///     types: [published]
    /// jobs:
    ///   publish:
    ///     steps:
    ///       # flagged: a pull-request workflow may have written this cache
    ///       - uses: actions/cache@8e5e7e5ab8b370d6c329ec480221332ada57f0ab
    /// ```
    /// ```yaml
    /// on:
    ///   release:
    ///     types: [published]
    /// jobs:
    ///   publish:
    ///     steps:
    ///       - run: cargo build --release --locked
    /// ```
    pub struct ReleaseCache {
        id: "PVD-GHA-016",
        severity: Medium,
        references: ["zizmor:cache-poisoning"],
    }
}

impl Check for ReleaseCache {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            let Some(root) = file.root() else { continue };
            let tags = root.path(&["on", "push", "tags"]).is_some();
            if !(file.has_trigger(&["release"]) || tags) {
                continue;
            }
            for step in file.steps() {
                let Some(name) = step.action() else { continue };
                let caches = matches!(
                    name.as_str(),
                    "actions/cache" | "actions/cache/restore" | "swatinem/rust-cache"
                ) || step
                    .input("cache")
                    .is_some_and(|c| c.as_bool() != Some(false) && !c.is_null());
                if caches {
                    out.at(file.at(step.node, "uses")).say(
                        "release workflow restores a cache that other (less trusted) workflows can write",
                    );
                }
            }
        }
    }
}
