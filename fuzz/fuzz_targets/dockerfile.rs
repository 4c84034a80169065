//! The Dockerfile parser alone, on arbitrary text: it must never panic, and every
//! instruction it returns must carry a line inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut notes = Vec::new();
    let df = paved::parse::dockerfile::parse("Dockerfile".into(), text, &mut notes);
    let lines = text.lines().count().max(1) as u32;
    for ins in &df.instructions {
        assert!(ins.line >= 1 && ins.line <= lines + 1, "line {} of {lines}", ins.line);
    }
});
