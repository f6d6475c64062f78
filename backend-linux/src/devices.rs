//! [`LinuxDevices`]: the started devices of a runtime directory and their expanded configurations.
//!
//! `qsal up` writes one file per device, `devices/<accel id>.<type>.conf`, holding the device's
//! expanded configuration. This type reads them, indexes their sections, and re-reads them whenever
//! the directory changes, so a process that started before `qsal up` sees the devices on its next
//! start.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::RwLock;
use qsal_core::DeviceType;
use qsal_core::config::{SectionKind, locate};
use qsal_core::names::derived_base;
use qsal_core::platform::{DeviceInfo, Devices, ErrorType};
use qsal_core::ring::ring_specs;

use crate::LinuxError;
use crate::emulated::{Attachment, Faults};
use crate::runtime::RuntimeDir;

/// One device as loaded from its file.
#[derive(Debug)]
pub struct LoadedDevice {
    /// Accel id, type, PCI address.
    pub info: DeviceInfo,
    /// The file it came from.
    pub path: PathBuf,
    /// The expanded configuration.
    pub text: String,
    sections: HashMap<String, Range<usize>>,
}

impl LoadedDevice {
    /// Parses the file name `<accel id>.<type>.conf` and indexes the text.
    pub fn load(path: &Path, text: String) -> Result<Self, LinuxError> {
        let bad = |reason: &str| LinuxError::BadDeviceFile {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| bad("the name is not UTF-8"))?;
        let stem = name
            .strip_suffix(".conf")
            .ok_or_else(|| bad("the name does not end in .conf"))?;
        let (id, kind) = stem
            .split_once('.')
            .ok_or_else(|| bad("the name is not <accel id>.<type>.conf"))?;
        let accel_id = id
            .parse()
            .map_err(|_| bad("the accel id is not a number"))?;
        let device_type = DeviceType::from_name(kind).ok_or_else(|| bad("unknown device type"))?;
        let base = text.as_ptr() as usize;
        let sections = locate::sections(text.as_bytes())
            .map(|s| {
                let start = s.body.as_ptr() as usize - base;
                (s.name.to_string(), start..start + s.body.len())
            })
            .fold(HashMap::new(), |mut map, (name, body)| {
                map.entry(name).or_insert(body);
                map
            });
        Ok(Self {
            info: DeviceInfo {
                accel_id,
                device_type,
                pci: None,
            },
            path: path.to_path_buf(),
            text,
            sections,
        })
    }

    /// The body of `section`.
    pub fn section(&self, section: &str) -> Option<&str> {
        self.sections
            .get(section)
            .and_then(|r| self.text.get(r.clone()))
    }

    /// Names of the user sections (neither special nor derived), in file order.
    pub fn user_sections(&self) -> Vec<&str> {
        locate::sections(self.text.as_bytes())
            .map(|s| s.name)
            .filter(|name| SectionKind::of(name) == SectionKind::User)
            .filter(|name| !derived_base(name).is_some_and(|base| self.sections.contains_key(base)))
            .collect()
    }
}

/// Identity of the devices directory: changes whenever a file is added, removed or replaced.
type Stamp = (u64, u64, i64, i64);

/// The device set as read at one moment.
#[derive(Debug, Default)]
pub struct Snapshot {
    stamp: Option<Stamp>,
    devices: Vec<LoadedDevice>,
    missing: bool,
}

/// The devices of a runtime directory.
#[derive(Debug)]
pub struct LinuxDevices {
    dir: PathBuf,
    emulated: PathBuf,
    faults: Arc<Faults>,
    snapshot: RwLock<Arc<Snapshot>>,
}

impl LinuxDevices {
    /// The devices of `runtime` (read on first use).
    pub fn new(runtime: &RuntimeDir) -> Self {
        Self {
            dir: runtime.devices(),
            emulated: runtime.emulated(),
            faults: Arc::new(Faults::default()),
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
        }
    }

    /// Fault switches of the emulated engines this device set starts.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The devices as last loaded (without looking at the directory).
    fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read())
    }

    /// The loaded devices, re-reading the directory if it changed.
    pub fn loaded(&self) -> Result<Arc<Snapshot>, LinuxError> {
        let stamp = match rustix::fs::stat(&self.dir) {
            Ok(s) => Some((s.st_dev, s.st_ino, s.st_mtime, s.st_mtime_nsec as i64)),
            Err(rustix::io::Errno::NOENT) => None,
            Err(e) => {
                return Err(LinuxError::io(
                    "open the device directory",
                    &self.dir,
                    e.into(),
                ));
            }
        };
        {
            let current = self.snapshot.read();
            if current.stamp == stamp && (stamp.is_some() || current.missing) {
                return Ok(Arc::clone(&current));
            }
        }
        let fresh = Arc::new(self.read_all(stamp)?);
        *self.snapshot.write() = Arc::clone(&fresh);
        Ok(fresh)
    }

    fn read_all(&self, stamp: Option<Stamp>) -> Result<Snapshot, LinuxError> {
        let Some(stamp) = stamp else {
            return Ok(Snapshot {
                stamp: None,
                devices: Vec::new(),
                missing: true,
            });
        };
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| LinuxError::io("open the device directory", &self.dir, e))?;
        let mut devices = Vec::new();
        for entry in entries.filter_map(|e| e.ok()) {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || !name.ends_with(".conf") {
                continue;
            }
            let text =
                std::fs::read_to_string(&path).map_err(|e| LinuxError::io("read", &path, e))?;
            devices.push(LoadedDevice::load(&path, text)?);
        }
        devices.sort_by_key(|d| d.info.accel_id);
        Ok(Snapshot {
            stamp: Some(stamp),
            devices,
            missing: false,
        })
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

impl Snapshot {
    /// The devices, in ascending accel id.
    pub fn devices(&self) -> &[LoadedDevice] {
        &self.devices
    }

    /// Whether the devices directory does not exist (nothing is up).
    pub fn is_missing(&self) -> bool {
        self.missing
    }
}

impl ErrorType for LinuxDevices {
    type Error = LinuxError;
}

impl Devices for LinuxDevices {
    type Session = Attachment;

    fn count(&self) -> Result<usize, LinuxError> {
        let snapshot = self.loaded()?;
        if snapshot.missing {
            return Err(LinuxError::io(
                "open the device directory",
                &self.dir,
                std::io::ErrorKind::NotFound.into(),
            ));
        }
        Ok(snapshot.devices.len())
    }

    fn device(&self, index: usize) -> Result<Option<DeviceInfo>, LinuxError> {
        Ok(self.current().devices.get(index).map(|d| d.info))
    }

    fn has_section(&self, accel_id: u32, section: &str) -> Result<bool, LinuxError> {
        let (snapshot, i) = self.device(accel_id)?;
        Ok(snapshot.devices[i].sections.contains_key(section))
    }

    fn with_value<T>(
        &self,
        accel_id: u32,
        section: &str,
        key: &str,
        f: impl FnOnce(Option<&str>) -> T,
    ) -> Result<T, LinuxError> {
        let (snapshot, i) = self.device(accel_id)?;
        let value = snapshot.devices[i]
            .section(section)
            .and_then(|body| locate::value(body.as_bytes(), key));
        Ok(match value {
            Some(v) => f(Some(&v.compact())),
            None => f(None),
        })
    }

    fn for_each_user_section(
        &self,
        accel_id: u32,
        f: &mut dyn FnMut(&str),
    ) -> Result<(), LinuxError> {
        let (snapshot, i) = self.device(accel_id)?;
        for name in snapshot.devices[i].user_sections() {
            f(name);
        }
        Ok(())
    }

    fn attach(&self, accel_id: u32, section: &str) -> Result<Attachment, LinuxError> {
        let (snapshot, i) = self.device(accel_id)?;
        if !snapshot.devices[i].sections.contains_key(section) {
            return Err(LinuxError::Setup {
                accel_id,
                reason: format!("section [{section}] is not configured on it"),
            });
        }
        let device_type = snapshot.devices[i].info.device_type;
        let mut specs = Vec::new();
        if let Err(missing) = ring_specs(self, accel_id, section, |spec| specs.push(spec))? {
            return Err(LinuxError::Setup {
                accel_id,
                reason: missing.to_string(),
            });
        }
        Attachment::create(&self.emulated, accel_id, device_type, &specs, &self.faults)
    }
}
