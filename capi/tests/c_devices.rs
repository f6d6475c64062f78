//! The device functions of `icp_sal_user.h` from C: a C program (`tests/c/devices.c`) answers one
//! command per line while this harness brings devices up, takes them down and restarts them in
//! its runtime directory between commands — as an operator would with `qsal up|down|restart
//! qat_dev<N>`. Also: a program written against Intel's declarations (`tests/c/intel_api.c`).

mod common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

use common::{compile, run_in, shared_link_flags};
use qsal_backend_linux::RuntimeDir;
use qsal_backend_linux::load::{self, DeviceInput};
use qsal_core::DeviceType;
use qsal_tests::{TempDir, up, user_config};

fn binary(name: &str) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    compile(&format!("{name}.c"), &out, &shared_link_flags());
    out
}

fn devices_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| binary("devices"))
}

/// The C program, driven line by line.
struct Driver {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Driver {
    fn new(runtime: &Path) -> Self {
        let mut child = Command::new(devices_binary())
            .env("QSAL_RUNTIME_DIR", runtime)
            .env("QSAL_LOG", "off")
            .env_remove("LD_LIBRARY_PATH")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run devices");
        let input = child.stdin.take().expect("stdin");
        let output = BufReader::new(child.stdout.take().expect("stdout"));
        Self {
            child,
            input,
            output,
        }
    }

    /// Sends `command`; returns its answer without the command word.
    fn ask(&mut self, command: &str) -> String {
        writeln!(self.input, "{command}").expect("write command");
        let mut line = String::new();
        self.output.read_line(&mut line).expect("read answer");
        let word = command.split_whitespace().next().unwrap_or_default();
        line.trim_end()
            .strip_prefix(word)
            .unwrap_or_else(|| panic!("`{command}` answered `{line}`"))
            .trim()
            .to_string()
    }

    /// Sends `command` and asserts its status.
    fn status(&mut self, command: &str, want: i32) {
        let got = self.ask(command);
        if got != want.to_string() {
            let error = self.ask("error");
            panic!("`{command}` answered {got}, expected {want}: {error}");
        }
    }

    fn attached(&mut self) -> String {
        self.ask("attached")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = writeln!(self.input, "quit");
        let _ = self.child.wait();
    }
}

const SUCCESS: i32 = 0;
const FAIL: i32 = -1;
const UNSUPPORTED: i32 = -6;

/// `SHIM` spans every device (LimitDevAccess = 0).
fn config() -> String {
    user_config(&[("SHIM", 2, 0)])
}

/// A runtime directory (in `label`) with `devices` emulated c6xx devices up, each loaded with
/// [`config`]; and that configuration's text.
fn machine(label: &str, devices: usize) -> (TempDir, RuntimeDir, String) {
    let dir = TempDir::new(label);
    let runtime = RuntimeDir::at(&dir.0);
    let text = config();
    up(&runtime, &vec![(DeviceType::C6xx, text.as_str()); devices]);
    (dir, runtime, text)
}

fn bring_up(runtime: &RuntimeDir, accel_id: u32, text: &str) {
    let input = DeviceInput::emulated(DeviceType::C6xx, Path::new("test"), text.as_bytes());
    load::up_device(runtime, accel_id, &input, || {}).expect("up qat_dev<N>");
}

#[test]
fn find_new_devices_attaches_a_device_brought_up_after_the_start() {
    let (dir, runtime, text) = machine("capi-find-new", 1);
    let mut c = Driver::new(&dir.0);
    c.status("find", FAIL);
    assert!(c.ask("error").contains("has not started"));
    c.status("start SHIM", SUCCESS);
    assert_eq!(c.attached(), "1 0");
    c.status("find", SUCCESS);
    assert_eq!(c.attached(), "1 0", "nothing new yet");
    bring_up(&runtime, 1, &text);
    assert_eq!(c.attached(), "1 0", "nothing changes before the call");
    c.status("find", SUCCESS);
    assert_eq!(c.attached(), "2 0,1");
    assert_eq!(
        c.ask("exchange 2000"),
        "0 2000 0",
        "both devices' rings serve"
    );
    c.status("stop", SUCCESS);
    assert_eq!(c.attached(), "-1");
}

#[test]
fn poll_device_events_follows_devices_going_down_restarting_and_coming_up() {
    let (dir, runtime, text) = machine("capi-poll", 2);
    let mut c = Driver::new(&dir.0);
    c.status("poll", FAIL);
    c.status("start SHIM", SUCCESS);
    assert_eq!(c.attached(), "2 0,1");
    // The slot's section also lives on device 1, so device 0 may go down while it is held.
    load::down_device(&runtime, 0, false, || {}).expect("down qat_dev0");
    c.status("poll", SUCCESS);
    assert_eq!(c.attached(), "1 1");
    assert_eq!(c.ask("exchange 500"), "0 500 0");
    let input = DeviceInput::emulated(DeviceType::C6xx, Path::new("test"), text.as_bytes());
    load::restart_device(&runtime, 1, &input, || {}).expect("restart qat_dev1");
    c.status("poll", SUCCESS);
    assert_eq!(c.attached(), "1 1", "re-attached to the restarted device");
    assert_eq!(c.ask("exchange 500"), "0 500 0", "its new rings serve");
    bring_up(&runtime, 0, &text);
    c.status("poll", SUCCESS);
    assert_eq!(c.attached(), "2 0,1");
    c.status("poll", SUCCESS);
    assert_eq!(c.attached(), "2 0,1", "nothing changed since");
    c.status("stop", SUCCESS);
}

#[test]
fn heartbeat_fails_when_simulated_and_a_reset_brings_the_device_back() {
    let (dir, _runtime, _text) = machine("capi-heartbeat", 2);
    let mut c = Driver::new(&dir.0);
    c.status("check 0", SUCCESS);
    c.status("check_all", SUCCESS);
    c.status("check 5", FAIL);
    assert!(
        c.ask("error")
            .contains("qat_dev5 is not up; these are: qat_dev0, qat_dev1")
    );
    c.status("start SHIM", SUCCESS);
    c.status("check 0", SUCCESS);
    c.status("fail 1", SUCCESS);
    c.status("check 1", FAIL);
    assert!(c.ask("error").contains("heartbeat failed"));
    c.status("check 0", SUCCESS);
    c.status("check_all", FAIL);
    // Requests to the failed device are not answered; the exchange says so at once.
    let clock = Instant::now();
    let exchanged = c.ask("exchange 1000");
    assert!(exchanged.starts_with("-1 "), "{exchanged}");
    assert!(
        clock.elapsed().as_secs() < 3,
        "the exchange stopped without waiting for its stall timeout"
    );
    assert!(c.ask("error").contains("qat_dev1 failed its heartbeat"));
    c.status("reset 1", SUCCESS);
    c.status("check 1", SUCCESS);
    c.status("check_all", SUCCESS);
    assert_eq!(
        c.ask("exchange 1000"),
        "0 1000 0",
        "the reset rings serve again"
    );
    c.status("stop", SUCCESS);
    // Without an attachment, a simulated failure still holds until the reset.
    c.status("fail 0", SUCCESS);
    c.status("check 0", FAIL);
    c.status("reset 0", SUCCESS);
    c.status("check 0", SUCCESS);
    c.status("reset 9", FAIL);
}

#[test]
fn hardware_devices_answer_per_the_driver_heartbeat_and_refuse_simulation() {
    let dir = TempDir::new("capi-hardware");
    let runtime = RuntimeDir::at(&dir.0);
    let text = config();
    let bsf = qsal_backend_linux::sysfs::parse_address("0000:3d:00.0").expect("address");
    let input = DeviceInput {
        device_type: DeviceType::C6xx,
        source: Path::new("/etc/c6xx_dev0.conf"),
        text: text.as_bytes(),
        hardware: Some(load::Hardware {
            bsf,
            node_id: 0,
            inst_id: 0,
        }),
    };
    load::up(&runtime, &[input], || {}).expect("up");
    let debugfs = TempDir::new("capi-debugfs");
    let status = debugfs.0.join("qat_c6xx_0000:3d:00.0/heartbeat");
    let command = |line: &str| {
        let output = std::process::Command::new(devices_binary())
            .env("QSAL_RUNTIME_DIR", &dir.0)
            .env("QSAL_DEBUGFS", &debugfs.0)
            .env("QSAL_LOG", "off")
            .env_remove("LD_LIBRARY_PATH")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                let mut stdin = child.stdin.take().expect("stdin");
                writeln!(stdin, "{line}\nerror\nquit")?;
                drop(stdin);
                child.wait_with_output()
            })
            .expect("run devices");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let answer = command("check 0");
    assert!(
        answer.starts_with(&format!("check {UNSUPPORTED}\n")),
        "{answer}"
    );
    assert!(answer.contains("QSAL_DEBUGFS"), "{answer}");
    std::fs::create_dir_all(&status).expect("debugfs dir");
    std::fs::write(status.join("status"), "0\n").expect("status");
    assert!(command("check 0").starts_with(&format!("check {SUCCESS}\n")));
    std::fs::write(status.join("status"), "-1\n").expect("status");
    let answer = command("check 0");
    assert!(answer.starts_with(&format!("check {FAIL}\n")), "{answer}");
    assert!(answer.contains("not responding"), "{answer}");
    let answer = command("fail 0");
    assert!(
        answer.starts_with(&format!("fail {UNSUPPORTED}\n")),
        "{answer}"
    );
    let answer = command("reset 0");
    assert!(
        answer.starts_with(&format!("reset {UNSUPPORTED}\n")),
        "{answer}"
    );
    assert!(answer.contains("qsal restart qat_dev0"), "{answer}");
}

#[test]
fn a_program_written_against_intels_declarations_compiles_links_and_runs() {
    let program = binary("intel_api");
    let empty = TempDir::new("capi-intel-api");
    let output = run_in(&program, &empty.0, &[], Some("off"));
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "intel api ok\n");
}

/// Runs the devices program with extra environment and the given commands; returns its stdout.
fn run_with(runtime: &Path, env: &[(&str, &str)], commands: &str) -> String {
    let mut command = std::process::Command::new(devices_binary());
    command
        .env("QSAL_RUNTIME_DIR", runtime)
        .env("QSAL_LOG", "off")
        .env_remove("LD_LIBRARY_PATH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command
        .spawn()
        .and_then(|mut child| {
            let mut stdin = child.stdin.take().expect("stdin");
            writeln!(stdin, "{commands}\nquit")?;
            drop(stdin);
            child.wait_with_output()
        })
        .expect("run devices");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn qsal_slots_kernel_asks_the_driver_node_and_says_when_it_is_missing() {
    let dir = TempDir::new("capi-kernel-slots");
    up(&RuntimeDir::at(&dir.0), &[(DeviceType::C6xx, &config())]);
    let node = dir.0.join("no-qat_dev_processes");
    let node = node.to_string_lossy();
    let answer = run_with(
        &dir.0,
        &[("QSAL_SLOTS", "kernel"), ("QSAL_KERNEL_NODE", &node)],
        "start SHIM\nerror",
    );
    assert!(answer.starts_with(&format!("start {FAIL}\n")), "{answer}");
    assert!(
        answer.contains(&format!("cannot open {node}"))
            && answer.contains("no QAT device is started"),
        "{answer}"
    );
    let answer = run_with(&dir.0, &[("QSAL_SLOTS", "ldap")], "start SHIM\nerror");
    assert!(
        answer.contains("QSAL_SLOTS=ldap is not a setting"),
        "{answer}"
    );
    let answer = run_with(&dir.0, &[("QSAL_SLOTS", "files")], "start SHIM\nattached");
    assert!(
        answer.starts_with(&format!("start {SUCCESS}\nattached 1 0")),
        "{answer}"
    );
}

/// `QSAL_SLOT` (what the Kubernetes device plugin gives a container): libqsal's start takes exactly
/// that slot, even with a lower one free, and refuses a slot of another section with the reason.
#[test]
fn qsal_slot_makes_the_start_take_exactly_that_slot() {
    let dir = TempDir::new("capi-qsal-slot");
    up(&RuntimeDir::at(&dir.0), &[(DeviceType::C6xx, &config())]);
    let answer = run_with(
        &dir.0,
        &[("QSAL_SLOT", "SHIM_INT_1")],
        "start SHIM\nsection",
    );
    assert!(
        answer.starts_with(&format!("start {SUCCESS}\nsection 10 SHIM_INT_1")),
        "{answer}"
    );
    let answer = run_with(&dir.0, &[("QSAL_SLOT", "SHIM_INT_9")], "start SHIM\nerror");
    assert!(answer.starts_with(&format!("start {FAIL}\n")), "{answer}");
    assert!(
        answer.contains(
            "slot SHIM_INT_9 was asked for by name (QSAL_SLOT) but is not a slot of [SHIM]"
        ),
        "{answer}"
    );
}
