use paved_model::workflows::WorkflowFile;
use paved_parse::yaml::Node;

use crate::guardrails::ci_tools::{file_units, Category, Found, ScannerTools, UnitAt, Verdicts};
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Security scanner cannot fail the build
    ///
    /// ## Why it matters
    /// A scanner under `continue-on-error: true`, followed by `|| true` / `; exit 0`, or
    /// configured to exit 0 on findings (trivy without `exit-code: 1`, `--soft-fail`, grype
    /// without `--fail-on`) reports into a log nobody reads: findings never block a change.
    ///
    /// ## How to fix it
    /// Let the scanner fail the job (`exit-code: "1"` for trivy, `--fail-on` for grype).
    /// Tune false positives in the tool's own configuration (allow-lists with reasons)
    /// instead of ignoring its exit code. A scanner whose job uploads its SARIF to code
    /// scanning (`github/codeql-action/upload-sarif`) is not reported: like CodeQL, it
    /// blocks changes through code-scanning merge protection, not its exit code.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   - run: cargo deny check
    ///     # flagged: a vulnerable dependency no longer fails the job
    ///     continue-on-error: true
    /// ```
    /// ```yaml
    /// steps:
    ///   - run: cargo deny check
    /// ```
    pub struct SilentScanner {
        id: "PVD-GHA-012",
        severity: Medium,
        references: [],
        params: ScannerTools,
    }
}

impl Check for SilentScanner {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let verdicts = Verdicts::of(cx);
        // The verdicts were judged with these lists (the same parameters); were they
        // not, each unit is judged here.
        let own: Vec<_> = Category::ALL
            .into_iter()
            .zip(cx.params::<ScannerTools>().lists())
            .map(|(c, list)| (c, (!verdicts.judged_with(c, &list)).then(|| Category::tools(&list))))
            .collect();
        for file in cx.workflows().all() {
            let reported = sarif_reported_steps(file);
            // Only this file's own steps: a callee is reported in its own file.
            let mut found = Vec::new();
            for (index, unit) in file_units(file).iter().enumerate() {
                if reported.contains(&unit.line) {
                    continue;
                }
                let at = UnitAt {
                    file: &file.file.path,
                    gitlab: false,
                    index,
                };
                for (category, own) in &own {
                    let runs = match own {
                        None => verdicts.runs(unit, at, *category),
                        Some(tools) => unit.runs(*category, tools),
                    };
                    if let Some(Found::Silenced(site)) = runs {
                        found.push((site.at(&file.file.path), category.label()));
                    }
                }
            }
            found.sort_unstable_by_key(|(at, label)| (at.line, *label));
            found.dedup_by_key(|(at, _)| at.line);
            for (at, label) in found {
                out.at(at).say(format!(
                    "{label} step cannot fail the build: its failure is ignored"
                ));
            }
        }
    }
}

/// Lines of the steps whose job later uploads SARIF to GitHub code scanning
/// (`github/codeql-action/upload-sarif`). Such a scanner reports the way CodeQL does:
/// its alerts land in the Security tab, where code-scanning merge protection (not the
/// job's exit code) blocks a change, so an exit code of 0 is the intended setup.
fn sarif_reported_steps(file: &WorkflowFile<'_>) -> Vec<u32> {
    let steps = file.steps();
    let uploads: Vec<(&Node, u32)> = steps
        .iter()
        .filter(|s| {
            s.action()
                .is_some_and(|a| a == "github/codeql-action/upload-sarif")
        })
        .filter_map(|s| Some((s.job.as_ref()?.node, s.node.line())))
        .collect();
    steps
        .iter()
        .filter(|s| {
            s.job.as_ref().is_some_and(|job| {
                uploads
                    .iter()
                    .any(|(j, line)| std::ptr::eq(*j, job.node) && *line > s.node.line())
            })
        })
        .map(|s| s.node.line())
        .collect()
}
