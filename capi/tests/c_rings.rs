//! libqsal's raw ring API from C: `tests/c/rings.c` (its edges: before a start, bad indexes,
//! NULLs, RETRY on a full ring) and `examples/raw_ring.c` (a poll-mode loop of bursts over every ring
//! pair of a slot, each response checked), against an emulated c6xx.

mod common;

use std::path::Path;

use common::{compile_with, crate_dir, run_in, shared_link_flags};
use qsal_backend_linux::RuntimeDir;
use qsal_core::DeviceType;
use qsal_tests::{TempDir, up};

/// One Cy and one Dc instance per process: three ring pairs (asym, sym, dc).
const CONFIG: &str = "[GENERAL]\nServicesEnabled = cy;dc\nConfigVersion = 2\n\
[SSL]\nNumberCyInstances = 1\nNumberDcInstances = 1\nNumProcesses = 2\nLimitDevAccess = 0\n\
Cy0Name = \"ssl\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0\nDc0Name = \"dc\"\nDc0IsPolled = 1\nDc0CoreAffinity = 0\n";

fn build(source: &Path, name: &str, dir: &Path) -> std::path::PathBuf {
    let out = dir.join(name);
    let mut flags = vec![format!("-I{}", crate_dir().join("include").display())];
    flags.extend(shared_link_flags());
    compile_with(source, &out, &flags);
    out
}

fn runtime() -> TempDir {
    let dir = TempDir::new("capi-rings");
    up(&RuntimeDir::at(&dir.0), &[(DeviceType::C6xx, CONFIG)]);
    dir
}

#[test]
fn the_ring_api_edges_behave_from_c() {
    let work = TempDir::new("capi-rings-bin");
    let program = build(&crate_dir().join("tests/c/rings.c"), "rings", &work.0);
    let dir = runtime();
    let output = run_in(&program, &dir.0, &[], Some("off"));
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_raw_ring_example_moves_verified_messages_on_every_ring_pair() {
    let work = TempDir::new("capi-raw-ring-bin");
    let program = build(
        &crate_dir().join("../examples/raw_ring.c"),
        "raw_ring",
        &work.0,
    );
    let dir = runtime();
    let output = run_in(&program, &dir.0, &["SSL", "20000"], None);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("ring ")).collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].contains("Cy0 asym") && lines[0].contains("64-byte"),
        "{stdout}"
    );
    assert!(
        lines[1].contains("Cy0 sym") && lines[1].contains("128-byte"),
        "{stdout}"
    );
    assert!(lines[2].contains("Dc0 dc"), "{stdout}");
    assert!(
        lines.iter().all(|l| l.ends_with("20000 requests, 0 wrong")),
        "{stdout}"
    );
    assert!(
        stdout.contains("3 ring pairs, 0 wrong responses"),
        "{stdout}"
    );
}

#[test]
fn rings_live_in_hugepages_when_asked_and_the_log_says_so() {
    let Some(_pages) = qsal_tests::Hugepages::reserve(2, "raw rings in hugepages") else {
        return;
    };
    let work = TempDir::new("capi-raw-ring-huge-bin");
    let program = build(
        &crate_dir().join("../examples/raw_ring.c"),
        "raw_ring",
        &work.0,
    );
    let dir = runtime();
    let output = std::process::Command::new(&program)
        .args(["SSL", "5000"])
        .env("QSAL_RUNTIME_DIR", &dir.0)
        .env("QSAL_DMA", "hugepages")
        .env("QSAL_LOG", "info")
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("run raw_ring");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{}{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    let physical = rustix::process::geteuid().is_root();
    let expected = if physical {
        "ring memory: locked 2 MiB hugepages, physical addresses from /proc/self/pagemap"
    } else {
        "ring memory: locked 2 MiB hugepages, synthetic bus addresses"
    };
    assert!(stderr.contains(expected), "{stderr}");
}
