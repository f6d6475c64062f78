//! Checks that need the device's hardware: does every instance of every process get rings?
//!
//! Runs the expansion walk without output and turns its failures into diagnostics that carry the
//! arithmetic (`[SSL] needs 80 crypto instances (40 processes × 2), but a c6xx with ServicesEnabled =
//! cy has 64 (16 banks × 4)`), pointing at the `NumProcesses` line.

use crate::config::Config;
use crate::diag::{DiagKind, Diagnostic, DiagnosticSink};
use crate::expand::{EPOLL, ExpandError, NullVisitor, Summary, WalkError, expand};
use crate::profile::DeviceType;

/// Checks that the configuration fits `device` at `accel_id`; returns the expansion summary when it
/// does. Keys that are missing or invalid are left to [`super::validate`], which reports them.
pub fn check_capacity<'a, const SECTIONS: usize, const KEYS: usize>(
    config: &Config<'a, SECTIONS, KEYS>,
    device: DeviceType,
    accel_id: u32,
    sink: &mut impl DiagnosticSink<'a>,
) -> Option<Summary> {
    match expand(config, device, accel_id, &mut NullVisitor) {
        Ok(summary) => Some(summary),
        Err(WalkError::Expand(ExpandError::OutOfRings(shortage))) => {
            let kind = if shortage.polling == EPOLL {
                DiagKind::NotEnoughEpollBanks(shortage)
            } else {
                DiagKind::NotEnoughRings(shortage)
            };
            sink.report(Diagnostic::new(kind, shortage.span));
            None
        }
        Err(WalkError::Expand(ExpandError::TooManyAdis {
            span,
            first,
            adis,
            banks,
        })) => {
            sink.report(Diagnostic::new(
                DiagKind::TooManyAdis {
                    adis,
                    first,
                    banks,
                    device,
                },
                span,
            ));
            None
        }
        Err(WalkError::Expand(ExpandError::NoServices | ExpandError::Invalid { .. })) => None,
        Err(WalkError::Visitor(never)) => match never {},
    }
}
