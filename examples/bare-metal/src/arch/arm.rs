//! Cortex-M4 glue: cortex-m-rt's entry, the end of `.bss` as its linker script names it, and the
//! main stack pointer.

#[cortex_m_rt::entry]
fn main() -> ! {
    crate::run()
}

unsafe extern "C" {
    static __ebss: u32;
}

/// The first address after `.bss` (only the symbol's address is taken, never its contents).
pub fn end_of_bss() -> usize {
    core::ptr::addr_of!(__ebss) as usize
}

/// The current stack pointer.
pub fn stack_pointer() -> usize {
    cortex_m::register::msp::read() as usize
}
