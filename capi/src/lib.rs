//! qsal-capi: `libqsal`, a drop-in implementation of the `icp_sal_user.h` C ABI
//! (`icp_sal_userStart`, `icp_sal_userStartMultiProcess`, `icp_sal_userStop`,
//! `icp_sal_userIsQatAvailable`) over qsal's Linux backend, plus the extensions `qsal_last_error`,
//! `qsal_section_name` and `qsal_start_wait`.
//!
//! * [`process`] — the one state machine of this process (created on first use, race-free), the
//!   per-thread last error, and the logging policy (`QSAL_LOG`). Rust callers (such as `qsal demo`'s
//!   workers) use it directly: it is exactly what the C functions call.
//! * [`ffi`] — the `extern "C"` functions: argument checks, `CpaStatus` mapping, and a guarantee that
//!   no panic crosses the boundary.

pub mod ffi;
pub mod process;

/// `CpaStatus` values of `cpa.h`.
pub mod status {
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
}
