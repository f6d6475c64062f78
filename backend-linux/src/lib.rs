//! qsal-backend-linux: the platform layer for Linux processes.
//!
//! * [`RuntimeDir`] — where the device set and the leases live (`--runtime-dir`,
//!   `$QSAL_RUNTIME_DIR`, `/run/qsal` for root, `$XDG_RUNTIME_DIR/qsal`); everything below it is
//!   untrusted input, reached only through [`dir::Dir`] (descriptor-relative, no link followed, only
//!   regular files, bounded reads, explicit modes 2770 / 0660).
//! * [`store`] — `qsal up` / `qsal down`: writing a device set as a whole and removing it, under
//!   the runtime directory's lock.
//! * [`LinuxDevices`] — the started devices and their expanded configurations, each with its
//!   [`SectionIndex`].
//! * [`LinuxRegistry`] — crash-safe leases: one exclusive non-blocking `flock` per derived name.
//! * [`LinuxPlatform`] — pid, holder record, monotonic clock, sleep.
//! * [`exchange`] — test requests through every ring a slot holds, every response verified.
//! * [`sysfs`] — real QAT devices found through sysfs (read-only), and [`kernel`] — the
//!   `/dev/qat_dev_processes` slot protocol of Intel's out-of-tree driver.
//!
//! [`LinuxSal`] puts them together behind a blocking mutex: the start/stop state machine the C
//! library and `qsal hold` use.

mod attachment;
pub mod device_file;
mod devices;
pub mod dir;
pub mod discovery;
pub mod dma;
mod engine;
mod error;
pub mod exchange;
pub mod heartbeat;
pub mod inventory;
pub mod kernel;
mod leases;
pub mod load;
mod platform;
pub mod process;
mod ring_table;
mod runtime;
mod section_index;
pub mod shm;
pub mod slots;
pub mod store;
pub mod sysfs;
pub mod uio;

pub use attachment::{Beat, DeviceAttachment, Faults, HEARTBEAT_WAIT, Health, Instance, Shared};
pub use devices::{LinuxDevices, LoadedDevice, Snapshot};
pub use error::{LinuxError, Untrusted};
pub use leases::{LinuxLease, LinuxRegistry};
pub use platform::{LinuxPlatform, SLOT_ENV, command_name};
pub use process::ProcessError;
pub use ring_table::RingTable;
pub use runtime::{Opened, RuntimeDir};
pub use section_index::SectionIndex;
pub use slots::{LinuxSlots, SlotSource};

use qsal_core::sal::Sal;

/// The start/stop state machine of a Linux process.
pub type LinuxSal = Sal<LinuxPlatform, LinuxDevices, LinuxSlots, parking_lot::RawMutex, 64>;

/// The state machine over the runtime directory `runtime`, with lease files for slots.
pub fn linux_sal(runtime: &RuntimeDir) -> LinuxSal {
    linux_sal_with(runtime, SlotSource::Files)
}

/// The state machine over the runtime directory `runtime`, with slots from `slots`.
pub fn linux_sal_with(runtime: &RuntimeDir, slots: SlotSource) -> LinuxSal {
    Sal::new(
        LinuxPlatform::new(),
        LinuxDevices::new(runtime),
        LinuxSlots::new(slots, runtime),
    )
}
