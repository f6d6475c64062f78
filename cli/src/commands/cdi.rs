//! `qsal cdi`: a Container Device Interface spec of the slots, for podman, containerd or CRI-O
//! without Kubernetes (`qsal cdi > /etc/cdi/qsal.json`, then `podman run --device qsal.dev/slot=SSL_dev0_0`).

use std::path::PathBuf;
use std::process::ExitCode;

use qsal_backend_linux::inventory::Inventory;
use serde::Serialize;

use crate::error::CliError;
use crate::runtime_arg::RuntimeArg;

/// The CDI version written: the oldest that has every field used here.
pub const CDI_VERSION: &str = "0.6.0";

/// Arguments of `qsal cdi`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Prints a CDI spec (JSON) with one device per slot, named like the Kubernetes \
device plugin's device ids (<section>_dev<accel id>_<i>). A container given a device gets \
QSAL_SLOT (the slot it must take: libqsal and `qsal hold` take exactly that one), \
QAT_SECTION_NAME, the runtime directory mounted read-write with QSAL_RUNTIME_DIR pointing at it, \
and the device nodes of real QAT devices. Save it where the container runtime reads specs \
(/etc/cdi or /var/run/cdi); regenerate it after `qsal up` changes the device set."
)]
pub struct Args {
    #[command(flatten)]
    pub runtime: RuntimeArg,
    /// The CDI kind, vendor/class.
    #[arg(long, default_value = "qsal.dev/slot", value_parser = parse_kind)]
    pub kind: String,
    /// Where containers find the runtime directory (default: the same path as on the host).
    #[arg(long, value_name = "DIR")]
    pub container_runtime_dir: Option<PathBuf>,
    /// Where the host's device nodes are.
    #[arg(long, value_name = "DIR", default_value = "/dev")]
    pub dev_root: PathBuf,
}

/// A CDI kind is `vendor/class`: vendor a domain-like name, class a plain name.
fn parse_kind(kind: &str) -> Result<String, String> {
    let ok = kind.split_once('/').is_some_and(|(vendor, class)| {
        let edge = |s: &str| {
            s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                && s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric())
        };
        edge(vendor)
            && edge(class)
            && vendor
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
            && class
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    });
    if ok {
        Ok(kind.to_string())
    } else {
        Err(format!(
            "`{kind}` is not a CDI kind: write vendor/class, e.g. qsal.dev/slot (vendor: lower-case letters, digits, dots, dashes)"
        ))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    cdi_version: &'static str,
    kind: String,
    devices: Vec<Device>,
    container_edits: Edits,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Device {
    name: String,
    container_edits: Edits,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Edits {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    env: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    device_nodes: Vec<Node>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mounts: Vec<Mount>,
}

#[derive(Serialize)]
struct Node {
    path: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Mount {
    host_path: String,
    container_path: String,
    options: Vec<&'static str>,
}

/// Runs `qsal cdi`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let runtime = args.runtime.resolve()?;
    let inventory = Inventory::read(&runtime, &args.dev_root).map_err(CliError::Inventory)?;
    if inventory.slots.is_empty() {
        return Err(CliError::NoSlots {
            runtime_dir: runtime.root().to_path_buf(),
        });
    }
    let host = runtime.root().display().to_string();
    let container = args
        .container_runtime_dir
        .as_ref()
        .map_or_else(|| host.clone(), |p| p.display().to_string());
    let devices = inventory
        .slots
        .iter()
        .map(|slot| {
            let nodes = inventory.nodes_of([slot]);
            Device {
                name: slot.id.clone(),
                container_edits: Edits {
                    env: vec![
                        format!("QSAL_SLOT={}", slot.name),
                        format!("QAT_SECTION_NAME={}", slot.section),
                    ],
                    device_nodes: nodes
                        .iter()
                        .map(|p| Node {
                            path: p.display().to_string(),
                        })
                        .collect(),
                    mounts: Vec::new(),
                },
            }
        })
        .collect();
    let spec = Spec {
        cdi_version: CDI_VERSION,
        kind: args.kind.clone(),
        devices,
        container_edits: Edits {
            env: vec![format!("QSAL_RUNTIME_DIR={container}")],
            device_nodes: Vec::new(),
            mounts: vec![Mount {
                host_path: host,
                container_path: container,
                options: vec!["rbind", "rw"],
            }],
        },
    };
    let json = serde_json::to_string_pretty(&spec)
        .map_err(|e| CliError::system("print the CDI spec", e.into()))?;
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}
