//! `qsal expand`: print the configuration a device really gets after section expansion.

use std::path::PathBuf;
use std::process::ExitCode;

use qsal_core::DeviceType;
use qsal_core::expand::{ConfWriter, WalkError, copy_expanded, expand};

use crate::analysis::Analysis;
use crate::error::CliError;
use crate::input::SourceFile;
use crate::render;

/// Arguments of `qsal expand`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Prints the expanded configuration in .conf grammar on stdout: [GENERAL] \
with FirstUserBundle, the kernel sections with their rings, each user section reduced to \
LimitDevAccess, and one derived section per process (S_INT_n, or S_DEV<accel-id>_INT_n with \
LimitDevAccess) with its core, bank and rings. Problems are printed on stderr as `qsal check` \
prints them; exit status 1 when the file has errors, 2 when it cannot be read."
)]
pub struct Args {
    /// Device type (dh895xcc, c6xx, c3xxx, d15xx, 200xx, c4xxx, 4xxx, 401xx, 402xx, or a VF such
    /// as c6xxvf).
    #[arg(long = "device-type", value_name = "T", value_parser = super::parse_device_type)]
    pub device_type: DeviceType,
    /// Global accel id of the device (numbers derived sections with LimitDevAccess).
    #[arg(long = "accel-id", value_name = "N", default_value_t = 0)]
    pub accel_id: u32,
    /// The configuration file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Runs `qsal expand`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let files = [SourceFile::read(&args.file)?];
    let file = &files[0];
    let analysis = Analysis::run_at(&files, &[Some(args.device_type)], args.accel_id, false);
    let findings = &analysis.findings[0];
    if !findings.is_empty() {
        eprint!("{}", render::text(file, findings, false));
    }
    if analysis.has_errors() {
        return Err(CliError::ConfigErrors {
            what: file.name(),
            action: "nothing was expanded",
        });
    }
    let mut out = String::new();
    if analysis.expanded[0] {
        copy_expanded(&file.bytes, &mut ConfWriter::new(&mut out))
            .map_err(|e| CliError::Expand(format!("cannot write the expansion: {e}")))?;
        print!("{out}");
        eprintln!(
            "qsal: {} is already an expansion; printed as it is",
            file.name()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let summary = match expand(
        &analysis.configs[0],
        args.device_type,
        args.accel_id,
        &mut ConfWriter::new(&mut out),
    ) {
        Ok(summary) => summary,
        Err(WalkError::Expand(error)) => return Err(CliError::Expand(error.to_string())),
        Err(WalkError::Visitor(error)) => {
            return Err(CliError::Expand(format!(
                "cannot write the expansion: {error}"
            )));
        }
    };
    print!("{out}");
    let first_user = summary
        .first_user_bank
        .map(|b| format!(", FirstUserBundle = {b}"))
        .unwrap_or_default();
    eprintln!(
        "qsal: {} expanded for a {} at accel id {}: {} instances in {} of {} banks{first_user}",
        file.name(),
        args.device_type,
        args.accel_id,
        summary.instances,
        summary.banks_used,
        summary.banks,
    );
    Ok(ExitCode::SUCCESS)
}
