//! A hostile member of the runtime directory's group, tried as an attacker would (issue 14).
//!
//! Root runs `qsal up/down/status/hold` in a runtime directory owned by root, group-shared with
//! mode 2770, as the README sets it up. The attacker is another uid in that group. Each case runs
//! the attack, then asserts the exact outcome: nothing outside the directory changed (a listing of
//! a root-only directory with modes and contents, before and after), the exit status, no hang
//! (every command runs under a timeout), and no process or file left behind.
//!
//! Cases that need a second user run only as root; otherwise they print a loud SKIPPED line. The
//! others run as whoever runs the tests.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use qsal_tests::output::{first_line, text};
use qsal_tests::{TempDir, user_config};

/// The shared group of the runtime directory.
const GROUP: u32 = 64000;
/// The attacker: a member of the group.
const ATTACKER: u32 = 64001;
/// An honest member of the group.
const MEMBER: u32 = 64002;
/// No command may take longer than this.
const TIMEOUT: Duration = Duration::from_secs(20);

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Prints a loud SKIPPED line and returns true when the case needs root and we are not.
fn skip_unless_root(case: &str) -> bool {
    if is_root() {
        return false;
    }
    eprintln!(
        "\n!!! SKIPPED: {case}: needs root to run the attacker as another user in the directory's group\n"
    );
    true
}

/// A copy of the `qsal` binary that every user can run (the checkout may not be readable by them).
struct Binary {
    _dir: TempDir,
    path: PathBuf,
}

impl Binary {
    fn new() -> Self {
        let dir = TempDir::new("hostile-bin");
        std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let path = dir.0.join("qsal");
        if std::fs::hard_link(env!("CARGO_BIN_EXE_qsal"), &path).is_err() {
            std::fs::copy(env!("CARGO_BIN_EXE_qsal"), &path).expect("copy qsal");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        Self { _dir: dir, path }
    }
}

/// Who runs a command.
#[derive(Clone, Copy, PartialEq, Eq)]
enum As {
    /// This process's user (root in CI).
    Me,
    /// Another uid, in the runtime directory's group.
    User(u32),
}

fn command(program: &Path, who: As) -> Command {
    let mut c = Command::new(program);
    c.env("NO_COLOR", "1")
        .env("QSAL_SYSFS_ROOT", "/nonexistent")
        .env_remove("QSAL_RUNTIME_DIR")
        .stdin(Stdio::null());
    if let As::User(uid) = who {
        c.uid(uid).gid(GROUP).current_dir("/");
    }
    c
}

/// Runs a command to completion within [`TIMEOUT`]; a hang fails the test.
fn finish(mut child: Child, what: &str) -> Output {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{what}` hung for more than {} s", TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn run(program: &Path, who: As, args: &[&str]) -> Output {
    let child = command(program, who)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    finish(child, &args.join(" "))
}

/// A shell command as `who`.
fn sh(who: As, script: &str) -> Output {
    run(Path::new("/bin/sh"), who, &["-c", script])
}

/// What a directory holds: every entry (not following links) with its mode, owner and contents.
fn listing(dir: &Path) -> BTreeMap<PathBuf, (u32, u32, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).expect("read dir") {
            let path = entry.expect("entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("lstat");
            let content = if meta.file_type().is_symlink() {
                std::fs::read_link(&path)
                    .expect("readlink")
                    .into_os_string()
                    .into_encoded_bytes()
            } else if meta.is_dir() {
                stack.push(path.clone());
                b"<dir>".to_vec()
            } else {
                std::fs::read(&path).expect("read")
            };
            out.insert(path, (meta.mode(), meta.uid(), content));
        }
    }
    out
}

/// A root-only directory outside the runtime directory that the attacker points links at.
struct Victim(TempDir);

impl Victim {
    fn new() -> Self {
        let dir = TempDir::new("hostile-victim");
        std::fs::write(dir.0.join("secret"), b"do not touch").expect("write");
        std::fs::create_dir(dir.0.join("sub")).expect("mkdir");
        std::fs::write(dir.0.join("sub/keep"), b"keep me").expect("write");
        Self(dir)
    }

    fn listing(&self) -> BTreeMap<PathBuf, (u32, u32, Vec<u8>)> {
        listing(&self.0.0)
    }
}

/// A runtime directory as the README sets it up (root-owned, group-shared, 2770) with two c6xx
/// devices loaded by `qsal up`: [SSL] with 3 slots per device (LimitDevAccess = 0, so 3 in all).
struct Setup {
    _dir: TempDir,
    runtime: PathBuf,
    config: PathBuf,
    qsal: Binary,
}

impl Setup {
    fn new(label: &str) -> Self {
        let dir = TempDir::new(label);
        std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let runtime = dir.0.join("run");
        std::fs::create_dir(&runtime).expect("mkdir");
        if is_root() {
            std::os::unix::fs::chown(&runtime, Some(0), Some(GROUP)).expect("chown");
        }
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o2770)).expect("chmod");
        let config = dir.0.join("c6xx_dev0.conf");
        std::fs::write(&config, user_config(&[("SSL", 3, 0)])).expect("config");
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let setup = Self {
            _dir: dir,
            runtime,
            config,
            qsal: Binary::new(),
        };
        let up = setup.qsal(As::Me, &["up"]);
        assert_eq!(up.status.code(), Some(0), "{}", text(&up.stderr));
        setup
    }

    fn r(&self) -> &str {
        self.runtime.to_str().expect("utf-8")
    }

    /// `qsal <command> --runtime-dir R [args]` as `who`; `up` gets both devices.
    fn qsal(&self, who: As, args: &[&str]) -> Output {
        let device = format!("c6xx={}", self.config.display());
        let mut all: Vec<&str> = vec![args[0], "--runtime-dir", self.r()];
        if args[0] == "up" {
            all.extend(["--device", &device, "--device", &device]);
        }
        all.extend(&args[1..]);
        run(&self.qsal.path, who, &all)
    }

    /// Starts `qsal hold SECTION` as `who` and returns it with the first line it printed.
    fn hold(&self, who: As, section: &str) -> (Child, String) {
        let mut child = command(&self.qsal.path, who)
            .args(["hold", "--runtime-dir", self.r(), section])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hold");
        let line = first_line(&mut child);
        (child, line.trim_end().to_string())
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.runtime.join(relative)
    }
}

/// Stops a `qsal hold` with SIGTERM and returns its exit status and stderr.
fn release(mut hold: Child) -> (Option<i32>, String) {
    let pid = rustix::process::Pid::from_raw(hold.id() as i32).expect("pid");
    let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    let mut stderr = String::new();
    if let Some(mut err) = hold.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    let status = finish(hold, "hold");
    (status.status.code(), stderr)
}

#[test]
fn symlinked_subdirectories_never_make_root_touch_anything_outside() {
    if skip_unless_root("symlinked subdirectories") {
        return;
    }
    for target in ["devices", "leases", "emulated"] {
        let setup = Setup::new("hostile-links");
        let victim = Victim::new();
        let before = victim.listing();
        let outside = victim.0.0.display().to_string();
        let r = setup.r().to_string();
        let attack = sh(
            As::User(ATTACKER),
            &format!("rm -rf {r}/{target} && ln -s {outside} {r}/{target}"),
        );
        assert_eq!(attack.status.code(), Some(0), "{}", text(&attack.stderr));
        let hold = setup.qsal(As::Me, &["hold", "SSL", "--", "true"]);
        let status = setup.qsal(As::Me, &["status"]);
        let down = setup.qsal(As::Me, &["down"]);
        let up = setup.qsal(As::Me, &["up"]);
        assert_eq!(
            victim.listing(),
            before,
            "{target}: nothing outside changed"
        );
        match target {
            "leases" => {
                for (what, out) in [("hold", &hold), ("down", &down)] {
                    assert_eq!(out.status.code(), Some(1), "{what}: {}", text(&out.stderr));
                    assert!(
                        text(&out.stderr).contains("leases: it is a symlink or not a directory"),
                        "{what}: {}",
                        text(&out.stderr)
                    );
                }
                // `up` and `status` refuse the link too.
                assert_eq!(up.status.code(), Some(1), "{}", text(&up.stderr));
                assert_eq!(status.status.code(), Some(1), "{}", text(&status.stdout));
            }
            "devices" => {
                // No device set is readable through the link; `down` removes the link itself and
                // `up` writes a fresh set.
                assert_eq!(hold.status.code(), Some(1));
                assert!(
                    text(&hold.stderr).contains("devices"),
                    "{}",
                    text(&hold.stderr)
                );
                assert_eq!(down.status.code(), Some(0), "{}", text(&down.stderr));
                assert_eq!(up.status.code(), Some(0), "{}", text(&up.stderr));
                assert!(setup.path("devices").is_dir() && !setup.path("devices").is_symlink());
            }
            _ => {
                // Nothing uses `emulated/` any more: `up` and `down` remove a planted one (the
                // link, never its target).
                assert_eq!(hold.status.code(), Some(0), "{}", text(&hold.stderr));
                assert_eq!(down.status.code(), Some(0), "{}", text(&down.stderr));
                assert!(!setup.path("emulated").exists());
            }
        }
    }
}

#[test]
fn concurrent_up_and_down_never_mix_device_sets() {
    let setup = Setup::new("hostile-race");
    let one = setup.path("../one_c6xx_dev0.conf");
    std::fs::write(&one, user_config(&[("ONE", 1, 0)])).expect("config");
    let two = setup.path("../two_c6xx_dev0.conf");
    std::fs::write(&two, user_config(&[("TWO", 2, 1)])).expect("config");
    let reader_stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let runtime = setup.runtime.clone();
    let stop = std::sync::Arc::clone(&reader_stop);
    let reader = std::thread::spawn(move || {
        let devices =
            qsal_backend_linux::LinuxDevices::new(&qsal_backend_linux::RuntimeDir::at(&runtime));
        let mut seen = 0u32;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            if let Ok(snapshot) = devices.loaded() {
                let sets: Vec<bool> = snapshot
                    .devices()
                    .iter()
                    .map(|d| d.text.contains("[ONE]"))
                    .collect();
                assert!(
                    sets.is_empty() || sets.iter().all(|s| *s == sets[0]),
                    "a reader saw a mix of two device sets: {sets:?}"
                );
                assert!(matches!(sets.len(), 0 | 2), "a partial set: {sets:?}");
                seen += 1;
            }
        }
        seen
    });
    let q = setup.qsal.path.clone();
    let r = setup.r().to_string();
    for round in 0..25 {
        let spawn = |args: Vec<String>| {
            command(&q, As::Me)
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        };
        let up = |file: &Path| {
            let device = format!("c6xx={}", file.display());
            vec![
                "up".to_string(),
                "--runtime-dir".to_string(),
                r.clone(),
                "--device".to_string(),
                device.clone(),
                "--device".to_string(),
                device,
            ]
        };
        let children = vec![
            spawn(up(&one)),
            spawn(up(&two)),
            if round % 5 == 4 {
                spawn(vec![
                    "down".to_string(),
                    "--runtime-dir".to_string(),
                    r.clone(),
                ])
            } else {
                spawn(up(&one))
            },
        ];
        for child in children {
            let out = finish(child, "racing up/down");
            assert_eq!(
                out.status.code(),
                Some(0),
                "round {round}: {}",
                text(&out.stderr)
            );
        }
        let files: Vec<String> = std::fs::read_dir(setup.path("devices"))
            .map(|d| {
                d.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            files.is_empty() || files.len() == 2,
            "round {round}: {files:?}"
        );
        let leftovers: Vec<String> = std::fs::read_dir(&setup.runtime)
            .expect("runtime")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".devices."))
            .collect();
        assert!(leftovers.is_empty(), "round {round}: {leftovers:?}");
    }
    reader_stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(reader.join().expect("reader") > 0);
}

#[test]
fn every_file_and_directory_gets_group_modes_whatever_the_umask() {
    if skip_unless_root("file modes") {
        return;
    }
    let setup = Setup::new("hostile-modes");
    let down = setup.qsal(As::Me, &["down"]);
    assert_eq!(down.status.code(), Some(0));
    let device = format!("c6xx={}", setup.config.display());
    let up = sh(
        As::Me,
        &format!(
            "umask 077 && {} up --runtime-dir {} --device {device}",
            setup.qsal.path.display(),
            setup.r()
        ),
    );
    assert_eq!(up.status.code(), Some(0), "{}", text(&up.stderr));
    for (path, (mode, _, _)) in listing(&setup.runtime) {
        let expected = if path.is_dir() { 0o42770 } else { 0o100660 };
        assert_eq!(mode, expected, "{}: {mode:o}", path.display());
    }
    let (hold, name) = setup.hold(As::User(MEMBER), "SSL");
    assert_eq!(name, "SSL_INT_0", "a group member can start after root did");
    assert_eq!(release(hold).0, Some(0));
}

#[test]
fn untrusted_runtime_directories_are_refused_with_the_fix() {
    let setup = Setup::new("hostile-trust");
    std::fs::set_permissions(&setup.runtime, std::fs::Permissions::from_mode(0o2777))
        .expect("chmod");
    for args in [
        &["status"][..],
        &["probe", "SSL"],
        &["hold", "SSL"],
        &["down"],
        &["up"],
    ] {
        let out = setup.qsal(As::Me, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(setup.r()) && stderr.contains("2777") && stderr.contains("chmod o-w"),
            "{args:?}: {stderr}"
        );
    }
    std::fs::set_permissions(&setup.runtime, std::fs::Permissions::from_mode(0o2770))
        .expect("chmod");
    if skip_unless_root("foreign-owned runtime directory") {
        return;
    }
    std::os::unix::fs::chown(&setup.runtime, Some(ATTACKER), Some(GROUP)).expect("chown");
    let out = setup.qsal(As::Me, &["status"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("owned by uid {ATTACKER}")) && stderr.contains("mode 2770"),
        "{stderr}"
    );
    // A subdirectory the attacker replaced with one of their own is refused the same way.
    std::os::unix::fs::chown(&setup.runtime, Some(0), Some(GROUP)).expect("chown");
    let r = setup.r().to_string();
    let attack = sh(
        As::User(ATTACKER),
        &format!("mv {r}/leases {r}/old && mkdir {r}/leases && chmod 777 {r}/leases"),
    );
    assert_eq!(attack.status.code(), Some(0), "{}", text(&attack.stderr));
    let out = setup.qsal(As::User(MEMBER), &["hold", "SSL"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("leases"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn fifos_sockets_and_links_never_hang_and_never_deny_the_other_slots() {
    let setup = Setup::new("hostile-fifo");
    let lease = setup.path("leases/SSL_INT_1.lease");
    std::fs::remove_file(&lease).expect("rm");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &lease,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o660),
        0,
    )
    .expect("mkfifo");
    let status = setup.qsal(As::Me, &["status"]);
    assert_eq!(status.status.code(), Some(0));
    assert!(
        text(&status.stdout).contains("unusable: refusing")
            && text(&status.stdout).contains("FIFO"),
        "{}",
        text(&status.stdout)
    );
    let probe = setup.qsal(As::Me, &["probe", "SSL"]);
    assert_eq!(probe.status.code(), Some(0), "{}", text(&probe.stderr));
    let (first, a) = setup.hold(As::Me, "SSL");
    let (second, b) = setup.hold(As::Me, "SSL");
    assert_eq!((a.as_str(), b.as_str()), ("SSL_INT_0", "SSL_INT_2"));
    let third = setup.qsal(As::Me, &["hold", "SSL"]);
    assert_eq!(third.status.code(), Some(1));
    assert!(
        text(&third.stderr).contains("lease file is unusable"),
        "{}",
        text(&third.stderr)
    );
    assert_eq!(release(first).0, Some(0));
    assert_eq!(release(second).0, Some(0));
    // A FIFO or a symlink where a device file should be is refused at once.
    let device = setup.path("devices/1.c6xx.conf");
    std::fs::remove_file(&device).expect("rm");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &device,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o660),
        0,
    )
    .expect("mkfifo");
    let out = setup.qsal(As::Me, &["hold", "SSL"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("FIFO"), "{}", text(&out.stderr));
    std::fs::remove_file(&device).expect("rm");
    std::os::unix::fs::symlink("/etc/passwd", &device).expect("symlink");
    let out = setup.qsal(As::Me, &["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("symlink"),
        "{}",
        text(&out.stderr)
    );
    let down = setup.qsal(As::Me, &["down"]);
    assert_eq!(down.status.code(), Some(0), "{}", text(&down.stderr));
    assert!(Path::new("/etc/passwd").exists());
}

#[test]
fn a_hard_linked_lease_file_is_never_written_to() {
    let setup = Setup::new("hostile-hardlink");
    let victim = Victim::new();
    let before = victim.listing();
    let lease = setup.path("leases/SSL_INT_0.lease");
    std::fs::remove_file(&lease).expect("rm");
    std::fs::hard_link(victim.0.0.join("secret"), &lease).expect("link");
    let (hold, name) = setup.hold(As::Me, "SSL");
    assert_eq!(name, "SSL_INT_1", "the hard-linked slot is skipped");
    assert_eq!(release(hold).0, Some(0));
    assert_eq!(victim.listing(), before);
}

#[test]
fn reads_are_bounded_and_output_is_capped() {
    let setup = Setup::new("hostile-sizes");
    let started = Instant::now();
    let zero = run(&setup.qsal.path, As::Me, &["check", "/dev/zero"]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(
        text(&zero.stderr).contains("larger than 1 MiB"),
        "{}",
        text(&zero.stderr)
    );
    // A 2 GB sparse lease file costs nothing.
    let lease = std::fs::OpenOptions::new()
        .write(true)
        .open(setup.path("leases/SSL_INT_0.lease"))
        .expect("open");
    lease.set_len(2 << 30).expect("sparse");
    let status = setup.qsal(As::Me, &["status"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status.stderr));
    let (hold, name) = setup.hold(As::Me, "SSL");
    assert_eq!(name, "SSL_INT_0");
    assert_eq!(release(hold).0, Some(0));
    // A device file grown to 2 GB is refused at once.
    let device = std::fs::OpenOptions::new()
        .write(true)
        .open(setup.path("devices/0.c6xx.conf"))
        .expect("open");
    device.set_len(2 << 30).expect("sparse");
    let out = setup.qsal(As::Me, &["probe", "SSL"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is larger than"),
        "{}",
        text(&out.stderr)
    );
    assert!(started.elapsed() < TIMEOUT, "all of it at once");
    // A binary file prints at most 100 diagnostics.
    let binary = setup.path("../binary_c6xx_dev0.conf");
    let noise: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&binary, noise).expect("write");
    let out = run(
        &setup.qsal.path,
        As::Me,
        &["check", binary.to_str().expect("utf-8")],
    );
    assert_eq!(out.status.code(), Some(1));
    let shown =
        text(&out.stdout).matches("error[").count() + text(&out.stdout).matches("warning[").count();
    assert_eq!(shown, 100, "exactly the first 100 are shown");
    assert!(
        text(&out.stdout).contains("more in"),
        "the rest are counted"
    );
    let json = run(
        &setup.qsal.path,
        As::Me,
        &["check", "--format", "json", binary.to_str().expect("utf-8")],
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(value["diagnostics"].as_array().map(Vec::len), Some(100));
    assert!(value["more"].as_u64().is_some_and(|n| n > 0));
}

#[test]
fn edited_device_files_are_refused_with_file_line_and_reason() {
    let setup = Setup::new("hostile-edit");
    let device = setup.path("devices/0.c6xx.conf");
    let original = std::fs::read_to_string(&device).expect("read");
    let cases = [
        (
            "Cy0RingAsymTx = 0\n",
            "Cy0RingAsymTx = 300\n",
            "Cy0RingAsymTx = 300 is outside the device",
        ),
        (
            "Cy0BankNumber = 0\n",
            "Cy0BankNumber = 65535\n",
            "Cy0BankNumber = 65535 is outside the device",
        ),
        (
            "Cy0RingAsymTx = 1\n",
            "Cy0RingAsymTx = 0\n",
            "which [SSL_INT_0] already uses",
        ),
    ];
    for (from, to, reason) in cases {
        let edited = original.replacen(from, to, 1);
        assert_ne!(edited, original, "{from} is in the file");
        std::fs::write(&device, &edited).expect("edit");
        let line = edited
            .lines()
            .position(|l| l == to.trim_end())
            .map(|i| i + 1)
            .expect("edited line");
        let out = setup.qsal(As::Me, &["probe", "SSL"]);
        assert_eq!(out.status.code(), Some(1), "{to}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(reason), "{to}: {stderr}");
        if !reason.contains("already uses") {
            assert!(
                stderr.contains(&format!("0.c6xx.conf:{line}:")),
                "{to}: names the line: {stderr}"
            );
        }
    }
    std::fs::write(&device, &original).expect("restore");
    assert_eq!(setup.qsal(As::Me, &["probe", "SSL"]).status.code(), Some(0));
}

#[test]
fn a_deleted_lease_never_hands_a_held_slot_to_a_second_process() {
    if skip_unless_root("deleted leases") {
        return;
    }
    let setup = Setup::new("hostile-lease");
    let (holder, name) = setup.hold(As::User(MEMBER), "SSL");
    assert_eq!(name, "SSL_INT_0");
    let r = setup.r().to_string();
    let attack = sh(
        As::User(ATTACKER),
        &format!("rm -f {r}/leases/SSL_INT_0.lease"),
    );
    assert_eq!(attack.status.code(), Some(0), "{}", text(&attack.stderr));
    let (second, got) = setup.hold(As::Me, "SSL");
    assert_eq!(got, "SSL_INT_1", "not the slot whose file was deleted");
    // The attacker plants a file of their own in its place: refused for its owner.
    let plant = sh(
        As::User(ATTACKER),
        &format!("touch {r}/leases/SSL_INT_0.lease && chmod 660 {r}/leases/SSL_INT_0.lease"),
    );
    assert_eq!(plant.status.code(), Some(0), "{}", text(&plant.stderr));
    let (third, got) = setup.hold(As::Me, "SSL");
    assert_eq!(got, "SSL_INT_2");
    let fourth = setup.qsal(As::Me, &["hold", "SSL"]);
    assert_eq!(fourth.status.code(), Some(1));
    assert!(
        text(&fourth.stderr).contains(&format!("owned by uid {ATTACKER}")),
        "{}",
        text(&fourth.stderr)
    );
    // The holder notices at its stop.
    let (code, stderr) = release(holder);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("taken away"), "{stderr}");
    // `down --force` of a slot held by another uid: only root or that uid.
    let forced = setup.qsal(As::User(ATTACKER), &["down", "--force"]);
    assert_eq!(forced.status.code(), Some(1));
    assert!(
        text(&forced.stderr).contains("only root or that user"),
        "{}",
        text(&forced.stderr)
    );
    let forced = setup.qsal(As::Me, &["down", "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    let _ = release(second);
    let _ = release(third);
}

/// Whether process `pid` is gone (or a zombie nobody reaped).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}

fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        out.extend(
            children
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok()),
        );
    }
    out
}

fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !condition() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn hold_killed_with_sigkill_takes_its_command_with_it() {
    let setup = Setup::new("hostile-hold");
    let mut hold = command(&setup.qsal.path, As::Me)
        .args([
            "hold",
            "--runtime-dir",
            setup.r(),
            "SSL",
            "--",
            "sleep",
            "60",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("hold");
    assert_eq!(first_line(&mut hold), "SSL_INT_0\n");
    let pid = hold.id();
    // The command runs (a child that has not yet reached `exec` would die with hold as well, but
    // through the other path: it finds hold gone and never runs).
    wait_until("the command runs", || {
        children_of(pid).first().is_some_and(|&c| {
            std::fs::read_to_string(format!("/proc/{c}/comm")).is_ok_and(|n| n == "sleep\n")
        })
    });
    let child = children_of(pid)[0];
    hold.kill().expect("SIGKILL");
    let _ = hold.wait();
    wait_until("the command dies with hold", || gone(child));
    let probe = setup.qsal(As::Me, &["probe", "SSL"]);
    assert!(
        text(&probe.stdout).contains("(3 of 3 slots free)"),
        "{}",
        text(&probe.stdout)
    );
}

#[test]
fn the_demo_stops_everything_and_cleans_up_on_sigint_and_sigterm() {
    for (signal, code) in [
        (rustix::process::Signal::INT, 130),
        (rustix::process::Signal::TERM, 143),
    ] {
        let bin = Binary::new();
        let tmp = TempDir::new("hostile-demo-tmp");
        let mut demo = command(&bin.path, As::Me)
            .args(["demo", "--workers", "2", "--requests", "100000000"])
            .env("TMPDIR", &tmp.0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("demo");
        let mut out = BufReader::new(demo.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("first line");
        assert!(line.starts_with("qsal demo:"), "{line}");
        let pid = demo.id();
        wait_until("workers run", || children_of(pid).len() >= 3);
        let workers = children_of(pid);
        rustix::process::kill_process(
            rustix::process::Pid::from_raw(pid as i32).expect("pid"),
            signal,
        )
        .expect("signal");
        let output = finish(demo, "demo after a signal");
        assert_eq!(output.status.code(), Some(code), "{}", text(&output.stderr));
        for worker in workers {
            assert!(gone(worker), "worker {worker} survived the demo");
        }
        let left: Vec<_> = std::fs::read_dir(&tmp.0).expect("tmp").collect();
        assert!(
            left.is_empty(),
            "the temporary runtime directory is removed: {left:?}"
        );
    }
}

#[test]
fn names_that_are_not_user_sections_are_explained() {
    let setup = Setup::new("hostile-names");
    let kernel = setup.path("../kernel_c6xx_dev0.conf");
    std::fs::write(
        &kernel,
        user_config(&[("SSL", 3, 0)]) + "[KERNEL]\nNumberCyInstances = 0\nNumberDcInstances = 0\n",
    )
    .expect("config");
    let device = format!("c6xx={}", kernel.display());
    let up = run(
        &setup.qsal.path,
        As::Me,
        &["up", "--runtime-dir", setup.r(), "--device", &device],
    );
    assert_eq!(up.status.code(), Some(0), "{}", text(&up.stderr));
    for (name, expected) in [
        ("KERNEL", "[KERNEL] is a kernel section"),
        ("GENERAL", "[GENERAL] is the device-wide settings section"),
        (
            "SSL_INT_0",
            "[SSL_INT_0] is a derived section, one process's share of [SSL]; start with [SSL]",
        ),
    ] {
        for command in ["probe", "hold"] {
            let out = setup.qsal(As::Me, &[command, name]);
            assert_eq!(out.status.code(), Some(1), "{command} {name}");
            assert!(
                text(&out.stderr).contains(expected),
                "{command} {name}: {}",
                text(&out.stderr)
            );
            assert!(
                !text(&out.stderr).contains("0 of 0"),
                "{}",
                text(&out.stderr)
            );
        }
    }
    let missing = setup.path("../no/such/run");
    let out = run(
        &setup.qsal.path,
        As::Me,
        &[
            "up",
            "--runtime-dir",
            missing.to_str().expect("utf-8"),
            "--device",
            &device,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("parent") && text(&out.stderr).contains("/no"),
        "{}",
        text(&out.stderr)
    );
    assert!(!setup.path("../no").exists(), "no parent was created");
}
