//! Test support: the model crate's pattern samples, under the path the rule tests
//! already name (`crate::guardrails::gate_samples`).

pub(crate) use paved_model::samples::{assert_same_matches, strings_over, texts};
