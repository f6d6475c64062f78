//! Chaos: 32 worker processes on the Linux backend, random start / stop / fork / `kill -9` / probe
//! operations (10,000 by default), and after every one the invariants checked against reality:
//! no derived name held by two live processes, every lease held by exactly the process the model
//! says, every free slot grantable, a probe's count right, a forked child never able to stop its
//! parent; `qsal status --format json` compared with the model every 500 operations; and at the end no
//! lease held and no ring memory left in the runtime directory.
//!
//! Ignored by default (it takes a while); `.ci/run` runs it:
//! `cargo test -p qsal-tests --test chaos -- --ignored --nocapture`.
//! `QSAL_CHAOS_OPS` sets the number of operations, `QSAL_CHAOS_SEED` the random seed.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use qsal_backend_linux::{LinuxRegistry, RuntimeDir};
use qsal_core::DeviceType;
use qsal_core::platform::SlotRegistry;
use qsal_tests::{TempDir, up, user_config};

const WORKERS: usize = 32;
/// `[SSL]`: 8 processes per device, `LimitDevAccess = 1`, two devices: 16 slots for 32 workers.
const PER_DEVICE: u32 = 8;
const DEVICES: u32 = 2;
const SLOTS: usize = (PER_DEVICE * DEVICES) as usize;

/// xorshift64*: reproducible from the printed seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Starts not yet stopped (the model).
    count: u32,
    /// The slot it holds while `count > 0` (the model).
    section: Option<String>,
}

impl Worker {
    fn spawn(runtime: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qsal-worker"))
            .args([runtime.to_str().expect("utf-8"), "serve", "SSL"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn worker");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Self {
            child,
            stdin,
            stdout,
            count: 0,
            section: None,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn ask(&mut self, command: &str) -> String {
        writeln!(self.stdin, "{command}").expect("write command");
        self.stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read reply");
        assert!(
            !line.is_empty(),
            "worker {} died on `{command}`",
            self.pid()
        );
        line.trim_end().to_string()
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn finish(self) {
        let Self {
            mut child, stdin, ..
        } = self;
        drop(stdin);
        let status = child.wait().expect("wait worker");
        assert!(status.success(), "worker exited with {status}");
    }
}

#[derive(Default, Debug)]
struct Counts {
    operations: u64,
    granted: u64,
    refused: u64,
    stops: u64,
    refused_stops: u64,
    forks: u64,
    fork_grants: u64,
    kills: u64,
    probes: u64,
    status_checks: u64,
}

fn slot_names() -> Vec<String> {
    (0..DEVICES)
        .flat_map(|d| (0..PER_DEVICE).map(move |i| format!("SSL_DEV{d}_INT_{i}")))
        .collect()
}

/// Who holds which slot according to the model.
fn model(workers: &[Worker]) -> BTreeMap<String, u32> {
    let mut held = BTreeMap::new();
    for w in workers {
        if let Some(name) = &w.section {
            let previous = held.insert(name.clone(), w.pid());
            assert!(
                previous.is_none(),
                "{name} held by {} and {}",
                previous.unwrap_or(0),
                w.pid()
            );
        }
    }
    held
}

/// Reality against the model: every slot's lease holder is the model's, every free slot can be
/// leased (and is released again at once).
fn check_reality(registry: &LinuxRegistry, workers: &[Worker], op: u64) {
    let held = model(workers);
    for name in slot_names() {
        let holder = registry.holder(&name).expect("holder").map(|h| h.pid);
        assert_eq!(
            holder,
            held.get(&name).copied(),
            "op {op}: {name} is leased by {holder:?}, the model says {:?}",
            held.get(&name)
        );
        if holder.is_none() {
            let lease = registry
                .try_lease(&name, &qsal_core::platform::Holder::default())
                .expect("try_lease");
            assert!(
                lease.is_some(),
                "op {op}: free slot {name} cannot be leased"
            );
        }
    }
}

/// `qsal status --format json` against the model.
fn check_status(qsal: &Path, runtime: &Path, workers: &[Worker], op: u64) {
    let output = Command::new(qsal)
        .args(["status", "--format", "json", "--runtime-dir"])
        .arg(runtime)
        .output()
        .expect("run qsal status");
    assert!(output.status.success(), "qsal status failed");
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).expect("status JSON");
    let mut reported = BTreeMap::new();
    for slot in status["slots"].as_array().expect("slots") {
        if let Some(pid) = slot["holder"]["pid"].as_u64() {
            reported.insert(
                slot["name"].as_str().expect("name").to_string(),
                u32::try_from(pid).expect("pid"),
            );
        }
    }
    assert_eq!(
        reported,
        model(workers),
        "op {op}: qsal status disagrees with reality"
    );
}

/// The `qsal` binary built beside the worker by `cargo test --workspace`.
fn qsal_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_qsal-worker")).with_file_name("qsal");
    assert!(
        path.exists(),
        "{} not found: build it first (`cargo build -p qsal-cli`)",
        path.display()
    );
    path
}

fn apply(op: usize, who: usize, workers: &mut [Worker], runtime: &Path, c: &mut Counts) {
    let n = c.operations;
    let held = model(workers).len();
    match op {
        // start
        0..=34 => {
            let reply = workers[who].ask("start");
            let w = &mut workers[who];
            if let Some(rest) = reply.strip_prefix("OK ") {
                let (name, count) = rest.split_once(' ').expect("OK name count");
                match &w.section {
                    Some(own) => assert_eq!(own, name, "op {n}: a later start changed the slot"),
                    None => assert!(held < SLOTS, "op {n}: granted {name} with all slots held"),
                }
                w.count += 1;
                assert_eq!(count, w.count.to_string(), "op {n}: reference count");
                w.section = Some(name.to_string());
                c.granted += 1;
            } else {
                let slots_full = w.count == 0 && held == SLOTS && reply.contains("16 of 16 slots");
                let count_full = w.count == 64 && reply.contains("64 times");
                assert!(
                    slots_full || count_full,
                    "op {n}: start refused with {held} of {SLOTS} held, count {}: {reply}",
                    w.count
                );
                c.refused += 1;
            }
        }
        // stop
        35..=64 => {
            let reply = workers[who].ask("stop");
            let w = &mut workers[who];
            if w.count == 0 {
                assert!(reply.starts_with("ERR stop without"), "op {n}: {reply}");
                c.refused_stops += 1;
            } else {
                w.count -= 1;
                assert_eq!(reply, format!("STOPPED {}", w.count), "op {n}");
                if w.count == 0 {
                    w.section = None;
                }
                c.stops += 1;
            }
        }
        // fork: the child cannot stop the parent and gets its own slot if one is free
        65..=74 => {
            let reply = workers[who].ask("fork");
            let free = SLOTS - held;
            if let Some(name) = reply.strip_prefix("FORKED OK ") {
                assert!(
                    free > 0,
                    "op {n}: forked child got {name} with no slot free"
                );
                assert!(
                    !model(workers).contains_key(name),
                    "op {n}: forked child got {name}, which is held"
                );
                c.fork_grants += 1;
            } else {
                assert!(
                    free == 0 && reply.starts_with("FORKED ERR all slots"),
                    "op {n}: {free} free, child said: {reply}"
                );
            }
            c.forks += 1;
        }
        // kill -9 and replace
        75..=84 => {
            let fresh = Worker::spawn(runtime);
            let victim = std::mem::replace(&mut workers[who], fresh);
            victim.kill();
            c.kills += 1;
        }
        // probe
        _ => {
            let reply = workers[who].ask("probe");
            let free = SLOTS - held;
            if let Some(rest) = reply.strip_prefix("FREE ") {
                let fields: Vec<&str> = rest.split(' ').collect();
                assert_eq!(
                    fields[1..],
                    [free.to_string(), SLOTS.to_string()],
                    "op {n}: probe {reply}"
                );
            } else {
                assert!(free == 0 && reply.contains("all slots"), "op {n}: {reply}");
            }
            c.probes += 1;
        }
    }
}

#[test]
#[ignore = "takes about a minute; .ci/run runs it with --ignored"]
fn thirty_two_processes_ten_thousand_random_operations() {
    let operations: u64 = std::env::var("QSAL_CHAOS_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let seed: u64 = std::env::var("QSAL_CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    println!("chaos: {operations} operations, QSAL_CHAOS_SEED={seed}");
    let dir = TempDir::new("chaos");
    let runtime = RuntimeDir::at(&dir.0);
    let config = user_config(&[("SSL", PER_DEVICE, 1)]);
    up(
        &runtime,
        &[(DeviceType::C6xx, &config), (DeviceType::C6xx, &config)],
    );
    let registry = LinuxRegistry::new(&runtime);
    let qsal = qsal_binary();
    let mut rng = Rng(seed);
    let mut workers: Vec<Worker> = (0..WORKERS).map(|_| Worker::spawn(&dir.0)).collect();
    let mut counts = Counts::default();
    let started = std::time::Instant::now();
    while counts.operations < operations {
        let op = rng.below(100);
        let who = rng.below(WORKERS);
        apply(op, who, &mut workers, &dir.0, &mut counts);
        counts.operations += 1;
        check_reality(&registry, &workers, counts.operations);
        if counts.operations % 500 == 0 {
            check_status(&qsal, &dir.0, &workers, counts.operations);
            counts.status_checks += 1;
            println!(
                "chaos: {} operations, {} slots held, {:.1} s",
                counts.operations,
                model(&workers).len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    for worker in workers {
        worker.finish();
    }
    for name in slot_names() {
        assert_eq!(
            registry.holder(&name).expect("holder"),
            None,
            "{name} still leased after every worker ended"
        );
    }
    let leaked: Vec<String> = walk(&dir.0)
        .into_iter()
        .filter_map(|p| p.strip_prefix(&dir.0).ok().map(|p| p.display().to_string()))
        .filter(|p| !(p.starts_with("devices/") || p.starts_with("leases/") || p == ".lock"))
        .collect();
    assert!(
        leaked.is_empty(),
        "files left behind by killed workers: {leaked:?}"
    );
    // Every invariant is asserted after every operation, so reaching this line means no violation.
    println!(
        "chaos: {counts:?}, violations: 0, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
    }
    files
}
