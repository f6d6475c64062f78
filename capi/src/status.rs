//! The `CpaStatus` values of `cpa.h`, and which one each failure of the process-wide state becomes.

use qsal_backend_linux::ProcessError;
use qsal_backend_linux::heartbeat::HeartbeatError;
use qsal_core::ring::PutError;

/// Success.
pub const SUCCESS: i32 = 0;
/// Failure (every start/stop failure, as in the reference).
pub const FAIL: i32 = -1;
/// Try again.
pub const RETRY: i32 = -2;
/// A resource could not be obtained.
pub const RESOURCE: i32 = -3;
/// An invalid parameter.
pub const INVALID_PARAM: i32 = -4;
/// A fatal error.
pub const FATAL: i32 = -5;
/// Not supported.
pub const UNSUPPORTED: i32 = -6;
/// The device is restarting.
pub const RESTARTING: i32 = -7;

/// The status a failure is reported with: `CPA_STATUS_RETRY` when a request ring is full,
/// `CPA_STATUS_INVALID_PARAM` for a ring index or message length that does not exist,
/// `CPA_STATUS_UNSUPPORTED` where the function does not exist for the device (or the driver gives
/// no answer), `CPA_STATUS_FAIL` for everything else, as Intel's library reports them.
pub fn of(error: &ProcessError) -> i32 {
    match error {
        ProcessError::Put(PutError::Full) => RETRY,
        ProcessError::NoSuchRing { .. }
        | ProcessError::PartialMessage { .. }
        | ProcessError::Put(PutError::WrongSize { .. }) => INVALID_PARAM,
        ProcessError::Unsupported { .. }
        | ProcessError::Heartbeat {
            error: HeartbeatError::NoDriverStatus { .. },
            ..
        } => UNSUPPORTED,
        _ => FAIL,
    }
}
