//! Ring protocol tests: the host data path against the software firmware, on atomic memory.

use core::cell::Cell;

use super::csr::Layout;
use super::echo::{self, Corruption, Response};
use super::message::EMPTY_SIGNATURE;
use super::*;
use crate::profile::Generation;

/// A CSR window that counts writes to one register.
struct Counting<'c> {
    inner: &'c AtomicCsr,
    watch: u32,
    writes: &'c Cell<u32>,
}

impl Csr for Counting<'_> {
    fn read32(&self, offset: u32) -> u32 {
        self.inner.read32(offset)
    }
    fn write32(&self, offset: u32, value: u32) {
        if offset == self.watch {
            self.writes.set(self.writes.get() + 1);
        }
        self.inner.write32(offset, value);
    }
}

const LAYOUT: Layout = Layout::of(Generation::Gen2);

fn payload(i: u64) -> [u8; 40] {
    core::array::from_fn(|j| (i as u8).wrapping_mul(31).wrapping_add(j as u8))
}

/// Serves everything pending on ring pair (0, 8).
fn serve(
    fw: &mut Firmware,
    csr: &AtomicCsr,
    tx: &AtomicMemory<256>,
    rx: &AtomicMemory<256>,
) -> u32 {
    fw.serve(
        csr,
        LAYOUT,
        PairShape::new(0, 8, 8, 128),
        (tx, rx),
        u32::MAX,
    )
    .expect("serve")
}

#[test]
fn round_trip_with_wrap_around() {
    let csr = AtomicCsr::new();
    // 1 KiB request ring = 8 slots of 128 bytes; 1 KiB response ring = 32 slots.
    let tx = AtomicMemory::<256>::new(0x10_0000);
    let rx = AtomicMemory::<256>::new(0x20_0000);
    let mut pair =
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 8, 128), &tx, &rx).expect("pair");
    assert_eq!(pair.capacity(), 7);
    let mut fw = Firmware::default();
    let mut sent = std::collections::VecDeque::new();
    let mut verified = 0u64;
    for i in 0..100u64 {
        let sum = loop {
            match echo::put(&mut pair, i, &payload(i)) {
                Ok(sum) => break sum,
                Err(PutError::Full) => {
                    serve(&mut fw, &csr, &tx, &rx);
                    echo::poll(&mut pair, u32::MAX, |r| {
                        let (opaque, sum) = sent.pop_front().expect("a request was outstanding");
                        assert_eq!(r.verify(opaque, sum), Ok(()));
                        verified += 1;
                    });
                }
                Err(e) => panic!("{e}"),
            }
        };
        sent.push_back((i, sum));
    }
    serve(&mut fw, &csr, &tx, &rx);
    echo::poll(&mut pair, u32::MAX, |r| {
        let (opaque, sum) = sent.pop_front().expect("outstanding");
        assert_eq!(r.verify(opaque, sum), Ok(()));
        verified += 1;
    });
    assert_eq!(
        verified, 100,
        "every request answered once, in order, across many wraps"
    );
    assert_eq!(pair.inflight(), 0);
    assert_eq!(fw.answered, 100);
}

#[test]
fn a_full_request_ring_answers_retry() {
    let csr = AtomicCsr::new();
    let tx = AtomicMemory::<256>::new(0x1000);
    let rx = AtomicMemory::<256>::new(0x2000);
    let mut pair =
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 8, 128), &tx, &rx).expect("pair");
    for i in 0..7 {
        assert!(echo::put(&mut pair, i, b"x").is_ok());
    }
    assert_eq!(echo::put(&mut pair, 7, b"x"), Err(PutError::Full));
    let mut fw = Firmware::default();
    serve(&mut fw, &csr, &tx, &rx);
    assert_eq!(pair.poll(1, |_| {}), 1);
    assert!(
        echo::put(&mut pair, 7, b"x").is_ok(),
        "room again after one response"
    );
}

#[test]
fn empty_signature_marks_free_slots_and_is_restamped() {
    let csr = AtomicCsr::new();
    let tx = AtomicMemory::<256>::new(0x1000);
    let rx = AtomicMemory::<256>::new(0x2000);
    let mut pair =
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 8, 128), &tx, &rx).expect("pair");
    assert!(
        (0..256).all(|w| rx.load32(w * 4) == EMPTY_SIGNATURE),
        "response ring pre-filled"
    );
    assert_eq!(pair.poll(u32::MAX, |_| panic!("nothing to see")), 0);
    echo::put(&mut pair, 1, b"abc").expect("put");
    Firmware::default()
        .serve(&csr, LAYOUT, PairShape::new(0, 8, 8, 128), (&tx, &rx), 1)
        .expect("serve");
    assert_ne!(rx.load32(0), EMPTY_SIGNATURE);
    assert_eq!(pair.poll(u32::MAX, |_| {}), 1);
    assert_eq!(rx.load32(0), EMPTY_SIGNATURE, "slot re-stamped");
    assert_ne!(
        rx.load32(4),
        EMPTY_SIGNATURE,
        "only its first word, as the reference does"
    );
}

#[test]
fn head_writes_are_coalesced() {
    let inner = AtomicCsr::new();
    let writes = Cell::new(0);
    let csr = Counting {
        inner: &inner,
        watch: Layout::at(LAYOUT.head, 8),
        writes: &writes,
    };
    // 32 KiB rings: 256 request slots, 1024 response slots.
    let tx = AtomicMemory::<8192>::new(0x10_0000);
    let rx = AtomicMemory::<8192>::new(0x20_0000);
    let mut pair =
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 200, 128), &tx, &rx).expect("pair");
    writes.set(0); // set-up zeroes the register once
    for i in 0..200 {
        echo::put(&mut pair, i, b"p").expect("put");
    }
    Firmware::default()
        .serve(
            &inner,
            LAYOUT,
            PairShape::new(0, 8, 8, 128),
            (&tx, &rx),
            u32::MAX,
        )
        .expect("serve");
    assert_eq!(pair.poll(u32::MAX, |_| {}), 200);
    // One write every 32 responses, plus one when the ring was drained.
    assert_eq!(writes.get(), 200 / 32 + 1);
    assert_eq!(pair.head_writes(), writes.get());
    assert_eq!(inner.read32(Layout::at(LAYOUT.head, 8)), 200 * 32);
}

#[test]
fn corrupted_responses_are_detected() {
    let csr = AtomicCsr::new();
    let tx = AtomicMemory::<256>::new(0x1000);
    let rx = AtomicMemory::<256>::new(0x2000);
    let mut pair =
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 8, 128), &tx, &rx).expect("pair");
    let mut fw = Firmware {
        corrupt_next: 2,
        ..Firmware::default()
    };
    let sums: Vec<u32> = (0..5)
        .map(|i| echo::put(&mut pair, i, &payload(i)).expect("put"))
        .collect();
    serve(&mut fw, &csr, &tx, &rx);
    let mut results = Vec::new();
    let mut i = 0;
    echo::poll(&mut pair, u32::MAX, |r| {
        results.push(r.verify(i, sums[i as usize]));
        i += 1;
    });
    assert_eq!(
        results,
        vec![
            Err(Corruption::BadTransform),
            Err(Corruption::BadTransform),
            Ok(()),
            Ok(()),
            Ok(())
        ]
    );
    // A response to the wrong request is caught too.
    let mut first = [0u8; 32];
    for (i, chunk) in first.chunks_exact_mut(4).enumerate() {
        chunk.copy_from_slice(&rx.load32(i * 4).to_le_bytes());
    }
    let wrong = Response {
        opaque: 9,
        ..Response::parse(&first)
    };
    assert!(matches!(
        wrong.verify(1, 0),
        Err(Corruption::NotAResponse(_)) | Err(Corruption::WrongOpaque { .. })
    ));
}

#[test]
fn a_stalled_engine_is_reported_not_waited_for() {
    let csr = AtomicCsr::new();
    let tx = AtomicMemory::<256>::new(0x1000);
    let rx = AtomicMemory::<256>::new(0x2000);
    let mut pair =
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 8, 128), &tx, &rx).expect("pair");
    echo::put(&mut pair, 1, b"x").expect("put");
    let clock = Cell::new(0u64);
    let mut fw = Firmware {
        stalled: true,
        ..Firmware::default()
    };
    let result = pair.drain(
        || clock.get(),
        2_000,
        || {
            clock.set(clock.get() + 100);
            serve(&mut fw, &csr, &tx, &rx);
        },
        |_| {},
    );
    assert_eq!(
        result,
        Err(Stalled {
            inflight: 1,
            waited_ms: 2_000
        })
    );
    fw.stalled = false;
    let result = pair.drain(
        || clock.get(),
        2_000,
        || {
            serve(&mut fw, &csr, &tx, &rx);
        },
        |_| {},
    );
    assert_eq!(result, Ok(1));
}

#[test]
fn set_up_errors_and_engine_checks() {
    let csr = AtomicCsr::new();
    let odd = AtomicMemory::<100>::new(0x1000);
    let odd_rx = AtomicMemory::<100>::new(0x2000);
    assert_eq!(
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 2, 128), &odd, &odd_rx).err(),
        Some(RingError::BadSize {
            ring: 0,
            bytes: 400
        })
    );
    let ok = AtomicMemory::<256>::new(0x2000);
    let misaligned = AtomicMemory::<256>::new(0x2040);
    assert_eq!(
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 2, 128), &ok, &misaligned).err(),
        Some(RingError::Misaligned {
            ring: 8,
            address: 0x2040
        })
    );
    assert_eq!(
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 9, 128), &ok, &ok).err(),
        Some(RingError::TooSmall {
            ring: 0,
            messages: 9
        })
    );
    let tx = AtomicMemory::<256>::new(0x4000);
    let rx = AtomicMemory::<256>::new(0x8000);
    let pair =
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 8, 128), &tx, &rx).expect("pair");
    let elsewhere = AtomicMemory::<256>::new(0xC000);
    assert_eq!(
        Firmware::default().serve(
            &csr,
            LAYOUT,
            PairShape::new(0, 8, 8, 128),
            (&elsewhere, &rx),
            1
        ),
        Err(EngineError::WrongBase { ring: 0 })
    );
    drop(pair);
    assert_eq!(
        csr.read32(Layout::at(LAYOUT.config, 0)),
        0,
        "dropping disables the rings"
    );
    assert_eq!(
        Firmware::default().serve(&csr, LAYOUT, PairShape::new(0, 8, 8, 128), (&tx, &rx), 1),
        Ok(0)
    );
}

#[test]
fn gen4_banks_use_their_own_layout() {
    let layout = Layout::of(Generation::Gen4);
    let csr = AtomicCsr::new();
    let tx = AtomicMemory::<256>::new(0x1000);
    let rx = AtomicMemory::<256>::new(0x2000);
    let mut pair =
        RingPair::create(&csr, layout, PairShape::new(0, 1, 8, 64), &tx, &rx).expect("pair");
    assert_ne!(csr.read32(0x1000), 0, "CONFIG of ring 0 at +0x1000");
    let sum = echo::put(&mut pair, 5, b"asym").expect("put");
    Firmware::default()
        .serve(&csr, layout, PairShape::new(0, 1, 8, 64), (&tx, &rx), 8)
        .expect("serve");
    let mut ok = false;
    echo::poll(&mut pair, 8, |r| ok = r.verify(5, sum).is_ok());
    assert!(ok);
}

#[test]
fn a_reset_reports_lost_requests_and_the_pair_works_again() {
    let csr = AtomicCsr::new();
    let tx = AtomicMemory::<256>::new(0x1000);
    let rx = AtomicMemory::<256>::new(0x2000);
    let mut pair =
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 8, 128), &tx, &rx).expect("pair");
    let mut fw = Firmware::default();
    // Three requests go round; two more are answered into the response ring but never polled,
    // and two are still on the request ring: a hung device forgets all four.
    for i in 0..3 {
        echo::put(&mut pair, i, b"x").expect("put");
    }
    serve(&mut fw, &csr, &tx, &rx);
    assert_eq!(pair.poll(u32::MAX, |_| {}), 3);
    echo::put(&mut pair, 3, b"x").expect("put");
    echo::put(&mut pair, 4, b"x").expect("put");
    serve(&mut fw, &csr, &tx, &rx);
    echo::put(&mut pair, 5, b"x").expect("put");
    echo::put(&mut pair, 6, b"x").expect("put");
    assert_eq!(pair.inflight(), 4);
    assert_eq!(pair.reset(), 4, "every request in flight is reported lost");
    assert_eq!(pair.inflight(), 0);
    assert!(
        (0..256).all(|w| rx.load32(w * 4) == EMPTY_SIGNATURE),
        "stale responses are gone"
    );
    for register in [LAYOUT.head, LAYOUT.tail] {
        for ring in [0, 8] {
            assert_eq!(csr.read32(Layout::at(register, ring)), 0);
        }
    }
    assert_ne!(csr.read32(Layout::at(LAYOUT.config, 0)), 0, "enabled again");
    assert_eq!(pair.poll(u32::MAX, |_| {}), 0, "nothing stale is delivered");
    let sum = echo::put(&mut pair, 9, &payload(9)).expect("put after reset");
    serve(&mut fw, &csr, &tx, &rx);
    let mut seen = 0;
    echo::poll(&mut pair, u32::MAX, |r| {
        assert_eq!(r.verify(9, sum), Ok(()));
        seen += 1;
    });
    assert_eq!(seen, 1, "the pair serves requests after the reset");
}

#[test]
fn raw_bursts_publish_one_tail_per_burst_and_hand_back_raw_bytes() {
    let inner = AtomicCsr::new();
    let writes = Cell::new(0);
    let csr = Counting {
        inner: &inner,
        watch: Layout::at(LAYOUT.tail, 0),
        writes: &writes,
    };
    // 4 KiB request ring of 64-byte messages: 64 slots, 63 in flight at most.
    let tx = AtomicMemory::<1024>::new(0x10_0000);
    let rx = AtomicMemory::<1024>::new(0x20_0000);
    let mut pair =
        RingPair::create(&csr, LAYOUT, PairShape::new(0, 8, 64, 64), &tx, &rx).expect("pair");
    writes.set(0); // Setting the pair up zeroes TAIL once.
    let burst: Vec<[u8; 64]> = (0..40u8).map(|i| [i; 64]).collect();
    assert_eq!(pair.put_burst(&burst), Ok(40));
    assert_eq!(writes.get(), 1, "one TAIL write for a burst of 40");
    assert_eq!(pair.put_burst(&burst), Ok(23), "only the room left goes in");
    assert_eq!(writes.get(), 2);
    assert_eq!(pair.put_burst(&burst), Err(PutError::Full));
    assert_eq!(writes.get(), 2, "nothing published when nothing fits");
    assert_eq!(pair.put_burst::<64>(&[]), Ok(0));
    assert_eq!(
        pair.put(&[0u8; 128]),
        Err(PutError::WrongSize {
            ring: 64,
            message: 128
        })
    );
    // A raw firmware: the response is the first 32 bytes of the request, byte 0 inverted (so the
    // first word is never the empty signature).
    let mut fw = Firmware::default();
    let served = fw
        .serve_with(
            &inner,
            LAYOUT,
            PairShape::new(0, 8, 64, 64),
            (&tx, &rx),
            u32::MAX,
            |request, response| {
                response.copy_from_slice(&request[..32]);
                response[0] = !response[0];
            },
        )
        .expect("serve");
    assert_eq!(served, 63);
    let mut seen = Vec::new();
    assert_eq!(pair.poll(u32::MAX, |r| seen.push(*r)), 63);
    let expected: Vec<[u8; 32]> = (0..40u8)
        .chain(0..23)
        .map(|i| {
            let mut r = [i; 32];
            r[0] = !i;
            r
        })
        .collect();
    assert_eq!(
        seen, expected,
        "raw bytes, in order, untouched by the transport"
    );
    assert_eq!(pair.inflight(), 0);
}
