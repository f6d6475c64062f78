//! `qsal up / down / status / probe / hold` as an operator runs them, on a temporary runtime directory.

use std::process::{Command, Output, Stdio};

use qsal_tests::output::{first_line, succeeded, text};
use qsal_tests::{TempDir, user_config};

fn qsal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qsal"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("QSAL_SYSFS_ROOT", "/nonexistent")
        .output()
        .expect("run qsal")
}

/// A runtime directory with two c6xx devices: [SSL] pinned (2 per device), [SHIM] shared (2).
fn up(label: &str) -> (TempDir, String) {
    let dir = TempDir::new(label);
    let config = dir.0.join("c6xx_dev0.conf");
    std::fs::write(&config, user_config(&[("SSL", 2, 1), ("SHIM", 2, 0)])).expect("config");
    let runtime = dir.0.join("run").to_string_lossy().into_owned();
    let device = format!("c6xx={}", config.display());
    let output = qsal(&[
        "up",
        "--runtime-dir",
        &runtime,
        "--device",
        &device,
        "--device",
        &device,
    ]);
    succeeded(&output);
    (dir, runtime)
}

#[test]
fn up_writes_the_expanded_devices_and_status_shows_them() {
    let (_dir, runtime) = up("up");
    let devices = std::path::Path::new(&runtime).join("devices");
    let mut files: Vec<String> = std::fs::read_dir(&devices)
        .expect("devices")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["0.c6xx.conf", "1.c6xx.conf"]);
    let expanded = std::fs::read_to_string(devices.join("1.c6xx.conf")).expect("read");
    assert!(expanded.contains("[SSL_DEV1_INT_1]"), "{expanded}");
    let status = qsal(&["status", "--runtime-dir", &runtime, "--format", "json"]);
    assert_eq!(status.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).expect("json");
    assert_eq!(json["devices"].as_array().map(Vec::len), Some(2));
    let slots = json["slots"].as_array().expect("slots");
    assert_eq!(slots.len(), 6, "{slots:?}");
    let shim = slots
        .iter()
        .find(|s| s["name"] == "SHIM_INT_0")
        .expect("SHIM_INT_0");
    assert_eq!(shim["devices"], serde_json::json!([0, 1]));
    assert!(shim["holder"].is_null());
}

#[test]
fn up_refuses_a_file_with_errors_and_writes_nothing() {
    let dir = TempDir::new("up-bad");
    let config = dir.0.join("bad.conf");
    std::fs::write(
        &config,
        user_config(&[("SSL", 2, 1)]).replace("LimitDevAccess = 1", "LimitDevAccess = 0x1"),
    )
    .expect("config");
    let runtime = dir.0.join("run").to_string_lossy().into_owned();
    let output = qsal(&[
        "up",
        "--runtime-dir",
        &runtime,
        "--device",
        &format!("c6xx={}", config.display()),
    ]);
    assert_eq!(output.status.code(), Some(1));
    // The diagnostics and the verdict go to the same stream, in that order.
    let stderr = text(&output.stderr);
    let (diagnostic, verdict) = (
        stderr.find("error[Q301]").expect("the diagnostic"),
        stderr.find("nothing was loaded").expect("the verdict"),
    );
    assert!(diagnostic < verdict, "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(!std::path::Path::new(&runtime).join("devices").exists());
    assert_eq!(
        qsal(&["up", "--runtime-dir", &runtime, "--device", "c9xx=x"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        qsal(&["up", "--runtime-dir", &runtime, "--device", "c6xx"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn hold_prints_the_name_first_and_releases_on_sigterm() {
    let (_dir, runtime) = up("hold");
    let mut hold = Command::new(env!("CARGO_BIN_EXE_qsal"))
        .args(["hold", "--runtime-dir", &runtime, "SSL"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("hold");
    let first = first_line(&mut hold);
    assert_eq!(first, "SSL_DEV0_INT_0\n");
    let probe = qsal(&["probe", "--runtime-dir", &runtime, "SSL"]);
    assert_eq!(
        text(&probe.stdout),
        "SSL: a start would get SSL_DEV0_INT_1 (3 of 4 slots free)\n"
    );
    let status = text(&qsal(&["status", "--runtime-dir", &runtime]).stdout);
    assert!(
        status.contains(&format!("SSL_DEV0_INT_0  0        pid {} (qsal", hold.id())),
        "{status}"
    );
    assert!(
        status.contains("summary: [SHIM] 0 of 2 in use, [SSL] 1 of 4 in use"),
        "{status}"
    );
    let refused = qsal(&["down", "--runtime-dir", &runtime]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains(&format!("SSL_DEV0_INT_0 by pid {}", hold.id())));
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(hold.id() as i32).expect("pid"),
        rustix::process::Signal::TERM,
    )
    .expect("SIGTERM");
    assert_eq!(hold.wait().expect("wait").code(), Some(0));
    let probe = qsal(&["probe", "--runtime-dir", &runtime, "SSL"]);
    assert!(text(&probe.stdout).contains("SSL_DEV0_INT_0 (4 of 4 slots free)"));
    let down = qsal(&["down", "--runtime-dir", &runtime]);
    assert_eq!(down.status.code(), Some(0), "{}", text(&down.stderr));
    let gone = qsal(&["probe", "--runtime-dir", &runtime, "SSL"]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(
        text(&gone.stderr).contains("no QAT device is started"),
        "{}",
        text(&gone.stderr)
    );
}

#[test]
fn hold_runs_a_command_with_the_section_name_and_exits_with_its_status() {
    let (_dir, runtime) = up("hold-cmd");
    let output = qsal(&[
        "hold",
        "--runtime-dir",
        &runtime,
        "SHIM",
        "--",
        "sh",
        "-c",
        "echo \"got $QAT_SECTION_NAME\"; exit 3",
    ]);
    assert_eq!(text(&output.stdout), "SHIM_INT_0\ngot SHIM_INT_0\n");
    assert_eq!(output.status.code(), Some(3));
    let probe = qsal(&["probe", "--runtime-dir", &runtime, "SHIM"]);
    assert!(
        text(&probe.stdout).contains("(2 of 2 slots free)"),
        "released after the command"
    );
}

/// `QSAL_SLOT` (what the Kubernetes device plugin gives a container): `hold` takes exactly that
/// slot, even with lower ones free; a second holder of the same slot fails naming it and the holder,
/// without taking another slot.
#[test]
fn hold_takes_exactly_the_slot_qsal_slot_names() {
    let (_dir, runtime) = up("hold-slot");
    let mut first = Command::new(env!("CARGO_BIN_EXE_qsal"))
        .args(["hold", "--runtime-dir", &runtime, "SSL"])
        .env("QSAL_SLOT", "SSL_DEV1_INT_0")
        .stdout(Stdio::piped())
        .spawn()
        .expect("hold");
    assert_eq!(first_line(&mut first), "SSL_DEV1_INT_0\n");
    let second = Command::new(env!("CARGO_BIN_EXE_qsal"))
        .args(["hold", "--runtime-dir", &runtime, "SSL", "--", "true"])
        .env("QSAL_SLOT", "SSL_DEV1_INT_0")
        .output()
        .expect("second hold");
    assert_eq!(second.status.code(), Some(1));
    let stderr = text(&second.stderr);
    assert!(
        stderr.contains("slot SSL_DEV1_INT_0 was asked for by name (QSAL_SLOT)")
            && stderr.contains(&format!("pid {} (qsal", first.id())),
        "{stderr}"
    );
    let wrong = Command::new(env!("CARGO_BIN_EXE_qsal"))
        .args(["hold", "--runtime-dir", &runtime, "SHIM", "--", "true"])
        .env("QSAL_SLOT", "SSL_DEV0_INT_0")
        .output()
        .expect("wrong section");
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        text(&wrong.stderr).contains("is not a slot of [SHIM]"),
        "{}",
        text(&wrong.stderr)
    );
    // Only the pinned slot is held: three of four SSL slots are free, and no SHIM slot was taken.
    let probe = text(&qsal(&["probe", "--runtime-dir", &runtime, "SSL"]).stdout);
    assert!(
        probe.contains("SSL_DEV0_INT_0 (3 of 4 slots free)"),
        "{probe}"
    );
    let shim = text(&qsal(&["probe", "--runtime-dir", &runtime, "SHIM"]).stdout);
    assert!(shim.contains("(2 of 2 slots free)"), "{shim}");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(first.id() as i32).expect("pid"),
        rustix::process::Signal::TERM,
    )
    .expect("SIGTERM");
    assert_eq!(first.wait().expect("wait").code(), Some(0));
}

#[test]
fn hold_failures_are_typed_and_exit_one() {
    let (_dir, runtime) = up("hold-fail");
    for (section, expected) in [
        (
            "NOPE",
            "section [NOPE] is not configured on any started device; configured sections: [SHIM], [SSL]",
        ),
        ("../x", "section name `../x` cannot be used"),
    ] {
        let output = qsal(&["hold", "--runtime-dir", &runtime, section]);
        assert_eq!(output.status.code(), Some(1));
        assert!(output.stdout.is_empty());
        assert!(
            text(&output.stderr).contains(expected),
            "{}",
            text(&output.stderr)
        );
    }
}

#[test]
fn down_force_takes_leases_away_and_their_holders_notice() {
    let (_dir, runtime) = up("force");
    let mut hold = Command::new(env!("CARGO_BIN_EXE_qsal"))
        .args(["hold", "--runtime-dir", &runtime, "SHIM"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hold");
    assert_eq!(first_line(&mut hold), "SHIM_INT_0\n");
    let forced = qsal(&["down", "--force", "--runtime-dir", &runtime]);
    assert_eq!(forced.status.code(), Some(0));
    assert!(
        text(&forced.stdout).contains("removed the lease of SHIM_INT_0"),
        "{}",
        text(&forced.stdout)
    );
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(hold.id() as i32).expect("pid"),
        rustix::process::Signal::INT,
    )
    .expect("SIGINT");
    let output = hold.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("had been taken away"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn status_without_devices_and_help_everywhere() {
    let dir = TempDir::new("empty");
    let runtime = dir.0.join("run").to_string_lossy().into_owned();
    let status = qsal(&["status", "--runtime-dir", &runtime]);
    assert_eq!(status.status.code(), Some(0));
    assert!(text(&status.stdout).contains("devices: none up"));
    for command in ["up", "down", "status", "probe", "hold"] {
        let help = qsal(&[command, "--help"]);
        assert_eq!(help.status.code(), Some(0), "{command}");
        assert!(text(&help.stdout).contains("--runtime-dir"), "{command}");
    }
}

/// `qsal cdi` prints a CDI spec with every field the CDI specification requires: a cdiVersion,
/// a vendor/class kind, and devices with valid unique names, each with container edits (here the
/// slot it must take); plus the runtime directory mount. Without a device set it refuses.
#[test]
fn cdi_prints_a_valid_spec_of_the_slots() {
    let (_dir, runtime) = up("cdi");
    let output = qsal(&[
        "cdi",
        "--runtime-dir",
        &runtime,
        "--container-runtime-dir",
        "/run/qsal",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let spec: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let version = regex::Regex::new(r"^\d+\.\d+\.\d+$").expect("re");
    assert!(version.is_match(spec["cdiVersion"].as_str().expect("cdiVersion")));
    let kind = regex::Regex::new(
        r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?/[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9])?$",
    )
    .expect("re");
    assert!(
        kind.is_match(spec["kind"].as_str().expect("kind")),
        "{spec}"
    );
    let name_rule = regex::Regex::new(r"^[a-zA-Z0-9][a-zA-Z0-9_.:-]*$").expect("re");
    let devices = spec["devices"].as_array().expect("devices");
    let mut names = Vec::new();
    for device in devices {
        let name = device["name"].as_str().expect("name");
        assert!(name_rule.is_match(name), "{name}");
        let edits = device["containerEdits"]
            .as_object()
            .expect("containerEdits");
        assert!(
            !edits.is_empty(),
            "{name}: a device needs at least one container edit"
        );
        for env in edits["env"].as_array().expect("env") {
            assert!(env.as_str().expect("string").contains('='), "{env}");
        }
        names.push(name.to_string());
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "names are unique");
    assert_eq!(
        names,
        [
            "SHIM_dev0_0",
            "SHIM_dev0_1",
            "SSL_dev0_0",
            "SSL_dev0_1",
            "SSL_dev1_0",
            "SSL_dev1_1"
        ]
    );
    let ssl = &devices[4]["containerEdits"]["env"];
    assert_eq!(
        ssl,
        &serde_json::json!(["QSAL_SLOT=SSL_DEV1_INT_0", "QAT_SECTION_NAME=SSL"])
    );
    let mount = &spec["containerEdits"]["mounts"][0];
    assert_eq!(mount["hostPath"], runtime.as_str());
    assert_eq!(mount["containerPath"], "/run/qsal");
    assert_eq!(
        spec["containerEdits"]["env"],
        serde_json::json!(["QSAL_RUNTIME_DIR=/run/qsal"])
    );

    let bad_kind = qsal(&["cdi", "--runtime-dir", &runtime, "--kind", "Qsal"]);
    assert_eq!(bad_kind.status.code(), Some(2));
    assert!(text(&bad_kind.stderr).contains("is not a CDI kind"));
    let down = qsal(&["down", "--runtime-dir", &runtime]);
    assert_eq!(down.status.code(), Some(0));
    let empty = qsal(&["cdi", "--runtime-dir", &runtime]);
    assert_eq!(empty.status.code(), Some(1));
    assert!(
        text(&empty.stderr).contains("run `qsal up` first"),
        "{}",
        text(&empty.stderr)
    );
}
