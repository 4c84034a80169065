//! The repository's security context (`PVD-CONTEXT-*`): raised by `drift::context`
//! while it reads `.paved/context.toml` and the answers.

use crate::guardrails::declare::register_engine;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Repository;

register_engine!("drift/rules/context");
