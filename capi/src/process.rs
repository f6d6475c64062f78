//! The process-wide state behind the C ABI: one [`LinuxSal`], created on first use from
//! `QSAL_RUNTIME_DIR` (or the usual runtime-directory resolution); the calling thread's last error;
//! and logging (`QSAL_LOG=off|error|info|debug`, default `error`, one line on stderr per event).

use std::cell::RefCell;
use std::io::Write as _;
use std::sync::OnceLock;

use qsal_backend_linux::exchange::{Exchanged, exchange as exchange_on};
use qsal_backend_linux::{Attachment, LinuxError, LinuxSal, RuntimeDir, linux_sal};
use qsal_core::platform::Devices as _;
use qsal_core::sal::{StartError, Started, Stopped};

/// Log levels of `QSAL_LOG`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing.
    Off,
    /// Failures (the default).
    Error,
    /// Successful starts and stops too.
    Info,
    /// Everything.
    Debug,
}

/// The level set by `QSAL_LOG`, read once.
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| match std::env::var("QSAL_LOG").as_deref() {
        Ok("off") => Level::Off,
        Ok("info") => Level::Info,
        Ok("debug") => Level::Debug,
        _ => Level::Error,
    })
}

/// Writes one line on stderr if `at` is enabled.
pub fn log(at: Level, message: &str) {
    if at <= level() && at != Level::Off {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "qsal[{}]: {message}", std::process::id());
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records this thread's last failure (and logs it).
pub fn fail(message: String) {
    log(Level::Error, &message);
    LAST_ERROR.with(|e| *e.borrow_mut() = message);
}

/// This thread's last failure message (empty if none).
pub fn last_error() -> String {
    LAST_ERROR.with(|e| e.borrow().clone())
}

/// Why the process state could not be created.
fn runtime() -> Result<RuntimeDir, LinuxError> {
    RuntimeDir::resolve(None)
}

/// The state machine of this process, created on first use. Its state is per process id inside, so
/// a forked child uses the same object and is detected by its new pid.
pub fn sal() -> Result<&'static LinuxSal, String> {
    static SAL: OnceLock<Result<LinuxSal, String>> = OnceLock::new();
    SAL.get_or_init(|| runtime().map(|r| linux_sal(&r)).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

/// `icp_sal_userStart` for Rust callers.
pub fn start(name: &[u8]) -> Result<Started, String> {
    let sal = sal()?;
    match sal.start(name) {
        Ok(started) => {
            log(
                Level::Info,
                &format!("started {} (count {})", started.section, started.count),
            );
            Ok(started)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// `qsal_start_wait` for Rust callers: like [`start`], waiting up to `timeout_ms` for a free slot.
pub fn start_wait(name: &[u8], timeout_ms: u64) -> Result<Started, String> {
    let sal = sal()?;
    sal.start_wait(name, timeout_ms)
        .map_err(|e: StartError| e.to_string())
}

/// `icp_sal_userStop` for Rust callers.
pub fn stop() -> Result<Stopped, String> {
    let sal = sal()?;
    match sal.stop() {
        Ok(stopped) => {
            log(
                Level::Info,
                &format!("stopped ({} starts left)", stopped.remaining),
            );
            Ok(stopped)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The derived section this process holds.
pub fn section() -> Option<String> {
    sal().ok()?.section().map(|s| s.to_string())
}

/// `icp_sal_userIsQatAvailable`: at least one device is up (no slot is taken).
pub fn qat_available() -> bool {
    sal().is_ok_and(|sal| sal.devices().count().is_ok_and(|n| n > 0))
}

/// Runs `f` on this process's device attachments (their instances' rings); `None` if not started.
pub fn with_attachments<T>(f: impl FnOnce(&mut [Attachment]) -> T) -> Option<T> {
    sal().ok()?.with_sessions(f)
}

/// `qsal_exchange` for Rust callers: `total` test requests through every ring this process holds,
/// each response verified; `progress` gets the running count of responses.
pub fn exchange(total: u64, progress: impl FnMut(u64)) -> Result<Exchanged, String> {
    with_attachments(|attachments| exchange_on(attachments, total, progress))
        .ok_or_else(|| {
            "no slot held: call icp_sal_userStart before exchanging requests".to_string()
        })?
        .map_err(|e| e.to_string())
}
