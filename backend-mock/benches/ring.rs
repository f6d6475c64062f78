//! Ring benchmarks, each against peers moving the same bytes the same way in the same run:
//!
//! * `ring_transport` — the raw transport, host side, one thread: a burst of 32 raw 64-byte
//!   requests, one step of a raw engine (each response is the first 32 bytes of its request), and 32
//!   raw 32-byte responses polled — against `heapless::spsc::Queue` and
//!   `crossbeam_queue::ArrayQueue` (a request queue, an echo step, a response queue).
//! * `ring_cross_thread` — the same with the engine on a second thread, busy-polling.
//! * `ring_round_trip_64B` — the echo protocol on top (checksummed requests, verified responses).

use std::sync::atomic::{AtomicBool, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_queue::ArrayQueue;
use qsal_core::profile::Generation;
use qsal_core::ring::{
    AtomicCsr, AtomicMemory, Firmware, Layout, PairShape, RingPair, echo, message::ResponseBytes,
};

const BATCH: usize = 32;
const SHAPE: PairShape = PairShape::new(0, 8, 64, 64);

/// The raw engine's answer: the first 32 bytes of the request, byte 0 inverted (a response's first
/// word is never the empty signature).
fn reflect(request: &[u8], response: &mut ResponseBytes) {
    response.copy_from_slice(&request[..32]);
    response[0] = !response[0];
}

/// The peers' engine step: the same bytes into a response.
fn reflect_array(request: &[u8; 64]) -> [u8; 32] {
    let mut response = [0u8; 32];
    reflect(request, &mut response);
    response
}

fn requests() -> [[u8; 64]; BATCH] {
    std::array::from_fn(|i| [i as u8 ^ 0xA5; 64])
}

fn transport(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring_transport");
    group.throughput(Throughput::Elements(BATCH as u64));
    let layout = Layout::of(Generation::Gen2);
    let csr = AtomicCsr::new();
    let tx = Box::new(AtomicMemory::<1024>::new(0x10_0000));
    let rx = Box::new(AtomicMemory::<1024>::new(0x20_0000));
    let mut pair = RingPair::create(&csr, layout, SHAPE, &*tx, &*rx).expect("pair");
    let mut firmware = Firmware::default();
    let burst = requests();
    group.bench_function("qsal_burst32", |b| {
        b.iter(|| {
            assert_eq!(pair.put_burst(&burst), Ok(BATCH));
            firmware
                .serve_with(&csr, layout, SHAPE, (&*tx, &*rx), BATCH as u32, reflect)
                .expect("serve");
            let mut n = 0;
            pair.poll(BATCH as u32, |r| n += usize::from(r[1] == r[2]));
            n
        });
    });

    let mut queue_tx: heapless::spsc::Queue<[u8; 64], 64> = heapless::spsc::Queue::new();
    let mut queue_rx: heapless::spsc::Queue<[u8; 32], 64> = heapless::spsc::Queue::new();
    group.bench_function("heapless_spsc", |b| {
        b.iter(|| {
            for request in &burst {
                queue_tx.enqueue(*request).expect("room");
            }
            while let Some(request) = queue_tx.dequeue() {
                queue_rx.enqueue(reflect_array(&request)).expect("room");
            }
            let mut n = 0;
            while let Some(r) = queue_rx.dequeue() {
                n += usize::from(r[1] == r[2]);
            }
            n
        });
    });

    let array_tx: ArrayQueue<[u8; 64]> = ArrayQueue::new(64);
    let array_rx: ArrayQueue<[u8; 32]> = ArrayQueue::new(64);
    group.bench_function("crossbeam_array_queue", |b| {
        b.iter(|| {
            for request in &burst {
                array_tx.push(*request).expect("room");
            }
            while let Some(request) = array_tx.pop() {
                array_rx.push(reflect_array(&request)).expect("room");
            }
            let mut n = 0;
            while let Some(r) = array_rx.pop() {
                n += usize::from(r[1] == r[2]);
            }
            n
        });
    });
    group.finish();
}

fn cross_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring_cross_thread");
    group.throughput(Throughput::Elements(BATCH as u64));
    let layout = Layout::of(Generation::Gen2);
    let csr = AtomicCsr::new();
    let tx = Box::new(AtomicMemory::<1024>::new(0x10_0000));
    let rx = Box::new(AtomicMemory::<1024>::new(0x20_0000));
    let burst = requests();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let mut pair = RingPair::create(&csr, layout, SHAPE, &*tx, &*rx).expect("pair");
        let engine = scope.spawn(|| {
            let mut firmware = Firmware::default();
            while !stop.load(Ordering::Relaxed) {
                if firmware
                    .serve_with(&csr, layout, SHAPE, (&*tx, &*rx), 64, reflect)
                    .unwrap_or(0)
                    == 0
                {
                    std::hint::spin_loop();
                }
            }
        });
        group.bench_function("qsal", |b| {
            b.iter(|| {
                assert_eq!(pair.put_burst(&burst), Ok(BATCH));
                let mut n = 0;
                while n < BATCH {
                    n += pair.poll(BATCH as u32, |_| {}) as usize;
                }
                n
            });
        });
        stop.store(true, Ordering::Relaxed);
        engine.join().expect("engine");
    });

    let array_tx: ArrayQueue<[u8; 64]> = ArrayQueue::new(64);
    let array_rx: ArrayQueue<[u8; 32]> = ArrayQueue::new(64);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let engine = scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                match array_tx.pop() {
                    Some(request) => {
                        let _ = array_rx.push(reflect_array(&request));
                    }
                    None => std::hint::spin_loop(),
                }
            }
        });
        group.bench_function("crossbeam_array_queue", |b| {
            b.iter(|| {
                for request in &burst {
                    array_tx.push(*request).expect("room");
                }
                let mut n = 0;
                while n < BATCH {
                    if array_rx.pop().is_some() {
                        n += 1;
                    }
                }
                n
            });
        });
        stop.store(true, Ordering::Relaxed);
        engine.join().expect("engine");
    });
    group.finish();
}

fn echo_round_trip(c: &mut Criterion) {
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
                *sum = echo::put(&mut pair, opaque, &payload).expect("room");
                opaque += 1;
            }
            firmware
                .serve(&csr, layout, SHAPE, (&*tx, &*rx), BATCH as u32)
                .expect("serve");
            let mut ok = 0;
            let first = opaque - BATCH as u64;
            echo::poll(&mut pair, BATCH as u32, |r| {
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

criterion_group!(benches, transport, cross_thread, echo_round_trip);
criterion_main!(benches);
