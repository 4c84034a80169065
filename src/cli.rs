//! Command-line definitions. The rest of the program receives these typed values
//! and never parses raw arguments itself.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "paved",
    version,
    about = "Generate services that are secure by default, and audit repositories for drift from that standard",
    propagate_version = true
)]
pub struct Cli {
    /// Use the blueprints in DIR (one sub-folder per blueprint) instead of the built-in ones
    #[arg(long, global = true, value_name = "DIR", env = "PAVED_BLUEPRINTS")]
    pub blueprints: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a new service from a blueprint
    New(NewArgs),
    /// List the available blueprints
    #[command(visible_alias = "blueprints")]
    List,
    /// Tools for blueprint authors
    #[command(subcommand)]
    Blueprint(BlueprintCommand),
    /// Audit repositories against the guardrails and the blueprint they came from
    Drift(DriftArgs),
    /// Move a generated repository to a newer blueprint version (three-way merge), or
    /// put its managed files back with --restore
    Update(UpdateArgs),
    /// List every rule `paved drift` checks
    Rules(RulesArgs),
    /// Explain one rule: why it matters and how to fix it
    Explain {
        /// Rule id, e.g. PVD-BLUEPRINT-001 (see `paved rules`)
        #[arg(value_name = "ID")]
        id: String,
    },
}

/// Which guardrails policy applies.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Use the guardrails profiles in DIR (`<profile>.toml` files) instead of the built-in ones
    #[arg(long, value_name = "DIR", env = "PAVED_GUARDRAILS")]
    pub guardrails: Option<PathBuf>,

    /// Guardrails profile: baseline or strict, or one from --guardrails DIR
    #[arg(
        long,
        value_name = "NAME",
        env = "PAVED_PROFILE",
        default_value = crate::guardrails::policy::DEFAULT_PROFILE
    )]
    pub profile: String,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Repositories to audit (with --recursive: directories to search for repositories)
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Audit every repository (a directory with .git or .paved) below each PATH, in parallel
    #[arg(long, short = 'r')]
    pub recursive: bool,

    /// Audit rendered Kubernetes manifests instead of a repository: a YAML file, a
    /// directory of them, or - for standard input (`helm template CHART | paved drift
    /// --manifests -`, `kustomize build DIR | paved drift --manifests -`)
    #[arg(long, value_name = "PATH|-", conflicts_with_all = ["paths", "recursive"])]
    pub manifests: Option<PathBuf>,

    /// Output format
    #[arg(long, short = 'f', value_enum, default_value = "human")]
    pub format: crate::report::Format,

    /// Write the report to FILE (atomically) instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with code 1 when a finding is at or above this severity
    #[arg(
        long,
        value_name = "SEVERITY",
        default_value = "low",
        ignore_case = true,
        value_parser = severity_parser()
    )]
    pub fail_on: crate::guardrails::Severity,

    /// Forbid other tools' inline suppressions (`# checkov:skip=…`, `# zizmor: ignore[…]`,
    /// `# hadolint ignore=…`, `# nosec`, …) whatever the profile says: each one is then a
    /// PVD-WAIVER-004 finding and waives nothing, so every exception must be a waiver in
    /// .paved/waivers.toml with an owner and an expiry (e.g. with `--profile strict`)
    #[arg(
        long,
        env = "PAVED_FORBID_INLINE_WAIVERS",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub forbid_inline_waivers: bool,

    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value = "human")]
    pub format: RulesFormat,

    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
    Markdown,
}

fn severity_parser() -> impl clap::builder::TypedValueParser<Value = crate::guardrails::Severity> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(["critical", "high", "medium", "low", "info"]).map(
        |s| {
            s.to_ascii_lowercase()
                .parse::<crate::guardrails::Severity>()
                .expect("a possible value")
        },
    )
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Name of the service: lowercase letters, digits and '-', starting with a letter
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Blueprint to generate from (see `paved list`), optionally at an older released
    /// version: ID or ID@VERSION; default: rust-axum at its latest version
    #[arg(long, short = 'b', value_name = "ID[@VERSION]")]
    pub blueprint: Option<String>,

    /// Directory to write the service into [default: ./NAME]
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Answer a blueprint variable (repeatable); lists are comma-separated
    #[arg(long = "set", short = 's', value_name = "KEY=VALUE")]
    pub sets: Vec<String>,

    /// Read answers from a TOML file (e.g. another service's .paved/answers.toml)
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,

    /// Never prompt: use --set, --answers and the blueprint's defaults
    #[arg(long)]
    pub no_input: bool,

    /// Print the files that would be generated and write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Write into an existing non-empty directory, overwriting the files the blueprint generates
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The generated repository to update [default: .]
    #[arg(value_name = "PATH", conflicts_with = "recursive")]
    pub path: Option<PathBuf>,

    /// Version to move to [default: the latest]
    #[arg(long, value_name = "VERSION", conflicts_with = "restore")]
    pub to: Option<String>,

    /// Answer a blueprint variable (repeatable): new variables, or a changed answer
    #[arg(
        long = "set",
        short = 's',
        value_name = "KEY=VALUE",
        conflicts_with = "restore"
    )]
    pub sets: Vec<String>,

    /// Read answers from a TOML file; they override the recorded ones
    #[arg(long, value_name = "FILE", conflicts_with = "restore")]
    pub answers: Option<PathBuf>,

    /// Never prompt: a new variable without a default must come from --set or --answers
    #[arg(long)]
    pub no_input: bool,

    /// Print the plan and the diffs, write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Update even when the git work tree has uncommitted changes
    #[arg(long)]
    pub allow_dirty: bool,

    /// Put managed files (all, or the FILEs named) back to what the recorded version
    /// renders with the recorded answers: the fix for drift's conformance findings
    #[arg(long, value_name = "FILE", num_args = 0..)]
    pub restore: Option<Vec<String>>,

    /// Update every generated repository below each DIR, in parallel, and print a summary
    #[arg(long, value_name = "DIR", num_args = 1.., conflicts_with = "restore")]
    pub recursive: Option<Vec<PathBuf>>,

    /// Output format
    #[arg(long, short = 'f', value_enum, default_value = "human")]
    pub format: UpdateFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum UpdateFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum BlueprintCommand {
    /// Check a blueprint folder: manifest, templates, variables, and rendering every choice
    Check {
        /// Folder holding blueprint.toml and template/
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Freeze the current version into DIR/releases/VERSION/ (do this before bumping
    /// blueprint.version), so services generated from it stay renderable
    Release {
        /// Folder holding blueprint.toml and template/
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}
