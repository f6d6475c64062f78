//! The slot protocol of Intel's out-of-tree driver, `/dev/qat_dev_processes`
//! (`../shared/reference/qat-semantics.md` §3.1), behind a small trait so it can be tested without hardware.
//!
//! Per process: `open` the node (fails while no device is started), `write` the *base* section name
//! (no NUL): the kernel searches the derived names itself and returns 0 (granted), 1 (every slot
//! taken) or `-EINVAL` (no started device has the section); `read` copies the granted derived name
//! into a zeroed buffer and returns 0. The open file is the lease: closing it (or dying) frees the
//! slot. The user-space library then refuses derived names of 32 bytes or more.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use qsal_core::limits::{MAX_DERIVED_NAME_LEN, MAX_STR_LEN};
use qsal_core::names::check_name_str;
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};

/// The default path of the node.
pub const NODE: &str = "/dev/qat_dev_processes";

/// One open of the node (the lease, once a name was granted).
pub trait SlotConnection {
    /// Writes the base name; `Ok(0)` granted, `Ok(1)` none free, `Err` with `EINVAL` when unknown.
    fn request(&mut self, base: &[u8]) -> io::Result<usize>;
    /// Reads the granted derived name.
    fn granted(&mut self) -> io::Result<Vec<u8>>;
}

/// The node.
pub trait SlotNode {
    /// Its connections.
    type Connection: SlotConnection;
    /// Opens the node.
    fn open(&self) -> io::Result<Self::Connection>;
    /// Where it is, for messages.
    fn path(&self) -> &Path;
}

/// The real character device.
#[derive(Clone, Debug)]
pub struct DevNode {
    path: PathBuf,
}

impl DevNode {
    /// The node at `path` (normally [`NODE`]).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Whether the node exists (the out-of-tree driver is loaded).
    pub fn exists(&self) -> bool {
        self.path.exists()
    }
}

/// An open of the real node.
#[derive(Debug)]
pub struct DevConnection(OwnedFd);

impl SlotNode for DevNode {
    type Connection = DevConnection;

    fn open(&self) -> io::Result<DevConnection> {
        let fd = rustix::fs::open(&self.path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())?;
        Ok(DevConnection(fd))
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl SlotConnection for DevConnection {
    fn request(&mut self, base: &[u8]) -> io::Result<usize> {
        Ok(rustix::io::write(&self.0, base)?)
    }

    fn granted(&mut self) -> io::Result<Vec<u8>> {
        let mut buf = [0u8; MAX_STR_LEN + 1];
        // The kernel fills the buffer and returns 0, not a byte count.
        let _ = rustix::io::read(&self.0, &mut buf[..MAX_STR_LEN])?;
        let end = buf.iter().position(|&b| b == 0).unwrap_or(MAX_STR_LEN);
        Ok(buf[..end].to_vec())
    }
}

/// Why the kernel gave no slot.
#[derive(Debug)]
pub enum KernelError {
    /// The base name is empty, too long or unsafe.
    InvalidName(String),
    /// The node cannot be opened: no device started, or no permission.
    NotReady {
        /// The node.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// No started device has the section.
    NotConfigured(String),
    /// Every derived name of the section is taken.
    AllTaken(String),
    /// The granted derived name is longer than the library's 31 bytes (the slot was released).
    NameTooLong(String),
    /// Anything else.
    Io(io::Error),
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidName(name) => write!(f, "`{name}` is not a valid section name"),
            Self::NotReady { path, source } => write!(
                f,
                "cannot open {}: {source} (no QAT device is started, or this user may not open the node)",
                path.display()
            ),
            Self::NotConfigured(base) => {
                write!(
                    f,
                    "section [{base}] is not configured on any started device"
                )
            }
            Self::AllTaken(base) => write!(f, "every slot of [{base}] is taken"),
            Self::NameTooLong(name) => write!(
                f,
                "the kernel granted `{name}`, longer than {MAX_DERIVED_NAME_LEN} bytes; shorten the section name"
            ),
            Self::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for KernelError {}

/// A slot granted by the kernel; dropping it closes the node and frees the slot.
#[derive(Debug)]
pub struct KernelLease<C> {
    _connection: C,
    name: String,
}

impl<C> KernelLease<C> {
    /// The derived section name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Slots handed out by the kernel.
#[derive(Clone, Debug)]
pub struct KernelSlots<N> {
    node: N,
}

impl<N: SlotNode> KernelSlots<N> {
    /// Slots of `node`.
    pub fn new(node: N) -> Self {
        Self { node }
    }

    /// Asks the kernel for a slot of `base`.
    pub fn acquire(&self, base: &str) -> Result<KernelLease<N::Connection>, KernelError> {
        check_name_str(base).map_err(|_| KernelError::InvalidName(base.to_string()))?;
        let mut connection = self.node.open().map_err(|source| KernelError::NotReady {
            path: self.node.path().to_path_buf(),
            source,
        })?;
        match connection.request(base.as_bytes()) {
            Ok(0) => {}
            Ok(_) => return Err(KernelError::AllTaken(base.to_string())),
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) => {
                return Err(KernelError::NotConfigured(base.to_string()));
            }
            Err(e) => return Err(KernelError::Io(e)),
        }
        let name = connection.granted().map_err(KernelError::Io)?;
        let name = String::from_utf8_lossy(&name).into_owned();
        if name.len() > MAX_DERIVED_NAME_LEN {
            return Err(KernelError::NameTooLong(name));
        }
        Ok(KernelLease {
            _connection: connection,
            name,
        })
    }
}
