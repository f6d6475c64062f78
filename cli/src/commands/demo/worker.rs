//! One demo worker process: starts through the C library's code path, pushes requests through every
//! ring pair it got, checks every response, reports on stdout, and stops.
//!
//! Lines: `START <section> <devices>`, `PROGRESS <responses>`, `DONE <requests> <responses> <errors>
//! <microseconds>`, or `ERR <message>`.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of the hidden worker subcommand.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Requests to send.
    #[arg(long)]
    pub requests: u64,
    /// Section to start.
    #[arg(long)]
    pub section: String,
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Runs one worker; its outcome is reported on stdout, so it never fails as a command.
pub fn run(args: &Args) -> Result<ExitCode, crate::error::CliError> {
    Ok(work(args))
}

fn work(args: &Args) -> ExitCode {
    let started = match qsal_backend_linux::process::start(args.section.as_bytes()) {
        Ok(started) => started,
        Err(e) => {
            say(&format!("ERR {e}"));
            return ExitCode::from(1);
        }
    };
    let devices = qsal_backend_linux::process::with_attachments(|attachments| {
        attachments
            .iter()
            .map(|a| a.accel_id().to_string())
            .collect::<Vec<_>>()
            .join(",")
    })
    .unwrap_or_default();
    say(&format!("START {} {devices}", started.section));
    let clock = Instant::now();
    let outcome = qsal_backend_linux::process::exchange(args.requests, |answered| {
        say(&format!("PROGRESS {answered}"));
    });
    let code = match outcome {
        Ok(done) => {
            say(&format!(
                "DONE {} {} {} {}",
                args.requests,
                done.responses,
                done.errors,
                clock.elapsed().as_micros()
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            say(&format!("ERR {e}"));
            ExitCode::from(1)
        }
    };
    if let Err(e) = qsal_backend_linux::process::stop() {
        say(&format!("ERR {e}"));
        return ExitCode::from(1);
    }
    code
}
