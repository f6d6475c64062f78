//! Validation of one parsed configuration file, before anything is loaded.
//!
//! Checks everything that can be decided from the file and (optionally) its device type: `[GENERAL]`
//! (`ConfigVersion`, `ServicesEnabled`, `ServicesProfile`, ring depths), and for every `[KERNEL]` and
//! user section the instance counts, per-instance `Name` / `IsPolled` / `CoreAffinity`, the number
//! formats of `NumProcesses` and `LimitDevAccess`, and the length of derived names. With a device
//! type, [`check_capacity`] adds what needs the hardware (rings, banks, process limits); with several
//! files, [`check_devices`] adds the cross-device rules. Each finding points at the key or header at
//! fault.

mod capacity;
mod devices;
mod general;
mod number;
mod section;

use crate::config::Config;
use crate::diag::DiagnosticSink;
use crate::profile::{DeviceType, Driver};

pub use capacity::check_capacity;
pub use devices::{check_devices, total_slots};

/// What validation knows about the device the file is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The device type, when known (enables service checks for that type).
    pub device: Option<DeviceType>,
    /// The global accel id the file will be loaded at (used for derived names).
    pub accel_id: u32,
}

impl Context {
    /// The driver family whose rules apply: the device's, or QAT 1.7 when the type is unknown.
    pub fn driver(&self) -> Driver {
        self.device.map_or(Driver::Qat17, |d| d.profile().driver())
    }
}

/// Checks a device set as every reader of configuration files does — `qsal check`, `qsal expand`,
/// `qsal up` and the backends: each file validated for its device (`contexts[i]`), the capacity of
/// each file without errors whose device type is known, then the rules across the set.
/// `report(file, diagnostic)` receives each finding with the index of its file.
pub fn check_set<'a, const SECTIONS: usize, const KEYS: usize>(
    configs: &[Config<'a, SECTIONS, KEYS>],
    contexts: &[Context],
    mut report: impl FnMut(usize, crate::diag::Diagnostic<'a>),
) {
    for (i, config) in configs.iter().enumerate() {
        let context = contexts.get(i).copied().unwrap_or_default();
        let mut errors = 0usize;
        validate(config, &context, &mut |d: crate::diag::Diagnostic<'a>| {
            if d.severity() == crate::diag::Severity::Error {
                errors = errors.saturating_add(1);
            }
            report(i, d);
        });
        if let (0, Some(device)) = (errors, context.device) {
            check_capacity(config, device, context.accel_id, &mut |d| report(i, d));
        }
    }
    check_devices(configs, contexts, report);
}

/// Validates `config`, reporting every finding to `sink`.
pub fn validate<'a, const SECTIONS: usize, const KEYS: usize>(
    config: &Config<'a, SECTIONS, KEYS>,
    context: &Context,
    sink: &mut impl DiagnosticSink<'a>,
) {
    let services = general::check(config, context, sink);
    for section in config.sections() {
        section::check(&section, services, context, sink);
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_devices;
#[cfg(test)]
mod tests_fidelity;
