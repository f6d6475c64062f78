//! The runtime directory: where it is, and creating it with the right modes.
//!
//! Resolution (SPEC §5): `--runtime-dir`, else `$QSAL_RUNTIME_DIR`, else `/run/qsal` for root, else
//! `$XDG_RUNTIME_DIR/qsal`. Directories are created `0770` and files `0660` (explicitly, whatever the
//! umask), so members of the directory's group can use it without root; with the set-group-id bit
//! on the directory, new files inherit its group. Every file is opened with `O_NOFOLLOW | O_CLOEXEC`.

use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

use crate::LinuxError;

/// Mode of directories qsal creates.
pub const DIR_MODE: u32 = 0o770;
/// Mode of files qsal creates.
pub const FILE_MODE: u32 = 0o660;

/// A runtime directory and the paths inside it.
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

    /// Where `qsal up` writes the expanded device configurations.
    pub fn devices(&self) -> PathBuf {
        self.root.join("devices")
    }

    /// Where the lease files live.
    pub fn leases(&self) -> PathBuf {
        self.root.join("leases")
    }

    /// Where emulated devices keep their shared memory.
    pub fn emulated(&self) -> PathBuf {
        self.root.join("emulated")
    }

    /// Creates the directory tree (0770) if needed.
    pub fn create(&self) -> Result<(), LinuxError> {
        for dir in [
            self.root.clone(),
            self.devices(),
            self.leases(),
            self.emulated(),
        ] {
            create_dir(&dir)?;
        }
        Ok(())
    }
}

/// Creates `dir` with mode 0770 (parents as needed); an existing directory is left as it is.
pub fn create_dir(dir: &Path) -> Result<(), LinuxError> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        create_dir(parent)?;
    }
    match rustix::fs::mkdir(dir, Mode::from_raw_mode(DIR_MODE)) {
        Ok(()) => {}
        Err(rustix::io::Errno::EXIST) => return Ok(()),
        Err(e) => return Err(LinuxError::io("create the directory", dir, e.into())),
    }
    // The umask may have removed group bits; set them explicitly, keeping the set-group-id bit that
    // a set-group-id parent passes on (so files keep inheriting the shared group).
    let setgid = rustix::fs::stat(dir)
        .map(|s| s.st_mode & 0o2000)
        .map_err(|e| LinuxError::io("stat", dir, e.into()))?;
    rustix::fs::chmod(dir, Mode::from_raw_mode(DIR_MODE | setgid))
        .map_err(|e| LinuxError::io("set the mode of", dir, e.into()))
}

/// Opens (creating 0660 if needed) a file for reading and writing, never following a symlink and
/// never leaking the descriptor into an exec'd program. An existing file is opened as it is; a file
/// this call creates gets mode 0660 explicitly, whatever the umask.
pub fn open_rw(path: &Path) -> Result<rustix::fd::OwnedFd, LinuxError> {
    let flags = OFlags::RDWR | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    loop {
        match rustix::fs::open(path, flags, Mode::empty()) {
            Ok(fd) => return Ok(fd),
            Err(rustix::io::Errno::NOENT) => {}
            Err(e) => return Err(LinuxError::io("open", path, e.into())),
        }
        match rustix::fs::open(
            path,
            flags | OFlags::CREATE | OFlags::EXCL,
            Mode::from_raw_mode(FILE_MODE),
        ) {
            Ok(fd) => {
                rustix::fs::fchmod(&fd, Mode::from_raw_mode(FILE_MODE))
                    .map_err(|e| LinuxError::io("set the mode of", path, e.into()))?;
                return Ok(fd);
            }
            // Someone else created it in between: open theirs.
            Err(rustix::io::Errno::EXIST) => continue,
            Err(e) => return Err(LinuxError::io("create", path, e.into())),
        }
    }
}

/// Opens a file read-only, never following a symlink.
pub fn open_read(path: &Path) -> Result<std::fs::File, LinuxError> {
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| LinuxError::io("open", path, e.into()))?;
    Ok(std::fs::File::from(fd))
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory (0660), fsync,
/// then rename over `path`.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), LinuxError> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let fd = rustix::fs::open(
        &temp,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(FILE_MODE),
    )
    .map_err(|e| LinuxError::io("create", &temp, e.into()))?;
    rustix::fs::fchmod(&fd, Mode::from_raw_mode(FILE_MODE))
        .map_err(|e| LinuxError::io("set the mode of", &temp, e.into()))?;
    let mut file = std::fs::File::from(fd);
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| LinuxError::io("write", &temp, e));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        LinuxError::io("rename into place", path, e)
    })
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
    fn created_with_group_modes_despite_umask() {
        let dir = std::env::temp_dir().join(format!("qsal-runtime-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let runtime = RuntimeDir::at(dir.join("nested"));
        runtime.create().expect("create");
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(runtime.leases())
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o7777, DIR_MODE);
        let file = runtime.leases().join("x");
        drop(open_rw(&file).expect("open"));
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, FILE_MODE);
        write_atomic(&runtime.devices().join("0.c6xx.conf"), b"[GENERAL]\n").expect("write");
        assert_eq!(
            std::fs::read(runtime.devices().join("0.c6xx.conf")).expect("read"),
            b"[GENERAL]\n"
        );
        std::os::unix::fs::symlink(&file, runtime.leases().join("link")).expect("symlink");
        assert!(
            open_rw(&runtime.leases().join("link")).is_err(),
            "symlinks are not followed"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
