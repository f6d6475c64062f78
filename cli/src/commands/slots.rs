//! `qsal status`, `qsal probe` and `qsal hold`: looking at slots, asking for one, holding one.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use qsal_backend_linux::{RuntimeDir, linux_sal, sysfs};
use qsal_core::platform::Holder;
use serde::Serialize;

use super::check::Format;

/// Arguments of `qsal status`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Lists the devices of the runtime directory (and QAT devices found on the PCI bus) and every slot with
its holder: pid, command, uid and since when. A slot whose lease file exists but is not locked is free
(its holder died and the kernel released the lock).")]
pub struct StatusArgs {
    /// Runtime directory.
    #[arg(long = "runtime-dir", value_name = "D")]
    pub runtime_dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Arguments of `qsal probe`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status 0 when a start of SECTION would get a slot now, 1 when not (the reason is printed). Takes nothing."
)]
pub struct ProbeArgs {
    /// Runtime directory.
    #[arg(long = "runtime-dir", value_name = "D")]
    pub runtime_dir: Option<PathBuf>,
    /// The section to probe.
    #[arg(value_name = "SECTION")]
    pub section: String,
}

/// Arguments of `qsal hold`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Takes a slot of SECTION and prints the derived section name as the first line on stdout. Without
COMMAND it holds the slot until SIGTERM or SIGINT; with COMMAND it runs it with QAT_SECTION_NAME set
to the derived name, forwards SIGTERM and SIGINT to it, and releases the slot when it exits (exiting
with its status). If no slot can be taken the reason is printed and the exit status is 1.")]
pub struct HoldArgs {
    /// Runtime directory.
    #[arg(long = "runtime-dir", value_name = "D")]
    pub runtime_dir: Option<PathBuf>,
    /// The section to take a slot of.
    #[arg(value_name = "SECTION")]
    pub section: String,
    /// A command to run while the slot is held.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Serialize)]
struct StatusJson {
    runtime_dir: String,
    devices: Vec<DeviceJson>,
    hardware: Vec<HardwareJson>,
    slots: Vec<SlotJson>,
}

#[derive(Serialize)]
struct DeviceJson {
    accel_id: u32,
    #[serde(rename = "type")]
    device_type: String,
    emulated: bool,
    file: String,
}

#[derive(Serialize)]
struct HardwareJson {
    pci: String,
    #[serde(rename = "type")]
    device_type: String,
    driver: Option<String>,
}

#[derive(Serialize)]
struct SlotJson {
    section: String,
    name: String,
    devices: Vec<u32>,
    holder: Option<HolderJson>,
}

#[derive(Serialize)]
struct HolderJson {
    pid: u32,
    uid: u32,
    command: String,
    since: u64,
}

fn holder_json(h: &Holder) -> HolderJson {
    HolderJson {
        pid: h.pid,
        uid: h.uid,
        command: h.command.to_string(),
        since: h.since,
    }
}

fn sysfs_root() -> PathBuf {
    std::env::var_os("QSAL_SYSFS_ROOT").map_or_else(|| PathBuf::from("/sys"), PathBuf::from)
}

/// Runs `qsal status`.
pub fn run_status(args: &StatusArgs) -> ExitCode {
    let runtime = match RuntimeDir::resolve(args.runtime_dir.as_deref()) {
        Ok(r) => r,
        Err(e) => return super::fail(&e),
    };
    let sal = linux_sal(&runtime);
    let snapshot = match sal.devices().loaded() {
        Ok(s) => s,
        Err(e) => return super::fail(&e),
    };
    let devices: Vec<DeviceJson> = snapshot
        .devices()
        .iter()
        .map(|d| DeviceJson {
            accel_id: d.info.accel_id,
            device_type: d.info.device_type.name().to_string(),
            emulated: true,
            file: d.path.display().to_string(),
        })
        .collect();
    let hardware: Vec<HardwareJson> = sysfs::qat_devices(&sysfs_root())
        .iter()
        .map(|d| HardwareJson {
            pci: d.address.to_string(),
            device_type: d.device_type.name().to_string(),
            driver: d.driver.clone(),
        })
        .collect();
    let mut slots: BTreeMap<(String, usize, String), SlotJson> = BTreeMap::new();
    let mut order = 0usize;
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    if !devices.is_empty() {
        let listed = sal.holders(|info| {
            let position = *keys.entry(info.name.to_string()).or_insert_with(|| {
                order += 1;
                order
            });
            let entry = slots
                .entry((info.section.to_string(), position, info.name.to_string()))
                .or_insert_with(|| SlotJson {
                    section: info.section.to_string(),
                    name: info.name.to_string(),
                    devices: Vec::new(),
                    holder: info.holder.as_ref().map(holder_json),
                });
            entry.devices.push(info.accel_id);
        });
        if let Err(e) = listed {
            eprintln!("qsal: {e}");
            return ExitCode::from(1);
        }
    }
    let status = StatusJson {
        runtime_dir: runtime.root().display().to_string(),
        devices,
        hardware,
        slots: slots.into_values().collect(),
    };
    match args.format {
        Format::Json => match serde_json::to_string(&status) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("qsal: {e}");
                return ExitCode::from(1);
            }
        },
        Format::Text => print!("{}", status_text(&status)),
    }
    ExitCode::SUCCESS
}

fn status_text(status: &StatusJson) -> String {
    let mut out = format!("runtime directory: {}\n", status.runtime_dir);
    if status.devices.is_empty() {
        out.push_str("devices: none up (run `qsal up --device TYPE=FILE ...`)\n");
    } else {
        out.push_str("devices:\n");
        let rows: Vec<Vec<String>> = status
            .devices
            .iter()
            .map(|d| {
                vec![
                    d.accel_id.to_string(),
                    d.device_type.clone(),
                    "emulated".to_string(),
                    d.file.clone(),
                ]
            })
            .collect();
        out.push_str(&table(&["ACCEL", "TYPE", "KIND", "FILE"], &rows));
    }
    if !status.hardware.is_empty() {
        out.push_str("QAT devices on the PCI bus:\n");
        let rows: Vec<Vec<String>> = status
            .hardware
            .iter()
            .map(|h| {
                vec![
                    h.pci.clone(),
                    h.device_type.clone(),
                    h.driver.clone().unwrap_or_else(|| "-".to_string()),
                ]
            })
            .collect();
        out.push_str(&table(&["PCI", "TYPE", "DRIVER"], &rows));
    }
    if !status.slots.is_empty() {
        out.push_str("slots:\n");
        let rows: Vec<Vec<String>> = status
            .slots
            .iter()
            .map(|s| {
                let devices: Vec<String> = s.devices.iter().map(u32::to_string).collect();
                let holder = s.holder.as_ref().map_or_else(
                    || "free".to_string(),
                    |h| {
                        format!(
                            "pid {} ({}, uid {}, held for {})",
                            h.pid,
                            h.command,
                            h.uid,
                            held_for(h.since)
                        )
                    },
                );
                vec![s.section.clone(), s.name.clone(), devices.join(","), holder]
            })
            .collect();
        out.push_str(&table(&["SECTION", "SLOT", "DEVICES", "HOLDER"], &rows));
        let mut sections: Vec<(&str, usize, usize)> = Vec::new();
        for slot in &status.slots {
            match sections
                .iter_mut()
                .find(|(name, _, _)| *name == slot.section)
            {
                Some(entry) => {
                    entry.1 += usize::from(slot.holder.is_some());
                    entry.2 += 1;
                }
                None => sections.push((&slot.section, usize::from(slot.holder.is_some()), 1)),
            }
        }
        let summary: Vec<String> = sections
            .iter()
            .map(|(name, used, total)| format!("[{name}] {used} of {total} in use"))
            .collect();
        out.push_str(&format!("summary: {}\n", summary.join(", ")));
    }
    out
}

/// `42s`, `3m05s`, `2h07m` since the Unix time `since`.
fn held_for(since: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let secs = now.saturating_sub(since);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
    }
}

/// Formats an aligned table with two-space indentation.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::from("  ");
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        text.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// Runs `qsal probe`.
pub fn run_probe(args: &ProbeArgs) -> ExitCode {
    let runtime = match RuntimeDir::resolve(args.runtime_dir.as_deref()) {
        Ok(r) => r,
        Err(e) => return super::fail(&e),
    };
    match linux_sal(&runtime).probe(args.section.as_bytes()) {
        Ok(probe) => {
            println!(
                "{}: a start would get {} ({} of {} slots free)",
                args.section, probe.section, probe.free, probe.total
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("qsal: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs `qsal hold`.
pub fn run_hold(args: &HoldArgs) -> ExitCode {
    let runtime = match RuntimeDir::resolve(args.runtime_dir.as_deref()) {
        Ok(r) => r,
        Err(e) => return super::fail(&e),
    };
    let signals = match signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qsal: cannot install signal handlers: {e}");
            return ExitCode::from(1);
        }
    };
    let sal = linux_sal(&runtime);
    let started = match sal.start(args.section.as_bytes()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qsal: {e}");
            return ExitCode::from(1);
        }
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", started.section);
    let _ = stdout.flush();
    let code = if args.command.is_empty() {
        let mut signals = signals;
        let _ = signals.forever().next();
        ExitCode::SUCCESS
    } else {
        run_command(&args.command, &started.section, signals)
    };
    if let Err(e) = sal.stop() {
        eprintln!("qsal: {e}");
        return ExitCode::from(1);
    }
    code
}

fn run_command(
    command: &[String],
    section: &str,
    mut signals: signal_hook::iterator::Signals,
) -> ExitCode {
    let mut child = match std::process::Command::new(&command[0])
        .args(&command[1..])
        .env("QAT_SECTION_NAME", section)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!(
                "qsal: cannot run `{}`: {e}",
                Path::new(&command[0]).display()
            );
            return ExitCode::from(1);
        }
    };
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap_or(0));
    let handle = signals.handle();
    let forwarder = std::thread::spawn(move || {
        for signal in signals.forever() {
            if let (Some(pid), Some(sig)) = (pid, rustix::process::Signal::from_named_raw(signal)) {
                let _ = rustix::process::kill_process(pid, sig);
            }
        }
    });
    let status = child.wait();
    handle.close();
    let _ = forwarder.join();
    match status {
        Ok(status) => {
            use std::os::unix::process::ExitStatusExt as _;
            let code = status
                .code()
                .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
        Err(e) => {
            eprintln!("qsal: waiting for the command failed: {e}");
            ExitCode::from(1)
        }
    }
}
