//! [`RingMemory`]: DMA-able memory holding one ring, accessed in 32-bit words.
//!
//! The device (or the emulated firmware) reads and writes the same memory concurrently, so access is
//! word-sized with acquire/release ordering; implementations use atomics (mock), atomic operations
//! on shared mappings (Linux), or volatile MMIO-adjacent memory (real hardware).

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

    /// Reads consecutive words from byte `offset` into `out`, each as [`load32`](Self::load32)
    /// would. Implementations override it to check the range once instead of per word.
    fn load_words(&self, offset: usize, out: &mut [u32]) {
        let mut at = offset;
        for word in out {
            *word = self.load32(at);
            at = at.saturating_add(4);
        }
    }

    /// Writes `words` consecutively from byte `offset`, each as [`store32`](Self::store32) would.
    fn store_words(&self, offset: usize, words: &[u32]) {
        let mut at = offset;
        for word in words {
            self.store32(at, *word);
            at = at.saturating_add(4);
        }
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
                    *value = word.load(core::sync::atomic::Ordering::Acquire);
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
                    word.store(*value, core::sync::atomic::Ordering::Release);
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
}

/// Words of a bank window large enough for every generation (8 KiB, the gen4 stride).
const CSR_WORDS: usize = 2048;

/// A bank CSR window made of atomics.
#[derive(Debug)]
pub struct AtomicCsr {
    words: [core::sync::atomic::AtomicU32; CSR_WORDS],
}

impl Default for AtomicCsr {
    fn default() -> Self {
        Self::new()
    }
}

impl AtomicCsr {
    /// A window with every register 0.
    pub const fn new() -> Self {
        Self {
            words: [const { core::sync::atomic::AtomicU32::new(0) }; CSR_WORDS],
        }
    }
}

impl super::Csr for AtomicCsr {
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
