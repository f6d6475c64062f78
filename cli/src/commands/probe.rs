//! `qsal probe`: would a start of SECTION get a slot now? Takes nothing.

use std::process::ExitCode;

use qsal_backend_linux::linux_sal;

use crate::error::CliError;
use crate::runtime_arg::RuntimeArg;

/// Arguments of `qsal probe`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status 0 when a start of SECTION would get a slot now, 1 when not \
(the reason is printed). Takes nothing."
)]
pub struct Args {
    #[command(flatten)]
    pub runtime: RuntimeArg,
    /// The section to probe.
    #[arg(value_name = "SECTION")]
    pub section: String,
}

/// Runs `qsal probe`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let runtime = args.runtime.resolve()?;
    let probe = linux_sal(&runtime).probe(args.section.as_bytes())?;
    println!(
        "{}: a start would get {} ({} of {} slots free)",
        args.section, probe.section, probe.free, probe.total
    );
    Ok(ExitCode::SUCCESS)
}
