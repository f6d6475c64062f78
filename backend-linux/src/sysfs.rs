//! Real QAT devices, read-only, through sysfs: `<root>/bus/pci/devices/<address>/{vendor,device}`
//! with Intel's vendor id and the device id of a supported type.

use std::path::Path;

use qsal_core::DeviceType;
use qsal_core::platform::PciAddress;

/// Intel's PCI vendor id.
pub const INTEL: u16 = 0x8086;

/// A QAT device present on the PCI bus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciDevice {
    /// Its address.
    pub address: PciAddress,
    /// Its type.
    pub device_type: DeviceType,
    /// The driver bound to it, if any.
    pub driver: Option<String>,
    /// Its NUMA node (`numa_node`; `None` on a machine without NUMA, where the kernel says -1).
    pub node_id: Option<u32>,
}

/// Parses `0000:3d:00.0`.
pub fn parse_address(text: &str) -> Option<PciAddress> {
    let (domain, rest) = text.split_once(':')?;
    let (bus, rest) = rest.split_once(':')?;
    let (device, function) = rest.split_once('.')?;
    Some(PciAddress {
        domain: u16::from_str_radix(domain, 16).ok()?,
        bus: u8::from_str_radix(bus, 16).ok()?,
        device: u8::from_str_radix(device, 16).ok()?,
        function: u8::from_str_radix(function, 16).ok()?,
    })
}

fn read_hex(path: &Path) -> Option<u16> {
    let text = std::fs::read_to_string(path).ok()?;
    u16::from_str_radix(text.trim().trim_start_matches("0x"), 16).ok()
}

/// QAT devices under a sysfs tree rooted at `root` (normally `/sys`), sorted by address. A missing
/// or unreadable tree gives an empty list.
pub fn qat_devices(root: &Path) -> Vec<PciDevice> {
    let Ok(entries) = std::fs::read_dir(root.join("bus/pci/devices")) else {
        return Vec::new();
    };
    let mut found: Vec<PciDevice> = entries
        .filter_map(|e| e.ok())
        .filter_map(|entry| {
            let dir = entry.path();
            if read_hex(&dir.join("vendor"))? != INTEL {
                return None;
            }
            let device_type = DeviceType::from_pci_device_id(read_hex(&dir.join("device"))?)?;
            let address = parse_address(entry.file_name().to_str()?)?;
            let driver = std::fs::read_link(dir.join("driver"))
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
            let node_id = std::fs::read_to_string(dir.join("numa_node"))
                .ok()
                .and_then(|n| n.trim().parse::<u32>().ok());
            Some(PciDevice {
                address,
                device_type,
                driver,
                node_id,
            })
        })
        .collect();
    found.sort_by_key(|d| d.address);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_device(root: &Path, address: &str, vendor: &str, device: &str, driver: Option<&str>) {
        let dir = root.join("bus/pci/devices").join(address);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("vendor"), format!("{vendor}\n")).expect("vendor");
        std::fs::write(dir.join("device"), format!("{device}\n")).expect("device");
        if let Some(driver) = driver {
            let target = root.join("bus/pci/drivers").join(driver);
            std::fs::create_dir_all(&target).expect("driver dir");
            std::os::unix::fs::symlink(&target, dir.join("driver")).expect("symlink");
        }
    }

    #[test]
    fn finds_qat_devices_in_a_fake_tree() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fake_device(root, "0000:3d:00.0", "0x8086", "0x37c8", Some("c6xx"));
        fake_device(root, "0000:3d:01.0", "0x8086", "0x37c9", None);
        fake_device(root, "0000:6b:00.0", "0x8086", "0x4940", Some("4xxx"));
        fake_device(root, "0000:00:1f.2", "0x8086", "0xa102", None);
        fake_device(root, "0000:02:00.0", "0x10de", "0x37c8", None);
        std::fs::write(root.join("bus/pci/devices/0000:6b:00.0/numa_node"), "1\n").expect("node");
        std::fs::write(root.join("bus/pci/devices/0000:3d:00.0/numa_node"), "-1\n").expect("node");
        let found = qat_devices(root);
        let summary: Vec<(String, DeviceType, Option<String>)> = found
            .iter()
            .map(|d| (d.address.to_string(), d.device_type, d.driver.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "0000:3d:00.0".to_string(),
                    DeviceType::C6xx,
                    Some("c6xx".to_string())
                ),
                ("0000:3d:01.0".to_string(), DeviceType::C6xxVf, None),
                (
                    "0000:6b:00.0".to_string(),
                    DeviceType::Qat4xxx,
                    Some("4xxx".to_string())
                ),
            ]
        );
        let nodes: Vec<Option<u32>> = found.iter().map(|d| d.node_id).collect();
        assert_eq!(nodes, [None, None, Some(1)]);
        assert!(qat_devices(&root.join("nothing")).is_empty());
    }

    #[test]
    fn addresses() {
        let a = parse_address("0001:af:1f.7").expect("address");
        assert_eq!((a.domain, a.bus, a.device, a.function), (1, 0xaf, 0x1f, 7));
        assert_eq!(a.to_string(), "0001:af:1f.7");
        assert!(parse_address("3d:00.0").is_none());
    }
}
