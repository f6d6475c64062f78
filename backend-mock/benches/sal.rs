//! Start/stop on the mock: a full start+stop cycle, and the slot search with k of 64 slots held.
//! Peer in the same run: the in-memory lease alone (`MemoryRegistry::try_lease` + drop).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use qsal_backend_mock::{MockClock, MockProcess, MockRegistry, MockWorld};
use qsal_core::DeviceType;
use qsal_core::platform::{Holder, SlotRegistry};

fn config(processes: u32) -> String {
    format!(
        "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n[SSL]\nNumberCyInstances = 1\n\
         NumProcesses = {processes}\nLimitDevAccess = 0\nCy0Name = \"ssl\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0-7\n"
    )
}

fn bench(c: &mut Criterion) {
    let world: Box<MockWorld<4, 65536>> = Box::new(MockWorld::new());
    world
        .add_device(DeviceType::C6xx, config(64).as_bytes())
        .expect("device");
    let registry = MockRegistry::<128>::new();
    let clock = MockClock::new();

    let mut group = c.benchmark_group("mock_sal");
    let me = MockProcess::new(&world, &registry, &clock, 1);
    group.bench_function("start_stop_cycle", |b| {
        b.iter(|| {
            me.sal().start(b"SSL").expect("start");
            me.sal().stop().expect("stop")
        });
    });
    group.bench_function("lease_only_peer", |b| {
        let holder = Holder::default();
        b.iter(|| {
            (&registry)
                .try_lease("SSL_INT_0", &holder)
                .expect("lease")
                .is_some()
        });
    });
    let mut holders = Vec::new();
    for k in [0u32, 16, 32, 63] {
        while holders.len() < k as usize {
            let p = MockProcess::new(&world, &registry, &clock, 100 + holders.len() as u32);
            p.sal().start(b"SSL").expect("holder start");
            holders.push(p);
        }
        group.bench_with_input(
            BenchmarkId::new("first_start_with_k_held", k),
            &k,
            |b, _| {
                b.iter(|| {
                    let started = me.sal().start(b"SSL").expect("start");
                    me.sal().stop().expect("stop");
                    started.count
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("probe_with_k_held", k), &k, |b, _| {
            b.iter(|| me.sal().probe(b"SSL").expect("probe").free);
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
