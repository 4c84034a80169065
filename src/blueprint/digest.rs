//! The content digest recorded in generated repositories (`blueprint_hash`, layer
//! hashes). Shared with `build.rs`, which computes the digests of the embedded
//! blueprints, layers and releases when the binary is built: this file must not
//! name anything outside itself.

use sha2::{Digest, Sha256};

/// `sha256:<hex>` over (path, executable, bytes) entries, in the order given.
pub fn digest<'a>(entries: impl Iterator<Item = (&'a str, &'a [u8], bool)>) -> String {
    let mut h = Sha256::new();
    for (path, bytes, executable) in entries {
        h.update((path.len() as u64).to_le_bytes());
        h.update(path.as_bytes());
        h.update([u8::from(executable)]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    let digest = h.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
