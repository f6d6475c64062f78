//! libqsal from C: compiles `tests/c/abi.c` with the system C compiler against `include/` and the
//! library cargo just built (`libqsal.so`, and once `libqsal.a`), then runs each scenario in its own
//! process against a runtime directory prepared with emulated devices.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::{compile, compile_with, crate_dir, library_dir, run_in, shared_link_flags};

use qsal_backend_linux::RuntimeDir;
use qsal_core::DeviceType;
use qsal_tests::{TempDir, up, user_config};

/// The scenario program linked against the shared library, built once per test run into cargo's
/// scratch directory for integration tests (a static is never dropped, so not under /tmp).
fn abi_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("abi");
        compile("abi.c", &out, &shared_link_flags());
        out
    })
}

/// A runtime directory with one emulated c6xx device holding `sections`.
fn runtime_with(sections: &[(&str, u32, u32)]) -> TempDir {
    let dir = TempDir::new("capi-runtime");
    up(
        &RuntimeDir::at(&dir.0),
        &[(DeviceType::C6xx, &user_config(sections))],
    );
    dir
}

/// Runs a scenario and asserts it passed; returns its output.
fn scenario(runtime: &Path, args: &[&str]) -> Output {
    let output = run_in(abi_binary(), runtime, args, None);
    assert!(
        output.status.success(),
        "scenario {args:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bad_names_fail_cleanly_and_touch_nothing_outside_the_runtime_directory() {
    let runtime = runtime_with(&[("SSL", 4, 0)]);
    scenario(&runtime.0, &["bad_names"]);
    let leases: Vec<String> = std::fs::read_dir(runtime.0.join("leases"))
        .expect("leases directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        leases.iter().all(|name| name.starts_with("SSL_INT_")),
        "only leases of the valid section may exist: {leases:?}"
    );
    assert!(!runtime.0.join("passwd.lease").exists());
}

#[test]
fn stop_without_start_and_start_after_stop_log_one_line_per_failure() {
    let runtime = runtime_with(&[("SSL", 4, 0)]);
    let output = scenario(&runtime.0, &["stop_start"]);
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 2, "two failures, two lines: {lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("qsal[") && l.contains("without a successful start")),
        "{lines:?}"
    );
    let quiet = run_in(abi_binary(), &runtime.0, &["stop_start"], Some("off"));
    assert!(quiet.status.success());
    assert!(quiet.stderr.is_empty(), "QSAL_LOG=off prints nothing");
    let chatty = run_in(abi_binary(), &runtime.0, &["stop_start"], Some("info"));
    assert!(
        stderr_lines(&chatty).len() > 2,
        "QSAL_LOG=info also reports starts and stops"
    );
}

#[test]
fn reference_count_stops_at_64_and_later_starts_ignore_the_name() {
    let runtime = runtime_with(&[("SSL", 4, 0)]);
    scenario(&runtime.0, &["refcount"]);
}

#[test]
fn start_multi_process_ignores_its_second_argument() {
    let runtime = runtime_with(&[("SSL", 4, 1), ("PLAIN", 4, 0)]);
    scenario(&runtime.0, &["multiprocess"]);
}

#[test]
fn is_qat_available_follows_the_devices() {
    let runtime = runtime_with(&[("SSL", 4, 0)]);
    scenario(&runtime.0, &["available", "1"]);
    let empty = TempDir::new("capi-empty");
    scenario(&empty.0, &["available", "0"]);
}

#[test]
fn last_error_and_section_name_copy_truncate_and_are_per_thread() {
    let runtime = runtime_with(&[("SSL", 4, 0)]);
    scenario(&runtime.0, &["last_error"]);
}

#[test]
fn many_threads_race_start_and_stop_without_crashing() {
    let runtime = runtime_with(&[("SSL", 4, 0)]);
    let output = scenario(&runtime.0, &["threads"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("threads=256"), "{stdout}");
}

#[test]
fn forked_child_cannot_stop_the_parent_and_takes_its_own_slot() {
    let runtime = runtime_with(&[("SSL", 4, 0)]);
    scenario(&runtime.0, &["fork"]);
}

#[test]
fn bounded_wait_gets_the_slot_when_its_holder_stops() {
    let runtime = runtime_with(&[("SSL", 1, 0)]);
    scenario(&runtime.0, &["wait"]);
}

#[test]
fn exchange_moves_verified_requests_through_the_rings_of_the_slot() {
    let runtime = runtime_with(&[("SSL", 4, 0)]);
    scenario(&runtime.0, &["exchange"]);
}

#[test]
fn c_scenarios_are_clean_under_address_and_undefined_behaviour_sanitizers() {
    // The C side is instrumented; libqsal's copies into C buffers go through memcpy, which ASan
    // intercepts and checks against the buffers' bounds (qsal_last_error, qsal_section_name).
    let dir = TempDir::new("capi-asan");
    let out = dir.0.join("abi-asan");
    let mut flags = vec![
        "-fsanitize=address,undefined".to_string(),
        "-fno-sanitize-recover=all".to_string(),
        "-fno-omit-frame-pointer".to_string(),
    ];
    flags.extend(shared_link_flags());
    compile("abi.c", &out, &flags);
    for scenario in [
        "bad_names",
        "last_error",
        "refcount",
        "fork",
        "exchange",
        "threads",
    ] {
        let runtime = runtime_with(&[("SSL", 4, 0)]);
        let output = run_in(&out, &runtime.0, &[scenario], Some("off"));
        assert!(
            output.status.success(),
            "{scenario} under ASan/UBSan: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn static_library_links_and_runs() {
    let dir = TempDir::new("capi-static");
    let out = dir.0.join("abi-static");
    let lib = library_dir();
    compile(
        "abi.c",
        &out,
        &[
            lib.join("libqsal.a").display().to_string(),
            "-ldl".to_string(),
            "-lm".to_string(),
            "-lrt".to_string(),
        ],
    );
    let runtime = runtime_with(&[("SSL", 4, 0)]);
    let output = run_in(&out, &runtime.0, &["fork"], None);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The workspace's `examples/` directory.
fn examples_dir() -> PathBuf {
    crate_dir().join("../examples")
}

#[test]
fn prefork_example_reloads_without_a_failed_start() {
    let dir = TempDir::new("capi-prefork");
    let out = dir.0.join("prefork");
    let mut flags = vec![format!("-I{}", crate_dir().join("include").display())];
    flags.extend(shared_link_flags());
    compile_with(&examples_dir().join("prefork.c"), &out, &flags);
    let runtime = TempDir::new("capi-prefork-runtime");
    let config =
        std::fs::read_to_string(examples_dir().join("prefork.conf")).expect("prefork.conf");
    up(&RuntimeDir::at(&runtime.0), &[(DeviceType::C6xx, &config)]);
    let output = run_in(&out, &runtime.0, &["SSL", "2000"], None);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let workers: Vec<&str> = stdout.lines().filter(|l| l.starts_with("gen ")).collect();
    assert_eq!(workers.len(), 16, "{stdout}");
    assert!(
        workers
            .iter()
            .all(|l| l.contains("2000 responses") && l.ends_with(" 0 errors")),
        "{stdout}"
    );
    assert!(stdout.contains("0 of 16 workers failed"), "{stdout}");
}

#[test]
fn pkg_config_file_builds_a_program_from_a_staged_install() {
    let prefix = TempDir::new("capi-pkgconfig");
    let lib = prefix.0.join("lib");
    let include = prefix.0.join("include/qsal");
    std::fs::create_dir_all(lib.join("pkgconfig")).expect("lib dir");
    std::fs::create_dir_all(&include).expect("include dir");
    std::fs::copy(library_dir().join("libqsal.so"), lib.join("libqsal.so")).expect("copy .so");
    for header in std::fs::read_dir(crate_dir().join("include")).expect("include/") {
        let header = header.expect("entry").path();
        std::fs::copy(&header, include.join(header.file_name().expect("name")))
            .expect("copy header");
    }
    std::fs::copy(crate_dir().join("qsal.pc"), lib.join("pkgconfig/qsal.pc")).expect("copy pc");
    let pkg = Command::new("pkg-config")
        .arg(format!("--define-variable=prefix={}", prefix.0.display()))
        .args(["--cflags", "--libs", "qsal"])
        .env("PKG_CONFIG_PATH", lib.join("pkgconfig"))
        .output()
        .expect("running pkg-config (install pkg-config)");
    assert!(
        pkg.status.success(),
        "{}",
        String::from_utf8_lossy(&pkg.stderr)
    );
    let mut flags: Vec<String> = String::from_utf8_lossy(&pkg.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert!(flags.iter().any(|f| f == "-lqsal"), "{flags:?}");
    flags.push(format!("-Wl,-rpath,{}", lib.display()));
    let out = prefix.0.join("prefork");
    compile_with(&examples_dir().join("prefork.c"), &out, &flags);
    let runtime = TempDir::new("capi-pkgconfig-runtime");
    let output = run_in(&out, &runtime.0, &[], None);
    assert!(
        !output.status.success(),
        "no device is up, the example must say so"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no QAT device is up"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
