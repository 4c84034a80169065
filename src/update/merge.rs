//! The three-way merge of one file: base (the recorded version as rendered), ours
//! (the repository's file) and theirs (the target version as rendered). The line
//! merge itself is diffy's; this module decides the trivial cases, refuses binary
//! content, and labels the conflict markers with the blueprint version.

use diffy::{ConflictStyle, IncompleteHunkStyle, MergeOptions};

pub const OURS_MARKER: &str = "<<<<<<< ours";
pub const SEPARATOR: &str = "=======";
/// What diffy writes after the incoming side, before we name the version.
const THEIRS_MARKER: &str = ">>>>>>> theirs";
/// The prefix of our incoming-side marker: `>>>>>>> blueprint X.Y.Z`.
pub const BLUEPRINT_MARKER: &str = ">>>>>>> blueprint ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// No conflict: the merged bytes (which may equal ours or theirs).
    Clean(Vec<u8>),
    /// Text with conflict markers, and how many conflicting regions.
    Conflicts { text: Vec<u8>, regions: usize },
    /// Both sides changed a file that is not text: nothing can be merged.
    Binary,
}

/// Merges `ours` and `theirs`, both descended from `base`. `version` labels the
/// blueprint's side of each conflict.
pub fn merge3(base: &[u8], ours: &[u8], theirs: &[u8], version: &str) -> Merged {
    if ours == base || ours == theirs {
        return Merged::Clean(theirs.to_vec());
    }
    if theirs == base {
        return Merged::Clean(ours.to_vec());
    }
    let (Some(base), Some(ours), Some(theirs)) = (text(base), text(ours), text(theirs)) else {
        return Merged::Binary;
    };
    let mut options = MergeOptions::new();
    options
        .set_conflict_style(ConflictStyle::Merge)
        .set_incomplete_hunk_style(IncompleteHunkStyle::Git);
    match options.merge(base, ours, theirs) {
        Ok(merged) => Merged::Clean(merged.into_bytes()),
        Err(conflicted) => {
            // Relabel only the markers diffy added: if an input already had a line
            // that looks like one, keep diffy's label rather than guess.
            let preexisting = [base, ours, theirs]
                .iter()
                .any(|t| t.lines().any(|l| l == THEIRS_MARKER));
            let label = format!("{BLUEPRINT_MARKER}{version}");
            let mut out = String::with_capacity(conflicted.len() + 64);
            let mut regions = 0;
            for line in conflicted.split_inclusive('\n') {
                let bare = line.strip_suffix('\n').unwrap_or(line);
                if bare == OURS_MARKER {
                    regions += 1;
                }
                if bare == THEIRS_MARKER && !preexisting {
                    out.push_str(&label);
                    out.push_str(&line[bare.len()..]);
                } else {
                    out.push_str(line);
                }
            }
            Merged::Conflicts {
                text: out.into_bytes(),
                regions: regions.max(1),
            }
        }
    }
}

/// UTF-8 text without NUL bytes, or `None` for anything binary.
fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes)
        .ok()
        .filter(|t| !t.contains('\0'))
}

/// Lines of `bytes` that are conflict markers a previous `paved update` left, 1-based.
pub fn leftover_markers(bytes: &[u8]) -> Vec<usize> {
    let Some(t) = text(bytes) else {
        return Vec::new();
    };
    t.lines()
        .enumerate()
        .filter(|(_, l)| *l == OURS_MARKER || l.starts_with(BLUEPRINT_MARKER))
        .map(|(i, _)| i + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "a\nb\nc\nd\ne\n";

    fn merge(ours: &str, theirs: &str) -> Merged {
        merge3(BASE.as_bytes(), ours.as_bytes(), theirs.as_bytes(), "2.0.0")
    }

    #[test]
    fn trivial_sides() {
        assert_eq!(merge(BASE, "x\n"), Merged::Clean(b"x\n".to_vec()));
        assert_eq!(merge("x\n", BASE), Merged::Clean(b"x\n".to_vec()));
        assert_eq!(merge("x\n", "x\n"), Merged::Clean(b"x\n".to_vec()));
    }

    #[test]
    fn separate_edits_merge_cleanly() {
        let merged = merge("A\nb\nc\nd\ne\n", "a\nb\nc\nd\nE\n");
        assert_eq!(merged, Merged::Clean(b"A\nb\nc\nd\nE\n".to_vec()));
    }

    #[test]
    fn same_line_conflicts_with_labelled_markers() {
        let Merged::Conflicts { text, regions } =
            merge("a\nb\nOURS\nd\ne\n", "a\nb\nTHEIRS\nd\ne\n")
        else {
            panic!("expected a conflict")
        };
        assert_eq!(regions, 1);
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "a\nb\n<<<<<<< ours\nOURS\n=======\nTHEIRS\n>>>>>>> blueprint 2.0.0\nd\ne\n"
        );
    }

    #[test]
    fn conflict_at_an_unterminated_last_line_keeps_markers_on_their_own_lines() {
        let Merged::Conflicts { text, .. } = merge3(b"a\nz", b"a\nours", b"a\ntheirs", "1.1.0")
        else {
            panic!("expected a conflict")
        };
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.lines().any(|l| l == ">>>>>>> blueprint 1.1.0"),
            "{text}"
        );
        assert!(text.lines().any(|l| l == "ours"), "{text}");
    }

    #[test]
    fn binary_is_never_merged() {
        assert_eq!(merge3(b"\0a", b"\0b", b"\0c", "1"), Merged::Binary);
        assert_eq!(
            merge3(b"\0a", b"\0a", b"\0c", "1"),
            Merged::Clean(b"\0c".to_vec())
        );
    }

    #[test]
    fn finds_leftover_markers() {
        assert_eq!(
            leftover_markers(b"x\n<<<<<<< ours\ny\n=======\nz\n>>>>>>> blueprint 1.0.0\n"),
            vec![2, 6]
        );
        assert!(leftover_markers(b"<<<<<<< HEAD\n").is_empty());
    }
}
