//! [`DeviceAttachment`]: what attaching to a device means for a Linux process.
//!
//! For every ring pair of every instance of the derived section (read from the expanded keys), the
//! process gets the bank's CSR window and the two rings' memory ([`crate::dma`]), programs the rings
//! and enables them. Where the window comes from depends on the device ([`Windows`]):
//!
//! * **emulated**: the window is anonymous shared memory (`memfd`: nothing in the runtime directory
//!   that another user could truncate under the mapping, and nothing left behind when the holder
//!   dies, even by `kill -9`), and one engine thread runs the core's software firmware over the
//!   rings ([`crate::engine`], one thread per process shared by its attachments). Only this
//!   process's engine serves its rings, so each process has a window of its own.
//! * **hardware**: the window is the bank's UIO node ([`crate::uio`]) and the device serves the
//!   rings; no engine thread runs.
//!
//! Detaching takes the rings back from the engine and disables them; a forked child abandons all of it without
//! touching the parent's rings.
//!
//! [`Faults`] (one set per [`LinuxDevices`](crate::LinuxDevices)) injects faults into its emulated
//! engines, live: a stalled engine answers nothing, and upcoming responses can be corrupted. It also
//! holds each device's [`Health`]: a device whose heartbeat failed (`icp_sal_heartbeat_simulate_failure`)
//! answers nothing and beats no more until it is reset ([`DeviceAttachment::reset`], `icp_sal_reset_device`).
//! Since every process serves its own rings, this is the device as this process sees it.
//!
//! The engine thread beats once per pass over its rings while it serves; [`DeviceAttachment::heartbeat`]
//! waits for the next beat, so a dead, hung or failed engine is told apart from a live one.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use qsal_core::platform::Attachment;
use qsal_core::profile::DeviceType;
use qsal_core::ring::csr::ring_size_for;
use qsal_core::ring::message::RESPONSE_BYTES;
use qsal_core::ring::{Csr, Layout, PairShape, RingPair, RingSpec};

use crate::LinuxError;
use crate::dma::{Backing, Policy, Provider, Region};
use crate::engine::{self, EngineHandle, Job};
use crate::shm::Mapping;
use crate::uio::UioRoots;

/// Faults injected into the emulated engines of one device set, and each device's health.
///
/// Each injection takes effect before it returns: the engine's pass in progress, which may have
/// read the faults before the change, ends first, so a request put after the call is served under
/// the new faults.
#[derive(Debug, Default)]
pub struct Faults {
    /// While set, no engine answers.
    pub(crate) stalled: AtomicBool,
    /// The next this many responses (over all engines) are corrupted.
    pub(crate) corrupt_next: AtomicU32,
    devices: Mutex<HashMap<u32, Arc<Health>>>,
}

impl Faults {
    /// Stalls every engine of the device set (`true`: none answers) or resumes them (`false`).
    pub fn stall(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::Release);
        engine::settle();
    }

    /// Corrupts the next `count` responses, over all engines of the device set.
    pub fn corrupt_next(&self, count: u32) {
        self.corrupt_next.store(count, Ordering::Release);
        engine::settle();
    }

    /// The health of emulated device `accel_id` (healthy until a failure is simulated).
    pub fn device(&self, accel_id: u32) -> Arc<Health> {
        Arc::clone(self.devices.lock().entry(accel_id).or_default())
    }
}

/// One emulated device's health, as this process sees it.
#[derive(Debug, Default)]
pub struct Health {
    failed: AtomicBool,
}

impl Health {
    /// Makes the device fail its heartbeat: its engines stop answering until it is reset. Once
    /// this returns, no request is answered (the engine's pass in progress has ended).
    pub fn fail(&self) {
        self.failed.store(true, Ordering::Release);
        engine::settle();
    }

    /// Whether the heartbeat fails.
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// Clears a failed heartbeat (a reset).
    pub fn recover(&self) {
        self.failed.store(false, Ordering::Release);
    }
}

/// What a heartbeat of an attached emulated device found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Beat {
    /// The engine is running and serving.
    Alive,
    /// The device's heartbeat failed (simulated); it needs a reset.
    Failed,
    /// The engine thread is running but did not beat within the wait (hung or stalled).
    Hung,
    /// The engine thread has ended.
    Dead,
}

/// How long [`DeviceAttachment::heartbeat`] waits for the engine's next beat.
pub const HEARTBEAT_WAIT: Duration = Duration::from_millis(500);

/// Where an attachment's bank windows come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Windows<'r> {
    /// Anonymous shared memory, served by this process's engine thread.
    Emulated,
    /// The banks' UIO nodes of a real device, served by the device.
    Uio(&'r UioRoots),
}

/// A shared handle on a mapping used as a bank's CSR window.
#[derive(Clone, Debug)]
pub struct Shared(Arc<Mapping>);

impl Csr for Shared {
    fn read32(&self, offset: u32) -> u32 {
        self.0.read32(offset)
    }

    fn write32(&self, offset: u32, value: u32) {
        self.0.write32(offset, value);
    }
}

/// One ring pair of one instance, ready for I/O.
#[derive(Debug)]
pub struct Instance {
    /// Which instance and rings.
    pub spec: RingSpec,
    /// The data path.
    pub pair: RingPair<Shared, Region>,
}

/// An attachment to an emulated device: its instances' rings and their firmware thread.
#[derive(Debug)]
pub struct DeviceAttachment {
    accel_id: u32,
    generation: u64,
    layout: Layout,
    banks: HashMap<u16, Shared>,
    faults: Arc<Faults>,
    health: Arc<Health>,
    instances: Vec<Instance>,
    engine: Option<EngineHandle>,
    answered_before: u64,
    backing: Backing,
}

/// A bus address for ring `ring` of bank `bank` of device `accel_id`, aligned to any ring size.
fn bus_address(accel_id: u32, bank: u16, ring: u8) -> u64 {
    (u64::from(accel_id) + 1) << 44 | u64::from(bank) << 32 | u64::from(ring) << 23
}

impl DeviceAttachment {
    /// Maps and programs every ring of `specs` on emulated device `accel_id` (started as
    /// `generation`), and starts the firmware thread.
    pub fn create(
        accel_id: u32,
        generation: u64,
        device: DeviceType,
        specs: &[RingSpec],
        (windows, faults): (Windows<'_>, &Arc<Faults>),
    ) -> Result<Self, LinuxError> {
        let layout = Layout::of(device.profile().generation);
        let setup = |reason: String| LinuxError::Setup { accel_id, reason };
        let mut attachment = Self {
            accel_id,
            generation,
            layout,
            banks: HashMap::new(),
            faults: Arc::clone(faults),
            health: faults.device(accel_id),
            instances: Vec::new(),
            engine: None,
            answered_before: 0,
            backing: Backing::Shared,
        };
        let banks = &mut attachment.banks;
        let mut memory = Provider::new(&format!("qsal-dev{accel_id}"), Policy::from_env()?);
        for spec in specs {
            let csr = match banks.get(&spec.bank) {
                Some(csr) => csr.clone(),
                None => {
                    let bytes = layout.window as usize;
                    let mapping = match windows {
                        Windows::Emulated => Mapping::reusable(
                            &format!("qsal-dev{accel_id}-bank{}", spec.bank),
                            bytes,
                            true,
                        )?,
                        Windows::Uio(roots) => {
                            roots.bank_window(device, accel_id, spec.bank, bytes)?
                        }
                    };
                    let window = Shared(Arc::new(mapping));
                    banks.insert(spec.bank, window.clone());
                    window
                }
            };
            let request = spec.kind.request_bytes();
            let mut ring = |number: u8, bytes: usize| {
                memory.ring(bytes, bus_address(accel_id, spec.bank, number))
            };
            let tx = ring(spec.tx, ring_size_for(spec.messages, request))?;
            let rx = ring(spec.rx, ring_size_for(spec.messages, RESPONSE_BYTES))?;
            let pair = RingPair::create(csr, layout, spec.shape(), tx, rx)
                .map_err(|e| setup(format!("bank {} ring {}: {e}", spec.bank, spec.tx)))?;
            attachment.instances.push(Instance { spec: *spec, pair });
        }
        attachment.backing = memory.backing();
        log::info!("qat_dev{accel_id}: ring memory: {}", attachment.backing);
        if windows == Windows::Emulated {
            attachment.engine = Some(attachment.start_engine()?);
        }
        Ok(attachment)
    }

    /// Hands this attachment's rings to the process's engine ([`crate::engine`]).
    fn start_engine(&self) -> Result<EngineHandle, LinuxError> {
        let rings: Vec<(Shared, PairShape, Region, Region)> = self
            .instances
            .iter()
            .filter_map(|i| {
                let csr = self.banks.get(&i.spec.bank)?.clone();
                let (tx, rx) = i.pair.memory();
                Some((csr, i.spec.shape(), tx.clone(), rx.clone()))
            })
            .collect();
        let job = Job {
            layout: self.layout,
            rings,
            faults: Arc::clone(&self.faults),
            health: Arc::clone(&self.health),
            answered: Arc::new(AtomicU64::new(0)),
            beats: Arc::new(AtomicU64::new(0)),
        };
        engine::serve(job, self.accel_id)
    }

    /// Waits up to [`HEARTBEAT_WAIT`] for the engine's next beat.
    pub fn heartbeat(&self) -> Beat {
        if self.health.failed() {
            return Beat::Failed;
        }
        let Some(engine) = &self.engine else {
            return Beat::Dead;
        };
        let alive = || engine.alive();
        let before = engine.beats.load(Ordering::Acquire);
        let deadline = Instant::now() + HEARTBEAT_WAIT;
        while Instant::now() < deadline {
            if !alive() {
                return Beat::Dead;
            }
            if engine.beats.load(Ordering::Acquire) != before {
                return Beat::Alive;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        if alive() { Beat::Hung } else { Beat::Dead }
    }

    /// Resets the device as this process sees it: stops the engine, re-initialises every ring
    /// (requests in flight are lost, not waited for), clears a failed heartbeat and starts a new
    /// engine. Returns how many requests were lost.
    pub fn reset(&mut self) -> Result<u64, LinuxError> {
        if let Some(engine) = self.engine.take() {
            self.answered_before = self
                .answered_before
                .saturating_add(engine.answered.load(Ordering::Relaxed));
            engine.stop();
        }
        let lost = self
            .instances
            .iter_mut()
            .map(|i| u64::from(i.pair.reset()))
            .sum();
        self.health.recover();
        self.engine = Some(self.start_engine()?);
        Ok(lost)
    }

    /// What this attachment's ring memory is made of.
    pub fn backing(&self) -> Backing {
        self.backing
    }

    /// The device's health, shared with its engine.
    pub fn health(&self) -> Arc<Health> {
        Arc::clone(&self.health)
    }

    /// The device.
    pub fn accel_id(&self) -> u32 {
        self.accel_id
    }

    /// The instances' ring pairs.
    pub fn instances(&mut self) -> &mut [Instance] {
        &mut self.instances
    }

    /// Requests the firmware threads of this attachment have answered (over resets).
    pub fn answered(&self) -> u64 {
        self.answered_before.saturating_add(
            self.engine
                .as_ref()
                .map_or(0, |e| e.answered.load(Ordering::Relaxed)),
        )
    }
}

impl Drop for DeviceAttachment {
    fn drop(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.stop();
        }
        self.instances.clear();
    }
}

impl Attachment for DeviceAttachment {
    fn accel_id(&self) -> u32 {
        self.accel_id
    }

    fn generation(&self) -> u64 {
        self.generation
    }

    fn abandon(mut self) {
        for instance in std::mem::take(&mut self.instances) {
            instance.pair.abandon();
        }
        if let Some(engine) = self.engine.take() {
            // The engine thread does not exist in a forked child; forget the job.
            engine.abandon();
        }
    }
}
