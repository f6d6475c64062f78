//! Input files: reading them (bounded, never blocking on a FIFO without a writer), showing them,
//! and guessing their device type from the file name.

use std::fmt;
use std::path::{Path, PathBuf};

use qsal_backend_linux::LinuxError;
use qsal_backend_linux::dir::read_limited;
use qsal_core::DeviceType;
use rustix::fs::{FileType, Mode, OFlags};

/// The largest configuration file read: a QAT configuration is a few KiB.
pub const CONFIG_LIMIT: usize = 1 << 20;

/// A configuration file read into memory.
pub struct SourceFile {
    /// The path as given on the command line.
    pub path: PathBuf,
    /// The raw bytes (what the parser reads).
    pub bytes: Vec<u8>,
    /// The bytes as text for display, with every invalid UTF-8 byte replaced by `?` so that byte
    /// offsets stay valid.
    pub display: String,
}

/// Why an input file cannot be read.
#[derive(Debug)]
pub enum ReadError {
    /// Opening or reading failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The path is a directory.
    Directory(PathBuf),
    /// The file is larger than [`CONFIG_LIMIT`].
    TooLarge(PathBuf),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "cannot read `{}`: {source}", path.display()),
            Self::Directory(path) => write!(
                f,
                "`{}` is a directory; name the configuration files in it",
                path.display()
            ),
            Self::TooLarge(path) => write!(
                f,
                "`{}` is larger than {} MiB, far more than a QAT configuration; it is not read (is it the right file?)",
                path.display(),
                CONFIG_LIMIT >> 20
            ),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl SourceFile {
    /// Reads `path`: at most [`CONFIG_LIMIT`] bytes, in constant memory whatever the file is (a
    /// device node such as `/dev/zero` is refused after the limit; a FIFO is read to its end).
    pub fn read(path: &Path) -> Result<Self, ReadError> {
        let io = |e: rustix::io::Errno| ReadError::Io {
            path: path.to_path_buf(),
            source: e.into(),
        };
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(io)?;
        let stat = rustix::fs::fstat(&fd).map_err(io)?;
        if FileType::from_raw_mode(stat.st_mode) == FileType::Directory {
            return Err(ReadError::Directory(path.to_path_buf()));
        }
        // Opened without blocking (a FIFO with no writer); read normally from here on.
        rustix::fs::fcntl_setfl(&fd, OFlags::RDONLY).map_err(io)?;
        let bytes = read_limited(&fd, path, CONFIG_LIMIT).map_err(|e| match e {
            LinuxError::TooLarge { .. } => ReadError::TooLarge(path.to_path_buf()),
            other => ReadError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other(other.to_string()),
            },
        })?;
        let display = displayable(&bytes);
        Ok(Self {
            path: path.to_path_buf(),
            bytes,
            display,
        })
    }

    /// The path for messages.
    pub fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// The device type its name suggests (`..._c6xx_dev0.conf`, `dh895xcc_qa_dev0.conf`).
    pub fn inferred_device_type(&self) -> Option<DeviceType> {
        DeviceType::from_file_name(self.path.file_name()?.to_str()?)
    }
}

/// Replaces each byte of an invalid UTF-8 sequence with `?`, keeping the length.
fn displayable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = error.error_len().unwrap_or(after.len());
                out.extend(std::iter::repeat_n('?', bad));
                rest = after.get(bad..).unwrap_or_default();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_bytes_keep_offsets() {
        let shown = displayable(b"a\xe9b\xf0\x9f\x98c");
        assert_eq!(shown.len(), 7);
        assert!(shown.starts_with("a?b"));
    }

    #[test]
    fn device_nodes_and_directories_are_refused_in_constant_memory() {
        assert!(matches!(
            SourceFile::read(Path::new("/dev/zero")),
            Err(ReadError::TooLarge(_))
        ));
        assert!(matches!(
            SourceFile::read(Path::new("/")),
            Err(ReadError::Directory(_))
        ));
    }
}
