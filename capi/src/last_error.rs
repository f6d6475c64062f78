//! The calling thread's last failure message, for `qsal_last_error`. Recording one also logs it
//! (at `error`, through the `log` facade).

use std::cell::RefCell;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records `message` as this thread's last failure and logs it.
pub fn record(message: String) {
    log::error!("{message}");
    LAST_ERROR.with(|e| *e.borrow_mut() = message);
}

/// This thread's last failure message (empty if none).
pub fn get() -> String {
    LAST_ERROR.with(|e| e.borrow().clone())
}
