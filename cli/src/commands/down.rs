//! `qsal down`: remove the device set from the runtime directory.

use std::process::ExitCode;

use qsal_backend_linux::store;

use crate::error::CliError;
use crate::runtime_arg::RuntimeArg;

/// Arguments of `qsal down`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Removes the device set and the lease files. Refuses while slots are held \
and lists the holders; --force removes them anyway (the holders' next start or stop reports that \
their lease was lost), which only root or the user holding each such slot may do."
)]
pub struct Args {
    #[command(flatten)]
    pub runtime: RuntimeArg,
    /// Remove the device set even while slots are held.
    #[arg(long)]
    pub force: bool,
}

/// Runs `qsal down`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let runtime = args.runtime.resolve()?;
    let forced = store::remove_devices(&runtime, args.force, super::up::waiting)?;
    for (name, holder) in &forced {
        println!(
            "removed the lease of {name} held by pid {} ({})",
            holder.pid, holder.command
        );
    }
    println!("the device set in {} is down", runtime.root().display());
    Ok(ExitCode::SUCCESS)
}
