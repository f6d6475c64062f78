//! [`RingMemory`]: DMA-able memory holding one ring, accessed in 32-bit words.
//!
//! The device (or the emulated firmware) reads and writes the same memory concurrently, so access is
//! word-sized; implementations use atomics (mock), atomic operations on shared mappings (Linux), or
//! volatile MMIO-adjacent memory (real hardware).
//!
//! Ordering: single words are acquire (`load32`) and release (`store32`); bulk copies
//! (`load_words`, `store_words`) need no ordering of their own, because every message is published
//! by one ordered word written after it and read before it — a request by the release of its TAIL
//! register write, a response by the release store of its first word (written last), which the host
//! reads with acquire before the rest.

/// Memory of one ring.
pub trait RingMemory {
    /// Its size in bytes (a power of two the ring is aligned to).
    fn bytes(&self) -> usize;
    /// Its bus address (what the ring's base registers point at).
    fn bus_address(&self) -> u64;
    /// Reads the word at byte `offset` (acquire); out of range reads 0.
    fn load32(&self, offset: usize) -> u32;
    /// Writes the word at byte `offset` (release); out of range writes are ignored.
    fn store32(&self, offset: usize, value: u32);

    /// Reads consecutive words from byte `offset` into `out` (out of range reads 0). No ordering
    /// is required (see the module documentation); implementations override it to check the range
    /// once and copy with relaxed loads.
    fn load_words(&self, offset: usize, out: &mut [u32]) {
        let mut at = offset;
        for word in out {
            *word = self.load32(at);
            at = at.saturating_add(4);
        }
    }

    /// Writes `words` consecutively from byte `offset` (out of range writes are ignored). No
    /// ordering is required (see the module documentation); implementations override it to check
    /// the range once and copy with relaxed stores.
    fn store_words(&self, offset: usize, words: &[u32]) {
        let mut at = offset;
        for word in words {
            self.store32(at, *word);
            at = at.saturating_add(4);
        }
    }

    /// Reads `out.len()` bytes (a multiple of 4) from byte `offset`, as little-endian words, like
    /// [`load_words`](Self::load_words). Implementations override it to copy without an
    /// intermediate buffer.
    fn load_bytes(&self, offset: usize, out: &mut [u8]) {
        let mut words = [0u32; 8];
        let mut at = offset;
        for chunk in out.chunks_mut(32) {
            let count = chunk.len() / 4;
            let part = words.get_mut(..count).unwrap_or_default();
            self.load_words(at, part);
            for (bytes, word) in chunk.chunks_exact_mut(4).zip(part.iter()) {
                bytes.copy_from_slice(&word.to_le_bytes());
            }
            at = at.saturating_add(chunk.len());
        }
    }

    /// Writes `bytes` (a multiple of 4 long) from byte `offset` as little-endian words, like
    /// [`store_words`](Self::store_words). Implementations override it to copy without an
    /// intermediate buffer.
    fn store_bytes(&self, offset: usize, bytes: &[u8]) {
        let mut words = [0u32; 8];
        let mut at = offset;
        for chunk in bytes.chunks(32) {
            let count = chunk.len() / 4;
            let part = words.get_mut(..count).unwrap_or_default();
            for (word, four) in part.iter_mut().zip(chunk.chunks_exact(4)) {
                *word = le_word(four);
            }
            self.store_words(at, part);
            at = at.saturating_add(chunk.len());
        }
    }
}

/// The little-endian word of four bytes (fewer bytes are zero-padded).
#[inline(always)]
pub(crate) fn le_word(four: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    for (dst, src) in word.iter_mut().zip(four) {
        *dst = *src;
    }
    u32::from_le_bytes(word)
}

/// Copies little-endian bytes into atomic words with relaxed stores (the shared fast path of the
/// memory implementations).
#[inline]
pub fn store_le_relaxed(words: &[core::sync::atomic::AtomicU32], bytes: &[u8]) {
    for (word, four) in words.iter().zip(bytes.chunks_exact(4)) {
        word.store(le_word(four), core::sync::atomic::Ordering::Relaxed);
    }
}

/// Copies atomic words into little-endian bytes with relaxed loads.
#[inline]
pub fn load_le_relaxed(words: &[core::sync::atomic::AtomicU32], out: &mut [u8]) {
    for (four, word) in out.chunks_exact_mut(4).zip(words) {
        four.copy_from_slice(
            &word
                .load(core::sync::atomic::Ordering::Relaxed)
                .to_le_bytes(),
        );
    }
}

impl<T: RingMemory + ?Sized> RingMemory for &T {
    fn bytes(&self) -> usize {
        (**self).bytes()
    }

    fn bus_address(&self) -> u64 {
        (**self).bus_address()
    }

    fn load32(&self, offset: usize) -> u32 {
        (**self).load32(offset)
    }

    fn store32(&self, offset: usize, value: u32) {
        (**self).store32(offset, value);
    }

    fn load_words(&self, offset: usize, out: &mut [u32]) {
        (**self).load_words(offset, out);
    }

    fn store_words(&self, offset: usize, words: &[u32]) {
        (**self).store_words(offset, words);
    }

    fn load_bytes(&self, offset: usize, out: &mut [u8]) {
        (**self).load_bytes(offset, out);
    }

    fn store_bytes(&self, offset: usize, bytes: &[u8]) {
        (**self).store_bytes(offset, bytes);
    }
}

/// Ring memory made of atomics, usable anywhere (tests, firmware, the mock).
#[derive(Debug)]
pub struct AtomicMemory<const WORDS: usize> {
    words: [core::sync::atomic::AtomicU32; WORDS],
    bus: u64,
}

impl<const WORDS: usize> AtomicMemory<WORDS> {
    /// Zeroed memory that pretends to live at bus address `bus`.
    pub const fn new(bus: u64) -> Self {
        Self {
            words: [const { core::sync::atomic::AtomicU32::new(0) }; WORDS],
            bus,
        }
    }
}

impl<const WORDS: usize> RingMemory for AtomicMemory<WORDS> {
    fn bytes(&self) -> usize {
        WORDS.saturating_mul(4)
    }

    fn bus_address(&self) -> u64 {
        self.bus
    }

    fn load32(&self, offset: usize) -> u32 {
        self.words
            .get(offset / 4)
            .map_or(0, |w| w.load(core::sync::atomic::Ordering::Acquire))
    }

    fn store32(&self, offset: usize, value: u32) {
        if let Some(w) = self.words.get(offset / 4) {
            w.store(value, core::sync::atomic::Ordering::Release);
        }
    }

    fn load_words(&self, offset: usize, out: &mut [u32]) {
        let first = offset / 4;
        match self.words.get(first..first.saturating_add(out.len())) {
            Some(words) => {
                for (value, word) in out.iter_mut().zip(words) {
                    *value = word.load(core::sync::atomic::Ordering::Relaxed);
                }
            }
            _ => {
                let mut at = offset;
                for value in out {
                    *value = self.load32(at);
                    at = at.saturating_add(4);
                }
            }
        }
    }

    fn store_words(&self, offset: usize, values: &[u32]) {
        let first = offset / 4;
        match self.words.get(first..first.saturating_add(values.len())) {
            Some(words) => {
                for (word, value) in words.iter().zip(values) {
                    word.store(*value, core::sync::atomic::Ordering::Relaxed);
                }
            }
            _ => {
                let mut at = offset;
                for value in values {
                    self.store32(at, *value);
                    at = at.saturating_add(4);
                }
            }
        }
    }

    fn load_bytes(&self, offset: usize, out: &mut [u8]) {
        match self.range(offset, out.len()) {
            Some(words) => load_le_relaxed(words, out),
            None => out.fill(0),
        }
    }

    fn store_bytes(&self, offset: usize, bytes: &[u8]) {
        if let Some(words) = self.range(offset, bytes.len()) {
            store_le_relaxed(words, bytes);
        }
    }
}

impl<const WORDS: usize> AtomicMemory<WORDS> {
    fn range(&self, offset: usize, bytes: usize) -> Option<&[core::sync::atomic::AtomicU32]> {
        if !offset.is_multiple_of(4) {
            return None;
        }
        let first = offset / 4;
        self.words.get(first..first.checked_add(bytes.div_ceil(4))?)
    }
}

/// Words of a bank window large enough for every generation (8 KiB, the gen4 stride).
const CSR_WORDS: usize = 2048;

/// A bank CSR window made of atomics, large enough for every generation.
pub type AtomicCsr = SmallCsr<CSR_WORDS>;

/// A bank CSR window of atomics holding only its first `WORDS` registers: a gen2/gen3 bank's ring
/// registers and bank-wide registers all lie below byte 0x200, so 128 words (512 bytes) serve a
/// board that emulates such a device in little RAM. Reads beyond it give 0 and writes are ignored.
#[derive(Debug)]
pub struct SmallCsr<const WORDS: usize> {
    words: [core::sync::atomic::AtomicU32; WORDS],
}

impl<const WORDS: usize> Default for SmallCsr<WORDS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const WORDS: usize> SmallCsr<WORDS> {
    /// A window with every register 0.
    pub const fn new() -> Self {
        Self {
            words: [const { core::sync::atomic::AtomicU32::new(0) }; WORDS],
        }
    }
}

impl<const WORDS: usize> super::Csr for SmallCsr<WORDS> {
    fn read32(&self, offset: u32) -> u32 {
        self.words
            .get(offset as usize / 4)
            .map_or(0, |w| w.load(core::sync::atomic::Ordering::Acquire))
    }

    fn write32(&self, offset: u32, value: u32) {
        if let Some(w) = self.words.get(offset as usize / 4) {
            w.store(value, core::sync::atomic::Ordering::Release);
        }
    }
}
