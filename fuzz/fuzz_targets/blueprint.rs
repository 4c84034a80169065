//! Arbitrary bytes as a blueprint (manifest, templates, partials): loading, checking
//! and rendering must refuse or succeed within the limits, never panic or overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    paved::blueprint::fuzzing::blueprint(data);
});
