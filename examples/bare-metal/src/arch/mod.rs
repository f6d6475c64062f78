//! What differs between the chips the firmware runs on: how it starts, how it writes to the host
//! (semihosting), how it exits, and where its stack is. Everything else is one source.

#[cfg(target_arch = "arm")]
mod arm;
#[cfg(target_arch = "arm")]
pub use arm::{exit, stack_bounds, stack_pointer, write};

#[cfg(target_arch = "riscv32")]
mod riscv;
#[cfg(target_arch = "riscv32")]
pub use riscv::{exit, stack_bounds, stack_pointer, write};

/// The name of the chip, for the log.
pub const CHIP: &str = if cfg!(target_arch = "arm") {
    "Cortex-M4 (thumbv7em-none-eabihf, QEMU mps2-an386)"
} else {
    "RISC-V RV32IMAC (riscv32imac-unknown-none-elf, QEMU virt)"
};
