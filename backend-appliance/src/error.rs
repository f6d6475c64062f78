//! [`BoardError`]: why the board refused.

use core::fmt;

use qsal_core::platform::{Error, ErrorKind};
use qsal_core::ring::{RingError, RingKeyError};

/// Why the board refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BoardError {
    /// No device with this accel id.
    NoSuchDevice(u32),
    /// The section's ring keys cannot be read (the expanded text is not what the build made).
    BadRingKeys(u32),
    /// Every ring slot of the board is in use.
    NoRingSlot,
    /// An attachment has more ring pairs than it can hold.
    TooManyPairs,
    /// A ring pair could not be set up on its slot.
    Ring {
        /// The device.
        accel_id: u32,
        /// The request ring.
        ring: u8,
    },
}

impl fmt::Display for BoardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSuchDevice(accel_id) => write!(f, "the board has no device {accel_id}"),
            Self::BadRingKeys(accel_id) => write!(
                f,
                "device {accel_id}: the section's ring keys cannot be read; rebuild the firmware"
            ),
            Self::NoRingSlot => f.write_str(
                "every ring slot of the board is in use: give the Board more slots (its PAIRS)",
            ),
            Self::TooManyPairs => {
                f.write_str("the section has more ring pairs than one attachment holds")
            }
            Self::Ring { accel_id, ring } => write!(
                f,
                "device {accel_id}: ring {ring} cannot be set up in a ring slot (too small?)"
            ),
        }
    }
}

impl Error for BoardError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NoSuchDevice(_) => ErrorKind::NoDevice,
            Self::NoRingSlot | Self::TooManyPairs => ErrorKind::Full,
            Self::BadRingKeys(_) | Self::Ring { .. } => ErrorKind::SetupFailed,
        }
    }
}

impl BoardError {
    /// The error for a ring of device `accel_id` that did not set up.
    pub(crate) fn ring(accel_id: u32, ring: u8, _: RingError) -> Self {
        Self::Ring { accel_id, ring }
    }

    /// The error for unreadable ring keys of device `accel_id`.
    pub(crate) fn keys(accel_id: u32, _: RingKeyError) -> Self {
        Self::BadRingKeys(accel_id)
    }
}
