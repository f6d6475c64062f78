//! Arguments that name devices, shared by `up`, `down` and `restart`: `qat_dev<N>` (the global
//! accel id, as `adf_ctl` names devices), `--device TYPE=FILE` (an emulated device and its
//! configuration), and where discovery looks (`--sysfs-root`, `--config-dir`).

use std::path::{Path, PathBuf};

use qsal_backend_linux::discovery::{Discovered, discover};
use qsal_core::DeviceType;

use crate::error::CliError;

/// clap value parser for `qat_dev<N>`.
pub fn parse_device_name(name: &str) -> Result<u32, String> {
    name.strip_prefix("qat_dev")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("`{name}` is not a device name; devices are named qat_dev0, qat_dev1, … (see `qsal status`)"))
}

/// clap value parser for `TYPE=FILE`.
pub fn parse_device(spec: &str) -> Result<(DeviceType, PathBuf), String> {
    let (kind, file) = spec.split_once('=').ok_or_else(|| {
        format!("`{spec}` is not TYPE=FILE (for example c6xx=/etc/c6xx_dev0.conf)")
    })?;
    let device = crate::commands::parse_device_type(kind)?;
    if file.is_empty() {
        return Err(format!("`{spec}` names no file"));
    }
    Ok((device, PathBuf::from(file)))
}

/// `--sysfs-root`: where QAT devices are found on the PCI bus.
#[derive(Debug, clap::Args)]
pub struct SysfsArg {
    /// The sysfs tree in which QAT devices are found on the PCI bus.
    #[arg(
        long = "sysfs-root",
        value_name = "DIR",
        env = "QSAL_SYSFS_ROOT",
        default_value = "/sys"
    )]
    pub root: PathBuf,
}

/// Where discovery finds devices and their configuration files.
#[derive(Debug, clap::Args)]
pub struct DiscoveryArgs {
    #[command(flatten)]
    pub sysfs: SysfsArg,
    /// Where each device's configuration file, `<type>_dev<inst>.conf`, is read from.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "/etc",
        help = "Where each device's configuration file <type>_dev<inst>.conf is read from"
    )]
    pub config_dir: PathBuf,
}

impl DiscoveryArgs {
    /// Every QAT device on the PCI bus; an error when there is none.
    pub fn discover(&self) -> Result<Vec<Discovered>, CliError> {
        let found = discover(&self.sysfs.root, &self.config_dir);
        if found.is_empty() {
            return Err(CliError::NoHardware {
                sysfs: self.sysfs.root.clone(),
            });
        }
        Ok(found)
    }

    /// Device `accel_id` on the PCI bus.
    pub fn find(&self, accel_id: u32) -> Result<Discovered, CliError> {
        let found = self.discover()?;
        let count = found.len();
        found
            .into_iter()
            .find(|d| d.accel_id == accel_id)
            .ok_or_else(|| CliError::NotOnBus {
                accel_id,
                found: count,
                sysfs: self.sysfs.root.clone(),
            })
    }
}

/// The devices' directory under a sysfs root, for messages.
pub fn pci_devices(sysfs: &Path) -> PathBuf {
    sysfs.join("bus/pci/devices")
}
