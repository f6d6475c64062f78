//! [`LinuxRegistry`]: crash-safe leases, one exclusive non-blocking `flock` per derived name.
//!
//! `qsal up` creates `leases/<name>.lease` for every derived name of the device set (owned by the
//! runtime directory's owner, mode 0660). A starter never creates a lease file: it opens the
//! existing one (not following links, never blocking) and takes `LOCK_SH | LOCK_NB`, which is
//! refused exactly when someone holds the lease (a held name costs three calls: open, lock,
//! close). It upgrades that to `LOCK_EX | LOCK_NB` (a refusal now is only a probe or a racing
//! starter, waited out), refuses anything but a regular file with one link and a trusted owner,
//! and only then writes its record (pid, uid, start time, command). The lock, not the record, is
//! the truth: a record whose lock is free is stale and means "free". The lock belongs to the open file description, so a crash or
//! `kill -9` frees the slot with no clean-up step, a forked child's inherited descriptor keeps it
//! only until the child drops it, and closing the descriptor (never `LOCK_UN`) is all a release does.
//!
//! A registry opens and checks the runtime directory and `leases/` once and keeps them open; each
//! later search uses them again only after a `stat` of each path shows the same directories,
//! unchanged in owner, group and mode (for the same effective user), and opens and checks them
//! afresh otherwise — the same checks, two `stat`s instead of two opens, two `fstat`s and two
//! closes on every search after a process's first.
//!
//! Because starters never create lease files, deleting a held lease file (anyone in the directory's
//! group can) cannot hand its slot to a second process: the next starter finds no file, counts the
//! slot as unusable and moves on; a file planted in its place is refused for its owner. The holder
//! itself notices at its next start or stop that its file is gone.

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use qsal_core::limits::MAX_STR_LEN;
use qsal_core::names::check_name_str;
use qsal_core::platform::{ErrorType, Holder, Lease, SlotRegistry};
use qsal_core::strings::push_decimal;
use rustix::fd::OwnedFd;
use rustix::fs::{AtFlags, FlockOperation};

use crate::dir::{Access, Dir, File, Identity, Unchecked, c_path};
use crate::runtime::{LEASES, Opened, RuntimeDir};
use crate::{LinuxError, Untrusted};

/// Size of a holder record. Records are padded to this size and written in place, so taking a
/// lease never truncates the file (truncation is slow on journaling file systems).
const RECORD_LEN: usize = 96;

/// The most bytes of a lease file ever read (a record is [`RECORD_LEN`]); whatever a group member
/// appends beyond it costs nothing.
const RECORD_READ: usize = 512;

/// The lease files of one runtime directory.
#[derive(Clone, Debug)]
pub struct LinuxRegistry {
    runtime: RuntimeDir,
    /// Searches in progress and the directories they use.
    session: Arc<Mutex<Session>>,
}

/// Searches in progress and the directories they use.
#[derive(Debug, Default)]
struct Session {
    /// Searches in progress.
    searches: u32,
    /// The directories the searches in progress share, current when the first began, so a search
    /// never sees directories replaced after it began.
    current: Option<Arc<Dirs>>,
    /// The directories last used, kept open for the next search, which uses them only if
    /// [`Kept::still_current`].
    kept: Option<Arc<Kept>>,
}

/// An opened, trusted runtime directory and its `leases/`, kept between searches.
#[derive(Debug)]
struct Kept {
    opened: Opened,
    leases: Dir,
    /// The runtime directory's path as a C string, for the `lstat` of every later search.
    root: Option<CString>,
}

impl Kept {
    /// Whether these are still the runtime directory and its `leases/` as they were checked, for
    /// the same effective user: both paths name directories with the identities they had then
    /// (same inode, owner, group and mode; a `stat` each instead of opening and checking both
    /// again). Anything else — a directory replaced, removed, re-owned or re-moded, a `down` and an
    /// `up` in between — means opening them again, with every check.
    fn still_current(&self) -> bool {
        let root = self.opened.root();
        let Some(path) = &self.root else {
            return false;
        };
        rustix::process::geteuid().as_raw() == self.opened.caller()
            && rustix::fs::lstat(path.as_c_str())
                .is_ok_and(|stat| Some(Identity::of(&stat)) == root.checked())
            && rustix::fs::statat(root.fd(), LEASES, AtFlags::SYMLINK_NOFOLLOW)
                .is_ok_and(|stat| Some(Identity::of(&stat)) == self.leases.checked())
    }
}

/// The directories one search (or one call outside a search) uses, and its budget for waiting
/// out probes.
#[derive(Debug)]
struct Dirs {
    kept: Arc<Kept>,
    wait: ProbeWait,
}

/// The file name of the lease of `name`, after checking that `name` is a safe file name.
pub fn lease_file(name: &str) -> Result<LeaseFileName, LinuxError> {
    let unsafe_name = || LinuxError::UnsafeName(name.to_string());
    check_name_str(name).map_err(|_| unsafe_name())?;
    let mut file = LeaseFileName::new();
    file.push_str(name)
        .and_then(|()| file.push_str(LEASE_SUFFIX))
        .map_err(|_| unsafe_name())?;
    Ok(file)
}

/// What a slot name is followed by in its lease file's name.
const LEASE_SUFFIX: &str = ".lease";

/// The name of a held lease, kept on the stack (a checked name is shorter than [`MAX_STR_LEN`]).
pub type LeaseName = heapless::String<MAX_STR_LEN>;

/// A lease file's name, built on the stack (a slot name is checked to be shorter than
/// [`MAX_STR_LEN`] bytes).
pub type LeaseFileName = heapless::String<{ MAX_STR_LEN + LEASE_SUFFIX.len() }>;

impl LinuxRegistry {
    /// The registry of `runtime` (its `leases/` directory).
    pub fn new(runtime: &RuntimeDir) -> Self {
        Self {
            runtime: runtime.clone(),
            session: Arc::default(),
        }
    }

    /// The path of the lease file of `name` (for messages), after checking the name.
    pub fn path(&self, name: &str) -> Result<PathBuf, LinuxError> {
        Ok(self.runtime.leases().join(lease_file(name)?.as_str()))
    }

    /// Current directories with a fresh probe-waiting budget: the kept ones while
    /// [`Kept::still_current`], else the runtime directory and `leases/` opened and checked
    /// again (and kept).
    fn current_dirs(&self, session: &mut Session) -> Result<Arc<Dirs>, LinuxError> {
        let kept = match session.kept.take() {
            Some(kept) if kept.still_current() => kept,
            _ => {
                let opened = self.runtime.open_existing()?;
                let leases = opened.require(LEASES)?;
                Arc::new(Kept {
                    opened,
                    leases,
                    root: c_path(self.runtime.root()),
                })
            }
        };
        session.kept = Some(Arc::clone(&kept));
        Ok(Arc::new(Dirs {
            kept,
            wait: ProbeWait::default(),
        }))
    }

    /// The directories of the search in progress, or current ones.
    fn dirs(&self) -> Result<Arc<Dirs>, LinuxError> {
        let mut session = self.session.lock();
        match &session.current {
            Some(dirs) => Ok(Arc::clone(dirs)),
            None => self.current_dirs(&mut session),
        }
    }

    /// Opens the lease file of `name` for `access`: a regular file with a trusted owner (and one
    /// link, for writing).
    fn open(&self, name: &str, access: Access) -> Result<File, LinuxError> {
        let dirs = self.dirs()?;
        open_lease(&dirs.kept.opened, &dirs.kept.leases, name, access)
    }
}

/// Opens and checks the lease file of `name` in `dir` ([`check_lease`]).
pub(crate) fn open_lease(
    opened: &Opened,
    dir: &Dir,
    name: &str,
    access: Access,
) -> Result<File, LinuxError> {
    let file_name = lease_file(name)?;
    check_lease(open_lease_file(dir, &file_name, access)?, opened, access)
}

/// Opens lease file `file_name` in `dir` without checking it yet: it may only be locked before
/// [`check_lease`].
fn open_lease_file<'a>(
    dir: &'a Dir,
    file_name: &'a str,
    access: Access,
) -> Result<Unchecked<'a>, LinuxError> {
    dir.open_unchecked(file_name, access)?
        .ok_or_else(|| LinuxError::LeaseFileMissing(dir.join(file_name)))
}

/// The checks a lease file passes before it is read or written: a regular file with a trusted
/// owner and, for writing, one link. A file with no link left was removed after it was opened
/// (a new device set is being written), which is reported as missing, not as a planted link.
fn check_lease(
    unchecked: Unchecked<'_>,
    opened: &Opened,
    access: Access,
) -> Result<File, LinuxError> {
    let file = unchecked.check(Access::Read)?;
    if access == Access::Write {
        match file.stat().st_nlink {
            0 => return Err(LinuxError::LeaseFileMissing(file.path().to_path_buf())),
            1 => {}
            links => {
                return Err(LinuxError::Untrusted {
                    path: file.path().to_path_buf(),
                    problem: Untrusted::HardLinked { links },
                });
            }
        }
    }
    let owners = opened.owners();
    file.check_owner(move |uid| owners.trusts(uid))?;
    Ok(file)
}

fn write_record(file: &File, holder: &Holder) -> Result<(), LinuxError> {
    file.write_all_at(&holder_record(holder), 0)
}

/// A holder record: `pid=`, `uid=`, `since=` and `command=` lines, space-padded to
/// [`RECORD_LEN`] and ending in a newline. Built on the stack without `core::fmt`; the fields take
/// at most 82 bytes (pid and uid 10 digits, since 20, command 16), so they always fit.
fn holder_record(holder: &Holder) -> [u8; RECORD_LEN] {
    let mut fields = heapless::String::<RECORD_LEN>::new();
    let _ = fields
        .push_str("pid=")
        .and_then(|()| push_decimal(&mut fields, u64::from(holder.pid)))
        .and_then(|()| fields.push_str("\nuid="))
        .and_then(|()| push_decimal(&mut fields, u64::from(holder.uid)))
        .and_then(|()| fields.push_str("\nsince="))
        .and_then(|()| push_decimal(&mut fields, holder.since))
        .and_then(|()| fields.push_str("\ncommand="))
        .and_then(|()| fields.push_str(&holder.command))
        .and_then(|()| fields.push('\n'));
    let mut record = [b' '; RECORD_LEN];
    let used = fields.len().min(RECORD_LEN - 1);
    if let (Some(to), Some(from)) = (record.get_mut(..used), fields.as_bytes().get(..used)) {
        to.copy_from_slice(from);
    }
    if let Some(last) = record.last_mut() {
        *last = b'\n';
    }
    record
}

/// Reads the holder record of a lease file (`pid=`, `uid=`, `since=`, `command=` lines), looking
/// at its first few hundred bytes only.
pub fn read_record(file: &File) -> Result<Holder, LinuxError> {
    let mut buf = [0u8; RECORD_READ];
    let n = rustix::io::pread(file.fd(), &mut buf, 0)
        .map_err(|e| LinuxError::io("read", file.path(), e.into()))?;
    Ok(parse_record(buf.get(..n).unwrap_or_default()))
}

/// The holder a record's bytes describe (fields missing or unreadable are left at their default).
fn parse_record(bytes: &[u8]) -> Holder {
    let text = String::from_utf8_lossy(bytes);
    let mut holder = Holder::default();
    for line in text.lines() {
        match line.split_once('=') {
            Some(("pid", v)) => holder.pid = v.trim().parse().unwrap_or(0),
            Some(("uid", v)) => holder.uid = v.trim().parse().unwrap_or(0),
            Some(("since", v)) => holder.since = v.trim().parse().unwrap_or(0),
            Some(("command", v)) => {
                holder.command = qsal_core::strings::copy(v.trim());
            }
            _ => {}
        }
    }
    holder
}

/// How long the lease attempts of one search (or one `up`/`down` sweep) wait out shared locks in
/// total before calling the rest held. A probe's shared lock lasts microseconds, or a scheduler
/// slice or two when its thread is preempted on a loaded machine; only a group member holding
/// one on purpose lasts longer, and that can at worst deny the slot (after this delay).
const PROBE_WAIT: Duration = Duration::from_millis(500);

/// Lock attempts that only yield the processor before they start sleeping between attempts.
const PROBE_YIELDS: u32 = 16;

/// The pause between two lock attempts after [`PROBE_YIELDS`].
const PROBE_PAUSE: Duration = Duration::from_micros(50);

/// The probe-waiting budget of one search or sweep: its deadline is set by its first wait, so
/// however many names are probed at that moment, the whole search waits [`PROBE_WAIT`] at most.
#[derive(Debug, Default)]
pub(crate) struct ProbeWait(Mutex<Option<Instant>>);

impl ProbeWait {
    /// When waiting stops.
    fn deadline(&self) -> Instant {
        *self
            .0
            .lock()
            .get_or_insert_with(|| Instant::now() + PROBE_WAIT)
    }
}

/// Takes the exclusive lock of an open lease file without blocking on a holder: `Ok(false)` when
/// someone holds the lease. A [`probe_holder`]'s momentary shared lock is waited out instead of
/// being mistaken for a holder, so a health probe (`qsal status`, the Kubernetes plugin) never
/// makes a free slot look held: a search still gets the lowest free name, as the kernel's would,
/// a start pinned to the slot (`QSAL_SLOT`) is not refused, and `down` does not count it as held.
///
/// The shared lock comes first: it is refused exactly when someone holds the lease, so a held
/// name still costs one `flock`; a free one costs a second to upgrade.
pub(crate) fn lock_exclusive(
    fd: &OwnedFd,
    path: impl Fn() -> PathBuf,
    wait: &ProbeWait,
) -> Result<bool, LinuxError> {
    let lock_error = |e: rustix::io::Errno| LinuxError::io("lock", &path(), e.into());
    for attempt in 0u32.. {
        match rustix::fs::flock(fd, FlockOperation::NonBlockingLockShared) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => return Ok(false),
            Err(e) => return Err(lock_error(e)),
        }
        // Nobody holds it. The upgrade is refused only while someone else has a shared lock too
        // (a probe, or another starter between these two calls).
        match rustix::fs::flock(fd, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(true),
            Err(rustix::io::Errno::WOULDBLOCK) => {}
            Err(e) => return Err(lock_error(e)),
        }
        // Linux drops the shared lock when an upgrade fails; make sure of it, so that waiting
        // never blocks anyone else's upgrade.
        rustix::fs::flock(fd, FlockOperation::Unlock).map_err(lock_error)?;
        if Instant::now() >= wait.deadline() {
            break;
        }
        if attempt < PROBE_YIELDS {
            std::thread::yield_now();
        } else {
            std::thread::sleep(PROBE_PAUSE);
        }
    }
    Ok(false)
}

/// Who holds the lease of an open lease file: a momentary shared lock fails exactly when someone
/// holds the exclusive lease.
pub(crate) fn probe_holder(file: &File) -> Result<Option<Holder>, LinuxError> {
    match rustix::fs::flock(file.fd(), FlockOperation::NonBlockingLockShared) {
        Ok(()) => Ok(None),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(Some(read_record(file)?)),
        Err(e) => Err(LinuxError::io("lock", file.path(), e.into())),
    }
}

impl ErrorType for LinuxRegistry {
    type Error = LinuxError;
}

impl SlotRegistry for LinuxRegistry {
    type Lease = LinuxLease;

    /// A held name is recognised before its file is checked (a refused shared lock: `openat`,
    /// `flock`, `close`, the same three calls as a bare attempt); `check_lease` — a regular
    /// file, one link, a trusted owner — comes after the lock and
    /// before the file is written, so nothing untrusted is ever written or trusted. (An untrusted
    /// file with someone's lock on it counts as held rather than unusable: either way its slot is
    /// not handed out.)
    fn try_lease(&self, name: &str, holder: &Holder) -> Result<Option<LinuxLease>, LinuxError> {
        let dirs = self.dirs()?;
        let file_name = lease_file(name)?;
        let held = LeaseName::try_from(name).map_err(|_| LinuxError::UnsafeName(name.into()))?;
        let unchecked = open_lease_file(&dirs.kept.leases, &file_name, Access::Write)?;
        if !lock_exclusive(unchecked.fd(), || unchecked.path(), &dirs.wait)? {
            return Ok(None);
        }
        let file = check_lease(unchecked, &dirs.kept.opened, Access::Write)?;
        write_record(&file, holder)?;
        let (fd, path) = file.into_fd_and_path();
        Ok(Some(LinuxLease {
            fd,
            name: held,
            path,
        }))
    }

    /// Probes with a momentary shared lock on a fresh descriptor (a start racing the probe waits
    /// it out, see `lock_exclusive`).
    fn holder(&self, name: &str) -> Result<Option<Holder>, LinuxError> {
        probe_holder(&self.open(name, Access::Read)?)
    }

    fn begin(&self) -> Result<(), LinuxError> {
        let mut session = self.session.lock();
        if session.searches == 0 {
            session.current = Some(self.current_dirs(&mut session)?);
        }
        session.searches = session.searches.saturating_add(1);
        Ok(())
    }

    /// The last search to end lets go of the directories it shared; they stay open (kept) for
    /// the next one, which checks that they are still current.
    fn end(&self) {
        let mut session = self.session.lock();
        session.searches = session.searches.saturating_sub(1);
        if session.searches == 0 {
            session.current = None;
        }
    }
}

/// A held lease: an open, exclusively locked lease file. Dropping it closes the descriptor.
#[derive(Debug)]
pub struct LinuxLease {
    fd: OwnedFd,
    name: LeaseName,
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
        let held = rustix::fs::fstat(&self.fd)
            .map_err(|e| LinuxError::io("stat", &self.path, e.into()))?;
        if held.st_nlink > 0 {
            Ok(())
        } else {
            Err(LinuxError::LeaseLost(self.path.clone()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_holder_record_fits_and_reads_back() {
        let holder = Holder {
            pid: u32::MAX,
            uid: u32::MAX,
            since: u64::MAX,
            command: qsal_core::strings::copy("sixteen-bytes-cm"),
        };
        assert_eq!(holder.command.len(), 16);
        let record = holder_record(&holder);
        assert!(record.ends_with(b"command=sixteen-bytes-cm\n             \n"));
        assert_eq!(parse_record(&record), holder);
        let short = holder_record(&Holder::default());
        assert!(short.starts_with(b"pid=0\nuid=0\nsince=0\ncommand=\n "));
        assert!(short.ends_with(b" \n"));
        assert_eq!(parse_record(&short), Holder::default());
    }
}
