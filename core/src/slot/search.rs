//! The slot search itself, and the enumeration of every slot with its holder.

use core::ops::ControlFlow;

use crate::config::keys::SectionKind;
use crate::names::derived_name;
use crate::platform::{DeviceInfo, Devices, ErrorKind, ErrorType, Holder, SlotRegistry};
use crate::strings::{Detail, NameBuf, copy, detail};

use super::SlotName;
use super::derived::{Derived, DerivedSlots};

/// How many taken names a failed search remembers (for "held by …" in messages).
pub const TAKEN_REMEMBERED: usize = 8;

/// A leased slot.
#[derive(Debug)]
pub struct Grant<L> {
    /// The lease; dropping it frees the slot.
    pub lease: L,
    /// The derived section name.
    pub name: SlotName,
    /// The first device (lowest accel id) that has this derived section.
    pub accel_id: u32,
}

/// What a search saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Distinct derived names examined.
    pub total: u32,
    /// Of those, held by someone.
    pub in_use: u32,
    /// The first taken names, in search order.
    pub taken: heapless::Vec<SlotName, TAKEN_REMEMBERED>,
    /// The first free name and its first device (probe mode only: in lease mode the grant names
    /// the slot taken).
    pub first_free: Option<(SlotName, u32)>,
    /// Of the names examined, those whose lease the registry could not use (a lease file that is
    /// missing, of the wrong type or owned by someone untrusted); they count as in use.
    pub unusable: u32,
    /// Why the first unusable one could not be used.
    pub problem: Option<Detail>,
}

/// The result of a search.
#[derive(Debug)]
pub struct Outcome<L> {
    /// The lease, when one was taken.
    pub grant: Option<Grant<L>>,
    /// What the search saw (complete in probe mode, up to the grant in lease mode).
    pub tally: Tally,
}

/// Why a search could not run to its end.
#[derive(Debug)]
pub enum SearchError<DE, RE> {
    /// No device is started.
    NoDevice,
    /// No started device has the section.
    NotConfigured,
    /// The name is `[GENERAL]` or a kernel section, which no process starts with.
    NotUserSection(SectionKind),
    /// The name is a derived (per-process) section; processes start with its user section.
    DerivedSection {
        /// The user section it was derived from.
        base: NameBuf,
    },
    /// A derived name is longer than 31 bytes.
    NameTooLong(crate::strings::NameBuf),
    /// The device backend failed.
    Devices(DE),
    /// The registry failed.
    Registry(RE),
}

/// The result of a search over backends `D` and `R`.
pub type SearchResult<T, D, R> =
    Result<T, SearchError<<D as ErrorType>::Error, <R as ErrorType>::Error>>;

/// `LimitDevAccess` of `section` on device `accel_id`, as [`crate::config::user::UserSection`]
/// reads it (kept in the device's section index by [`crate::config::expanded::Expanded::limit_dev_access`]).
pub fn read_limit_dev_access<D: Devices>(
    devices: &D,
    accel_id: u32,
    section: &str,
) -> Result<bool, D::Error> {
    devices.with_expanded(accel_id, |e| e.limit_dev_access(section).unwrap_or(false))
}

/// Searches the derived names of `base`. With `holder`, leases the first free one (and stops
/// there); without, only counts and records the first free one (a probe: nothing is taken).
pub fn search<D: Devices, R: SlotRegistry>(
    devices: &D,
    registry: &R,
    base: &str,
    holder: Option<&Holder>,
) -> SearchResult<Outcome<R::Lease>, D, R> {
    let mut tally = Tally::default();
    let grant = search_into(devices, registry, base, holder, &mut tally)?;
    Ok(Outcome { grant, tally })
}

/// [`search`] with the tally written into `tally` (which starts empty) rather than returned:
/// a start, which only reads the tally when every slot is taken, then moves a small result
/// instead of the whole [`Outcome`].
pub fn search_into<D: Devices, R: SlotRegistry>(
    devices: &D,
    registry: &R,
    base: &str,
    holder: Option<&Holder>,
    tally: &mut Tally,
) -> SearchResult<Option<Grant<R::Lease>>, D, R> {
    registry.begin().map_err(SearchError::Registry)?;
    // Ended by a guard rather than between the search and the return, so the search's result is
    // written where the caller wants it instead of being moved there (it is as large as the
    // largest error, ~170 bytes).
    let _session = Session(registry);
    search_in(devices, registry, base, holder, tally)
}

/// Ends the registry's search session (begun by the caller) when dropped: every walk that begins
/// one — the search, the pinned start, the listing — ends it this way, whichever way it returns.
pub(super) struct Session<'r, R: SlotRegistry>(pub(super) &'r R);

impl<R: SlotRegistry> Drop for Session<'_, R> {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// [`search_into`] between the registry's `begin` and `end`.
fn search_in<D: Devices, R: SlotRegistry>(
    devices: &D,
    registry: &R,
    base: &str,
    holder: Option<&Holder>,
    tally: &mut Tally,
) -> SearchResult<Option<Grant<R::Lease>>, D, R> {
    let mut shared_seen = 0u32;
    each_configured_device(devices, base, |device, limited| {
        let accel_id = device.accel_id;
        let mut walked = 0u32;
        for derived in DerivedSlots::new(devices, device, base, limited) {
            let slot = match derived.map_err(SearchError::Devices)? {
                Derived::Slot(slot) => slot,
                Derived::TooLong(n) => {
                    return Err(SearchError::NameTooLong(derived_name(
                        base, limited, accel_id, n,
                    )));
                }
            };
            let repeat = !limited && walked < shared_seen;
            walked = walked.saturating_add(1);
            if repeat {
                // The same shared name on a later device: tried and counted already.
                continue;
            }
            tally.total = tally.total.saturating_add(1);
            match holder {
                Some(holder) => match usable(registry.try_lease(&slot, holder), tally)? {
                    Some(Some(lease)) => {
                        return Ok(ControlFlow::Break(Grant {
                            lease,
                            name: slot,
                            accel_id,
                        }));
                    }
                    Some(None) => taken(tally, slot),
                    None => {}
                },
                None => match usable(registry.holder(&slot), tally)? {
                    None => {}
                    Some(Some(_)) => taken(tally, slot),
                    Some(None) if tally.first_free.is_none() => {
                        tally.first_free = Some((slot, accel_id));
                    }
                    Some(None) => {}
                },
            }
        }
        if !limited {
            shared_seen = shared_seen.max(walked);
        }
        Ok(ControlFlow::Continue(()))
    })
}

/// Calls `visit` with every started device that has user section `base` (ascending accel id) and
/// the section's `LimitDevAccess` there, until `visit` breaks with an answer. `Ok(None)` when it
/// never does; [`SearchError::NoDevice`] when no device is started and
/// [`SearchError::NotConfigured`] when none has the section.
pub(super) fn each_configured_device<D: Devices, RE, T>(
    devices: &D,
    base: &str,
    mut visit: impl FnMut(&DeviceInfo, bool) -> Result<ControlFlow<T>, SearchError<D::Error, RE>>,
) -> Result<Option<T>, SearchError<D::Error, RE>> {
    let count = devices.count().map_err(SearchError::Devices)?;
    if count == 0 {
        return Err(SearchError::NoDevice);
    }
    let mut configured = false;
    for index in 0..count {
        let Some(device) = devices.device(index).map_err(SearchError::Devices)? else {
            continue;
        };
        let Some(limited) = user_section_on(devices, &device, base)? else {
            continue;
        };
        configured = true;
        if let ControlFlow::Break(answer) = visit(&device, limited)? {
            return Ok(Some(answer));
        }
    }
    if configured {
        Ok(None)
    } else {
        Err(SearchError::NotConfigured)
    }
}

/// How user section `base` stands on `device`: `None` when the device does not have it, else its
/// `LimitDevAccess`; an error when `base` is not a user section (`[GENERAL]`, a kernel section) or
/// is a derived one — the checks every search of a section makes on every device.
fn user_section_on<D: Devices, RE>(
    devices: &D,
    device: &DeviceInfo,
    base: &str,
) -> Result<Option<bool>, SearchError<D::Error, RE>> {
    // One look at the device's expansion for all three answers.
    let found = devices
        .with_expanded(device.accel_id, |e| {
            e.limit_dev_access(base)
                .map(|limited| (e.is_derived(base), limited))
        })
        .map_err(SearchError::Devices)?;
    let Some((derived, limited)) = found else {
        return Ok(None);
    };
    let kind = SectionKind::of(base, device.device_type.profile().driver());
    if kind != SectionKind::User {
        return Err(SearchError::NotUserSection(kind));
    }
    if derived {
        let user = crate::names::derived_base(base).unwrap_or(base);
        return Err(SearchError::DerivedSection { base: copy(user) });
    }
    Ok(Some(limited))
}

/// A registry answer about one name: a problem with that name's lease alone (kind `Untrusted` or
/// `NotFound`) makes the name unusable and the search goes on (`Ok(None)`); any other failure stops
/// the search.
fn usable<T, DE, RE: crate::platform::Error>(
    answer: Result<T, RE>,
    tally: &mut Tally,
) -> Result<Option<T>, SearchError<DE, RE>> {
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(e) if matches!(e.kind(), ErrorKind::Untrusted | ErrorKind::NotFound) => {
            crate::qsal_log!(warn, "slot unusable: {}", detail(&e).as_str());
            tally.in_use = tally.in_use.saturating_add(1);
            tally.unusable = tally.unusable.saturating_add(1);
            if tally.problem.is_none() {
                tally.problem = Some(detail(&e));
            }
            Ok(None)
        }
        Err(e) => Err(SearchError::Registry(e)),
    }
}

fn taken(tally: &mut Tally, name: SlotName) {
    tally.in_use = tally.in_use.saturating_add(1);
    // `in_use` counts every taken slot; `taken` keeps the first few names for the message.
    let _ = tally.taken.push(name);
}

/// One slot of one device, as [`for_each_slot`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotInfo<'n> {
    /// The user section.
    pub section: &'n str,
    /// The derived name.
    pub name: &'n str,
    /// The device.
    pub accel_id: u32,
    /// Whether the name is shared by every device that has it (`LimitDevAccess = 0`).
    pub shared: bool,
    /// Its holder, `None` when free.
    pub holder: Option<Holder>,
    /// Why its lease cannot be used (it is never handed out), if so.
    pub problem: Option<Detail>,
}

/// Calls `f` for every derived name of every user section on every started device, with its holder.
/// A shared name (`LimitDevAccess = 0`) is reported once per device that has it.
pub fn for_each_slot<D: Devices, R: SlotRegistry>(
    devices: &D,
    registry: &R,
    f: impl FnMut(&SlotInfo<'_>),
) -> SearchResult<(), D, R> {
    registry.begin().map_err(SearchError::Registry)?;
    let _session = Session(registry);
    list_slots(devices, registry, f)
}

/// [`for_each_slot`] between the registry's `begin` and `end`.
fn list_slots<D: Devices, R: SlotRegistry>(
    devices: &D,
    registry: &R,
    mut f: impl FnMut(&SlotInfo<'_>),
) -> SearchResult<(), D, R> {
    let count = devices.count().map_err(SearchError::Devices)?;
    for index in 0..count {
        let Some(device) = devices.device(index).map_err(SearchError::Devices)? else {
            continue;
        };
        let accel_id = device.accel_id;
        for nth in 0.. {
            let Some(section) = devices
                .with_expanded(accel_id, |e| {
                    e.user_sections()
                        .nth(nth)
                        .map(|t| copy::<128>(&t.compact()))
                })
                .map_err(SearchError::Devices)?
            else {
                break;
            };
            let limited =
                read_limit_dev_access(devices, accel_id, &section).map_err(SearchError::Devices)?;
            for derived in DerivedSlots::new(devices, &device, &section, limited) {
                let name: NameBuf = match derived.map_err(SearchError::Devices)? {
                    Derived::Slot(slot) => copy(&slot),
                    Derived::TooLong(n) => derived_name(&section, limited, accel_id, n),
                };
                let name = name.as_str();
                let mut tally = Tally::default();
                let holder = usable(registry.holder(name), &mut tally)?.flatten();
                f(&SlotInfo {
                    section: &section,
                    name,
                    accel_id,
                    shared: !limited,
                    holder,
                    problem: tally.problem,
                });
            }
        }
    }
    Ok(())
}
