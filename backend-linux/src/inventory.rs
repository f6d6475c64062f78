//! The slots of a runtime directory as schedulable devices: what a cluster scheduler (the
//! Kubernetes device plugin `qsal-k8s`) and a container runtime (`qsal cdi`) are told about them.
//!
//! One entry per slot, counted exactly as the slot search counts them (a `LimitDevAccess = 1`
//! section has `NumProcesses` slots per device, a shared one `NumProcesses` in all). Names follow
//! Intel's kernel-mode QAT device plugin, so existing pod specs keep working:
//! * the resource of a slot is `cy<N>_dc<M>` from its section's `NumberCyInstances` and
//!   `NumberDcInstances` (sections with the same counts share a resource);
//! * its device id is `<section>_dev<accel id>_<i>`: `SSL_DEV1_INT_0` is `SSL_dev1_0`, and a shared
//!   slot `ZIP_INT_2` is `ZIP_dev<first device>_2`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use qsal_core::DeviceType;
use qsal_core::platform::{Devices, Holder};

use crate::device_file::Origin;
use crate::heartbeat;
use crate::{Health, LinuxError, RuntimeDir, linux_sal};

/// The driver's device nodes a process on a real QAT device opens besides its UIO banks.
pub const DRIVER_NODES: [&str; 3] = ["qat_adf_ctl", "qat_dev_processes", "usdm_drv"];

/// One device of the runtime directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventoryDevice {
    /// Its accel id.
    pub accel_id: u32,
    /// Its type.
    pub device_type: DeviceType,
    /// Its NUMA node.
    pub node_id: u32,
    /// Whether its rings are served by qsal's software firmware (no device nodes).
    pub emulated: bool,
    /// Whether it is usable: loaded and, for a real device, its driver's heartbeat alive.
    pub up: bool,
    /// The device nodes a container using it needs (none for an emulated device).
    pub nodes: Vec<PathBuf>,
}

/// One slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// Its user section.
    pub section: String,
    /// The derived section name a process gets (`QSAL_SLOT`).
    pub name: String,
    /// The scheduler's device id, `<section>_dev<accel id>_<i>`.
    pub id: String,
    /// The resource it belongs to, `cy<N>_dc<M>`.
    pub resource: String,
    /// The devices that have it (one unless the section is shared).
    pub devices: Vec<u32>,
    /// Whether the section is pinned to devices (`LimitDevAccess = 1`).
    pub pinned: bool,
    /// Its holder, if held.
    pub holder: Option<Holder>,
    /// Why it can never be handed out (its lease file is unusable), if so.
    pub unusable: Option<String>,
}

/// Why the inventory could not be read.
#[derive(Debug)]
pub enum InventoryError {
    /// The device set or a device's configuration could not be read.
    Read(LinuxError),
    /// Listing the slots failed (the message names the cause and the fix).
    Slots(Box<qsal_core::sal::StartError>),
}

impl std::fmt::Display for InventoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read(e) => write!(f, "cannot read the device set: {e}"),
            Self::Slots(e) => write!(f, "cannot list the slots: {e}"),
        }
    }
}

impl std::error::Error for InventoryError {}

impl From<LinuxError> for InventoryError {
    fn from(e: LinuxError) -> Self {
        Self::Read(e)
    }
}

/// Every device and slot of a runtime directory at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    /// The devices, in ascending accel id.
    pub devices: Vec<InventoryDevice>,
    /// The slots, in the slot search's order.
    pub slots: Vec<Slot>,
}

impl Inventory {
    /// Reads the device set and every slot's holder. An empty or missing device set is an empty
    /// inventory; devices whose driver nodes are looked up under `dev_root` (`/dev`).
    pub fn read(runtime: &RuntimeDir, dev_root: &Path) -> Result<Self, InventoryError> {
        let sal = linux_sal(runtime);
        let snapshot = sal.devices().loaded()?;
        let devices: Vec<InventoryDevice> = snapshot
            .devices()
            .iter()
            .map(|d| {
                let emulated = d.meta.origin == Origin::Emulated;
                InventoryDevice {
                    accel_id: d.info.accel_id,
                    device_type: d.info.device_type,
                    node_id: d.meta.node_id,
                    emulated,
                    up: emulated || heartbeat::check(d, None, &Health::default()).is_ok(),
                    nodes: if emulated {
                        Vec::new()
                    } else {
                        hardware_nodes(dev_root, d.info.device_type, d.info.accel_id)
                    },
                }
            })
            .collect();
        if devices.is_empty() {
            return Ok(Self::default());
        }
        let mut slots: Vec<Slot> = Vec::new();
        let mut position: BTreeMap<String, usize> = BTreeMap::new();
        let mut resources: BTreeMap<String, String> = BTreeMap::new();
        let mut failure = None;
        sal.holders(|info| {
            if let Some(&at) = position.get(info.name) {
                slots[at].devices.push(info.accel_id);
                return;
            }
            let resource = match resources.get(info.section) {
                Some(r) => r.clone(),
                None => {
                    let r =
                        resource_of(sal.devices(), info.accel_id, info.name).unwrap_or_else(|e| {
                            failure.get_or_insert(e);
                            String::new()
                        });
                    resources.insert(info.section.to_string(), r.clone());
                    r
                }
            };
            position.insert(info.name.to_string(), slots.len());
            slots.push(Slot {
                section: info.section.to_string(),
                name: info.name.to_string(),
                id: device_id(info.section, info.name, info.accel_id),
                resource,
                devices: vec![info.accel_id],
                pinned: !info.shared,
                holder: info.holder.clone(),
                unusable: info.problem.as_ref().map(|p| p.to_string()),
            });
        })
        .map_err(|e| InventoryError::Slots(Box::new(e)))?;
        if let Some(e) = failure {
            return Err(InventoryError::Read(e));
        }
        Ok(Self { devices, slots })
    }

    /// The device `accel_id`, if in the set.
    pub fn device(&self, accel_id: u32) -> Option<&InventoryDevice> {
        self.devices.iter().find(|d| d.accel_id == accel_id)
    }

    /// The slot whose device id is `id`.
    pub fn slot(&self, id: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.id == id)
    }

    /// Whether every device of `slot` is up.
    pub fn devices_up(&self, slot: &Slot) -> bool {
        slot.devices
            .iter()
            .all(|a| self.device(*a).is_some_and(|d| d.up))
    }

    /// The device nodes a container using `slots` needs: those of every device that has one of
    /// them, sorted, each once (none for emulated devices).
    pub fn nodes_of<'s>(&self, slots: impl IntoIterator<Item = &'s Slot>) -> Vec<PathBuf> {
        let mut nodes: Vec<PathBuf> = slots
            .into_iter()
            .flat_map(|s| s.devices.iter())
            .filter_map(|a| self.device(*a))
            .flat_map(|d| d.nodes.iter().cloned())
            .collect();
        nodes.sort();
        nodes.dedup();
        nodes
    }

    /// The distinct resources, sorted.
    pub fn resources(&self) -> Vec<String> {
        let mut all: Vec<String> = self.slots.iter().map(|s| s.resource.clone()).collect();
        all.sort();
        all.dedup();
        all
    }
}

/// The device id of slot `name` of `section` whose first device is `accel_id`:
/// `<section>_dev<accel id>_<i>`, `i` the process index that ends the derived name.
pub fn device_id(section: &str, name: &str, accel_id: u32) -> String {
    let index = name.rsplit_once("_INT_").map_or(name, |(_, i)| i);
    format!("{section}_dev{accel_id}_{index}")
}

/// The resource of the section whose first slot is `slot`:
/// `cy<NumberCyInstances>_dc<NumberDcInstances>` as the section asks for them (the expansion copies
/// the counts into every derived section; absent or unreadable counts are 0, as Intel's plugin
/// reads them).
fn resource_of(
    devices: &crate::LinuxDevices,
    accel_id: u32,
    slot: &str,
) -> Result<String, LinuxError> {
    let count = |key: &str| {
        devices.with_value(accel_id, slot, key, |v| {
            v.and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(0)
        })
    };
    Ok(format!(
        "cy{}_dc{}",
        count("NumberCyInstances")?,
        count("NumberDcInstances")?
    ))
}

/// The nodes of a real device: the driver's control nodes and the UIO nodes of its banks that
/// exist under `dev_root`.
fn hardware_nodes(dev_root: &Path, device_type: DeviceType, accel_id: u32) -> Vec<PathBuf> {
    let mut nodes: Vec<PathBuf> = DRIVER_NODES
        .iter()
        .map(|n| dev_root.join(n))
        .filter(|p| p.exists())
        .collect();
    let uio = crate::uio::UioRoots {
        sysfs: crate::uio::UioRoots::from_env().sysfs,
        dev: dev_root.to_path_buf(),
    };
    for bank in 0..device_type.profile().banks {
        if let Ok(node) = uio.bank_node(device_type, accel_id, bank) {
            nodes.push(node);
        }
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::device_id;

    #[test]
    fn device_ids_follow_intels_plugin() {
        assert_eq!(device_id("SSL", "SSL_DEV1_INT_0", 1), "SSL_dev1_0");
        assert_eq!(device_id("ZIP", "ZIP_INT_2", 0), "ZIP_dev0_2");
        assert_eq!(device_id("A_DEV", "A_DEV_DEV3_INT_12", 3), "A_DEV_dev3_12");
    }
}
