//! Ring I/O of one task: its derived section's ring pair (read from the expanded keys by the core),
//! set up on a mock engine, a thousand requests through it, every response verified; and the faults
//! a device can have — a stalled engine and a corrupted response — each detected, not hung on.

use cortex_m_semihosting::hprintln;
use qsal_backend_mock::{MockClock, MockEngine, MockSal};
use qsal_core::DeviceType;
use qsal_core::platform::{Devices, Platform, Attachment};
use qsal_core::ring::{Layout, RingSpec, echo, ring_specs};

use crate::World;
use crate::checks::Checks;

/// Requests each task sends.
const REQUESTS: u32 = 1000;

type Sal = MockSal<'static, 2, 8192, 8>;

/// The first ring pair of the task's section, with the device it is on.
fn first_pair(sal: &Sal, world: &'static World) -> Option<(u32, RingSpec)> {
    let section = sal.section()?;
    let accel = sal.with_attachments(|s| s.first().map(|a| a.accel_id()))??;
    let mut first = None;
    let found = (&world).with_expanded(accel, |e| {
        let body = e.section(section.as_str())?;
        ring_specs(body, e.profile(), |spec| {
            first.get_or_insert(spec);
        })
        .ok()
    });
    match found {
        Ok(Some(())) => first.map(|spec| (accel, spec)),
        _ => None,
    }
}

fn layout() -> Layout {
    Layout::of(DeviceType::C6xx.profile().generation)
}

/// Sends [`REQUESTS`] requests through the task's ring pair and verifies every response.
pub fn exchange(sal: &Sal, world: &'static World, engine: &MockEngine<256>, checks: &mut Checks) {
    let pid = sal.platform().process_id();
    let Some((accel, spec)) = first_pair(sal, world) else {
        hprintln!("task {}: no ring pair found", pid);
        checks.expect("the task's section has rings", false);
        return;
    };
    let Ok(mut pair) = engine.pair(layout(), &spec) else {
        checks.expect("the ring pair can be set up", false);
        return;
    };
    let mut outstanding: heapless::Deque<(u64, u32), 64> = heapless::Deque::new();
    let (mut sent, mut correct, mut wrong) = (0u32, 0u32, 0u32);
    while correct + wrong < REQUESTS {
        while sent < REQUESTS && !outstanding.is_full() {
            let opaque = u64::from(pid) << 32 | u64::from(sent);
            match echo::put(&mut pair, opaque, &opaque.to_le_bytes()) {
                Ok(sum) => {
                    let _ = outstanding.push_back((opaque, sum));
                    sent += 1;
                }
                Err(_) => break,
            }
        }
        if engine.step(32).is_err() {
            checks.expect("the engine accepts the rings", false);
            return;
        }
        let got = echo::poll(&mut pair, u32::MAX, |response| {
            let (opaque, sum) = outstanding.pop_front().unwrap_or((u64::MAX, 0));
            if response.verify(opaque, sum).is_ok() {
                correct += 1;
            } else {
                wrong += 1;
            }
        });
        if got == 0 && sent == correct + wrong {
            break;
        }
    }
    hprintln!(
        "task {}: {} on device {}, bank {}, rings {}/{}: {} requests, {} correct responses, {} wrong",
        pid,
        sal.section().as_ref().map_or("?", |s| s.as_str()),
        accel,
        spec.bank,
        spec.tx,
        spec.rx,
        sent,
        correct,
        wrong
    );
    checks.expect(
        "every request answered correctly",
        correct == REQUESTS && wrong == 0,
    );
}

/// A stalled engine is reported by `drain` after its timeout; a corrupted response fails verification.
pub fn faults(
    sal: &Sal,
    world: &'static World,
    engine: &MockEngine<256>,
    clock: &'static MockClock,
    checks: &mut Checks,
) {
    let Some((_, spec)) = first_pair(sal, world) else {
        checks.expect("the task's section has rings", false);
        return;
    };
    let Ok(mut pair) = engine.pair(layout(), &spec) else {
        checks.expect("the ring pair can be set up", false);
        return;
    };
    engine.set_stalled(true);
    let sum = echo::put(&mut pair, 7, b"stall").unwrap_or(0);
    let stalled = pair.drain(
        || clock.now_ms(),
        100,
        || {
            let _ = engine.step(32);
            clock.advance(10);
        },
        |_| {},
    );
    match stalled {
        Err(stall) => hprintln!(
            "stalled engine: reported after {} ms with {} request in flight",
            stall.waited_ms,
            stall.inflight
        ),
        Ok(_) => hprintln!("stalled engine: not reported"),
    }
    checks.expect(
        "a stalled engine is reported, not hung on",
        stalled.is_err(),
    );
    engine.set_stalled(false);
    let _ = engine.step(32);
    let mut late = None;
    echo::poll(&mut pair, u32::MAX, |r| late = Some(r.verify(7, sum).is_ok()));
    checks.expect("the engine answers once it resumes", late == Some(true));

    engine.corrupt_next(1);
    let sum = echo::put(&mut pair, 8, b"corrupt me").unwrap_or(0);
    let _ = engine.step(32);
    let mut verdict = None;
    echo::poll(&mut pair, u32::MAX, |r| verdict = Some(r.verify(8, sum)));
    match verdict {
        Some(Err(e)) => hprintln!("corrupted response: detected ({})", e),
        _ => hprintln!("corrupted response: NOT detected"),
    }
    checks.expect(
        "a corrupted response is detected",
        matches!(verdict, Some(Err(_))),
    );
}
