//! qsal's ring extensions, for poll-mode C programs: after `icp_sal_userStart`, enumerate the ring
//! pairs of the slot (`qsal_ring_count`, `qsal_ring_info`) and move raw messages on one of them
//! (`qsal_put_burst`, `qsal_poll`). The messages are opaque to qsal: a service library puts its
//! firmware descriptors; on emulated devices the firmware answers qsal's echo protocol.

use std::ffi::{c_char, c_int, c_void};
use std::panic::catch_unwind;

use qsal_backend_linux::process;
use qsal_core::config::keys::Family;
use qsal_core::ring::PairKind;
use qsal_core::ring::message::RESPONSE_BYTES;

use super::{CpaStatus, failure, guarded, store};
use crate::last_error;
use crate::status::{INVALID_PARAM, SUCCESS};

/// `qsal_ring_info_t`: one ring pair of the slot.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RingInfo {
    /// The device (`qat_dev<accelId>`).
    pub accel_id: u32,
    /// `"Cy"` or `"Dc"`, NUL-terminated.
    pub family: [c_char; 4],
    /// The instance index (`Cy<index>…` in the section).
    pub index: u32,
    /// `"asym"`, `"sym"` or `"dc"`, NUL-terminated.
    pub service: [c_char; 8],
    /// The bank.
    pub bank: u32,
    /// The request ring.
    pub tx_ring: u32,
    /// The response ring.
    pub rx_ring: u32,
    /// Bytes per request (64 or 128).
    pub request_bytes: u32,
    /// Bytes per response (32).
    pub response_bytes: u32,
    /// Requests that may be in flight at once.
    pub capacity: u32,
}

/// `text` as a NUL-terminated C array (truncated to fit).
fn c_text<const N: usize>(text: &str) -> [c_char; N] {
    let mut out = [0 as c_char; N];
    for (slot, byte) in out.iter_mut().zip(text.bytes().take(N.saturating_sub(1))) {
        *slot = byte as c_char;
    }
    out
}

/// `int qsal_ring_count(void)`: the ring pairs of this process's slot over every device it is
/// attached to (a crypto instance has two, asymmetric and symmetric); -1 if it has not started.
#[unsafe(no_mangle)]
pub extern "C" fn qsal_ring_count() -> c_int {
    catch_unwind(|| {
        process::rings().map_or(-1, |rings| {
            c_int::try_from(rings.len()).unwrap_or(c_int::MAX)
        })
    })
    .unwrap_or(-1)
}

/// `CpaStatus qsal_ring_info(Cpa32U ring, qsal_ring_info_t *info)`: describes ring pair `ring`.
///
/// # Safety
/// `info` is NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qsal_ring_info(ring: u32, info: *mut RingInfo) -> CpaStatus {
    guarded(|| {
        if info.is_null() {
            last_error::record("qsal_ring_info: info is NULL".to_string());
            return INVALID_PARAM;
        }
        let found = match process::ring(ring as usize) {
            Ok(found) => found,
            Err(e) => return failure("qsal_ring_info", &e),
        };
        let spec = found.spec;
        let described = RingInfo {
            accel_id: found.accel_id,
            family: c_text(match spec.family {
                Family::Cy => "Cy",
                Family::Dc => "Dc",
            }),
            index: spec.index,
            service: c_text(match spec.kind {
                PairKind::Asym => "asym",
                PairKind::Sym => "sym",
                PairKind::Dc => "dc",
            }),
            bank: u32::from(spec.bank),
            tx_ring: u32::from(spec.tx),
            rx_ring: u32::from(spec.rx),
            request_bytes: spec.kind.request_bytes() as u32,
            response_bytes: RESPONSE_BYTES as u32,
            capacity: found.capacity,
        };
        // SAFETY: non-null and valid for one write per this function's contract.
        unsafe { store(info, described) };
        SUCCESS
    })
}

/// `CpaStatus qsal_put_burst(Cpa32U ring, const void *requests, Cpa32U count, Cpa32U *put)`:
/// copies up to `count` requests (each `requestBytes` long, back to back) onto ring pair `ring` —
/// as many as there is room for — and publishes them with one TAIL write; stores how many went in.
/// `CPA_STATUS_RETRY` when none fit.
///
/// # Safety
/// `requests` is valid for `count × requestBytes` bytes of reads; `put` is NULL or valid for one
/// write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qsal_put_burst(
    ring: u32,
    requests: *const c_void,
    count: u32,
    put: *mut u32,
) -> CpaStatus {
    guarded(|| {
        // SAFETY: forwarded contract.
        unsafe { store(put, 0) };
        if requests.is_null() && count > 0 {
            last_error::record("qsal_put_burst: requests is NULL".to_string());
            return INVALID_PARAM;
        }
        let size = match process::ring(ring as usize) {
            Ok(found) => found.spec.kind.request_bytes(),
            Err(e) => return failure("qsal_put_burst", &e),
        };
        let bytes = if count == 0 {
            &[][..]
        } else {
            // SAFETY: non-null and valid for `count × requestBytes` bytes per this function's
            // contract; the bytes are only read during this call.
            unsafe { std::slice::from_raw_parts(requests.cast::<u8>(), count as usize * size) }
        };
        match process::put_burst(ring as usize, bytes) {
            Ok(n) => {
                // SAFETY: forwarded contract.
                unsafe { store(put, n as u32) };
                SUCCESS
            }
            Err(e) => failure("qsal_put_burst", &e),
        }
    })
}

/// `CpaStatus qsal_poll(Cpa32U ring, void *responses, Cpa32U max, Cpa32U *got)`: copies up to
/// `max` responses (32 bytes each, back to back) of ring pair `ring` into `responses` and stores
/// how many; `CPA_STATUS_SUCCESS` also when there was none.
///
/// # Safety
/// `responses` is valid for `max × 32` bytes of writes; `got` is NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qsal_poll(
    ring: u32,
    responses: *mut c_void,
    max: u32,
    got: *mut u32,
) -> CpaStatus {
    guarded(|| {
        // SAFETY: forwarded contract.
        unsafe { store(got, 0) };
        if responses.is_null() && max > 0 {
            last_error::record("qsal_poll: responses is NULL".to_string());
            return INVALID_PARAM;
        }
        let out = if max == 0 {
            &mut [][..]
        } else {
            // SAFETY: non-null and valid for `max × 32` bytes of writes per this function's
            // contract; nothing else refers to them during this call.
            unsafe {
                std::slice::from_raw_parts_mut(
                    responses.cast::<u8>(),
                    max as usize * RESPONSE_BYTES,
                )
            }
        };
        match process::poll(ring as usize, out) {
            Ok(n) => {
                // SAFETY: forwarded contract.
                unsafe { store(got, n as u32) };
                SUCCESS
            }
            Err(e) => failure("qsal_poll", &e),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_text_is_nul_terminated_and_truncated() {
        let short: [c_char; 4] = c_text("Cy");
        assert_eq!(short, [b'C' as c_char, b'y' as c_char, 0, 0]);
        let cut: [c_char; 4] = c_text("asym");
        assert_eq!(cut[3], 0);
    }
}
