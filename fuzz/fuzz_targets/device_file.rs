//! A device file as a group member may have edited it: its section index finds what a scan of the
//! text finds, and the loader's re-validation either refuses it or every ring it hands out is
//! inside the device and used by one instance only.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use qsal_core::DeviceType;
use qsal_core::config::expanded::{Expanded, SectionSpan, index, index_len, verify};
use qsal_core::ring::ring_specs;

fuzz_target!(|data: &[u8]| {
    let [kind, text @ ..] = data else {
        return;
    };
    let device = DeviceType::ALL[usize::from(*kind) % DeviceType::ALL.len()];
    let profile = device.profile();
    // A table as the backends size it, and one with no spare entry: each finds every section a
    // scan of the text finds (the first of a name written twice).
    let mut spans = vec![SectionSpan::default(); index_len(text)];
    let built = index(text, &mut spans);
    let mut tight = vec![SectionSpan::default(); built.filled];
    let tight_built = index(text, &mut tight);
    let expanded = Expanded::new(text, &spans, built.complete, profile);
    let scanned = Expanded::unindexed(text, profile);
    for view in [expanded, Expanded::new(text, &tight, tight_built.complete, profile)] {
        for section in scanned.sections() {
            let name = section.name.compact();
            assert_eq!(view.section(&name), scanned.section(&name), "[{}]", &*name);
            assert_eq!(view.limit_dev_access(&name), scanned.limit_dev_access(&name));
        }
    }
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
