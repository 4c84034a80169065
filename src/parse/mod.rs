//! Parsers for the file kinds guardrails understand. Each keeps line numbers, never
//! panics, and bounds its work (size, depth, alias expansion) so hostile files end
//! as warnings rather than hangs or crashes.

pub mod dockerfile;
pub mod hcl;
pub mod yaml;
