//! Writing and removing a device set: what `qsal up`, `qsal restart` and `qsal down` do to the
//! runtime directory once [`crate::load`] has produced the device files.
//!
//! Both run under the runtime directory's lock (`.lock`), so two operators never interleave. A
//! change never silently changes what a held slot means: replacing the whole set is refused while
//! any slot is held, and changing one device is refused when a held slot's derived section would
//! disappear (unless `down --force`, by root or the holder).
//!
//! A device set is replaced as a whole: the new device files are written into a fresh directory,
//! then that directory is exchanged with `devices/` in one `renameat2(RENAME_EXCHANGE)`, so a reader
//! sees the old complete set or the new complete set, never a mix. Before the exchange [`commit`]
//! locks every free lease file (so nobody can start on the old set meanwhile), creates the lease
//! file of every new derived name, and removes those of names that are gone; starters never create
//! lease files themselves (see the `leases` module).

use std::collections::BTreeSet;

use qsal_core::platform::Holder;

use crate::LinuxError;
use crate::device_file::parse_file_name;
use crate::dir::{Access, Dir, File};
use crate::leases::{ProbeWait, lease_file, lock_exclusive, open_lease, probe_holder, read_record};
use crate::runtime::{DEVICES, LEASES, Opened, RuntimeDir};
use crate::section_index::SectionIndex;

/// Prefix of the temporary directories `up` and `down` use (left over only by a crash).
const TEMP_PREFIX: &str = ".devices.";

/// One file of a new device set: its name (`<accel id>.<type>.conf`) and its whole text, header
/// included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    /// The file name.
    pub name: String,
    /// The header and the expanded configuration.
    pub text: String,
}

/// What a change does about held slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// Any held slot refuses the change (replacing the whole set).
    Refuse,
    /// Held slots stay held; a held slot whose derived section would disappear refuses the change.
    KeepUnlessLost,
    /// Like [`Held::KeepUnlessLost`], but held slots whose section disappears lose their lease
    /// (`down --force`: root or the holder only).
    ForceLost,
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
struct Leases {
    /// Free ones, each locked by this process until dropped.
    locked: Vec<(String, File)>,
    /// Held ones (by name, with their holders).
    held: Vec<(String, Holder)>,
}

/// Every lease file of `leases`: each free one locked exclusively by this call, and the holders of
/// those that are held. Entries that are not trusted lease files are removed.
fn lock_all(opened: &Opened, leases: &Dir) -> Result<Leases, LinuxError> {
    let mut found = Leases {
        locked: Vec::new(),
        held: Vec::new(),
    };
    let wait = ProbeWait::default();
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
        if lock_exclusive(file.fd(), || file.path().to_path_buf(), &wait)? {
            found.locked.push((name.to_string(), file));
        } else {
            found
                .held
                .push((name.to_string(), read_record(&file).unwrap_or_default()));
        }
    }
    Ok(found)
}

/// The derived names of a device file that can be leases.
fn derived_names(file: &NewFile, into: &mut BTreeSet<String>) {
    let Ok((_, device_type)) = parse_file_name(&file.name) else {
        return;
    };
    let text = file.text.as_bytes();
    let index = SectionIndex::of(text);
    let view = index.view(text, device_type.profile());
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

/// Refuses to take leases away from users other than the caller, unless the caller is root.
fn check_may_force(held: &[(String, Holder)]) -> Result<(), LinuxError> {
    let caller = rustix::process::geteuid().as_raw();
    match held.iter().find(|(_, h)| caller != 0 && h.uid != caller) {
        Some((slot, holder)) => Err(LinuxError::NotHolder {
            slot: slot.clone(),
            uid: holder.uid,
        }),
        None => Ok(()),
    }
}

/// Writes `files` as the device set of `opened`, replacing the previous set as a whole, and brings
/// the lease files in line with it; `held` says what held slots allow. The caller holds the
/// runtime directory's lock. Returns the held slots whose leases were removed (only
/// [`Held::ForceLost`]).
pub fn commit(
    opened: &Opened,
    files: &[NewFile],
    held: Held,
) -> Result<Vec<(String, Holder)>, StoreError> {
    remove_leftovers(opened)?;
    let leases = opened.create_subdir(LEASES)?;
    let found = lock_all(opened, &leases)?;
    let mut names = BTreeSet::new();
    for file in files {
        derived_names(file, &mut names);
    }
    let lost: Vec<(String, Holder)> = found
        .held
        .iter()
        .filter(|(name, _)| held == Held::Refuse || !names.contains(name))
        .cloned()
        .collect();
    match held {
        _ if lost.is_empty() => {}
        Held::Refuse | Held::KeepUnlessLost => return Err(StoreError::Busy(lost)),
        Held::ForceLost => check_may_force(&lost)?,
    }

    let temp = temp_name("new");
    let fresh = opened.create_subdir(&temp)?;
    if let Err(e) = write_set(&fresh, files) {
        let _ = opened.root().remove_tree(&temp);
        return Err(e.into());
    }

    let existing = || {
        found
            .locked
            .iter()
            .map(|(name, _)| name)
            .chain(found.held.iter().map(|(name, _)| name))
    };
    for name in existing() {
        if !names.contains(name) {
            leases.remove_file(&lease_file(name)?)?;
        }
    }
    for name in &names {
        if !existing().any(|kept| kept == name) {
            let file = lease_file(name)?;
            leases.remove_tree(&file)?;
            leases.create_file(&file)?;
        }
    }
    if opened.root().replace_dir(&temp, DEVICES)? {
        opened.root().remove_tree(&temp)?;
    }
    drop(found);
    Ok(lost)
}

fn write_set(dir: &Dir, files: &[NewFile]) -> Result<(), LinuxError> {
    for new in files {
        let file = dir.create_file(&new.name)?;
        file.write_all_at(new.text.as_bytes(), 0)?;
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
        let found = lock_all(&opened, &leases)?;
        if !found.held.is_empty() {
            if !force {
                return Err(StoreError::Busy(found.held));
            }
            check_may_force(&found.held)?;
            forced.clone_from(&found.held);
        }
        for name in lease_names(&leases)? {
            leases.remove_file(&lease_file(&name)?)?;
        }
        drop(found);
    }
    if opened.root().stat_entry(DEVICES)?.is_some() {
        let aside = temp_name("old");
        opened.root().rename(DEVICES, &aside)?;
        opened.root().remove_tree(&aside)?;
    }
    Ok(forced)
}
