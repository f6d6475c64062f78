//! One module per `qsal` subcommand, plus the argument helpers they share.

pub mod check;
pub mod demo;
pub mod expand;
pub mod slots;
pub mod up;

use std::path::PathBuf;
use std::process::ExitCode;

use qsal_core::DeviceType;

use crate::source::SourceFile;

/// Exit status for usage errors (bad arguments, unreadable files).
pub const USAGE: u8 = 2;

/// clap value parser for `--device-type`.
pub fn parse_device_type(name: &str) -> Result<DeviceType, String> {
    DeviceType::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = DeviceType::ALL.iter().map(|t| t.name()).collect();
        format!(
            "unknown device type `{name}`; known types: {}",
            known.join(", ")
        )
    })
}

/// Reads every file, or prints why one cannot be read and returns the usage exit status.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<SourceFile>, ExitCode> {
    paths
        .iter()
        .map(|p| SourceFile::read(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| {
            eprintln!("qsal: {message}");
            ExitCode::from(USAGE)
        })
}

/// Prints a backend error and returns exit status 1.
pub fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("qsal: {error}");
    ExitCode::from(1)
}
