//! Cortex-M4 glue: cortex-m-rt's entry, ARM semihosting for output and exit, the stack between
//! the end of `.bss` and `_stack_start`.

use cortex_m_semihosting::{debug, hio};

#[cortex_m_rt::entry]
fn main() -> ! {
    crate::run()
}

static STDOUT: spin::Mutex<Option<hio::HostStream>> = spin::Mutex::new(None);

/// Writes bytes to the host's stdout.
pub fn write(bytes: &[u8]) {
    let mut stdout = STDOUT.lock();
    if stdout.is_none() {
        *stdout = hio::hstdout().ok();
    }
    if let Some(out) = stdout.as_mut() {
        // Nothing can be reported if the host refuses output.
        let _ = out.write_all(bytes);
    }
}

/// Ends the program with the outcome as the exit status of QEMU.
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}

unsafe extern "C" {
    static __ebss: u32;
    static _stack_start: u32;
}

/// The stack's lowest and highest address (it grows down from the highest).
pub fn stack_bounds() -> (usize, usize) {
    // Only the addresses of the linker's symbols are taken, never their contents.
    (
        core::ptr::addr_of!(__ebss) as usize,
        core::ptr::addr_of!(_stack_start) as usize,
    )
}

/// The current stack pointer.
pub fn stack_pointer() -> usize {
    cortex_m::register::msp::read() as usize
}
