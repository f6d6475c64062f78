//! Where a Linux process gets its slot: lease files in the runtime directory (the default), or
//! Intel's out-of-tree kernel driver through `/dev/qat_dev_processes`, which searches and leases
//! by itself. `$QSAL_SLOTS` chooses: `files` or `kernel` (the node's path is `$QSAL_KERNEL_NODE`,
//! else `/dev/qat_dev_processes`).
//!
//! With the kernel's slots the driver is the truth about who holds what, and it does not tell:
//! `qsal status` and `qsal probe` see every slot as free. A slot is released when its holder closes
//! the node or dies, exactly as with lease files.

use std::path::PathBuf;

use qsal_core::platform::{Choice, ErrorType, Holder, Lease, SlotRegistry};

use crate::kernel::{DevNode, KernelError, KernelLease, KernelSlots, NODE, SlotNode};
use crate::leases::{LinuxLease, LinuxRegistry};
use crate::{LinuxError, RuntimeDir};

/// What `$QSAL_SLOTS` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotSource {
    /// Lease files in the runtime directory.
    Files,
    /// The kernel driver's `/dev/qat_dev_processes`.
    Kernel,
}

impl SlotSource {
    /// The source a value of `$QSAL_SLOTS` names (unset: files).
    pub fn parse(value: Option<&str>) -> Result<Self, LinuxError> {
        match value {
            None | Some("" | "files") => Ok(Self::Files),
            Some("kernel") => Ok(Self::Kernel),
            Some(other) => Err(LinuxError::BadSetting {
                name: "QSAL_SLOTS",
                value: other.to_string(),
                expected: "files or kernel",
            }),
        }
    }

    /// The source `$QSAL_SLOTS` names.
    pub fn from_env() -> Result<Self, LinuxError> {
        Self::parse(std::env::var("QSAL_SLOTS").ok().as_deref())
    }
}

/// The path of the kernel's node: `$QSAL_KERNEL_NODE`, else `/dev/qat_dev_processes`.
pub fn kernel_node() -> PathBuf {
    std::env::var_os("QSAL_KERNEL_NODE")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(NODE), PathBuf::from)
}

/// The slot registry of a Linux process.
#[derive(Debug)]
pub enum LinuxSlots<N: SlotNode = DevNode> {
    /// Lease files.
    Files(LinuxRegistry),
    /// The kernel driver.
    Kernel(KernelSlots<N>),
}

impl LinuxSlots {
    /// The registry `source` names, over `runtime`.
    pub fn new(source: SlotSource, runtime: &RuntimeDir) -> Self {
        match source {
            SlotSource::Files => Self::Files(LinuxRegistry::new(runtime)),
            SlotSource::Kernel => Self::Kernel(KernelSlots::new(DevNode::new(kernel_node()))),
        }
    }
}

/// A slot held through either source.
#[derive(Debug)]
pub enum LinuxSlotLease<N: SlotNode = DevNode> {
    /// A locked lease file.
    File(LinuxLease),
    /// An open of the kernel's node.
    Kernel(KernelLease<N::Connection>),
}

impl<N: SlotNode> ErrorType for LinuxSlotLease<N> {
    type Error = LinuxError;
}

impl<N: SlotNode> Lease for LinuxSlotLease<N> {
    fn name(&self) -> &str {
        match self {
            Self::File(lease) => lease.name(),
            Self::Kernel(lease) => lease.name(),
        }
    }

    fn check(&self) -> Result<(), LinuxError> {
        match self {
            Self::File(lease) => lease.check(),
            // The open file is the lease; nobody can take it away but the holder.
            Self::Kernel(_) => Ok(()),
        }
    }
}

impl<N: SlotNode> ErrorType for LinuxSlots<N> {
    type Error = LinuxError;
}

impl<N: SlotNode> SlotRegistry for LinuxSlots<N> {
    type Lease = LinuxSlotLease<N>;

    fn try_lease(&self, name: &str, holder: &Holder) -> Result<Option<Self::Lease>, LinuxError> {
        match self {
            Self::Files(files) => Ok(files.try_lease(name, holder)?.map(LinuxSlotLease::File)),
            // The kernel picks the slot itself (`choose`); it cannot lease a given name.
            Self::Kernel(_) => Ok(None),
        }
    }

    fn holder(&self, name: &str) -> Result<Option<Holder>, LinuxError> {
        match self {
            Self::Files(files) => files.holder(name),
            Self::Kernel(_) => Ok(None),
        }
    }

    fn begin(&self) -> Result<(), LinuxError> {
        match self {
            Self::Files(files) => files.begin(),
            Self::Kernel(_) => Ok(()),
        }
    }

    fn end(&self) {
        if let Self::Files(files) = self {
            files.end();
        }
    }

    fn choose(&self, base: &str, _holder: &Holder) -> Result<Choice<Self::Lease>, LinuxError> {
        let Self::Kernel(kernel) = self else {
            return Ok(Choice::Search);
        };
        match kernel.acquire(base) {
            Ok(lease) => Ok(Choice::Granted {
                name: qsal_core::strings::copy(lease.name()),
                lease: LinuxSlotLease::Kernel(lease),
            }),
            Err(KernelError::AllTaken(_)) => Ok(Choice::AllTaken),
            Err(KernelError::NotConfigured(_)) => Ok(Choice::NotConfigured),
            Err(e) => Err(LinuxError::Kernel(Box::new(e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qsal_slots_values() {
        assert_eq!(SlotSource::parse(None).ok(), Some(SlotSource::Files));
        assert_eq!(
            SlotSource::parse(Some("files")).ok(),
            Some(SlotSource::Files)
        );
        assert_eq!(
            SlotSource::parse(Some("kernel")).ok(),
            Some(SlotSource::Kernel)
        );
        let bad = SlotSource::parse(Some("ldap")).expect_err("unknown");
        assert!(bad.to_string().contains("QSAL_SLOTS=ldap"), "{bad}");
    }
}
