//! [`exchange`]: pushes test requests through every ring pair a process holds and checks every
//! response — the ring work of `qsal demo`'s workers and of the C extension `qsal_exchange`.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use crate::Attachment;

/// How long an exchange waits with requests in flight and no response before giving up.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(5);

/// What an exchange did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exchanged {
    /// Responses received (equals the requests sent on success).
    pub responses: u64,
    /// Responses that failed verification (wrong request, checksum or body).
    pub errors: u64,
}

/// Why an exchange stopped before every response came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExchangeError {
    /// The slot has no instance with rings (the section configures no instances).
    NoRings,
    /// No response arrived for [`STALL_TIMEOUT`] with requests in flight.
    Stalled {
        /// Requests in flight.
        inflight: u64,
        /// What had been received until then.
        so_far: Exchanged,
    },
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRings => f.write_str(
                "this slot has no instance rings; configure NumberCyInstances or NumberDcInstances for the section",
            ),
            Self::Stalled { inflight, .. } => write!(
                f,
                "no response for {} s with {inflight} requests in flight: the device (or its emulated engine) stalled; check it with `qsal status`",
                STALL_TIMEOUT.as_secs()
            ),
        }
    }
}

impl std::error::Error for ExchangeError {}

/// Sends `total` requests round-robin over every ring pair of `attachments` (up to 16 per pair per
/// pass, as long as the ring has room), polls and verifies each response, and calls `progress` with
/// the running count of responses about every 1 % of `total`. Never blocks: when nothing arrives it
/// yields the thread.
pub fn exchange(
    attachments: &mut [Attachment],
    total: u64,
    mut progress: impl FnMut(u64),
) -> Result<Exchanged, ExchangeError> {
    let tag = u64::from(std::process::id()) << 32;
    let mut pairs: Vec<_> = attachments
        .iter_mut()
        .flat_map(|a| a.instances().iter_mut())
        .map(|instance| (instance, VecDeque::<(u64, u32)>::new()))
        .collect();
    if pairs.is_empty() {
        return Err(ExchangeError::NoRings);
    }
    let mut done = Exchanged::default();
    let mut sent = 0u64;
    let mut reported = 0u64;
    let step = (total / 100).max(1);
    let mut last_progress = Instant::now();
    while done.responses < total {
        let mut progressed = false;
        for (instance, outstanding) in &mut pairs {
            for _ in 0..16 {
                if sent >= total {
                    break;
                }
                let opaque = tag | (sent & 0xFFFF_FFFF);
                let Ok(sum) = instance.pair.put(opaque, &opaque.to_le_bytes()) else {
                    break;
                };
                outstanding.push_back((opaque, sum));
                sent += 1;
            }
            let got = instance.pair.poll(u32::MAX, |response| {
                let (opaque, sum) = outstanding.pop_front().unwrap_or((u64::MAX, 0));
                if response.verify(opaque, sum).is_err() {
                    done.errors += 1;
                }
                done.responses += 1;
            });
            progressed |= got > 0;
        }
        if progressed {
            last_progress = Instant::now();
        } else if last_progress.elapsed() >= STALL_TIMEOUT {
            return Err(ExchangeError::Stalled {
                inflight: sent - done.responses,
                so_far: done,
            });
        } else {
            std::thread::yield_now();
        }
        if done.responses >= reported + step {
            reported = done.responses;
            progress(reported);
        }
    }
    Ok(done)
}
