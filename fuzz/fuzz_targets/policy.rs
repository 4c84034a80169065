//! Arbitrary text as a guardrails profile: the loader must reject or accept it,
//! never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    paved::fuzzing::policy(data);
});
