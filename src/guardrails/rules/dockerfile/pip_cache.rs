use paved_model::shell::{has_word, is_pip_install, program, program_name};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// pip install without --no-cache-dir
    ///
    /// ## Why it matters
    /// pip's download cache stays in the image layer, adding size and unreviewed files.
    ///
    /// ## How to fix it
    /// Use `pip install --no-cache-dir …`, set `PIP_NO_CACHE_DIR=1`, or use a cache mount.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.13-slim
    /// COPY requirements.txt .
    /// # flagged: pip's download cache stays in the layer
    /// RUN pip install -r requirements.txt
    /// ```
    /// ```dockerfile
    /// FROM python:3.13-slim
    /// COPY requirements.txt .
    /// RUN pip install --no-cache-dir -r requirements.txt
    /// ```
    pub struct PipCache {
        id: "PVD-DOCKER-014",
        severity: Low,
        references: ["hadolint:DL3042"],
    }
}

impl Check for PipCache {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for stage in df.stages() {
                // ENV is inherited from the stages this one is built on (mealie sets
                // it once in its python base stage).
                let env_off = df.lineage(stage).into_iter().any(|s| {
                    df.stage_instructions(s).any(|i| {
                        i.is("ENV") && i.key_values().iter().any(|(k, _)| k == "PIP_NO_CACHE_DIR")
                    })
                });
                if env_off {
                    continue;
                }
                for run in df.stage_runs(stage) {
                    // A RUN that deletes pip's cache before it ends leaves none in the
                    // layer (testdrivenio's `… && rm -rf /root/.cache/pip`).
                    if run.has_cache_mount("pip") || run.commands().any(|c| purges_pip_cache(c)) {
                        continue;
                    }
                    let bad = run.commands().any(|c| {
                        is_pip_install(c)
                            && !has_word(c, "--no-cache-dir")
                            && !c.iter().any(|w| w.contains("PIP_NO_CACHE_DIR"))
                    });
                    if bad {
                        out.at(df.at(run.ins)).say("pip install without --no-cache-dir");
                    }
                }
            }
        }
    }
}

/// `rm -rf` of pip's cache directory (or the whole `~/.cache`), or `pip cache purge`.
fn purges_pip_cache(words: &[String]) -> bool {
    let name = program_name(words);
    let args = program(words).get(1..).unwrap_or_default();
    if name.starts_with("pip") {
        return args.first().is_some_and(|a| a == "cache")
            && args.get(1).is_some_and(|a| a == "purge");
    }
    name == "rm"
        && args.iter().any(|a| {
            let a = a.trim_end_matches("/*").trim_end_matches('/');
            a.ends_with(".cache/pip")
                || matches!(a, "/root/.cache" | "~/.cache" | "$HOME/.cache" | "${HOME}/.cache")
        })
}

#[cfg(test)]
mod tests {
    use super::purges_pip_cache;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn removing_the_cache_in_the_same_run_leaves_none() {
        assert!(purges_pip_cache(&words("rm -rf /root/.cache/pip")));
        assert!(purges_pip_cache(&words("rm -rf ~/.cache/pip/*")));
        assert!(purges_pip_cache(&words("rm -rf /root/.cache")));
        assert!(purges_pip_cache(&words("pip cache purge")));
        assert!(!purges_pip_cache(&words("rm -rf /var/lib/apt/lists/*")));
        assert!(!purges_pip_cache(&words("pip install -r requirements.txt")));
    }
}
