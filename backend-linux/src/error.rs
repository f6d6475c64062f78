//! [`LinuxError`]: what went wrong, on which path, and why.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use qsal_core::platform::{Error, ErrorKind};

/// A Linux backend failure.
#[derive(Debug)]
pub enum LinuxError {
    /// A system call on `path` failed.
    Io {
        /// What qsal was doing.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// No runtime directory could be chosen.
    NoRuntimeDir,
    /// A name cannot be used as a file name.
    UnsafeName(String),
    /// A device file of the runtime directory is malformed.
    BadDeviceFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The lease file was removed (for example by `qsal down --force`) while it was held.
    LeaseLost(PathBuf),
    /// A device could not be attached.
    Setup {
        /// The device.
        accel_id: u32,
        /// What failed.
        reason: String,
    },
    /// The kernel's slot protocol failed or answered something unexpected.
    Protocol(String),
}

impl LinuxError {
    /// Wraps an I/O error with the action and the path.
    pub fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for LinuxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io {
                action,
                path,
                source,
            } => {
                write!(f, "cannot {action} {}: {source}", path.display())?;
                match source.kind() {
                    io::ErrorKind::PermissionDenied => write!(
                        f,
                        " (needs read and write access; add the user to the group owning {})",
                        path.parent().unwrap_or(path).display()
                    ),
                    io::ErrorKind::NotFound if *action == "open the device directory" => {
                        f.write_str(" (no device is up; run `qsal up`)")
                    }
                    _ => Ok(()),
                }
            }
            Self::NoRuntimeDir => f.write_str(
                "no runtime directory: pass --runtime-dir, or set QSAL_RUNTIME_DIR or XDG_RUNTIME_DIR",
            ),
            Self::UnsafeName(name) => write!(f, "`{name}` cannot be used as a slot name"),
            Self::BadDeviceFile { path, reason } => write!(
                f,
                "device file {} is malformed ({reason}); run `qsal up` again",
                path.display()
            ),
            Self::LeaseLost(path) => write!(
                f,
                "lease file {} was removed while held (qsal down --force?)",
                path.display()
            ),
            Self::Setup { accel_id, reason } => write!(f, "device {accel_id}: {reason}"),
            Self::Protocol(message) => write!(f, "/dev/qat_dev_processes: {message}"),
        }
    }
}

impl std::error::Error for LinuxError {}

impl Error for LinuxError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Io { source, action, .. } => match source.kind() {
                io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
                io::ErrorKind::NotFound if *action == "open the device directory" => {
                    ErrorKind::NoDevice
                }
                io::ErrorKind::NotFound => ErrorKind::NotFound,
                _ => ErrorKind::Io,
            },
            Self::NoRuntimeDir => ErrorKind::NotFound,
            Self::UnsafeName(_) | Self::BadDeviceFile { .. } | Self::Protocol(_) => {
                ErrorKind::Other
            }
            Self::LeaseLost(_) => ErrorKind::LeaseLost,
            Self::Setup { .. } => ErrorKind::SetupFailed,
        }
    }
}
