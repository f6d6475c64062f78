//! Typed errors of start and stop: one variant per cause, each naming the cause and the fix.
//!
//! At the C boundary every variant becomes `CPA_STATUS_FAIL` (-1), as in the reference; the message
//! stays available through `qsal_last_error`.

use core::fmt;

use crate::config::SectionKind;
use crate::names::NameError;
use crate::platform::ErrorKind;
use crate::slot::SlotName;
use crate::strings::{Detail, NameBuf, SectionName};

/// Why `start` failed. Whatever had been taken when it failed has been released.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StartError {
    /// No device is started.
    NoDevice {
        /// What the backend said, if anything.
        detail: Detail,
    },
    /// The caller may not use the slot registry or a device node.
    PermissionDenied {
        /// Names the path and the right that is missing.
        detail: Detail,
    },
    /// No started device has the section.
    SectionNotConfigured {
        /// The section asked for.
        section: SectionName,
        /// Sections that do exist (the first few).
        available: heapless::Vec<SectionName, 6>,
        /// How many more exist.
        more: u32,
    },
    /// Every derived name of the section is leased.
    AllSlotsTaken {
        /// The section.
        section: SectionName,
        /// Names in use.
        in_use: u32,
        /// Names that exist.
        total: u32,
        /// The first holders: name and pid.
        holders: heapless::Vec<(SlotName, u32), 4>,
        /// Of the slots in use, those whose lease could not be used at all.
        unusable: u32,
        /// Why the first of those could not be used.
        problem: Option<Detail>,
    },
    /// Every slot of the section is taken, as the kernel driver that hands them out says (it does
    /// not say by whom).
    AllSlotsTakenByDriver {
        /// The section.
        section: SectionName,
    },
    /// The slot this process was told to take (`Platform::pinned_slot`) is not a slot of the
    /// section on any started device.
    PinnedSlotNotInSection {
        /// The slot asked for.
        slot: SectionName,
        /// The section started.
        section: SectionName,
    },
    /// The slot this process was told to take is held by someone else.
    PinnedSlotHeld {
        /// The slot asked for.
        slot: SectionName,
        /// Its holder (`None` when it was released between the attempt and the question).
        holder: Option<crate::platform::Holder>,
    },
    /// The name is `[GENERAL]` or a kernel section, which no process starts with.
    NotUserSection {
        /// The name.
        section: SectionName,
        /// What kind of section it is.
        kind: SectionKind,
    },
    /// The name is a derived (per-process) section; processes start with its user section.
    DerivedSection {
        /// The name.
        section: SectionName,
        /// The user section it belongs to.
        base: SectionName,
    },
    /// The name cannot be a section name.
    InvalidName {
        /// The name (made printable).
        name: SectionName,
        /// What is wrong with it.
        reason: NameError,
    },
    /// A derived name is longer than the library's 31 bytes.
    DerivedNameTooLong {
        /// The derived name.
        name: NameBuf,
    },
    /// Attaching to a device (its banks or rings) failed.
    DeviceSetup {
        /// The device.
        accel_id: u32,
        /// The derived section being set up.
        section: SlotName,
        /// What failed (bank, ring, why).
        detail: Detail,
    },
    /// The slot was granted, but no started device has its derived section: the device set was
    /// reloaded during the start, or the kernel's slots and the loaded devices disagree. A start
    /// that would hold no instance fails instead of succeeding with none.
    SectionOnNoDevice {
        /// The derived section granted (and released).
        section: SlotName,
    },
    /// The lease this process held was taken away.
    LeaseLost {
        /// The derived section that was held.
        section: SlotName,
    },
    /// `start` was called 64 times without `stop`.
    RefCountExhausted,
    /// The slot registry failed.
    Registry {
        /// Its error kind.
        kind: ErrorKind,
        /// Its message.
        detail: Detail,
    },
    /// Reading the device configuration failed.
    Devices {
        /// Its error kind.
        kind: ErrorKind,
        /// Its message.
        detail: Detail,
    },
}

/// Why `stop` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StopError {
    /// This process never started (or already stopped as often as it started).
    NotStarted,
    /// This process is a fork of the one that started; the slot belongs to the parent.
    ForkedChild {
        /// The process that started.
        parent: u32,
        /// This process.
        child: u32,
    },
    /// The lease had been taken away; everything was released anyway.
    LeaseLost {
        /// The derived section that was held.
        section: SlotName,
    },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoDevice { detail } => {
                f.write_str("no QAT device is started")?;
                if !detail.is_empty() {
                    write!(f, " ({detail})")?;
                }
                f.write_str("; start the devices first (`qsal up`, or the driver's `adf_ctl up`)")
            }
            Self::PermissionDenied { detail } => write!(
                f,
                "permission denied: {detail}; give this user the group that owns it (no root needed)"
            ),
            Self::SectionNotConfigured {
                section,
                available,
                more,
            } => {
                write!(f, "section [{section}] is not configured on any started device")?;
                if available.is_empty() {
                    f.write_str("; no user section is configured at all")?;
                } else {
                    f.write_str("; configured sections: ")?;
                    for (i, name) in available.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "[{name}]")?;
                    }
                    if *more > 0 {
                        write!(f, " and {more} more")?;
                    }
                }
                f.write_str(
                    "; start with one of those names (QAT_Engine and QATzip ask for SHIM unless QAT_SECTION_NAME is set) or add the section to the device configuration",
                )
            }
            Self::AllSlotsTaken {
                section,
                in_use,
                total,
                holders,
                unusable,
                problem,
            } => {
                write!(f, "all slots of [{section}] are in use: {in_use} of {total} slots of {section} in use")?;
                if !holders.is_empty() {
                    f.write_str(" (")?;
                    for (i, (name, pid)) in holders.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{name} by pid {pid}")?;
                    }
                    if u32::try_from(holders.len()).unwrap_or(u32::MAX) < in_use.saturating_sub(*unusable) {
                        f.write_str(", …")?;
                    }
                    f.write_str(")")?;
                }
                if let Some(problem) = problem {
                    write!(
                        f,
                        "; {unusable} of them cannot be handed out because their lease file is unusable ({problem})"
                    )?;
                }
                f.write_str("; stop an idle holder, raise NumProcesses (× devices with LimitDevAccess = 1), or wait for a slot with the bounded wait")
            }
            Self::AllSlotsTakenByDriver { section } => write!(
                f,
                "all slots of [{section}] are in use, says the kernel driver that hands them out (QSAL_SLOTS=kernel; it does not tell who holds them); stop an idle holder, raise NumProcesses, or wait for a slot with the bounded wait"
            ),
            Self::PinnedSlotNotInSection { slot, section } => write!(
                f,
                "slot {slot} was asked for by name (QSAL_SLOT) but is not a slot of [{section}] on any started device; start the section it belongs to, or run without QSAL_SLOT to let the search choose (`qsal status` lists the slots)"
            ),
            Self::PinnedSlotHeld { slot, holder } => {
                write!(f, "slot {slot} was asked for by name (QSAL_SLOT) but ")?;
                match holder {
                    Some(h) => write!(
                        f,
                        "pid {} ({}, uid {}) holds it since {}",
                        h.pid, h.command, h.uid, h.since
                    )?,
                    None => f.write_str("another process holds it")?,
                }
                f.write_str("; the slot allocated to this process is in use outside that allocation: stop that process (`qsal status` shows it), or run without QSAL_SLOT to take any free slot")
            }
            Self::NotUserSection { section, kind } => write!(
                f,
                "[{section}] is {}, not a user section: processes start with a user section such as [SSL] or [SHIM] (`qsal status` lists them)",
                match kind {
                    SectionKind::General => "the device-wide settings section",
                    SectionKind::Kernel => "a kernel section, whose instances belong to the kernel",
                    _ => "a section the driver handles itself",
                }
            ),
            Self::DerivedSection { section, base } => write!(
                f,
                "[{section}] is a derived section, one process's share of [{base}]; start with [{base}] and qsal picks a free one"
            ),
            Self::InvalidName { name, reason } => write!(
                f,
                "section name `{name}` cannot be used: {reason}; use 1 to 127 bytes of letters, digits, `_`, `.` and `-`"
            ),
            Self::DerivedNameTooLong { name } => write!(
                f,
                "derived section name `{name}` is {} bytes, more than the 31 the QAT library accepts; shorten the section name or lower NumProcesses",
                name.len()
            ),
            Self::DeviceSetup {
                accel_id,
                section,
                detail,
            } => write!(
                f,
                "setting up device {accel_id} for {section} failed: {detail}; the slot was released, check the device with `qsal status`"
            ),
            Self::SectionOnNoDevice { section } => write!(
                f,
                "{section} was granted, but no started device has that section (the devices were reloaded during the start, or the kernel's slots and `qsal up`'s devices disagree); the slot was released, start again and compare `qsal status` with the loaded configuration"
            ),
            Self::LeaseLost { section } => write!(
                f,
                "the lease on {section} was taken away while this process held it; everything was released, start again"
            ),
            Self::RefCountExhausted => f.write_str(
                "start was called 64 times in this process without stop; pair every start with a stop",
            ),
            Self::Registry { detail, .. } => write!(f, "the slot registry failed: {detail}"),
            Self::Devices { detail, .. } => {
                write!(f, "reading the device configuration failed: {detail}")
            }
        }
    }
}

impl fmt::Display for StopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotStarted => f.write_str(
                "stop without a successful start in this process; call stop once per successful start",
            ),
            Self::ForkedChild { parent, child } => write!(
                f,
                "this process (pid {child}) is a fork of pid {parent}, which holds the slot; a child calls start to get a slot of its own and stops that one"
            ),
            Self::LeaseLost { section } => write!(
                f,
                "the lease on {section} had been taken away before stop; everything was released anyway"
            ),
        }
    }
}

impl core::error::Error for StartError {}
impl core::error::Error for StopError {}
