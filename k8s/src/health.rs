//! The device list of one resource, with health from qsal's own knowledge.
//!
//! A slot is `Healthy` when every device that has it is up, its lease can be used, and it is free or
//! held by a process the kubelet allocated it to. It is `Unhealthy` when a device is gone or down,
//! its lease file is unusable, or it is held by a process outside Kubernetes' allocation (a
//! `qsal hold` on the host, a service started by hand): offering it would send a pod to a slot it
//! cannot take. A device id advertised before and gone now (after `qsal down`) stays in the list as
//! `Unhealthy`, so nothing stays `Healthy` once the devices are down.

use std::collections::BTreeSet;

use qsal_backend_linux::inventory::Slot;

use crate::api;
use crate::inventory_watch::Snapshot;

/// Why a slot is or is not schedulable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotHealth {
    /// Free, or held by the process it was allocated to.
    Healthy,
    /// A device that has it is gone or down.
    DeviceDown,
    /// Its lease file cannot be used (never handed out until `qsal up` recreates it).
    Unusable,
    /// Held by a process the kubelet did not allocate it to.
    HeldOutside {
        /// The holder's pid.
        pid: u32,
    },
    /// It is no longer in the device set.
    Gone,
}

impl SlotHealth {
    /// The health of `slot` in `snapshot`.
    pub fn of(slot: &Slot, snapshot: &Snapshot) -> Self {
        if snapshot.error.is_some() || !snapshot.inventory.devices_up(slot) {
            Self::DeviceDown
        } else if slot.unusable.is_some() {
            Self::Unusable
        } else {
            match &slot.holder {
                Some(holder) if !snapshot.allocated.contains(&slot.id) => {
                    Self::HeldOutside { pid: holder.pid }
                }
                _ => Self::Healthy,
            }
        }
    }

    /// The kubelet's word for it.
    pub fn as_api(&self) -> &'static str {
        match self {
            Self::Healthy => api::HEALTHY,
            _ => api::UNHEALTHY,
        }
    }
}

/// The devices of resource `resource` (short name, `cy1_dc0`) in `snapshot`, in the slot search's
/// order; ids in `known` (advertised before) that are gone now follow as `Unhealthy`. Adds every
/// listed id to `known`.
pub fn devices(
    resource: &str,
    snapshot: &Snapshot,
    known: &mut BTreeSet<String>,
) -> Vec<api::Device> {
    let mut listed = Vec::new();
    let mut present = BTreeSet::new();
    for slot in snapshot
        .inventory
        .slots
        .iter()
        .filter(|s| s.resource == resource)
    {
        let nodes: BTreeSet<i64> = slot
            .devices
            .iter()
            .filter_map(|a| snapshot.inventory.device(*a))
            .map(|d| i64::from(d.node_id))
            .collect();
        listed.push(api::Device {
            id: slot.id.clone(),
            health: SlotHealth::of(slot, snapshot).as_api().to_string(),
            topology: Some(api::TopologyInfo {
                nodes: nodes.into_iter().map(|id| api::NumaNode { id }).collect(),
            }),
        });
        present.insert(slot.id.clone());
    }
    for gone in known.iter().filter(|id| !present.contains(*id)) {
        listed.push(api::Device {
            id: gone.clone(),
            health: SlotHealth::Gone.as_api().to_string(),
            topology: None,
        });
    }
    known.extend(present);
    listed
}
