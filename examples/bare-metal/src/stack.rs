//! Stack measurement by painting: the free stack is filled with a pattern before a step, and after
//! it the deepest word no longer holding the pattern says how deep the step went — measured from
//! the top of the stack, so it includes every frame above it.

/// The pattern painted on free stack.
const PAINT: u32 = 0x5AC3_5AC3;
/// Bytes below the current stack pointer left alone (the painting function's own frame).
const MARGIN: usize = 256;

/// Paints the free stack (between the end of `.bss` and the stack pointer, less a margin).
pub fn paint() {
    let (low, _) = crate::arch::stack_bounds();
    let top = crate::arch::stack_pointer().saturating_sub(MARGIN) & !3;
    let mut at = (low + 3) & !3;
    while at < top {
        // SAFETY: `at` is a 4-aligned address between the end of `.bss` and below the live stack
        // (the stack pointer minus a margin), memory no object occupies; volatile so the writes
        // happen.
        unsafe { core::ptr::write_volatile(at as *mut u32, PAINT) };
        at += 4;
    }
}

/// The deepest stack use since the last [`paint`], in bytes from the top of the stack.
pub fn used() -> usize {
    let (low, high) = crate::arch::stack_bounds();
    let mut at = (low + 3) & !3;
    // SAFETY: reads 4-aligned words of the stack region; volatile so they are really read.
    while at < high && unsafe { core::ptr::read_volatile(at as *const u32) } == PAINT {
        at += 4;
    }
    high.saturating_sub(at)
}

/// Runs `f` and returns its result and the stack depth it reached.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, usize) {
    paint();
    let result = f();
    (result, used())
}
