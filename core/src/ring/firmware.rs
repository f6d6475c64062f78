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
use super::message::{REQUEST_BYTES, RESPONSE_BYTES, answer};
use super::{RingMemory, register_value, wrap};

/// Why the firmware refuses to serve a ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongBase { ring } => {
                write!(f, "ring {ring}: base registers do not match its memory")
            }
            Self::WrongSize { ring } => write!(f, "ring {ring}: CONFIG size exceeds its memory"),
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
    /// Answers up to `budget` requests of the ring pair `(tx_ring, rx_ring)` whose memory is
    /// `(tx, rx)`; returns how many. A disabled ring (CONFIG 0) is skipped.
    pub fn serve(
        &mut self,
        csr: &impl Csr,
        layout: Layout,
        (tx_ring, rx_ring): (u8, u8),
        (tx, rx): (&impl RingMemory, &impl RingMemory),
        budget: u32,
    ) -> Result<u32, EngineError> {
        if self.stalled {
            return Ok(0);
        }
        let tx_config = csr.read32(Layout::at(layout.config, tx_ring));
        let rx_config = csr.read32(Layout::at(layout.config, rx_ring));
        if tx_config == 0 || rx_config == 0 {
            return Ok(0);
        }
        let tx_size = ring(csr, layout, tx_ring, tx_config, tx)?;
        let rx_size = ring(csr, layout, rx_ring, rx_config, rx)?;
        let register =
            |r: u32, ring: u8, size: usize| wrap(csr.read32(Layout::at(r, ring)) as usize, size);
        let mut head = register(layout.head, tx_ring, tx_size);
        let tail = register(layout.tail, tx_ring, tx_size);
        let consumed = register(layout.head, rx_ring, rx_size);
        let mut produced = register(layout.tail, rx_ring, rx_size);
        let mut done = 0u32;
        while head != tail && done < budget {
            let used = wrap(
                produced.saturating_add(rx_size).saturating_sub(consumed),
                rx_size,
            );
            if used.saturating_add(RESPONSE_BYTES) >= rx_size {
                break;
            }
            let size = match (tx.load32(head.saturating_add(4)) >> 16) as usize {
                64 => 64,
                _ => REQUEST_BYTES,
            };
            let corrupt = self.corrupt_next > 0;
            self.corrupt_next = self.corrupt_next.saturating_sub(1);
            answer(tx, head, rx, produced, corrupt);
            produced = wrap(produced.saturating_add(RESPONSE_BYTES), rx_size);
            head = wrap(head.saturating_add(size), tx_size);
            done = done.saturating_add(1);
        }
        if done > 0 {
            csr.write32(Layout::at(layout.tail, rx_ring), register_value(produced));
            csr.write32(Layout::at(layout.head, tx_ring), register_value(head));
            self.answered = self.answered.saturating_add(u64::from(done));
        }
        Ok(done)
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
