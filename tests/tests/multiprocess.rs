//! Real processes on the Linux backend: grant order, exhaustion, `kill -9`, fork, a 30-process race
//! for 20 slots, probe, unsafe names, and a non-root user who only has group access.

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use qsal_backend_linux::{LinuxRegistry, RuntimeDir};
use qsal_core::DeviceType;
use qsal_core::platform::SlotRegistry;
use qsal_tests::{TempDir, up, user_config};

/// A running `qsal-worker`.
struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    fn spawn(dir: &TempDir, mode: &str, section: &str) -> Self {
        Self::spawn_with(dir, mode, section, |_| {})
    }

    fn spawn_with(
        dir: &TempDir,
        mode: &str,
        section: &str,
        setup: impl FnOnce(&mut Command),
    ) -> Self {
        Self::spawn_program(
            Path::new(env!("CARGO_BIN_EXE_qsal-worker")),
            dir,
            mode,
            section,
            setup,
        )
    }

    fn spawn_program(
        program: &Path,
        dir: &TempDir,
        mode: &str,
        section: &str,
        setup: impl FnOnce(&mut Command),
    ) -> Self {
        let mut command = Command::new(program);
        command
            .args([dir.0.to_str().expect("utf-8"), mode, section])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        setup(&mut command);
        // A freshly copied program can be briefly "text file busy": another test thread forking at
        // that moment holds a copy of the writing descriptor until it execs. Retry for a while.
        let mut attempts = 0;
        let mut child = loop {
            match command.spawn() {
                Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && attempts < 100 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                other => break other.expect("spawn worker"),
            }
        };
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Self {
            child,
            stdin,
            stdout,
        }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read worker");
        line.trim_end().to_string()
    }

    fn go(&mut self) {
        let stdin = self.stdin.as_mut().expect("stdin");
        stdin.write_all(b"go\n").expect("go");
        stdin.flush().expect("flush");
    }

    /// Closes stdin (the worker stops and exits) and returns its last line.
    fn finish(mut self) -> String {
        drop(self.stdin.take());
        let last = self.line();
        let _ = self.child.wait();
        last
    }

    fn kill9(mut self) {
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

fn runtime(dir: &TempDir, devices: usize, sections: &[(&str, u32, u32)]) -> RuntimeDir {
    let runtime = RuntimeDir::at(&dir.0);
    let config = user_config(sections);
    let set: Vec<(DeviceType, &str)> = (0..devices)
        .map(|_| (DeviceType::C6xx, config.as_str()))
        .collect();
    up(&runtime, &set);
    runtime
}

#[test]
fn grant_order_across_two_devices_and_exhaustion() {
    let dir = TempDir::new("order");
    runtime(&dir, 2, &[("SSL", 2, 1)]);
    let mut workers = Vec::new();
    let mut names = Vec::new();
    for _ in 0..4 {
        let mut w = Worker::spawn(&dir, "start", "SSL");
        names.push(w.line());
        workers.push(w);
    }
    assert_eq!(
        names,
        [
            "OK SSL_DEV0_INT_0",
            "OK SSL_DEV0_INT_1",
            "OK SSL_DEV1_INT_0",
            "OK SSL_DEV1_INT_1"
        ]
    );
    let mut fifth = Worker::spawn(&dir, "start", "SSL");
    let refusal = fifth.line();
    assert!(refusal.contains("4 of 4 slots of SSL in use"), "{refusal}");
    assert!(
        refusal.contains(&format!("SSL_DEV0_INT_0 by pid {}", workers[0].pid())),
        "{refusal}"
    );
    for w in workers {
        assert_eq!(w.finish(), "STOPPED");
    }
}

#[test]
fn kill_9_frees_the_slot_and_the_lowest_one_is_reused() {
    let dir = TempDir::new("kill");
    let runtime = runtime(&dir, 1, &[("SHIM", 4, 0)]);
    let started = |expected: &str| {
        let mut w = Worker::spawn(&dir, "start", "SHIM");
        assert_eq!(w.line(), expected);
        w
    };
    let a = started("OK SHIM_INT_0");
    let b = started("OK SHIM_INT_1");
    let c = started("OK SHIM_INT_2");
    let registry = LinuxRegistry::new(&runtime);
    assert_eq!(
        registry
            .holder("SHIM_INT_1")
            .expect("holder")
            .map(|h| h.pid),
        Some(b.pid())
    );
    b.kill9();
    assert_eq!(
        registry.holder("SHIM_INT_1").expect("holder"),
        None,
        "the lock died with the process"
    );
    let mut d = Worker::spawn(&dir, "start", "SHIM");
    assert_eq!(d.line(), "OK SHIM_INT_1");
    for w in [a, c, d] {
        assert_eq!(w.finish(), "STOPPED");
    }
}

#[test]
fn a_forked_child_cannot_stop_and_gets_a_slot_of_its_own() {
    let dir = TempDir::new("fork");
    runtime(&dir, 1, &[("SSL", 4, 0)]);
    let mut w = Worker::spawn(&dir, "fork", "SSL");
    let lines: Vec<String> = (0..4).map(|_| w.line()).collect();
    assert_eq!(lines[0], "PARENT SSL_INT_0");
    assert!(
        lines[1].starts_with("CHILD-STOP ERR this process (pid "),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains(&format!("is a fork of pid {}", w.pid())),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "CHILD-START OK SSL_INT_1");
    assert_eq!(
        lines[3], "PARENT-AFTER SSL_INT_0",
        "the child never touched the parent's lease"
    );
    w.finish();
}

#[test]
fn thirty_processes_race_for_twenty_slots() {
    let dir = TempDir::new("race");
    runtime(&dir, 1, &[("SSL", 20, 0)]);
    for round in 0..20 {
        let mut workers: Vec<Worker> = (0..30)
            .map(|_| Worker::spawn(&dir, "race", "SSL"))
            .collect();
        for w in &mut workers {
            w.go();
        }
        let results: Vec<String> = workers.iter_mut().map(Worker::line).collect();
        let granted: Vec<&String> = results.iter().filter(|r| r.starts_with("OK ")).collect();
        let unique: BTreeSet<&&String> = granted.iter().collect();
        let refused: Vec<&String> = results.iter().filter(|r| r.starts_with("ERR ")).collect();
        assert_eq!(granted.len(), 20, "round {round}: {results:?}");
        assert_eq!(
            unique.len(),
            20,
            "round {round}: a name granted twice: {granted:?}"
        );
        assert_eq!(refused.len(), 10, "round {round}: {results:?}");
        assert!(
            refused
                .iter()
                .all(|r| r.contains("20 of 20 slots of SSL in use")),
            "{refused:?}"
        );
        for w in workers {
            w.finish();
        }
    }
}

#[test]
fn probe_takes_nothing() {
    let dir = TempDir::new("probe");
    let runtime = runtime(&dir, 1, &[("SSL", 2, 0)]);
    let mut holder = Worker::spawn(&dir, "start", "SSL");
    assert_eq!(holder.line(), "OK SSL_INT_0");
    for _ in 0..3 {
        let mut probe = Worker::spawn(&dir, "probe", "SSL");
        assert_eq!(probe.line(), "FREE SSL_INT_1 1 2");
    }
    assert_eq!(
        LinuxRegistry::new(&runtime)
            .holder("SSL_INT_1")
            .expect("holder"),
        None
    );
    holder.finish();
}

#[test]
fn unsafe_names_are_rejected_before_any_path_is_built() {
    let dir = TempDir::new("unsafe");
    let runtime = runtime(&dir, 1, &[("SSL", 2, 0)]);
    for name in ["../SSL", "a/b", ".hidden", "SSL\u{1}"] {
        let mut w = Worker::spawn(&dir, "start", name);
        let line = w.line();
        assert!(line.starts_with("ERR section name"), "{name:?}: {line}");
    }
    assert!(LinuxRegistry::new(&runtime).path("../x").is_err());
    assert!(!dir.0.join("SSL.lease").exists());
}

#[test]
fn a_non_root_group_member_can_start_and_an_outsider_cannot() {
    if !rustix::process::geteuid().is_root() {
        eprintln!(
            "SKIPPED: not running as root, so no child can drop to another user to test group access"
        );
        return;
    }
    const GROUP: u32 = 65534;
    const USER: u32 = 65534;
    let dir = TempDir::new("group");
    std::os::unix::fs::chown(&dir.0, Some(0), Some(GROUP)).expect("chown");
    std::fs::set_permissions(&dir.0, std::os::unix::fs::PermissionsExt::from_mode(0o2770))
        .expect("chmod");
    runtime(&dir, 1, &[("SSL", 2, 0)]);
    // The checkout (and so target/) may sit under a directory other users cannot enter: run a copy
    // of the worker from a directory everyone can read.
    let bin = TempDir::new("group-bin");
    std::fs::set_permissions(&bin.0, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod bin dir");
    let worker = bin.0.join("qsal-worker");
    std::fs::copy(env!("CARGO_BIN_EXE_qsal-worker"), &worker).expect("copy worker");
    std::fs::set_permissions(&worker, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod worker");
    let mut member = Worker::spawn_program(&worker, &dir, "start", "SSL", |c| {
        c.uid(USER).gid(GROUP).current_dir("/");
    });
    assert_eq!(member.line(), "OK SSL_INT_0");
    let lease = dir.0.join("leases/SSL_INT_0.lease");
    let meta = std::fs::metadata(&lease).expect("lease file");
    use std::os::unix::fs::MetadataExt as _;
    // `qsal up` (root) created the lease file; the member only opened and locked it.
    assert_eq!(
        (meta.mode() & 0o777, meta.uid(), meta.gid()),
        (0o660, 0, GROUP)
    );
    let mut outsider = Worker::spawn_program(&worker, &dir, "start", "SSL", |c| {
        c.uid(USER).gid(GROUP - 1).current_dir("/");
    });
    let refused = outsider.line();
    assert!(refused.starts_with("ERR permission denied"), "{refused}");
    assert!(
        refused.contains(&dir.0.display().to_string()),
        "names the path: {refused}"
    );
    assert_eq!(member.finish(), "STOPPED");
}
