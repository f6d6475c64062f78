//! `qsal demo`: the whole stack on emulated devices, with live progress and a summary.
//!
//! A temporary runtime directory gets two emulated c6xx devices from an embedded configuration
//! (`[SSL]`, `LimitDevAccess = 1`, enough slots for every worker plus one). Worker processes (this
//! binary again) start through `qsal_backend_linux::process` — the code path of the C library — push requests through
//! their rings and check every response. One extra worker starts first, holding the lowest slot, and
//! is killed with `kill -9` half-way; a newcomer then starts and gets that slot back.
//!
//! SIGINT or SIGTERM (Ctrl-C on the process group too) stops every worker, removes the temporary
//! runtime directory and exits with 130 or 143. Workers never outlive the demo: each dies with it
//! (`PR_SET_PDEATHSIG`), even when the demo itself is killed with SIGKILL.

mod config;
pub mod worker;

use std::io::{BufRead as _, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use qsal_backend_linux::RuntimeDir;
use qsal_backend_linux::load::{self, DeviceInput};
use qsal_backend_linux::store;
use qsal_core::DeviceType;

use crate::error::CliError;

/// Arguments of `qsal demo`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Runs on two emulated c6xx devices in a temporary runtime directory; needs \
no hardware and no root. At most 60 workers and 100,000,000 requests per worker; the whole demo \
gives up after 5 minutes. Exit status 0 only if every request of every surviving worker got its \
correct response; 1 otherwise; 130 or 143 when interrupted by SIGINT or SIGTERM (every worker is \
stopped and the temporary directory removed)."
)]
pub struct Args {
    /// Worker processes that run to completion (1 to 60).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub workers: u32,
    /// Requests each worker sends (1 to 100,000,000).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub requests: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Worker,
    Victim,
    Newcomer,
}

#[derive(Debug)]
enum State {
    Starting,
    Running,
    Done,
    Killed,
    Failed(String),
}

struct Worker {
    role: Role,
    child: Child,
    bar: ProgressBar,
    section: String,
    devices: String,
    responses: u64,
    errors: u64,
    micros: u128,
    state: State,
}

const DEVICES: u32 = 2;

/// Why the demo stopped early.
enum Stop {
    /// A signal arrived (its number).
    Signal(i32),
    /// Something failed.
    Failed(String),
}

/// Runs `qsal demo`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let signal = Arc::new(AtomicI32::new(0));
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ])
    .map_err(|e| CliError::system("install signal handlers", e))?;
    let seen = Arc::clone(&signal);
    std::thread::spawn(move || {
        if let Some(number) = signals.forever().next() {
            seen.store(number, Ordering::SeqCst);
        }
    });
    let temp = tempfile::Builder::new()
        .prefix("qsal-demo-")
        .tempdir()
        .map_err(|e| CliError::system("create a temporary runtime directory", e))?;
    let dir = temp.path().to_path_buf();
    let runtime = RuntimeDir::at(&dir);
    let per_device = (args.workers + 2).div_ceil(DEVICES);
    load(&runtime, per_device).map_err(CliError::Demo)?;
    println!(
        "qsal demo: {DEVICES} emulated c6xx devices in {}; [{}] has {per_device} slots per device (LimitDevAccess = 1)",
        dir.display(),
        config::SECTION
    );
    println!(
        "{} workers × {} requests through their rings; one more worker is killed with kill -9 half-way and a newcomer takes its slot",
        args.workers, args.requests
    );
    let outcome = orchestrate(&dir, args, &signal);
    let _ = store::remove_devices(&runtime, true, || {});
    drop(temp);
    match outcome {
        Ok(workers) => Ok(summarize(&workers, args.requests)),
        Err(Stop::Signal(number)) => {
            eprintln!(
                "qsal demo: interrupted by signal {number}; every worker was stopped and {} removed",
                dir.display()
            );
            Ok(ExitCode::from(u8::try_from(128 + number).unwrap_or(1)))
        }
        Err(Stop::Failed(message)) => Err(CliError::Demo(format!("qsal demo: {message}"))),
    }
}

/// Loads the embedded configuration for both devices, through the same pipeline as `qsal up`.
fn load(runtime: &RuntimeDir, per_device: u32) -> Result<(), String> {
    let text = config::device_config(per_device);
    let source = PathBuf::from("<embedded demo configuration>");
    let input = DeviceInput::emulated(DeviceType::C6xx, &source, text.as_bytes());
    let inputs = vec![input; DEVICES as usize];
    load::up(runtime, &inputs, || {})
        .map(|_| ())
        .map_err(|e| format!("the embedded configuration does not load: {e}"))
}

fn spawn(
    dir: &Path,
    args: &Args,
    role: Role,
    bars: &MultiProgress,
    tx: &mpsc::Sender<(usize, String)>,
    index: usize,
) -> Result<Worker, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the qsal binary: {e}"))?;
    let parent = rustix::process::getpid();
    // The victim is given more requests than it is allowed to finish: it is killed half-way
    // through the others' count, once they have all started (so none of them takes its slot).
    let requests = match role {
        Role::Victim => args.requests.saturating_mul(8),
        Role::Worker | Role::Newcomer => args.requests,
    };
    let mut command = Command::new(exe);
    // SAFETY: the closure runs in the child between fork and exec and only makes two system calls
    // (prctl, getppid), both async-signal-safe; it takes no lock and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))?;
            if rustix::process::getppid() != Some(parent) {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            Ok(())
        });
    }
    let mut child = command
        .args([
            "__demo-worker",
            "--requests",
            &requests.to_string(),
            "--section",
            config::SECTION,
        ])
        .env("QSAL_RUNTIME_DIR", dir)
        .env("QSAL_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start a worker: {e}"))?;
    let stdout = child.stdout.take().ok_or("no worker stdout")?;
    let sender = tx.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send((index, line)).is_err() {
                break;
            }
        }
        let _ = sender.send((index, "EXIT".to_string()));
    });
    let bar = bars.add(ProgressBar::new(requests));
    let style = ProgressStyle::with_template("{prefix:>22} [{bar:32}] {pos:>8}/{len:8} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    let name = match role {
        Role::Worker => "worker",
        Role::Victim => "worker (to be killed)",
        Role::Newcomer => "newcomer",
    };
    bar.set_prefix(format!("{name} {}", child.id()));
    Ok(Worker {
        role,
        child,
        bar,
        section: String::new(),
        devices: String::new(),
        responses: 0,
        errors: 0,
        micros: 0,
        state: State::Starting,
    })
}

/// Applies one line of a worker's output.
fn update(worker: &mut Worker, line: &str) {
    let mut words = line.split_whitespace();
    match words.next() {
        Some("START") => {
            worker.section = words.next().unwrap_or_default().to_string();
            worker.devices = words.next().unwrap_or_default().to_string();
            worker.state = State::Running;
            worker
                .bar
                .set_message(format!("{} on device {}", worker.section, worker.devices));
        }
        Some("PROGRESS") => {
            worker.responses = words
                .next()
                .and_then(|w| w.parse().ok())
                .unwrap_or(worker.responses);
            worker.bar.set_position(worker.responses);
        }
        Some("DONE") => {
            let numbers: Vec<u128> = words.filter_map(|w| w.parse().ok()).collect();
            if let [_, responses, errors, micros] = numbers[..] {
                worker.responses = responses as u64;
                worker.errors = errors as u64;
                worker.micros = micros;
            }
            worker.state = State::Done;
            worker.bar.set_position(worker.responses);
            worker
                .bar
                .finish_with_message(format!("{} done", worker.section));
        }
        Some("ERR") => {
            let message = line.get(4..).unwrap_or_default().to_string();
            worker
                .bar
                .abandon_with_message(format!("failed: {message}"));
            worker.state = State::Failed(message);
        }
        Some("EXIT") => {
            if matches!(worker.state, State::Starting | State::Running) {
                worker.state = State::Failed("the worker exited without finishing".to_string());
                worker.bar.abandon_with_message("exited early");
            }
        }
        _ => {}
    }
}

/// Kills every worker and waits for them.
fn stop_all(workers: &mut [Worker]) {
    for w in workers.iter_mut() {
        let _ = w.child.kill();
        let _ = w.child.wait();
        w.bar.abandon();
    }
}

fn orchestrate(dir: &Path, args: &Args, signal: &AtomicI32) -> Result<Vec<Worker>, Stop> {
    let mut workers = Vec::new();
    let outcome = drive(dir, args, signal, &mut workers);
    if outcome.is_err() {
        stop_all(&mut workers);
    }
    outcome.map(|()| workers)
}

fn drive(
    dir: &Path,
    args: &Args,
    signal: &AtomicI32,
    workers: &mut Vec<Worker>,
) -> Result<(), Stop> {
    let interrupted = || match signal.load(Ordering::SeqCst) {
        0 => Ok(()),
        number => Err(Stop::Signal(number)),
    };
    let bars = MultiProgress::new();
    let (tx, rx) = mpsc::channel::<(usize, String)>();
    let deadline = Instant::now() + Duration::from_secs(300);
    // The victim starts first so it holds the lowest slot; the newcomer will get that slot back.
    workers.push(spawn(dir, args, Role::Victim, &bars, &tx, 0).map_err(Stop::Failed)?);
    let first_deadline = Instant::now() + Duration::from_secs(30);
    while matches!(workers[0].state, State::Starting) {
        interrupted()?;
        if Instant::now() > first_deadline {
            return Err(Stop::Failed("the first worker did not start".to_string()));
        }
        if let Ok((i, line)) = rx.recv_timeout(Duration::from_millis(100)) {
            update(&mut workers[i], &line);
        }
    }
    if let State::Failed(e) = &workers[0].state {
        return Err(Stop::Failed(format!(
            "the first worker could not start: {e}"
        )));
    }
    for i in 1..=args.workers as usize {
        workers.push(spawn(dir, args, Role::Worker, &bars, &tx, i).map_err(Stop::Failed)?);
    }
    let mut killed = false;
    loop {
        let finished = workers
            .iter()
            .filter(|w| w.role != Role::Victim)
            .all(|w| matches!(w.state, State::Done | State::Failed(_)));
        if finished && killed {
            break;
        }
        interrupted()?;
        if Instant::now() > deadline {
            return Err(Stop::Failed(
                "the demo did not finish within 5 minutes".to_string(),
            ));
        }
        let Ok((i, line)) = rx.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        update(&mut workers[i], &line);
        let others_started = workers
            .iter()
            .skip(1)
            .all(|w| !matches!(w.state, State::Starting));
        let victim = &mut workers[0];
        if !killed
            && others_started
            && (victim.responses * 2 >= args.requests || matches!(victim.state, State::Done))
        {
            killed = true;
            if matches!(victim.state, State::Running) {
                let _ = victim.child.kill();
                let _ = victim.child.wait();
                victim.state = State::Killed;
                victim.bar.abandon_with_message(format!(
                    "{} killed with kill -9 at {}",
                    victim.section, victim.responses
                ));
            }
            let index = workers.len();
            workers
                .push(spawn(dir, args, Role::Newcomer, &bars, &tx, index).map_err(Stop::Failed)?);
        }
    }
    for w in workers.iter_mut() {
        let _ = w.child.wait();
    }
    let _ = bars.clear();
    Ok(())
}

fn summarize(workers: &[Worker], requests: u64) -> ExitCode {
    println!();
    println!(
        "  {:<16} {:>8}  {:<7} {:>9} {:>9} {:>13} {:>6}  NOTE",
        "SLOT", "PID", "DEVICE", "REQUESTS", "RESPONSES", "THROUGHPUT", "ERRORS"
    );
    let mut ok = true;
    for w in workers {
        let throughput = if w.micros > 0 {
            format!("{:.0}/s", w.responses as f64 * 1e6 / w.micros as f64)
        } else {
            "-".to_string()
        };
        let note = match (&w.state, w.role) {
            (State::Killed, _) => "killed with kill -9 half-way".to_string(),
            (State::Done, Role::Newcomer) => "newcomer: took the killed worker's slot".to_string(),
            (State::Done, _) => "all responses correct".to_string(),
            (State::Failed(e), _) => format!("FAILED: {e}"),
            (state, _) => format!("{state:?}"),
        };
        let survived_correctly =
            matches!(w.state, State::Done) && w.responses == requests && w.errors == 0;
        if w.role != Role::Victim && !survived_correctly {
            ok = false;
        }
        println!(
            "  {:<16} {:>8}  {:<7} {:>9} {:>9} {:>13} {:>6}  {note}",
            w.section,
            w.child.id(),
            w.devices,
            if w.role == Role::Victim {
                w.responses
            } else {
                requests
            },
            w.responses,
            throughput,
            w.errors
        );
    }
    let victim_slot = workers
        .iter()
        .find(|w| w.role == Role::Victim)
        .map(|w| w.section.as_str());
    let newcomer_slot = workers
        .iter()
        .find(|w| w.role == Role::Newcomer)
        .map(|w| w.section.as_str());
    if victim_slot.is_some() && victim_slot == newcomer_slot {
        println!(
            "\nthe slot {} came back after kill -9 with no clean-up step",
            victim_slot.unwrap_or_default()
        );
    }
    if ok {
        println!("every request of every surviving worker got its correct response");
        ExitCode::SUCCESS
    } else {
        println!("some requests did not get their correct response (see above)");
        ExitCode::from(1)
    }
}
