//! A sequence of start / stop / fork / crash / probe / device-down operations by up to eight
//! simulated processes on the mock backend; after every operation: no derived name is held by two
//! started processes, every started process's name is leased, a probe never takes a slot; at the end,
//! when every process is gone, no lease and no attachment is left.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qsal_backend_mock::{MockClock, MockProcess, MockWorld};
use qsal_core::DeviceType;
use qsal_core::slot::MemoryRegistry;

const CONFIG: &[u8] = b"[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n[KERNEL]\nNumberCyInstances = 0\nNumberDcInstances = 0\n[SSL]\nNumberCyInstances = 1\nNumberDcInstances = 0\nNumProcesses = 3\nLimitDevAccess = 1\nCy0Name = \"SSL0\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0\n";

type Process<'w> = MockProcess<'w, 2, 8192, 16>;

fuzz_target!(|ops: &[u8]| {
    let world: MockWorld<2, 8192> = MockWorld::new();
    let registry: MemoryRegistry<16> = MemoryRegistry::new();
    let clock = MockClock::new();
    for _ in 0..2 {
        world
            .add_device(DeviceType::C6xx, CONFIG)
            .expect("valid config");
    }
    let mut processes: Vec<Option<Process<'_>>> = (0..8).map(|_| None).collect();
    let mut next_pid = 100u32;
    for &op in ops.iter().take(256) {
        let who = usize::from(op >> 3) % processes.len();
        match op & 7 {
            0 | 1 => {
                let p = processes[who].get_or_insert_with(|| {
                    next_pid += 1;
                    Process::new(&world, &registry, &clock, next_pid)
                });
                let _ = p.sal().start(if op & 1 == 0 { b"SSL" } else { b"NOPE" });
            }
            2 => {
                if let Some(p) = &processes[who] {
                    let _ = p.sal().stop();
                }
            }
            3 => {
                // fork into the next free place
                if let (Some(p), Some(free)) = (
                    processes[who].as_ref(),
                    (0..processes.len()).find(|&i| processes[i].is_none()),
                ) {
                    next_pid += 1;
                    let child = p.fork(next_pid);
                    processes[free] = Some(child);
                }
            }
            4 => {
                if let Some(p) = processes[who].take() {
                    p.crash();
                }
            }
            5 => {
                if let Some(p) = &processes[who] {
                    let before = registry.leased();
                    let _ = p.sal().probe(b"SSL");
                    assert_eq!(registry.leased(), before, "a probe took a slot");
                }
            }
            6 => world.set_down(u32::from(op >> 7), op & 0x40 != 0),
            _ => clock.advance(u64::from(op)),
        }
        let mut held: Vec<String> = processes
            .iter()
            .flatten()
            .filter_map(|p| p.sal().section().map(|s| s.as_str().to_string()))
            .collect();
        let started = held.len();
        held.sort();
        held.dedup();
        assert_eq!(
            held.len(),
            started,
            "a derived name is held by two processes: {held:?}"
        );
        assert!(
            registry.leased() >= started,
            "a started process holds no lease"
        );
    }
    for p in processes.into_iter().flatten() {
        p.crash();
    }
    assert_eq!(registry.leased(), 0, "a lease outlived every process");
    assert_eq!(world.attached(), 0, "an attachment outlived every process");
});
