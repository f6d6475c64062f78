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
mod section;

use crate::config::Config;
use crate::diag::DiagnosticSink;
use crate::profile::DeviceType;
use crate::value::Services;

pub use capacity::check_capacity;
pub use devices::{check_devices, total_slots};
pub use section::{UserSection, read_user_section};

/// What validation knows about the device the file is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The device type, when known (enables service checks for that type).
    pub device: Option<DeviceType>,
    /// The global accel id the file will be loaded at (used for derived names).
    pub accel_id: u32,
}

/// Facts established by validation that later stages reuse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// `ServicesEnabled`, when it is a recognised value.
    pub services: Option<Services>,
}

/// Validates `config`, reporting every finding to `sink`.
pub fn validate<'a, const S: usize, const K: usize>(
    config: &Config<'a, S, K>,
    context: &Context,
    sink: &mut impl DiagnosticSink<'a>,
) -> Facts {
    let services = general::check(config, context, sink);
    for section in config.sections() {
        section::check(&section, services, context, sink);
    }
    Facts { services }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_devices;
