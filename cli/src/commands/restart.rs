//! `qsal restart`: load a device's configuration again and give it a new generation, as
//! `adf_ctl restart` does; started processes re-attach on `icp_sal_poll_device_events`.

use std::process::ExitCode;

use qsal_backend_linux::device_file::Origin;
use qsal_backend_linux::load::{self, Hardware};
use qsal_backend_linux::{LinuxDevices, LoadedDevice};
use qsal_core::DeviceType;

use super::up::{Plan, Planned, waiting};
use crate::device_args::{parse_device, parse_device_name};
use crate::error::CliError;
use crate::runtime_arg::RuntimeArg;

/// Arguments of `qsal restart`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Reads each device's configuration file again — the file it was loaded from, \
recorded in its device file (`qsal status` shows it), or the one given with --device — checks \
and expands it, and replaces the device with a new generation. Slots held on it stay held as long \
as their sections still exist; processes holding them re-attach to the restarted device on their \
next icp_sal_poll_device_events. Without a device, every device is restarted in turn."
)]
pub struct Args {
    #[command(flatten)]
    pub runtime: RuntimeArg,
    /// Restart only this device (qat_dev0, qat_dev1, …).
    #[arg(value_name = "qat_devN", value_parser = parse_device_name)]
    pub target: Option<u32>,
    /// Load this configuration instead of the recorded one (requires qat_devN).
    #[arg(long = "device", value_name = "TYPE=FILE", value_parser = parse_device, requires = "target")]
    pub device: Option<(DeviceType, std::path::PathBuf)>,
}

/// How `restart` reloads a device that is up.
fn planned(device: &LoadedDevice) -> Planned {
    let meta = &device.meta;
    Planned {
        accel_id: meta.accel_id,
        device_type: meta.device_type,
        hardware: (meta.origin == Origin::Hardware).then_some(Hardware {
            bsf: meta.bsf,
            node_id: meta.node_id,
            inst_id: meta.inst_id,
        }),
    }
}

/// Runs `qsal restart`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let runtime = args.runtime.resolve()?;
    let snapshot = LinuxDevices::new(&runtime).loaded()?;
    let targets: Vec<&LoadedDevice> = match args.target {
        Some(accel_id) => vec![
            snapshot
                .device(accel_id)
                .ok_or(CliError::NotUp { accel_id })?,
        ],
        None => snapshot.devices().iter().collect(),
    };
    if targets.is_empty() {
        return Err(CliError::Linux(qsal_backend_linux::LinuxError::NotUp {
            root: runtime.root().to_path_buf(),
        }));
    }
    for device in targets {
        let mut plan = Plan::new();
        let mut next = planned(device);
        match &args.device {
            Some((device_type, path)) => {
                next.device_type = *device_type;
                plan.add(next, path)?;
            }
            None => plan.add(next, &device.meta.source)?,
        }
        let inputs = plan.inputs();
        let accel_id = next.accel_id;
        plan.report(load::restart_device(
            &runtime, accel_id, &inputs[0], waiting,
        ))?;
        println!(
            "qat_dev{accel_id} restarted from {}",
            plan.files[0].path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
