//! The YAML parser alone, on arbitrary text: it must never panic or run away on
//! aliases and nesting; it either returns documents or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = paved::parse::yaml::parse(text);
    }
});
