//! The start/stop state machine of `icp_sal_userStart` / `icp_sal_userStop`, made race-free and
//! fork-correct (`../shared/reference/qat-semantics.md` §4, `../shared/reference/user-pain.md` §4).
//!
//! One [`Sal`] exists per process (a `static` in firmware and in the C library). Its state — owner
//! process id, reference count, the lease, the attached devices — lives behind one mutex (generic over
//! `lock_api::RawMutex`: `spin` on bare metal, a blocking mutex on Linux), and the process-identity
//! check happens *inside* it, so the first start is race-free and start and stop may come from
//! different threads.
//!
//! * First `start` in a process: search a slot, lease it, attach to every device that has the derived
//!   section. Any failure releases everything taken so far, the lease included.
//! * Later `start`s: count + 1 (at most 64), whatever name they pass; the reply names the section
//!   really held.
//! * `stop`: count − 1; the last one detaches (in reverse order) and drops the lease last.
//! * After `fork` the child inherits the state; its first `start` or `stop` notices the new process
//!   id, abandons the inherited attachments without tearing down the parent's, and drops its copy of
//!   the lease (which leaves the parent's lease held). The child's `stop` fails; its `start` takes a
//!   new slot.

mod error;
mod rescan;

pub use error::{StartError, StopError};
pub use rescan::{DeviceEvents, RescanError};

use crate::strings::{Detail, SectionName, detail, section_name};

use crate::limits::{MAX_DERIVED_NAME_LEN, MAX_START_REF_COUNT};
use crate::names::check_name;
use crate::platform::{
    Attachment, Choice, Devices, Error as _, ErrorKind, Holder, Lease, Platform, SlotRegistry,
};
use crate::slot::{
    Grant, PinnedError, SearchError, SlotInfo, SlotName, Tally, for_each_slot, lease_named, search,
    search_into,
};

/// The longest pause between two attempts of [`Sal::start_wait`]: short enough that a reload's new
/// workers get a freed slot within a tenth of a second, long enough that waiting costs nothing.
pub const WAIT_PAUSE_MAX_MS: u64 = 100;

/// A successful start.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Started {
    /// The derived section this process holds.
    pub section: SlotName,
    /// The reference count after this start.
    pub count: u32,
    /// Whether this start took the slot (the first start of the process).
    pub first: bool,
}

/// A successful stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stopped {
    /// Starts still outstanding; 0 means the slot was released.
    pub remaining: u32,
}

/// What a start would get now (nothing is taken).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Probe {
    /// The derived section a start would be granted.
    pub section: SlotName,
    /// Free slots of the section.
    pub free: u32,
    /// All slots of the section.
    pub total: u32,
}

/// Process-global start/stop state.
#[derive(Debug)]
struct State<L, S, const DEVICES: usize> {
    owner: Option<u32>,
    count: u32,
    lease: Option<L>,
    section: SlotName,
    attachments: heapless::Vec<S, DEVICES>,
}

impl<L, S, const DEVICES: usize> State<L, S, DEVICES> {
    const fn new() -> Self {
        Self {
            owner: None,
            count: 0,
            lease: None,
            section: SlotName::new(),
            attachments: heapless::Vec::new(),
        }
    }

    /// Releases everything: attachments in reverse order, then the lease.
    fn teardown(&mut self) {
        while let Some(attachment) = self.attachments.pop() {
            drop(attachment);
        }
        self.lease = None;
        self.count = 0;
        self.owner = None;
        self.section.clear();
    }
}

impl<L: Lease, S, const DEVICES: usize> State<L, S, DEVICES> {
    /// If the lease was taken away while held, releases everything and returns the section that
    /// was held; `None` (and nothing changes) while the lease is intact.
    fn lose_if_revoked(&mut self) -> Option<SlotName> {
        let revoked = self
            .lease
            .as_ref()
            .is_some_and(|lease| lease.check().is_err());
        if !revoked {
            return None;
        }
        let section = self.section.clone();
        self.teardown();
        Some(section)
    }
}

impl<L: Lease, S: Attachment, const DEVICES: usize> State<L, S, DEVICES> {
    /// Whether process `pid` holds the slot: it started (and has not fully stopped), it is not a
    /// forked child of the process that did (whose inherited state is dropped), and its lease is
    /// intact (a lost lease releases everything).
    fn held_by(&mut self, pid: u32) -> Result<(), StopError> {
        if let Some(parent) = self.leave_inherited(pid) {
            return Err(StopError::ForkedChild { parent, child: pid });
        }
        if self.count == 0 {
            return Err(StopError::NotStarted);
        }
        if let Some(section) = self.lose_if_revoked() {
            crate::qsal_log!(warn, "pid {} lost the lease on {}", pid, section.as_str());
            return Err(StopError::LeaseLost { section });
        }
        Ok(())
    }
}

impl<L, S: Attachment, const DEVICES: usize> State<L, S, DEVICES> {
    /// Forgets state inherited through fork: the attachments belong to the parent, and dropping our
    /// copy of the lease leaves the parent's lease held. Returns the parent's id, if there was one.
    fn leave_inherited(&mut self, pid: u32) -> Option<u32> {
        let parent = self.owner.filter(|owner| *owner != pid)?;
        while let Some(attachment) = self.attachments.pop() {
            attachment.abandon();
        }
        self.lease = None;
        self.count = 0;
        self.owner = None;
        self.section.clear();
        Some(parent)
    }
}

/// The start/stop state machine of one process.
///
/// `M` is the raw mutex guarding the state; `DEVICES` bounds how many devices one process attaches
/// to (with `LimitDevAccess = 0` that is every device holding the section).
pub struct Sal<P, D, R, M = spin::Mutex<()>, const DEVICES: usize = 16>
where
    D: Devices,
    R: SlotRegistry,
    M: lock_api::RawMutex,
{
    platform: P,
    devices: D,
    registry: R,
    state: lock_api::Mutex<M, State<R::Lease, D::Attachment, DEVICES>>,
}

impl<P, D, R, M, const DEVICES: usize> Sal<P, D, R, M, DEVICES>
where
    P: Platform,
    D: Devices,
    R: SlotRegistry,
    M: lock_api::RawMutex,
{
    /// A state machine over these backends, with nothing started (usable in a `static`).
    pub const fn new(platform: P, devices: D, registry: R) -> Self {
        Self {
            platform,
            devices,
            registry,
            state: lock_api::Mutex::new(State::new()),
        }
    }

    /// The platform.
    pub fn platform(&self) -> &P {
        &self.platform
    }

    /// The device backend.
    pub fn devices(&self) -> &D {
        &self.devices
    }

    /// The slot registry.
    pub fn registry(&self) -> &R {
        &self.registry
    }

    /// `icp_sal_userStart(name)`.
    pub fn start(&self, name: &[u8]) -> Result<Started, StartError> {
        // The start path's results are matched rather than passed through `map_err`: a mapped result
        // is a whole `StartError`-sized value (about 700 bytes), moved even when it holds a success.
        let base = match check_name(name) {
            Ok(base) => base,
            Err(reason) => {
                return Err(StartError::InvalidName {
                    name: section_name(name),
                    reason,
                });
            }
        };
        let pid = self.platform.process_id();
        let mut state = self.state.lock();
        state.leave_inherited(pid);
        if state.count > 0 {
            if let Some(section) = state.lose_if_revoked() {
                return Err(StartError::LeaseLost { section });
            }
            if state.count >= MAX_START_REF_COUNT {
                return Err(StartError::RefCountExhausted);
            }
            state.count = state.count.saturating_add(1);
            return Ok(Started {
                section: state.section.clone(),
                count: state.count,
                first: false,
            });
        }
        let grant = self.lease(base)?;
        if grant.name.len() > MAX_DERIVED_NAME_LEN {
            return Err(StartError::DerivedNameTooLong {
                name: crate::strings::copy(&grant.name),
            });
        }
        // `count` is 0, so nothing is attached: a stop, a failed start and a fork's child all leave
        // the list empty. Attaching straight into it spares moving the list.
        self.attach_all(&grant.name, &mut state.attachments)?;
        if state.attachments.is_empty() {
            // Intel's library can "succeed" here with no instance at all; a caller finds out
            // later, if ever (qat-semantics.md §4.2, recommendation: fail the start).
            return Err(StartError::SectionOnNoDevice {
                section: grant.name,
            });
        }
        state.owner = Some(pid);
        state.count = 1;
        // Copied in place: a clone is built beside it and then moved, reading back a buffer only
        // partly written, which stalls the copy. Same capacity, so it always fits.
        state.section.clear();
        let _ = state.section.push_str(&grant.name);
        state.lease = Some(grant.lease);
        crate::qsal_log!(info, "pid {} started {}", pid, grant.name.as_str());
        Ok(Started {
            section: grant.name,
            count: 1,
            first: true,
        })
    }

    /// Leases a slot of `base`: the one the registry picks, if it picks ([`Choice`]), else the first
    /// free one of the core's search.
    fn lease(&self, base: &str) -> Result<Grant<R::Lease>, StartError> {
        let holder = self.platform.holder();
        if let Some(slot) = self.platform.pinned_slot() {
            return self.lease_pinned(base, slot, &holder);
        }
        let choice = match self.registry.choose(base, &holder) {
            Ok(choice) => choice,
            Err(e) => return Err(backend_error(e.kind(), detail(&e), true)),
        };
        match choice {
            Choice::Search => {}
            Choice::Granted { name, lease } => {
                return Ok(Grant {
                    lease,
                    name,
                    accel_id: 0,
                });
            }
            Choice::AllTaken => {
                return Err(StartError::AllSlotsTakenByDriver {
                    section: section_name(base.as_bytes()),
                });
            }
            Choice::NotConfigured => return Err(self.not_configured(base)),
        }
        let mut tally = Tally::default();
        match search_into(
            &self.devices,
            &self.registry,
            base,
            Some(&holder),
            &mut tally,
        ) {
            Ok(Some(grant)) => Ok(grant),
            Ok(None) => Err(self.all_taken(base, &tally)),
            Err(e) => Err(self.search_error(base, e)),
        }
    }

    /// Leases exactly `slot` of `base` (see [`Platform::pinned_slot`]).
    fn lease_pinned(
        &self,
        base: &str,
        slot: &str,
        holder: &Holder,
    ) -> Result<Grant<R::Lease>, StartError> {
        lease_named(&self.devices, &self.registry, base, slot, holder).map_err(|e| match e {
            PinnedError::Search(e) => self.search_error(base, e),
            PinnedError::NotASlot => StartError::PinnedSlotNotInSection {
                slot: section_name(slot.as_bytes()),
                section: section_name(base.as_bytes()),
            },
            PinnedError::Held(holder) => StartError::PinnedSlotHeld {
                slot: section_name(slot.as_bytes()),
                holder,
            },
        })
    }

    /// Starts, waiting up to `timeout_ms` for a slot while all are taken. Sleeps through the
    /// platform with exponential back-off (10 ms doubling to [`WAIT_PAUSE_MAX_MS`]); never spins, never holds the
    /// state lock while sleeping. Other failures return at once.
    pub fn start_wait(&self, name: &[u8], timeout_ms: u64) -> Result<Started, StartError> {
        let deadline = self.platform.now_ms().saturating_add(timeout_ms);
        let mut pause = 10u64;
        loop {
            match self.start(name) {
                Err(
                    StartError::AllSlotsTaken { .. } | StartError::AllSlotsTakenByDriver { .. },
                ) if self.platform.now_ms() < deadline => {
                    let left = deadline.saturating_sub(self.platform.now_ms());
                    self.platform.sleep_ms(pause.min(left).max(1));
                    pause = pause.saturating_mul(2).min(WAIT_PAUSE_MAX_MS);
                }
                result => return result,
            }
        }
    }

    /// `icp_sal_userStop()`.
    pub fn stop(&self) -> Result<Stopped, StopError> {
        let pid = self.platform.process_id();
        let mut state = self.state.lock();
        state.held_by(pid)?;
        if state.count > 1 {
            state.count = state.count.saturating_sub(1);
            return Ok(Stopped {
                remaining: state.count,
            });
        }
        let section = state.section.clone();
        state.teardown();
        crate::qsal_log!(info, "pid {} stopped {}", pid, section.as_str());
        Ok(Stopped { remaining: 0 })
    }

    /// Drops state inherited through fork now (for an atfork child handler); a no-op otherwise.
    pub fn after_fork_in_child(&self) {
        let pid = self.platform.process_id();
        self.state.lock().leave_inherited(pid);
    }

    /// The derived section this process holds, if it has started.
    pub fn section(&self) -> Option<SlotName> {
        let pid = self.platform.process_id();
        let state = self.state.lock();
        (state.owner == Some(pid) && state.count > 0).then(|| state.section.clone())
    }

    /// Runs `f` on this process's attachments (one per device holding its section), for example to
    /// reach the instances' rings. `None` when this process has not started. Holds the state lock
    /// while `f` runs; the ring data path itself takes no lock.
    pub fn with_attachments<T>(&self, f: impl FnOnce(&mut [D::Attachment]) -> T) -> Option<T> {
        let pid = self.platform.process_id();
        let mut state = self.state.lock();
        if state.owner != Some(pid) || state.count == 0 {
            return None;
        }
        Some(f(&mut state.attachments))
    }

    /// The reference count of this process (0 when not started, or in a forked child).
    pub fn count(&self) -> u32 {
        let pid = self.platform.process_id();
        let state = self.state.lock();
        if state.owner == Some(pid) {
            state.count
        } else {
            0
        }
    }

    /// Whether a start of `name` would succeed now, and with which section; takes nothing.
    pub fn probe(&self, name: &[u8]) -> Result<Probe, StartError> {
        let base = check_name(name).map_err(|reason| StartError::InvalidName {
            name: section_name(name),
            reason,
        })?;
        let outcome = search(&self.devices, &self.registry, base, None)
            .map_err(|e| self.search_error(base, e))?;
        let tally = outcome.tally;
        match &tally.first_free {
            Some((section, _)) => Ok(Probe {
                section: section.clone(),
                free: tally.total.saturating_sub(tally.in_use),
                total: tally.total,
            }),
            None => Err(self.all_taken(base, &tally)),
        }
    }

    /// Calls `f` with every slot of every section on every started device, and its holder.
    pub fn holders(&self, f: impl FnMut(&SlotInfo<'_>)) -> Result<(), StartError> {
        for_each_slot(&self.devices, &self.registry, f).map_err(|e| self.search_error("", e))
    }

    /// Attaches to every device that has `section`, into `attachments` (empty); on failure
    /// detaches what was attached, in reverse order.
    fn attach_all(
        &self,
        section: &str,
        attachments: &mut heapless::Vec<D::Attachment, DEVICES>,
    ) -> Result<(), StartError> {
        let attached = self.attach_each(section, attachments);
        if attached.is_err() {
            while let Some(attachment) = attachments.pop() {
                drop(attachment);
            }
        }
        attached
    }

    /// Attaches to each device that has `section`, in accel-id order, into `attachments`.
    fn attach_each(
        &self,
        section: &str,
        attachments: &mut heapless::Vec<D::Attachment, DEVICES>,
    ) -> Result<(), StartError> {
        for index in 0..self.devices.count().map_err(devices_error)? {
            let Some(device) = self.devices.device(index).map_err(devices_error)? else {
                continue;
            };
            let setup_error = |d: Detail| StartError::DeviceSetup {
                accel_id: device.accel_id,
                section: crate::strings::copy(section),
                detail: d,
            };
            // The backend looks the section up itself (one look at the device, not two).
            let attachment = match self.devices.attach(device.accel_id, section) {
                Ok(Some(attachment)) => attachment,
                Ok(None) => continue,
                Err(e) => return Err(setup_error(detail(&e))),
            };
            attachments.push(attachment).map_err(|attachment| {
                drop(attachment);
                setup_error(detail(&format_args!(
                    "this process can attach to at most {DEVICES} devices"
                )))
            })?;
        }
        Ok(())
    }

    fn search_error(&self, base: &str, error: SearchError<D::Error, R::Error>) -> StartError {
        match error {
            SearchError::NoDevice => StartError::NoDevice {
                detail: Detail::new(),
            },
            SearchError::NotConfigured => self.not_configured(base),
            SearchError::NotUserSection(kind) => StartError::NotUserSection {
                section: section_name(base.as_bytes()),
                kind,
            },
            SearchError::DerivedSection { base: user } => StartError::DerivedSection {
                section: section_name(base.as_bytes()),
                base: section_name(user.as_bytes()),
            },
            SearchError::NameTooLong(name) => StartError::DerivedNameTooLong { name },
            SearchError::Devices(e) => backend_error(e.kind(), detail(&e), false),
            SearchError::Registry(e) => backend_error(e.kind(), detail(&e), true),
        }
    }

    fn not_configured(&self, base: &str) -> StartError {
        let mut available: heapless::Vec<SectionName, 6> = heapless::Vec::new();
        let mut more = 0u32;
        // Best effort: the error is that the section is missing; a device that cannot be read
        // here only shortens the list of alternatives offered.
        let count = self.devices.count().unwrap_or(0);
        for index in 0..count {
            let Ok(Some(device)) = self.devices.device(index) else {
                continue;
            };
            let _ = self
                .devices
                .for_each_user_section(device.accel_id, &mut |name| {
                    if available.iter().any(|a| a == name) {
                        return;
                    }
                    if available.push(section_name(name.as_bytes())).is_err() {
                        more = more.saturating_add(1);
                    }
                });
        }
        StartError::SectionNotConfigured {
            section: section_name(base.as_bytes()),
            available,
            more,
        }
    }

    fn all_taken(&self, base: &str, tally: &Tally) -> StartError {
        crate::qsal_log!(
            debug,
            "all {} slots of {} are taken",
            tally.taken.len(),
            base
        );
        let mut holders = heapless::Vec::new();
        for name in &tally.taken {
            if let Ok(Some(holder)) = self.registry.holder(name)
                && holders.push((name.clone(), holder.pid)).is_err()
            {
                break;
            }
        }
        StartError::AllSlotsTaken {
            section: section_name(base.as_bytes()),
            in_use: tally.in_use,
            total: tally.total,
            holders,
            unusable: tally.unusable,
            problem: tally.problem.clone(),
        }
    }
}

impl<P, D, R, M, const DEVICES: usize> Sal<P, D, R, M, DEVICES>
where
    P: Platform,
    D: Devices + Clone,
    R: SlotRegistry + Clone,
    R::Lease: Clone,
    D::Attachment: Clone,
    M: lock_api::RawMutex,
{
    /// What `fork` makes of this process: a copy of the whole state (lease and attachments included)
    /// seen through `platform`, whose process id differs. Used by simulated processes; on a real
    /// system the operating system does this.
    pub fn forked(&self, platform: P) -> Self {
        let state = self.state.lock();
        let copy = State {
            owner: state.owner,
            count: state.count,
            lease: state.lease.clone(),
            section: state.section.clone(),
            attachments: state.attachments.clone(),
        };
        Self {
            platform,
            devices: self.devices.clone(),
            registry: self.registry.clone(),
            state: lock_api::Mutex::new(copy),
        }
    }
}

/// A device backend failure as a start error.
fn devices_error(e: impl crate::platform::Error) -> StartError {
    StartError::Devices {
        kind: e.kind(),
        detail: detail(&e),
    }
}

fn backend_error(kind: ErrorKind, detail: Detail, registry: bool) -> StartError {
    match kind {
        ErrorKind::PermissionDenied => StartError::PermissionDenied { detail },
        ErrorKind::NoDevice => StartError::NoDevice { detail },
        _ if registry => StartError::Registry { kind, detail },
        _ => StartError::Devices { kind, detail },
    }
}
