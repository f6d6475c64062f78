//! What differs between the chips the firmware runs on: how it starts, where its stack is and how
//! to read the stack pointer (`arm.rs`, `riscv.rs`). Output and exit go through semihosting, whose
//! crates have the same interface on both chips; they are here once.

#[cfg(target_arch = "arm")]
mod arm;
#[cfg(target_arch = "arm")]
use arm as chip;
#[cfg(target_arch = "arm")]
use cortex_m_semihosting as semihosting;

#[cfg(target_arch = "riscv32")]
mod riscv;
#[cfg(target_arch = "riscv32")]
use riscv as chip;
#[cfg(target_arch = "riscv32")]
use riscv_semihosting as semihosting;

pub use chip::stack_pointer;
use semihosting::{debug, hio};

/// The name of the chip, for the log.
pub const CHIP: &str = if cfg!(target_arch = "arm") {
    "Cortex-M4 (thumbv7em-none-eabihf, QEMU mps2-an386)"
} else {
    "RISC-V RV32IMAC (riscv32imac-unknown-none-elf, QEMU virt)"
};

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

/// The stack's lowest and highest address (it grows down from the highest): from the end of
/// `.bss` to `_stack_start`.
pub fn stack_bounds() -> (usize, usize) {
    // Only the addresses of the linker's symbols are taken, never their contents.
    (chip::end_of_bss(), core::ptr::addr_of!(_stack_start) as usize)
}

unsafe extern "C" {
    static _stack_start: u32;
}
