//! Waivers (`PVD-WAIVER-*`): raised by `drift::waivers` while it reads
//! `.paved/waivers.toml` and other tools' inline suppressions.

use crate::guardrails::declare::register_engine;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Repository;

register_engine!("drift/rules/waiver");

pub use invalid::WaiverParams;
