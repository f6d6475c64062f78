//! [`MockProcess`]: a simulated process with its own start/stop state over a shared world.

use qsal_core::sal::Sal;
use qsal_core::slot::MemoryRegistry;

use crate::{MockClock, MockPlatform, MockWorld};

/// The mock's slot registry: the core's in-memory registry (with its fault injection).
pub type MockRegistry<const N: usize = 64> = MemoryRegistry<N>;

/// The state machine of one simulated process.
pub type MockSal<'w, const D: usize = 4, const T: usize = 32768, const N: usize = 64> =
    Sal<MockPlatform<'w>, &'w MockWorld<D, T>, &'w MemoryRegistry<N>, spin::Mutex<()>, 16>;

/// One simulated process. Dropping it is a crash: its leases and attachments are released, as the
/// operating system would release them.
pub struct MockProcess<'w, const D: usize = 4, const T: usize = 32768, const N: usize = 64> {
    sal: MockSal<'w, D, T, N>,
}

impl<'w, const D: usize, const T: usize, const N: usize> MockProcess<'w, D, T, N> {
    /// Process `pid` on `world`, leasing from `registry`, with time from `clock`.
    pub fn new(
        world: &'w MockWorld<D, T>,
        registry: &'w MemoryRegistry<N>,
        clock: &'w MockClock,
        pid: u32,
    ) -> Self {
        Self::with_platform(world, registry, MockPlatform::new(pid, clock))
    }

    /// Like [`MockProcess::new`] with a prepared platform (for example with a sleep hook).
    pub fn with_platform(
        world: &'w MockWorld<D, T>,
        registry: &'w MemoryRegistry<N>,
        platform: MockPlatform<'w>,
    ) -> Self {
        Self {
            sal: Sal::new(platform, world, registry),
        }
    }

    /// Its start/stop state machine.
    pub fn sal(&self) -> &MockSal<'w, D, T, N> {
        &self.sal
    }

    /// `fork()`: a child process `child_pid` whose memory is a copy of this one's, inherited lease
    /// and attachments included.
    pub fn fork(&self, child_pid: u32) -> Self {
        let platform = self.sal.platform().with_pid(child_pid);
        Self {
            sal: self.sal.forked(platform),
        }
    }

    /// Kills the process without stop (`kill -9`).
    pub fn crash(self) {
        drop(self);
    }
}
