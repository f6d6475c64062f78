//! The process-wide QAT state of a Linux process: one [`LinuxSal`], created on first use from
//! `QSAL_RUNTIME_DIR` (or the usual runtime-directory resolution), and the operations of Intel's
//! `icp_sal_user.h` on it — start, stop, device rescans, heartbeats, simulated failures and resets.
//! libqsal's `extern "C"` functions and `qsal demo`'s workers call exactly these; every failure is a
//! typed [`ProcessError`].
//!
//! Events are logged through the `log` facade (libqsal installs a sink that honours `QSAL_LOG`).

use std::fmt;
use std::sync::OnceLock;

use qsal_core::platform::Attachment as _;
use qsal_core::platform::Devices as _;
use qsal_core::ring::message::{ASYM_REQUEST_BYTES, REQUEST_BYTES, RESPONSE_BYTES};
use qsal_core::ring::{PutError, RingPair, RingSpec};
use qsal_core::sal::{DeviceEvents, RescanError, StartError, Started, StopError, Stopped};

use crate::device_file::Origin;
use crate::exchange::{ExchangeError, Exchanged, exchange as exchange_on};
use crate::heartbeat::{self, HeartbeatError};
use crate::{DeviceAttachment, LinuxError, LinuxSal, RuntimeDir, SlotSource, linux_sal_with};

/// Why an operation of the process-wide state failed.
#[derive(Debug)]
pub enum ProcessError {
    /// No runtime directory could be chosen.
    Runtime(LinuxError),
    /// `start` failed (boxed: the core's errors carry their text inline).
    Start(Box<StartError>),
    /// `stop` failed.
    Stop(StopError),
    /// A device rescan failed.
    Rescan(Box<RescanError>),
    /// The device set could not be read.
    Devices(LinuxError),
    /// An exchange of test requests failed.
    Exchange(ExchangeError),
    /// The operation needs a started process.
    NotStarted,
    /// No device with this accel id is up.
    UnknownDevice {
        /// The accel id asked for.
        accel_id: u32,
        /// The devices that are up.
        up: Vec<u32>,
    },
    /// No device is up at all.
    NoDevice,
    /// A device's heartbeat did not answer "alive".
    Heartbeat {
        /// The device.
        accel_id: u32,
        /// Why.
        error: HeartbeatError,
    },
    /// No ring pair with this index in the slot.
    NoSuchRing {
        /// The index asked for.
        index: usize,
        /// How many ring pairs the slot has.
        count: usize,
    },
    /// Nothing could be put on a request ring.
    Put(PutError),
    /// The bytes given are not whole requests of the ring's size.
    PartialMessage {
        /// Bytes given.
        bytes: usize,
        /// The ring's request size.
        request_bytes: usize,
    },
    /// The operation does not exist for this device or in qsal.
    Unsupported {
        /// The function asked for.
        function: &'static str,
        /// Why, and what to do instead.
        reason: String,
    },
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Runtime(e) | Self::Devices(e) => write!(f, "{e}"),
            Self::Start(e) => write!(f, "{e}"),
            Self::Stop(e) => write!(f, "{e}"),
            Self::Rescan(e) => write!(f, "{e}"),
            Self::Exchange(e) => write!(f, "{e}"),
            Self::NotStarted => {
                f.write_str("this process holds no slot; call icp_sal_userStart first")
            }
            Self::UnknownDevice { accel_id, up } => {
                write!(f, "qat_dev{accel_id} is not up; ")?;
                if up.is_empty() {
                    f.write_str("no device is (run `qsal up`)")
                } else {
                    let names: Vec<String> = up.iter().map(|id| format!("qat_dev{id}")).collect();
                    write!(f, "these are: {}", names.join(", "))
                }
            }
            Self::NoDevice => f.write_str("no QAT device is up (run `qsal up`)"),
            Self::Heartbeat { accel_id, error } => {
                write!(f, "qat_dev{accel_id} failed its heartbeat: {error}")
            }
            Self::NoSuchRing { index, count } => write!(
                f,
                "ring pair {index} does not exist: this slot has {count} (0 to {}); qsal_ring_count tells how many",
                count.saturating_sub(1)
            ),
            Self::Put(e) => write!(f, "{e}"),
            Self::PartialMessage {
                bytes,
                request_bytes,
            } => write!(
                f,
                "{bytes} bytes are not whole requests: this ring takes {request_bytes}-byte requests"
            ),
            Self::Unsupported { function, reason } => {
                write!(f, "{function} is not supported: {reason}")
            }
        }
    }
}

impl std::error::Error for ProcessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Runtime(e) | Self::Devices(e) => Some(e),
            Self::Start(e) => Some(e.as_ref()),
            Self::Stop(e) => Some(e),
            Self::Rescan(e) => Some(e.as_ref()),
            Self::Exchange(e) => Some(e),
            Self::Heartbeat { error, .. } => Some(error),
            Self::Put(e) => Some(e),
            _ => None,
        }
    }
}

/// The state machine of this process, created on first use. Its state is per process id inside, so
/// a forked child uses the same object and is detected by its new pid.
pub fn sal() -> Result<&'static LinuxSal, ProcessError> {
    static SAL: OnceLock<LinuxSal> = OnceLock::new();
    if let Some(sal) = SAL.get() {
        return Ok(sal);
    }
    // Resolution reads only the environment; a failure is not kept, so a later call may succeed.
    let runtime = RuntimeDir::resolve(None).map_err(ProcessError::Runtime)?;
    let slots = SlotSource::from_env().map_err(ProcessError::Runtime)?;
    Ok(SAL.get_or_init(|| linux_sal_with(&runtime, slots)))
}

/// `icp_sal_userStart`.
pub fn start(name: &[u8]) -> Result<Started, ProcessError> {
    sal()?
        .start(name)
        .map_err(|e| ProcessError::Start(Box::new(e)))
}

/// `qsal_start_wait`: like [`start`], waiting up to `timeout_ms` for a free slot.
pub fn start_wait(name: &[u8], timeout_ms: u64) -> Result<Started, ProcessError> {
    sal()?
        .start_wait(name, timeout_ms)
        .map_err(|e| ProcessError::Start(Box::new(e)))
}

/// `icp_sal_userStop`.
pub fn stop() -> Result<Stopped, ProcessError> {
    sal()?.stop().map_err(ProcessError::Stop)
}

/// The derived section this process holds.
pub fn section() -> Option<String> {
    sal().ok()?.section().map(|s| s.to_string())
}

/// `icp_sal_userIsQatAvailable`: at least one device is up (no slot is taken).
pub fn qat_available() -> bool {
    sal().is_ok_and(|sal| sal.devices().count().is_ok_and(|n| n > 0))
}

/// The devices this process is attached to, in accel-id order; `None` if not started.
pub fn attached_devices() -> Option<Vec<u32>> {
    with_attachments(|attachments| attachments.iter().map(|a| a.accel_id()).collect())
}

/// One ring pair a started process can drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingInfo {
    /// The device.
    pub accel_id: u32,
    /// Which instance, what it carries and where its rings are.
    pub spec: RingSpec,
    /// Requests that may be in flight at once.
    pub capacity: u32,
}

/// The ring pairs of this process's slot, over every device it is attached to (a crypto instance
/// has two: asymmetric and symmetric); `None` if not started.
pub fn rings() -> Option<Vec<RingInfo>> {
    with_attachments(|attachments| {
        let mut rings = Vec::new();
        for attachment in attachments.iter_mut() {
            let accel_id = attachment.accel_id();
            for instance in attachment.instances() {
                rings.push(RingInfo {
                    accel_id,
                    spec: instance.spec,
                    capacity: instance.pair.capacity(),
                });
            }
        }
        rings
    })
}

/// Ring pair `index` of this process's slot (the order of [`rings`]).
pub fn ring(index: usize) -> Result<RingInfo, ProcessError> {
    let rings = rings().ok_or(ProcessError::NotStarted)?;
    let count = rings.len();
    rings
        .into_iter()
        .nth(index)
        .ok_or(ProcessError::NoSuchRing { index, count })
}

/// Runs `f` on ring pair `index` of this process's slot (the order of [`rings`]).
fn with_ring<T>(
    index: usize,
    f: impl FnOnce(&mut RingPair<crate::Shared, crate::dma::Region>) -> Result<T, ProcessError>,
) -> Result<T, ProcessError> {
    with_attachments(|attachments| {
        let count = attachments.iter_mut().map(|a| a.instances().len()).sum();
        let pair = attachments
            .iter_mut()
            .flat_map(|a| a.instances().iter_mut())
            .nth(index)
            .map(|instance| &mut instance.pair);
        match pair {
            Some(pair) => f(pair),
            None => Err(ProcessError::NoSuchRing { index, count }),
        }
    })
    .ok_or(ProcessError::NotStarted)?
}

/// Puts the whole requests in `requests` (each the ring's request size) on ring pair `index`, as
/// many as there is room for, with one TAIL write; returns how many went in.
pub fn put_burst(index: usize, requests: &[u8]) -> Result<usize, ProcessError> {
    with_ring(index, |pair| {
        let request_bytes = pair.request_bytes();
        let whole = |rest: &[u8]| {
            if rest.is_empty() {
                Ok(())
            } else {
                Err(ProcessError::PartialMessage {
                    bytes: requests.len(),
                    request_bytes,
                })
            }
        };
        let put = if request_bytes == ASYM_REQUEST_BYTES {
            let (messages, rest) = requests.as_chunks::<ASYM_REQUEST_BYTES>();
            whole(rest)?;
            pair.put_burst(messages)
        } else {
            let (messages, rest) = requests.as_chunks::<REQUEST_BYTES>();
            whole(rest)?;
            pair.put_burst(messages)
        };
        put.map_err(ProcessError::Put)
    })
}

/// Polls up to `out.len() / 32` responses of ring pair `index` into `out`, 32 bytes each; returns
/// how many.
pub fn poll(index: usize, out: &mut [u8]) -> Result<usize, ProcessError> {
    with_ring(index, |pair| {
        let (slots, _) = out.as_chunks_mut::<RESPONSE_BYTES>();
        let quota = u32::try_from(slots.len()).unwrap_or(u32::MAX);
        let mut next = slots.iter_mut();
        let got = pair.poll(quota, |response| {
            if let Some(slot) = next.next() {
                *slot = *response;
            }
        });
        Ok(got as usize)
    })
}

/// Runs `f` on this process's device attachments (their instances' rings); `None` if not started.
pub fn with_attachments<T>(f: impl FnOnce(&mut [DeviceAttachment]) -> T) -> Option<T> {
    sal().ok()?.with_attachments(f)
}

/// `qsal_exchange`: `total` test requests through every ring this process holds, each response
/// verified; `progress` gets the running count of responses.
pub fn exchange(total: u64, progress: impl FnMut(u64)) -> Result<Exchanged, ProcessError> {
    with_attachments(|attachments| exchange_on(attachments, total, progress))
        .ok_or(ProcessError::NotStarted)?
        .map_err(ProcessError::Exchange)
}

/// `icp_sal_find_new_devices`: attaches to devices started after this process that hold its
/// section.
pub fn find_new_devices() -> Result<DeviceEvents, ProcessError> {
    let events = sal()?
        .find_new_devices()
        .map_err(|e| ProcessError::Rescan(Box::new(e)))?;
    if events.any() {
        log::info!("found {} new device(s)", events.attached);
    }
    Ok(events)
}

/// `icp_sal_poll_device_events`: applies devices gone down, restarted or started to this
/// process's attachments.
pub fn poll_device_events() -> Result<DeviceEvents, ProcessError> {
    let events = sal()?
        .poll_device_events()
        .map_err(|e| ProcessError::Rescan(Box::new(e)))?;
    if events.any() {
        log::info!(
            "device events: {} attached, {} detached, {} restarted",
            events.attached,
            events.detached,
            events.restarted
        );
    }
    Ok(events)
}

/// Calls `f` with device `accel_id` of the current device set and this process's attachment to
/// it (`None` when it has none for the device's current generation).
fn with_device<T>(
    accel_id: u32,
    mut f: impl FnMut(&crate::LoadedDevice, Option<&mut DeviceAttachment>) -> T,
) -> Result<T, ProcessError> {
    let sal = sal()?;
    let snapshot = sal.devices().loaded().map_err(ProcessError::Devices)?;
    let Some(device) = snapshot.device(accel_id) else {
        return Err(ProcessError::UnknownDevice {
            accel_id,
            up: snapshot.devices().iter().map(|d| d.info.accel_id).collect(),
        });
    };
    let attached = sal.with_attachments(|attachments| {
        attachments
            .iter_mut()
            .find(|a| a.accel_id() == accel_id && a.generation() == device.info.generation)
            .map(|attachment| f(device, Some(attachment)))
    });
    match attached.flatten() {
        Some(result) => Ok(result),
        None => Ok(f(device, None)),
    }
}

/// `icp_sal_check_device`: the heartbeat of device `accel_id`.
pub fn check_device(accel_id: u32) -> Result<(), ProcessError> {
    let health = sal()?.devices().faults().device(accel_id);
    with_device(accel_id, |device, attachment| {
        heartbeat::check(device, attachment.as_deref(), &health)
    })?
    .map_err(|error| ProcessError::Heartbeat { accel_id, error })
}

/// `icp_sal_check_all_devices`: the heartbeat of every device that is up; the first failure.
pub fn check_all_devices() -> Result<u32, ProcessError> {
    let sal = sal()?;
    let snapshot = sal.devices().loaded().map_err(ProcessError::Devices)?;
    if snapshot.devices().is_empty() {
        return Err(ProcessError::NoDevice);
    }
    let mut checked = 0u32;
    for device in snapshot.devices() {
        check_device(device.info.accel_id)?;
        checked = checked.saturating_add(1);
    }
    Ok(checked)
}

/// `icp_sal_heartbeat_simulate_failure`: an emulated device fails its heartbeat (and answers
/// nothing) in this process until it is reset.
pub fn simulate_heartbeat_failure(accel_id: u32) -> Result<(), ProcessError> {
    let health = sal()?.devices().faults().device(accel_id);
    with_device(accel_id, |device, _| match device.meta.origin {
        Origin::Emulated => {
            health.fail();
            log::info!("qat_dev{accel_id}: heartbeat failure simulated");
            Ok(())
        }
        Origin::Hardware => Err(ProcessError::Unsupported {
            function: "icp_sal_heartbeat_simulate_failure",
            reason: format!(
                "qat_dev{accel_id} is a hardware device; only emulated devices simulate failures"
            ),
        }),
    })?
}

/// What a reset did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reset {
    /// Requests that were in flight on the device's rings and are lost.
    pub lost: u64,
}

/// `icp_sal_reset_device`: resets an emulated device as this process sees it — its rings are
/// re-initialised (requests in flight are reported lost, never waited for) and a failed heartbeat
/// is cleared.
pub fn reset_device(accel_id: u32) -> Result<Reset, ProcessError> {
    let health = sal()?.devices().faults().device(accel_id);
    with_device(accel_id, |device, attachment| {
        if device.meta.origin == Origin::Hardware {
            return Err(ProcessError::Unsupported {
                function: "icp_sal_reset_device",
                reason: format!(
                    "qat_dev{accel_id} is a hardware device; reset it as root with `qsal restart qat_dev{accel_id}` or the driver"
                ),
            });
        }
        let lost = match attachment {
            Some(attachment) => attachment.reset().map_err(ProcessError::Devices)?,
            None => {
                health.recover();
                0
            }
        };
        log::info!("qat_dev{accel_id} reset: {lost} request(s) in flight were lost");
        Ok(Reset { lost })
    })?
}
