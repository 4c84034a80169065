//! How a rule is declared: a unit type in its own file whose doc comment is its
//! documentation, with its metadata beside the check.
//!
//! ```ignore
//! use crate::guardrails::declare::{rule, Check};
//!
//! rule! {
//!     /// Container runs as root
//!     ///
//!     /// ## Why it matters
//!     /// Without a non-root USER the process runs as UID 0 …
//!     ///
//!     /// ## How to fix it
//!     /// Add `USER 65532:65532` at the end of the final stage …
//!     ///
//!     /// ## Example
//!     /// ```dockerfile
//!     /// FROM debian:12-slim            # flagged: no USER
//!     /// ```
//!     /// ```dockerfile
//!     /// FROM debian:12-slim
//!     /// USER 65532:65532
//!     /// ```
//!     pub struct RootUser {
//!         id: "PVD-DOCKER-001",
//!         severity: High,
//!         references: ["hadolint:DL3002", "checkov:CKV_DOCKER_3"],
//!     }
//! }
//!
//! impl Check for RootUser {
//!     fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) { … }
//! }
//! ```
//!
//! The first doc line is the title; `## Why it matters` becomes the rationale,
//! `## How to fix it` the remediation (each paragraph joined into one line) and
//! `## Example` (a flagged and a fixed block) is shown by `paved explain`,
//! docs/rules.md and the SARIF rule help. An optional `## Severity` section says how
//! a rule that grades its findings (`Say::severity`) decides; `paved explain` and
//! docs/rules.md show it. The domain is the `DOMAIN` constant of the
//! module the rule file sits in. docs/contributing-rules.md is the full guide.

use std::sync::LazyLock;

use super::params::ParamSpec;
use super::rule::{CheckCtx, CheckFn, Emitter, Rule, RuleMeta};
use super::{Domain, Severity};

/// A rule's identity, filled in by [`rule!`].
pub trait Declared {
    const ID: &'static str;
    const SEVERITY: Severity;
    const DOMAIN: Domain;
    const REFERENCES: &'static [&'static str];
    /// The doc comment, one `#[doc]` line per line.
    const DOC: &'static str;
    /// The file that declares the rule.
    const SOURCE: &'static str;
    const PARAMS: &'static [ParamSpec];
}

/// What a declared rule checks. Checks are pure: they see the parsed repository
/// through [`CheckCtx`] (its views, its parameters) and never touch the file system.
pub trait Check: Declared + Default + 'static {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>);
}

fn run<R: Check>(cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    R::default().check(cx, out)
}

/// A rule the drift engine raises itself, from what a check over the parsed model
/// cannot see: a re-render of the recorded blueprint (conformance), today's date
/// (waiver expiry), the profile's stance on inline suppressions, the parsers'
/// failures, configuration that only a tool renders. It is declared with [`rule!`]
/// like every rule (its doc comment is its documentation, its parameters are typed)
/// but implements this instead of [`Check`]: the engine module named by
/// [`RAISED_IN`](EngineRule::RAISED_IN) emits its hits as `Hit { rule: R::ID, … }`.
/// docs/contributing-rules.md, "Rules the engine raises".
pub trait EngineRule: Declared + 'static {
    /// The module that raises the rule's findings (a test checks that it names the
    /// rule type), e.g. `src/drift/waivers/mod.rs`.
    const RAISED_IN: &'static str;
}

mod doc;
pub use doc::{parse_doc, RuleDoc};

/// A rule's doc comment as build.rs parsed it (build/rules.rs, with [`parse_doc`]):
/// `register!` hands each rule its entry of the generated `RULE_DOCS`.
#[derive(Debug)]
pub struct ParsedDoc {
    /// The rule's id, which the entry must belong to.
    pub id: &'static str,
    /// The sections, or what is wrong with the doc comment.
    pub doc: Result<StaticDoc, &'static str>,
}

/// [`RuleDoc`], as literals.
#[derive(Debug)]
pub struct StaticDoc {
    pub title: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    pub example: &'static str,
    pub graded: Option<&'static str>,
}

impl Rule {
    /// The catalog entry of a declared rule, with its doc comment as build.rs parsed
    /// it. A malformed doc comment still yields a rule (with the problem as its
    /// rationale) so that the catalog test can name it.
    pub fn declared<R: Check>(doc: &'static ParsedDoc) -> Rule {
        Rule::from_parsed::<R>(doc, Some(run::<R>))
    }

    /// The catalog entry of a rule the drift engine raises: no check to run.
    pub fn raised_by_engine<R: EngineRule>(doc: &'static ParsedDoc) -> Rule {
        Rule::from_parsed::<R>(doc, None)
    }

    fn from_parsed<R: Declared>(parsed: &'static ParsedDoc, check: Option<CheckFn>) -> Rule {
        // build/rules.rs lists the docs in the order it lists the rules; a mismatch
        // would give a rule another's documentation.
        assert_eq!(parsed.id, R::ID, "RULE_DOCS out of step with the rule list");
        let (title, why, fix, example, graded) = match &parsed.doc {
            Ok(d) => (d.title, d.why, d.fix, Some(d.example), d.graded),
            Err(e) => (R::ID, *e, "", None, None),
        };
        Rule {
            meta: RuleMeta {
                id: R::ID,
                title,
                domain: R::DOMAIN,
                severity: R::SEVERITY,
                rationale: why,
                remediation: fix,
                references: R::REFERENCES,
                example,
                params: R::PARAMS,
                source: Some(R::SOURCE),
                graded,
            },
            check,
        }
    }

    /// The catalog entry built the way every process built it before build.rs
    /// parsed the docs: from `R::DOC`, at run time (without its check). The
    /// reference the tests compare the generated catalog's metadata with.
    #[cfg(test)]
    pub(crate) fn parsed_at_run_time<R: Declared>(check: Option<CheckFn>) -> Rule {
        fn leak(s: String) -> &'static str {
            Box::leak(s.into_boxed_str())
        }
        let (title, why, fix, example, graded) = match parse_doc(R::DOC) {
            Ok(d) => (d.title, d.why, d.fix, Some(d.example), d.graded),
            Err(e) => (
                R::ID.to_owned(),
                format!("malformed doc comment: {e}"),
                String::new(),
                None,
                None,
            ),
        };
        Rule {
            meta: RuleMeta {
                id: R::ID,
                title: leak(title),
                domain: R::DOMAIN,
                severity: R::SEVERITY,
                rationale: leak(why),
                remediation: leak(fix),
                references: R::REFERENCES,
                example: example.map(leak),
                params: R::PARAMS,
                source: Some(R::SOURCE),
                graded: graded.map(leak),
            },
            check,
        }
    }
}

/// A lazily built list of rules, for a domain's registry.
pub type Registry = LazyLock<Vec<Rule>>;

/// Declares a rule type; see the module documentation.
macro_rules! rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            id: $id:literal,
            severity: $severity:ident,
            references: [$($reference:literal),* $(,)?]
            $(, params: $params:ty)?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Debug, Default)]
        $vis struct $name;

        impl $crate::guardrails::declare::Declared for $name {
            const ID: &'static str = $id;
            const SEVERITY: $crate::guardrails::Severity = $crate::guardrails::Severity::$severity;
            const DOMAIN: $crate::guardrails::Domain = super::DOMAIN;
            const REFERENCES: &'static [&'static str] = &[$($reference),*];
            const DOC: &'static str = concat!($($doc, "\n"),*);
            const SOURCE: &'static str = file!();
            const PARAMS: &'static [$crate::guardrails::params::ParamSpec] =
                $crate::guardrails::declare::rule!(@params $($params)?);
        }
    };
    (@params) => { &[] };
    (@params $params:ty) => {
        <$params as $crate::guardrails::params::RuleParams>::SPECS
    };
}
pub(crate) use rule;

/// A domain's rules: `mod` lines for the rule files and the list `rules()` returns,
/// in id order. A folder's `mod.rs` writes `register!("guardrails/rules/dockerfile");`
/// (its path below `src/`): build.rs (build/rules.rs) finds every file of the folder
/// that declares a rule with [`rule!`] and hands the list back in this form:
///
/// ```ignore
/// register! {
///     root_user::RootUser,
///     named_user::NamedUser,
/// }
/// ```
macro_rules! register {
    ($folder:literal) => {
        include!(concat!(env!("OUT_DIR"), "/rules/", $folder, ".rs"));
        rule_files!($crate::guardrails::declare::register);
    };
    ($($module:ident :: $rule:ident),* $(,)?) => {
        $(mod $module;)*

        static RULES: $crate::guardrails::declare::Registry = std::sync::LazyLock::new(|| {
            let mut docs = RULE_DOCS.iter();
            vec![$($crate::guardrails::Rule::declared::<$module::$rule>(
                docs.next().expect("a generated doc per rule"),
            )),*]
        });

        /// Every rule of this domain, in id order.
        pub fn rules() -> &'static [$crate::guardrails::Rule] {
            &RULES
        }

        /// [`rules`], with the doc comments parsed in this process, as before
        /// build.rs parsed them: the reference for the differential test.
        #[cfg(test)]
        pub(crate) fn rules_parsed_at_run_time() -> Vec<$crate::guardrails::Rule> {
            vec![$($crate::guardrails::Rule::parsed_at_run_time::<$module::$rule>(None)),*]
        }
    };
}
pub(crate) use register;

/// The rules a part of the drift engine raises ([`EngineRule`]s): `mod` lines for
/// the rule files, the types re-exported for the engine (`WaiverExpired::ID`), and
/// `rules()`, in id order. The folder's `mod.rs` holds `const DOMAIN` and writes
/// `register_engine!("drift/rules/waiver");`, as for [`register!`].
macro_rules! register_engine {
    ($folder:literal) => {
        include!(concat!(env!("OUT_DIR"), "/rules/", $folder, ".rs"));
        rule_files!($crate::guardrails::declare::register_engine);
    };
    ($($module:ident :: $rule:ident),* $(,)?) => {
        $(mod $module; pub use $module::$rule;)*

        static RULES: $crate::guardrails::declare::Registry = std::sync::LazyLock::new(|| {
            let mut docs = RULE_DOCS.iter();
            vec![$($crate::guardrails::Rule::raised_by_engine::<$module::$rule>(
                docs.next().expect("a generated doc per rule"),
            )),*]
        });

        /// Every rule of this part of the engine, in id order.
        pub fn rules() -> &'static [$crate::guardrails::Rule] {
            &RULES
        }

        /// [`rules`], with the doc comments parsed in this process, as before
        /// build.rs parsed them: the reference for the differential test.
        #[cfg(test)]
        pub(crate) fn rules_parsed_at_run_time() -> Vec<$crate::guardrails::Rule> {
            vec![$($crate::guardrails::Rule::parsed_at_run_time::<$module::$rule>(None)),*]
        }

        /// (rule type, id, the module that raises it), for the test that each
        /// rule is raised where it says.
        #[cfg(test)]
        pub(super) const RAISED: &[(&str, &str, &str)] = &[$((
            stringify!($rule),
            <$module::$rule as $crate::guardrails::declare::Declared>::ID,
            <$module::$rule as $crate::guardrails::declare::EngineRule>::RAISED_IN,
        )),*];
    };
}
pub(crate) use register_engine;

#[cfg(test)]
mod tests {
    use super::*;

    /// The parser as it was before it was made one pass, to compare with.
    fn parse_doc_as_before(doc: &str) -> Result<RuleDoc, String> {
        // `/// text` arrives as " text": drop that one space, keep deeper indentation.
        let lines: Vec<&str> = doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        let mut title = String::new();
        let mut sections: Vec<(String, Vec<&str>)> = Vec::new();
        for line in &lines {
            if let Some(heading) = line.strip_prefix("## ") {
                sections.push((heading.trim().to_owned(), Vec::new()));
            } else if let Some((_, body)) = sections.last_mut() {
                body.push(line);
            } else if !line.trim().is_empty() {
                if !title.is_empty() {
                    return Err("the title (first doc line) must be a single line".into());
                }
                title = line.trim().to_owned();
            }
        }
        let section = |name: &str| -> Result<Vec<&str>, String> {
            sections
                .iter()
                .find(|(h, _)| h == name)
                .map(|(_, body)| body.clone())
                .ok_or_else(|| format!("missing the `## {name}` section"))
        };
        let prose = |name: &str| -> Result<String, String> {
            let text = section(name)?
                .iter()
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            if text.is_empty() {
                return Err(format!("the `## {name}` section is empty"));
            }
            Ok(text)
        };
        if title.is_empty() {
            return Err("no title: the first doc line says what is wrong".into());
        }
        let why = prose("Why it matters")?;
        let fix = prose("How to fix it")?;
        let example = section("Example")?.join("\n").trim().to_owned();
        if example.matches("```").count() < 4 {
            return Err(
                "the `## Example` section needs two fenced blocks: a flagged one, then a fixed one"
                    .into(),
            );
        }
        let graded = if sections.iter().any(|(h, _)| h == "Severity") {
            Some(prose("Severity")?)
        } else {
            None
        };
        Ok(RuleDoc {
            title,
            why,
            fix,
            example,
            graded,
        })
    }

    /// Every rule's doc, and a few malformed ones, parse as before.
    #[test]
    fn one_pass_parse_matches_the_old_one() {
        let mut docs: Vec<String> = crate::drift::rules::catalog()
            .filter_map(|r| r.meta.source)
            .filter_map(|src| {
                let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(src);
                std::fs::read_to_string(path).ok()
            })
            .map(|text| {
                text.lines()
                    .filter_map(|l| l.trim_start().strip_prefix("///"))
                    .map(|l| format!("{l}\n"))
                    .collect()
            })
            .collect();
        assert!(docs.len() > 150, "{}", docs.len());
        docs.extend(
            [
                "",
                " Title\n Second title line\n",
                " T\r\n ## Why it matters\r\n x\r\n ## How to fix it\n y\n ## Example\n ```\n a\n ```\n ```\n b\n ```",
                " T\n ## Why it matters\n\n ## How to fix it\n y\n",
                " T\n## Why it matters\n x\n ## Severity\n\n ## How to fix it\n y\n ## Example\n ```\n```\n```\n```\n",
                " T\n ## Why it matters\n x\n ## Why it matters\n z\n ## How to fix it\n y\r",
            ]
            .map(str::to_owned),
        );
        for doc in &docs {
            assert_eq!(parse_doc(doc), parse_doc_as_before(doc), "{doc}");
        }
    }

    #[test]
    fn doc_sections() {
        let doc = " Thing is wrong\n\n ## Why it matters\n Because\n it is.\n\n ## How to fix it\n Fix it.\n\n ## Example\n ```sh\n bad\n ```\n ```sh\n good\n ```\n";
        let d = parse_doc(doc).unwrap();
        assert_eq!(d.title, "Thing is wrong");
        assert_eq!(d.why, "Because it is.");
        assert_eq!(d.fix, "Fix it.");
        assert_eq!(d.example, "```sh\nbad\n```\n```sh\ngood\n```");
        assert_eq!(d.graded, None);
        let graded = format!("{doc} ## Severity\n Critical for a socket,\n medium otherwise.\n");
        assert_eq!(
            parse_doc(&graded).unwrap().graded.as_deref(),
            Some("Critical for a socket, medium otherwise.")
        );
        assert!(parse_doc(" Title\n ## Why it matters\n x\n")
            .unwrap_err()
            .contains("How to fix it"));
        assert!(parse_doc(
            " T\n ## Why it matters\n x\n ## How to fix it\n y\n ## Example\n ```\n a\n ```\n"
        )
        .unwrap_err()
        .contains("two fenced blocks"));
    }
}
