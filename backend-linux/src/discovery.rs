//! Finding the devices to load as `adf_ctl up` finds them: every QAT device on the PCI bus (sysfs,
//! read-only), in address order, numbered `qat_dev0`, `qat_dev1`, … (the global accel id), each
//! with its per-type instance id and its configuration file `<config dir>/<type>_dev<inst>.conf`
//! (`/etc/c6xx_dev0.conf`: the instance id counts devices of the same type, not all devices).

use std::path::{Path, PathBuf};

use qsal_core::DeviceType;

use crate::load::Hardware;
use crate::sysfs::qat_devices;

/// A device found on the PCI bus, ready to be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// Its global accel id (`qat_dev<N>`).
    pub accel_id: u32,
    /// Its type.
    pub device_type: DeviceType,
    /// Where it is.
    pub hardware: Hardware,
    /// Its configuration file.
    pub config: PathBuf,
}

/// The QAT devices under the sysfs tree `sysfs_root`, with their configuration files in
/// `config_dir`.
pub fn discover(sysfs_root: &Path, config_dir: &Path) -> Vec<Discovered> {
    let mut per_type: Vec<(DeviceType, u32)> = Vec::new();
    qat_devices(sysfs_root)
        .into_iter()
        .zip(0u32..)
        .map(|(device, accel_id)| {
            let inst_id = match per_type.iter_mut().find(|(t, _)| *t == device.device_type) {
                Some((_, next)) => {
                    let id = *next;
                    *next = next.saturating_add(1);
                    id
                }
                None => {
                    per_type.push((device.device_type, 1));
                    0
                }
            };
            Discovered {
                accel_id,
                device_type: device.device_type,
                hardware: Hardware {
                    bsf: device.address,
                    node_id: device.node_id.unwrap_or(0),
                    inst_id,
                },
                config: config_dir.join(format!("{}_dev{inst_id}.conf", device.device_type.name())),
            }
        })
        .collect()
}
