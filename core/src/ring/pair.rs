//! [`RingPair`]: the host side of one request ring and its response ring — the data path, a raw
//! transport of fixed-size messages.
//!
//! `put_burst` copies as many requests as there is room for at the shadow tail and publishes them
//! with **one** TAIL write (`put` is a burst of one); `poll` hands each response's raw bytes to the
//! caller, from the shadow head until it meets the empty signature, re-stamps each slot and
//! publishes the head in batches (coalescing) — as DPDK's QAT PMD and Intel's `icp_adf_transPutMsg`
//! do. Neither takes a lock, makes a system call, allocates or looks inside a message: a poll-mode
//! thread can drive a pair from a busy loop, and what the messages mean is the business of the layer
//! above (a service's firmware descriptors, or qsal's [`echo`](super::echo) protocol). When
//! `messages − 1` requests are in flight, `put` answers [`PutError::Full`] (`CPA_STATUS_RETRY`), as
//! the reference does.

use core::fmt;

use super::csr::{Csr, Layout, RESPONSE_NEAR_FULL, base_words, config_word, size_encoding};
use super::message::{EMPTY_SIGNATURE, RESPONSE_BYTES, ResponseBytes};
use super::{RingMemory, register_value};

/// Why nothing was put on a request ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PutError {
    /// The request ring is full: try again after polling responses (`CPA_STATUS_RETRY`).
    Full,
    /// The messages are not the size of this ring's requests.
    WrongSize {
        /// The ring's request size.
        ring: usize,
        /// The size of the messages given.
        message: usize,
    },
}

impl fmt::Display for PutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("the request ring is full; poll responses and retry"),
            Self::WrongSize { ring, message } => write!(
                f,
                "a {message}-byte message does not fit a ring of {ring}-byte requests (asymmetric crypto rings take 64, symmetric and compression rings 128)"
            ),
        }
    }
}

impl core::error::Error for PutError {}

/// No response arrived for a whole timeout while requests were in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stalled {
    /// Requests still in flight.
    pub inflight: u32,
    /// How long nothing arrived, in milliseconds.
    pub waited_ms: u64,
}

impl core::error::Error for Stalled {}

impl fmt::Display for Stalled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no response for {} ms with {} requests in flight: the device (or its emulated firmware) is stalled",
            self.waited_ms, self.inflight
        )
    }
}

/// Why a ring pair cannot be set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RingError {
    /// The memory size is not a valid ring size (64 B … 4 MiB, a power of two).
    BadSize {
        /// The ring.
        ring: u8,
        /// Its size.
        bytes: usize,
    },
    /// The memory is not aligned to its size.
    Misaligned {
        /// The ring.
        ring: u8,
        /// Its bus address.
        address: u64,
    },
    /// The memory cannot hold the requested number of messages.
    TooSmall {
        /// The ring.
        ring: u8,
        /// Messages asked for.
        messages: u32,
    },
}

impl fmt::Display for RingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadSize { ring, bytes } => {
                write!(
                    f,
                    "ring {ring}: {bytes} bytes is not a ring size (a power of two, 64 B to 4 MiB)"
                )
            }
            Self::Misaligned { ring, address } => {
                write!(
                    f,
                    "ring {ring}: memory at {address:#x} is not aligned to its size"
                )
            }
            Self::TooSmall { ring, messages } => {
                write!(f, "ring {ring}: the memory cannot hold {messages} messages")
            }
        }
    }
}

/// Which rings a pair uses and its message sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PairShape {
    /// The request ring's number in its bank.
    pub tx_ring: u8,
    /// The response ring's number in its bank.
    pub rx_ring: u8,
    /// Messages each ring holds (at least 2).
    pub messages: u32,
    /// Bytes per request (64 or 128); responses are always [`RESPONSE_BYTES`].
    pub request_bytes: usize,
}

impl PairShape {
    /// Rings `tx_ring` / `rx_ring`, `messages` deep, with `request_bytes`-byte requests.
    pub const fn new(tx_ring: u8, rx_ring: u8, messages: u32, request_bytes: usize) -> Self {
        Self {
            tx_ring,
            rx_ring,
            messages,
            request_bytes,
        }
    }
}

/// A request ring and its response ring, owned by one thread.
#[derive(Debug)]
pub struct RingPair<C: Csr, M: RingMemory> {
    csr: C,
    layout: Layout,
    tx_ring: u8,
    rx_ring: u8,
    tx: M,
    rx: M,
    /// The CONFIG words of the (request, response) rings.
    configs: (u32, u32),
    /// Size − 1 of the (request, response) rings (their sizes are powers of two, checked at
    /// creation), so offsets wrap with a mask.
    masks: (usize, usize),
    request_bytes: usize,
    tail: usize,
    head: usize,
    inflight: u32,
    max_inflight: u32,
    unpublished: u32,
    coalesce: u32,
    head_writes: u32,
}

fn check(memory: &impl RingMemory, ring: u8) -> Result<u8, RingError> {
    let bytes = memory.bytes();
    let encoding = size_encoding(bytes).ok_or(RingError::BadSize { ring, bytes })?;
    let address = memory.bus_address();
    if !address.is_multiple_of(bytes as u64) {
        return Err(RingError::Misaligned { ring, address });
    }
    Ok(encoding)
}

/// Stamps every word of a response ring with the empty signature.
fn mark_empty(rx: &impl RingMemory) {
    // Bulk stores of 64 words; the CONFIG write that enables the ring publishes them.
    const STAMP: [u32; 64] = [EMPTY_SIGNATURE; 64];
    let mut offset = 0;
    while offset < rx.bytes() {
        let words = (rx.bytes().saturating_sub(offset) / 4).min(STAMP.len());
        let Some(stamp) = STAMP.get(..words).filter(|s| !s.is_empty()) else {
            break;
        };
        rx.store_words(offset, stamp);
        offset = offset.saturating_add(words.saturating_mul(4));
    }
    core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
}

/// Programs one ring: head and tail 0, its base address, then CONFIG (which enables it).
fn program(csr: &impl Csr, layout: Layout, ring: u8, memory: &impl RingMemory, config: u32) {
    let (lower, upper) = base_words(memory.bus_address());
    csr.write32(Layout::at(layout.head, ring), 0);
    csr.write32(Layout::at(layout.tail, ring), 0);
    csr.write32(Layout::at(layout.lbase, ring), lower);
    csr.write32(Layout::at(layout.ubase, ring), upper);
    csr.write32(Layout::at(layout.config, ring), config);
}

impl<C: Csr, M: RingMemory> RingPair<C, M> {
    /// Sets up the pair: fills the response ring with the empty signature, zeroes head and tail,
    /// programs the base registers and enables both rings (CONFIG last).
    pub fn create(
        csr: C,
        layout: Layout,
        shape: PairShape,
        tx: M,
        rx: M,
    ) -> Result<Self, RingError> {
        let PairShape {
            tx_ring,
            rx_ring,
            messages,
            request_bytes,
        } = shape;
        let tx_encoding = check(&tx, tx_ring)?;
        let rx_encoding = check(&rx, rx_ring)?;
        let tx_slots = tx.bytes().checked_div(request_bytes).unwrap_or(0);
        let rx_slots = rx.bytes() / RESPONSE_BYTES;
        let wanted = usize::try_from(messages).unwrap_or(usize::MAX);
        if tx_slots < wanted || rx_slots < wanted || wanted < 2 {
            return Err(RingError::TooSmall {
                ring: tx_ring,
                messages,
            });
        }
        mark_empty(&rx);
        let configs = (
            config_word(tx_encoding, 0, 0),
            config_word(rx_encoding, 0, RESPONSE_NEAR_FULL),
        );
        program(&csr, layout, tx_ring, &tx, configs.0);
        program(&csr, layout, rx_ring, &rx, configs.1);
        let masks = (tx.bytes().wrapping_sub(1), rx.bytes().wrapping_sub(1));
        let slots = u32::try_from(tx_slots.min(rx_slots)).unwrap_or(u32::MAX);
        Ok(Self {
            csr,
            layout,
            tx_ring,
            rx_ring,
            tx,
            rx,
            configs,
            masks,
            request_bytes,
            tail: 0,
            head: 0,
            inflight: 0,
            max_inflight: slots.saturating_sub(1),
            unpublished: 0,
            coalesce: u32::try_from(rx_slots / 2).unwrap_or(32).clamp(1, 32),
            head_writes: 0,
        })
    }

    /// Copies as many of `messages` as there is room for onto the request ring and publishes them
    /// with one TAIL write; returns how many went in. [`PutError::Full`] when none fit,
    /// [`PutError::WrongSize`] when `N` is not this ring's request size.
    pub fn put_burst<const N: usize>(&mut self, messages: &[[u8; N]]) -> Result<usize, PutError> {
        if N != self.request_bytes {
            return Err(PutError::WrongSize {
                ring: self.request_bytes,
                message: N,
            });
        }
        let room = self.max_inflight.saturating_sub(self.inflight) as usize;
        let count = messages.len().min(room);
        if count == 0 {
            return if messages.is_empty() {
                Ok(0)
            } else {
                Err(PutError::Full)
            };
        }
        for message in messages.iter().take(count) {
            self.tx.store_bytes(self.tail, message);
            self.tail = self.tail.wrapping_add(N) & self.masks.0;
        }
        self.csr.write32(
            Layout::at(self.layout.tail, self.tx_ring),
            register_value(self.tail),
        );
        // `count` is at most `room`, a u32.
        self.inflight = self.inflight.saturating_add(count as u32);
        Ok(count)
    }

    /// Puts one request: a burst of one.
    pub fn put<const N: usize>(&mut self, message: &[u8; N]) -> Result<(), PutError> {
        self.put_burst(core::slice::from_ref(message)).map(|_| ())
    }

    /// The size of this pair's requests (64 or 128 bytes).
    pub fn request_bytes(&self) -> usize {
        self.request_bytes
    }

    /// Handles up to `quota` responses; returns how many. Each slot's first word is re-stamped with
    /// the empty signature. The head register is written after every
    /// `min(32, slots / 2)` responses, and whenever the ring was drained, so the device never sees a
    /// consumed ring as full.
    pub fn poll(&mut self, quota: u32, mut handle: impl FnMut(&ResponseBytes)) -> u32 {
        let mut handled = 0;
        let mut drained = false;
        let mut bytes = [0u8; RESPONSE_BYTES];
        while handled < quota {
            if self.rx.load32(self.head) == EMPTY_SIGNATURE {
                drained = true;
                break;
            }
            self.rx.load_bytes(self.head, &mut bytes);
            handle(&bytes);
            // As the reference does: only the first word marks a slot as free; the firmware writes
            // it last, so a slot is never seen half-written.
            self.rx.store32(self.head, EMPTY_SIGNATURE);
            self.head = self.head.wrapping_add(RESPONSE_BYTES) & self.masks.1;
            self.inflight = self.inflight.saturating_sub(1);
            self.unpublished = self.unpublished.saturating_add(1);
            handled = handled.saturating_add(1);
            if self.unpublished >= self.coalesce {
                self.publish_head();
            }
        }
        if drained && self.unpublished > 0 {
            self.publish_head();
        }
        handled
    }

    fn publish_head(&mut self) {
        self.csr.write32(
            Layout::at(self.layout.head, self.rx_ring),
            register_value(self.head),
        );
        self.unpublished = 0;
        self.head_writes = self.head_writes.saturating_add(1);
    }

    /// Polls until nothing is in flight. `idle` runs whenever a poll found nothing (yield, sleep or —
    /// in tests — step the firmware); `now_ms` is a clock. Reports [`Stalled`] instead of hanging when
    /// no response arrives for `timeout_ms`.
    pub fn drain(
        &mut self,
        mut now_ms: impl FnMut() -> u64,
        timeout_ms: u64,
        mut idle: impl FnMut(),
        mut handle: impl FnMut(&ResponseBytes),
    ) -> Result<u32, Stalled> {
        let mut total = 0u32;
        let mut last_progress = now_ms();
        while self.inflight > 0 {
            let got = self.poll(u32::MAX, &mut handle);
            total = total.saturating_add(got);
            let now = now_ms();
            if got > 0 {
                last_progress = now;
                continue;
            }
            let waited = now.saturating_sub(last_progress);
            if waited >= timeout_ms {
                return Err(Stalled {
                    inflight: self.inflight,
                    waited_ms: waited,
                });
            }
            idle();
        }
        Ok(total)
    }

    /// Re-initialises the pair after a device reset: both rings are disabled, the response ring is
    /// filled with the empty signature again, head and tail go back to 0, and the rings are
    /// re-programmed and enabled. Requests in flight are lost (the device forgot them); returns how
    /// many, so the caller can report them instead of waiting for them. The engine serving the rings
    /// must be stopped while this runs.
    pub fn reset(&mut self) -> u32 {
        let lost = self.inflight;
        for ring in [self.tx_ring, self.rx_ring] {
            self.csr.write32(Layout::at(self.layout.config, ring), 0);
        }
        mark_empty(&self.rx);
        for (ring, memory, config) in [
            (self.tx_ring, &self.tx, self.configs.0),
            (self.rx_ring, &self.rx, self.configs.1),
        ] {
            program(&self.csr, self.layout, ring, memory, config);
        }
        self.tail = 0;
        self.head = 0;
        self.inflight = 0;
        self.unpublished = 0;
        lost
    }

    /// Requests sent and not yet answered.
    pub fn inflight(&self) -> u32 {
        self.inflight
    }

    /// How many requests may be in flight at once (`messages − 1`).
    pub fn capacity(&self) -> u32 {
        self.max_inflight
    }

    /// How many times the head register was written.
    pub fn head_writes(&self) -> u32 {
        self.head_writes
    }

    /// The memory of the (request, response) rings.
    pub fn memory(&self) -> (&M, &M) {
        (&self.tx, &self.rx)
    }

    /// The (request, response) ring numbers.
    pub fn rings(&self) -> (u8, u8) {
        (self.tx_ring, self.rx_ring)
    }

    /// Forgets the pair without disabling its rings (a copy inherited through fork: the parent
    /// still uses them).
    pub fn abandon(self) {
        core::mem::forget(self);
    }
}

impl<C: Csr, M: RingMemory> Drop for RingPair<C, M> {
    /// Disables both rings.
    fn drop(&mut self) {
        for ring in [self.tx_ring, self.rx_ring] {
            self.csr.write32(Layout::at(self.layout.config, ring), 0);
        }
    }
}
