//! Ring I/O: the protocol between a process and a device's rings, generic over how CSRs and ring
//! memory are reached (`../shared/reference/qat-semantics.md` §5.2).
//!
//! * [`csr`] — register offsets per generation, size and CONFIG encodings, base addresses.
//! * [`RingMemory`] — DMA memory of one ring, word access with acquire/release ordering.
//! * [`RingPair`] — the host's data path, a raw transport of fixed-size messages: `put_burst`
//!   (one TAIL write per burst, RETRY when full), `poll` (raw response bytes until the empty
//!   signature `0x7F7F7F7F`, re-stamping, coalesced HEAD writes). No lock, no system call, no
//!   allocation, no look inside a message.
//! * [`message`] — message sizes and the empty signature.
//! * [`echo`] — the request/response protocol of qsal's emulated firmware, above the transport.
//! * [`Firmware`] — the device side in software: serves a ring pair with any answer function (the
//!   echo protocol by default), with injectable faults.
//! * [`setup`] — the ring pairs of each instance, read from a derived section's expanded keys.

pub mod csr;
pub mod echo;
mod firmware;
mod memory;
pub mod message;
mod pair;
pub mod setup;

pub use csr::{Csr, Layout};
pub use firmware::{EngineError, Firmware};
pub use memory::{
    AtomicCsr, AtomicMemory, RingMemory, SmallCsr, load_le_relaxed, store_le_relaxed,
};
pub use pair::{PairShape, PutError, RingError, RingPair, Stalled};
pub use setup::{KeyProblem, PairKind, RingKeyError, RingSpec, ring_specs};

/// `offset` wrapped into a ring of `size` bytes (0 for an empty ring). Ring sizes are powers of
/// two, so this is a mask on the data path.
pub(crate) fn wrap(offset: usize, size: usize) -> usize {
    if size.is_power_of_two() {
        offset & size.wrapping_sub(1)
    } else {
        offset.checked_rem(size).unwrap_or(0)
    }
}

/// A ring offset as the value of a 32-bit HEAD or TAIL register. Offsets are wrapped into their
/// ring, and rings are at most 4 MiB (their size encoding is checked when a pair is created and
/// before the firmware serves one), so the value always fits; the mask states that, it never
/// changes a value.
pub(crate) const fn register_value(offset: usize) -> u32 {
    (offset & 0xFFFF_FFFF) as u32
}

#[cfg(test)]
mod tests;
