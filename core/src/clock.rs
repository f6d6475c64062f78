//! [`ManualClock`]: time that moves only when someone advances it — a board's timer interrupt or
//! main loop, or a test's simulated processes sleeping. The platforms of the appliance and mock
//! backends read it.

/// Milliseconds since the clock was made, advanced by its owner. A lock rather than an atomic:
/// 32-bit microcontrollers have no 64-bit atomics.
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: spin::Mutex<u64>,
}

impl ManualClock {
    /// A clock at 0 ms (usable in a `static`).
    pub const fn new() -> Self {
        Self {
            now_ms: spin::Mutex::new(0),
        }
    }

    /// Now.
    pub fn now_ms(&self) -> u64 {
        *self.now_ms.lock()
    }

    /// Moves time forward by `ms` (saturating: time never wraps).
    pub fn advance(&self, ms: u64) {
        let mut now = self.now_ms.lock();
        *now = now.saturating_add(ms);
    }
}

#[cfg(test)]
mod tests {
    use super::ManualClock;

    #[test]
    fn moves_only_when_advanced_and_never_wraps() {
        let clock = ManualClock::new();
        assert_eq!(clock.now_ms(), 0);
        clock.advance(5);
        clock.advance(7);
        assert_eq!(clock.now_ms(), 12);
        clock.advance(u64::MAX);
        assert_eq!(clock.now_ms(), u64::MAX);
    }
}
