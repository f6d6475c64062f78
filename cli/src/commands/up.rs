//! `qsal up` and `qsal down`: load a device set into the runtime directory, and remove it.

use std::path::PathBuf;
use std::process::ExitCode;

use qsal_backend_linux::RuntimeDir;
use qsal_backend_linux::store::{self, DeviceConfig, StoreError};
use qsal_core::DeviceType;
use qsal_core::expand::{ConfWriter, expand};

use crate::analysis::Analysis;
use crate::render;

/// Arguments of `qsal up`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each --device TYPE=FILE is one device, in accel-id order (the first is device 0). The files are checked
as `qsal check` checks them (errors stop the load and are printed), expanded, and written into the
runtime directory, each atomically. A device set is only replaced while no slot is held.

The runtime directory is --runtime-dir, else $QSAL_RUNTIME_DIR, else /run/qsal for root, else
$XDG_RUNTIME_DIR/qsal. It is created with mode 0770 and files with 0660: members of its group can
start processes without root.")]
pub struct UpArgs {
    /// Runtime directory.
    #[arg(long = "runtime-dir", value_name = "D")]
    pub runtime_dir: Option<PathBuf>,
    /// A device: its type and its configuration file (for example c6xx=/etc/c6xx_dev0.conf).
    #[arg(long = "device", value_name = "TYPE=FILE", required = true, value_parser = parse_device)]
    pub devices: Vec<(DeviceType, PathBuf)>,
}

/// Arguments of `qsal down`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Removes the device set and the lease files. Refuses while slots are held and lists the holders;
--force removes them anyway (the holders' next start or stop reports that their lease was lost).")]
pub struct DownArgs {
    /// Runtime directory.
    #[arg(long = "runtime-dir", value_name = "D")]
    pub runtime_dir: Option<PathBuf>,
    /// Remove the device set even while slots are held.
    #[arg(long)]
    pub force: bool,
}

fn parse_device(spec: &str) -> Result<(DeviceType, PathBuf), String> {
    let (kind, file) = spec.split_once('=').ok_or_else(|| {
        format!("`{spec}` is not TYPE=FILE (for example c6xx=/etc/c6xx_dev0.conf)")
    })?;
    let device = super::parse_device_type(kind)?;
    if file.is_empty() {
        return Err(format!("`{spec}` names no file"));
    }
    Ok((device, PathBuf::from(file)))
}

/// Runs `qsal up`.
pub fn run_up(args: &UpArgs) -> ExitCode {
    let runtime = match RuntimeDir::resolve(args.runtime_dir.as_deref()) {
        Ok(r) => r,
        Err(e) => return super::fail(&e),
    };
    let paths: Vec<PathBuf> = args.devices.iter().map(|(_, p)| p.clone()).collect();
    let files = match super::read_all(&paths) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let types: Vec<Option<DeviceType>> = args.devices.iter().map(|(t, _)| Some(*t)).collect();
    let analysis = Analysis::run(&files, &types, false);
    for (file, findings) in files.iter().zip(&analysis.findings) {
        print!("{}", render::text(file, findings, false));
    }
    if analysis.has_errors() {
        eprintln!("qsal: the configuration has errors; nothing was loaded");
        return ExitCode::from(1);
    }
    let mut expanded = Vec::new();
    for (accel_id, (config, (device, _))) in analysis.configs.iter().zip(&args.devices).enumerate()
    {
        let mut text = String::new();
        let accel = u32::try_from(accel_id).unwrap_or(u32::MAX);
        match expand(config, *device, accel, &mut ConfWriter::new(&mut text)) {
            Ok(summary) => expanded.push((text, summary)),
            Err(e) => {
                eprintln!("qsal: device {accel_id} cannot be expanded: {e:?}");
                return ExitCode::from(1);
            }
        }
    }
    let configs: Vec<DeviceConfig<'_>> = args
        .devices
        .iter()
        .zip(&expanded)
        .map(|((device_type, source), (text, _))| DeviceConfig {
            device_type: *device_type,
            source,
            expanded: text,
        })
        .collect();
    match store::write_devices(&runtime, &configs, waiting) {
        Ok(()) => {}
        Err(StoreError::Busy(holders)) => {
            eprintln!(
                "qsal: a device set is already up in {} and {}",
                runtime.root().display(),
                StoreError::Busy(holders)
            );
            return ExitCode::from(1);
        }
        Err(StoreError::Failed(e)) => return super::fail(&e),
    }
    for (accel_id, ((device, source), (_, summary))) in
        args.devices.iter().zip(&expanded).enumerate()
    {
        println!(
            "device {accel_id}: {device} from {}: {} instances in {} of {} banks",
            source.display(),
            summary.instances,
            summary.banks_used,
            summary.banks
        );
    }
    for line in analysis.slot_summary() {
        println!("{line}");
    }
    println!("runtime directory: {}", runtime.root().display());
    ExitCode::SUCCESS
}

/// Says that another `up` or `down` holds the runtime directory's lock.
fn waiting() {
    eprintln!(
        "qsal: another `qsal up` or `qsal down` is running in this runtime directory; waiting for it to finish"
    );
}

/// Runs `qsal down`.
pub fn run_down(args: &DownArgs) -> ExitCode {
    let runtime = match RuntimeDir::resolve(args.runtime_dir.as_deref()) {
        Ok(r) => r,
        Err(e) => return super::fail(&e),
    };
    match store::remove_devices(&runtime, args.force, waiting) {
        Ok(forced) => {
            for (name, holder) in &forced {
                println!(
                    "removed the lease of {name} held by pid {} ({})",
                    holder.pid, holder.command
                );
            }
            println!("the device set in {} is down", runtime.root().display());
            ExitCode::SUCCESS
        }
        Err(StoreError::Busy(holders)) => {
            eprintln!(
                "qsal: refusing to take the devices down: {} (or use --force)",
                StoreError::Busy(holders)
            );
            ExitCode::from(1)
        }
        Err(StoreError::Failed(e)) => super::fail(&e),
    }
}
