//! [`CliError`]: why a command failed, one variant per cause, and the exit status it maps to.

use std::fmt;
use std::process::ExitCode;

use qsal_backend_linux::LinuxError;
use qsal_backend_linux::store::StoreError;
use qsal_core::sal::{StartError, StopError};

use crate::input::ReadError;

/// Exit status for usage errors (bad arguments, unreadable input files).
pub const USAGE: u8 = 2;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// An input file cannot be read (exit status 2).
    Read(ReadError),
    /// The configuration has errors (already printed); `action` says what did not happen.
    ConfigErrors {
        /// The file or device set.
        what: String,
        /// "nothing was loaded", "nothing was expanded".
        action: &'static str,
    },
    /// A configuration cannot be expanded.
    Expand(String),
    /// The runtime directory or a device in it failed.
    Linux(LinuxError),
    /// Writing or removing the device set failed.
    Store(StoreError),
    /// A start failed (boxed: the core's error carries its text inline).
    Start(Box<StartError>),
    /// A stop failed.
    Stop(StopError),
    /// A system call outside the runtime directory failed.
    System {
        /// What qsal was doing.
        action: String,
        /// The error.
        source: std::io::Error,
    },
    /// The demo did not complete.
    Demo(String),
}

impl CliError {
    /// The exit status: 2 for usage errors, 1 for everything else.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Read(_) => ExitCode::from(USAGE),
            _ => ExitCode::from(1),
        }
    }

    /// A failed system call.
    pub fn system(action: impl Into<String>, source: std::io::Error) -> Self {
        Self::System {
            action: action.into(),
            source,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(e) => write!(f, "{e}"),
            Self::ConfigErrors { what, action } => {
                write!(f, "{what} has errors (shown above); {action}")
            }
            Self::Expand(message) => f.write_str(message),
            Self::Linux(e) => write!(f, "{e}"),
            Self::Store(e) => write!(f, "{e}"),
            Self::Start(e) => write!(f, "{e}"),
            Self::Stop(e) => write!(f, "{e}"),
            Self::System { action, source } => write!(f, "cannot {action}: {source}"),
            Self::Demo(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read(e) => Some(e),
            Self::Linux(e) => Some(e),
            Self::Store(e) => Some(e),
            Self::Start(e) => Some(e.as_ref()),
            Self::Stop(e) => Some(e),
            Self::System { source, .. } => Some(source),
            Self::ConfigErrors { .. } | Self::Expand(_) | Self::Demo(_) => None,
        }
    }
}

impl From<ReadError> for CliError {
    fn from(e: ReadError) -> Self {
        Self::Read(e)
    }
}

impl From<LinuxError> for CliError {
    fn from(e: LinuxError) -> Self {
        Self::Linux(e)
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<StartError> for CliError {
    fn from(e: StartError) -> Self {
        Self::Start(Box::new(e))
    }
}

impl From<StopError> for CliError {
    fn from(e: StopError) -> Self {
        Self::Stop(e)
    }
}
