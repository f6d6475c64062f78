//! [`Checks`]: counts expectations, logs each failure, and ends the run with the right exit status.

/// Expectations met and missed so far.
#[derive(Default)]
pub struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    /// Records one expectation; logs it when it failed.
    pub fn expect(&mut self, what: &str, ok: bool) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            defmt::error!("CHECK FAILED: {=str}", what);
        }
    }

    /// Logs the tally and exits QEMU: success only if nothing failed.
    pub fn finish(self) -> ! {
        let verdict = if self.failed == 0 && self.passed > 0 {
            "SUCCESS"
        } else {
            "FAILURE"
        };
        defmt::info!(
            "{=u32} checks passed, {=u32} failed: {=str}",
            self.passed,
            self.failed,
            verdict
        );
        crate::arch::exit(self.failed == 0 && self.passed > 0)
    }
}
