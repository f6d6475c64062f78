//! [`exchange`]: pushes test requests through every ring pair a process holds and checks every
//! response — the ring work of `qsal demo`'s workers and of the C extension `qsal_exchange`.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use std::sync::Arc;

use qsal_core::ring::echo;

use crate::{DeviceAttachment, Health};

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
    /// A device's heartbeat failed while requests were in flight: they will not be answered
    /// before a reset, so the exchange stops at once instead of waiting.
    DeviceFailed {
        /// The device.
        accel_id: u32,
        /// Requests in flight.
        inflight: u64,
        /// What had been received until then.
        so_far: Exchanged,
    },
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
            Self::DeviceFailed {
                accel_id, inflight, ..
            } => write!(
                f,
                "qat_dev{accel_id} failed its heartbeat with {inflight} requests in flight; reset it (icp_sal_reset_device) and send them again"
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

/// One ring pair of an exchange, with the requests it has in flight.
struct Pair<'a> {
    instance: &'a mut crate::Instance,
    outstanding: VecDeque<(u64, u32)>,
    accel_id: u32,
    health: Arc<Health>,
}

/// Collects (and discards) the responses still due on the pairs of healthy devices — left by an
/// exchange that stopped early — so the next exchange does not mistake them for its own. Requests
/// on a failed device are never answered; its reset discards them.
fn settle(pairs: &mut [Pair<'_>]) {
    let deadline = Instant::now() + STALL_TIMEOUT;
    for pair in pairs {
        while pair.instance.pair.inflight() > 0
            && !pair.health.failed()
            && Instant::now() < deadline
        {
            if pair.instance.pair.poll(u32::MAX, |_| {}) == 0 {
                std::thread::yield_now();
            }
        }
        pair.outstanding.clear();
    }
}

/// Sends `total` requests round-robin over every ring pair of `attachments` (up to 16 per pair per
/// pass, as long as the ring has room), polls and verifies each response, and calls `progress` with
/// the running count of responses about every 1 % of `total`. Never blocks: when nothing arrives it
/// yields the thread.
pub fn exchange(
    attachments: &mut [DeviceAttachment],
    total: u64,
    mut progress: impl FnMut(u64),
) -> Result<Exchanged, ExchangeError> {
    let tag = u64::from(std::process::id()) << 32;
    let mut pairs: Vec<Pair<'_>> = attachments
        .iter_mut()
        .flat_map(|a| {
            let (accel_id, health) = (a.accel_id(), a.health());
            a.instances().iter_mut().map(move |instance| Pair {
                instance,
                outstanding: VecDeque::new(),
                accel_id,
                health: Arc::clone(&health),
            })
        })
        .collect();
    if pairs.is_empty() {
        return Err(ExchangeError::NoRings);
    }
    settle(&mut pairs);
    let mut done = Exchanged::default();
    let mut sent = 0u64;
    let mut reported = 0u64;
    let step = (total / 100).max(1);
    let mut last_progress = Instant::now();
    while done.responses < total {
        let mut progressed = false;
        for Pair {
            instance,
            outstanding,
            ..
        } in &mut pairs
        {
            for _ in 0..16 {
                if sent >= total {
                    break;
                }
                let opaque = tag | (sent & 0xFFFF_FFFF);
                let Ok(sum) = echo::put(&mut instance.pair, opaque, &opaque.to_le_bytes()) else {
                    break;
                };
                outstanding.push_back((opaque, sum));
                sent += 1;
            }
            let got = echo::poll(&mut instance.pair, u32::MAX, |response| {
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
        } else if let Some(failed) = pairs.iter().find(|p| p.health.failed()) {
            let accel_id = failed.accel_id;
            settle(&mut pairs);
            return Err(ExchangeError::DeviceFailed {
                accel_id,
                inflight: sent - done.responses,
                so_far: done,
            });
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
