use paved_model::YamlPath;
use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Dependabot updates have no cooldown
    ///
    /// ## Why it matters
    /// Malicious releases are usually caught and yanked within days; proposing every
    /// release the moment it appears makes the repository an early adopter of compromised
    /// packages.
    ///
    /// ## How to fix it
    /// Add `cooldown: { default-days: 7 }` to each entry of `updates:` in
    /// .github/dependabot.yml.
    ///
    /// ## Example
    /// ```yaml
    /// updates:
    ///   # flagged: a release is proposed the hour it is published
    ///   - package-ecosystem: cargo
    ///     directory: /
    ///     schedule: {interval: weekly}
    /// ```
    /// ```yaml
    /// updates:
    ///   - package-ecosystem: cargo
    ///     directory: /
    ///     schedule: {interval: weekly}
    ///     cooldown:
    ///       default-days: 7
    /// ```
    pub struct DependabotCooldown {
        id: "PVD-GHA-015",
        severity: Low,
        references: ["zizmor:dependabot-cooldown"],
    }
}

impl Check for DependabotCooldown {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().dependabot() {
            let Some(root) = file.root() else { continue };
            for update in root.get_or_empty("updates").items() {
                if update.get("cooldown").is_none() {
                    let eco = update.str_at("package-ecosystem").unwrap_or("?");
                    out.at(Location::yaml(&file.path, update, YamlPath("package-ecosystem")))
                        .say(format!("dependabot updates for `{eco}` have no cooldown: a freshly published (possibly malicious) release is proposed at once"));
                }
            }
        }
    }
}
