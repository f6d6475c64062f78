//! A configuration expanded for a device type and accel id taken from the input: no panic, and when a
//! clean file expands, the `.conf` text it produces parses back without errors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qsal_core::DeviceType;
use qsal_core::config::Config;
use qsal_core::diag::Counter;
use qsal_core::expand::{ConfWriter, expand};
use qsal_core::validate::{Context, check_capacity, validate};

fuzz_target!(|data: &[u8]| {
    let [kind, accel, text @ ..] = data else {
        return;
    };
    let device = DeviceType::ALL[usize::from(*kind) % DeviceType::ALL.len()];
    let accel_id = u32::from(*accel % 8);
    let mut counter = Counter::default();
    let config: Config<'_> = Config::parse(text, &mut counter);
    validate(
        &config,
        &Context {
            device: Some(device),
            accel_id,
        },
        &mut counter,
    );
    check_capacity(&config, device, accel_id, &mut counter);
    let mut out = String::new();
    let expanded = expand(&config, device, accel_id, &mut ConfWriter::new(&mut out));
    if counter.errors == 0 && expanded.is_ok() {
        let mut again = Counter::default();
        let _reparsed: Config<'_, 512, 8192> = Config::parse(out.as_bytes(), &mut again);
        assert_eq!(again.errors, 0, "expanded text does not parse back:\n{out}");
    }
});
