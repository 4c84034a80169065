//! The audit's blind spots (`PVD-AUDIT-*`): files a parser could not read (raised
//! by the engine from the model's parse warnings) and configuration that only a tool
//! can render (raised by `drift::blind_spots`).

use crate::guardrails::declare::register_engine;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Repository;

register_engine!("drift/rules/audit");
