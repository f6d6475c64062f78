//! The `extern "C"` functions of `icp_sal_user.h`, `icp_sal.h` and qsal's extensions, and the
//! helpers every one of them goes through.
//!
//! Every function installs the log sink, checks its pointers, catches panics (none may cross into
//! C), records the failure message for `qsal_last_error`, and maps outcomes to `CpaStatus` (see
//! [`crate::status::of`]): success 0, start/stop failures `CPA_STATUS_FAIL` (-1) as in the
//! reference, `CPA_STATUS_UNSUPPORTED` (-6) for what qsal does not have. A NULL or unusable name is
//! `CPA_STATUS_INVALID_PARAM` (-4) only for the extensions; the reference functions keep -1.

mod devices;
mod extensions;
mod pfvf;
mod rings;
mod start_stop;

pub use devices::*;
pub use extensions::*;
pub use pfvf::*;
pub use rings::*;
pub use start_stop::*;

use std::ffi::{CStr, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

use qsal_backend_linux::ProcessError;

use crate::status::{FAIL, SUCCESS};
use crate::{last_error, log_sink, status};

/// `CpaStatus`.
pub type CpaStatus = i32;
/// `CpaBoolean`: Intel's enum (`CPA_FALSE` = 0, `CPA_TRUE` = 1), passed as a C `enum`, 4 bytes.
pub type CpaBoolean = u32;
/// `CPA_TRUE`.
pub const CPA_TRUE: CpaBoolean = 1;
/// `CPA_FALSE`.
pub const CPA_FALSE: CpaBoolean = 0;

/// Runs `body` with the log sink installed, turning a panic into FAIL with a message.
fn guarded(body: impl FnOnce() -> CpaStatus) -> CpaStatus {
    log_sink::install();
    catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|_| failed("internal error: qsal panicked; please report it".to_string()))
}

/// Reads a C name: NULL → `None`.
///
/// # Safety
/// `name` is NULL or points to a NUL-terminated string.
unsafe fn name<'a>(name: *const c_char) -> Option<&'a [u8]> {
    if name.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated per this function's contract.
    Some(unsafe { CStr::from_ptr(name) }.to_bytes())
}

/// Records `message` as this thread's last error (and logs it); returns FAIL.
fn failed(message: String) -> CpaStatus {
    last_error::record(message);
    FAIL
}

/// Records `error` as this thread's last error, prefixed by the function; returns its status.
fn failure(function: &str, error: &ProcessError) -> CpaStatus {
    last_error::record(format!("{function}: {error}"));
    status::of(error)
}

/// SUCCESS, or the failure's status with the error recorded.
fn outcome<T>(function: &str, result: Result<T, ProcessError>) -> CpaStatus {
    match result {
        Ok(_) => SUCCESS,
        Err(e) => failure(function, &e),
    }
}

/// Writes `value` through `out` when it is not NULL.
///
/// # Safety
/// `out` is NULL or valid for one write of `T`.
unsafe fn store<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-null and valid for one write per this function's contract.
        unsafe { out.write(value) };
    }
}

/// Copies `text` into `buf` (NUL-terminated, truncated to fit); returns the full length.
///
/// # Safety
/// `buf` is NULL or valid for `len` bytes of writes.
unsafe fn copy_out(text: &str, buf: *mut c_char, len: usize) -> c_int {
    if !buf.is_null() && len > 0 {
        let n = text.len().min(len - 1);
        // SAFETY: `buf` is valid for `len` bytes and `n + 1 <= len`; the source is a distinct Rust
        // string, so the regions do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr().cast::<c_char>(), buf, n);
            *buf.add(n) = 0;
        }
    }
    c_int::try_from(text.len()).unwrap_or(c_int::MAX)
}
