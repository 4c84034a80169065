//! One error type for everything the blueprint engine can refuse. Each variant
//! renders as a single line that names the file, field or value at fault and, where
//! it is not obvious, what to do about it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BlueprintError {
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{}{message}", location(file, *line))]
    Invalid {
        file: String,
        line: Option<usize>,
        message: String,
    },

    #[error("{file}: symbolic links are not allowed in a blueprint; replace it with a real file")]
    Symlink { file: String },

    #[error("{path}: {message}")]
    Io {
        path: PathBuf,
        message: String,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "no blueprint named {id:?} in {catalog}; available: {}",
        list_or_none(available)
    )]
    NotFound {
        id: String,
        catalog: String,
        available: Vec<String>,
    },

    #[error("{catalog} holds several blueprints ({}); choose one with --blueprint", available.join(", "))]
    Ambiguous {
        catalog: String,
        available: Vec<String>,
    },

    #[error("invalid service name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },

    #[error("{origin}: invalid value for {variable}: {message}")]
    InvalidAnswer {
        variable: String,
        origin: String,
        message: String,
    },

    #[error(
        "{origin}: unknown variable {key:?}; this blueprint declares: {}",
        list_or_none(known)
    )]
    UnknownVariable {
        key: String,
        origin: String,
        known: Vec<String>,
    },

    #[error("no answer for {variable} ({prompt}) and it has no default; pass --set {variable}=VALUE or an --answers file")]
    MissingAnswer { variable: String, prompt: String },

    #[error("{file}: {message}")]
    Render { file: String, message: String },

    #[error("{}: {message}", path.display())]
    Target { path: PathBuf, message: String },

    #[error("{0}")]
    Prompt(String),

    #[error(
        "blueprint {id} has no version {version} in {catalog}; available versions: {}",
        list_or_none(available)
    )]
    VersionNotFound {
        id: String,
        version: String,
        catalog: String,
        available: Vec<String>,
    },
}

fn location(file: &str, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{file}:{line}: "),
        None => format!("{file}: "),
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_string()
    } else {
        items.join(", ")
    }
}

impl BlueprintError {
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        message: impl Into<String>,
        source: std::io::Error,
    ) -> Self {
        BlueprintError::Io {
            path: path.into(),
            message: message.into(),
            source,
        }
    }

    pub(crate) fn invalid(
        file: impl Into<String>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        BlueprintError::Invalid {
            file: file.into(),
            line,
            message: message.into(),
        }
    }
}

pub type Result<T, E = BlueprintError> = std::result::Result<T, E>;
