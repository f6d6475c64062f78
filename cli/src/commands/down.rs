//! `qsal down`: take the device set — or one device, `qat_dev<N>` — out of the runtime directory.

use std::process::ExitCode;

use qsal_backend_linux::load;
use qsal_backend_linux::store;
use qsal_core::platform::Holder;

use crate::device_args::parse_device_name;
use crate::error::CliError;
use crate::runtime_arg::RuntimeArg;

/// Arguments of `qsal down`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without a device, removes the device set and the lease files; refuses while \
slots are held and lists the holders. With qat_dev<N>, removes only that device: slots held on \
other devices stay, and it refuses only when a held slot's section exists on no other device. \
--force removes held leases anyway (the holders' next start, stop or icp_sal_poll_device_events \
reports the lost lease), which only root or the user holding each such slot may do."
)]
pub struct Args {
    #[command(flatten)]
    pub runtime: RuntimeArg,
    /// Take down only this device (qat_dev0, qat_dev1, …).
    #[arg(value_name = "qat_devN", value_parser = parse_device_name)]
    pub target: Option<u32>,
    /// Go ahead even while slots are held.
    #[arg(long)]
    pub force: bool,
}

fn report_forced(forced: &[(String, Holder)]) {
    for (name, holder) in forced {
        println!(
            "removed the lease of {name} held by pid {} ({})",
            holder.pid, holder.command
        );
    }
}

/// Runs `qsal down`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let runtime = args.runtime.resolve()?;
    match args.target {
        None => {
            let forced = store::remove_devices(&runtime, args.force, super::up::waiting)?;
            report_forced(&forced);
            println!("the device set in {} is down", runtime.root().display());
        }
        Some(accel_id) => {
            let plan = super::up::Plan::new();
            let loaded = plan.report(load::down_device(
                &runtime,
                accel_id,
                args.force,
                super::up::waiting,
            ))?;
            report_forced(&loaded.forced);
            println!("qat_dev{accel_id} is down");
        }
    }
    Ok(ExitCode::SUCCESS)
}
