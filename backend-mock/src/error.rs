//! [`MockError`]: the mock backend's error type.

use core::fmt;

use qsal_core::platform::{Error, ErrorKind};

/// Why the mock refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MockError {
    /// More devices than the world holds.
    TooManyDevices,
    /// A configuration handed to [`MockWorld::add_device`](crate::MockWorld::add_device) has errors
    /// (the code of the first one).
    InvalidConfig(&'static str),
    /// The expanded configuration does not fit the device's text buffer.
    TextFull,
    /// An expanded configuration handed to [`MockWorld::add_expanded`](crate::MockWorld::add_expanded)
    /// failed the core's re-validation (at this line).
    InvalidExpanded {
        /// The line at fault.
        line: u32,
    },
    /// No device with this accel id.
    NoSuchDevice(u32),
    /// Injected: the device is down.
    DeviceDown(u32),
    /// Injected: mapping a bank of the device failed.
    MapFailed {
        /// The device.
        accel_id: u32,
        /// The bank whose mapping failed.
        bank: u16,
    },
}

impl fmt::Display for MockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyDevices => f.write_str("the mock world holds no more devices"),
            Self::InvalidConfig(code) => {
                write!(
                    f,
                    "the configuration has errors (first: {code}); run `qsal check` on it"
                )
            }
            Self::TextFull => {
                f.write_str("the expanded configuration does not fit the mock device")
            }
            Self::InvalidExpanded { line } => write!(
                f,
                "the expanded configuration is not usable (line {line}); expand it with qsal"
            ),
            Self::NoSuchDevice(id) => write!(f, "there is no mock device {id}"),
            Self::DeviceDown(id) => write!(f, "mock device {id} is down"),
            Self::MapFailed { accel_id, bank } => write!(
                f,
                "mapping bank {bank} of mock device {accel_id} failed (injected fault)"
            ),
        }
    }
}

impl Error for MockError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::TooManyDevices | Self::TextFull => ErrorKind::Full,
            Self::InvalidConfig(_) | Self::InvalidExpanded { .. } => ErrorKind::Other,
            Self::NoSuchDevice(_) => ErrorKind::NotFound,
            Self::DeviceDown(_) => ErrorKind::NoDevice,
            Self::MapFailed { .. } => ErrorKind::SetupFailed,
        }
    }
}
