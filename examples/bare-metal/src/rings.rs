//! Ring I/O of one task: its derived section's first ring pair (set up in a board ring slot when the
//! task started), a thousand requests through it answered by the board's device side, every
//! response verified; and the faults a device can have — a stalled device and a corrupted
//! response — each detected, not hung on.

use qsal_backend_appliance::BoardClock;
use qsal_backend_appliance::preset::SmallBoard;
use qsal_core::platform::Platform;
use qsal_core::ring::echo;

use crate::Task;
use crate::checks::Checks;

/// Requests each task sends.
const REQUESTS: u32 = 1000;

/// Sends [`REQUESTS`] requests through the task's first ring pair and verifies every response.
pub fn exchange(task: &Task, board: &SmallBoard, checks: &mut Checks) {
    let pid = task.platform().process_id();
    let outcome = task.with_attachments(|attachments| {
        let attachment = attachments.first_mut()?;
        let accel = attachment.accel_id();
        let first = attachment.pairs().first_mut()?;
        let spec = first.spec;
        let pair = &mut first.pair;
        let mut outstanding: heapless::Deque<(u64, u32), 16> = heapless::Deque::new();
        let (mut sent, mut correct, mut wrong) = (0u32, 0u32, 0u32);
        while correct + wrong < REQUESTS {
            while sent < REQUESTS && !outstanding.is_full() {
                let opaque = u64::from(pid) << 32 | u64::from(sent);
                let Ok(sum) = echo::put(pair, opaque, &opaque.to_le_bytes()) else {
                    break;
                };
                // Not full: checked above.
                let _ = outstanding.push_back((opaque, sum));
                sent += 1;
            }
            if board.step(32).is_err() {
                return None;
            }
            let got = echo::poll(pair, u32::MAX, |response| {
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
        Some((accel, spec, sent, correct, wrong))
    });
    match outcome.flatten() {
        Some((accel, spec, sent, correct, wrong)) => {
            defmt::info!(
                "task {=u32}: device {=u32} bank {=u16} rings {=u8}/{=u8}: {=u32} requests, {=u32} correct, {=u32} wrong",
                pid,
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
        None => {
            defmt::error!("task {=u32}: no ring pair to drive", pid);
            checks.expect("the task has a ring pair", false);
        }
    }
}

/// A stalled device is reported by `drain` after its timeout; a corrupted response fails
/// verification.
pub fn faults(task: &Task, board: &SmallBoard, clock: &BoardClock, checks: &mut Checks) {
    let found = task.with_attachments(|attachments| {
        let pair = &mut attachments.first_mut()?.pairs().first_mut()?.pair;
        board.set_stalled(true);
        let sum = echo::put(pair, 7, b"stall").ok()?;
        let stalled = pair.drain(
            || clock.now_ms(),
            100,
            || {
                let _ = board.step(32);
                clock.advance(10);
            },
            |_| {},
        );
        match stalled {
            Err(stall) => defmt::info!(
                "stalled device: reported after {=u64} ms with {=u32} request in flight",
                stall.waited_ms,
                stall.inflight
            ),
            Ok(_) => defmt::error!("stalled device: not reported"),
        }
        board.set_stalled(false);
        let _ = board.step(32);
        let mut late = None;
        echo::poll(pair, u32::MAX, |r| late = Some(r.verify(7, sum).is_ok()));

        board.corrupt_next(1);
        let sum = echo::put(pair, 8, b"corrupt me").ok()?;
        let _ = board.step(32);
        let mut verdict = None;
        echo::poll(pair, u32::MAX, |r| verdict = Some(r.verify(8, sum)));
        match verdict {
            Some(Err(e)) => defmt::info!(
                "corrupted response: detected ({})",
                defmt::Display2Format(&e)
            ),
            _ => defmt::error!("corrupted response: NOT detected"),
        }
        Some((
            stalled.is_err(),
            late == Some(true),
            matches!(verdict, Some(Err(_))),
        ))
    });
    let (stall, resumed, corrupt) = found.flatten().unwrap_or((false, false, false));
    checks.expect("a stalled device is reported, not hung on", stall);
    checks.expect("the device answers once it resumes", resumed);
    checks.expect("a corrupted response is detected", corrupt);
}
