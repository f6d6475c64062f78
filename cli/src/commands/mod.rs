//! One module per `qsal` subcommand, plus the argument helpers they share.

pub mod cdi;
pub mod check;
pub mod demo;
pub mod down;
pub mod expand;
pub mod hold;
pub mod probe;
pub mod restart;
pub mod status;
pub mod up;

use qsal_core::DeviceType;

/// clap value parser for device types (`--device-type`, `--device TYPE=FILE`).
pub fn parse_device_type(name: &str) -> Result<DeviceType, String> {
    DeviceType::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = DeviceType::ALL.iter().map(|t| t.name()).collect();
        format!(
            "unknown device type `{name}`; known types: {}",
            known.join(", ")
        )
    })
}
