//! Input files: reading them, showing them, and guessing their device type from the file name.

use std::path::{Path, PathBuf};

use qsal_core::DeviceType;

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

impl SourceFile {
    /// Reads `path`, with an error message that names the file and the cause.
    pub fn read(path: &Path) -> Result<Self, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
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
}
