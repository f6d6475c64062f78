//! Shared helpers of qsal's integration tests: where the configuration corpus is and what it holds.
//!
//! The corpus is read in place from `../shared/corpus/configs` (beside the repository, as in CI);
//! `QSAL_CORPUS_DIR` overrides the location. A missing corpus fails the tests loudly instead of
//! letting them pass on nothing.

pub mod output;

use std::path::{Path, PathBuf};

use qsal_backend_linux::RuntimeDir;
use qsal_backend_linux::load::{self, DeviceInput};
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

/// Loads a device set into `runtime` the way `qsal up` does (its one pipeline: check, expand,
/// write); panics with the findings when the set does not load.
pub fn up(runtime: &RuntimeDir, devices: &[(DeviceType, &str)]) {
    let source = Path::new("test");
    let inputs: Vec<DeviceInput<'_>> = devices
        .iter()
        .map(|(device_type, text)| DeviceInput::emulated(*device_type, source, text.as_bytes()))
        .collect();
    if let Err(e) = load::up(runtime, &inputs, || {}) {
        let details = match &e {
            load::UpError::Invalid(findings) => findings
                .iter()
                .flatten()
                .map(|d| format!("\n  {}: {}", d.code(), d.message()))
                .collect(),
            _ => String::new(),
        };
        panic!("the device set does not load: {e}{details}");
    }
}

/// A fresh, empty directory under the system temporary directory (mode 0700): its path, and the
/// guard that removes it when dropped.
pub struct TempDir(pub PathBuf, pub tempfile::TempDir);

impl TempDir {
    /// Creates `<tmp>/qsal-<label>-XXXXXX`.
    pub fn new(label: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("qsal-{label}-"))
            .tempdir()
            .expect("temp dir");
        Self(dir.path().to_path_buf(), dir)
    }
}

/// A configuration with one crypto instance per process for `sections` = (name, processes, limit).
pub fn user_config(sections: &[(&str, u32, u32)]) -> String {
    let mut text = String::from("[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n");
    for (name, processes, limit) in sections {
        text.push_str(&format!(
            "[{name}]\nNumberCyInstances = 1\nNumberDcInstances = 0\nNumProcesses = {processes}\n\
             LimitDevAccess = {limit}\nCy0Name = \"{name}0\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0-7\n"
        ));
    }
    text
}

/// 2 MiB hugepages reserved for a test, given back when dropped.
pub struct Hugepages {
    restore: Option<u64>,
}

const NR_HUGEPAGES: &str = "/proc/sys/vm/nr_hugepages";
const FREE_HUGEPAGES: &str = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages";

fn read_count(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

impl Hugepages {
    /// Makes sure at least `free` 2 MiB hugepages are free, reserving more through
    /// `/proc/sys/vm/nr_hugepages` when needed (root only). `None`, with a loud SKIPPED line on
    /// stderr naming `test`, when they cannot be had.
    pub fn reserve(free: u64, test: &str) -> Option<Self> {
        let skipped = |why: &str| {
            eprintln!("!!! SKIPPED: {test}: {why}");
            None
        };
        let Some(now_free) = read_count(FREE_HUGEPAGES) else {
            return skipped("this kernel has no 2 MiB hugepages");
        };
        if now_free >= free {
            return Some(Self { restore: None });
        }
        let Some(total) = read_count(NR_HUGEPAGES) else {
            return skipped("cannot read /proc/sys/vm/nr_hugepages");
        };
        let wanted = total + (free - now_free);
        if std::fs::write(NR_HUGEPAGES, wanted.to_string()).is_err() {
            return skipped("cannot reserve hugepages (needs root)");
        }
        let reserved = Self {
            restore: Some(total),
        };
        if read_count(FREE_HUGEPAGES).unwrap_or(0) < free {
            return skipped("the kernel could not reserve enough hugepages (memory is fragmented)");
        }
        Some(reserved)
    }
}

impl Drop for Hugepages {
    fn drop(&mut self) {
        if let Some(total) = self.restore {
            let _ = std::fs::write(NR_HUGEPAGES, total.to_string());
        }
    }
}
