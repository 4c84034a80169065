use paved_parse::yaml::{Node, Value};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

/// Every `(key, key node, value)` below `node`.
fn all_entries(node: &Node) -> Vec<(&str, &Node, &Node)> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match n.value() {
            Value::Map(_) => {
                for (k, kn, v) in n.entries() {
                    out.push((k, kn, v));
                    stack.push(v);
                }
            }
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Scalar { .. } => {}
        }
    }
    out
}

rule! {
    /// Insecure workflow commands enabled
    ///
    /// ## Why it matters
    /// ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables the deprecated set-env/add-path commands,
    /// so anything printed to the log (e.g. a crafted issue title) can set environment
    /// variables or PATH.
    ///
    /// ## How to fix it
    /// Remove ACTIONS_ALLOW_UNSECURE_COMMANDS and write to $GITHUB_ENV / $GITHUB_PATH files
    /// instead.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    ///   # flagged: log output can set environment variables again
    ///   ACTIONS_ALLOW_UNSECURE_COMMANDS: true
    /// ```
    /// ```yaml
    /// steps:
    ///   - run: echo "VERSION=1.2.3" >> "$GITHUB_ENV"
    /// ```
    pub struct InsecureCommands {
        id: "PVD-GHA-010",
        severity: High,
        references: ["zizmor:insecure-commands", "checkov:CKV_GHA_1"],
    }
}

impl Check for InsecureCommands {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().all() {
            let Some(root) = file.root() else { continue };
            let mut keys: Vec<&Node> = Vec::new();
            for (k, kn, v) in all_entries(root) {
                let set = k == "ACTIONS_ALLOW_UNSECURE_COMMANDS" && v.as_bool() != Some(false);
                let in_text = v
                    .as_str()
                    .is_some_and(|s| holds_without_spaces(s, b"ACTIONS_ALLOW_UNSECURE_COMMANDS=true"));
                if set || in_text {
                    keys.push(kn);
                }
            }
            keys.sort_by_key(|k| k.line());
            keys.dedup_by_key(|k| k.line());
            for key in keys {
                out.at(file.at(key, "")).say(
                    "ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables set-env/add-path, letting any logged text change the environment",
                );
            }
        }
    }
}

/// Whether `text`, with its spaces removed, holds `needle` (which has none), without
/// building the spaceless copy of every value of every workflow.
fn holds_without_spaces(text: &str, needle: &[u8]) -> bool {
    let bytes = text.as_bytes();
    let Some(&first) = needle.first() else {
        return true;
    };
    memchr::memchr_iter(first, bytes).any(|at| {
        let mut rest = bytes[at..].iter().filter(|&&b| b != b' ');
        needle.iter().all(|n| rest.next() == Some(n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaceless_search_is_the_copy_search() {
        let needle = "ACTIONS_ALLOW_UNSECURE_COMMANDS=true";
        for text in [
            "ACTIONS_ALLOW_UNSECURE_COMMANDS=true",
            "export ACTIONS_ALLOW_UNSECURE_COMMANDS = true",
            "ACTIONS_ALLOW_UNSECURE_COMMANDS=tru",
            "AACTIONS_ALLOW_UNSECURE_COMMANDS=true",
            "actions_allow_unsecure_commands=true",
            "",
            "A",
        ] {
            let copy = text.replace(' ', "").contains(needle);
            assert_eq!(holds_without_spaces(text, needle.as_bytes()), copy, "{text:?}");
        }
    }
}
