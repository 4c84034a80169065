//! Where a finding points, resolved from what the rule names rather than from line
//! arithmetic in the rule.

use std::path::Path;

use paved_parse::dockerfile::{Instruction, Stage};
use paved_parse::hcl::Block;
use paved_parse::yaml::Node;

/// A file and, unless the finding is about the whole file, a 1-based line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location<'a> {
    pub file: &'a Path,
    pub line: Option<u32>,
}

/// A key path below a YAML node: `securityContext.privileged`, `ports[0].hostPort`,
/// `[2]` for an item of a sequence. Empty means the node itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YamlPath<'a>(pub &'a str);

impl<'a> Location<'a> {
    /// The whole file.
    pub fn file(file: &'a Path) -> Location<'a> {
        Location { file, line: None }
    }

    /// A Dockerfile instruction: the line its keyword is on.
    pub fn instruction(file: &'a Path, ins: &Instruction) -> Location<'a> {
        Location {
            file,
            line: Some(ins.line),
        }
    }

    /// A Dockerfile stage: the line of its `FROM`.
    pub fn stage(file: &'a Path, stage: &Stage) -> Location<'a> {
        Location {
            file,
            line: Some(stage.line),
        }
    }

    /// The key at `path` below `node` (the line of the key, so a finding about
    /// `privileged: true` points at `privileged`). When the path does not exist the
    /// deepest part of it that does is used, so a finding about a missing key points at
    /// the block that should hold it.
    pub fn yaml(file: &'a Path, node: &Node, path: YamlPath<'_>) -> Location<'a> {
        Location {
            file,
            line: Some(resolve_yaml(node, path.0)),
        }
    }

    /// The line `offset` bytes into the text of a YAML scalar (a line of a `run:` or
    /// `script:` block), resolved by the parser's knowledge of where the text sits.
    pub fn in_text(file: &'a Path, node: &Node, offset: usize) -> Location<'a> {
        Location {
            file,
            line: Some(node.line_at(offset)),
        }
    }

    /// The attribute or nested block at `path` (`ingress.cidr_blocks`) in a Terraform
    /// block; the deepest existing part of the path, else the block's header.
    pub fn hcl(file: &'a Path, block: &Block, path: &str) -> Location<'a> {
        Location {
            file,
            line: Some(resolve_hcl(block, path)),
        }
    }
}

/// One step of a [`YamlPath`].
enum Step<'p> {
    Key(&'p str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while let Some(open) = rest.strip_prefix('[') {
            let Some((index, after)) = open.split_once(']') else {
                break;
            };
            if let Ok(i) = index.parse() {
                out.push(Step::Index(i));
            }
            rest = after;
        }
    }
    out
}

fn resolve_yaml(node: &Node, path: &str) -> u32 {
    let mut current = node;
    let mut line = node.line();
    for step in steps(path) {
        match step {
            Step::Key(k) => match current.get_entry(k) {
                Some((key, value)) => {
                    line = key.line();
                    current = value;
                }
                None => break,
            },
            Step::Index(i) => match current.items().get(i) {
                Some(item) => {
                    line = item.line();
                    current = item;
                }
                None => break,
            },
        }
    }
    line
}

fn resolve_hcl(block: &Block, path: &str) -> u32 {
    let mut current = block;
    let mut line = block.line;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        if let Some(attr) = current.body.attr(part) {
            // An attribute holds a value, not blocks: nothing deeper to follow by name.
            line = attr.line;
            break;
        }
        match current.body.block(part) {
            Some(b) => {
                line = b.line;
                current = b;
            }
            None => break,
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_paths_resolve_to_the_deepest_existing_key() {
        let docs = paved_parse::yaml::parse(
            "spec:\n  containers:\n    - name: a\n      securityContext:\n        privileged: true\n",
        )
        .unwrap();
        let root = &docs[0];
        let at = |p| resolve_yaml(root, p);
        assert_eq!(at("spec.containers[0].securityContext.privileged"), 5);
        assert_eq!(at("spec.containers[0].securityContext.runAsUser"), 4);
        assert_eq!(at("spec.containers[0]"), 3);
        assert_eq!(at("spec.volumes"), 1);
        assert_eq!(at(""), root.line());
    }

    #[test]
    fn hcl_paths_resolve_to_attributes_and_blocks() {
        let tf = paved_parse::hcl::parse(
            "tf.tf".into(),
            "resource \"aws_security_group\" \"a\" {\n  name = \"x\"\n  ingress {\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n",
        )
        .unwrap();
        let block = &tf.blocks[0];
        assert_eq!(resolve_hcl(block, "name"), 2);
        assert_eq!(resolve_hcl(block, "ingress.cidr_blocks"), 4);
        assert_eq!(resolve_hcl(block, "ingress.from_port"), 3);
        assert_eq!(resolve_hcl(block, "egress"), 1);
    }
}
