//! `qsal up`: check, expand and load device configurations into the runtime directory — the
//! devices found on the PCI bus with their `/etc/<type>_dev<inst>.conf` files (as `adf_ctl up`
//! does), or emulated devices named with `--device TYPE=FILE`; all of them, or one (`qat_dev<N>`).

use std::process::ExitCode;

use qsal_backend_linux::load::{self, DeviceInput, Loaded, UpError};
use qsal_core::{DeviceType, Diagnostic};

use crate::analysis::Analysis;
use crate::device_args::{DiscoveryArgs, parse_device, parse_device_name};
use crate::error::CliError;
use crate::input::SourceFile;
use crate::render::{self, Finding};
use crate::runtime_arg::RuntimeArg;

/// Arguments of `qsal up`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without --device, the QAT devices on the PCI bus are found in sysfs (in address \
order: qat_dev0, qat_dev1, …) and each one's configuration is read from \
<config dir>/<type>_dev<inst>.conf, where <inst> counts the devices of that type — as `adf_ctl up` \
does. With --device TYPE=FILE, each option is one emulated device, in accel-id order.\n\n\
The files are checked as `qsal check` checks them (errors stop the load and are printed on \
stderr), expanded, and written into the runtime directory as one set that replaces the previous \
one at once — only while no slot is held. With qat_dev<N>, only that device is brought up, beside \
the devices already up and while their slots are held (with --device, exactly one); started \
processes attach to it on icp_sal_find_new_devices or icp_sal_poll_device_events.\n\n\
The runtime directory is created (never its parents) with mode 2770 and files with 0660: members \
of its group can start processes without root. Run `up` as root or as the directory's owner: \
everything below the directory is trusted only when they wrote it."
)]
pub struct Args {
    #[command(flatten)]
    pub runtime: RuntimeArg,
    /// Bring up only this device (qat_dev0, qat_dev1, …).
    #[arg(value_name = "qat_devN", value_parser = parse_device_name)]
    pub target: Option<u32>,
    /// An emulated device: its type and its configuration file (for example
    /// c6xx=/etc/c6xx_dev0.conf).
    #[arg(long = "device", value_name = "TYPE=FILE", value_parser = parse_device)]
    pub devices: Vec<(DeviceType, std::path::PathBuf)>,
    #[command(flatten)]
    pub discovery: DiscoveryArgs,
}

/// Says that another `up` or `down` holds the runtime directory's lock.
pub fn waiting() {
    eprintln!(
        "qsal: another `qsal up`, `down` or `restart` is running in this runtime directory; waiting for it to finish"
    );
}

/// One device to load: where it goes and what it is (its file is in [`Plan::files`]).
#[derive(Clone, Copy, Debug)]
pub struct Planned {
    /// Global accel id.
    pub accel_id: u32,
    /// Its type.
    pub device_type: DeviceType,
    /// Where it is on the PCI bus (`None`: emulated).
    pub hardware: Option<load::Hardware>,
}

/// The devices a command loads, and their configuration files (same order).
pub struct Plan {
    /// The devices.
    pub devices: Vec<Planned>,
    /// Their configuration files, read.
    pub files: Vec<SourceFile>,
}

impl Plan {
    /// An empty plan.
    pub fn new() -> Self {
        Self {
            devices: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Adds a device, reading its configuration file.
    pub fn add(&mut self, device: Planned, path: &std::path::Path) -> Result<(), CliError> {
        self.files.push(SourceFile::read(path)?);
        self.devices.push(device);
        Ok(())
    }

    /// The loader's view of the devices.
    pub fn inputs(&self) -> Vec<DeviceInput<'_>> {
        self.devices
            .iter()
            .zip(&self.files)
            .map(|(device, file)| DeviceInput {
                device_type: device.device_type,
                source: &file.path,
                text: &file.bytes,
                hardware: device.hardware,
            })
            .collect()
    }

    /// Prints each device's findings (warnings when it loaded) on stderr.
    pub fn show(&self, findings: &[Vec<Diagnostic<'_>>]) {
        for (file, found) in self.files.iter().zip(findings) {
            let all: Vec<Finding<'_>> = found
                .iter()
                .cloned()
                .map(|d| Finding::new(d, false))
                .collect();
            eprint!("{}", render::text(file, &all, false));
        }
    }

    /// The outcome of a load as the CLI reports it: findings printed, errors typed.
    pub fn report<'a>(
        &self,
        result: Result<Loaded<'a>, UpError<'a>>,
    ) -> Result<Loaded<'a>, CliError> {
        match result {
            Ok(loaded) => {
                self.show(&loaded.findings);
                Ok(loaded)
            }
            Err(UpError::Invalid(findings)) => {
                self.show(&findings);
                Err(CliError::ConfigErrors {
                    what: "the configuration".to_string(),
                    action: "nothing was loaded",
                })
            }
            Err(UpError::Store(e)) => Err(e.into()),
            Err(e @ UpError::Expand { .. }) => Err(CliError::Expand(e.to_string())),
            Err(UpError::AlreadyUp { accel_id }) => Err(CliError::AlreadyUp { accel_id }),
            Err(UpError::NotUp { accel_id }) => Err(CliError::NotUp { accel_id }),
        }
    }
}

/// The devices `up` loads, read from their files.
fn plan(args: &Args) -> Result<Plan, CliError> {
    let mut plan = Plan::new();
    let emulated = |accel_id: u32, device_type: DeviceType| Planned {
        accel_id,
        device_type,
        hardware: None,
    };
    let discovered = |d: &qsal_backend_linux::discovery::Discovered| Planned {
        accel_id: d.accel_id,
        device_type: d.device_type,
        hardware: Some(d.hardware),
    };
    match (args.target, args.devices.as_slice()) {
        (None, []) => {
            for d in args.discovery.discover()? {
                plan.add(discovered(&d), &d.config)?;
            }
        }
        (None, devices) => {
            for (accel_id, (device_type, path)) in (0u32..).zip(devices) {
                plan.add(emulated(accel_id, *device_type), path)?;
            }
        }
        (Some(accel_id), []) => {
            let d = args.discovery.find(accel_id)?;
            plan.add(discovered(&d), &d.config)?;
        }
        (Some(accel_id), [(device_type, path)]) => {
            plan.add(emulated(accel_id, *device_type), path)?;
        }
        (Some(accel_id), _) => {
            return Err(CliError::Usage(format!(
                "qat_dev{accel_id} is one device: give it one --device TYPE=FILE, or none to find it on the PCI bus"
            )));
        }
    }
    Ok(plan)
}

/// Runs `qsal up`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let runtime = args.runtime.resolve()?;
    let plan = plan(args)?;
    let inputs = plan.inputs();
    let result = match (args.target, inputs.as_slice()) {
        (Some(accel_id), [input]) => load::up_device(&runtime, accel_id, input, waiting),
        _ => load::up(&runtime, &inputs, waiting),
    };
    let loaded = plan.report(result)?;
    for ((device, file), summary) in plan.devices.iter().zip(&plan.files).zip(&loaded.summaries) {
        let place = device
            .hardware
            .map_or_else(|| "emulated".to_string(), |h| format!("at {}", h.bsf));
        println!(
            "qat_dev{} ({}, {place}) from {}: {} instances in {} of {} banks",
            device.accel_id,
            device.device_type,
            file.path.display(),
            summary.instances,
            summary.banks_used,
            summary.banks
        );
    }
    let types: Vec<Option<DeviceType>> = plan.devices.iter().map(|p| Some(p.device_type)).collect();
    let first = plan.devices.first().map_or(0, |d| d.accel_id);
    for line in Analysis::run_at(&plan.files, &types, first, false).slot_summary() {
        println!("{line}");
    }
    println!("runtime directory: {}", runtime.root().display());
    Ok(ExitCode::SUCCESS)
}
