//! [`Mapping`]: a shared, writable mapping — an emulated device's bank window or ring memory (an
//! anonymous `memfd`, so nothing of it lives in the runtime directory where others could truncate
//! or replace it), or a real device's UIO bank window (`/dev/uioN`, map0).
//!
//! All access goes through 32-bit atomic operations on the mapping, which is what both uses need:
//! another process (or the emulated firmware thread) reads and writes the same words concurrently.
//!
//! Anonymous mappings made with [`Mapping::reusable`] are kept for reuse when dropped (at most
//! [`SPARES`] of them, in the process that made them): a stop followed by a start — a reload, a
//! service restarting its workers — maps no new memory and takes no page fault. A spare is reused
//! only by the process that made it: after `fork` the child's copies share memory with the parent's,
//! so a child unmaps what it inherited instead.

use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

use qsal_core::ring::{Csr, RingMemory, load_le_relaxed, store_le_relaxed};
use rustix::fs::{Mode, OFlags};
use rustix::mm::{MapFlags, ProtFlags};

use crate::LinuxError;
use crate::platform::current_pid;

/// A shared read-write mapping of (the first `len` bytes of) a file.
#[derive(Debug)]
pub struct Mapping {
    base: NonNull<u8>,
    len: usize,
    bus: u64,
    path: PathBuf,
    /// The process that may reuse it once dropped ([`Mapping::reusable`]).
    keeper: Option<u32>,
}

/// How many dropped mappings a process keeps for reuse.
pub const SPARES: usize = 16;

/// A dropped reusable mapping: what [`Mapping`] holds, without the right to touch it.
#[derive(Debug)]
struct Spare {
    base: usize,
    len: usize,
    path: PathBuf,
    keeper: u32,
}

/// This process's spares (and, after a fork, the parent's, which a child never reuses).
static SPARE_MAPPINGS: parking_lot::Mutex<Vec<Spare>> = parking_lot::Mutex::new(Vec::new());

/// How many dropped mappings this process keeps for reuse right now.
pub fn spare_count() -> usize {
    let pid = current_pid();
    SPARE_MAPPINGS
        .lock()
        .iter()
        .filter(|s| s.keeper == pid)
        .count()
}

/// Unmaps every kept mapping (a process that will not start again and wants the memory back; the
/// next start maps afresh).
pub fn release_spares() {
    for spare in std::mem::take(&mut *SPARE_MAPPINGS.lock()) {
        // SAFETY: `base`/`len` are what `mmap` returned for a mapping no `Mapping` owns any more
        // (it became a spare when dropped), so nothing refers to it.
        let _ = unsafe { rustix::mm::munmap(spare.base as *mut _, spare.len) };
    }
}

// SAFETY: the mapping is plain shared memory; every access goes through atomic operations, so sharing
// the handle between threads is sound.
unsafe impl Send for Mapping {}
// SAFETY: as above — all reads and writes are atomic word operations.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Anonymous shared memory of `len` bytes (zeroed), named `name` in `/proc/<pid>/maps`. `bus` is
    /// the address the device would see (for emulated rings, any value aligned to `len`).
    pub fn anonymous(name: &str, len: usize, bus: u64) -> Result<Self, LinuxError> {
        let path = PathBuf::from(format!("memfd:{name}"));
        let fd = rustix::fs::memfd_create(name, rustix::fs::MemfdFlags::CLOEXEC)
            .map_err(|e| LinuxError::io("create shared memory", &path, e.into()))?;
        rustix::fs::ftruncate(&fd, len as u64)
            .map_err(|e| LinuxError::io("size", &path, e.into()))?;
        Self::map(&fd, &path, len, 0, bus)
    }

    /// Like [`Mapping::anonymous`] (bus address 0), but taken from this process's spares when one of
    /// `len` bytes is there, and kept as a spare when dropped. A reused mapping holds what was
    /// written into it before; with `zero` it is cleared first (a bank window, whose old ring
    /// registers must not survive).
    pub fn reusable(name: &str, len: usize, zero: bool) -> Result<Self, LinuxError> {
        let pid = current_pid();
        let spare = {
            let mut spares = SPARE_MAPPINGS.lock();
            // Another process's spares (a parent's, inherited through fork) are ours to unmap.
            spares.retain(|old| {
                if old.keeper == pid {
                    return true;
                }
                // SAFETY: `base`/`len` are what `mmap` returned for a mapping no `Mapping` owns any
                // more (it became a spare when dropped); in this child nothing else refers to it.
                let _ = unsafe { rustix::mm::munmap(old.base as *mut _, old.len) };
                false
            });
            spares
                .iter()
                .position(|s| s.len == len)
                .map(|at| spares.swap_remove(at))
        };
        let mut mapping = match spare {
            Some(spare) => Self {
                // A spare's base came from a successful `mmap`, never null.
                base: NonNull::new(spare.base as *mut u8).ok_or_else(|| LinuxError::Setup {
                    accel_id: 0,
                    reason: "a spare mapping has no address".into(),
                })?,
                len: spare.len,
                bus: 0,
                path: spare.path,
                keeper: None,
            },
            None => Self::anonymous(name, len, 0)?,
        };
        if zero && let Some(words) = mapping.words(0, len / 4) {
            for word in words {
                word.store(0, Ordering::Relaxed);
            }
            std::sync::atomic::fence(Ordering::Release);
        }
        mapping.keeper = Some(pid);
        Ok(mapping)
    }

    /// One locked 2 MiB hugepage of anonymous shared memory (zeroed), named `name`; fails when the
    /// system has no free hugepage. Its bus address is 0: ask [`crate::dma`] for the physical one.
    pub fn hugepage(name: &str) -> Result<Self, LinuxError> {
        let path = PathBuf::from(format!("memfd:{name} (hugetlb)"));
        let flags = rustix::fs::MemfdFlags::CLOEXEC
            | rustix::fs::MemfdFlags::HUGETLB
            | rustix::fs::MemfdFlags::HUGE_2MB;
        let none = |e: rustix::io::Errno| LinuxError::NoHugepage { source: e.into() };
        let fd = rustix::fs::memfd_create(name, flags).map_err(none)?;
        let len = crate::dma::HUGEPAGE;
        rustix::fs::ftruncate(&fd, len as u64).map_err(none)?;
        let mapping = Self::map(&fd, &path, len, 0, 0)?;
        // SAFETY: the range is exactly this mapping, which stays mapped while `mapping` lives;
        // locking faults the hugepage in (a reservation shortfall shows here, not on first use)
        // and keeps it from moving.
        unsafe { rustix::mm::mlock(mapping.base.as_ptr().cast(), len) }.map_err(none)?;
        Ok(mapping)
    }

    /// The virtual address the mapping starts at (for `/proc/self/pagemap`).
    pub fn address(&self) -> usize {
        self.base.as_ptr() as usize
    }

    /// Maps `len` bytes at `offset` of an existing file or device node (a UIO bank window).
    pub fn open(path: &Path, len: usize, offset: u64) -> Result<Self, LinuxError> {
        let fd = rustix::fs::open(path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())
            .map_err(|e| LinuxError::io("open", path, e.into()))?;
        Self::map(&fd, path, len, offset, 0)
    }

    fn map(
        fd: &rustix::fd::OwnedFd,
        path: &Path,
        len: usize,
        offset: u64,
        bus: u64,
    ) -> Result<Self, LinuxError> {
        if len == 0 || !len.is_multiple_of(4) {
            return Err(LinuxError::Setup {
                accel_id: 0,
                reason: format!("cannot map {len} bytes of {}", path.display()),
            });
        }
        // SAFETY: a fresh shared mapping chosen by the kernel (null hint) of a file we opened; it does
        // not alias any Rust object. It stays valid until `munmap` in `Drop`.
        let base = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                fd,
                offset,
            )
        }
        .map_err(|e| LinuxError::io("map", path, e.into()))?;
        let base = NonNull::new(base.cast::<u8>()).ok_or_else(|| LinuxError::Setup {
            accel_id: 0,
            reason: format!("mapping {} returned null", path.display()),
        })?;
        Ok(Self {
            base,
            len,
            bus,
            path: path.to_path_buf(),
            keeper: None,
        })
    }

    /// The file mapped.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes mapped.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is mapped (never, for a constructed mapping).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn word(&self, offset: usize) -> Option<&AtomicU32> {
        if !offset.is_multiple_of(4) || offset.checked_add(4)? > self.len {
            return None;
        }
        // SAFETY: `offset + 4 <= len` and `offset` is 4-aligned inside a page-aligned mapping, so the
        // pointer is in bounds and aligned for `AtomicU32`; the mapping lives as long as `self`, and
        // shared memory is only ever accessed atomically.
        Some(unsafe { &*self.base.as_ptr().add(offset).cast::<AtomicU32>() })
    }

    /// The words `offset .. offset + 4 * count`, if they are all inside the mapping.
    fn words(&self, offset: usize, count: usize) -> Option<&[AtomicU32]> {
        let end = offset.checked_add(count.checked_mul(4)?)?;
        if !offset.is_multiple_of(4) || end > self.len {
            return None;
        }
        // SAFETY: `offset + 4 * count <= len` and `offset` is 4-aligned inside a page-aligned
        // mapping, so the slice is in bounds and aligned for `AtomicU32`; the mapping lives as long
        // as `self`, and shared memory is only ever accessed atomically.
        Some(unsafe {
            std::slice::from_raw_parts(self.base.as_ptr().add(offset).cast::<AtomicU32>(), count)
        })
    }

    /// Reads the word at `offset` (acquire).
    pub fn load(&self, offset: usize) -> u32 {
        self.word(offset).map_or(0, |w| w.load(Ordering::Acquire))
    }

    /// Writes the word at `offset` (release).
    pub fn store(&self, offset: usize, value: u32) {
        if let Some(w) = self.word(offset) {
            w.store(value, Ordering::Release);
        }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        let pid = current_pid();
        if self.keeper == Some(pid) {
            let mut spares = SPARE_MAPPINGS.lock();
            if spares.len() < SPARES {
                spares.push(Spare {
                    base: self.base.as_ptr() as usize,
                    len: self.len,
                    path: std::mem::take(&mut self.path),
                    keeper: pid,
                });
                return;
            }
        }
        // SAFETY: `base`/`len` are exactly what `mmap` returned; no reference into the mapping
        // outlives `self` (every `&AtomicU32` handed out borrows `self`).
        let _ = unsafe { rustix::mm::munmap(self.base.as_ptr().cast(), self.len) };
    }
}

impl Csr for Mapping {
    fn read32(&self, offset: u32) -> u32 {
        self.load(offset as usize)
    }

    fn write32(&self, offset: u32, value: u32) {
        self.store(offset as usize, value);
    }
}

impl RingMemory for Mapping {
    fn bytes(&self) -> usize {
        self.len
    }

    fn bus_address(&self) -> u64 {
        self.bus
    }

    fn load32(&self, offset: usize) -> u32 {
        self.load(offset)
    }

    fn store32(&self, offset: usize, value: u32) {
        self.store(offset, value);
    }

    fn load_words(&self, offset: usize, out: &mut [u32]) {
        match self.words(offset, out.len()) {
            Some(words) => {
                for (value, word) in out.iter_mut().zip(words) {
                    *value = word.load(Ordering::Relaxed);
                }
            }
            None => out.fill(0),
        }
    }

    fn store_words(&self, offset: usize, values: &[u32]) {
        if let Some(words) = self.words(offset, values.len()) {
            for (word, value) in words.iter().zip(values) {
                word.store(*value, Ordering::Relaxed);
            }
        }
    }

    fn load_bytes(&self, offset: usize, out: &mut [u8]) {
        match self.words(offset, out.len().div_ceil(4)) {
            Some(words) => load_le_relaxed(words, out),
            None => out.fill(0),
        }
    }

    fn store_bytes(&self, offset: usize, bytes: &[u8]) {
        if let Some(words) = self.words(offset, bytes.len().div_ceil(4)) {
            store_le_relaxed(words, bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_mapping_is_shared_with_another_mapping_of_it() {
        // A memfd stands in for /dev/uioN: the CSR writes through one mapping are what another sees.
        let fd = rustix::fs::memfd_create("qsal-fake-uio", rustix::fs::MemfdFlags::CLOEXEC)
            .expect("memfd");
        rustix::fs::ftruncate(&fd, 0x1000).expect("size");
        let path = PathBuf::from(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&fd)
        ));
        let window = Mapping::open(&path, 0x1000, 0).expect("map0");
        let observer = Mapping::open(&path, 0x1000, 0).expect("second mapping");
        window.write32(0x100 + 4 * 3, 0x1234);
        assert_eq!(observer.read32(0x10C), 0x1234);
        assert_eq!(window.read32(0x2000), 0, "out of the window reads 0");
        window.write32(0x2000, 1);
        assert_eq!(window.len(), 0x1000);
        drop(fd);
    }

    #[test]
    fn anonymous_memory_is_zeroed_and_sized() {
        let a = Mapping::anonymous("qsal-test", 4096, 0x4000).expect("memfd");
        assert_eq!(a.load32(4092), 0);
        a.store32(4092, 7);
        assert_eq!(a.load32(4092), 7);
        assert_eq!(a.bus_address(), 0x4000);
        assert_eq!(a.load32(4096), 0, "out of range reads 0");
    }
}
