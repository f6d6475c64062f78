//! [`CliError`]: why a command failed, one variant per cause, and the exit status it maps to.

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

use qsal_backend_linux::LinuxError;
use qsal_backend_linux::store::StoreError;
use qsal_core::sal::{StartError, StopError};

use crate::device_args::pci_devices;
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
    /// The arguments contradict each other (exit status 2).
    Usage(String),
    /// Discovery found no QAT device on the PCI bus.
    NoHardware {
        /// The sysfs tree searched.
        sysfs: PathBuf,
    },
    /// `qat_dev<N>` is not on the PCI bus.
    NotOnBus {
        /// The device asked for.
        accel_id: u32,
        /// How many devices were found.
        found: usize,
        /// The sysfs tree searched.
        sysfs: PathBuf,
    },
    /// `up qat_dev<N>` for a device that is up.
    AlreadyUp {
        /// The device.
        accel_id: u32,
    },
    /// A command for a device that is not up.
    NotUp {
        /// The device.
        accel_id: u32,
    },
    /// The slots could not be listed.
    Inventory(qsal_backend_linux::inventory::InventoryError),
    /// The runtime directory has no slot (no device set).
    NoSlots {
        /// The runtime directory.
        runtime_dir: PathBuf,
    },
}

impl CliError {
    /// The exit status: 2 for usage errors, 1 for everything else.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Read(_) | Self::Usage(_) => ExitCode::from(USAGE),
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
            Self::Demo(message) | Self::Usage(message) => f.write_str(message),
            Self::NoHardware { sysfs } => write!(
                f,
                "no QAT device found in {}; name emulated devices with --device TYPE=FILE, or point --sysfs-root at the right tree",
                pci_devices(sysfs).display()
            ),
            Self::NotOnBus {
                accel_id,
                found,
                sysfs,
            } => write!(
                f,
                "qat_dev{accel_id} is not on the PCI bus: {found} QAT device(s) found in {} (qat_dev0…qat_dev{})",
                pci_devices(sysfs).display(),
                found.saturating_sub(1)
            ),
            Self::AlreadyUp { accel_id } => write!(
                f,
                "qat_dev{accel_id} is up already; `qsal restart qat_dev{accel_id}` loads its configuration again"
            ),
            Self::NotUp { accel_id } => write!(
                f,
                "qat_dev{accel_id} is not up; `qsal status` lists the devices that are"
            ),
            Self::Inventory(e) => write!(f, "{e}"),
            Self::NoSlots { runtime_dir } => write!(
                f,
                "{} has no slot: no device set is loaded; run `qsal up` first",
                runtime_dir.display()
            ),
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
            Self::Inventory(e) => Some(e),
            Self::ConfigErrors { .. }
            | Self::NoSlots { .. }
            | Self::Expand(_)
            | Self::Demo(_)
            | Self::Usage(_)
            | Self::NoHardware { .. }
            | Self::NotOnBus { .. }
            | Self::AlreadyUp { .. }
            | Self::NotUp { .. } => None,
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
