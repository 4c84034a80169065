//! The files of a repository as the walker read them: the bottom layer every other
//! one builds on.

use std::path::PathBuf;

/// One regular file of the audited repository.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Relative to the repository root, `/`-separated.
    pub path: PathBuf,
    pub size: u64,
    pub executable: bool,
    /// The contents when the file is UTF-8 text no larger than the read limit;
    /// `None` for binary, non-UTF-8 or oversized files (a warning says which).
    pub text: Option<String>,
}

impl SourceFile {
    /// A text file held in memory (tests, fuzzing, benchmarks).
    pub fn in_memory(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from(path),
            size: text.len() as u64,
            executable: false,
            text: Some(text.to_owned()),
        }
    }

    /// The path as a `/`-separated string, for matching.
    pub fn path_str(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }

    /// The final path component.
    pub fn file_name(&self) -> &str {
        self.path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
    }
}

/// Each `(path, contents)` as a text file.
pub fn in_memory(files: &[(&str, &str)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(path, text)| SourceFile::in_memory(path, text))
        .collect()
}

/// Something the audit could not look at, reported beside the findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub file: PathBuf,
    pub message: String,
}
