//! [`LinuxPlatform`]: process identity, holder records and time for a Linux process.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use qsal_core::platform::{Holder, Platform};

/// The calling Linux process.
#[derive(Clone, Copy, Debug)]
pub struct LinuxPlatform {
    epoch: Instant,
    pinned: Option<&'static str>,
}

/// The environment variable naming the one slot this process must take (set by the Kubernetes
/// device plugin, `qsal-k8s`, to the slot it allocated to the container).
pub const SLOT_ENV: &str = "QSAL_SLOT";

/// `QSAL_SLOT` as this process started with it, read once (an empty value is no value).
fn slot_from_environment() -> Option<&'static str> {
    static SLOT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SLOT.get_or_init(|| std::env::var(SLOT_ENV).ok().filter(|s| !s.is_empty()))
        .as_deref()
}

impl Default for LinuxPlatform {
    fn default() -> Self {
        Self::new()
    }
}

impl LinuxPlatform {
    /// The platform of this process; the slot it must take, if any, comes from `QSAL_SLOT`.
    pub fn new() -> Self {
        Self {
            epoch: Instant::now(),
            pinned: slot_from_environment(),
        }
    }

    /// This platform told to take slot `slot` (whatever `QSAL_SLOT` says), or any (`None`).
    pub fn with_pinned_slot(mut self, slot: Option<&'static str>) -> Self {
        self.pinned = slot;
        self
    }
}

/// The short command name of this process (`/proc/self/comm`, at most 15 bytes), read once.
pub fn command_name() -> heapless::String<16> {
    static NAME: std::sync::OnceLock<heapless::String<16>> = std::sync::OnceLock::new();
    NAME.get_or_init(read_command_name).clone()
}

fn read_command_name() -> heapless::String<16> {
    let comm = std::fs::read_to_string("/proc/self/comm").unwrap_or_else(|_| {
        std::env::args()
            .next()
            .and_then(|a| a.rsplit('/').next().map(str::to_string))
            .unwrap_or_default()
    });
    let mut out = heapless::String::new();
    for c in comm.trim().chars() {
        if out.push(c).is_err() {
            break;
        }
    }
    out
}

/// This process's id (after a `fork`, the child's).
pub(crate) fn current_pid() -> u32 {
    rustix::process::getpid()
        .as_raw_nonzero()
        .get()
        .unsigned_abs()
}

impl Platform for LinuxPlatform {
    fn process_id(&self) -> u32 {
        current_pid()
    }

    fn holder(&self) -> Holder {
        Holder {
            pid: self.process_id(),
            uid: rustix::process::geteuid().as_raw(),
            since: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            command: command_name(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn sleep_ms(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }

    fn pinned_slot(&self) -> Option<&str> {
        self.pinned
    }
}
