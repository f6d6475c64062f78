//! [`Dir`]: a directory below the runtime directory, reached only through its descriptor.
//!
//! Everything below the runtime directory is untrusted input (SPEC §5): any member of its group may
//! have replaced a subdirectory with a symlink, put a FIFO where a lease should be, or hard-linked a
//! file from elsewhere. So every operation here is relative to an open directory descriptor and
//! names exactly one component; nothing follows a symlink (`O_NOFOLLOW`, `AT_SYMLINK_NOFOLLOW`);
//! files are opened `O_NONBLOCK` and type-checked with `fstat` before any read, so a FIFO or a
//! device node never blocks; reads are bounded; files and directories are created with explicit
//! modes (`fchmod` after create, whatever the umask); removal walks directories through their
//! descriptors and never through a link.

use std::ffi::CString;
use std::io;
use std::path::{Path, PathBuf};

use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags, Stat};

use crate::LinuxError;
use crate::error::Untrusted;

/// Mode of directories qsal creates: group read/write/search, and set-group-id so that files
/// created inside inherit the directory's group.
pub const DIR_MODE: u32 = 0o2770;
/// Mode of files qsal creates: read/write for the owner and the group.
pub const FILE_MODE: u32 = 0o660;

/// The identity of a file or directory: changes whenever it is replaced or (for a directory) an
/// entry is added, removed or renamed.
pub type Stamp = (u64, u64, i64, i64);

/// The stamp of a `stat` result.
pub fn stamp_of(stat: &Stat) -> Stamp {
    (
        stat.st_dev,
        stat.st_ino,
        stat.st_mtime,
        stat.st_mtime_nsec as i64,
    )
}

/// What a directory's trust was judged on: which directory it is (device and inode) and its owner,
/// group and mode. While a path still names a directory with the same identity, it is the same
/// directory and what was checked about it still holds (the inode cannot be reused while a
/// descriptor of it is open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    dev: u64,
    ino: u64,
    uid: u32,
    gid: u32,
    mode: u32,
}

impl Identity {
    /// The identity in `stat`.
    pub fn of(stat: &Stat) -> Self {
        Self {
            dev: stat.st_dev,
            ino: stat.st_ino,
            uid: stat.st_uid,
            gid: stat.st_gid,
            mode: stat.st_mode,
        }
    }
}

/// Who may own what qsal trusts below the runtime directory: root and the runtime directory's
/// owner (the user who runs `qsal up`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owners {
    /// The runtime directory's owner.
    pub directory: u32,
}

impl Owners {
    /// Whether `uid` is trusted.
    pub fn trusts(self, uid: u32) -> bool {
        uid == 0 || uid == self.directory
    }
}

/// An open directory and its path (for messages).
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    path: PathBuf,
    /// Its identity when [`Dir::check_trusted`] last passed.
    checked: Option<Identity>,
}

/// What [`Dir::open_file`] opens a file for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reading only.
    Read,
    /// Reading and writing; the file must have exactly one link, so that a hard link planted by
    /// someone else is never written through.
    Write,
}

/// `path` as the C string the kernel takes, made once for a path that is `stat`ed at every search
/// (rustix would otherwise copy it and look for a NUL byte in it at each call); `None` when it
/// holds a NUL byte, which no path on disk does.
pub fn c_path(path: &Path) -> Option<CString> {
    CString::new(path.as_os_str().as_encoded_bytes()).ok()
}

/// Checks that `name` is a single path component qsal may use.
fn component(name: &str) -> io::Result<&str> {
    // One pass over the bytes (names are short; two substring searches cost more than the walk).
    if name.is_empty() || name == "." || name == ".." || name.bytes().any(|b| b == b'/' || b == 0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{name}` is not a single file name"),
        ));
    }
    Ok(name)
}

impl Dir {
    /// Opens the directory at `path` (the runtime directory itself, whose path the administrator
    /// chose). The last component must not be a symlink.
    pub fn open(path: &Path) -> Result<Option<Self>, LinuxError> {
        match rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => Ok(Some(Self {
                fd,
                path: path.to_path_buf(),
                checked: None,
            })),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
                Err(LinuxError::Untrusted {
                    path: path.to_path_buf(),
                    problem: Untrusted::NotADirectory,
                })
            }
            Err(e) => Err(LinuxError::io("open the directory", path, e.into())),
        }
    }

    /// The directory's path (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of entry `name` (for messages; a granted lease keeps its file's). Built at its
    /// final size: `Path::join` copies the directory's path and then grows the copy.
    pub fn join(&self, name: &str) -> PathBuf {
        let dir = self.path.as_os_str();
        let mut path = std::ffi::OsString::with_capacity(dir.len() + 1 + name.len());
        path.push(dir);
        if !dir.as_encoded_bytes().ends_with(b"/") {
            path.push("/");
        }
        path.push(name);
        PathBuf::from(path)
    }

    /// The directory's descriptor.
    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    /// `fstat` of the directory itself.
    pub fn stat(&self) -> Result<Stat, LinuxError> {
        rustix::fs::fstat(&self.fd).map_err(|e| LinuxError::io("stat", &self.path, e.into()))
    }

    /// Refuses a directory that anyone may write to, or whose owner is not among `owners`
    /// (checked as sshd's StrictModes checks a home directory); remembers what passed
    /// ([`Dir::checked`]).
    pub fn check_trusted(&mut self, trusted: impl Fn(u32) -> bool) -> Result<Stat, LinuxError> {
        let stat = self.stat()?;
        check_stat(&stat, &self.path, FileType::Directory, &trusted)?;
        self.checked = Some(Identity::of(&stat));
        Ok(stat)
    }

    /// The identity the directory had when it last passed [`Dir::check_trusted`], if it did.
    pub fn checked(&self) -> Option<Identity> {
        self.checked
    }

    /// Opens subdirectory `name`, refusing a symlink or anything that is not a directory, and
    /// checks it like [`Dir::check_trusted`]. `Ok(None)` when it does not exist.
    pub fn open_dir(
        &self,
        name: &str,
        trusted: impl Fn(u32) -> bool,
    ) -> Result<Option<Self>, LinuxError> {
        let path = self.join(name);
        let name = component(name).map_err(|e| LinuxError::io("open", &path, e))?;
        let fd = match rustix::fs::openat(
            &self.fd,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
                return Err(LinuxError::UntrustedDir {
                    path,
                    problem: Untrusted::NotADirectory,
                });
            }
            Err(e) => return Err(LinuxError::io("open the directory", &path, e.into())),
        };
        let mut dir = Self {
            fd,
            path,
            checked: None,
        };
        dir.check_trusted(trusted)?;
        Ok(Some(dir))
    }

    /// Creates subdirectory `name` with mode 2770 (set explicitly, whatever the umask), or opens
    /// it when it exists; either way checks it like [`Dir::open_dir`].
    pub fn create_dir(
        &self,
        name: &str,
        trusted: impl Fn(u32) -> bool,
    ) -> Result<Self, LinuxError> {
        let path = self.join(name);
        let name = component(name).map_err(|e| LinuxError::io("create", &path, e))?;
        let created = match rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o700)) {
            Ok(()) => true,
            Err(rustix::io::Errno::EXIST) => false,
            Err(e) => return Err(LinuxError::io("create the directory", &path, e.into())),
        };
        let dir = self.open_dir(name, &trusted)?.ok_or_else(|| {
            LinuxError::io("open the directory", &path, io::ErrorKind::NotFound.into())
        })?;
        if created {
            rustix::fs::fchmod(&dir.fd, Mode::from_raw_mode(DIR_MODE))
                .map_err(|e| LinuxError::io("set the mode of", &dir.path, e.into()))?;
        }
        Ok(dir)
    }

    /// Opens regular file `name` without following a symlink and without blocking: a FIFO, socket,
    /// device node or symlink is refused before anything is read. For [`Access::Write`] the file
    /// must also have a single link. `Ok(None)` when it does not exist.
    pub fn open_file(&self, name: &str, access: Access) -> Result<Option<File>, LinuxError> {
        match self.open_unchecked(name, access)? {
            Some(unchecked) => unchecked.check(access).map(Some),
            None => Ok(None),
        }
    }

    /// Opens `name` like [`Dir::open_file`] but leaves the checks for later
    /// ([`Unchecked::check`]): the descriptor may only be locked before then. `Ok(None)` when it
    /// does not exist.
    pub fn open_unchecked<'a>(
        &'a self,
        name: &'a str,
        access: Access,
    ) -> Result<Option<Unchecked<'a>>, LinuxError> {
        // The path is only for messages: joined when one is needed, not for every open.
        let path = || self.join(name);
        let name = component(name).map_err(|e| LinuxError::io("open", &path(), e))?;
        let mode = match access {
            Access::Read => OFlags::RDONLY,
            Access::Write => OFlags::RDWR,
        };
        let fd = match rustix::fs::openat(
            &self.fd,
            name,
            mode | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(rustix::io::Errno::LOOP) => {
                return Err(LinuxError::Untrusted {
                    path: path(),
                    problem: Untrusted::NotRegular { kind: "symlink" },
                });
            }
            Err(rustix::io::Errno::NXIO) => {
                // A FIFO without a reader opened for writing, or a socket.
                return Err(LinuxError::Untrusted {
                    path: path(),
                    problem: Untrusted::NotRegular {
                        kind: "FIFO or socket",
                    },
                });
            }
            Err(e) => return Err(LinuxError::io("open", &path(), e.into())),
        };
        Ok(Some(Unchecked {
            fd,
            dir: self,
            name,
        }))
    }

    /// Creates regular file `name` (which must not exist) with mode 0660, set explicitly.
    pub fn create_file(&self, name: &str) -> Result<File, LinuxError> {
        let path = self.join(name);
        let name = component(name).map_err(|e| LinuxError::io("create", &path, e))?;
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(FILE_MODE),
        )
        .map_err(|e| LinuxError::io("create", &path, e.into()))?;
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(FILE_MODE))
            .map_err(|e| LinuxError::io("set the mode of", &path, e.into()))?;
        let stat = rustix::fs::fstat(&fd).map_err(|e| LinuxError::io("stat", &path, e.into()))?;
        Ok(File { fd, path, stat })
    }

    /// Writes `contents` as file `name`, replacing it atomically: a fresh temporary file (0660),
    /// fsync, then a rename over `name`.
    pub fn write_atomic(&self, name: &str, contents: &[u8]) -> Result<(), LinuxError> {
        let temp = format!(".{name}.tmp-{}-{}", std::process::id(), unique());
        let file = self.create_file(&temp)?;
        let written = file.write_all_at(contents, 0).and_then(|()| {
            rustix::fs::fsync(&file.fd).map_err(|e| LinuxError::io("sync", &file.path, e.into()))
        });
        let renamed = written.and_then(|()| self.rename(&temp, name));
        if renamed.is_err() {
            let _ = self.remove_file(&temp);
        }
        renamed
    }

    /// Renames entry `from` to `to` within this directory (replacing `to` if it is a file).
    pub fn rename(&self, from: &str, to: &str) -> Result<(), LinuxError> {
        let path = self.join(to);
        let (from, to) = (
            component(from).map_err(|e| LinuxError::io("rename", &path, e))?,
            component(to).map_err(|e| LinuxError::io("rename", &path, e))?,
        );
        rustix::fs::renameat(&self.fd, from, &self.fd, to)
            .map_err(|e| LinuxError::io("rename into place", &path, e.into()))
    }

    /// Puts directory `from` in place of `to` in one step: exchanges them if `to` exists (so a
    /// reader sees the old or the new one, never none), renames otherwise. Returns whether an old
    /// `to` now sits at `from`.
    pub fn replace_dir(&self, from: &str, to: &str) -> Result<bool, LinuxError> {
        let path = self.join(to);
        let (from, to) = (
            component(from).map_err(|e| LinuxError::io("rename", &path, e))?,
            component(to).map_err(|e| LinuxError::io("rename", &path, e))?,
        );
        match rustix::fs::renameat_with(&self.fd, from, &self.fd, to, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(true),
            Err(rustix::io::Errno::NOENT) => {}
            // File systems without RENAME_EXCHANGE: move the old one aside, then the new one in.
            Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
                let aside = format!(".{to}.old-{}-{}", std::process::id(), unique());
                match rustix::fs::renameat(&self.fd, to, &self.fd, aside.as_str()) {
                    Ok(()) => {
                        rustix::fs::renameat(&self.fd, from, &self.fd, to)
                            .map_err(|e| LinuxError::io("rename into place", &path, e.into()))?;
                        rustix::fs::renameat(&self.fd, aside.as_str(), &self.fd, from)
                            .map_err(|e| LinuxError::io("rename", &path, e.into()))?;
                        return Ok(true);
                    }
                    Err(rustix::io::Errno::NOENT) => {}
                    Err(e) => return Err(LinuxError::io("rename", &path, e.into())),
                }
            }
            Err(e) => return Err(LinuxError::io("rename into place", &path, e.into())),
        }
        rustix::fs::renameat_with(&self.fd, from, &self.fd, to, RenameFlags::NOREPLACE)
            .map_err(|e| LinuxError::io("rename into place", &path, e.into()))?;
        Ok(false)
    }

    /// The entries of the directory (not `.` and `..`), with their types as the directory reports
    /// them.
    pub fn entries(&self) -> Result<Vec<(String, FileType)>, LinuxError> {
        let list = |e: rustix::io::Errno| LinuxError::io("list", &self.path, e.into());
        let mut dir = rustix::fs::Dir::read_from(&self.fd).map_err(list)?;
        let mut out = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry.map_err(list)?;
            let Ok(name) = entry.file_name().to_str() else {
                continue;
            };
            if name == "." || name == ".." {
                continue;
            }
            out.push((name.to_string(), entry.file_type()));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// `lstat` of entry `name` (a symlink is reported as one, never followed).
    pub fn stat_entry(&self, name: &str) -> Result<Option<Stat>, LinuxError> {
        let path = self.join(name);
        let name = component(name).map_err(|e| LinuxError::io("stat", &path, e))?;
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(stat)),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(LinuxError::io("stat", &path, e.into())),
        }
    }

    /// Removes file (or symlink, FIFO, …) `name`; a missing one is fine.
    pub fn remove_file(&self, name: &str) -> Result<(), LinuxError> {
        let path = self.join(name);
        let name = component(name).map_err(|e| LinuxError::io("remove", &path, e))?;
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
            Err(e) => Err(LinuxError::io("remove", &path, e.into())),
        }
    }

    /// Removes entry `name` whatever it is. A directory is emptied through its own descriptor
    /// (opened without following links) and then removed; a symlink is removed itself, never what
    /// it points to. A missing entry is fine.
    pub fn remove_tree(&self, name: &str) -> Result<(), LinuxError> {
        let path = self.join(name);
        let component_name = component(name).map_err(|e| LinuxError::io("remove", &path, e))?;
        let Some(stat) = self.stat_entry(component_name)? else {
            return Ok(());
        };
        if FileType::from_raw_mode(stat.st_mode) != FileType::Directory {
            return self.remove_file(component_name);
        }
        match rustix::fs::openat(
            &self.fd,
            component_name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => {
                let child = Self {
                    fd,
                    path: path.clone(),
                    checked: None,
                };
                for (entry, _) in child.entries()? {
                    child.remove_tree(&entry)?;
                }
            }
            Err(rustix::io::Errno::NOENT) => return Ok(()),
            Err(e) => return Err(LinuxError::io("open the directory", &path, e.into())),
        }
        match rustix::fs::unlinkat(&self.fd, component_name, AtFlags::REMOVEDIR) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
            Err(e) => Err(LinuxError::io("remove", &path, e.into())),
        }
    }
}

/// An open regular file below the runtime directory.
#[derive(Debug)]
pub struct File {
    fd: OwnedFd,
    path: PathBuf,
    stat: Stat,
}

/// A file opened by [`Dir::open_unchecked`] (not a symlink, opened without blocking) whose type,
/// links and owner are not checked yet: it can be locked, nothing else, until
/// [`Unchecked::check`] makes it a [`File`].
#[derive(Debug)]
pub struct Unchecked<'a> {
    fd: OwnedFd,
    dir: &'a Dir,
    name: &'a str,
}

impl Unchecked<'_> {
    /// Its descriptor, for `flock`.
    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    /// Its path (for messages), joined when asked for.
    pub fn path(&self) -> PathBuf {
        self.dir.join(self.name)
    }

    /// Checks it as [`Dir::open_file`] does: a regular file, with one link for [`Access::Write`].
    pub fn check(self, access: Access) -> Result<File, LinuxError> {
        let path = self.path();
        let fd = self.fd;
        let stat = rustix::fs::fstat(&fd).map_err(|e| LinuxError::io("stat", &path, e.into()))?;
        let kind = FileType::from_raw_mode(stat.st_mode);
        if kind != FileType::RegularFile {
            return Err(LinuxError::Untrusted {
                path,
                problem: Untrusted::NotRegular {
                    kind: type_name(kind),
                },
            });
        }
        if access == Access::Write && stat.st_nlink != 1 {
            return Err(LinuxError::Untrusted {
                path,
                problem: Untrusted::HardLinked {
                    links: stat.st_nlink,
                },
            });
        }
        // O_NONBLOCK (which kept a FIFO from blocking the open) has no effect on a regular file's
        // reads, writes or `flock`, so it stays set: clearing it would cost a system call per open.
        Ok(File { fd, path, stat })
    }
}

impl File {
    /// Its descriptor.
    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    /// Gives up the descriptor.
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }

    /// Gives up the descriptor and the path.
    pub fn into_fd_and_path(self) -> (OwnedFd, PathBuf) {
        (self.fd, self.path)
    }

    /// Its path (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its `fstat` taken when it was opened.
    pub fn stat(&self) -> &Stat {
        &self.stat
    }

    /// Refuses the file unless its owner is trusted.
    pub fn check_owner(&self, trusted: impl Fn(u32) -> bool) -> Result<(), LinuxError> {
        if trusted(self.stat.st_uid) {
            Ok(())
        } else {
            Err(LinuxError::Untrusted {
                path: self.path.clone(),
                problem: Untrusted::Owner {
                    uid: self.stat.st_uid,
                    mode: self.stat.st_mode & 0o7777,
                },
            })
        }
    }

    /// Reads the whole file, refusing one larger than `limit` bytes; memory stays bounded by the
    /// limit whatever the file claims or holds (a sparse 2 GB file costs nothing).
    pub fn read_limited(&self, limit: usize) -> Result<Vec<u8>, LinuxError> {
        read_limited(&self.fd, &self.path, limit)
    }

    /// Writes all of `bytes` at `offset`.
    pub fn write_all_at(&self, bytes: &[u8], offset: u64) -> Result<(), LinuxError> {
        let mut done = 0usize;
        while done < bytes.len() {
            let n = rustix::io::pwrite(&self.fd, &bytes[done..], offset + done as u64)
                .map_err(|e| LinuxError::io("write", &self.path, e.into()))?;
            if n == 0 {
                return Err(LinuxError::io(
                    "write",
                    &self.path,
                    io::ErrorKind::WriteZero.into(),
                ));
            }
            done += n;
        }
        Ok(())
    }
}

/// Reads from `fd` until end of file, refusing more than `limit` bytes (it reads at most
/// `limit + 1`).
pub fn read_limited(fd: impl AsFd, path: &Path, limit: usize) -> Result<Vec<u8>, LinuxError> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let room = (limit + 1).saturating_sub(out.len()).min(chunk.len());
        if room == 0 {
            return Err(LinuxError::TooLarge {
                path: path.to_path_buf(),
                limit,
            });
        }
        match rustix::io::read(&fd, &mut chunk[..room]) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(LinuxError::io("read", path, e.into())),
        }
    }
}

/// Checks a `stat` result: the expected type, not writable by everyone, a trusted owner.
pub fn check_stat(
    stat: &Stat,
    path: &Path,
    expected: FileType,
    trusted: impl Fn(u32) -> bool,
) -> Result<(), LinuxError> {
    let kind = FileType::from_raw_mode(stat.st_mode);
    let mode = stat.st_mode & 0o7777;
    let problem = if kind != expected {
        if expected == FileType::Directory {
            Untrusted::NotADirectory
        } else {
            Untrusted::NotRegular {
                kind: type_name(kind),
            }
        }
    } else if mode & 0o002 != 0 {
        Untrusted::WorldWritable { mode }
    } else if !trusted(stat.st_uid) {
        Untrusted::Owner {
            uid: stat.st_uid,
            mode,
        }
    } else {
        return Ok(());
    };
    let path = path.to_path_buf();
    Err(if expected == FileType::Directory {
        LinuxError::UntrustedDir { path, problem }
    } else {
        LinuxError::Untrusted { path, problem }
    })
}

/// A human name of a file type.
pub fn type_name(kind: FileType) -> &'static str {
    match kind {
        FileType::RegularFile => "regular file",
        FileType::Directory => "directory",
        FileType::Symlink => "symlink",
        FileType::Fifo => "FIFO",
        FileType::Socket => "socket",
        FileType::CharacterDevice => "character device",
        FileType::BlockDevice => "block device",
        _ => "file of unknown type",
    }
}

/// A number that differs between calls in one process (for temporary names).
fn unique() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> (tempfile::TempDir, Dir) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = Dir::open(tmp.path()).expect("open").expect("exists");
        (tmp, dir)
    }

    #[test]
    fn entry_paths_are_joined_as_path_join_joins_them() {
        let (tmp, dir) = temp();
        assert_eq!(
            dir.join("SSL_INT_0.lease"),
            tmp.path().join("SSL_INT_0.lease")
        );
        let mut slashed = tmp.path().as_os_str().to_owned();
        slashed.push("/");
        let slashed = Dir::open(Path::new(&slashed))
            .expect("open")
            .expect("exists");
        assert_eq!(slashed.join("x"), tmp.path().join("x"), "no doubled slash");
        assert_eq!(
            c_path(tmp.path()).expect("no NUL").as_bytes(),
            tmp.path().as_os_str().as_encoded_bytes()
        );
        assert_eq!(c_path(Path::new("a\0b")), None);
    }

    #[test]
    fn symlinks_are_never_followed() {
        let (tmp, dir) = temp();
        let outside = tempfile::tempdir().expect("outside");
        std::fs::write(outside.path().join("keep"), b"keep").expect("write");
        std::os::unix::fs::symlink(outside.path(), tmp.path().join("sub")).expect("symlink");
        std::os::unix::fs::symlink(outside.path().join("keep"), tmp.path().join("file"))
            .expect("symlink");
        assert!(matches!(
            dir.open_dir("sub", |_| true),
            Err(LinuxError::UntrustedDir {
                problem: Untrusted::NotADirectory,
                ..
            })
        ));
        assert!(matches!(
            dir.open_file("file", Access::Read),
            Err(LinuxError::Untrusted { .. })
        ));
        dir.remove_tree("sub").expect("remove the link");
        dir.remove_tree("file").expect("remove the link");
        assert_eq!(
            std::fs::read(outside.path().join("keep")).expect("untouched"),
            b"keep"
        );
    }

    #[test]
    fn fifos_and_hard_links_are_refused_at_once() {
        let (tmp, dir) = temp();
        rustix::fs::mknodat(
            dir.fd(),
            "fifo",
            FileType::Fifo,
            Mode::from_raw_mode(0o666),
            0,
        )
        .expect("mkfifo");
        for access in [Access::Read, Access::Write] {
            assert!(matches!(
                dir.open_file("fifo", access),
                Err(LinuxError::Untrusted {
                    problem: Untrusted::NotRegular { .. },
                    ..
                })
            ));
        }
        std::fs::write(tmp.path().join("a"), b"x").expect("write");
        std::fs::hard_link(tmp.path().join("a"), tmp.path().join("b")).expect("link");
        assert!(dir.open_file("b", Access::Read).expect("read ok").is_some());
        assert!(matches!(
            dir.open_file("b", Access::Write),
            Err(LinuxError::Untrusted {
                problem: Untrusted::HardLinked { links: 2 },
                ..
            })
        ));
    }

    #[test]
    fn created_modes_ignore_the_umask() {
        let (_tmp, dir) = temp();
        let old = rustix::process::umask(Mode::from_raw_mode(0o077));
        let sub = dir.create_dir("sub", |_| true).expect("mkdir");
        let file = sub.create_file("f").expect("create");
        rustix::process::umask(old);
        assert_eq!(sub.stat().expect("stat").st_mode & 0o7777, DIR_MODE);
        assert_eq!(file.stat().st_mode & 0o7777, FILE_MODE);
    }

    #[test]
    fn reads_are_bounded() {
        let (tmp, dir) = temp();
        let big = std::fs::File::create(tmp.path().join("sparse")).expect("create");
        big.set_len(2 << 30).expect("sparse 2 GiB");
        let file = dir
            .open_file("sparse", Access::Read)
            .expect("open")
            .expect("exists");
        assert!(matches!(
            file.read_limited(4096),
            Err(LinuxError::TooLarge { limit: 4096, .. })
        ));
        std::fs::write(tmp.path().join("small"), b"hello").expect("write");
        let file = dir
            .open_file("small", Access::Read)
            .expect("open")
            .expect("exists");
        assert_eq!(file.read_limited(5).expect("read"), b"hello");
    }

    #[test]
    fn trees_are_removed_through_descriptors() {
        let (tmp, dir) = temp();
        let outside = tempfile::tempdir().expect("outside");
        std::fs::write(outside.path().join("keep"), b"keep").expect("write");
        std::fs::create_dir_all(tmp.path().join("t/u")).expect("mkdir");
        std::fs::write(tmp.path().join("t/u/f"), b"x").expect("write");
        std::os::unix::fs::symlink(outside.path(), tmp.path().join("t/link")).expect("symlink");
        dir.remove_tree("t").expect("remove");
        assert!(!tmp.path().join("t").exists());
        assert!(outside.path().join("keep").exists());
    }

    #[test]
    fn directories_replace_each_other_in_one_step() {
        let (_tmp, dir) = temp();
        let new = dir.create_dir("new", |_| true).expect("new");
        new.create_file("1").expect("file");
        assert!(!dir.replace_dir("new", "cur").expect("first"));
        let new = dir.create_dir("new", |_| true).expect("new again");
        new.create_file("2").expect("file");
        assert!(dir.replace_dir("new", "cur").expect("exchange"));
        let cur = dir.open_dir("cur", |_| true).expect("open").expect("cur");
        assert_eq!(cur.entries().expect("list")[0].0, "2");
        let old = dir.open_dir("new", |_| true).expect("open").expect("old");
        assert_eq!(old.entries().expect("list")[0].0, "1");
    }
}
