//! Authentication wiring of paved-generated services (`PVD-AUTH-*`).

use crate::guardrails::Rule;

pub static RULES: &[Rule] = &[];
