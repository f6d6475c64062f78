//! [`MockEngine`]: one bank's CSR window, the memory of one ring pair and the core's software
//! firmware answering it — step-driven, so tests and firmware decide exactly when the "device" runs,
//! with the firmware's fault injection (stall, corrupted responses) exposed.

use qsal_core::ring::{
    AtomicCsr, AtomicMemory, EngineError, Firmware, Layout, PairShape, RingError, RingPair,
    RingSpec,
};

/// The host side of a mock engine's ring pair.
pub type MockPair<'e, const WORDS: usize> = RingPair<&'e AtomicCsr, &'e AtomicMemory<WORDS>>;

/// A ring pair's memory (`WORDS` 32-bit words per ring, a power of two) and the firmware serving it.
pub struct MockEngine<const WORDS: usize = 1024> {
    csr: AtomicCsr,
    tx: AtomicMemory<WORDS>,
    rx: AtomicMemory<WORDS>,
    firmware: spin::Mutex<Firmware>,
    rings: spin::Mutex<Option<(Layout, PairShape)>>,
}

impl<const WORDS: usize> Default for MockEngine<WORDS> {
    fn default() -> Self {
        Self::new(0)
    }
}

impl<const WORDS: usize> MockEngine<WORDS> {
    /// An idle engine whose rings pretend to live at bus address `bus` (request ring) and
    /// `bus + WORDS * 4` (response ring). Usable in a `static`.
    pub const fn new(bus: u64) -> Self {
        Self {
            csr: AtomicCsr::new(),
            tx: AtomicMemory::new(bus),
            rx: AtomicMemory::new(bus.saturating_add((WORDS as u64).saturating_mul(4))),
            firmware: spin::Mutex::new(Firmware {
                stalled: false,
                corrupt_next: 0,
                answered: 0,
            }),
            rings: spin::Mutex::new(None),
        }
    }

    /// Sets up the pair `spec` describes (as many messages as the spec asks for and the memory
    /// holds) and returns its host side; the engine serves those rings from now on.
    pub fn pair(&self, layout: Layout, spec: &RingSpec) -> Result<MockPair<'_, WORDS>, RingError> {
        let request_bytes = spec.kind.request_bytes();
        let fits = WORDS
            .saturating_mul(4)
            .checked_div(request_bytes)
            .unwrap_or(0);
        let messages = spec.messages.min(u32::try_from(fits).unwrap_or(u32::MAX));
        let pair = RingPair::create(
            &self.csr,
            layout,
            PairShape::new(spec.tx, spec.rx, messages, request_bytes),
            &self.tx,
            &self.rx,
        )?;
        *self.rings.lock() = Some((
            layout,
            PairShape::new(spec.tx, spec.rx, messages, request_bytes),
        ));
        Ok(pair)
    }

    /// Runs the firmware once: answers up to `budget` requests; returns how many.
    pub fn step(&self, budget: u32) -> Result<u32, EngineError> {
        let Some((layout, shape)) = *self.rings.lock() else {
            return Ok(0);
        };
        self.firmware
            .lock()
            .serve(&self.csr, layout, shape, (&self.tx, &self.rx), budget)
    }

    /// Stalls (or resumes) the engine: while stalled it answers nothing.
    pub fn set_stalled(&self, stalled: bool) {
        self.firmware.lock().stalled = stalled;
    }

    /// Corrupts the next `count` responses.
    pub fn corrupt_next(&self, count: u32) {
        self.firmware.lock().corrupt_next = count;
    }

    /// Requests answered so far.
    pub fn answered(&self) -> u64 {
        self.firmware.lock().answered
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qsal_core::config::keys::Family;
    use qsal_core::profile::Generation;
    use qsal_core::ring::{PairKind, echo};

    const SPEC: RingSpec = RingSpec {
        family: Family::Cy,
        index: 0,
        kind: PairKind::Asym,
        bank: 0,
        tx: 0,
        rx: 8,
        messages: 64,
    };

    #[test]
    fn requests_are_answered_only_when_the_engine_steps() {
        let engine = MockEngine::<256>::new(0x10_0000);
        let mut pair = engine
            .pair(Layout::of(Generation::Gen2), &SPEC)
            .expect("pair");
        let sum = echo::put(&mut pair, 42, b"payload").expect("room");
        assert_eq!(pair.poll(u32::MAX, |_| {}), 0, "nothing before a step");
        assert_eq!(engine.step(8), Ok(1));
        let mut verdict = None;
        assert_eq!(
            echo::poll(&mut pair, u32::MAX, |r| verdict = Some(r.verify(42, sum))),
            1
        );
        assert_eq!(verdict, Some(Ok(())));
        assert_eq!(engine.answered(), 1);
    }

    #[test]
    fn stalled_and_corrupting_engines_are_detected() {
        let engine = MockEngine::<256>::new(0x10_0000);
        let mut pair = engine
            .pair(Layout::of(Generation::Gen2), &SPEC)
            .expect("pair");
        engine.set_stalled(true);
        echo::put(&mut pair, 1, b"a").expect("room");
        assert_eq!(engine.step(8), Ok(0));
        let mut now = 0u64;
        let stalled = pair.drain(
            || {
                now += 10;
                now
            },
            100,
            || {},
            |_| {},
        );
        assert!(matches!(stalled, Err(s) if s.inflight == 1));
        engine.set_stalled(false);
        engine.corrupt_next(1);
        assert_eq!(engine.step(8), Ok(1));
        let mut verdict = None;
        echo::poll(&mut pair, u32::MAX, |r| {
            verdict = Some(r.verify(1, r.checksum));
        });
        assert!(matches!(verdict, Some(Err(_))), "{verdict:?}");
    }
}
