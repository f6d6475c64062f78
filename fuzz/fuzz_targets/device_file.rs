//! A device file as a group member may have edited it: the loader's re-validation either refuses it
//! or every ring it hands out is inside the device and used by one instance only.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use qsal_core::DeviceType;
use qsal_core::config::expanded::{Expanded, SectionSpan, index, sections_in, verify};
use qsal_core::ring::ring_specs;

fuzz_target!(|data: &[u8]| {
    let [kind, text @ ..] = data else {
        return;
    };
    let device = DeviceType::ALL[usize::from(*kind) % DeviceType::ALL.len()];
    let profile = device.profile();
    let mut spans = vec![SectionSpan::default(); sections_in(text)];
    let built = index(text, &mut spans);
    let expanded = Expanded::new(text, &spans[..built.len], built.complete, profile);
    if verify(&expanded).is_err() {
        return;
    }
    let mut used = HashSet::new();
    for section in expanded.sections() {
        if !expanded.has_instances(&section.name.compact()) {
            continue;
        }
        ring_specs(section.body, &profile, |spec| {
            assert!(spec.bank < profile.banks, "{spec:?} outside the device");
            for ring in [spec.tx, spec.rx] {
                assert!(ring < profile.rings_per_bank, "{spec:?} outside the bank");
                assert!(used.insert((spec.bank, ring)), "{spec:?} reuses a ring");
            }
        })
        .expect("a verified file has valid ring keys");
    }
});
