//! `--runtime-dir`, shared by every command that works on a runtime directory.

use std::path::PathBuf;

use qsal_backend_linux::RuntimeDir;

use crate::error::CliError;

/// The runtime directory option.
#[derive(Debug, clap::Args)]
pub struct RuntimeArg {
    /// Runtime directory [default: $QSAL_RUNTIME_DIR, else /run/qsal for root, else
    /// $XDG_RUNTIME_DIR/qsal].
    #[arg(long = "runtime-dir", value_name = "D")]
    pub dir: Option<PathBuf>,
}

impl RuntimeArg {
    /// The runtime directory chosen.
    pub fn resolve(&self) -> Result<RuntimeDir, CliError> {
        Ok(RuntimeDir::resolve(self.dir.as_deref())?)
    }
}
