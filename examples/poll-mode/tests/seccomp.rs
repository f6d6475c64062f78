//! The poll-mode example against an emulated device: every message comes back right, and with the
//! polling threads under seccomp's strict mode the process survives — the data path makes no system
//! call — while a thread that makes one after entering strict mode gets the process killed.

use std::os::unix::process::ExitStatusExt as _;
use std::process::{Command, Output};

use qsal_backend_linux::RuntimeDir;
use qsal_core::DeviceType;
use qsal_tests::{TempDir, up};

/// One Cy and one Dc instance per process: three ring pairs.
const CONFIG: &str = "[GENERAL]\nServicesEnabled = cy;dc\nConfigVersion = 2\n\
[SSL]\nNumberCyInstances = 1\nNumberDcInstances = 1\nNumProcesses = 2\nLimitDevAccess = 0\n\
Cy0Name = \"ssl\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0\nDc0Name = \"dc\"\nDc0IsPolled = 1\nDc0CoreAffinity = 0\n";

fn poll_mode(runtime: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_poll-mode"))
        .args(args)
        .env("QSAL_RUNTIME_DIR", runtime)
        .env("QSAL_LOG", "off")
        .output()
        .expect("run poll-mode")
}

fn runtime() -> TempDir {
    let dir = TempDir::new("poll-mode");
    up(&RuntimeDir::at(&dir.0), &[(DeviceType::C6xx, CONFIG)]);
    dir
}

#[test]
fn every_message_comes_back_under_seccomp_strict_mode() {
    let dir = runtime();
    let output = poll_mode(&dir.0, &["--messages", "50000", "--seccomp"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.signal(), None, "{stdout}");
    assert!(
        !stdout.contains("killed"),
        "the data path made a system call\n{stdout}"
    );
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rings: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("qat_dev0 "))
        .collect();
    assert_eq!(rings.len(), 3, "{stdout}");
    assert!(
        rings
            .iter()
            .all(|l| l.contains(": 50000 messages, 0 wrong")),
        "{stdout}"
    );
    assert!(stdout.contains("under seccomp strict mode"), "{stdout}");
}

#[test]
fn a_system_call_after_sealing_kills_the_thread_and_fails_the_run() {
    let dir = runtime();
    let output = poll_mode(
        &dir.0,
        &["--messages", "1000", "--seccomp", "--forbidden-syscall"],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let killed = stdout
        .lines()
        .filter(|l| l.ends_with("killed by seccomp: the polling thread made a system call"))
        .count();
    assert_eq!(
        killed, 3,
        "strict mode kills each thread on getpid: {stdout}"
    );
}

#[test]
fn without_seccomp_the_same_loop_reports_its_rate() {
    let dir = runtime();
    let output = poll_mode(&dir.0, &["--messages", "50000", "--burst", "16"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("3 ring pairs, 150000 messages in"),
        "{stdout}"
    );
    assert!(stdout.contains("M msg/s"), "{stdout}");
}
