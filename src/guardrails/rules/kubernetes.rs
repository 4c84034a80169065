//! Rules for this domain (placeholder until its rules land).

use crate::guardrails::Rule;

pub static RULES: &[Rule] = &[];
