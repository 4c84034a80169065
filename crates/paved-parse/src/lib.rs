//! The bottom layers of `paved drift`: the files a repository holds ([`files`]) and
//! the parsers for the file kinds the guardrails understand. Each parser keeps line
//! numbers, never panics, and bounds its work (size, depth, alias expansion) so
//! hostile files end as warnings rather than hangs or crashes.
//!
//! A crate of its own so that the compiler keeps the layers one-way: nothing here can
//! name the domain model, the rules or the drift engine built on top.

pub mod dockerfile;
pub mod files;
pub mod hcl;
pub mod yaml;
