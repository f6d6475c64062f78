//! Keeping a started process's attachments in step with the device set: `icp_sal_find_new_devices`
//! (attach to devices started after this process that hold its section) and
//! `icp_sal_poll_device_events` (also drop attachments to devices that went down, and re-attach to
//! devices that were restarted). Devices that do not hold the process's section are ignored, as the
//! reference ignores their events.

use core::fmt;

use super::{Sal, StopError};
use crate::platform::{Attachment, Devices, Error as _, ErrorKind, Platform, SlotRegistry};
use crate::strings::{Detail, detail};

/// What a rescan found and applied to this process's attachments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeviceEvents {
    /// Devices newly attached (started after this process, or back after going down).
    pub attached: u32,
    /// Attachments dropped because their device went down or no longer holds the section.
    pub detached: u32,
    /// Attachments replaced because their device was restarted.
    pub restarted: u32,
}

impl DeviceEvents {
    /// Whether anything changed.
    pub const fn any(&self) -> bool {
        self.attached > 0 || self.detached > 0 || self.restarted > 0
    }
}

/// Why a rescan did not complete. What it could apply before the failure stays applied.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RescanError {
    /// This process holds no slot: it has not started (or fully stopped), it is a forked child of
    /// the process that started, or its lease was taken away (then everything was released).
    NotHeld(StopError),
    /// The device set could not be read.
    Devices {
        /// What went wrong.
        kind: ErrorKind,
        /// The backend's message.
        detail: Detail,
    },
    /// Attaching to a device failed (the others were handled).
    DeviceSetup {
        /// The device.
        accel_id: u32,
        /// The backend's message.
        detail: Detail,
    },
    /// The process already attaches to as many devices as it can.
    TooManyDevices {
        /// The limit.
        limit: usize,
    },
}

impl fmt::Display for RescanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotHeld(StopError::NotStarted) => f.write_str(
                "this process has not started: call icp_sal_userStart before looking for devices",
            ),
            Self::NotHeld(StopError::ForkedChild { parent, child }) => write!(
                f,
                "process {child} is a forked child of {parent}, which started; the child must call icp_sal_userStart itself"
            ),
            Self::NotHeld(StopError::LeaseLost { section }) => write!(
                f,
                "the lease on {} was taken away (qsal down --force?); everything was released: start again",
                section.as_str()
            ),
            Self::Devices { detail, .. } => {
                write!(f, "cannot read the device set: {}", detail.as_str())
            }
            Self::DeviceSetup { accel_id, detail } => write!(
                f,
                "cannot attach to device {accel_id} (qat_dev{accel_id}): {}",
                detail.as_str()
            ),
            Self::TooManyDevices { limit } => write!(
                f,
                "this process already attaches to {limit} devices, the most it can; further devices are not attached"
            ),
        }
    }
}

/// Which changes a rescan applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Only attach to devices not attached yet.
    NewOnly,
    /// Also detach from devices gone and re-attach to restarted ones.
    All,
}

impl<P: Platform, D: Devices, R: SlotRegistry, M: lock_api::RawMutex, const DEVICES: usize>
    Sal<P, D, R, M, DEVICES>
{
    /// `icp_sal_find_new_devices`: attaches to every started device that holds this process's
    /// derived section and is not attached yet. Returns how many were attached.
    pub fn find_new_devices(&self) -> Result<DeviceEvents, RescanError> {
        self.rescan(Scope::NewOnly)
    }

    /// `icp_sal_poll_device_events`: drops attachments to devices that went down (or no longer
    /// hold the section), replaces attachments to devices that were restarted, and attaches to new
    /// devices holding the section.
    pub fn poll_device_events(&self) -> Result<DeviceEvents, RescanError> {
        self.rescan(Scope::All)
    }

    fn rescan(&self, scope: Scope) -> Result<DeviceEvents, RescanError> {
        let pid = self.platform.process_id();
        let mut state = self.state.lock();
        state.held_by(pid).map_err(RescanError::NotHeld)?;
        let section = state.section.clone();
        let mut current: heapless::Vec<(u32, u64), DEVICES> = heapless::Vec::new();
        let mut overflow = false;
        let count = match self.devices.count() {
            Ok(count) => count,
            // The whole set is down: no device holds the section any more.
            Err(e) if e.kind() == ErrorKind::NoDevice => 0,
            Err(e) => return Err(rescan_devices_error(e)),
        };
        for index in 0..count {
            let Some(device) = self.devices.device(index).map_err(rescan_devices_error)? else {
                continue;
            };
            if self
                .devices
                .has_section(device.accel_id, &section)
                .map_err(rescan_devices_error)?
                && current.push((device.accel_id, device.generation)).is_err()
            {
                overflow = true;
            }
        }
        let mut events = DeviceEvents::default();
        let mut restarted: heapless::Vec<u32, DEVICES> = heapless::Vec::new();
        if scope == Scope::All {
            let attachments = &mut state.attachments;
            let mut index = 0;
            while let Some(attachment) = attachments.get(index) {
                let now = current.iter().find(|(id, _)| *id == attachment.accel_id());
                match now {
                    None => {
                        crate::qsal_log!(
                            info,
                            "pid {} detached from device {}: it went down",
                            pid,
                            attachment.accel_id()
                        );
                        drop(attachments.remove(index));
                        events.detached = events.detached.saturating_add(1);
                    }
                    Some((_, generation)) if *generation != attachment.generation() => {
                        crate::qsal_log!(
                            info,
                            "pid {} re-attaches to device {}: it was restarted",
                            pid,
                            attachment.accel_id()
                        );
                        let old = attachments.remove(index);
                        // Both vectors have room for DEVICES entries, and each attachment is removed once.
                        let _ = restarted.push(old.accel_id());
                        drop(old);
                    }
                    Some(_) => index = index.saturating_add(1),
                }
            }
        }
        let mut failure = None;
        for (accel_id, _) in &current {
            if state.attachments.iter().any(|s| s.accel_id() == *accel_id) {
                continue;
            }
            let again = restarted.contains(accel_id);
            let attachment = match self.devices.attach(*accel_id, &section) {
                Ok(Some(attachment)) => attachment,
                // Not attached: the setup failed, or the device lost the section since it was
                // listed (nothing to attach).
                outcome => {
                    if again {
                        events.detached = events.detached.saturating_add(1);
                    }
                    if let Err(e) = outcome {
                        failure.get_or_insert(RescanError::DeviceSetup {
                            accel_id: *accel_id,
                            detail: detail(&e),
                        });
                    }
                    continue;
                }
            };
            if let Err(attachment) = state.attachments.push(attachment) {
                drop(attachment);
                failure.get_or_insert(RescanError::TooManyDevices { limit: DEVICES });
                break;
            }
            crate::qsal_log!(info, "pid {} attached to device {}", pid, *accel_id);
            if again {
                events.restarted = events.restarted.saturating_add(1);
            } else {
                events.attached = events.attached.saturating_add(1);
            }
        }
        state.attachments.sort_unstable_by_key(Attachment::accel_id);
        if overflow {
            failure.get_or_insert(RescanError::TooManyDevices { limit: DEVICES });
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(events),
        }
    }
}

fn rescan_devices_error(e: impl crate::platform::Error) -> RescanError {
    RescanError::Devices {
        kind: e.kind(),
        detail: detail(&e),
    }
}

impl core::error::Error for RescanError {}
