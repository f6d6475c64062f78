//! Writing and removing a device set: what `qsal up` and `qsal down` do to the runtime directory.
//!
//! `up` refuses to replace a device set while slots are held (changing the configuration under
//! running processes would silently change what their slot means); `down` refuses likewise unless
//! forced. Device files are written atomically (temporary file, fsync, rename); lease files are only
//! removed while qsal holds their lock, so a process can never end up holding a lock on a file that
//! is no longer there.

use std::path::Path;

use qsal_core::DeviceType;
use qsal_core::platform::{Holder, SlotRegistry};

use crate::runtime::{RuntimeDir, write_atomic};
use crate::{LinuxError, LinuxRegistry};

/// One device of a set to write.
#[derive(Debug)]
pub struct DeviceConfig<'a> {
    /// Its type.
    pub device_type: DeviceType,
    /// The file it was read from (recorded in a comment).
    pub source: &'a Path,
    /// Its expanded configuration.
    pub expanded: &'a str,
}

/// Why the device set was not changed.
#[derive(Debug)]
pub enum StoreError {
    /// Slots are held; the holders are listed.
    Busy(Vec<(String, Holder)>),
    /// A file operation failed.
    Io(LinuxError),
}

impl From<LinuxError> for StoreError {
    fn from(e: LinuxError) -> Self {
        Self::Io(e)
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Busy(holders) => {
                write!(f, "{} slot(s) are held: ", holders.len())?;
                for (i, (name, h)) in holders.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name} by pid {} ({})", h.pid, h.command)?;
                }
                f.write_str("; stop those processes first")
            }
            Self::Io(e) => write!(f, "{e}"),
        }
    }
}

/// The slots held now, by name.
pub fn held_slots(runtime: &RuntimeDir) -> Result<Vec<(String, Holder)>, LinuxError> {
    let registry = LinuxRegistry::new(runtime);
    let mut held = Vec::new();
    for name in registry.names()? {
        if let Some(holder) = registry.holder(&name)? {
            held.push((name, holder));
        }
    }
    Ok(held)
}

/// Writes `devices` as the device set of `runtime` (accel ids in order), replacing any previous set.
pub fn write_devices(runtime: &RuntimeDir, devices: &[DeviceConfig<'_>]) -> Result<(), StoreError> {
    runtime.create()?;
    let held = held_slots(runtime)?;
    if !held.is_empty() {
        return Err(StoreError::Busy(held));
    }
    let mut written = Vec::new();
    for (accel_id, device) in devices.iter().enumerate() {
        let name = format!("{accel_id}.{}.conf", device.device_type.name());
        let header = format!(
            "# qsal: device {accel_id} ({}), expanded from {}\n",
            device.device_type,
            device.source.display()
        );
        let mut text = String::with_capacity(header.len() + device.expanded.len());
        text.push_str(&header);
        text.push_str(device.expanded);
        write_atomic(&runtime.devices().join(&name), text.as_bytes())?;
        written.push(name);
    }
    remove_files(&runtime.devices(), |name| {
        !written.iter().any(|w| w == name)
    })?;
    let registry = LinuxRegistry::new(runtime);
    for name in registry.names()? {
        registry.remove(&name, false)?;
    }
    Ok(())
}

/// Removes the device set of `runtime` and its free lease files. Held slots make it refuse (listing
/// them) unless `force`, which removes their lease files too (their holders' next start or stop
/// reports the lost lease).
pub fn remove_devices(
    runtime: &RuntimeDir,
    force: bool,
) -> Result<Vec<(String, Holder)>, StoreError> {
    let registry = LinuxRegistry::new(runtime);
    let mut held = Vec::new();
    for name in registry.names()? {
        if let Some(holder) = registry.remove(&name, force)? {
            held.push((name, holder));
        }
    }
    if !held.is_empty() && !force {
        return Err(StoreError::Busy(held));
    }
    remove_files(&runtime.devices(), |_| true)?;
    remove_files(&runtime.emulated(), |_| true)?;
    Ok(held)
}

fn remove_files(dir: &Path, remove: impl Fn(&str) -> bool) -> Result<(), LinuxError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(LinuxError::io("list", dir, e)),
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if remove(&name) {
            let path = entry.path();
            let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            match removed {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(LinuxError::io("remove", &path, e)),
            }
        }
    }
    Ok(())
}
