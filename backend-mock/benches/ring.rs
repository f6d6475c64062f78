//! Single-thread round trips through a ring pair and the software firmware (64-byte requests,
//! 32-byte responses), against `heapless::spsc::Queue` and `crossbeam_queue::ArrayQueue` moving the
//! same payloads (a request queue and a response queue, one "engine" step in between) in the same run.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_queue::ArrayQueue;
use qsal_core::profile::Generation;
use qsal_core::ring::{AtomicCsr, AtomicMemory, Firmware, Layout, PairShape, RingPair};

const BATCH: usize = 32;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring_round_trip_64B");
    group.throughput(Throughput::Elements(BATCH as u64));

    let layout = Layout::of(Generation::Gen2);
    let csr = AtomicCsr::new();
    // 64 requests of 64 bytes (4 KiB), and a 4 KiB response ring.
    let tx = Box::new(AtomicMemory::<1024>::new(0x10_0000));
    let rx = Box::new(AtomicMemory::<1024>::new(0x20_0000));
    let mut pair =
        RingPair::create(&csr, layout, PairShape::new(0, 8, 64, 64), &*tx, &*rx).expect("pair");
    let mut firmware = Firmware::default();
    let payload = [0xA5u8; 44];
    let mut opaque = 0u64;
    group.bench_function("qsal_ring_and_firmware", |b| {
        b.iter(|| {
            let mut sums = [0u32; BATCH];
            for sum in &mut sums {
                *sum = pair.put(opaque, &payload).expect("room");
                opaque += 1;
            }
            firmware
                .serve(&csr, layout, (0, 8), (&*tx, &*rx), BATCH as u32)
                .expect("serve");
            let mut ok = 0;
            let first = opaque - BATCH as u64;
            pair.poll(BATCH as u32, |r| {
                let i = (r.opaque - first) as usize;
                ok += usize::from(r.verify(r.opaque, sums[i]).is_ok());
            });
            ok
        });
    });

    let mut requests: heapless::spsc::Queue<[u8; 64], 64> = heapless::spsc::Queue::new();
    let mut responses: heapless::spsc::Queue<[u8; 32], 64> = heapless::spsc::Queue::new();
    group.bench_function("heapless_spsc", |b| {
        b.iter(|| {
            for i in 0..BATCH {
                let mut request = [0xA5u8; 64];
                request[0] = i as u8;
                requests.enqueue(request).expect("room");
            }
            while let Some(request) = requests.dequeue() {
                let mut response = [0u8; 32];
                response[..8].copy_from_slice(&request[..8]);
                responses.enqueue(response).expect("room");
            }
            let mut n = 0;
            while let Some(response) = responses.dequeue() {
                n += usize::from(response[1] == 0xA5);
            }
            n
        });
    });

    let requests: ArrayQueue<[u8; 64]> = ArrayQueue::new(64);
    let responses: ArrayQueue<[u8; 32]> = ArrayQueue::new(64);
    group.bench_function("crossbeam_array_queue", |b| {
        b.iter(|| {
            for i in 0..BATCH {
                let mut request = [0xA5u8; 64];
                request[0] = i as u8;
                requests.push(request).expect("room");
            }
            while let Some(request) = requests.pop() {
                let mut response = [0u8; 32];
                response[..8].copy_from_slice(&request[..8]);
                responses.push(response).expect("room");
            }
            let mut n = 0;
            while let Some(response) = responses.pop() {
                n += usize::from(response[1] == 0xA5);
            }
            n
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
