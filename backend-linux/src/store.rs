//! Loading, writing and removing a device set: what `qsal up` and `qsal down` do to the runtime
//! directory. [`up`] is the one pipeline from parsed configurations to a loaded set (check, expand,
//! write); [`write_devices`] is its last step.
//!
//! Both run under the runtime directory's lock (`.lock`), so two operators never interleave. `up`
//! refuses to replace a device set while slots are held (changing the configuration under running
//! processes would silently change what their slot means); `down` refuses likewise unless forced.
//!
//! A device set is replaced as a whole: the new device files are written into a fresh directory,
//! then that directory is exchanged with `devices/` in one `renameat2(RENAME_EXCHANGE)`, so a reader
//! sees the old complete set or the new complete set, never a mix. Before the exchange `up` locks
//! every existing lease file (so nobody can start on the old set meanwhile) and creates the lease
//! file of every derived name of the new set; starters never create lease files themselves (see
//! [`crate::leases`]).

use std::collections::BTreeSet;
use std::path::Path;

use qsal_core::config::expanded::{self, Expanded};
use qsal_core::expand::{ConfWriter, Summary, expand};
use qsal_core::platform::Holder;
use qsal_core::validate::{Context, check_set};
use qsal_core::{Config, DeviceType, Diagnostic, Severity};
use rustix::fs::FlockOperation;

use crate::LinuxError;
use crate::dir::{Access, Dir, File};
use crate::leases::{lease_file, open_lease, probe_holder, read_record};
use crate::runtime::{DEVICES, LEASES, Opened, RuntimeDir};

/// Prefix of the temporary directories `up` and `down` use (left over only by a crash).
const TEMP_PREFIX: &str = ".devices.";

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

/// One device of a set to load: its type, where its configuration came from, and its text.
#[derive(Clone, Copy, Debug)]
pub struct DeviceInput<'a> {
    /// Its type.
    pub device_type: DeviceType,
    /// The file it was read from.
    pub source: &'a Path,
    /// Its configuration file's bytes.
    pub text: &'a [u8],
}

/// What `up` found and did.
#[derive(Debug)]
pub struct Loaded<'a> {
    /// Per device: the findings of the parser and the checks, sorted by position (warnings only,
    /// since it loaded).
    pub findings: Vec<Vec<Diagnostic<'a>>>,
    /// Per device: what expansion placed.
    pub summaries: Vec<Summary>,
}

/// Why `up` loaded nothing.
#[derive(Debug)]
pub enum UpError<'a> {
    /// The configuration has errors; per device, every finding.
    Invalid(Vec<Vec<Diagnostic<'a>>>),
    /// A device's configuration cannot be expanded (its message).
    Expand {
        /// The device.
        accel_id: usize,
        /// Why.
        message: String,
    },
    /// The runtime directory refused the set.
    Store(StoreError),
}

impl std::fmt::Display for UpError<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(findings) => {
                let errors = findings
                    .iter()
                    .flatten()
                    .filter(|d| d.severity() == Severity::Error)
                    .count();
                write!(
                    f,
                    "the device set has {errors} error(s) (`qsal check` shows them); nothing was loaded"
                )
            }
            Self::Expand { accel_id, message } => {
                write!(f, "device {accel_id} cannot be expanded: {message}")
            }
            Self::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for UpError<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Store(e) => Some(e),
            _ => None,
        }
    }
}

/// Loads a device set — the one pipeline of `qsal up`, the demo and the tests: parses each file,
/// checks the set as `qsal check` does (the core's `check_set`, device `i` at accel id `i`),
/// refuses it on any error, expands each device and writes the set into `runtime` as a whole.
/// `waiting` is called if another `up` or `down` holds the lock.
pub fn up<'a>(
    runtime: &RuntimeDir,
    devices: &[DeviceInput<'a>],
    waiting: impl FnOnce(),
) -> Result<Loaded<'a>, UpError<'a>> {
    let mut findings: Vec<Vec<Diagnostic<'a>>> = vec![Vec::new(); devices.len()];
    let configs: Vec<Config<'a>> = devices
        .iter()
        .zip(findings.iter_mut())
        .map(|(d, found)| Config::parse(d.text, &mut |x| found.push(x)))
        .collect();
    let contexts: Vec<Context> = devices
        .iter()
        .zip(0u32..)
        .map(|(d, accel_id)| Context {
            device: Some(d.device_type),
            accel_id,
        })
        .collect();
    check_set(&configs, &contexts, |i, d| {
        if let Some(list) = findings.get_mut(i) {
            list.push(d);
        }
    });
    for list in &mut findings {
        list.sort_by_key(|d| (d.span.offset, d.span.line));
    }
    if findings
        .iter()
        .flatten()
        .any(|d| d.severity() == Severity::Error)
    {
        return Err(UpError::Invalid(findings));
    }
    let mut texts = Vec::with_capacity(devices.len());
    let mut summaries = Vec::with_capacity(devices.len());
    for (((accel_id, device), context), config) in
        devices.iter().enumerate().zip(&contexts).zip(&configs)
    {
        let mut text = String::new();
        let summary = expand(
            config,
            device.device_type,
            context.accel_id,
            &mut ConfWriter::new(&mut text),
        )
        .map_err(|e| UpError::Expand {
            accel_id,
            message: e.to_string(),
        })?;
        texts.push(text);
        summaries.push(summary);
    }
    let set: Vec<DeviceConfig<'_>> = devices
        .iter()
        .zip(&texts)
        .map(|(d, text)| DeviceConfig {
            device_type: d.device_type,
            source: d.source,
            expanded: text,
        })
        .collect();
    write_devices(runtime, &set, waiting).map_err(UpError::Store)?;
    Ok(Loaded {
        findings,
        summaries,
    })
}

/// Why the device set was not changed.
#[derive(Debug)]
pub enum StoreError {
    /// Slots are held; the holders are listed.
    Busy(Vec<(String, Holder)>),
    /// A file operation or a trust check failed.
    Failed(LinuxError),
}

impl From<LinuxError> for StoreError {
    fn from(e: LinuxError) -> Self {
        Self::Failed(e)
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
            Self::Failed(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Busy(_) => None,
            Self::Failed(e) => Some(e),
        }
    }
}

/// The slots held now, by name. Lease files that cannot be trusted are left out (they are never
/// handed out).
pub fn held_slots(runtime: &RuntimeDir) -> Result<Vec<(String, Holder)>, LinuxError> {
    let Some(opened) = runtime.open()? else {
        return Ok(Vec::new());
    };
    let Some(leases) = opened.subdir(LEASES)? else {
        return Ok(Vec::new());
    };
    let mut held = Vec::new();
    for name in lease_names(&leases)? {
        let Ok(file) = open_lease(&opened, &leases, &name, Access::Read) else {
            continue;
        };
        if let Some(holder) = probe_holder(&file)? {
            held.push((name, holder));
        }
    }
    Ok(held)
}

/// The slot names of the lease files in `leases` (without `.lease`), sorted.
fn lease_names(leases: &Dir) -> Result<Vec<String>, LinuxError> {
    Ok(leases
        .entries()?
        .into_iter()
        .filter_map(|(name, _)| name.strip_suffix(".lease").map(str::to_string))
        .filter(|name| lease_file(name).is_ok())
        .collect())
}

/// The lease files of a runtime directory, as [`lock_all`] found them.
enum Leases {
    /// None is held: every one, locked by this process until dropped.
    Locked(Vec<(String, File)>),
    /// These are held (by name, with their holders).
    Held(Vec<(String, Holder)>),
}

/// Every lease file of `leases`, each locked exclusively by this call; or the holders of those that
/// are held. Entries that are not trusted lease files are removed.
fn lock_all(opened: &Opened, leases: &Dir) -> Result<Leases, LinuxError> {
    let mut locked = Vec::new();
    let mut busy = Vec::new();
    for (entry, _) in leases.entries()? {
        let name = entry
            .strip_suffix(".lease")
            .filter(|n| lease_file(n).is_ok());
        let file = name.map(|n| open_lease(opened, leases, n, Access::Write));
        let (Some(name), Some(Ok(file))) = (name, file) else {
            // Not a lease file qsal wrote (a FIFO, a link, a foreign file, a stray name).
            leases.remove_tree(&entry)?;
            continue;
        };
        match rustix::fs::flock(file.fd(), FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => locked.push((name.to_string(), file)),
            Err(rustix::io::Errno::WOULDBLOCK) => {
                busy.push((name.to_string(), read_record(&file).unwrap_or_default()));
            }
            Err(e) => return Err(LinuxError::io("lock", file.path(), e.into())),
        }
    }
    Ok(if busy.is_empty() {
        Leases::Locked(locked)
    } else {
        Leases::Held(busy)
    })
}

/// The derived names of an expanded configuration that can be leases.
fn derived_names(device: &DeviceConfig<'_>, into: &mut BTreeSet<String>) {
    let text = device.expanded.as_bytes();
    let mut index = Vec::new();
    let complete = expanded::index(text, |s| {
        index.push(s);
        true
    });
    let view = Expanded::new(text, &index, complete, device.device_type.profile());
    for section in view.sections() {
        let name = section.name.compact();
        if view.is_derived(&name) && lease_file(&name).is_ok() {
            into.insert(name.to_string());
        }
    }
}

/// Removes what a crashed `up` or `down` left behind.
fn remove_leftovers(opened: &Opened) -> Result<(), LinuxError> {
    for (name, _) in opened.root().entries()? {
        if name.starts_with(TEMP_PREFIX) || name == "emulated" {
            opened.root().remove_tree(&name)?;
        }
    }
    Ok(())
}

fn temp_name(kind: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{TEMP_PREFIX}{kind}-{}-{n}", std::process::id())
}

/// Writes `devices` as the device set of `runtime` (accel ids in order), replacing any previous set
/// as a whole. `waiting` is called if another `up` or `down` holds the lock.
pub fn write_devices(
    runtime: &RuntimeDir,
    devices: &[DeviceConfig<'_>],
    waiting: impl FnOnce(),
) -> Result<(), StoreError> {
    let opened = runtime.create()?;
    let _lock = opened.lock(waiting)?;
    remove_leftovers(&opened)?;
    let leases = opened.create_subdir(LEASES)?;
    let locked = match lock_all(&opened, &leases)? {
        Leases::Locked(locked) => locked,
        Leases::Held(held) => return Err(StoreError::Busy(held)),
    };

    let temp = temp_name("new");
    let fresh = opened.create_subdir(&temp)?;
    let written = write_set(&fresh, devices);
    if let Err(e) = written {
        let _ = opened.root().remove_tree(&temp);
        return Err(e.into());
    }

    let mut names = BTreeSet::new();
    for device in devices {
        derived_names(device, &mut names);
    }
    for (name, _) in &locked {
        if !names.contains(name) {
            leases.remove_file(&lease_file(name)?)?;
        }
    }
    for name in &names {
        if !locked.iter().any(|(kept, _)| kept == name) {
            let file = lease_file(name)?;
            leases.remove_tree(&file)?;
            leases.create_file(&file)?;
        }
    }
    if opened.root().replace_dir(&temp, DEVICES)? {
        opened.root().remove_tree(&temp)?;
    }
    drop(locked);
    Ok(())
}

fn write_set(dir: &Dir, devices: &[DeviceConfig<'_>]) -> Result<(), LinuxError> {
    for (accel_id, device) in devices.iter().enumerate() {
        let name = format!("{accel_id}.{}.conf", device.device_type.name());
        let header = format!(
            "# qsal: device {accel_id} ({}), expanded from {}\n",
            device.device_type,
            device.source.display()
        );
        let file = dir.create_file(&name)?;
        file.write_all_at(header.as_bytes(), 0)?;
        file.write_all_at(device.expanded.as_bytes(), header.len() as u64)?;
        rustix::fs::fsync(file.fd()).map_err(|e| LinuxError::io("sync", file.path(), e.into()))?;
    }
    rustix::fs::fsync(dir.fd()).map_err(|e| LinuxError::io("sync", dir.path(), e.into()))
}

/// Removes the device set of `runtime` and its lease files. Held slots make it refuse (listing
/// them) unless `force`, which removes their lease files too (their holders' next start or stop
/// reports the lost lease) — allowed only to root and to the user holding each such slot. Returns
/// the slots whose leases were forced. `waiting` is called if another `up` or `down` holds the lock.
pub fn remove_devices(
    runtime: &RuntimeDir,
    force: bool,
    waiting: impl FnOnce(),
) -> Result<Vec<(String, Holder)>, StoreError> {
    let Some(opened) = runtime.open()? else {
        return Ok(Vec::new());
    };
    let _lock = opened.lock(waiting)?;
    remove_leftovers(&opened)?;
    let mut forced = Vec::new();
    if let Some(leases) = opened.subdir(LEASES)? {
        let locked = match lock_all(&opened, &leases)? {
            Leases::Locked(locked) => locked,
            Leases::Held(held) if !force => return Err(StoreError::Busy(held)),
            Leases::Held(held) => {
                let caller = rustix::process::geteuid().as_raw();
                if let Some((slot, holder)) =
                    held.iter().find(|(_, h)| caller != 0 && h.uid != caller)
                {
                    return Err(LinuxError::NotHolder {
                        slot: slot.clone(),
                        uid: holder.uid,
                    }
                    .into());
                }
                forced = held;
                Vec::new()
            }
        };
        for name in lease_names(&leases)? {
            leases.remove_file(&lease_file(&name)?)?;
        }
        drop(locked);
    }
    if opened.root().stat_entry(DEVICES)?.is_some() {
        let aside = temp_name("old");
        opened.root().rename(DEVICES, &aside)?;
        opened.root().remove_tree(&aside)?;
    }
    Ok(forced)
}
