//! [`Firmware`]: a software stand-in for the device's firmware, used by emulated devices and mocks.
//!
//! It serves one request/response ring pair as the hardware would, entirely through the bank's CSR
//! window and the rings' memory: requests between the request ring's HEAD and TAIL registers are
//! answered into the response ring at its TAIL, as long as the response ring (its HEAD register is the
//! host's consumption point) has room. It is step-driven — each call does a bounded amount of work —
//! so tests are deterministic and a backend can run it from a thread. Faults can be injected: a
//! stalled engine answers nothing, and responses can be corrupted.

use core::fmt;

use super::csr::{Csr, Layout, base_address, config_encoding, ring_bytes};
use super::echo;
use super::memory::le_word;
use super::message::{ASYM_REQUEST_BYTES, REQUEST_BYTES, RESPONSE_BYTES, ResponseBytes};
use super::pair::PairShape;
use super::{RingMemory, register_value, wrap};

/// Why the firmware refuses to serve a ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EngineError {
    /// The ring's base registers do not point at the memory given for it.
    WrongBase {
        /// The ring.
        ring: u8,
    },
    /// The ring's CONFIG encodes a size larger than its memory.
    WrongSize {
        /// The ring.
        ring: u8,
    },
    /// Requests of this size do not exist (only 64 and 128 bytes do).
    MessageSize {
        /// The size asked for.
        bytes: usize,
    },
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongBase { ring } => {
                write!(f, "ring {ring}: base registers do not match its memory")
            }
            Self::WrongSize { ring } => write!(f, "ring {ring}: CONFIG size exceeds its memory"),
            Self::MessageSize { bytes } => {
                write!(f, "{bytes}-byte requests do not exist (64 or 128)")
            }
        }
    }
}

/// The software firmware and its injected faults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Firmware {
    /// While set, nothing is answered (a hung device).
    pub stalled: bool,
    /// The next this many responses are corrupted.
    pub corrupt_next: u32,
    /// Requests answered so far.
    pub answered: u64,
}

impl Firmware {
    /// Answers up to `budget` requests of the ring pair `shape` whose memory is `(tx, rx)` with the
    /// [`echo`](super::echo) protocol (corrupting the next `corrupt_next` responses); returns how
    /// many. A disabled ring (CONFIG 0) is skipped.
    pub fn serve(
        &mut self,
        csr: &impl Csr,
        layout: Layout,
        shape: PairShape,
        memory: (&impl RingMemory, &impl RingMemory),
        budget: u32,
    ) -> Result<u32, EngineError> {
        let mut corrupt_next = self.corrupt_next;
        let done = self.serve_with(csr, layout, shape, memory, budget, |request, response| {
            let corrupt = corrupt_next > 0;
            corrupt_next = corrupt_next.saturating_sub(1);
            echo::answer(request, response, corrupt);
        });
        self.corrupt_next = corrupt_next;
        done
    }

    /// Answers up to `budget` requests of the ring pair `shape` whose memory is `(tx, rx)`: each
    /// request's `shape.request_bytes` bytes are handed to `answer`, which fills the 32-byte
    /// response; the response's first word is written last (release), so the host never sees a
    /// half-written one. Returns how many were answered. Nothing is answered while stalled.
    pub fn serve_with(
        &mut self,
        csr: &impl Csr,
        layout: Layout,
        shape: PairShape,
        (tx, rx): (&impl RingMemory, &impl RingMemory),
        budget: u32,
        mut answer: impl FnMut(&[u8], &mut ResponseBytes),
    ) -> Result<u32, EngineError> {
        if self.stalled {
            return Ok(0);
        }
        let PairShape {
            tx_ring,
            rx_ring,
            request_bytes,
            ..
        } = shape;
        let tx_config = csr.read32(Layout::at(layout.config, tx_ring));
        let rx_config = csr.read32(Layout::at(layout.config, rx_ring));
        if tx_config == 0 || rx_config == 0 {
            return Ok(0);
        }
        let tx_size = ring(csr, layout, tx_ring, tx_config, tx)?;
        let rx_size = ring(csr, layout, rx_ring, rx_config, rx)?;
        if request_bytes != ASYM_REQUEST_BYTES && request_bytes != REQUEST_BYTES {
            return Err(EngineError::MessageSize {
                bytes: request_bytes,
            });
        }
        let register =
            |r: u32, ring: u8, size: usize| wrap(csr.read32(Layout::at(r, ring)) as usize, size);
        let mut cursor = Cursor {
            head: register(layout.head, tx_ring, tx_size),
            tail: register(layout.tail, tx_ring, tx_size),
            consumed: register(layout.head, rx_ring, rx_size),
            produced: register(layout.tail, rx_ring, rx_size),
            tx_mask: tx_size.wrapping_sub(1),
            rx_size,
        };
        // One copy loop per request size, so each is a fixed-length copy.
        let done = if request_bytes == ASYM_REQUEST_BYTES {
            cursor.serve::<ASYM_REQUEST_BYTES>((tx, rx), budget, &mut answer)
        } else {
            cursor.serve::<REQUEST_BYTES>((tx, rx), budget, &mut answer)
        };
        let (produced, head) = (cursor.produced, cursor.head);
        if done > 0 {
            csr.write32(Layout::at(layout.tail, rx_ring), register_value(produced));
            csr.write32(Layout::at(layout.head, tx_ring), register_value(head));
            self.answered = self.answered.saturating_add(u64::from(done));
        }
        Ok(done)
    }
}

/// Where the firmware is in a ring pair during one `serve`.
struct Cursor {
    /// Next request to read (byte offset in the request ring).
    head: usize,
    /// End of the requests published by the host.
    tail: usize,
    /// The host's consumption point in the response ring.
    consumed: usize,
    /// Next response slot to write.
    produced: usize,
    /// Request ring size − 1 (sizes are powers of two, checked by `ring`).
    tx_mask: usize,
    /// Response ring size.
    rx_size: usize,
}

impl Cursor {
    /// Answers up to `budget` requests of `N` bytes; returns how many.
    #[inline]
    fn serve<const N: usize>(
        &mut self,
        (tx, rx): (&impl RingMemory, &impl RingMemory),
        budget: u32,
        answer: &mut impl FnMut(&[u8], &mut ResponseBytes),
    ) -> u32 {
        let rx_mask = self.rx_size.wrapping_sub(1);
        let mut request = [0u8; N];
        let mut done = 0u32;
        while self.head != self.tail && done < budget {
            let used = self
                .produced
                .wrapping_add(self.rx_size)
                .wrapping_sub(self.consumed)
                & rx_mask;
            if used.saturating_add(RESPONSE_BYTES) >= self.rx_size {
                break;
            }
            tx.load_bytes(self.head, &mut request);
            let mut response = [0u8; RESPONSE_BYTES];
            answer(&request, &mut response);
            let (first, rest) = response.split_at(4);
            rx.store_bytes(self.produced.wrapping_add(4), rest);
            rx.store32(self.produced, le_word(first));
            self.produced = self.produced.wrapping_add(RESPONSE_BYTES) & rx_mask;
            self.head = self.head.wrapping_add(N) & self.tx_mask;
            done = done.saturating_add(1);
        }
        done
    }
}

/// Checks a ring's registers against its memory; returns its size.
fn ring(
    csr: &impl Csr,
    layout: Layout,
    ring: u8,
    config: u32,
    memory: &impl RingMemory,
) -> Result<usize, EngineError> {
    let lower = csr.read32(Layout::at(layout.lbase, ring));
    let upper = csr.read32(Layout::at(layout.ubase, ring));
    if base_address(lower, upper) != memory.bus_address() {
        return Err(EngineError::WrongBase { ring });
    }
    let size = ring_bytes(config_encoding(config)).ok_or(EngineError::WrongSize { ring })?;
    if size > memory.bytes() || size < RESPONSE_BYTES * 2 {
        return Err(EngineError::WrongSize { ring });
    }
    Ok(size)
}
