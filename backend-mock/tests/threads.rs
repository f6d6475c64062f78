//! 16 threads of one process racing start and stop on one state machine: the count is exact and
//! the process never holds more than one lease.

use std::sync::Barrier;
use std::sync::atomic::{AtomicU32, Ordering};

use qsal_backend_mock::{MockClock, MockProcess, MockRegistry, MockWorld};
use qsal_core::DeviceType;

const CONFIG: &str = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n\
[SSL]\nNumberCyInstances = 1\nNumProcesses = 4\nLimitDevAccess = 0\n\
Cy0Name = \"ssl\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0-3\n";

#[test]
fn sixteen_threads_race_start_and_stop() {
    let world: Box<MockWorld> = Box::new(MockWorld::new());
    world
        .add_device(DeviceType::C6xx, CONFIG.as_bytes())
        .expect("device");
    let registry = MockRegistry::<64>::new();
    let clock = MockClock::new();
    let process = MockProcess::new(&world, &registry, &clock, 1);
    let sal = process.sal();
    let barrier = Barrier::new(16);
    let max_leases = AtomicU32::new(0);
    let max_count = AtomicU32::new(0);
    std::thread::scope(|scope| {
        for _ in 0..16 {
            scope.spawn(|| {
                for round in 0..500 {
                    let started = sal.start(b"SSL").expect("start");
                    assert_eq!(started.section.as_str(), "SSL_INT_0");
                    max_count.fetch_max(started.count, Ordering::SeqCst);
                    max_leases.fetch_max(registry.leased() as u32, Ordering::SeqCst);
                    if round == 0 {
                        // Everybody holds a start at the same time once: the count is exact.
                        barrier.wait();
                        assert_eq!(sal.count(), 16);
                        assert_eq!(registry.leased(), 1);
                        barrier.wait();
                    }
                    sal.stop().expect("stop");
                }
            });
        }
    });
    assert_eq!(
        max_leases.load(Ordering::SeqCst),
        1,
        "never more than one lease"
    );
    assert_eq!(max_count.load(Ordering::SeqCst), 16);
    assert_eq!(sal.count(), 0);
    assert_eq!(registry.leased(), 0);
    assert_eq!(world.attached(), 0);
}
