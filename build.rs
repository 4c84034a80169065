//! Embeds `blueprints/` into the binary so a single static `paved` works with no
//! files beside it. Each file keeps its relative path, bytes and executable bit,
//! which `include_dir`-style crates drop.
//!
//! Frozen releases (`blueprints/<id>/releases/<version>/`) repeat most files of the
//! latest version, so every distinct content is stored once in one blob and each
//! file points into it: a release costs only the files it actually changed.

use std::collections::HashMap;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = env::var("OUT_DIR").expect("OUT_DIR");
    let out = Path::new(&out_dir).join("embedded_blueprints.rs");
    let blob_path = Path::new(&out_dir).join("embedded_blueprints.bin");
    let mut blob: Vec<u8> = Vec::new();
    let mut offsets: HashMap<Vec<u8>, usize> = HashMap::new();
    println!("cargo:rerun-if-changed=blueprints");

    let mut code = String::from("pub static FILES: &[EmbeddedFile] = &[\n");
    let dir = root.join("blueprints");
    if dir.is_dir() {
        let mut entries: Vec<_> = walkdir::WalkDir::new(&dir)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.expect("walk blueprints/"))
            .collect();
        entries.retain(|e| !e.file_type().is_dir());
        for entry in entries {
            let path = entry.path();
            println!("cargo:rerun-if-changed={}", path.display());
            if entry.file_type().is_symlink() {
                panic!(
                    "{}: symbolic links are not allowed in blueprints",
                    path.display()
                );
            }
            let rel = path
                .strip_prefix(&dir)
                .expect("inside blueprints/")
                .to_str()
                .expect("blueprint paths must be UTF-8")
                .replace('\\', "/");
            let mode = file_mode(&fs::metadata(path).expect("stat blueprint file"));
            let bytes = fs::read(path).expect("read blueprint file");
            let len = bytes.len();
            let offset = *offsets.entry(bytes).or_insert_with_key(|bytes| {
                blob.extend_from_slice(bytes);
                blob.len() - bytes.len()
            });
            writeln!(
                code,
                "    EmbeddedFile {{ path: {rel:?}, offset: {offset}, len: {len}, executable: {exe} }},",
                exe = mode & 0o111 != 0,
            )
            .unwrap();
        }
    }
    code.push_str("];\n");
    writeln!(
        code,
        "static BLOB: &[u8] = include_bytes!({:?});",
        blob_path.to_str().expect("UTF-8 OUT_DIR")
    )
    .unwrap();
    fs::write(&blob_path, &blob).expect("write embedded_blueprints.bin");
    fs::write(out, code).expect("write embedded_blueprints.rs");
}

#[cfg(unix)]
fn file_mode(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode()
}

#[cfg(not(unix))]
fn file_mode(_meta: &fs::Metadata) -> u32 {
    0o644
}
