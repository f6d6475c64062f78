//! [`Checks`]: counts expectations, prints each failure, and ends the run with the right exit status.

use cortex_m_semihosting::hprintln;

/// Expectations met and missed so far.
#[derive(Default)]
pub struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    /// Records one expectation; prints it when it failed.
    pub fn expect(&mut self, what: &str, ok: bool) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            hprintln!("CHECK FAILED: {}", what);
        }
    }

    /// Prints the tally and exits QEMU: success only if nothing failed.
    pub fn finish(self) -> ! {
        hprintln!(
            "{} checks passed, {} failed: {}",
            self.passed,
            self.failed,
            if self.failed == 0 {
                "SUCCESS"
            } else {
                "FAILURE"
            }
        );
        crate::exit(self.failed == 0 && self.passed > 0)
    }
}
