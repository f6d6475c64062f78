//! `adf_ctl`-style operation: `qsal up` finds the devices on a (fake) PCI bus and reads each one's
//! `/etc/<type>_dev<inst>.conf`; `qsal up|down|restart qat_dev<N>` act on one device; `qsal
//! status` prints `adf_ctl status` lines that the Kubernetes device plugin's expression parses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use qsal_tests::output::{succeeded, text};
use qsal_tests::{TempDir, corpus_file, user_config};
use regex::Regex;

/// The expression Intel's Kubernetes QAT plugin (kernel driver mode) applies to each line of
/// `adf_ctl status`.
const PLUGIN_EXPRESSION: &str = r"type: (?P<devtype>[[:alnum:]]+), .* inst_id: (?P<instid>[0-9]+), .* bsf: ([0-9a-f]{4}:)?(?P<bsf>[0-9a-f]{2}:[0-9a-f]{2}\.[0-9a-f]), .* state: (?P<state>[[:alpha:]]+)$";

fn qsal(args: &[&str], sysfs: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qsal"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("QSAL_SYSFS_ROOT", sysfs)
        .output()
        .expect("run qsal")
}

/// A machine: a sysfs tree with a c6xx at 0000:3d:00.0 (node 0) and a 4xxx at 0000:6b:00.0
/// (node 1), `/etc`-like configuration files for both, and a runtime directory.
struct Machine {
    dir: TempDir,
}

impl Machine {
    fn new(label: &str) -> Self {
        let dir = TempDir::new(label);
        for (address, device, node) in
            [("0000:3d:00.0", "0x37c8", 0), ("0000:6b:00.0", "0x4940", 1)]
        {
            let pci = dir.0.join("sys/bus/pci/devices").join(address);
            std::fs::create_dir_all(&pci).expect("sysfs");
            std::fs::write(pci.join("vendor"), "0x8086\n").expect("vendor");
            std::fs::write(pci.join("device"), format!("{device}\n")).expect("device");
            std::fs::write(pci.join("numa_node"), format!("{node}\n")).expect("node");
        }
        let etc = dir.0.join("etc");
        std::fs::create_dir_all(&etc).expect("etc");
        std::fs::copy(
            corpus_file("kerneldrv_test_data_all_is_good_c6xx_dev0.conf"),
            etc.join("c6xx_dev0.conf"),
        )
        .expect("c6xx config");
        std::fs::copy(
            corpus_file("QAT_Engine__qat_hw_config_4xxx_multi_process_4xxx_dev0.conf"),
            etc.join("4xxx_dev0.conf"),
        )
        .expect("4xxx config");
        Self { dir }
    }

    fn sysfs(&self) -> PathBuf {
        self.dir.0.join("sys")
    }

    fn run(&self, command: &str, extra: &[&str]) -> Output {
        let runtime = self.dir.0.join("run");
        let etc = self.dir.0.join("etc");
        let mut args = vec![command];
        args.extend_from_slice(extra);
        let runtime = runtime.to_string_lossy().into_owned();
        args.extend(["--runtime-dir", &runtime]);
        let etc = etc.to_string_lossy().into_owned();
        if command == "up" {
            args.extend(["--config-dir", &etc]);
        }
        qsal(&args, &self.sysfs())
    }

    /// The `qat_dev` lines of `qsal status`, each parsed by the plugin's expression:
    /// (accel id, type, inst id, bsf, state).
    fn status(&self) -> Vec<(String, String, String, String, String)> {
        let out = succeeded(&self.run("status", &[]));
        let expression = Regex::new(PLUGIN_EXPRESSION).expect("expression");
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with(" qat_dev")).collect();
        assert!(
            out.starts_with("Checking status of all devices.\n"),
            "{out}"
        );
        lines
            .iter()
            .map(|line| {
                let found = expression
                    .captures(line)
                    .unwrap_or_else(|| panic!("the plugin cannot parse `{line}`"));
                let accel = line.split_whitespace().next().unwrap_or_default();
                (
                    accel.to_string(),
                    found["devtype"].to_string(),
                    found["instid"].to_string(),
                    found["bsf"].to_string(),
                    found["state"].to_string(),
                )
            })
            .collect()
    }
}

fn row(
    accel: &str,
    kind: &str,
    inst: &str,
    bsf: &str,
    state: &str,
) -> (String, String, String, String, String) {
    (
        accel.to_string(),
        kind.to_string(),
        inst.to_string(),
        bsf.to_string(),
        state.to_string(),
    )
}

#[test]
fn up_finds_the_devices_on_the_bus_and_status_speaks_adf_ctl() {
    let machine = Machine::new("adf-up");
    assert_eq!(
        machine.status(),
        [
            row("qat_dev0", "c6xx", "0", "3d:00.0", "down"),
            row("qat_dev1", "4xxx", "0", "6b:00.0", "down"),
        ]
    );
    let out = succeeded(&machine.run("up", &[]));
    assert!(
        out.contains("qat_dev0 (c6xx, at 0000:3d:00.0) from "),
        "{out}"
    );
    assert!(out.contains("etc/c6xx_dev0.conf"), "{out}");
    assert!(
        out.contains("qat_dev1 (4xxx, at 0000:6b:00.0) from "),
        "{out}"
    );
    assert_eq!(
        machine.status(),
        [
            row("qat_dev0", "c6xx", "0", "3d:00.0", "up"),
            row("qat_dev1", "4xxx", "0", "6b:00.0", "up"),
        ]
    );
    let status = succeeded(&machine.run("status", &[]));
    assert!(
        status.contains(
            " qat_dev1 - type: 4xxx,  inst_id: 0,  node_id: 1,  bsf: 0000:6b:00.0,  #accel: 1 #engines: 9 state: up\n"
        ),
        "{status}"
    );
    assert!(status.contains("There is 2 QAT acceleration device(s) in the system:"));
    succeeded(&machine.run("down", &[]));
    assert!(machine.status().iter().all(|r| r.4 == "down"));
}

#[test]
fn one_device_at_a_time_up_restart_down() {
    let machine = Machine::new("adf-one");
    let out = succeeded(&machine.run("up", &["qat_dev1"]));
    assert!(out.contains("qat_dev1 (4xxx"), "{out}");
    assert_eq!(
        machine.status(),
        [
            row("qat_dev0", "c6xx", "0", "3d:00.0", "down"),
            row("qat_dev1", "4xxx", "0", "6b:00.0", "up"),
        ]
    );
    let again = machine.run("up", &["qat_dev1"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("qat_dev1 is up already; `qsal restart qat_dev1`"));
    succeeded(&machine.run("up", &["qat_dev0"]));
    assert!(machine.status().iter().all(|r| r.4 == "up"));
    let out = succeeded(&machine.run("restart", &["qat_dev0"]));
    assert!(out.contains("qat_dev0 restarted from "), "{out}");
    succeeded(&machine.run("down", &["qat_dev1"]));
    assert_eq!(
        machine.status(),
        [
            row("qat_dev0", "c6xx", "0", "3d:00.0", "up"),
            row("qat_dev1", "4xxx", "0", "6b:00.0", "down"),
        ]
    );
    let missing = machine.run("down", &["qat_dev1"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("qat_dev1 is not up"));
    let absent = machine.run("up", &["qat_dev7"]);
    assert!(
        text(&absent.stderr).contains("qat_dev7 is not on the PCI bus: 2 QAT device(s) found"),
        "{}",
        text(&absent.stderr)
    );
}

#[test]
fn discovery_explains_what_is_missing() {
    let machine = Machine::new("adf-missing");
    std::fs::remove_file(machine.dir.0.join("etc/4xxx_dev0.conf")).expect("remove");
    let out = machine.run("up", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("4xxx_dev0.conf"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !machine.dir.0.join("run/devices").exists(),
        "nothing was loaded"
    );
    let empty = TempDir::new("adf-empty-sys");
    let out = qsal(
        &[
            "up",
            "--runtime-dir",
            &machine.dir.0.join("run").to_string_lossy(),
        ],
        &empty.0,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no QAT device found in")
            && text(&out.stderr).contains("--device TYPE=FILE"),
        "{}",
        text(&out.stderr)
    );
    let both = machine.run(
        "up",
        &["qat_dev0", "--device", "c6xx=a", "--device", "c6xx=b"],
    );
    assert_eq!(both.status.code(), Some(2));
    assert!(text(&both.stderr).contains("qat_dev0 is one device"));
}

#[test]
fn emulated_devices_get_stable_addresses_and_can_be_added_and_restarted_one_by_one() {
    let machine = Machine::new("adf-emulated");
    let nobus = TempDir::new("adf-no-bus");
    let config = machine.dir.0.join("emulated.conf");
    std::fs::write(&config, user_config(&[("SHIM", 2, 0)])).expect("config");
    let device = format!("c6xx={}", config.display());
    let runtime = machine
        .dir
        .0
        .join("emulated-run")
        .to_string_lossy()
        .into_owned();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--runtime-dir", &runtime]);
        qsal(&all, &nobus.0)
    };
    succeeded(&run(&["up", "--device", &device]));
    succeeded(&run(&["up", "qat_dev3", "--device", &device]));
    let status = succeeded(&run(&["status"]));
    let expression = Regex::new(PLUGIN_EXPRESSION).expect("expression");
    let lines: Vec<&str> = status
        .lines()
        .filter(|l| l.starts_with(" qat_dev"))
        .collect();
    assert_eq!(lines.len(), 2, "{status}");
    assert!(lines.iter().all(|l| expression.is_match(l)), "{status}");
    assert!(
        lines[0].contains("qat_dev0 - type: c6xx,  inst_id: 0,  node_id: 0,  bsf: 0000:e0:00.0,")
    );
    assert!(
        lines[1].contains("qat_dev3 - type: c6xx,  inst_id: 1,  node_id: 0,  bsf: 0000:e0:03.0,")
    );
    // Restart re-reads the file the device was loaded from.
    std::fs::write(&config, user_config(&[("SHIM", 3, 0)])).expect("config");
    succeeded(&run(&["restart", "qat_dev3"]));
    let json = succeeded(&run(&["status", "--format", "json"]));
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("json");
    let slots = parsed["slots"].as_array().expect("slots");
    let shim3 = slots
        .iter()
        .find(|s| s["name"] == "SHIM_INT_2")
        .expect("SHIM_INT_2 exists after the restart");
    assert_eq!(shim3["devices"], serde_json::json!([3]), "{json}");
    assert_eq!(parsed["adf_ctl"][1]["bsf"], "0000:e0:03.0");
    let before = parsed["devices"][1]["generation"]
        .as_u64()
        .expect("generation");
    succeeded(&run(&["restart"]));
    let json = succeeded(&run(&["status", "--format", "json"]));
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert!(
        parsed["devices"][1]["generation"]
            .as_u64()
            .expect("generation")
            > before
    );
}
