//! Proof that qsal-core parses and validates without touching the heap: a counting global allocator
//! watches the whole corpus go through `Config::parse` and `validate`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use qsal_core::Config;
use qsal_core::diag::Counter;
use qsal_core::validate::{Context, validate};

struct CountingAllocator;

thread_local! {
    /// Whether allocations of this thread are counted.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the wrapper only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn parse_and_validate_allocate_nothing() {
    let files: Vec<Vec<u8>> = qsal_tests::corpus_files()
        .iter()
        .map(|p| std::fs::read(p).expect("read corpus file"))
        .collect();
    let mut totals = Counter::default();
    // Run on a big-stack thread (the default config tables live on the stack), counting only there.
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            COUNTING.with(|c| c.set(true));
            for file in &files {
                let config: Config<'_> = Config::parse(file, &mut totals);
                for device in [None, qsal_core::DeviceType::from_name("c6xx")] {
                    let context = Context {
                        device,
                        accel_id: 0,
                    };
                    validate(&config, &context, &mut totals);
                }
            }
            COUNTING.with(|c| c.set(false));
            totals
        })
        .expect("spawn")
        .join()
        .expect("join");
    assert_eq!(
        ALLOCATIONS.load(Ordering::SeqCst),
        0,
        "core allocated on the heap"
    );
}
