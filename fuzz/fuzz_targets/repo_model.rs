//! Arbitrary bytes under the file names the guardrails parse, through the whole
//! engine: parsers, every rule, context, waivers, and every report format.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    paved::fuzzing::repo_model(data);
});
