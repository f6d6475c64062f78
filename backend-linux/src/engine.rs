//! The emulated devices' firmware thread: one per process, shared by every attachment to an
//! emulated device, started by the first attachment and kept for the next ones.
//!
//! A first start used to spawn a thread per attachment and join it at stop — a third of a first
//! start's time. Now an attachment hands its ring pairs to the process's engine as a [`Job`] and
//! takes them back at detach: [`EngineHandle::stop`] removes the job under the lock the engine holds
//! while it serves, so once it returns the engine will never touch that job's ring memory again,
//! which may then be unmapped.
//!
//! The engine beats once per pass over a job that is not stalled (per job, so one device's simulated
//! failure does not stop another's heartbeat), and serves at most 256 requests per ring per pass.
//! Idle, it yields, then sleeps 50 µs between passes; with no job at all it parks.
//!
//! After `fork` the engine thread does not exist in the child: the pool remembers the process id
//! that started it, a child gets a pool of its own, and an attachment the child inherited is
//! abandoned without touching the parent's pool (whose lock the child may have inherited held).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;
use qsal_core::ring::{Firmware, Layout, PairShape};

use crate::LinuxError;
use crate::attachment::{Faults, Health, Shared};
use crate::dma::Region;
use crate::platform::current_pid;

/// The rings of one attachment and what its engine reports.
#[derive(Debug)]
pub(crate) struct Job {
    /// The bank layout of the device.
    pub layout: Layout,
    /// Every ring pair: its bank window, shape, request and response rings.
    pub rings: Vec<(Shared, PairShape, Region, Region)>,
    /// The device set's injected faults.
    pub faults: Arc<Faults>,
    /// The device's health.
    pub health: Arc<Health>,
    /// Requests answered, shared with the attachment.
    pub answered: Arc<AtomicU64>,
    /// Passes made while not stalled, shared with the attachment.
    pub beats: Arc<AtomicU64>,
}

/// The process's engine: its jobs and its thread.
#[derive(Debug)]
struct Pool {
    pid: u32,
    jobs: Mutex<Vec<(u64, Job, Firmware)>>,
    next: AtomicU64,
    thread: JoinHandle<()>,
}

/// The engine of this process, if one was started.
static POOL: Mutex<Option<Arc<Pool>>> = Mutex::new(None);

/// An attachment's place in the engine; [`EngineHandle::stop`] takes it back.
#[derive(Debug)]
pub(crate) struct EngineHandle {
    pool: Arc<Pool>,
    id: u64,
    /// Requests answered for this attachment.
    pub answered: Arc<AtomicU64>,
    /// Passes over this attachment's rings while not stalled.
    pub beats: Arc<AtomicU64>,
}

/// Serves `job` from now on (starting the process's engine thread if there is none).
pub(crate) fn serve(job: Job, accel_id: u32) -> Result<EngineHandle, LinuxError> {
    let pool = pool(accel_id)?;
    let id = pool.next.fetch_add(1, Ordering::Relaxed);
    let (answered, beats) = (Arc::clone(&job.answered), Arc::clone(&job.beats));
    pool.jobs.lock().push((id, job, Firmware::default()));
    pool.thread.thread().unpark();
    Ok(EngineHandle {
        pool,
        id,
        answered,
        beats,
    })
}

/// The engine of this process, started if needed.
fn pool(accel_id: u32) -> Result<Arc<Pool>, LinuxError> {
    let pid = current_pid();
    let mut slot = POOL.lock();
    if let Some(pool) = slot.as_ref()
        && pool.pid == pid
        && !pool.thread.is_finished()
    {
        return Ok(Arc::clone(pool));
    }
    if let Some(old) = slot.take()
        && old.pid != pid
    {
        // The parent's engine: its thread does not exist here and its lock may be held forever.
        std::mem::forget(old);
    }
    let pool = start(pid, accel_id)?;
    *slot = Some(Arc::clone(&pool));
    Ok(pool)
}

/// Starts an engine thread and returns once it runs (a fork right after a start never copies a
/// thread still inside its own start-up, whose locks the child would inherit held).
fn start(pid: u32, accel_id: u32) -> Result<Arc<Pool>, LinuxError> {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Arc<Pool>>(1);
    let running = Arc::new(AtomicBool::new(false));
    let started = Arc::clone(&running);
    let thread = std::thread::Builder::new()
        .name("qsal-fw".into())
        .spawn(move || {
            started.store(true, Ordering::Release);
            if let Ok(pool) = receiver.recv() {
                run(&pool);
            }
        })
        .map_err(|e| LinuxError::Setup {
            accel_id,
            reason: format!("cannot start the emulated firmware thread: {e}"),
        })?;
    while !running.load(Ordering::Acquire) && !thread.is_finished() {
        std::thread::yield_now();
    }
    let pool = Arc::new(Pool {
        pid,
        jobs: Mutex::new(Vec::new()),
        next: AtomicU64::new(0),
        thread,
    });
    // The thread holds its own reference; it lives as long as the process.
    sender
        .send(Arc::clone(&pool))
        .map_err(|_| LinuxError::Setup {
            accel_id,
            reason: "the emulated firmware thread ended at start-up".into(),
        })?;
    Ok(pool)
}

/// The engine's loop: a pass over every job, under the jobs lock.
fn run(pool: &Pool) {
    let mut idle = 0u32;
    loop {
        let mut done = 0u32;
        let mut any = false;
        {
            let mut jobs = pool.jobs.lock();
            for (_, job, firmware) in jobs.iter_mut() {
                any = true;
                done = done.saturating_add(pass(job, firmware));
            }
        }
        if !any {
            idle = 0;
            std::thread::park_timeout(Duration::from_millis(100));
        } else if done == 0 {
            idle = idle.saturating_add(1);
            if idle > 64 {
                std::thread::sleep(Duration::from_micros(50));
            } else {
                std::thread::yield_now();
            }
        } else {
            idle = 0;
        }
    }
}

/// One pass over one job's rings; returns the requests answered.
fn pass(job: &Job, firmware: &mut Firmware) -> u32 {
    firmware.stalled = job.faults.stalled.load(Ordering::Acquire) || job.health.failed();
    if !firmware.stalled {
        job.beats.fetch_add(1, Ordering::Release);
    }
    firmware.corrupt_next = job.faults.corrupt_next.swap(0, Ordering::AcqRel);
    let mut done = 0u32;
    for (csr, shape, tx, rx) in &job.rings {
        // A ring the engine cannot serve stays unanswered; the host's exchange reports the stall.
        done = done.saturating_add(
            firmware
                .serve(csr, job.layout, *shape, (tx, rx), 256)
                .unwrap_or(0),
        );
    }
    if firmware.corrupt_next > 0 {
        job.faults
            .corrupt_next
            .fetch_add(firmware.corrupt_next, Ordering::Relaxed);
    }
    job.answered.fetch_add(u64::from(done), Ordering::Relaxed);
    done
}

/// Waits for this process's engine to end the pass it is making, if any: a fault injected before
/// this call is seen by every pass that starts after it returns (a pass reads the faults once, at
/// its start). In a forked child, whose engine is the parent's, there is nothing to wait for.
pub(crate) fn settle() {
    let pid = current_pid();
    let pool = POOL
        .lock()
        .as_ref()
        .filter(|p| p.pid == pid)
        .map(Arc::clone);
    if let Some(pool) = pool {
        drop(pool.jobs.lock());
    }
}

impl EngineHandle {
    /// Takes the job back: when this returns the engine no longer touches its rings.
    pub(crate) fn stop(self) {
        self.pool.jobs.lock().retain(|(id, ..)| *id != self.id);
    }

    /// Forgets the job without touching the engine (in a forked child, where the engine thread
    /// does not exist and its lock may be held).
    pub(crate) fn abandon(self) {
        std::mem::forget(self);
    }

    /// Whether the engine thread still runs.
    pub(crate) fn alive(&self) -> bool {
        !self.pool.thread.is_finished()
    }
}
