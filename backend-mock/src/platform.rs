//! [`MockPlatform`]: a simulated process identity and a virtual clock.

use qsal_core::platform::{Holder, Platform};

/// Virtual time shared by the simulated processes: it only moves when someone sleeps.
pub type MockClock = qsal_core::clock::ManualClock;

/// The platform of one simulated process.
#[derive(Clone, Copy)]
pub struct MockPlatform<'w> {
    pid: u32,
    clock: &'w MockClock,
    on_sleep: Option<&'w (dyn Fn(u64) + Sync)>,
    pinned: Option<&'w str>,
}

impl core::fmt::Debug for MockPlatform<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MockPlatform")
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

impl<'w> MockPlatform<'w> {
    /// Process `pid` on `clock`.
    pub const fn new(pid: u32, clock: &'w MockClock) -> Self {
        Self {
            pid,
            clock,
            on_sleep: None,
            pinned: None,
        }
    }

    /// Calls `hook` with the duration whenever this process sleeps (after the clock moved), so a
    /// test can make something happen "while" it waits.
    pub fn with_sleep_hook(mut self, hook: &'w (dyn Fn(u64) + Sync)) -> Self {
        self.on_sleep = Some(hook);
        self
    }

    /// A process told which slot to take (what `QSAL_SLOT` does on Linux).
    pub fn with_pinned_slot(mut self, slot: &'w str) -> Self {
        self.pinned = Some(slot);
        self
    }

    /// The same platform seen by another process id (what `fork` changes).
    pub fn with_pid(mut self, pid: u32) -> Self {
        self.pid = pid;
        self
    }
}

impl Platform for MockPlatform<'_> {
    fn process_id(&self) -> u32 {
        self.pid
    }

    fn holder(&self) -> Holder {
        let mut command = heapless::String::new();
        let _ = command.push_str("mock");
        Holder {
            pid: self.pid,
            uid: 0,
            since: self.clock.now_ms() / 1000,
            command,
        }
    }

    fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    fn sleep_ms(&self, ms: u64) {
        self.clock.advance(ms);
        if let Some(hook) = self.on_sleep {
            hook(ms);
        }
    }

    fn pinned_slot(&self) -> Option<&str> {
        self.pinned
    }
}
