//! RISC-V glue: riscv-rt's entry, the end of `.bss` as its linker script names it, and the stack
//! pointer register.

#[riscv_rt::entry]
fn main() -> ! {
    crate::run()
}

unsafe extern "C" {
    static _ebss: u32;
}

/// The first address after `.bss` (only the symbol's address is taken, never its contents).
pub fn end_of_bss() -> usize {
    core::ptr::addr_of!(_ebss) as usize
}

/// The current stack pointer.
pub fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads the stack pointer register; no memory is touched.
    unsafe { core::arch::asm!("mv {}, sp", out(reg) sp) };
    sp
}
