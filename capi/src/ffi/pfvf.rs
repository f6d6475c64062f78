//! What Intel's library has and qsal does not: PF↔VF messaging (`icp_sal_userSendMsgToVf`,
//! `icp_sal_userSendMsgToPf`, `icp_sal_userGetMsgFromVf`, `icp_sal_userGetMsgFromPf`,
//! `icp_sal_userGetPfVfcommsStatus` — stubs in Intel's own library too) and the compression error
//! counters of `icp_sal.h` (`icp_sal_get_dc_error`: qsal runs no compression service). Each says so:
//! `CPA_STATUS_UNSUPPORTED` with the reason in `qsal_last_error`, never a silent success; output
//! parameters are cleared.

use qsal_backend_linux::ProcessError;

use super::{CPA_FALSE, CpaBoolean, CpaStatus, failure, guarded, store};

/// Why qsal has no PF↔VF messaging.
const NO_PFVF: &str = "qsal has no PF↔VF mailbox: its devices are configured through the runtime \
directory, and device events reach processes through icp_sal_poll_device_events";

fn unsupported(function: &'static str, reason: &str) -> CpaStatus {
    failure(
        function,
        &ProcessError::Unsupported {
            function,
            reason: reason.to_string(),
        },
    )
}

/// Clears the outputs of a "get message" function (there is never a message) and answers
/// UNSUPPORTED.
///
/// # Safety
/// `message` and `counter` are NULL or valid for one write each.
unsafe fn no_message(function: &'static str, message: *mut u32, counter: *mut u32) -> CpaStatus {
    // SAFETY: forwarded contract.
    unsafe {
        store(message, 0);
        store(counter, 0);
    }
    unsupported(function, NO_PFVF)
}

/// `CpaStatus icp_sal_userSendMsgToVf(Cpa32U accelId, Cpa32U vfNum, Cpa32U message)`:
/// UNSUPPORTED.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_userSendMsgToVf(_accel_id: u32, _vf: u32, _message: u32) -> CpaStatus {
    guarded(|| unsupported("icp_sal_userSendMsgToVf", NO_PFVF))
}

/// `CpaStatus icp_sal_userSendMsgToPf(Cpa32U accelId, Cpa32U message)`: UNSUPPORTED.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_userSendMsgToPf(_accel_id: u32, _message: u32) -> CpaStatus {
    guarded(|| unsupported("icp_sal_userSendMsgToPf", NO_PFVF))
}

/// `CpaStatus icp_sal_userGetMsgFromVf(Cpa32U accelId, Cpa32U vfNum, Cpa32U *message, Cpa32U
/// *messageCounter)`: UNSUPPORTED; both outputs are set to 0.
///
/// # Safety
/// `message` and `counter` are NULL or valid for one write each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn icp_sal_userGetMsgFromVf(
    _accel_id: u32,
    _vf: u32,
    message: *mut u32,
    counter: *mut u32,
) -> CpaStatus {
    // SAFETY: forwarded contract.
    guarded(|| unsafe { no_message("icp_sal_userGetMsgFromVf", message, counter) })
}

/// `CpaStatus icp_sal_userGetMsgFromPf(Cpa32U accelId, Cpa32U *message, Cpa32U
/// *messageCounter)`: UNSUPPORTED; both outputs are set to 0.
///
/// # Safety
/// `message` and `counter` are NULL or valid for one write each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn icp_sal_userGetMsgFromPf(
    _accel_id: u32,
    message: *mut u32,
    counter: *mut u32,
) -> CpaStatus {
    // SAFETY: forwarded contract.
    guarded(|| unsafe { no_message("icp_sal_userGetMsgFromPf", message, counter) })
}

/// `CpaStatus icp_sal_userGetPfVfcommsStatus(CpaBoolean *unreadMessage)`: UNSUPPORTED; the
/// output is set to `CPA_FALSE` (there is never an unread message).
///
/// # Safety
/// `unread` is NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn icp_sal_userGetPfVfcommsStatus(unread: *mut CpaBoolean) -> CpaStatus {
    guarded(|| {
        // SAFETY: forwarded contract.
        unsafe { store(unread, CPA_FALSE) };
        unsupported("icp_sal_userGetPfVfcommsStatus", NO_PFVF)
    })
}

/// `Cpa64U icp_sal_get_dc_error(Cpa8S dcError)`: the number of compression requests that failed
/// with `dcError`. qsal runs no compression service, so no request ever failed: 0 — the
/// documented neutral value — with the reason recorded in `qsal_last_error`.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_get_dc_error(dc_error: i8) -> u64 {
    guarded(|| {
        unsupported(
            "icp_sal_get_dc_error",
            &format!(
                "qsal runs no compression service, so no request failed with error {dc_error}; the count is 0"
            ),
        )
    });
    0
}
