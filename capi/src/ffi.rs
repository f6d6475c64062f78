//! The `extern "C"` functions of `icp_sal_user.h` and qsal's extensions.
//!
//! Every function checks its pointers, catches panics (none may cross into C), records the failure
//! message for `qsal_last_error`, and maps outcomes to `CpaStatus`: success 0, every failure
//! `CPA_STATUS_FAIL` (-1) as in the reference — except that a NULL or unusable name is
//! `CPA_STATUS_INVALID_PARAM` (-4) only for the extensions; the reference functions keep -1.

use std::ffi::{CStr, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::process;
use crate::status::{FAIL, INVALID_PARAM, SUCCESS};

/// `CpaStatus`.
pub type CpaStatus = i32;
/// `CpaBoolean` (`CPA_TRUE` = 1).
pub type CpaBoolean = u32;

/// Runs `body`, turning a panic into FAIL with a message.
fn guarded(body: impl FnOnce() -> CpaStatus) -> CpaStatus {
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
    process::fail(message);
    FAIL
}

/// SUCCESS, or FAIL with the error recorded.
fn status<T>(result: Result<T, String>) -> CpaStatus {
    result.map_or_else(failed, |_| SUCCESS)
}

/// `CpaStatus icp_sal_userStart(const char *pSectionName)`.
///
/// # Safety
/// `section` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn icp_sal_userStart(section: *const c_char) -> CpaStatus {
    guarded(|| {
        // SAFETY: forwarded contract.
        match unsafe { name(section) } {
            None => failed("icp_sal_userStart: the section name is NULL".to_string()),
            Some(bytes) => status(process::start(bytes)),
        }
    })
}

/// `CpaStatus icp_sal_userStartMultiProcess(const char *pSectionName, CpaBoolean limitDevAccess)`;
/// the second argument is ignored, as in the reference (`LimitDevAccess` comes from the file).
///
/// # Safety
/// `section` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn icp_sal_userStartMultiProcess(
    section: *const c_char,
    _limit_dev_access: CpaBoolean,
) -> CpaStatus {
    // SAFETY: forwarded contract.
    unsafe { icp_sal_userStart(section) }
}

/// `CpaStatus icp_sal_userStop(void)`.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_userStop() -> CpaStatus {
    guarded(|| status(process::stop()))
}

/// `CpaBoolean icp_sal_userIsQatAvailable(void)`: true when at least one device is up.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_userIsQatAvailable() -> CpaBoolean {
    catch_unwind(|| u32::from(process::qat_available())).unwrap_or(0)
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

/// `int qsal_last_error(char *buf, size_t len)`: this thread's last failure message,
/// NUL-terminated; returns its length, 0 if there is none.
///
/// # Safety
/// `buf` is NULL or valid for `len` bytes of writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qsal_last_error(buf: *mut c_char, len: usize) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: forwarded contract.
        unsafe { copy_out(&process::last_error(), buf, len) }
    }))
    .unwrap_or(0)
}

/// `int qsal_section_name(char *buf, size_t len)`: the derived section this process holds;
/// returns its length, -1 if this process has not started.
///
/// # Safety
/// `buf` is NULL or valid for `len` bytes of writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qsal_section_name(buf: *mut c_char, len: usize) -> c_int {
    catch_unwind(AssertUnwindSafe(|| match process::section() {
        // SAFETY: forwarded contract.
        Some(section) => unsafe { copy_out(&section, buf, len) },
        None => -1,
    }))
    .unwrap_or(-1)
}

/// `CpaStatus qsal_start_wait(const char *section, unsigned int timeout_ms)`: like
/// `icp_sal_userStart`, but while every slot is taken it waits (sleeping with back-off, never
/// spinning) up to `timeout_ms` for one to be freed — for a reload whose new workers start while the
/// old ones drain.
///
/// # Safety
/// `section` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qsal_start_wait(section: *const c_char, timeout_ms: u32) -> CpaStatus {
    guarded(|| {
        // SAFETY: forwarded contract.
        match unsafe { name(section) } {
            None => {
                process::fail("qsal_start_wait: the section name is NULL".to_string());
                INVALID_PARAM
            }
            Some(bytes) => status(process::start_wait(bytes, u64::from(timeout_ms))),
        }
    })
}

/// `CpaStatus qsal_exchange(unsigned long long requests, unsigned long long *responses,
/// unsigned long long *errors)`: sends `requests` test requests through every instance ring this
/// process holds and verifies every response; stores the counts where the pointers are non-NULL.
/// SUCCESS only if every response arrived and was correct.
///
/// # Safety
/// `responses` and `errors` are NULL or valid for one write each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qsal_exchange(
    requests: u64,
    responses: *mut u64,
    errors: *mut u64,
) -> CpaStatus {
    guarded(|| {
        let outcome = process::exchange(requests, |_| {});
        let done = outcome.as_ref().copied().unwrap_or_default();
        for (out, value) in [(responses, done.responses), (errors, done.errors)] {
            if !out.is_null() {
                // SAFETY: non-null and valid for one write per this function's contract.
                unsafe { out.write(value) };
            }
        }
        match outcome {
            Ok(done) if done.errors == 0 => SUCCESS,
            Ok(done) => failed(format!(
                "{} of {} responses were wrong (corrupted or misdirected)",
                done.errors, done.responses
            )),
            Err(message) => failed(message),
        }
    })
}
