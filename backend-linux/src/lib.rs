//! qsal-backend-linux: the platform layer for Linux processes.
//!
//! * [`RuntimeDir`] — where the device set and the leases live (`--runtime-dir`,
//!   `$QSAL_RUNTIME_DIR`, `/run/qsal` for root, `$XDG_RUNTIME_DIR/qsal`), created 0770 / 0660.
//! * [`store`] — `qsal up` / `qsal down`: validating, expanding and atomically writing device
//!   configurations, and removing them.
//! * [`LinuxDevices`] — the started devices and their expanded configurations.
//! * [`LinuxRegistry`] — crash-safe leases: one exclusive non-blocking `flock` per derived name.
//! * [`LinuxPlatform`] — pid, holder record, monotonic clock, sleep.
//! * [`exchange`] — test requests through every ring a slot holds, every response verified.
//! * [`sysfs`] — real QAT devices found through sysfs (read-only), and [`kernel`] — the
//!   `/dev/qat_dev_processes` slot protocol of Intel's out-of-tree driver.
//!
//! [`LinuxSal`] puts them together behind a blocking mutex: the start/stop state machine the C
//! library and `qsal hold` use.

mod devices;
mod emulated;
mod error;
pub mod exchange;
pub mod kernel;
mod leases;
mod platform;
mod runtime;
pub mod shm;
pub mod store;
pub mod sysfs;

pub use devices::{LinuxDevices, LoadedDevice, Snapshot};
pub use emulated::{Attachment, Faults, Instance, Shared};
pub use error::LinuxError;
pub use leases::{LinuxLease, LinuxRegistry, read_record};
pub use platform::{LinuxPlatform, command_name};
pub use runtime::{DIR_MODE, FILE_MODE, RuntimeDir, create_dir, open_read, open_rw, write_atomic};

use qsal_core::sal::Sal;

/// The start/stop state machine of a Linux process.
pub type LinuxSal = Sal<LinuxPlatform, LinuxDevices, LinuxRegistry, parking_lot::RawMutex, 64>;

/// The state machine over the runtime directory `runtime`.
pub fn linux_sal(runtime: &RuntimeDir) -> LinuxSal {
    Sal::new(
        LinuxPlatform::new(),
        LinuxDevices::new(runtime),
        LinuxRegistry::new(runtime),
    )
}
