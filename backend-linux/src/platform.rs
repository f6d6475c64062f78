//! [`LinuxPlatform`]: process identity, holder records and time for a Linux process.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use qsal_core::platform::{Holder, Platform};

/// The calling Linux process.
#[derive(Clone, Copy, Debug)]
pub struct LinuxPlatform {
    epoch: Instant,
}

impl Default for LinuxPlatform {
    fn default() -> Self {
        Self::new()
    }
}

impl LinuxPlatform {
    /// The platform of this process.
    pub fn new() -> Self {
        Self {
            epoch: Instant::now(),
        }
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

impl Platform for LinuxPlatform {
    fn process_id(&self) -> u32 {
        rustix::process::getpid()
            .as_raw_nonzero()
            .get()
            .unsigned_abs()
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
}
