//! Real devices' bank windows through UIO, as Intel's out-of-tree driver exposes them: each bank
//! ("bundle") a process may use is a UIO device whose sysfs name is
//! `UIO_<type>_<accel id, 2 digits>_BUNDLE_<bank, 2 digits>` (`<sysfs>/class/uio/uio<N>/name`), and
//! whose node `<dev>/uio<N>` maps the bank's CSR window at offset 0 (map0)
//! (`../shared/reference/qat-semantics.md` §5.1).
//!
//! The roots are `$QSAL_SYSFS_ROOT` (else `/sys`) and `$QSAL_DEV_ROOT` (else `/dev`), so a fake
//! tree stands in for the real one in tests. Mapping a window is what qsal does for a hardware
//! device; the driver's ring reservation ioctls (`/dev/qat_adf_ctl`) that put the rings into the
//! device's arbiter are not issued yet.

use std::path::PathBuf;

use qsal_core::DeviceType;

use crate::LinuxError;
use crate::shm::Mapping;

/// Where UIO devices are found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UioRoots {
    /// The sysfs tree (`/sys`).
    pub sysfs: PathBuf,
    /// The device nodes (`/dev`).
    pub dev: PathBuf,
}

impl UioRoots {
    /// `$QSAL_SYSFS_ROOT` (else `/sys`) and `$QSAL_DEV_ROOT` (else `/dev`).
    pub fn from_env() -> Self {
        let root = |key: &str, default: &str| {
            std::env::var_os(key)
                .filter(|v| !v.is_empty())
                .map_or_else(|| PathBuf::from(default), PathBuf::from)
        };
        Self {
            sysfs: root("QSAL_SYSFS_ROOT", "/sys"),
            dev: root("QSAL_DEV_ROOT", "/dev"),
        }
    }

    /// The UIO name of bank `bank` of device `accel_id`.
    pub fn bundle_name(device_type: DeviceType, accel_id: u32, bank: u16) -> String {
        format!("UIO_{}_{accel_id:02}_BUNDLE_{bank:02}", device_type.name())
    }

    /// The node of bank `bank` of device `accel_id`.
    pub fn bank_node(
        &self,
        device_type: DeviceType,
        accel_id: u32,
        bank: u16,
    ) -> Result<PathBuf, LinuxError> {
        let wanted = Self::bundle_name(device_type, accel_id, bank);
        let class = self.sysfs.join("class/uio");
        let missing = || LinuxError::Setup {
            accel_id,
            reason: format!(
                "no UIO device named {wanted} in {} (is the out-of-tree driver loaded with the bank given to user space?)",
                class.display()
            ),
        };
        let entries = std::fs::read_dir(&class).map_err(|_| missing())?;
        for entry in entries.flatten() {
            let name = std::fs::read_to_string(entry.path().join("name")).unwrap_or_default();
            if name.trim() == wanted {
                return Ok(self.dev.join(entry.file_name()));
            }
        }
        Err(missing())
    }

    /// Maps the CSR window (`bytes` long, at offset 0) of bank `bank` of device `accel_id`.
    pub fn bank_window(
        &self,
        device_type: DeviceType,
        accel_id: u32,
        bank: u16,
        bytes: usize,
    ) -> Result<Mapping, LinuxError> {
        let node = self.bank_node(device_type, accel_id, bank)?;
        Mapping::open(&node, bytes, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_nodes_are_found_by_their_sysfs_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let roots = UioRoots {
            sysfs: dir.path().join("sys"),
            dev: dir.path().join("dev"),
        };
        for (n, name) in [(0, "UIO_c6xx_00_BUNDLE_00"), (7, "UIO_c6xx_01_BUNDLE_03")] {
            let class = roots.sysfs.join(format!("class/uio/uio{n}"));
            std::fs::create_dir_all(&class).expect("class");
            std::fs::write(class.join("name"), format!("{name}\n")).expect("name");
        }
        assert_eq!(
            roots.bank_node(DeviceType::C6xx, 1, 3).expect("found"),
            roots.dev.join("uio7")
        );
        let missing = roots
            .bank_node(DeviceType::C6xx, 1, 4)
            .expect_err("no such bank");
        assert!(
            missing.to_string().contains("UIO_c6xx_01_BUNDLE_04"),
            "{missing}"
        );
    }
}
