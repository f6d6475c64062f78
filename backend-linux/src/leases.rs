//! [`LinuxRegistry`]: crash-safe leases, one exclusive non-blocking `flock` per derived name.
//!
//! `leases/<name>.lease` is opened (`O_NOFOLLOW | O_CLOEXEC`, 0660) and locked with
//! `LOCK_EX | LOCK_NB`; the holder writes its record (pid, uid, start time, command) into it. The lock,
//! not the record, is the truth: a record whose lock is free is stale and means "free". The lock
//! belongs to the open file description, so a crash or `kill -9` frees the slot with no clean-up step,
//! a forked child's inherited descriptor keeps it only until the child drops it, and closing the
//! descriptor (never `LOCK_UN`) is all a release does.
//!
//! After locking, the holder checks that the path still names the file it locked: `qsal down` removes
//! lease files while holding their lock, so a starter that opened a file just before it was removed
//! retries on the new file instead of holding a lock nobody else can see.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use qsal_core::names::check_name;
use qsal_core::platform::{ErrorType, Holder, Lease, SlotRegistry};
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{FlockOperation, OFlags};

use crate::LinuxError;
use crate::runtime::{RuntimeDir, open_read, open_rw};

/// The lease files of one runtime directory.
#[derive(Clone, Debug)]
pub struct LinuxRegistry {
    dir: PathBuf,
}

impl LinuxRegistry {
    /// The registry of `runtime` (its `leases/` directory).
    pub fn new(runtime: &RuntimeDir) -> Self {
        Self {
            dir: runtime.leases(),
        }
    }

    /// The lease file of `name`, after checking that `name` is a safe file name.
    pub fn path(&self, name: &str) -> Result<PathBuf, LinuxError> {
        check_name(name.as_bytes()).map_err(|_| LinuxError::UnsafeName(name.to_string()))?;
        Ok(self.dir.join(format!("{name}.lease")))
    }

    /// Every lease file name (without `.lease`), sorted.
    pub fn names(&self) -> Result<Vec<String>, LinuxError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(LinuxError::io("list", &self.dir, e)),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_suffix(".lease")
                    .map(str::to_string)
            })
            .filter(|n| check_name(n.as_bytes()).is_ok())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Removes the lease file of `name` if nobody holds it (taking its lock while removing it).
    /// Returns the holder when it is held; with `force` it is removed anyway.
    pub fn remove(&self, name: &str, force: bool) -> Result<Option<Holder>, LinuxError> {
        let path = self.path(name)?;
        let fd = match open_existing(&path)? {
            Some(fd) => fd,
            None => return Ok(None),
        };
        let holder = match rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => None,
            Err(rustix::io::Errno::WOULDBLOCK) => Some(read_record(&path).unwrap_or_default()),
            Err(e) => return Err(LinuxError::io("lock", &path, e.into())),
        };
        if holder.is_none() || force {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(LinuxError::io("remove", &path, e)),
            }
        }
        Ok(holder)
    }
}

fn open_existing(path: &Path) -> Result<Option<OwnedFd>, LinuxError> {
    match rustix::fs::open(
        path,
        OFlags::RDWR | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    ) {
        Ok(fd) => Ok(Some(fd)),
        Err(rustix::io::Errno::NOENT) => Ok(None),
        Err(e) => Err(LinuxError::io("open", path, e.into())),
    }
}

/// Whether `fd` is still the file at `path`. Lease files are only ever removed (never renamed over),
/// so a descriptor whose file has no link left is exactly one whose path is gone or re-created.
fn still_linked(fd: impl AsFd, path: &Path) -> Result<bool, LinuxError> {
    let held = rustix::fs::fstat(fd).map_err(|e| LinuxError::io("stat", path, e.into()))?;
    Ok(held.st_nlink > 0)
}

/// Size of a holder record. Records are padded to this size and written in place, so taking a
/// lease never truncates the file (truncation is slow on journaling file systems).
const RECORD_LEN: usize = 96;

fn write_record(fd: &OwnedFd, path: &Path, holder: &Holder) -> Result<(), LinuxError> {
    let mut record = format!(
        "pid={}\nuid={}\nsince={}\ncommand={}\n",
        holder.pid, holder.uid, holder.since, holder.command
    );
    let pad = RECORD_LEN.saturating_sub(record.len() + 1);
    record.extend(std::iter::repeat_n(' ', pad));
    record.push('\n');
    let written = rustix::io::pwrite(fd, record.as_bytes(), 0)
        .map_err(|e| LinuxError::io("write the holder record to", path, e.into()))?;
    if written != record.len() {
        return Err(LinuxError::io(
            "write the holder record to",
            path,
            std::io::ErrorKind::WriteZero.into(),
        ));
    }
    Ok(())
}

/// Reads a holder record (`pid=`, `uid=`, `since=`, `command=` lines).
pub fn read_record(path: &Path) -> Result<Holder, LinuxError> {
    let mut text = String::new();
    open_read(path)?
        .read_to_string(&mut text)
        .map_err(|e| LinuxError::io("read", path, e))?;
    let mut holder = Holder::default();
    for line in text.lines() {
        match line.split_once('=') {
            Some(("pid", v)) => holder.pid = v.parse().unwrap_or(0),
            Some(("uid", v)) => holder.uid = v.parse().unwrap_or(0),
            Some(("since", v)) => holder.since = v.parse().unwrap_or(0),
            Some(("command", v)) => {
                for c in v.chars() {
                    if holder.command.push(c).is_err() {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(holder)
}

impl ErrorType for LinuxRegistry {
    type Error = LinuxError;
}

impl SlotRegistry for LinuxRegistry {
    type Lease = LinuxLease;

    fn try_lease(&self, name: &str, holder: &Holder) -> Result<Option<LinuxLease>, LinuxError> {
        let path = self.path(name)?;
        for _ in 0..4 {
            let fd = open_rw(&path)?;
            match rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => {}
                Err(rustix::io::Errno::WOULDBLOCK) => return Ok(None),
                Err(e) => return Err(LinuxError::io("lock", &path, e.into())),
            }
            if !still_linked(&fd, &path)? {
                // Removed between our open and our lock: try again on the current file.
                continue;
            }
            write_record(&fd, &path, holder)?;
            return Ok(Some(LinuxLease {
                fd,
                name: name.to_string(),
                path,
            }));
        }
        Err(LinuxError::io(
            "lock",
            &path,
            std::io::Error::other("the lease file keeps being replaced"),
        ))
    }

    /// Probes with a momentary shared lock on a fresh descriptor: it fails exactly when someone
    /// holds the exclusive lease. (A start racing this probe may find the name busy for that
    /// instant and move on to the next name; no name is ever granted twice.)
    fn holder(&self, name: &str) -> Result<Option<Holder>, LinuxError> {
        let path = self.path(name)?;
        let Some(fd) = open_existing(&path)? else {
            return Ok(None);
        };
        match rustix::fs::flock(&fd, FlockOperation::NonBlockingLockShared) {
            Ok(()) => Ok(None),
            Err(rustix::io::Errno::WOULDBLOCK) => Ok(Some(read_record(&path)?)),
            Err(e) => Err(LinuxError::io("lock", &path, e.into())),
        }
    }
}

/// A held lease: an open, exclusively locked lease file. Dropping it closes the descriptor.
#[derive(Debug)]
pub struct LinuxLease {
    fd: OwnedFd,
    name: String,
    path: PathBuf,
}

impl ErrorType for LinuxLease {
    type Error = LinuxError;
}

impl Lease for LinuxLease {
    fn name(&self) -> &str {
        &self.name
    }

    fn check(&self) -> Result<(), LinuxError> {
        if still_linked(&self.fd, &self.path)? {
            Ok(())
        } else {
            Err(LinuxError::LeaseLost(self.path.clone()))
        }
    }
}
