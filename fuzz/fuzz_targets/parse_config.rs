//! Any bytes through the parser and validation (no device type): no panic, no hang, and every
//! diagnostic points inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qsal_core::config::Config;
use qsal_core::diag::Diagnostic;
use qsal_core::validate::{Context, validate};

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count().max(1);
    let mut check = |d: Diagnostic<'_>| {
        let line = d.span.line as usize;
        assert!(line <= lines, "diagnostic on line {line} of {lines}");
    };
    let config: Config<'_> = Config::parse(data, &mut check);
    validate(
        &config,
        &Context {
            device: None,
            accel_id: 0,
        },
        &mut check,
    );
});
