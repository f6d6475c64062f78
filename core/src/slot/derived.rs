//! [`DerivedSlots`]: the derived names a user section has on one device, in the order the search
//! tries them — index 0 upward, up to the first name the device's expansion does not have (at most
//! the device's process limit). The search, a start pinned to a slot and the listing of every slot
//! all walk them this way.

use crate::names::{derived_name, derived_name_in};
use crate::platform::{DeviceInfo, Devices};

use super::SlotName;

/// One derived name of the walk.
#[derive(Debug)]
pub(super) enum Derived {
    /// A name that can be leased.
    Slot(SlotName),
    /// The name at this index, which the device has but which is longer than a slot name may be
    /// (an error for whoever meets it: the kernel's library could not lease it either; the name
    /// itself is rebuilt by [`derived_name`] where a message needs it, so that the walk moves a
    /// slot name, not a buffer five times its size).
    TooLong(u32),
}

/// The derived names of user section `base` on one device (see the module documentation).
pub(super) struct DerivedSlots<'a, D> {
    devices: &'a D,
    base: &'a str,
    limited: bool,
    accel_id: u32,
    next: u32,
    max: u32,
}

impl<'a, D: Devices> DerivedSlots<'a, D> {
    /// The walk of `base` on `device`, whose `LimitDevAccess` for it is `limited`.
    pub(super) fn new(devices: &'a D, device: &DeviceInfo, base: &'a str, limited: bool) -> Self {
        Self {
            devices,
            base,
            limited,
            accel_id: device.accel_id,
            next: 0,
            max: device.device_type.profile().max_processes(),
        }
    }

    /// The name at `index`, if the device has it.
    #[inline(always)]
    fn name_at(&self, index: u32) -> Result<Option<Derived>, D::Error> {
        match derived_name_in(self.base, self.limited, self.accel_id, index) {
            Some(slot) => {
                let has = self.devices.has_section(self.accel_id, &slot)?;
                Ok(has.then_some(Derived::Slot(slot)))
            }
            None => {
                let name = derived_name(self.base, self.limited, self.accel_id, index);
                let has = self.devices.has_section(self.accel_id, &name)?;
                Ok(has.then_some(Derived::TooLong(index)))
            }
        }
    }
}

impl<D: Devices> Iterator for DerivedSlots<'_, D> {
    /// The next name, or why the device could not be asked about it (which ends the walk).
    type Item = Result<Derived, D::Error>;

    // Inlined into each walk: the search runs it once per slot it looks at.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.max {
            return None;
        }
        match self.name_at(self.next) {
            Ok(Some(name)) => {
                self.next = self.next.saturating_add(1);
                Some(Ok(name))
            }
            Ok(None) => {
                self.next = self.max;
                None
            }
            Err(e) => {
                self.next = self.max;
                Some(Err(e))
            }
        }
    }
}
