//! `qsal check`: validate configuration files and print positioned diagnostics.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use qsal_core::DeviceType;

use crate::analysis::{Analysis, DeviceSource};
use crate::error::{CliError, USAGE};
use crate::format::Format;
use crate::input::SourceFile;
use crate::render;

/// Arguments of `qsal check`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 when no file has errors, 1 when one has (warnings count \
with --strict), 2 when a file cannot be read (the others are still checked) or the arguments are \
wrong.\n\nSeveral files are read as one device set, one file per device in accel-id order (the \
first file is device 0): the rules that must agree across devices are checked and the total number \
of slots of each section is printed. Without --device-type the type is taken from a file name such \
as c6xx_dev0.conf; with a type, the file is also checked against that device's rings and banks. At \
most 100 diagnostics are shown per file."
)]
pub struct Args {
    /// Output: text (rustc-style, with the source line, a caret and a help line) or json (one
    /// JSON object per file, one per line: JSON Lines).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Device type of every file (dh895xcc, c6xx, c3xxx, d15xx, 200xx, c4xxx, 4xxx, 401xx, 402xx,
    /// or a VF such as c6xxvf).
    #[arg(long = "device-type", value_name = "T", value_parser = super::parse_device_type)]
    pub device_type: Option<DeviceType>,
    /// Configuration files, one per device in accel-id order.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Runs `qsal check`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let mut files = Vec::new();
    let mut unreadable = 0usize;
    for path in &args.files {
        match SourceFile::read(path) {
            Ok(file) => files.push(file),
            Err(e) => {
                eprintln!("qsal: {e}");
                unreadable += 1;
            }
        }
    }
    let devices = vec![args.device_type; files.len()];
    let analysis = Analysis::run(&files, &devices, args.strict);
    let color = args.format == Format::Text
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    for (accel_id, (file, findings)) in files.iter().zip(&analysis.findings).enumerate() {
        match args.format {
            Format::Json => println!("{}", render::json_line(file, findings)),
            Format::Text => {
                print!("{}", render::text(file, findings, color));
                let device_note = match analysis.devices[accel_id] {
                    DeviceSource::Given(d) => format!("{d}, device {accel_id}"),
                    DeviceSource::FileName(d) => {
                        format!("{d} from the file name, device {accel_id}")
                    }
                    DeviceSource::Unknown => format!(
                        "device {accel_id}, type unknown: pass --device-type to check it against a device"
                    ),
                };
                let (errors, warnings) = render::counts(findings);
                let verdict = if errors + warnings == 0 {
                    "ok".to_string()
                } else {
                    format!(
                        "{}, {}",
                        render::plural(errors, "error"),
                        render::plural(warnings, "warning")
                    )
                };
                println!("{} ({device_note}): {verdict}", file.name());
            }
        }
    }
    if args.format == Format::Text {
        for line in analysis.slot_summary() {
            println!("{line}");
        }
    }
    Ok(if unreadable > 0 {
        ExitCode::from(USAGE)
    } else if analysis.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
