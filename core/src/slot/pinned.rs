//! A slot asked for by name. When a deployment decides which slot a process takes — a Kubernetes
//! device plugin counted it free and allocated it to a container (`QSAL_SLOT` on Linux) — the start
//! takes exactly that slot or fails naming it and its holder; it never falls back to another slot,
//! which would make the scheduler's count wrong.

use core::ops::ControlFlow;

use crate::platform::{Devices, Holder, SlotRegistry};

use super::derived::{Derived, DerivedSlots};
use super::search::{Grant, SearchError, Session, each_configured_device};

/// Why the named slot could not be leased.
#[derive(Debug)]
pub enum PinnedError<DE, RE> {
    /// What the search of the section would have said (no device, section not configured, not a
    /// user section, a backend failure).
    Search(SearchError<DE, RE>),
    /// No started device has the name as a slot of the section.
    NotASlot,
    /// Someone else holds it (`None` when they released it between the two questions).
    Held(Option<Holder>),
}

/// The result of [`lease_named`] over backends `D` and `R`.
pub type PinnedResult<D, R> = Result<
    Grant<<R as SlotRegistry>::Lease>,
    PinnedError<<D as crate::platform::ErrorType>::Error, <R as crate::platform::ErrorType>::Error>,
>;

/// Leases slot `name` of user section `base` for `holder`, and nothing else.
pub fn lease_named<D: Devices, R: SlotRegistry>(
    devices: &D,
    registry: &R,
    base: &str,
    name: &str,
    holder: &Holder,
) -> PinnedResult<D, R> {
    registry
        .begin()
        .map_err(|e| PinnedError::Search(SearchError::Registry(e)))?;
    let _session = Session(registry);
    lease_in(devices, registry, base, name, holder)
}

/// [`lease_named`] between the registry's `begin` and `end`.
fn lease_in<D: Devices, R: SlotRegistry>(
    devices: &D,
    registry: &R,
    base: &str,
    name: &str,
    holder: &Holder,
) -> PinnedResult<D, R> {
    let search = |e| PinnedError::Search(e);
    let first = first_device_with_slot(devices, base, name).map_err(search)?;
    let Some(accel_id) = first else {
        return Err(PinnedError::NotASlot);
    };
    let mut slot = super::SlotName::new();
    slot.push_str(name).map_err(|_| PinnedError::NotASlot)?;
    match registry
        .try_lease(&slot, holder)
        .map_err(|e| search(SearchError::Registry(e)))?
    {
        Some(lease) => Ok(Grant {
            lease,
            name: slot,
            accel_id,
        }),
        None => Err(PinnedError::Held(registry.holder(&slot).ok().flatten())),
    }
}

/// The first device (ascending accel id) on which `name` is one of the derived names of user
/// section `base`, checked the way the search walks them; errors as the search reports them.
fn first_device_with_slot<D: Devices, RE>(
    devices: &D,
    base: &str,
    name: &str,
) -> Result<Option<u32>, SearchError<D::Error, RE>> {
    each_configured_device(devices, base, |device, limited| {
        for derived in DerivedSlots::new(devices, device, base, limited) {
            // A name too long to be a slot name is never the one asked for (which is one).
            if let Derived::Slot(slot) = derived.map_err(SearchError::Devices)?
                && slot == name
            {
                return Ok(ControlFlow::Break(device.accel_id));
            }
        }
        Ok(ControlFlow::Continue(()))
    })
}
