//! What a container is given for the slots the kubelet allocated to it (`Allocate`), and which
//! slots to prefer (`GetPreferredAllocation`).
//!
//! A container gets, for device ids `d0, d1, …` of resource `cy<N>_dc<M>`:
//! * `QAT_SECTION_NAME=<section of d0>` and Intel's indexed `QAT_SECTION_NAME_cy<N>_dc<M>_<k>` for
//!   each `dk` (what QAT_Engine and QATzip read);
//! * `QSAL_SLOT=<derived name of d0>` — libqsal and `qsal hold` take exactly that slot — and
//!   `QSAL_SLOT_<k>` for each `dk` when there are several;
//! * `QSAL_RUNTIME_DIR` pointing at a mount of the host's runtime directory (read-write: starting a
//!   process locks its lease there);
//! * the device nodes of real devices (none for emulated ones).

use std::collections::BTreeMap;

use qsal_backend_linux::inventory::Slot;

use crate::Options;
use crate::api;
use crate::inventory_watch::Snapshot;

/// Why an allocation cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocationError {
    /// A device id that is not a slot of this node (any more).
    UnknownDevice {
        /// The id.
        id: String,
    },
    /// The kubelet asked for no device.
    Empty,
}

impl std::fmt::Display for AllocationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownDevice { id } => write!(
                f,
                "device {id} is not a qsal slot of this node (the device set changed since it was advertised: `qsal status` on the node lists the slots)"
            ),
            Self::Empty => f.write_str("no device was asked for"),
        }
    }
}

impl std::error::Error for AllocationError {}

/// The response for one container that was allocated `ids`.
pub fn container_response(
    options: &Options,
    snapshot: &Snapshot,
    ids: &[String],
) -> Result<api::ContainerAllocateResponse, AllocationError> {
    let slots: Vec<&Slot> = ids
        .iter()
        .map(|id| {
            snapshot
                .inventory
                .slot(id)
                .ok_or_else(|| AllocationError::UnknownDevice { id: id.clone() })
        })
        .collect::<Result<_, _>>()?;
    let first = slots.first().ok_or(AllocationError::Empty)?;
    let container_dir = options.container_runtime_dir.display().to_string();
    let mut envs: BTreeMap<String, String> = BTreeMap::new();
    envs.insert("QAT_SECTION_NAME".into(), first.section.clone());
    envs.insert("QSAL_SLOT".into(), first.name.clone());
    envs.insert("QSAL_RUNTIME_DIR".into(), container_dir.clone());
    for (k, slot) in slots.iter().enumerate() {
        envs.insert(
            format!("QAT_SECTION_NAME_{}_{k}", slot.resource),
            slot.section.clone(),
        );
        if slots.len() > 1 {
            envs.insert(format!("QSAL_SLOT_{k}"), slot.name.clone());
        }
    }
    let nodes = snapshot.inventory.nodes_of(slots.iter().copied());
    Ok(api::ContainerAllocateResponse {
        envs: envs.into_iter().collect(),
        mounts: vec![api::Mount {
            container_path: container_dir,
            host_path: options.runtime_dir.display().to_string(),
            read_only: false,
        }],
        devices: nodes
            .into_iter()
            .map(|path| {
                let path = path.display().to_string();
                api::DeviceSpec {
                    container_path: path.clone(),
                    host_path: path,
                    permissions: "rw".into(),
                }
            })
            .collect(),
        annotations: Default::default(),
        cdi_devices: Vec::new(),
    })
}

/// The preferred `size` ids out of `available` (which includes `must`): `must` first; then, for
/// slots of pinned sections (`LimitDevAccess = 1`), slots on as few devices as possible — the
/// devices `must` already uses first, then those with the most available slots — and in the slot
/// search's order otherwise.
pub fn preferred(
    snapshot: &Snapshot,
    available: &[String],
    must: &[String],
    size: usize,
) -> Vec<String> {
    let mut chosen: Vec<String> = must.to_vec();
    let order = |id: &String| {
        snapshot
            .inventory
            .slots
            .iter()
            .position(|s| &s.id == id)
            .unwrap_or(usize::MAX)
    };
    let mut rest: Vec<&String> = available.iter().filter(|id| !must.contains(id)).collect();
    rest.sort_by_key(|id| order(id));
    let device_of = |id: &String| {
        snapshot
            .inventory
            .slot(id)
            .filter(|s| s.pinned)
            .and_then(|s| s.devices.first().copied())
    };
    let mut per_device: BTreeMap<u32, usize> = BTreeMap::new();
    for id in &rest {
        if let Some(device) = device_of(id) {
            *per_device.entry(device).or_default() += 1;
        }
    }
    let used: Vec<u32> = must.iter().filter_map(device_of).collect();
    // Rank: devices `must` uses, then more available slots, then lower accel id.
    let rank = |id: &String| match device_of(id) {
        Some(device) => (
            u8::from(!used.contains(&device)),
            usize::MAX - per_device.get(&device).copied().unwrap_or(0),
            device,
        ),
        None => (2, 0, 0),
    };
    rest.sort_by_key(|id| (rank(id), order(id)));
    for id in rest {
        if chosen.len() >= size {
            break;
        }
        chosen.push(id.clone());
    }
    chosen
}
