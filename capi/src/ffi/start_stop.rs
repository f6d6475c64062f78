//! `icp_sal_userStart`, `icp_sal_userStartMultiProcess`, `icp_sal_userStop` and
//! `icp_sal_userIsQatAvailable`.

use std::ffi::c_char;
use std::panic::catch_unwind;

use qsal_backend_linux::process;

use super::{CPA_FALSE, CPA_TRUE, CpaBoolean, CpaStatus, failed, guarded, name, outcome};

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
            Some(bytes) => outcome("icp_sal_userStart", process::start(bytes)),
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
    guarded(|| outcome("icp_sal_userStop", process::stop()))
}

/// `CpaBoolean icp_sal_userIsQatAvailable(void)`: true when at least one device is up.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_userIsQatAvailable() -> CpaBoolean {
    super::log_sink::install();
    catch_unwind(|| {
        if process::qat_available() {
            CPA_TRUE
        } else {
            CPA_FALSE
        }
    })
    .unwrap_or(CPA_FALSE)
}
