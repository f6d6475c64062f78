//! The lines of `adf_ctl status`, which operators read and scripts parse (Intel's Kubernetes
//! device plugin matches them with a regular expression that needs every field):
//!
//! ```text
//! Checking status of all devices.
//! There is 2 QAT acceleration device(s) in the system:
//!  qat_dev0 - type: c6xx,  inst_id: 0,  node_id: 0,  bsf: 0000:3d:00.0,  #accel: 5 #engines: 10 state: up
//! ```
//!
//! Devices of the runtime directory are `up`; devices on the PCI bus that are not in it are `down`.

use std::fmt;

use qsal_backend_linux::LoadedDevice;
use qsal_backend_linux::discovery::Discovered;
use qsal_core::DeviceType;
use qsal_core::platform::PciAddress;

/// One device as `adf_ctl status` shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DeviceStatus {
    /// Global accel id.
    pub accel_id: u32,
    /// The driver's type name.
    #[serde(rename = "type")]
    pub device_type: String,
    /// Index among devices of its type.
    pub inst_id: u32,
    /// NUMA node.
    pub node_id: u32,
    /// PCI address.
    pub bsf: String,
    /// Accelerators.
    pub accel: u32,
    /// Acceleration engines.
    pub engines: u32,
    /// `up` or `down`.
    pub state: &'static str,
}

impl DeviceStatus {
    fn new(
        accel_id: u32,
        device_type: DeviceType,
        inst_id: u32,
        node_id: u32,
        bsf: PciAddress,
        state: &'static str,
    ) -> Self {
        let (accel, engines) = device_type.profile().accel_engines();
        Self {
            accel_id,
            device_type: device_type.name().to_string(),
            inst_id,
            node_id,
            bsf: bsf.to_string(),
            accel,
            engines,
            state,
        }
    }
}

impl fmt::Display for DeviceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            " qat_dev{} - type: {},  inst_id: {},  node_id: {},  bsf: {},  #accel: {} #engines: {} state: {}",
            self.accel_id,
            self.device_type,
            self.inst_id,
            self.node_id,
            self.bsf,
            self.accel,
            self.engines,
            self.state
        )
    }
}

/// The devices that are up, then the devices on the PCI bus that are not (by address), in
/// accel-id order.
pub fn devices(up: &[LoadedDevice], bus: &[Discovered]) -> Vec<DeviceStatus> {
    let mut all: Vec<DeviceStatus> = up
        .iter()
        .map(|d| {
            DeviceStatus::new(
                d.meta.accel_id,
                d.meta.device_type,
                d.meta.inst_id,
                d.meta.node_id,
                d.meta.bsf,
                "up",
            )
        })
        .collect();
    for device in bus {
        let bsf = device.hardware.bsf.to_string();
        if all
            .iter()
            .any(|d| d.bsf == bsf || d.accel_id == device.accel_id)
        {
            continue;
        }
        all.push(DeviceStatus::new(
            device.accel_id,
            device.device_type,
            device.hardware.inst_id,
            device.hardware.node_id,
            device.hardware.bsf,
            "down",
        ));
    }
    all.sort_by_key(|d| d.accel_id);
    all
}

/// The whole `adf_ctl status` text for `devices`.
pub fn text(devices: &[DeviceStatus]) -> String {
    let mut out = format!(
        "Checking status of all devices.\nThere is {} QAT acceleration device(s) in the system:\n",
        devices.len()
    );
    for device in devices {
        out.push_str(&format!("{device}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_adf_ctl_status_shape() {
        let line = DeviceStatus::new(
            0,
            DeviceType::C6xx,
            0,
            0,
            qsal_backend_linux::sysfs::parse_address("0000:3d:00.0").expect("address"),
            "up",
        )
        .to_string();
        assert_eq!(
            line,
            " qat_dev0 - type: c6xx,  inst_id: 0,  node_id: 0,  bsf: 0000:3d:00.0,  #accel: 5 #engines: 10 state: up"
        );
    }
}
