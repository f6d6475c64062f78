//! Shared helpers of qsal's integration tests: where the configuration corpus is and what it holds.
//!
//! The corpus is read in place from `../shared/corpus/configs` (beside the repository, as in CI);
//! `QSAL_CORPUS_DIR` overrides the location. A missing corpus fails the tests loudly instead of
//! letting them pass on nothing.

use std::path::{Path, PathBuf};

use qsal_core::DeviceType;

/// The directory holding the corpus configuration files.
pub fn corpus_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("QSAL_CORPUS_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/configs")
}

/// Every `.conf` file of the corpus, sorted by name. Panics when the corpus is missing or small.
pub fn corpus_files() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "the configuration corpus is missing at {} ({e}); clone the project beside `shared/` \
                 or set QSAL_CORPUS_DIR",
                dir.display()
            )
        })
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 50,
        "expected the 51 corpus files in {}, found {}",
        dir.display(),
        files.len()
    );
    files
}

/// The corpus file whose name ends with `suffix`.
pub fn corpus_file(suffix: &str) -> PathBuf {
    corpus_files()
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no corpus file ends with {suffix}"))
}

/// The device type of a corpus file, from the `<type>_dev<N>.conf` part of its name.
pub fn device_type_of(path: &Path) -> Option<DeviceType> {
    DeviceType::from_file_name(path.file_name()?.to_str()?)
}
