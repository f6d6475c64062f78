//! The defmt transport: frames encoded by defmt's encoder and written to the host through
//! semihosting (the chip's [`crate::arch::write`]); `run.sh` decodes them with `defmt-print`.

use core::sync::atomic::{AtomicBool, Ordering};

static TAKEN: AtomicBool = AtomicBool::new(false);
static ENCODER: spin::Mutex<defmt::Encoder> = spin::Mutex::new(defmt::Encoder::new());

#[defmt::global_logger]
struct Logger;

// SAFETY: one frame at a time — `acquire` refuses to nest (the firmware is single-threaded and
// logs from no interrupt), and every method locks the encoder for its own duration.
unsafe impl defmt::Logger for Logger {
    fn acquire() {
        if TAKEN.swap(true, Ordering::Acquire) {
            // A log call inside a log call: drop the inner one rather than corrupt the frame.
            return;
        }
        ENCODER.lock().start_frame(crate::arch::write);
    }

    unsafe fn flush() {}

    unsafe fn release() {
        ENCODER.lock().end_frame(crate::arch::write);
        TAKEN.store(false, Ordering::Release);
    }

    unsafe fn write(bytes: &[u8]) {
        ENCODER.lock().write(bytes, crate::arch::write);
    }
}
