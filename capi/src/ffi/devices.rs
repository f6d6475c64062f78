//! The device functions of `icp_sal_user.h`: rescans (`icp_sal_find_new_devices`,
//! `icp_sal_poll_device_events`), heartbeats (`icp_sal_check_device`, `icp_sal_check_all_devices`),
//! `icp_sal_heartbeat_simulate_failure` and `icp_sal_reset_device`. `accelId` is the global accel
//! id of `qat_dev<N>`.

use qsal_backend_linux::process;

use super::{CpaStatus, guarded, outcome};

/// `CpaStatus icp_sal_find_new_devices(void)`: attaches this started process to devices that
/// came up after it started and hold its derived section.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_find_new_devices() -> CpaStatus {
    guarded(|| outcome("icp_sal_find_new_devices", process::find_new_devices()))
}

/// `CpaStatus icp_sal_poll_device_events(void)`: applies the devices that went down, were
/// restarted or came up to this started process's attachments.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_poll_device_events() -> CpaStatus {
    guarded(|| outcome("icp_sal_poll_device_events", process::poll_device_events()))
}

/// `CpaStatus icp_sal_check_device(Cpa32U accelId)`: SUCCESS when the device's heartbeat
/// answers, FAIL when it does not (or the device is not up), UNSUPPORTED when the driver publishes
/// no heartbeat for a hardware device.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_check_device(accel_id: u32) -> CpaStatus {
    guarded(|| outcome("icp_sal_check_device", process::check_device(accel_id)))
}

/// `CpaStatus icp_sal_check_all_devices(void)`: [`icp_sal_check_device`] of every device that is
/// up; FAIL when none is.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_check_all_devices() -> CpaStatus {
    guarded(|| outcome("icp_sal_check_all_devices", process::check_all_devices()))
}

/// `CpaStatus icp_sal_heartbeat_simulate_failure(Cpa32U accelId)`: an emulated device fails its
/// heartbeat (and stops answering) in this process until it is reset; UNSUPPORTED for hardware.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_heartbeat_simulate_failure(accel_id: u32) -> CpaStatus {
    guarded(|| {
        outcome(
            "icp_sal_heartbeat_simulate_failure",
            process::simulate_heartbeat_failure(accel_id),
        )
    })
}

/// `CpaStatus icp_sal_reset_device(Cpa32U accelId)`: resets an emulated device as this process
/// sees it — rings re-initialised, requests in flight lost (logged at `info`), heartbeat cleared;
/// UNSUPPORTED for hardware.
#[unsafe(no_mangle)]
pub extern "C" fn icp_sal_reset_device(accel_id: u32) -> CpaStatus {
    guarded(|| outcome("icp_sal_reset_device", process::reset_device(accel_id)))
}
