//! The runtime directory: where it is, opening it as a trusted root, creating it, and the lock that
//! serialises `qsal up` and `qsal down`.
//!
//! Resolution (SPEC §5): `--runtime-dir`, else `$QSAL_RUNTIME_DIR`, else `/run/qsal` for root, else
//! `$XDG_RUNTIME_DIR/qsal`. Its path is the administrator's choice; everything below it is untrusted
//! input and is reached only through [`Dir`]. The directory itself must not be writable by every
//! user and must belong to root or to the caller; what is below it must belong to root or to the
//! directory's owner (the user who runs `qsal up`), as sshd's StrictModes treats a home directory.
//! qsal creates only the directory itself (never its parents), with mode 2770.

use std::path::{Path, PathBuf};

use rustix::fs::FlockOperation;

use crate::LinuxError;
use crate::dir::{Access, Dir, File, Owners};

/// The subdirectory holding the expanded device files, `<accel id>.<type>.conf`.
pub const DEVICES: &str = "devices";
/// The subdirectory holding one lease file per derived section name.
pub const LEASES: &str = "leases";
/// The lock file that serialises `up` and `down`.
pub const LOCK: &str = ".lock";

/// A runtime directory (its path; see [`RuntimeDir::open`] to use it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeDir {
    root: PathBuf,
}

impl RuntimeDir {
    /// Resolves the directory: `explicit`, else `$QSAL_RUNTIME_DIR`, else `/run/qsal` for root, else
    /// `$XDG_RUNTIME_DIR/qsal`.
    pub fn resolve(explicit: Option<&Path>) -> Result<Self, LinuxError> {
        Self::resolve_with(
            explicit,
            |key| std::env::var_os(key),
            rustix::process::geteuid().is_root(),
        )
    }

    /// [`RuntimeDir::resolve`] with the environment and root-ness given (for tests).
    pub fn resolve_with(
        explicit: Option<&Path>,
        env: impl Fn(&str) -> Option<std::ffi::OsString>,
        root: bool,
    ) -> Result<Self, LinuxError> {
        let non_empty = |key: &str| env(key).filter(|v| !v.is_empty()).map(PathBuf::from);
        let root_dir = match explicit {
            Some(path) => path.to_path_buf(),
            None => match non_empty("QSAL_RUNTIME_DIR") {
                Some(path) => path,
                None if root => PathBuf::from("/run/qsal"),
                None => non_empty("XDG_RUNTIME_DIR")
                    .map(|p| p.join("qsal"))
                    .ok_or(LinuxError::NoRuntimeDir)?,
            },
        };
        Ok(Self { root: root_dir })
    }

    /// A runtime directory at `root` (no resolution).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of the device files' directory (for messages and tests).
    pub fn devices(&self) -> PathBuf {
        self.root.join(DEVICES)
    }

    /// The path of the lease files' directory (for messages and tests).
    pub fn leases(&self) -> PathBuf {
        self.root.join(LEASES)
    }

    /// Opens the directory and checks that it can be trusted; `Ok(None)` when it does not exist.
    pub fn open(&self) -> Result<Option<Opened>, LinuxError> {
        let Some(mut root) = Dir::open(&self.root)? else {
            return Ok(None);
        };
        let caller = rustix::process::geteuid().as_raw();
        let stat = root.check_trusted(|uid| uid == 0 || uid == caller)?;
        Ok(Some(Opened {
            root,
            owners: Owners {
                directory: stat.st_uid,
            },
            caller,
        }))
    }

    /// Opens the directory, or [`LinuxError::NotUp`] when it does not exist.
    pub fn open_existing(&self) -> Result<Opened, LinuxError> {
        self.open()?.ok_or_else(|| LinuxError::NotUp {
            root: self.root.clone(),
        })
    }

    /// Creates the directory (mode 2770; its parent must exist) if needed, opens it, and checks that
    /// the caller may write what everyone else will trust: only root and the directory's owner may.
    pub fn create(&self) -> Result<Opened, LinuxError> {
        if let Some(parent) = self.root.parent()
            && !parent.as_os_str().is_empty()
            && !parent.is_dir()
        {
            return Err(LinuxError::MissingParent {
                parent: parent.to_path_buf(),
            });
        }
        let created = match rustix::fs::mkdir(&self.root, rustix::fs::Mode::from_raw_mode(0o700)) {
            Ok(()) => true,
            Err(rustix::io::Errno::EXIST) => false,
            Err(e) => {
                return Err(LinuxError::io(
                    "create the runtime directory",
                    &self.root,
                    e.into(),
                ));
            }
        };
        let opened = self.open_existing()?;
        if created {
            rustix::fs::fchmod(
                opened.root.fd(),
                rustix::fs::Mode::from_raw_mode(crate::dir::DIR_MODE),
            )
            .map_err(|e| LinuxError::io("set the mode of", &self.root, e.into()))?;
        }
        let caller = rustix::process::geteuid().as_raw();
        if caller != 0 && caller != opened.owners.directory {
            return Err(LinuxError::NotDirectoryOwner {
                root: self.root.clone(),
                owner: opened.owners.directory,
                caller,
            });
        }
        Ok(opened)
    }
}

/// An open, trusted runtime directory.
#[derive(Debug)]
pub struct Opened {
    root: Dir,
    owners: Owners,
    /// The effective user it was judged trusted for.
    caller: u32,
}

impl Opened {
    /// The directory.
    pub fn root(&self) -> &Dir {
        &self.root
    }

    /// Who may own what is below it.
    pub fn owners(&self) -> Owners {
        self.owners
    }

    /// The effective user it was checked for (the directory must belong to root or to them).
    pub fn caller(&self) -> u32 {
        self.caller
    }

    /// Opens subdirectory `name` (trusted, not a link); `Ok(None)` when missing.
    pub fn subdir(&self, name: &str) -> Result<Option<Dir>, LinuxError> {
        let owners = self.owners;
        self.root.open_dir(name, move |uid| owners.trusts(uid))
    }

    /// Creates (or opens) subdirectory `name`, mode 2770.
    pub fn create_subdir(&self, name: &str) -> Result<Dir, LinuxError> {
        let owners = self.owners;
        self.root.create_dir(name, move |uid| owners.trusts(uid))
    }

    /// Opens subdirectory `name`, or [`LinuxError::NotUp`] when it does not exist.
    pub fn require(&self, name: &str) -> Result<Dir, LinuxError> {
        self.subdir(name)?.ok_or_else(|| LinuxError::NotUp {
            root: self.root.path().to_path_buf(),
        })
    }

    /// Takes the lock that serialises `up` and `down` (an exclusive `flock` on `.lock`), waiting
    /// for another holder; `waiting` is called once if it has to wait. Released when dropped.
    pub fn lock(&self, waiting: impl FnOnce()) -> Result<SetLock, LinuxError> {
        let mut waiting = Some(waiting);
        for _ in 0..8 {
            let file = match self.root.open_file(LOCK, Access::Write)? {
                Some(file) => file,
                None => match self.root.create_file(LOCK) {
                    Ok(file) => file,
                    // Created by a concurrent `up` in between: open theirs.
                    Err(LinuxError::Io { source, .. })
                        if source.kind() == std::io::ErrorKind::AlreadyExists =>
                    {
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            };
            let owners = self.owners;
            file.check_owner(move |uid| owners.trusts(uid))?;
            match rustix::fs::flock(file.fd(), FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => {}
                Err(rustix::io::Errno::WOULDBLOCK) => {
                    if let Some(notify) = waiting.take() {
                        notify();
                    }
                    rustix::fs::flock(file.fd(), FlockOperation::LockExclusive)
                        .map_err(|e| LinuxError::io("lock", file.path(), e.into()))?;
                }
                Err(e) => return Err(LinuxError::io("lock", file.path(), e.into())),
            }
            // The lock counts only if `.lock` still names the file we locked.
            let current = self.root.stat_entry(LOCK)?;
            if current
                .is_some_and(|s| s.st_ino == file.stat().st_ino && s.st_dev == file.stat().st_dev)
            {
                return Ok(SetLock { _file: file });
            }
        }
        Err(LinuxError::Unstable(self.root.path().to_path_buf()))
    }
}

/// The held `up`/`down` lock; dropping it releases the lock.
#[derive(Debug)]
pub struct SetLock {
    _file: File,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn resolution_order() {
        let all = [
            ("QSAL_RUNTIME_DIR", "/q"),
            ("XDG_RUNTIME_DIR", "/run/user/7"),
        ];
        let resolve = |explicit: Option<&str>, pairs, root| {
            RuntimeDir::resolve_with(explicit.map(Path::new), env(pairs), root)
                .map(|d| d.root().to_path_buf())
        };
        assert_eq!(
            resolve(Some("/x"), &all, true).ok(),
            Some(PathBuf::from("/x"))
        );
        assert_eq!(resolve(None, &all, true).ok(), Some(PathBuf::from("/q")));
        assert_eq!(
            resolve(None, &all[1..], true).ok(),
            Some(PathBuf::from("/run/qsal"))
        );
        assert_eq!(
            resolve(None, &all[1..], false).ok(),
            Some(PathBuf::from("/run/user/7/qsal"))
        );
        assert!(matches!(
            resolve(None, &[], false),
            Err(LinuxError::NoRuntimeDir)
        ));
        assert_eq!(
            resolve(None, &[("QSAL_RUNTIME_DIR", "")], true).ok(),
            Some(PathBuf::from("/run/qsal"))
        );
    }

    #[test]
    fn created_2770_but_never_its_parents() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = RuntimeDir::at(tmp.path().join("no/such"));
        match missing.create() {
            Err(LinuxError::MissingParent { parent }) => {
                assert_eq!(parent, tmp.path().join("no"));
            }
            other => panic!("expected a missing parent, got {other:?}"),
        }
        assert!(!tmp.path().join("no").exists(), "nothing created");
        let runtime = RuntimeDir::at(tmp.path().join("run"));
        let opened = runtime.create().expect("create");
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(runtime.root())
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o7777, 0o2770);
        let leases = opened.create_subdir(LEASES).expect("leases");
        assert_eq!(leases.stat().expect("stat").st_mode & 0o7777, 0o2770);
    }

    #[test]
    fn world_writable_and_linked_directories_are_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("run");
        std::fs::create_dir(&root).expect("mkdir");
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let message = RuntimeDir::at(&root)
            .open()
            .expect_err("refused")
            .to_string();
        assert!(
            message.contains("0777") && message.contains("chmod o-w"),
            "{message}"
        );
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o770)).expect("chmod");
        let elsewhere = tempfile::tempdir().expect("elsewhere");
        std::os::unix::fs::symlink(elsewhere.path(), root.join(LEASES)).expect("symlink");
        let opened = RuntimeDir::at(&root).open().expect("open").expect("exists");
        assert!(matches!(
            opened.subdir(LEASES),
            Err(LinuxError::UntrustedDir { .. })
        ));
    }

    #[test]
    fn the_lock_is_exclusive() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let runtime = RuntimeDir::at(tmp.path().join("run"));
        let opened = runtime.create().expect("create");
        let held = opened.lock(|| panic!("nobody holds it yet")).expect("lock");
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let opened = runtime.open_existing().expect("open");
            let mut waited = false;
            let _lock = opened.lock(|| waited = true).expect("lock");
            tx.send(waited).expect("send");
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(rx.try_recv().is_err(), "the second lock waits");
        drop(held);
        assert!(rx.recv().expect("got it"), "and said it was waiting");
        waiter.join().expect("join");
    }
}
