//! qsal's extensions: `qsal_last_error`, `qsal_section_name`, `qsal_start_wait` and
//! `qsal_exchange`.

use std::ffi::{c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

use qsal_backend_linux::process;

use super::{CpaStatus, copy_out, failed, guarded, name, outcome, store};
use crate::last_error;
use crate::status::{INVALID_PARAM, SUCCESS};

/// `int qsal_last_error(char *buf, size_t len)`: this thread's last failure message,
/// NUL-terminated; returns its length, 0 if there is none.
///
/// # Safety
/// `buf` is NULL or valid for `len` bytes of writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qsal_last_error(buf: *mut c_char, len: usize) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: forwarded contract.
        unsafe { copy_out(&last_error::get(), buf, len) }
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

/// `int qsal_attached_devices(Cpa32U *accelIds, int max)`: the devices this process is attached
/// to (those holding its derived section), in accel-id order; stores up to `max` ids and returns
/// how many there are, -1 if this process has not started.
///
/// # Safety
/// `ids` is NULL or valid for `max` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qsal_attached_devices(ids: *mut u32, max: c_int) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        let Some(devices) = process::attached_devices() else {
            return -1;
        };
        let room = usize::try_from(max).unwrap_or(0);
        if !ids.is_null() {
            for (i, id) in devices.iter().take(room).enumerate() {
                // SAFETY: `ids` is valid for `max` writes and `i < max`.
                unsafe { ids.add(i).write(*id) };
            }
        }
        c_int::try_from(devices.len()).unwrap_or(c_int::MAX)
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
                last_error::record("qsal_start_wait: the section name is NULL".to_string());
                INVALID_PARAM
            }
            Some(bytes) => outcome(
                "qsal_start_wait",
                process::start_wait(bytes, u64::from(timeout_ms)),
            ),
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
        let result = process::exchange(requests, |_| {});
        let done = result.as_ref().copied().unwrap_or_default();
        // SAFETY: forwarded contract.
        unsafe {
            store(responses, done.responses);
            store(errors, done.errors);
        }
        match result {
            Ok(done) if done.errors == 0 => SUCCESS,
            Ok(done) => failed(format!(
                "qsal_exchange: {} of {} responses were wrong (corrupted or misdirected)",
                done.errors, done.responses
            )),
            Err(e) => outcome("qsal_exchange", Err::<(), _>(e)),
        }
    })
}
