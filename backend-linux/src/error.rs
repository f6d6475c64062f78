//! [`LinuxError`]: what went wrong, on which path, and why — one variant per cause.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use qsal_core::config::expanded::ExpandedError;
use qsal_core::platform::{Error, ErrorKind};

/// Why a file or directory below the runtime directory is not trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Untrusted {
    /// A symlink, or something else where a directory should be.
    NotADirectory,
    /// Not a regular file where one should be.
    NotRegular {
        /// What it is.
        kind: &'static str,
    },
    /// A file qsal would write to has more than one link, so writing it would change another file.
    HardLinked {
        /// Its link count.
        links: u64,
    },
    /// Every user may write to it.
    WorldWritable {
        /// Its permission bits.
        mode: u32,
    },
    /// Its owner is neither root nor the runtime directory's owner (nor, for the runtime
    /// directory itself, the caller).
    Owner {
        /// The owner.
        uid: u32,
        /// Its permission bits.
        mode: u32,
    },
}

/// A Linux backend failure.
#[derive(Debug)]
pub enum LinuxError {
    /// A system call on `path` failed.
    Io {
        /// What qsal was doing.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// No runtime directory could be chosen.
    NoRuntimeDir,
    /// The runtime directory's parent does not exist (it is not created silently).
    MissingParent {
        /// The missing parent.
        parent: PathBuf,
    },
    /// No device set is up in the runtime directory.
    NotUp {
        /// The runtime directory.
        root: PathBuf,
    },
    /// A file below the runtime directory failed a trust check: only that file is unusable.
    Untrusted {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: Untrusted,
    },
    /// The runtime directory or one of its subdirectories failed a trust check: nothing in it is
    /// used.
    UntrustedDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong with it.
        problem: Untrusted,
    },
    /// A file is larger than qsal reads.
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: usize,
    },
    /// `qsal up`/`down` run by a user who does not own the runtime directory.
    NotDirectoryOwner {
        /// The runtime directory.
        root: PathBuf,
        /// Its owner.
        owner: u32,
        /// The caller.
        caller: u32,
    },
    /// A name cannot be used as a file name.
    UnsafeName(String),
    /// A device file's name is not `<accel id>.<type>.conf`.
    BadDeviceFileName {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// The kernel driver's slot node refused (`QSAL_SLOTS=kernel`).
    Kernel(Box<crate::kernel::KernelError>),
    /// No 2 MiB hugepage could be had for ring memory.
    NoHugepage {
        /// What the kernel said.
        source: io::Error,
    },
    /// An environment setting has a value qsal does not know.
    BadSetting {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// The values it may take.
        expected: &'static str,
    },
    /// A device file of the runtime directory failed re-validation.
    BadDeviceFile {
        /// The file.
        path: PathBuf,
        /// The line and the reason (boxed: it carries section names inline).
        error: Box<ExpandedError>,
    },
    /// The lease file of a slot is missing (removed while the device set was up).
    LeaseFileMissing(PathBuf),
    /// The lease file was removed (for example by `qsal down --force`) while it was held.
    LeaseLost(PathBuf),
    /// `down --force` of a slot held by another user, by someone other than root.
    NotHolder {
        /// The slot.
        slot: String,
        /// The holder's user id.
        uid: u32,
    },
    /// The device set kept changing while it was read.
    Unstable(PathBuf),
    /// A device could not be attached.
    Setup {
        /// The device.
        accel_id: u32,
        /// What failed.
        reason: String,
    },
    /// The kernel's slot protocol failed or answered something unexpected.
    Protocol(String),
}

impl LinuxError {
    /// Wraps an I/O error with the action and the path.
    pub fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotADirectory => f.write_str("it is a symlink or not a directory"),
            Self::NotRegular { kind } => write!(f, "it is a {kind}, not a regular file"),
            Self::HardLinked { links } => write!(
                f,
                "it has {links} links, so writing it would also change another file"
            ),
            Self::WorldWritable { mode } => {
                write!(f, "its mode {mode:04o} lets every user write to it")
            }
            Self::Owner { uid, mode } => write!(
                f,
                "it is owned by uid {uid} (mode {mode:04o}); qsal trusts only root and the runtime directory's owner"
            ),
        }
    }
}

impl fmt::Display for LinuxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io {
                action,
                path,
                source,
            } => {
                write!(f, "cannot {action} {}: {source}", path.display())?;
                if source.kind() == io::ErrorKind::PermissionDenied {
                    write!(
                        f,
                        " (needs read and write access; add the user to the group owning {})",
                        path.parent().unwrap_or(path).display()
                    )?;
                }
                Ok(())
            }
            Self::NoRuntimeDir => f.write_str(
                "no runtime directory: pass --runtime-dir, or set QSAL_RUNTIME_DIR or XDG_RUNTIME_DIR",
            ),
            Self::MissingParent { parent } => write!(
                f,
                "the runtime directory's parent {} does not exist; create it (qsal creates only the runtime directory itself)",
                parent.display()
            ),
            Self::NotUp { root } => write!(
                f,
                "no device is up in {} (run `qsal up`)",
                root.display()
            ),
            Self::Untrusted { path, problem } | Self::UntrustedDir { path, problem } => {
                write!(f, "refusing {}: {problem}; ", path.display())?;
                match problem {
                    Untrusted::WorldWritable { .. } => write!(
                        f,
                        "run `chmod o-w {}` (qsal expects mode 2770 and a shared group)",
                        path.display()
                    ),
                    Untrusted::Owner { .. } => write!(
                        f,
                        "remove it and run `qsal up` again as root, or `chown root {}` if it is the runtime directory",
                        path.display()
                    ),
                    _ => f.write_str(
                        "remove it and run `qsal up` again (a member of the directory's group may have replaced it)",
                    ),
                }
            }
            Self::TooLarge { path, limit } => write!(
                f,
                "{} is larger than {limit} bytes, more than any QAT configuration; it is not read (is it the right file?)",
                path.display()
            ),
            Self::NotDirectoryOwner {
                root,
                owner,
                caller,
            } => write!(
                f,
                "{} is owned by uid {owner}, but this is uid {caller}: run `qsal up`/`qsal down` as root or as its owner, so that the files they create are trusted by every user of the directory",
                root.display()
            ),
            Self::UnsafeName(name) => write!(f, "`{name}` cannot be used as a slot name"),
            Self::BadDeviceFileName { path, reason } => write!(
                f,
                "device file {} is not one qsal wrote ({reason}); run `qsal up` again",
                path.display()
            ),
            Self::Kernel(e) => write!(f, "{e}"),
            Self::NoHugepage { source } => write!(
                f,
                "no 2 MiB hugepage for ring memory ({source}): reserve some (echo 16 > /proc/sys/vm/nr_hugepages) or set QSAL_DMA=auto to fall back to shared memory"
            ),
            Self::BadSetting {
                name,
                value,
                expected,
            } => write!(f, "{name}={value} is not a setting qsal knows; use {expected}"),
            Self::BadDeviceFile { path, error } => write!(
                f,
                "device file {}:{}: {error}; it was changed after `qsal up` wrote it, run `qsal up` again",
                path.display(),
                error.line
            ),
            Self::LeaseFileMissing(path) => write!(
                f,
                "lease file {} is missing, so its slot cannot be handed out safely; run `qsal up` again when no slot is held",
                path.display()
            ),
            Self::LeaseLost(path) => write!(
                f,
                "lease file {} was removed while held (qsal down --force?)",
                path.display()
            ),
            Self::NotHolder { slot, uid } => write!(
                f,
                "{slot} is held by uid {uid}; only root or that user may force its release"
            ),
            Self::Unstable(path) => write!(
                f,
                "the device set in {} kept changing while it was read; try again when `qsal up` has finished",
                path.display()
            ),
            Self::Setup { accel_id, reason } => write!(f, "device {accel_id}: {reason}"),
            Self::Protocol(message) => write!(f, "/dev/qat_dev_processes: {message}"),
        }
    }
}

impl std::error::Error for LinuxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } | Self::NoHugepage { source } => Some(source),
            Self::BadDeviceFile { error, .. } => Some(error.as_ref()),
            Self::Kernel(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl Error for LinuxError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Io { source, .. } => match source.kind() {
                io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
                io::ErrorKind::NotFound => ErrorKind::NotFound,
                _ => ErrorKind::Io,
            },
            Self::NotUp { .. } => ErrorKind::NoDevice,
            Self::NoRuntimeDir | Self::MissingParent { .. } | Self::LeaseFileMissing(_) => {
                ErrorKind::NotFound
            }
            Self::Untrusted { .. } | Self::TooLarge { .. } | Self::NotDirectoryOwner { .. } => {
                ErrorKind::Untrusted
            }
            Self::UnsafeName(_)
            | Self::UntrustedDir { .. }
            | Self::BadDeviceFileName { .. }
            | Self::BadDeviceFile { .. }
            | Self::BadSetting { .. }
            | Self::Unstable(_)
            | Self::Protocol(_) => ErrorKind::Other,
            Self::NotHolder { .. } => ErrorKind::PermissionDenied,
            Self::LeaseLost(_) => ErrorKind::LeaseLost,
            Self::Setup { .. } | Self::NoHugepage { .. } => ErrorKind::SetupFailed,
            Self::Kernel(e) => match e.as_ref() {
                crate::kernel::KernelError::NotReady { .. } => ErrorKind::NoDevice,
                _ => ErrorKind::Other,
            },
        }
    }
}
