//! One demo worker process: starts through the C library's code path, pushes requests through every
//! ring pair it got, checks every response, reports on stdout, and stops.
//!
//! Lines: `START <section> <devices>`, `PROGRESS <responses>`, `DONE <requests> <responses> <errors>
//! <microseconds>`, or `ERR <message>`.

use std::collections::VecDeque;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of the hidden worker subcommand.
#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
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

/// Runs one worker.
pub fn run(args: &WorkerArgs) -> ExitCode {
    let started = match libqsal::process::start(args.section.as_bytes()) {
        Ok(started) => started,
        Err(e) => {
            say(&format!("ERR {e}"));
            return ExitCode::from(1);
        }
    };
    let devices = libqsal::process::with_attachments(|attachments| {
        attachments
            .iter()
            .map(|a| a.accel_id().to_string())
            .collect::<Vec<_>>()
            .join(",")
    })
    .unwrap_or_default();
    say(&format!("START {} {devices}", started.section));
    let clock = Instant::now();
    let outcome =
        libqsal::process::with_attachments(|attachments| pump(attachments, args.requests, &clock));
    let code = match outcome {
        Some(Ok((responses, errors))) => {
            say(&format!(
                "DONE {} {responses} {errors} {}",
                args.requests,
                clock.elapsed().as_micros()
            ));
            ExitCode::SUCCESS
        }
        Some(Err(e)) => {
            say(&format!("ERR {e}"));
            ExitCode::from(1)
        }
        None => {
            say("ERR the slot was lost before any request was sent");
            ExitCode::from(1)
        }
    };
    if let Err(e) = libqsal::process::stop() {
        say(&format!("ERR {e}"));
        return ExitCode::from(1);
    }
    code
}

/// Sends `total` requests round-robin over every ring pair, checking each response.
fn pump(
    attachments: &mut [qsal_backend_linux::Attachment],
    total: u64,
    clock: &Instant,
) -> Result<(u64, u64), String> {
    let pid = u64::from(std::process::id());
    let mut pairs: Vec<_> = attachments
        .iter_mut()
        .flat_map(|a| a.instances().iter_mut())
        .map(|instance| (instance, VecDeque::<(u64, u32)>::new()))
        .collect();
    if pairs.is_empty() {
        return Err("the slot came with no ring pairs".to_string());
    }
    let (mut sent, mut answered, mut errors) = (0u64, 0u64, 0u64);
    let mut reported = 0u64;
    let mut last_progress = clock.elapsed();
    let step = (total / 100).max(1);
    while answered < total {
        let mut progressed = false;
        for (instance, outstanding) in &mut pairs {
            for _ in 0..16 {
                if sent >= total {
                    break;
                }
                let opaque = pid << 32 | sent;
                let payload = opaque.to_le_bytes();
                match instance.pair.put(opaque, &payload) {
                    Ok(sum) => {
                        outstanding.push_back((opaque, sum));
                        sent += 1;
                    }
                    Err(_) => break,
                }
            }
            let got = instance.pair.poll(u32::MAX, |response| {
                let (opaque, sum) = outstanding.pop_front().unwrap_or((u64::MAX, 0));
                if response.verify(opaque, sum).is_err() {
                    errors += 1;
                }
                answered += 1;
            });
            progressed |= got > 0;
        }
        let now = clock.elapsed();
        if progressed {
            last_progress = now;
        } else if now.saturating_sub(last_progress).as_secs() >= 5 {
            return Err(format!(
                "no response for 5 s with {} requests in flight: the emulated device stalled",
                sent - answered
            ));
        } else {
            std::thread::yield_now();
        }
        if answered >= reported + step {
            reported = answered;
            say(&format!("PROGRESS {answered}"));
        }
    }
    Ok((answered, errors))
}
