//! Runs paved's YAML parser over every `.yml`/`.yaml` file below a directory and prints
//! one line per file: `ok PATH` or `fail PATH: line N: message`. With `--strict`, the
//! parser without the dedented-flow repair (yaml-rust2 alone). Used by
//! `scripts/yaml-corpus.sh` to compare paved with PyYAML on a corpus of real files.

use std::path::{Path, PathBuf};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            yaml_files(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let strict = args.first().is_some_and(|a| a == "--strict");
    if strict {
        args.remove(0);
    }
    let [dir] = args.as_slice() else {
        eprintln!("usage: yaml_corpus [--strict] DIR");
        return std::process::ExitCode::from(2);
    };
    let mut files = Vec::new();
    if let Err(e) = yaml_files(Path::new(dir), &mut files) {
        eprintln!("{}: {e}", Path::new(dir).display());
        return std::process::ExitCode::from(2);
    }
    files.sort();
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                println!("fail {}: not readable: {e}", path.display());
                continue;
            }
        };
        let parsed = if strict {
            paved_parse::yaml::parse_strict(&text)
        } else {
            paved_parse::yaml::parse(&text)
        };
        match parsed {
            Ok(_) => println!("ok {}", path.display()),
            Err(e) => println!("fail {}: {e}", path.display()),
        }
    }
    std::process::ExitCode::SUCCESS
}
