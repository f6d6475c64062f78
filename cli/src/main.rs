//! `qsal`: check, expand and serve QuickAssist user-space configurations.
//!
//! Each subcommand lives in its own module under `commands/`; this file only parses the command
//! line and dispatches.

mod analysis;
mod commands;
mod render;
mod source;

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
    /// Check, expand and load device configurations into the runtime directory.
    Up(commands::up::UpArgs),
    /// Remove the device set from the runtime directory (refused while slots are held).
    Down(commands::up::DownArgs),
    /// Show the devices and every slot with its holder.
    Status(commands::slots::StatusArgs),
    /// Tell whether a start of SECTION would get a slot now, without taking one.
    Probe(commands::slots::ProbeArgs),
    /// Take a slot of SECTION and hold it until a signal, or while COMMAND runs.
    Hold(commands::slots::HoldArgs),
    /// Run worker processes through emulated devices end to end, with live progress and a summary.
    Demo(commands::demo::Args),
    /// One worker process of `qsal demo` (internal).
    #[command(name = "__demo-worker", hide = true)]
    DemoWorker(commands::demo::worker::WorkerArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Expand(args) => commands::expand::run(args),
        Command::Up(args) => commands::up::run_up(args),
        Command::Down(args) => commands::up::run_down(args),
        Command::Status(args) => commands::slots::run_status(args),
        Command::Probe(args) => commands::slots::run_probe(args),
        Command::Hold(args) => commands::slots::run_hold(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::DemoWorker(args) => commands::demo::worker::run(args),
    }
}
