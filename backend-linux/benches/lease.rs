//! Slot acquisition (search + lease with holder record + release) with k of 64 slots held, against
//! the same number of raw `open` + `flock(LOCK_EX | LOCK_NB)` + `close` calls in the same run; and the
//! whole first start + last stop, which adds attaching the emulated device (ring files mapped, rings
//! programmed, engine thread started) and detaching it.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use qsal_backend_linux::{LinuxDevices, LinuxPlatform, LinuxRegistry, RuntimeDir, linux_sal};
use qsal_core::DeviceType;
use qsal_core::platform::{Holder, Platform, SlotRegistry};
use qsal_core::slot::search;
use qsal_tests::{TempDir, up, user_config};
use rustix::fs::{FlockOperation, Mode, OFlags};

fn raw_open_flock(path: &std::path::Path) -> bool {
    let fd = rustix::fs::open(
        path,
        OFlags::RDWR | OFlags::CREATE | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o660),
    )
    .expect("open");
    rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive).is_ok()
}

fn bench(c: &mut Criterion) {
    let dir = TempDir::new("bench-lease");
    let runtime = RuntimeDir::at(&dir.0);
    let config = user_config(&[("SSL", 64, 0)]);
    up(&runtime, &[(DeviceType::C6xx, &config)]);
    let registry = LinuxRegistry::new(&runtime);
    let sal = linux_sal(&runtime);
    let devices = LinuxDevices::new(&runtime);
    let holder = LinuxPlatform::new().holder();
    let mut held = Vec::new();
    let mut group = c.benchmark_group("linux_first_start");
    for k in [0usize, 16, 32, 63] {
        while held.len() < k {
            let name = format!("SSL_INT_{}", held.len());
            held.push(
                registry
                    .try_lease(&name, &Holder::default())
                    .expect("lease")
                    .expect("free"),
            );
        }
        group.bench_with_input(BenchmarkId::new("qsal_slot_acquire", k), &k, |b, _| {
            b.iter(|| {
                let outcome = search(&devices, &registry, "SSL", Some(&holder)).expect("search");
                outcome.grant.expect("a free slot").name
            });
        });
        group.bench_with_input(BenchmarkId::new("qsal_start_stop", k), &k, |b, _| {
            b.iter(|| {
                let started = sal.start(b"SSL").expect("start");
                sal.stop().expect("stop");
                started.count
            });
        });
        let paths: Vec<std::path::PathBuf> = (0..=k)
            .map(|i| runtime.leases().join(format!("SSL_INT_{i}.lease")))
            .collect();
        group.bench_with_input(BenchmarkId::new("raw_open_flock", k), &k, |b, _| {
            b.iter(|| paths.iter().filter(|p| raw_open_flock(p)).count());
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
