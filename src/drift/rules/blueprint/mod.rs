//! Blueprint conformance (`PVD-BLUEPRINT-*`): raised by `drift::blueprint`, which
//! re-renders the recorded blueprint version with the recorded answers and compares
//! it with the repository.

use crate::guardrails::declare::register_engine;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Blueprint;

register_engine!("drift/rules/blueprint");
