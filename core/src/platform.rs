//! The platform boundary: what a backend (Linux, mock, a board) must provide to the core.
//!
//! Shaped like embedded-hal: each backend has its own error type implementing [`Error`], and the
//! core only ever looks at its [`ErrorKind`]. Three small traits split the responsibilities:
//!
//! * [`Devices`] — the started devices and their *expanded* configuration, and attaching to one;
//! * [`SlotRegistry`] — atomically leasing one derived section name; the [`Lease`] is released when
//!   dropped, and the platform releases it when the holder dies;
//! * [`Platform`] — who the caller is (process identity, to detect fork) and time (for the bounded
//!   wait, which sleeps through the platform and never spins).

use core::fmt;

use crate::config::expanded::Expanded;
use crate::profile::DeviceType;

/// What went wrong in a backend, as far as the core cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ErrorKind {
    /// No device is started (or the device node does not exist).
    NoDevice,
    /// The caller lacks a permission (the backend's message names the path and the right).
    PermissionDenied,
    /// Something that should exist does not.
    NotFound,
    /// A fixed-capacity table is full.
    Full,
    /// A lease this process held was taken away.
    LeaseLost,
    /// A device, bank or ring could not be set up.
    SetupFailed,
    /// Any other I/O failure.
    Io,
    /// The operation is not supported here.
    Unsupported,
    /// A file or directory failed a trust check (an untrusted owner or mode, a symlink, a FIFO).
    Untrusted,
    /// Anything else.
    Other,
}

/// A backend error.
pub trait Error: fmt::Debug + fmt::Display {
    /// Classifies the error.
    fn kind(&self) -> ErrorKind;
}

/// Associates a backend with its error type.
pub trait ErrorType {
    /// The error type.
    type Error: Error;
}

impl<T: ErrorType + ?Sized> ErrorType for &T {
    type Error = T::Error;
}

/// A PCI address `domain:bus:device.function`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PciAddress {
    /// PCI domain.
    pub domain: u16,
    /// Bus.
    pub bus: u8,
    /// Device.
    pub device: u8,
    /// Function.
    pub function: u8,
}

impl fmt::Display for PciAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04x}:{:02x}:{:02x}.{:x}",
            self.domain, self.bus, self.device, self.function
        )
    }
}

/// A started device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeviceInfo {
    /// Global accel id (numbering over all devices).
    pub accel_id: u32,
    /// Its type.
    pub device_type: DeviceType,
    /// Its PCI address, when known.
    pub pci: Option<PciAddress>,
    /// Which start of the device this is: it changes whenever the device is restarted, so a
    /// process can tell that an attachment it holds belongs to an earlier start.
    pub generation: u64,
}

/// The started devices and their expanded configurations.
///
/// A backend supplies the device list, each device's expanded text (through [`Devices::with_expanded`])
/// and attachments; the core does all the reading, through the provided methods, so every backend
/// reads an expansion the same way.
pub trait Devices: ErrorType {
    /// What attaching to a device gives; dropping it tears the attachment down.
    type Attachment: Attachment;

    /// Number of started devices.
    fn count(&self) -> Result<usize, Self::Error>;

    /// The `index`-th started device, in ascending accel id.
    fn device(&self, index: usize) -> Result<Option<DeviceInfo>, Self::Error>;

    /// Calls `f` with the expanded configuration of device `accel_id`.
    fn with_expanded<T>(
        &self,
        accel_id: u32,
        f: impl FnOnce(&Expanded<'_>) -> T,
    ) -> Result<T, Self::Error>;

    /// Attaches this process to device `accel_id` for derived section `section`; `Ok(None)` when
    /// the device's expanded configuration has no such section (nothing to attach). The section
    /// is looked up in the same view of the device the attachment is made from, so a start
    /// never attaches from one version of a device's configuration after checking another.
    fn attach(&self, accel_id: u32, section: &str)
    -> Result<Option<Self::Attachment>, Self::Error>;

    /// Whether the expanded configuration of device `accel_id` has section `section`.
    fn has_section(&self, accel_id: u32, section: &str) -> Result<bool, Self::Error> {
        self.with_expanded(accel_id, |e| e.has_section(section))
    }

    /// Calls `f` with the value of `key` in `section` of device `accel_id` (`None` when absent).
    fn with_value<T>(
        &self,
        accel_id: u32,
        section: &str,
        key: &str,
        f: impl FnOnce(Option<&str>) -> T,
    ) -> Result<T, Self::Error> {
        self.with_expanded(accel_id, |e| match e.value(section, key) {
            Some(text) => f(Some(&text.compact())),
            None => f(None),
        })
    }

    /// Calls `f` with the name of every user section (not derived ones) of device `accel_id`.
    fn for_each_user_section(
        &self,
        accel_id: u32,
        f: &mut dyn FnMut(&str),
    ) -> Result<(), Self::Error> {
        self.with_expanded(accel_id, |e| {
            for name in e.user_sections() {
                f(&name.compact());
            }
        })
    }
}

/// A process's attachment to one device.
pub trait Attachment {
    /// The device.
    fn accel_id(&self) -> u32;

    /// The device's [`DeviceInfo::generation`] when this attachment was made.
    fn generation(&self) -> u64;

    /// Forgets an attachment inherited through fork without tearing anything down (the parent
    /// still uses it).
    fn abandon(self)
    where
        Self: Sized;
}

/// Who holds a slot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Holder {
    /// Process (or task) id.
    pub pid: u32,
    /// User id, where the platform has users.
    pub uid: u32,
    /// When the lease was taken, seconds since the Unix epoch (0 when unknown).
    pub since: u64,
    /// Short command name.
    pub command: heapless::String<16>,
}

/// Who picks the slot a start gets.
#[derive(Debug)]
pub enum Choice<L> {
    /// The core searches the derived names (in the driver's order) and leases the first free one
    /// through [`SlotRegistry::try_lease`].
    Search,
    /// The registry searched itself and leased this derived name.
    Granted {
        /// The derived name.
        name: crate::slot::SlotName,
        /// Its lease.
        lease: L,
    },
    /// The registry searched itself: every slot of the section is taken.
    AllTaken,
    /// The registry searched itself: no started device has the section.
    NotConfigured,
}

/// Cross-process leases on derived section names.
pub trait SlotRegistry: ErrorType {
    /// A held lease; dropping the last copy releases it.
    type Lease: Lease<Error = Self::Error>;

    /// Atomically leases `name` for `holder`; `Ok(None)` when someone else holds it.
    fn try_lease(&self, name: &str, holder: &Holder) -> Result<Option<Self::Lease>, Self::Error>;

    /// Who holds `name` right now (`None` when it is free). Must not take the lease.
    fn holder(&self, name: &str) -> Result<Option<Holder>, Self::Error>;

    /// Called before a search asks about many names in a row (the core's slot search and the
    /// status listing), so a backend can open what every lookup needs once; balanced by
    /// [`SlotRegistry::end`]. Nothing is kept beyond `end`.
    fn begin(&self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Ends what [`SlotRegistry::begin`] began.
    fn end(&self) {}

    /// Lets a registry that searches by itself — Intel's kernel driver, through
    /// `/dev/qat_dev_processes` — pick the slot of base section `base`. The default leaves the
    /// search to the core ([`Choice::Search`]).
    fn choose(&self, base: &str, holder: &Holder) -> Result<Choice<Self::Lease>, Self::Error> {
        let _ = (base, holder);
        Ok(Choice::Search)
    }
}

/// One held lease.
pub trait Lease: ErrorType {
    /// The leased name.
    fn name(&self) -> &str;

    /// Whether the lease is still held (a backend may lose it, for example to an administrator).
    fn check(&self) -> Result<(), Self::Error>;
}

/// The caller's identity and time.
pub trait Platform {
    /// The current process (or task) id; a change means the process was forked.
    fn process_id(&self) -> u32;

    /// What to record as holder of a lease taken now.
    fn holder(&self) -> Holder;

    /// A monotonic clock in milliseconds.
    fn now_ms(&self) -> u64;

    /// Sleeps (never spins) for `ms` milliseconds.
    fn sleep_ms(&self, ms: u64);

    /// The one slot (derived section name) this process must take, when its deployment chose it —
    /// on Linux `QSAL_SLOT`, which a Kubernetes device plugin sets to the slot it allocated. A
    /// start then takes exactly that slot or fails naming it and its holder. `None` (the default)
    /// lets the search choose.
    fn pinned_slot(&self) -> Option<&str> {
        None
    }
}
