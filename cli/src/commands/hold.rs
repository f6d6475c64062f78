//! `qsal hold`: take a slot of SECTION and hold it until a signal, or while COMMAND runs.

use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::process::ExitCode;

use qsal_backend_linux::linux_sal;
use rustix::process::{Pid, Signal};

use crate::error::CliError;
use crate::runtime_arg::RuntimeArg;

/// Arguments of `qsal hold`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Takes a slot of SECTION and prints the derived section name as the first \
line on stdout. Without COMMAND it holds the slot until SIGTERM or SIGINT; with COMMAND it runs it \
with QAT_SECTION_NAME set to the derived name, forwards SIGTERM and SIGINT to it, and releases the \
slot when it exits (exiting with its status). COMMAND never outlives `hold`: if `hold` is killed, \
even with SIGKILL, COMMAND is killed too, since the slot is then free for someone else. If no slot \
can be taken the reason is printed and the exit status is 1. With QSAL_SLOT set (the Kubernetes \
device plugin sets it to the slot it allocated), exactly that slot is taken or the start fails \
naming it and its holder."
)]
pub struct Args {
    #[command(flatten)]
    pub runtime: RuntimeArg,
    /// The section to take a slot of.
    #[arg(value_name = "SECTION")]
    pub section: String,
    /// A command to run while the slot is held.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Runs `qsal hold`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let runtime = args.runtime.resolve()?;
    let signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ])
    .map_err(|e| CliError::system("install signal handlers", e))?;
    let sal = linux_sal(&runtime);
    let started = sal.start(args.section.as_bytes())?;
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", started.section);
    let _ = stdout.flush();
    let code = if args.command.is_empty() {
        let mut signals = signals;
        let _ = signals.forever().next();
        Ok(ExitCode::SUCCESS)
    } else {
        run_command(&args.command, &started.section, signals)
    };
    sal.stop()?;
    code
}

fn run_command(
    command: &[String],
    section: &str,
    mut signals: signal_hook::iterator::Signals,
) -> Result<ExitCode, CliError> {
    let (program, arguments) = command.split_first().ok_or_else(|| {
        CliError::system("run the command", std::io::ErrorKind::InvalidInput.into())
    })?;
    let parent = rustix::process::getpid();
    let mut child = std::process::Command::new(program);
    child.args(arguments).env("QAT_SECTION_NAME", section);
    // SAFETY: the closure runs in the child between fork and exec and only makes async-signal-safe
    // system calls (prctl, getppid, getpid, kill); it takes no lock and allocates nothing (the error
    // it may return is a constant kind, which std reports to the parent through its own pipe).
    unsafe {
        child.pre_exec(move || {
            // Die with `hold`, whose death frees the slot the command believes it has.
            rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
            if rustix::process::getppid() != Some(parent) {
                // `hold` died before the death signal was armed: do not run at all, and die as the
                // signal would have made it (reporting an error through std's pipe would fail, as
                // nobody reads it any more, and std would abort with a message on stderr).
                let _ = rustix::process::kill_process(rustix::process::getpid(), Signal::KILL);
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            Ok(())
        });
    }
    let mut child = child
        .spawn()
        .map_err(|e| CliError::system(format!("run `{program}`"), e))?;
    let pid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(0));
    let handle = signals.handle();
    let forwarder = std::thread::spawn(move || {
        for signal in signals.forever() {
            if let (Some(pid), Some(sig)) = (pid, Signal::from_named_raw(signal)) {
                let _ = rustix::process::kill_process(pid, sig);
            }
        }
    });
    let status = child.wait();
    handle.close();
    let _ = forwarder.join();
    let status = status.map_err(|e| CliError::system("wait for the command", e))?;
    use std::os::unix::process::ExitStatusExt as _;
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
