//! `qsal status`: the devices of the runtime directory and every slot with its holder.

use std::collections::BTreeMap;
use std::process::ExitCode;

use comfy_table::{Table, presets::NOTHING};
use qsal_backend_linux::device_file::Origin;
use qsal_backend_linux::discovery::discover;
use qsal_backend_linux::{linux_sal, sysfs};
use qsal_core::platform::Holder;
use serde::Serialize;

use crate::adf_ctl::{self, DeviceStatus};
use crate::device_args::SysfsArg;
use crate::error::CliError;
use crate::format::Format;
use crate::runtime_arg::RuntimeArg;

/// Arguments of `qsal status`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Starts with one line per device in the shape of `adf_ctl status` (qat_dev<N>, \
type, inst_id, node_id, bsf, #accel, #engines, state: devices of the runtime directory are up, \
QAT devices on the PCI bus that are not loaded are down), so scripts that parse `adf_ctl status` \
parse qsal's too. Then lists the devices of the runtime directory (and QAT devices found on the \
PCI bus) and every slot with its holder: pid, command, uid and since when. A slot whose lease file \
exists but is not locked is free (its holder died and the kernel released the lock). A slot whose \
lease file is missing or cannot be trusted is shown as unusable, with the reason: it is never \
handed out until `qsal up` recreates it."
)]
pub struct Args {
    #[command(flatten)]
    pub runtime: RuntimeArg,
    /// Output: text (the adf_ctl lines, tables of the devices and the slots, a summary line per
    /// section) or json (one object: `runtime_dir`, `adf_ctl` — one object per device line —,
    /// `devices`, `hardware` and `slots`, each slot with its holder or null).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub sysfs: SysfsArg,
}

#[derive(Serialize)]
struct StatusJson {
    runtime_dir: String,
    ring_memory: RingMemoryJson,
    adf_ctl: Vec<DeviceStatus>,
    devices: Vec<DeviceJson>,
    hardware: Vec<HardwareJson>,
    slots: Vec<SlotJson>,
}

#[derive(Serialize)]
struct RingMemoryJson {
    free_hugepages: u64,
    total_hugepages: u64,
    physical_addresses: bool,
    #[serde(skip)]
    line: String,
}

#[derive(Serialize)]
struct DeviceJson {
    accel_id: u32,
    #[serde(rename = "type")]
    device_type: String,
    emulated: bool,
    bsf: String,
    generation: u64,
    source: String,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    unusable: Option<String>,
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

/// Runs `qsal status`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let runtime = args.runtime.resolve()?;
    let sal = linux_sal(&runtime);
    let snapshot = sal.devices().loaded()?;
    let devices: Vec<DeviceJson> = snapshot
        .devices()
        .iter()
        .map(|d| DeviceJson {
            accel_id: d.info.accel_id,
            device_type: d.info.device_type.name().to_string(),
            emulated: d.meta.origin == Origin::Emulated,
            bsf: d.meta.bsf.to_string(),
            generation: d.meta.generation,
            source: d.meta.source.display().to_string(),
            file: d.path.display().to_string(),
        })
        .collect();
    let bus = discover(&args.sysfs.root, std::path::Path::new("/etc"));
    let adf_ctl = adf_ctl::devices(snapshot.devices(), &bus);
    let hardware: Vec<HardwareJson> = sysfs::qat_devices(&args.sysfs.root)
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
        sal.holders(|info| {
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
                    unusable: info.problem.as_ref().map(|p| p.to_string()),
                });
            entry.devices.push(info.accel_id);
        })?;
    }
    let status = StatusJson {
        runtime_dir: runtime.root().display().to_string(),
        ring_memory: {
            let system = qsal_backend_linux::dma::system(&args.sysfs.root);
            RingMemoryJson {
                free_hugepages: system.free_hugepages,
                total_hugepages: system.total_hugepages,
                physical_addresses: system.physical,
                line: system.to_string(),
            }
        },
        adf_ctl,
        devices,
        hardware,
        slots: slots.into_values().collect(),
    };
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string(&status)
                .map_err(|e| CliError::system("print the status as JSON", e.into()))?
        ),
        Format::Text => print!("{}", status_text(&status)),
    }
    Ok(ExitCode::SUCCESS)
}

/// An aligned table with a two-space indent and no borders.
fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut table = Table::new();
    table.load_style(NOTHING).set_header(header.to_vec());
    if let Some(first) = table.column_mut(0) {
        first.set_padding((2, 1));
    }
    for row in rows {
        table.add_row(row);
    }
    table
        .to_string()
        .lines()
        .map(|line| format!("{}\n", line.trim_end()))
        .collect()
}

fn status_text(status: &StatusJson) -> String {
    let mut out = adf_ctl::text(&status.adf_ctl);
    out.push_str(&format!("runtime directory: {}\n", status.runtime_dir));
    out.push_str(&format!("{}\n", status.ring_memory.line));
    if status.devices.is_empty() {
        out.push_str("devices: none up (run `qsal up`, or `qsal up --device TYPE=FILE ...`)\n");
    } else {
        out.push_str("devices:\n");
        out.push_str(&table(
            &["ACCEL", "TYPE", "KIND", "BSF", "SOURCE"],
            status.devices.iter().map(|d| {
                vec![
                    d.accel_id.to_string(),
                    d.device_type.clone(),
                    if d.emulated { "emulated" } else { "hardware" }.to_string(),
                    d.bsf.clone(),
                    d.source.clone(),
                ]
            }),
        ));
    }
    if !status.hardware.is_empty() {
        out.push_str("QAT devices on the PCI bus:\n");
        out.push_str(&table(
            &["PCI", "TYPE", "DRIVER"],
            status.hardware.iter().map(|h| {
                vec![
                    h.pci.clone(),
                    h.device_type.clone(),
                    h.driver.clone().unwrap_or_else(|| "-".to_string()),
                ]
            }),
        ));
    }
    if status.slots.is_empty() {
        return out;
    }
    out.push_str("slots:\n");
    out.push_str(&table(
        &["SECTION", "SLOT", "DEVICES", "HOLDER"],
        status.slots.iter().map(|s| {
            let devices: Vec<String> = s.devices.iter().map(u32::to_string).collect();
            let holder = match (&s.holder, &s.unusable) {
                (Some(h), _) => format!(
                    "pid {} ({}, uid {}, held for {})",
                    h.pid,
                    h.command,
                    h.uid,
                    held_for(h.since)
                ),
                (None, Some(problem)) => format!("unusable: {problem}"),
                (None, None) => "free".to_string(),
            };
            vec![s.section.clone(), s.name.clone(), devices.join(","), holder]
        }),
    ));
    let mut sections: Vec<(&str, usize, usize)> = Vec::new();
    for slot in &status.slots {
        let used = usize::from(slot.holder.is_some() || slot.unusable.is_some());
        match sections
            .iter_mut()
            .find(|(name, _, _)| *name == slot.section)
        {
            Some(entry) => {
                entry.1 += used;
                entry.2 += 1;
            }
            None => sections.push((&slot.section, used, 1)),
        }
    }
    let summary: Vec<String> = sections
        .iter()
        .map(|(name, used, total)| format!("[{name}] {used} of {total} in use"))
        .collect();
    out.push_str(&format!("summary: {}\n", summary.join(", ")));
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
