//! The Terraform (HCL) parser alone, on arbitrary text: it must never panic; it
//! either returns a model or an error message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = paved::parse::hcl::parse("main.tf".into(), text);
    }
});
