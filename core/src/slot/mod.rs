//! Slots: which derived section a starting process gets, who holds which, and an in-memory registry.
//!
//! The search is the OOT-4.24 one without its "fast path" (`../shared/reference/qat-semantics.md` §3.2): devices
//! in ascending accel id; on each device holding the section, derived names from index 0 upward until
//! the first name the device does not have (at most `banks × rings / 2` of them); the first name
//! nobody holds is granted. The lowest free slot is therefore reused first. `LimitDevAccess` is read
//! with [`read_limit_dev_access`], the one reading every layer uses.

mod derived;
mod memory;
mod pinned;
mod search;

pub use memory::{MemoryError, MemoryLease, MemoryRegistry};
pub use pinned::{PinnedError, PinnedResult, lease_named};
pub use search::{
    Grant, Outcome, SearchError, SlotInfo, Tally, for_each_slot, read_limit_dev_access, search,
    search_into,
};

/// A derived section name as leased: at most 31 bytes (the user-space library's limit).
pub type SlotName = heapless::String<32>;
