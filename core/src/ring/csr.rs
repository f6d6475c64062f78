//! Bank CSRs: where each ring register sits in a bank's window, and how values are encoded
//! (`../shared/reference/qat-semantics.md` §5.2, OOT-4.24 `adf_transport_access_macros.h`, qatlib gen4).

use crate::profile::Generation;

/// A bank's CSR window: 32-bit registers at byte offsets.
///
/// Implementations decide how the window is reached (MMIO through UIO, shared memory for an
/// emulated device, plain atomics in a mock); the core only needs these two operations.
pub trait Csr {
    /// Reads the register at `offset`.
    fn read32(&self, offset: u32) -> u32;
    /// Writes `value` to the register at `offset`.
    fn write32(&self, offset: u32, value: u32);
}

impl<T: Csr + ?Sized> Csr for &T {
    fn read32(&self, offset: u32) -> u32 {
        (**self).read32(offset)
    }

    fn write32(&self, offset: u32, value: u32) {
        (**self).write32(offset, value);
    }
}

/// Register offsets of one generation's bank window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Ring CONFIG registers (`+ 4 × ring`).
    pub config: u32,
    /// Lower base address registers.
    pub lbase: u32,
    /// Upper base address registers.
    pub ubase: u32,
    /// HEAD registers (byte offset into the ring).
    pub head: u32,
    /// TAIL registers (byte offset into the ring).
    pub tail: u32,
    /// Size of one bank's window.
    pub window: u32,
}

impl Layout {
    /// The layout of `generation`.
    pub const fn of(generation: Generation) -> Self {
        match generation {
            Generation::Gen2 | Generation::Gen3 => Self {
                config: 0x000,
                lbase: 0x040,
                ubase: 0x080,
                head: 0x0C0,
                tail: 0x100,
                window: 0x1000,
            },
            Generation::Gen4 => Self {
                config: 0x1000,
                lbase: 0x1040,
                ubase: 0x1080,
                head: 0x0C0,
                tail: 0x100,
                window: 0x2000,
            },
        }
    }

    /// Offset of `register` for `ring`.
    pub const fn at(register: u32, ring: u8) -> u32 {
        register.saturating_add((ring as u32).saturating_mul(4))
    }
}

/// Smallest ring (64 bytes, encoding 0).
pub const MIN_RING_BYTES: usize = 64;
/// Largest ring (4 MiB, encoding 16).
pub const MAX_RING_BYTES: usize = 4 << 20;
/// The size the user-space library falls back to on invalid input.
pub const FALLBACK_RING_BYTES: usize = 16 << 10;

/// Encoding `s` of a ring of `64 << s` bytes, if `bytes` is a valid ring size.
pub fn size_encoding(bytes: usize) -> Option<u8> {
    if !(MIN_RING_BYTES..=MAX_RING_BYTES).contains(&bytes) || !bytes.is_power_of_two() {
        return None;
    }
    u8::try_from((bytes / MIN_RING_BYTES).trailing_zeros()).ok()
}

/// Bytes of a ring with encoding `s` (0 ..= 16).
pub fn ring_bytes(encoding: u8) -> Option<usize> {
    (encoding <= 16).then(|| MIN_RING_BYTES << encoding)
}

/// The ring size the user-space library picks for `messages` of `message_bytes`: the smallest power
/// of two at least max(1 KiB, messages × size), capped at 4 MiB; 16 KiB on invalid input.
pub fn ring_size_for(messages: u32, message_bytes: usize) -> usize {
    let wanted = usize::try_from(messages)
        .ok()
        .and_then(|m| m.checked_mul(message_bytes))
        .filter(|&b| b > 0);
    match wanted {
        None => FALLBACK_RING_BYTES,
        Some(bytes) => bytes
            .max(1 << 10)
            .checked_next_power_of_two()
            .unwrap_or(MAX_RING_BYTES)
            .min(MAX_RING_BYTES),
    }
}

/// Near-full watermark of response rings (512 bytes, encoding 8).
pub const RESPONSE_NEAR_FULL: u32 = 0x8;

/// CONFIG value: size encoding | near-empty watermark << 5 | near-full watermark << 10.
pub const fn config_word(encoding: u8, near_empty: u32, near_full: u32) -> u32 {
    (encoding as u32 & 0x1F) | (near_empty & 0x1F) << 5 | (near_full & 0x1F) << 10
}

/// The size encoding in a CONFIG value.
pub const fn config_encoding(config: u32) -> u8 {
    (config & 0x1F) as u8
}

/// Base register value of a ring at bus address `address` (aligned to its size): `address >> 6`,
/// split into (lower, upper) 32 bits.
pub const fn base_words(address: u64) -> (u32, u32) {
    let base = address >> 6;
    (base as u32, (base >> 32) as u32)
}

/// The bus address encoded in (lower, upper) base registers.
pub const fn base_address(lower: u32, upper: u32) -> u64 {
    ((upper as u64) << 32 | lower as u64) << 6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_encodings() {
        assert_eq!(size_encoding(64), Some(0));
        assert_eq!(size_encoding(4 << 20), Some(16));
        assert_eq!(size_encoding(8 << 20), None);
        assert_eq!(size_encoding(1000), None);
        assert_eq!(ring_bytes(10), Some(64 << 10));
        assert_eq!(ring_bytes(17), None);
        assert_eq!(ring_size_for(64, 64), 4096);
        assert_eq!(ring_size_for(4, 64), 1024, "at least 1 KiB");
        assert_eq!(ring_size_for(512, 128), 64 << 10);
        assert_eq!(ring_size_for(65536, 128), 4 << 20, "capped");
        assert_eq!(ring_size_for(0, 128), 16 << 10, "fallback");
    }

    #[test]
    fn config_and_base() {
        assert_eq!(config_word(6, 0, RESPONSE_NEAR_FULL), 6 | 0x8 << 10);
        assert_eq!(config_encoding(config_word(12, 3, 4)), 12);
        let address = 0x1_2345_6780_u64 << 6;
        let (lo, hi) = base_words(address);
        assert_eq!(base_address(lo, hi), address);
        assert_eq!(Layout::at(Layout::of(Generation::Gen2).tail, 3), 0x10C);
        assert_eq!(Layout::of(Generation::Gen4).config, 0x1000);
    }
}
