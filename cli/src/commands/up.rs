//! `qsal up`: check, expand and load a device set into the runtime directory.

use std::path::PathBuf;
use std::process::ExitCode;

use qsal_backend_linux::store::{self, DeviceInput, UpError};
use qsal_core::{DeviceType, Diagnostic};

use crate::analysis::Analysis;
use crate::error::CliError;
use crate::input::SourceFile;
use crate::render::{self, Finding};
use crate::runtime_arg::RuntimeArg;

/// Arguments of `qsal up`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each --device TYPE=FILE is one device, in accel-id order (the first is \
device 0). The files are checked as `qsal check` checks them (errors stop the load and are printed \
on stderr), expanded, and written into the runtime directory as one set that replaces the previous \
one at once. A device set is only replaced while no slot is held.\n\nThe runtime directory is \
created (never its parents) with mode 2770 and files with 0660: members of its group can start \
processes without root. Run `up` as root or as the directory's owner: everything below the \
directory is trusted only when they wrote it."
)]
pub struct Args {
    #[command(flatten)]
    pub runtime: RuntimeArg,
    /// A device: its type and its configuration file (for example c6xx=/etc/c6xx_dev0.conf).
    #[arg(long = "device", value_name = "TYPE=FILE", required = true, value_parser = parse_device)]
    pub devices: Vec<(DeviceType, PathBuf)>,
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

/// Says that another `up` or `down` holds the runtime directory's lock.
pub fn waiting() {
    eprintln!(
        "qsal: another `qsal up` or `qsal down` is running in this runtime directory; waiting for it to finish"
    );
}

/// Runs `qsal up`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let runtime = args.runtime.resolve()?;
    let files = args
        .devices
        .iter()
        .map(|(_, path)| SourceFile::read(path))
        .collect::<Result<Vec<_>, _>>()?;
    let inputs: Vec<DeviceInput<'_>> = args
        .devices
        .iter()
        .zip(&files)
        .map(|((device_type, source), file)| DeviceInput {
            device_type: *device_type,
            source,
            text: &file.bytes,
        })
        .collect();
    let show = |findings: &[Vec<Diagnostic<'_>>]| {
        for (file, found) in files.iter().zip(findings) {
            let all: Vec<Finding<'_>> = found
                .iter()
                .cloned()
                .map(|d| Finding::new(d, false))
                .collect();
            eprint!("{}", render::text(file, &all, false));
        }
    };
    let loaded = match store::up(&runtime, &inputs, waiting) {
        Ok(loaded) => loaded,
        Err(UpError::Invalid(findings)) => {
            show(&findings);
            return Err(CliError::ConfigErrors {
                what: "the device set".to_string(),
                action: "nothing was loaded",
            });
        }
        Err(UpError::Store(e)) => return Err(e.into()),
        Err(e @ UpError::Expand { .. }) => return Err(CliError::Expand(e.to_string())),
    };
    show(&loaded.findings);
    for (accel_id, ((device, source), summary)) in
        args.devices.iter().zip(&loaded.summaries).enumerate()
    {
        println!(
            "device {accel_id}: {device} from {}: {} instances in {} of {} banks",
            source.display(),
            summary.instances,
            summary.banks_used,
            summary.banks
        );
    }
    let types: Vec<Option<DeviceType>> = args.devices.iter().map(|(t, _)| Some(*t)).collect();
    for line in Analysis::run(&files, &types, false).slot_summary() {
        println!("{line}");
    }
    println!("runtime directory: {}", runtime.root().display());
    Ok(ExitCode::SUCCESS)
}
