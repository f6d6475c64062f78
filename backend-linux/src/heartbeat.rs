//! Heartbeats: whether a device is alive, as `icp_sal_check_device` asks.
//!
//! * An **emulated** device is alive when this process's engine for it beats (it runs and serves)
//!   and its heartbeat has not failed; with no attachment in this process there is no engine, and
//!   the device is alive unless a failure was simulated on it.
//! * A **hardware** device is alive when the driver says so: the kernel driver publishes the
//!   heartbeat status in debugfs, `<debugfs>/qat_<type>_<bsf>/heartbeat/status`, `0` when alive and
//!   `-1` when not. `<debugfs>` is `$QSAL_DEBUGFS`, else `/sys/kernel/debug`. Without that file
//!   (debugfs not mounted, or a driver without heartbeat support) the answer is "unsupported", as
//!   Intel's library answers when it cannot reach the driver.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::attachment::{Beat, DeviceAttachment, Health};
use crate::device_file::Origin;
use crate::devices::LoadedDevice;
use crate::dir::read_limited;

/// Why a device's heartbeat did not answer "alive".
#[derive(Debug)]
pub enum HeartbeatError {
    /// The emulated device's heartbeat failed (simulated); reset it.
    Failed,
    /// The emulated engine did not beat in time.
    Hung,
    /// The emulated engine has ended.
    Dead,
    /// The driver reports the hardware device as not responding.
    DriverFailed {
        /// The status file.
        path: PathBuf,
        /// What it said.
        status: String,
    },
    /// The driver publishes no heartbeat status for the device.
    NoDriverStatus {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The status file could not be read or says something unexpected.
    BadDriverStatus {
        /// The status file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl fmt::Display for HeartbeatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed => {
                f.write_str("its heartbeat failed (simulated); reset it with icp_sal_reset_device")
            }
            Self::Hung => write!(
                f,
                "its emulated engine did not answer the heartbeat within {} ms: it is hung or stalled; reset it with icp_sal_reset_device",
                crate::HEARTBEAT_WAIT.as_millis()
            ),
            Self::Dead => {
                f.write_str("its emulated engine has stopped; reset it with icp_sal_reset_device")
            }
            Self::DriverFailed { path, status } => write!(
                f,
                "the driver reports it as not responding ({} says {status}); restart it with `qsal restart` or the driver's reset",
                path.display()
            ),
            Self::NoDriverStatus { path } => write!(
                f,
                "the driver publishes no heartbeat status ({} does not exist): mount debugfs (or set QSAL_DEBUGFS) and use a driver with heartbeat support",
                path.display()
            ),
            Self::BadDriverStatus { path, reason } => {
                write!(
                    f,
                    "cannot read the heartbeat status {}: {reason}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for HeartbeatError {}

/// Where debugfs is: `$QSAL_DEBUGFS`, else `/sys/kernel/debug`.
pub fn debugfs_root() -> PathBuf {
    std::env::var_os("QSAL_DEBUGFS")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/sys/kernel/debug"), PathBuf::from)
}

/// The driver's heartbeat status file of a hardware device under `debugfs`.
pub fn status_path(debugfs: &Path, device: &LoadedDevice) -> PathBuf {
    debugfs
        .join(format!(
            "qat_{}_{}",
            device.info.device_type.name(),
            device.meta.bsf
        ))
        .join("heartbeat/status")
}

/// Checks the heartbeat of `device`; `attachment` is this process's attachment to it, if any.
pub fn check(
    device: &LoadedDevice,
    attachment: Option<&DeviceAttachment>,
    health: &Health,
) -> Result<(), HeartbeatError> {
    match device.meta.origin {
        Origin::Hardware => driver_status(&status_path(&debugfs_root(), device)),
        Origin::Emulated => match attachment.map(DeviceAttachment::heartbeat) {
            None if health.failed() => Err(HeartbeatError::Failed),
            None | Some(Beat::Alive) => Ok(()),
            Some(Beat::Failed) => Err(HeartbeatError::Failed),
            Some(Beat::Hung) => Err(HeartbeatError::Hung),
            Some(Beat::Dead) => Err(HeartbeatError::Dead),
        },
    }
}

/// Reads the driver's heartbeat status file: `0` alive, anything else not.
fn driver_status(path: &Path) -> Result<(), HeartbeatError> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(HeartbeatError::NoDriverStatus {
                path: path.to_path_buf(),
            });
        }
        Err(e) => {
            return Err(HeartbeatError::BadDriverStatus {
                path: path.to_path_buf(),
                reason: e.to_string(),
            });
        }
    };
    let bad = |reason: String| HeartbeatError::BadDriverStatus {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = read_limited(&file, path, 64).map_err(|e| bad(e.to_string()))?;
    let text = String::from_utf8_lossy(&bytes);
    let status = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    match status.parse::<i32>() {
        Ok(0) => Ok(()),
        Ok(_) => Err(HeartbeatError::DriverFailed {
            path: path.to_path_buf(),
            status: status.to_string(),
        }),
        Err(_) => Err(bad(format!("`{status}` is not a status number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_status_reads_zero_as_alive_and_anything_else_as_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("status");
        std::fs::write(&path, "0\n\0").expect("write");
        assert!(driver_status(&path).is_ok());
        std::fs::write(&path, "-1\n").expect("write");
        assert!(matches!(
            driver_status(&path),
            Err(HeartbeatError::DriverFailed { status, .. }) if status == "-1"
        ));
        std::fs::write(&path, "alive").expect("write");
        assert!(matches!(
            driver_status(&path),
            Err(HeartbeatError::BadDriverStatus { .. })
        ));
        let missing = driver_status(&dir.path().join("none")).expect_err("missing");
        assert!(matches!(missing, HeartbeatError::NoDriverStatus { .. }));
        assert!(missing.to_string().contains("QSAL_DEBUGFS"), "{missing}");
    }
}
