//! [`LinuxDevices`]: the started devices of a runtime directory and their expanded configurations.
//!
//! `qsal up` writes one file per device, `devices/<accel id>.<type>.conf`, holding the device's
//! expanded configuration. This type reads them (regular files with a trusted owner and one link,
//! at most [`DEVICE_FILE_LIMIT`] bytes each), re-validates each with the core's
//! [`verify`](qsal_core::config::expanded::verify) — any member of the directory's group can edit
//! them —, keeps the ring pairs the verification read ([`RingTable`]) and indexes their sections.
//! It re-reads them whenever `devices/` changes, so a process that started before `qsal up` sees
//! the devices on its next start; a set that changes while it is being read is read again, so a
//! reader never mixes two sets.

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::RwLock;
use qsal_core::config::expanded::Expanded;
use qsal_core::platform::{DeviceInfo, Devices, ErrorType};
use qsal_core::ring::ring_specs;

use crate::LinuxError;
use crate::attachment::{DeviceAttachment, Faults, Windows};
use crate::device_file::Origin;
use crate::device_file::{self, DeviceMeta};
use crate::dir::{Access, Stamp, c_path, stamp_of};
use crate::error::Untrusted;
use crate::ring_table::RingTable;
use crate::runtime::{DEVICES, Opened, RuntimeDir};
use crate::section_index::SectionIndex;
use crate::uio::UioRoots;

/// The largest device file read. An expansion of the largest device (512 processes × many
/// instances) stays far below it.
pub const DEVICE_FILE_LIMIT: usize = 16 << 20;

/// One device as loaded from its file.
#[derive(Debug)]
pub struct LoadedDevice {
    /// Accel id, type, PCI address, generation.
    pub info: DeviceInfo,
    /// What the file's header says about the device.
    pub meta: DeviceMeta,
    /// The file it came from.
    pub path: PathBuf,
    /// The expanded configuration.
    pub text: String,
    index: SectionIndex,
    rings: RingTable,
}

impl LoadedDevice {
    /// Checks the file name `<accel id>.<type>.conf`, the header and the text, and indexes it.
    pub fn load(path: PathBuf, text: String) -> Result<Self, LinuxError> {
        let bad = |reason: &'static str| LinuxError::BadDeviceFileName {
            path: path.clone(),
            reason,
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| bad("the name is not UTF-8"))?;
        let (accel_id, device_type) = device_file::parse_file_name(name).map_err(bad)?;
        let meta = device_file::parse_header(&text, accel_id, device_type).map_err(bad)?;
        let index = SectionIndex::of(text.as_bytes());
        let rings = RingTable::verified(&index.view(text.as_bytes(), device_type.profile()))
            .map_err(|error| LinuxError::BadDeviceFile {
                path: path.clone(),
                error,
            })?;
        Ok(Self {
            info: DeviceInfo {
                accel_id,
                device_type,
                pci: Some(meta.bsf),
                generation: meta.generation,
            },
            meta,
            path,
            text,
            index,
            rings,
        })
    }

    /// The core's view of the expanded configuration.
    pub fn expanded(&self) -> Expanded<'_> {
        self.index
            .view(self.text.as_bytes(), self.info.device_type.profile())
    }
}

/// The device set as read at one moment.
#[derive(Debug, Default)]
pub struct Snapshot {
    stamp: Option<Stamp>,
    devices: Vec<LoadedDevice>,
    read: bool,
}

/// The devices of a runtime directory.
#[derive(Debug)]
pub struct LinuxDevices {
    runtime: RuntimeDir,
    /// `devices/` of the runtime directory, joined once (as a C string): its `lstat` starts every
    /// search. `None` for a path with a NUL byte, which is never current.
    devices_path: Option<CString>,
    uio: UioRoots,
    faults: Arc<Faults>,
    snapshot: RwLock<Arc<Snapshot>>,
}

impl LinuxDevices {
    /// The devices of `runtime` (read on first use); hardware devices' banks are found through
    /// `$QSAL_SYSFS_ROOT` and `$QSAL_DEV_ROOT`.
    pub fn new(runtime: &RuntimeDir) -> Self {
        Self::with_uio(runtime, UioRoots::from_env())
    }

    /// The devices of `runtime`, hardware devices' banks found under `uio`.
    pub fn with_uio(runtime: &RuntimeDir, uio: UioRoots) -> Self {
        Self {
            runtime: runtime.clone(),
            devices_path: c_path(&runtime.devices()),
            uio,
            faults: Arc::new(Faults::default()),
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
        }
    }

    /// Fault switches of the emulated engines this device set starts, and each device's health.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The devices as last loaded (without looking at the directory).
    fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read())
    }

    /// The loaded devices, re-reading them if `devices/` changed.
    pub fn loaded(&self) -> Result<Arc<Snapshot>, LinuxError> {
        // Fast path, one system call: `devices/` is still the very directory (device and inode)
        // the snapshot was read and checked from, unmodified since. Anything else — another
        // directory, a link, a change, an error — takes the checked path below.
        if let Some(path) = &self.devices_path
            && let Ok(stat) = rustix::fs::lstat(path.as_c_str())
        {
            let current = self.snapshot.read();
            if current.read && current.stamp.is_some() && current.stamp == Some(stamp_of(&stat)) {
                return Ok(Arc::clone(&current));
            }
        }
        let Some(opened) = self.runtime.open()? else {
            return self.replace(Snapshot {
                stamp: None,
                devices: Vec::new(),
                read: true,
            });
        };
        let stamp = opened.root().stat_entry(DEVICES)?.as_ref().map(stamp_of);
        {
            let current = self.snapshot.read();
            if current.read && current.stamp == stamp {
                return Ok(Arc::clone(&current));
            }
        }
        let fresh = read_consistent(&opened, stamp)?;
        self.replace(fresh)
    }

    fn replace(&self, fresh: Snapshot) -> Result<Arc<Snapshot>, LinuxError> {
        let fresh = Arc::new(fresh);
        *self.snapshot.write() = Arc::clone(&fresh);
        Ok(fresh)
    }

    /// A device of the current snapshot. Only `count` looks at the directory: it starts every
    /// search and attachment sequence, and the calls that follow see the same device set.
    fn device(&self, accel_id: u32) -> Result<(Arc<Snapshot>, usize), LinuxError> {
        let snapshot = self.current();
        let index = snapshot
            .devices
            .iter()
            .position(|d| d.info.accel_id == accel_id)
            .ok_or_else(|| LinuxError::Setup {
                accel_id,
                reason: "the device is no longer up".to_string(),
            })?;
        Ok((snapshot, index))
    }
}

/// Reads the device set, again while it changes underneath (a concurrent `qsal up`).
fn read_consistent(opened: &Opened, mut stamp: Option<Stamp>) -> Result<Snapshot, LinuxError> {
    for _ in 0..8 {
        let devices = read_all(opened)?;
        let after = opened.root().stat_entry(DEVICES)?.as_ref().map(stamp_of);
        if after == stamp {
            return Ok(Snapshot {
                stamp,
                devices,
                read: true,
            });
        }
        stamp = after;
    }
    Err(LinuxError::Unstable(opened.root().path().to_path_buf()))
}

/// Reads every device file of `opened` (trusted owners, one link, bounded size, verified).
pub(crate) fn read_all(opened: &Opened) -> Result<Vec<LoadedDevice>, LinuxError> {
    let Some(dir) = opened.subdir(DEVICES)? else {
        return Ok(Vec::new());
    };
    let owners = opened.owners();
    let mut devices = Vec::new();
    for (name, _) in dir.entries()? {
        if name.starts_with('.') || !name.ends_with(".conf") {
            continue;
        }
        let Some(file) = dir.open_file(&name, Access::Read)? else {
            continue;
        };
        file.check_owner(move |uid| owners.trusts(uid))?;
        if file.stat().st_nlink != 1 {
            return Err(LinuxError::Untrusted {
                path: file.path().to_path_buf(),
                problem: Untrusted::HardLinked {
                    links: file.stat().st_nlink,
                },
            });
        }
        let bytes = file.read_limited(DEVICE_FILE_LIMIT)?;
        let text = String::from_utf8(bytes).map_err(|_| LinuxError::BadDeviceFileName {
            path: file.path().to_path_buf(),
            reason: "it is not UTF-8 text",
        })?;
        devices.push(LoadedDevice::load(file.path().to_path_buf(), text)?);
    }
    devices.sort_by_key(|d| d.info.accel_id);
    Ok(devices)
}

impl Snapshot {
    /// The devices, in ascending accel id.
    pub fn devices(&self) -> &[LoadedDevice] {
        &self.devices
    }

    /// Device `accel_id`, if it is up.
    pub fn device(&self, accel_id: u32) -> Option<&LoadedDevice> {
        self.devices.iter().find(|d| d.info.accel_id == accel_id)
    }

    /// Whether no device set is up (no `devices/`).
    pub fn is_missing(&self) -> bool {
        self.stamp.is_none()
    }
}

impl ErrorType for LinuxDevices {
    type Error = LinuxError;
}

impl Devices for LinuxDevices {
    type Attachment = DeviceAttachment;

    fn count(&self) -> Result<usize, LinuxError> {
        let snapshot = self.loaded()?;
        if snapshot.is_missing() {
            return Err(LinuxError::NotUp {
                root: self.runtime.root().to_path_buf(),
            });
        }
        Ok(snapshot.devices.len())
    }

    fn device(&self, index: usize) -> Result<Option<DeviceInfo>, LinuxError> {
        Ok(self.current().devices.get(index).map(|d| d.info))
    }

    fn with_expanded<T>(
        &self,
        accel_id: u32,
        f: impl FnOnce(&Expanded<'_>) -> T,
    ) -> Result<T, LinuxError> {
        let (snapshot, i) = self.device(accel_id)?;
        let device = snapshot.devices.get(i).ok_or_else(|| LinuxError::Setup {
            accel_id,
            reason: "the device is no longer up".to_string(),
        })?;
        Ok(f(&device.expanded()))
    }

    fn attach(&self, accel_id: u32, section: &str) -> Result<Option<DeviceAttachment>, LinuxError> {
        let (snapshot, i) = self.device(accel_id)?;
        let setup = |reason: String| LinuxError::Setup { accel_id, reason };
        let device = snapshot
            .devices
            .get(i)
            .ok_or_else(|| setup("the device is no longer up".to_string()))?;
        let expanded = device.expanded();
        let Some((body_at, body)) = expanded.section_at(section) else {
            return Ok(None);
        };
        // A kernel or derived section's pairs were read when the file was verified; any other
        // section's are read from its text.
        let read;
        let specs = match device.rings.of(body_at) {
            Some(specs) => specs,
            None => {
                let mut specs = Vec::new();
                ring_specs(body, &device.info.device_type.profile(), |spec| {
                    specs.push(spec);
                })
                .map_err(|e| setup(format!("[{section}] {e}")))?;
                read = specs;
                &read
            }
        };
        let windows = match device.meta.origin {
            Origin::Emulated => Windows::Emulated,
            Origin::Hardware => Windows::Uio(&self.uio),
        };
        DeviceAttachment::create(
            accel_id,
            device.info.generation,
            device.info.device_type,
            specs,
            (windows, &self.faults),
        )
        .map(Some)
    }
}
