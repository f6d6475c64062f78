//! `qsal check`: validate configuration files and print positioned diagnostics.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use qsal_core::validate::{Context, validate};
use qsal_core::{Config, DeviceType};

use crate::render::{self, Finding};

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style text with the source line, a caret and a help line.
    Text,
    /// One JSON object per file, one per line (JSON Lines).
    Json,
}

/// Arguments of `qsal check`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit status: 0 when no file has errors, 1 when one has (warnings count with --strict), 2 on usage errors.

When several files are given they are read as one device each, in accel-id order (the first file is
device 0). Without --device-type the type is taken from a file name such as c6xx_dev0.conf.")]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Device type of every file (dh895xcc, c6xx, c3xxx, d15xx, 200xx, c4xxx, 4xxx, 401xx, 402xx, or a VF such as c6xxvf).
    #[arg(long = "device-type", value_name = "T", value_parser = super::parse_device_type)]
    pub device_type: Option<DeviceType>,
    /// Configuration files, one per device in accel-id order.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Runs `qsal check`.
pub fn run(args: &Args) -> ExitCode {
    let files = match super::read_all(&args.files) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let color = args.format == Format::Text
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let mut failed = false;
    for (accel_id, file) in files.iter().enumerate() {
        let inferred = file.inferred_device_type();
        let device = args.device_type.or(inferred);
        let mut diagnostics = Vec::new();
        let config: Config<'_> = Config::parse(&file.bytes, &mut |d| diagnostics.push(d));
        let context = Context {
            device,
            accel_id: u32::try_from(accel_id).unwrap_or(u32::MAX),
        };
        validate(&config, &context, &mut |d| diagnostics.push(d));
        diagnostics.sort_by_key(|d| (d.span.offset, d.span.line));
        let findings: Vec<Finding<'_>> = diagnostics
            .into_iter()
            .map(|d| Finding::new(d, args.strict))
            .collect();
        let (errors, warnings) = render::counts(&findings);
        failed |= errors > 0;
        match args.format {
            Format::Json => println!("{}", render::json_line(file, &findings)),
            Format::Text => {
                print!("{}", render::text(file, &findings, color));
                let device_note = match (args.device_type, inferred) {
                    (Some(d), _) => format!("{d}, device {accel_id}"),
                    (None, Some(d)) => format!("{d} from the file name, device {accel_id}"),
                    (None, None) => format!(
                        "device {accel_id}, type unknown: pass --device-type to check it against a device"
                    ),
                };
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
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
