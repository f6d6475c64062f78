//! `qsal`: check, expand and serve QuickAssist user-space configurations.
//!
//! Each subcommand lives in its own module under `commands/` and returns
//! `Result<ExitCode, CliError>`; this file parses the command line, dispatches, and prints a failure
//! once, with its exit status (1 when the checked thing failed, 2 for usage errors).

mod adf_ctl;
mod analysis;
mod commands;
mod device_args;
mod error;
mod format;
mod input;
mod render;
mod runtime_arg;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// qsal — the QuickAssist (QAT) user-space start/stop layer, its configuration and its slots.
#[derive(Debug, Parser)]
#[command(name = "qsal", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate configuration files and explain every problem with its line, cause and fix.
    Check(commands::check::Args),
    /// Print the configuration a device gets after section expansion (derived sections, cores, rings).
    Expand(commands::expand::Args),
    /// Check, expand and load device configurations (found on the PCI bus, or emulated) into the runtime directory.
    Up(commands::up::Args),
    /// Remove the device set, or one device, from the runtime directory (refused while slots are held).
    Down(commands::down::Args),
    /// Load a device's configuration again with a new generation (processes re-attach).
    Restart(commands::restart::Args),
    /// Show the devices and every slot with its holder.
    Status(commands::status::Args),
    /// Tell whether a start of SECTION would get a slot now, without taking one.
    Probe(commands::probe::Args),
    /// Take a slot of SECTION and hold it until a signal, or while COMMAND runs.
    Hold(commands::hold::Args),
    /// Print a Container Device Interface (CDI) spec of the slots, for container runtimes.
    Cdi(commands::cdi::Args),
    /// Run worker processes through emulated devices end to end, with live progress and a summary.
    Demo(commands::demo::Args),
    /// One worker process of `qsal demo` (internal).
    #[command(name = "__demo-worker", hide = true)]
    DemoWorker(commands::demo::worker::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Expand(args) => commands::expand::run(args),
        Command::Up(args) => commands::up::run(args),
        Command::Down(args) => commands::down::run(args),
        Command::Restart(args) => commands::restart::run(args),
        Command::Status(args) => commands::status::run(args),
        Command::Probe(args) => commands::probe::run(args),
        Command::Hold(args) => commands::hold::run(args),
        Command::Cdi(args) => commands::cdi::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::DemoWorker(args) => commands::demo::worker::run(args),
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("qsal: {error}");
        error.exit_code()
    })
}
