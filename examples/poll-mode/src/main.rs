//! `poll-mode`: a DPDK-style poll-mode process on qsal. It starts a slot, then runs one thread per
//! ring pair of the slot, each pinned to a CPU and busy-polling its rings with bursts — no lock, no
//! system call, no allocation on the data path — and reports each ring's throughput.
//!
//! With `--seccomp`, each polling thread enters seccomp's strict mode once its setup is done: from
//! then on any system call but `read`, `write` and `exit` kills the whole process, so finishing at
//! all proves the data path makes none: the kernel kills a sealed thread on its first other system
//! call, and the main thread (not filtered) reports a thread that vanished before finishing. (The
//! threads end with a bare `exit` system call; the main thread measures the time and prints the
//! results.) `--forbidden-syscall` makes each thread call `getpid` after entering strict mode, to show
//! that the filter does kill.
//!
//! ```text
//! QSAL_RUNTIME_DIR=/run/qsal poll-mode --section SSL --messages 1000000 [--seccomp]
//! ```

mod worker;

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clap::Parser;
use qsal_backend_linux::process;
use qsal_core::config::keys::Family;

use worker::{Outcome, Shared, run};

/// Command line.
#[derive(Debug, Parser)]
#[command(about = "A poll-mode process on qsal: one pinned, busy-polling thread per ring pair")]
struct Args {
    /// The section to start (its slot's ring pairs are driven).
    #[arg(long, default_value = "SSL")]
    section: String,
    /// Messages per ring pair.
    #[arg(long, default_value_t = 1_000_000)]
    messages: u64,
    /// Requests per burst.
    #[arg(long, default_value_t = 32)]
    burst: usize,
    /// Run each polling thread under seccomp's strict mode (any system call kills the process).
    #[arg(long)]
    seccomp: bool,
    /// With --seccomp: make a forbidden system call once filtered (the process must be killed).
    #[arg(long, requires = "seccomp")]
    forbidden_syscall: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(e) = process::start(args.section.as_bytes()) {
        eprintln!("poll-mode: {e}");
        return ExitCode::from(1);
    }
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let outcome = process::with_attachments(|attachments| {
        let pairs: Vec<_> = attachments
            .iter_mut()
            .flat_map(|a| {
                let accel_id = a.accel_id();
                a.instances().iter_mut().map(move |i| (accel_id, i))
            })
            .collect();
        let shared: Vec<Shared> = pairs.iter().map(|_| Shared::default()).collect();
        let names: Vec<String> = pairs
            .iter()
            .map(|(accel_id, i)| {
                let family = match i.spec.family {
                    Family::Cy => "Cy",
                    Family::Dc => "Dc",
                };
                format!(
                    "qat_dev{accel_id} {family}{} {:?}",
                    i.spec.index, i.spec.kind
                )
            })
            .collect();
        std::thread::scope(|scope| {
            for (n, ((_, instance), shared)) in pairs.into_iter().zip(&shared).enumerate() {
                let options = worker::Options {
                    cpu: n % cpus,
                    messages: args.messages,
                    burst: args.burst.clamp(1, 64),
                    seccomp: args.seccomp,
                    forbidden_syscall: args.forbidden_syscall,
                };
                scope.spawn(move || run(&mut instance.pair, &options, shared));
            }
            let ended = |s: &Shared| s.outcome.load(Ordering::Acquire) != Outcome::Running as u8;
            wait(&shared, |s| s.ready.load(Ordering::Acquire) || ended(s));
            let started = Instant::now();
            wait(&shared, ended);
            let elapsed = started.elapsed();
            let code = report(&names, &shared, args.messages, elapsed, args.seccomp);
            // The threads under seccomp ended with a bare `exit`; they cannot be joined.
            std::process::exit(code);
        });
    });
    if outcome.is_none() {
        eprintln!("poll-mode: the slot was lost before its rings could be driven");
    }
    ExitCode::from(1)
}

/// Waits (sleeping: this thread is not on the data path) until `f` holds for every thread.
fn wait(shared: &[Shared], f: impl Fn(&Shared) -> bool) {
    loop {
        shared.iter().for_each(Shared::settle);
        if shared.iter().all(&f) {
            return;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Prints one line per ring pair and the total; returns the exit code.
fn report(
    names: &[String],
    shared: &[Shared],
    messages: u64,
    elapsed: Duration,
    seccomp: bool,
) -> i32 {
    let mut failed = false;
    for (name, s) in names.iter().zip(shared) {
        let wrong = s.wrong.load(Ordering::Acquire);
        let done = s.answered.load(Ordering::Acquire);
        let outcome = s.outcome.load(Ordering::Acquire);
        failed |= wrong > 0 || done != messages || outcome != Outcome::Done as u8;
        if outcome == Outcome::Killed as u8 {
            println!("{name}: killed by seccomp: the polling thread made a system call");
            continue;
        }
        if outcome == Outcome::SetupFailed as u8 {
            println!("{name}: setup failed (CPU affinity or seccomp refused)");
            continue;
        }
        let rate = done as f64 / elapsed.as_secs_f64() / 1e6;
        println!("{name}: {done} messages, {wrong} wrong, {rate:.2} M msg/s");
    }
    let total: u64 = shared
        .iter()
        .map(|s| s.answered.load(Ordering::Acquire))
        .sum();
    println!(
        "{} ring pairs, {total} messages in {:.1} ms{}",
        shared.len(),
        elapsed.as_secs_f64() * 1e3,
        if seccomp {
            ", every polling thread under seccomp strict mode: no system call on the data path"
        } else {
            ""
        }
    );
    i32::from(failed)
}
