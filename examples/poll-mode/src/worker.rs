//! One polling thread: pinned to a CPU, optionally sealed with seccomp's strict mode, then a busy
//! loop of bursts over one ring pair — echo requests built in advance, `put_burst`, `poll`, each
//! response checked — that makes no system call.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, AtomicU64, Ordering};

use qsal_backend_linux::Shared as Window;
use qsal_backend_linux::dma::Region;
use qsal_core::ring::RingPair;
use qsal_core::ring::echo::{self, Response};
use qsal_core::ring::message::{ASYM_REQUEST_BYTES, REQUEST_BYTES};

/// How a polling thread ended.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still polling.
    Running = 0,
    /// Every message answered.
    Done = 1,
    /// Setup failed (affinity or seccomp).
    SetupFailed = 2,
    /// The thread vanished before finishing: under seccomp's strict mode, it made a system call.
    Killed = 3,
}

/// What a polling thread tells the main thread (atomics only: it cannot make system calls).
#[derive(Debug, Default)]
pub struct Shared {
    /// Setup is done; the data path starts.
    pub ready: AtomicBool,
    /// Responses received.
    pub answered: AtomicU64,
    /// Responses that failed the check.
    pub wrong: AtomicU64,
    /// An [`Outcome`].
    pub outcome: AtomicU8,
    /// The thread's id, once it runs (0 before).
    pub tid: AtomicI32,
}

impl Shared {
    /// Whether the thread is still running or finished; a thread that vanished without finishing
    /// is marked [`Outcome::Killed`].
    pub fn settle(&self) {
        let tid = self.tid.load(Ordering::Acquire);
        if tid != 0
            && self.outcome.load(Ordering::Acquire) == Outcome::Running as u8
            && !std::path::Path::new(&format!("/proc/self/task/{tid}")).exists()
            && self.outcome.load(Ordering::Acquire) == Outcome::Running as u8
        {
            self.outcome.store(Outcome::Killed as u8, Ordering::Release);
        }
    }
}

/// What a polling thread does.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The CPU to pin to.
    pub cpu: usize,
    /// Messages to move.
    pub messages: u64,
    /// Requests per burst (1–64).
    pub burst: usize,
    /// Enter seccomp's strict mode before the data path.
    pub seccomp: bool,
    /// Then make a forbidden system call.
    pub forbidden_syscall: bool,
}

/// Pins the thread, seals it if asked, and moves `options.messages` messages through `pair`.
pub fn run(pair: &mut RingPair<Window, Region>, options: &Options, shared: &Shared) {
    if pair.request_bytes() == ASYM_REQUEST_BYTES {
        drive::<ASYM_REQUEST_BYTES>(pair, options, shared);
    } else {
        drive::<REQUEST_BYTES>(pair, options, shared);
    }
}

fn drive<const N: usize>(pair: &mut RingPair<Window, Region>, options: &Options, shared: &Shared) {
    // Setup, with system calls allowed: the requests, the CPU, the seal.
    let burst = options.burst.min(pair.capacity() as usize).max(1);
    let mut requests: Vec<[u8; N]> = Vec::with_capacity(burst);
    let mut sums: Vec<u32> = Vec::with_capacity(burst);
    for opaque in 0..burst as u64 {
        let (message, sum) = echo::request::<N>(opaque, &opaque.to_le_bytes());
        requests.push(message);
        sums.push(sum);
    }
    // SAFETY: gettid has no preconditions.
    shared
        .tid
        .store(unsafe { libc::gettid() }, Ordering::Release);
    if !pin(options.cpu) || (options.seccomp && !seal()) {
        shared
            .outcome
            .store(Outcome::SetupFailed as u8, Ordering::Release);
        return;
    }
    if options.forbidden_syscall {
        // SAFETY: getpid has no preconditions; under strict mode the kernel kills this thread here.
        unsafe { libc::getpid() };
    }
    shared.ready.store(true, Ordering::Release);

    // The data path: no lock, no allocation, no system call.
    let mut sent = 0u64;
    let mut received = 0u64;
    let mut wrong = 0u64;
    let mut expected = 0usize;
    while received < options.messages {
        if sent < options.messages && sent - received < burst as u64 {
            let want = (options.messages - sent).min(burst as u64 - (sent - received)) as usize;
            let first = (sent % burst as u64) as usize;
            let window = &requests[first..(first + want).min(burst)];
            if let Ok(put) = pair.put_burst(window) {
                sent += put as u64;
            }
        }
        received += u64::from(pair.poll(burst as u32, |bytes| {
            let response = Response::parse(bytes);
            let opaque = (expected % burst) as u64;
            if response.verify(opaque, sums[expected % burst]).is_err() {
                wrong += 1;
            }
            expected = expected.wrapping_add(1);
        }));
        std::hint::spin_loop();
    }
    shared.answered.store(received, Ordering::Release);
    shared.wrong.store(wrong, Ordering::Release);
    shared.outcome.store(Outcome::Done as u8, Ordering::Release);
    if options.seccomp {
        // SAFETY: `exit` ends only this thread and is allowed under strict mode; nothing runs after
        // it, and the main thread ends the process without joining this one.
        unsafe { libc::syscall(libc::SYS_exit, 0) };
    }
}

/// Pins the calling thread to `cpu`.
fn pin(cpu: usize) -> bool {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; CPU_SET writes inside it; the call reads
    // exactly `size_of::<cpu_set_t>()` bytes of it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// Enters seccomp's strict mode for the calling thread.
fn seal() -> bool {
    // SAFETY: PR_SET_SECCOMP with SECCOMP_MODE_STRICT takes no pointer arguments; it only
    // restricts this thread's future system calls.
    unsafe { libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_STRICT, 0, 0, 0) == 0 }
}
