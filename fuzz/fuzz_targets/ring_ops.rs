//! Random put / poll / engine step / fault operations on one ring pair of the mock engine: the pair
//! never has more in flight than its capacity, `put` says RETRY exactly when full, responses come
//! back in order, and a response fails verification exactly when the engine was told to corrupt it.
#![no_main]

use std::collections::VecDeque;

use libfuzzer_sys::fuzz_target;
use qsal_backend_mock::MockEngine;
use qsal_core::config::keys::Family;
use qsal_core::profile::Generation;
use qsal_core::ring::{Layout, PairKind, RingSpec, echo};

fuzz_target!(|ops: &[u8]| {
    let [kind, messages, ops @ ..] = ops else {
        return;
    };
    let spec = RingSpec {
        family: Family::Cy,
        index: 0,
        kind: if kind & 1 == 0 {
            PairKind::Asym
        } else {
            PairKind::Sym
        },
        bank: 0,
        tx: 0,
        rx: 8,
        messages: u32::from(*messages).max(2),
    };
    let engine = MockEngine::<256>::new(0x4000);
    let Ok(mut pair) = engine.pair(Layout::of(Generation::Gen2), &spec) else {
        return;
    };
    let mut expected: VecDeque<(u64, u32)> = VecDeque::new();
    let mut corrupt_pending = 0u32;
    let mut corrupted: VecDeque<bool> = VecDeque::new();
    let mut in_engine = 0usize;
    let mut opaque = 0u64;
    for &op in ops.iter().take(1024) {
        match op & 3 {
            0 => {
                let payload = vec![op; usize::from(op >> 2)];
                let full = pair.inflight() >= pair.capacity();
                match echo::put(&mut pair, opaque, &payload) {
                    Ok(sum) => {
                        assert!(!full, "put succeeded on a full ring");
                        expected.push_back((opaque, sum));
                        in_engine += 1;
                        opaque += 1;
                    }
                    Err(_) => assert!(full, "RETRY on a ring with room"),
                }
            }
            1 => {
                let budget = u32::from(op >> 2);
                let done = engine.step(budget).expect("engine") as usize;
                assert!(done <= in_engine && done <= budget as usize);
                for _ in 0..done {
                    corrupted.push_back(corrupt_pending > 0);
                    corrupt_pending = corrupt_pending.saturating_sub(1);
                }
                in_engine -= done;
            }
            2 => {
                echo::poll(&mut pair, u32::from(op >> 2), |r| {
                    let (id, sum) = expected.pop_front().expect("a response nobody asked for");
                    let bad = corrupted.pop_front().expect("answered by the engine");
                    assert_eq!(
                        r.verify(id, sum).is_err(),
                        bad,
                        "verification disagrees with the fault"
                    );
                });
            }
            _ => {
                if op & 4 == 0 {
                    corrupt_pending = u32::from(op >> 3) % 4;
                    engine.corrupt_next(corrupt_pending);
                } else {
                    engine.set_stalled(op & 8 != 0);
                }
            }
        }
        assert!(pair.inflight() <= pair.capacity());
        assert_eq!(pair.inflight() as usize, expected.len());
    }
});
