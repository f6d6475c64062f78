//! DMA-able ring memory: where a process's rings live.
//!
//! A device reads requests from and writes responses to ring memory by physical (bus) address, so
//! that memory must not move: physically contiguous, locked, and each ring aligned to its own size.
//! [`Provider`] hands out such [`Region`]s:
//!
//! * **hugepages** (when the system has free 2 MiB hugepages): one locked hugepage at a time
//!   (`memfd_create(MFD_HUGETLB | MFD_HUGE_2MB)`), carved into rings at offsets aligned to their
//!   size — a hugepage is physically contiguous and 2 MiB-aligned, so those rings are too. Their
//!   physical addresses come from `/proc/self/pagemap` when the process may read them (root;
//!   others see page frame 0), else they get synthetic bus addresses.
//! * **shared memory** otherwise (and for rings larger than a hugepage): ordinary `memfd` pages
//!   with a synthetic bus address — enough for emulated devices, which never use the bus address,
//!   but not for real ones.
//!
//! `$QSAL_DMA` chooses: `auto` (the default: hugepages when there are any, else shared memory),
//! `hugepages` (fail rather than fall back) or `shared`. [`Provider::backing`] says which one was
//! used, and attachments log it; `qsal status` says what the system offers ([`system`]).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use qsal_core::ring::RingMemory;

use crate::LinuxError;
use crate::shm::Mapping;

/// The size of one hugepage.
pub const HUGEPAGE: usize = 2 << 20;

/// What `$QSAL_DMA` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Hugepages when the system has any, else shared memory.
    Auto,
    /// Hugepages or nothing.
    Hugepages,
    /// Ordinary shared memory.
    Shared,
}

impl Policy {
    /// The policy `$QSAL_DMA` names (unset: [`Policy::Auto`]).
    pub fn from_env() -> Result<Self, LinuxError> {
        Self::parse(std::env::var("QSAL_DMA").ok().as_deref())
    }

    /// The policy a value of `$QSAL_DMA` names.
    pub fn parse(value: Option<&str>) -> Result<Self, LinuxError> {
        match value {
            None | Some("" | "auto") => Ok(Self::Auto),
            Some("hugepages") => Ok(Self::Hugepages),
            Some("shared") => Ok(Self::Shared),
            Some(other) => Err(LinuxError::BadSetting {
                name: "QSAL_DMA",
                value: other.to_string(),
                expected: "auto, hugepages or shared",
            }),
        }
    }
}

/// What ring memory is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Locked 2 MiB hugepages.
    Hugepages {
        /// Whether the rings' bus addresses are their physical addresses.
        physical: bool,
    },
    /// Ordinary shared memory with synthetic bus addresses.
    Shared,
}

impl fmt::Display for Backing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hugepages { physical: true } => f.write_str(
                "locked 2 MiB hugepages, physical addresses from /proc/self/pagemap",
            ),
            Self::Hugepages { physical: false } => f.write_str(
                "locked 2 MiB hugepages, synthetic bus addresses (physical addresses need root)",
            ),
            Self::Shared => f.write_str(
                "ordinary shared memory, synthetic bus addresses (no free hugepages: fine for emulated devices, not for real ones)",
            ),
        }
    }
}

/// One ring's memory: a size-aligned window of a mapping, with the bus address the device uses.
#[derive(Clone, Debug)]
pub struct Region {
    mapping: Arc<Mapping>,
    offset: usize,
    bytes: usize,
    bus: u64,
}

impl Region {
    /// The whole of `mapping` as one region at bus address `bus`.
    pub fn whole(mapping: Mapping, bus: u64) -> Self {
        let bytes = mapping.len();
        Self {
            mapping: Arc::new(mapping),
            offset: 0,
            bytes,
            bus,
        }
    }

    /// Where the region starts in its mapping.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The byte `at` of this region as an offset in the mapping, if it is inside the region.
    fn at(&self, at: usize, len: usize) -> Option<usize> {
        (at.checked_add(len)? <= self.bytes).then(|| self.offset.saturating_add(at))
    }
}

impl RingMemory for Region {
    fn bytes(&self) -> usize {
        self.bytes
    }

    fn bus_address(&self) -> u64 {
        self.bus
    }

    fn load32(&self, offset: usize) -> u32 {
        self.at(offset, 4).map_or(0, |at| self.mapping.load32(at))
    }

    fn store32(&self, offset: usize, value: u32) {
        if let Some(at) = self.at(offset, 4) {
            self.mapping.store32(at, value);
        }
    }

    fn load_words(&self, offset: usize, out: &mut [u32]) {
        match self.at(offset, out.len().saturating_mul(4)) {
            Some(at) => self.mapping.load_words(at, out),
            None => out.fill(0),
        }
    }

    fn store_words(&self, offset: usize, words: &[u32]) {
        if let Some(at) = self.at(offset, words.len().saturating_mul(4)) {
            self.mapping.store_words(at, words);
        }
    }

    fn load_bytes(&self, offset: usize, out: &mut [u8]) {
        match self.at(offset, out.len()) {
            Some(at) => self.mapping.load_bytes(at, out),
            None => out.fill(0),
        }
    }

    fn store_bytes(&self, offset: usize, bytes: &[u8]) {
        if let Some(at) = self.at(offset, bytes.len()) {
            self.mapping.store_bytes(at, bytes);
        }
    }
}

/// One hugepage being carved into rings.
#[derive(Debug)]
struct Arena {
    mapping: Arc<Mapping>,
    used: usize,
    physical: Option<u64>,
}

/// Carves a region of `bytes` (a power of two, at most an arena) at an offset aligned to its size
/// from the last of `arenas`, or from a new one `make` maps (with its physical address, if known).
/// The region's bus address is the arena's physical address plus the offset, or `synthetic_bus`
/// when the physical address is unknown.
fn carve(
    arenas: &mut Vec<Arena>,
    bytes: usize,
    synthetic_bus: u64,
    make: impl FnOnce() -> Result<(Mapping, Option<u64>), LinuxError>,
) -> Result<Region, LinuxError> {
    let room = |arena: &Arena| {
        let at = arena.used.next_multiple_of(bytes);
        (at.saturating_add(bytes) <= arena.mapping.len()).then_some(at)
    };
    let fits = arenas.last().and_then(room);
    let (arena, at) = match (fits, arenas.last_mut()) {
        (Some(at), Some(arena)) => (arena, at),
        _ => {
            let (mapping, physical) = make()?;
            arenas.push(Arena {
                mapping: Arc::new(mapping),
                used: 0,
                physical,
            });
            let arena = arenas.last_mut().ok_or_else(|| LinuxError::Setup {
                accel_id: 0,
                reason: "no ring memory arena".to_string(),
            })?;
            (arena, 0)
        }
    };
    arena.used = at.saturating_add(bytes);
    let bus = arena
        .physical
        .map_or(synthetic_bus, |base| base.saturating_add(at as u64));
    Ok(Region {
        mapping: Arc::clone(&arena.mapping),
        offset: at,
        bytes,
        bus,
    })
}

/// The size of one shared-memory arena rings are carved from (sparse: only the pages rings touch
/// take memory).
pub const SHARED_ARENA: usize = 2 << 20;

/// How long [`Policy::Auto`] uses shared memory without asking for hugepages again after the
/// system had none (asking costs a failed `memfd_create`/`ftruncate` per attachment).
pub const HUGEPAGE_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// When this process last found no free hugepage.
static HUGEPAGES_FAILED_AT: parking_lot::Mutex<Option<std::time::Instant>> =
    parking_lot::Mutex::new(None);

/// Whether hugepages were missing less than [`HUGEPAGE_RETRY`] ago.
fn recently_failed() -> bool {
    HUGEPAGES_FAILED_AT
        .lock()
        .is_some_and(|at| at.elapsed() < HUGEPAGE_RETRY)
}

/// Hands out ring memory for one attachment.
#[derive(Debug)]
pub struct Provider {
    name: String,
    policy: Policy,
    arenas: Vec<Arena>,
    shared_arenas: Vec<Arena>,
    shared: bool,
    hugepages_failed: bool,
}

impl Provider {
    /// A provider whose mappings are named after `name` (in `/proc/<pid>/maps`).
    pub fn new(name: &str, policy: Policy) -> Self {
        Self {
            name: name.to_string(),
            policy,
            arenas: Vec::new(),
            shared_arenas: Vec::new(),
            shared: false,
            hugepages_failed: false,
        }
    }

    /// Memory for a ring of `bytes` (a power of two), aligned to its size. `synthetic_bus` is the
    /// bus address to use when no physical one is known (aligned to `bytes`).
    pub fn ring(&mut self, bytes: usize, synthetic_bus: u64) -> Result<Region, LinuxError> {
        let hugepages = match self.policy {
            Policy::Shared => false,
            Policy::Hugepages => true,
            Policy::Auto => !self.hugepages_failed && bytes <= HUGEPAGE && !recently_failed(),
        };
        if hugepages {
            match self.carve_hugepage(bytes, synthetic_bus) {
                Ok(region) => return Ok(region),
                Err(e) if self.policy == Policy::Hugepages => return Err(e),
                Err(_) => {
                    self.hugepages_failed = true;
                    *HUGEPAGES_FAILED_AT.lock() = Some(std::time::Instant::now());
                }
            }
        }
        self.shared = true;
        if bytes > SHARED_ARENA || !bytes.is_power_of_two() {
            let mapping = Mapping::anonymous(&format!("{}-ring", self.name), bytes, synthetic_bus)?;
            return Ok(Region::whole(mapping, synthetic_bus));
        }
        let name = format!("{}-rings", self.name);
        carve(&mut self.shared_arenas, bytes, synthetic_bus, || {
            Ok((Mapping::reusable(&name, SHARED_ARENA, false)?, None))
        })
    }

    fn carve_hugepage(&mut self, bytes: usize, synthetic_bus: u64) -> Result<Region, LinuxError> {
        if bytes > HUGEPAGE || !bytes.is_power_of_two() {
            return Err(LinuxError::Setup {
                accel_id: 0,
                reason: format!("a ring of {bytes} bytes does not fit a 2 MiB hugepage"),
            });
        }
        let name = format!("{}-dma", self.name);
        carve(&mut self.arenas, bytes, synthetic_bus, || {
            let mapping = Mapping::hugepage(&name)?;
            let physical = physical_address(mapping.address());
            Ok((mapping, physical))
        })
    }

    /// What the rings handed out so far are made of (shared memory if any one is).
    pub fn backing(&self) -> Backing {
        if self.shared || self.arenas.is_empty() {
            Backing::Shared
        } else {
            Backing::Hugepages {
                physical: self.arenas.iter().all(|a| a.physical.is_some()),
            }
        }
    }
}

/// Reads the physical address of the virtual address `address` from `/proc/self/pagemap`; `None`
/// when the page is not present or the process may not see page frames (not root).
pub fn physical_address(address: usize) -> Option<u64> {
    physical_address_in(Path::new("/proc/self/pagemap"), address)
}

fn physical_address_in(pagemap: &Path, address: usize) -> Option<u64> {
    let page = rustix::param::page_size();
    let file = std::fs::File::open(pagemap).ok()?;
    let mut entry = [0u8; 8];
    let index = u64::try_from(address / page).ok()?;
    std::os::unix::fs::FileExt::read_exact_at(&file, &mut entry, index.checked_mul(8)?).ok()?;
    let frame = frame(u64::from_le_bytes(entry))?;
    frame
        .checked_mul(page as u64)?
        .checked_add((address % page) as u64)
}

/// The page frame number of a pagemap entry: bit 63 says the page is present, bits 0–54 hold the
/// frame (0 when the reader may not see frames).
pub fn frame(entry: u64) -> Option<u64> {
    let present = entry >> 63 == 1;
    let pfn = entry & ((1 << 55) - 1);
    (present && pfn != 0).then_some(pfn)
}

/// What the system offers for ring memory, as `qsal status` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct System {
    /// Free 2 MiB hugepages.
    pub free_hugepages: u64,
    /// Total 2 MiB hugepages reserved.
    pub total_hugepages: u64,
    /// Whether this process can read physical addresses.
    pub physical: bool,
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ring memory: {} of {} 2 MiB hugepages free",
            self.free_hugepages, self.total_hugepages
        )?;
        match (self.free_hugepages, self.physical) {
            (0, _) => f.write_str(
                "; processes use ordinary shared memory (reserve hugepages in /proc/sys/vm/nr_hugepages for real devices)",
            ),
            (_, true) => f.write_str("; physical addresses readable (root)"),
            (_, false) => f.write_str("; physical addresses readable by root only"),
        }
    }
}

/// What the system offers, read from `<sysfs>/kernel/mm/hugepages/hugepages-2048kB` and this
/// process's pagemap.
pub fn system(sysfs: &Path) -> System {
    let dir: PathBuf = sysfs.join("kernel/mm/hugepages/hugepages-2048kB");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0)
    };
    let probe = [0u8; 1];
    System {
        free_hugepages: read("free_hugepages"),
        total_hugepages: read("nr_hugepages"),
        physical: physical_address(probe.as_ptr() as usize).is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagemap_entries_give_frames_only_when_present_and_visible() {
        assert_eq!(frame(1 << 63 | 0x1234), Some(0x1234));
        assert_eq!(frame(0x1234), None, "not present");
        assert_eq!(frame(1 << 63), None, "frame hidden from non-root readers");
        assert_eq!(
            frame(1 << 63 | 1 << 55 | 7),
            Some(7),
            "flag bits are not the frame"
        );
    }

    #[test]
    fn shared_memory_regions_are_whole_mappings_with_synthetic_addresses() {
        let mut provider = Provider::new("qsal-test", Policy::Shared);
        let ring = provider.ring(4096, 0x10_0000).expect("ring");
        assert_eq!(
            (ring.bytes(), ring.bus_address(), ring.offset()),
            (4096, 0x10_0000, 0)
        );
        ring.store32(4092, 7);
        assert_eq!(ring.load32(4092), 7);
        assert_eq!(ring.load32(4096), 0, "outside the region");
        assert_eq!(provider.backing(), Backing::Shared);
    }

    #[test]
    fn qsal_dma_values() {
        assert_eq!(Policy::parse(None).ok(), Some(Policy::Auto));
        assert_eq!(Policy::parse(Some("auto")).ok(), Some(Policy::Auto));
        assert_eq!(
            Policy::parse(Some("hugepages")).ok(),
            Some(Policy::Hugepages)
        );
        assert_eq!(Policy::parse(Some("shared")).ok(), Some(Policy::Shared));
        let bad = Policy::parse(Some("gpu")).expect_err("unknown");
        assert!(
            bad.to_string().contains("QSAL_DMA") && bad.to_string().contains("gpu"),
            "{bad}"
        );
    }
}
