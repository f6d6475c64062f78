//! A task of the appliance — what a process is on Linux: its identity ([`TaskPlatform`]), the
//! board's time ([`BoardClock`]), and its start/stop state machine ([`BoardSal`]).

use qsal_core::platform::{Holder, Platform};
use qsal_core::sal::Sal;
use qsal_core::slot::MemoryRegistry;

use crate::Board;

/// The board's time in milliseconds, advanced by whoever keeps time (a timer interrupt, or the
/// firmware's main loop).
pub type BoardClock = qsal_core::clock::ManualClock;

/// One task: its id and the board's clock.
#[derive(Clone, Copy, Debug)]
pub struct TaskPlatform<'b> {
    id: u32,
    clock: &'b BoardClock,
}

impl<'b> TaskPlatform<'b> {
    /// Task `id` on `clock`.
    pub const fn new(id: u32, clock: &'b BoardClock) -> Self {
        Self { id, clock }
    }
}

impl Platform for TaskPlatform<'_> {
    fn process_id(&self) -> u32 {
        self.id
    }

    fn holder(&self) -> Holder {
        Holder {
            pid: self.id,
            uid: 0,
            since: self.clock.now_ms() / 1000,
            command: qsal_core::strings::copy("task"),
        }
    }

    fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// A task cannot block the board: sleeping moves the board's time on.
    fn sleep_ms(&self, ms: u64) {
        self.clock.advance(ms);
    }
}

/// The start/stop state machine of one task over a board with `DEVICES` devices and `PAIRS` ring
/// slots of `WORDS` words, leasing from a registry of `SLOTS` names.
pub type BoardSal<
    'b,
    const DEVICES: usize,
    const PAIRS: usize,
    const WORDS: usize,
    const SLOTS: usize,
> = Sal<
    TaskPlatform<'b>,
    &'b Board<DEVICES, PAIRS, WORDS>,
    &'b MemoryRegistry<SLOTS>,
    spin::Mutex<()>,
    DEVICES,
>;
