//! qsal's core on a Cortex-M4, under QEMU: the firmware of an appliance that runs the same logic as
//! the Linux library, with tasks in place of processes.
//!
//! It parses and validates the embedded configuration, loads it on two mock devices (validated,
//! capacity-checked and expanded by the core), lets five tasks take slots through the core's
//! in-memory registry — one task "crashes" and its slot is reused — drives ring I/O against the
//! mock backend's engine (including a stalled engine and a corrupted response, both detected), stops
//! every task and checks nothing leaked. Every step is printed through semihosting; the exit status
//! is success only when every expected result matched. No allocator exists in this program.

#![no_std]
#![no_main]

mod checks;
mod rings;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;
use qsal_backend_mock::{MockClock, MockEngine, MockProcess, MockWorld};
use qsal_core::DeviceType;
use qsal_core::config::Config;
use qsal_core::diag::Counter;
use qsal_core::platform::Platform;
use qsal_core::sal::StartError;
use qsal_core::slot::MemoryRegistry;
use qsal_core::validate::{Context, validate};

use checks::Checks;

/// The device configuration, embedded at build time.
static CONFIG: &[u8] = include_bytes!("../appliance.conf");

/// Two devices of up to 8 KiB of expanded configuration each.
type World = MockWorld<2, 8192>;
/// A task: its own start/stop state machine over the shared world and registry.
type Task = MockProcess<'static, 2, 8192, 8>;

static WORLD: World = MockWorld::new();
static REGISTRY: MemoryRegistry<8> = MemoryRegistry::new();
static CLOCK: MockClock = MockClock::new();
/// One engine (a ring pair and its firmware) per live task.
static ENGINES: [MockEngine<256>; 4] = [const { MockEngine::new(0) }; 4];

/// The slots the tasks must get, in the core's search order.
const EXPECTED: [&str; 4] = [
    "SSL_DEV0_INT_0",
    "SSL_DEV0_INT_1",
    "SSL_DEV1_INT_0",
    "SSL_DEV1_INT_1",
];

#[entry]
fn main() -> ! {
    let mut checks = Checks::default();
    hprintln!(
        "qsal bare-metal: {} bytes of configuration embedded",
        CONFIG.len()
    );
    hprintln!(
        "memory: Config<16,128> {} B, Config<64,1024> (default) {} B, task {} B, world {} B, registry {} B (on the stack or in statics; no heap)",
        core::mem::size_of::<Config<'static, 16, 128>>(),
        core::mem::size_of::<Config<'static>>(),
        core::mem::size_of::<Task>(),
        core::mem::size_of::<World>(),
        core::mem::size_of::<MemoryRegistry<8>>()
    );

    // 1. Parse and validate, exactly as `qsal check` does.
    let mut counter = Counter::default();
    let config: Config<'_, 16, 128> = Config::parse(CONFIG, &mut counter);
    let context = Context {
        device: Some(DeviceType::C6xx),
        accel_id: 0,
    };
    validate(&config, &context, &mut counter);
    hprintln!(
        "parsed {} sections, {} keys: {} errors, {} warnings",
        config.section_count(),
        config.key_count(),
        counter.errors,
        counter.warnings
    );
    checks.expect("configuration is valid", counter.errors == 0);

    // 2. Load it on two devices (validated, capacity-checked and expanded for each accel id).
    for expected in 0..2 {
        match WORLD.add_device(DeviceType::C6xx, CONFIG) {
            Ok(accel) => {
                let bytes = WORLD.with_text(accel, |t| t.len()).unwrap_or(0);
                hprintln!(
                    "device {}: c6xx, {} bytes of expanded configuration",
                    accel,
                    bytes
                );
                checks.expect("devices get accel ids in order", accel == expected);
            }
            Err(e) => {
                hprintln!("device load failed: {}", e);
                checks.expect("device loads", false);
            }
        }
    }

    // 3. Four tasks take the four slots, in search order.
    let tasks: [Task; 4] = core::array::from_fn(|i| {
        Task::new(&WORLD, &REGISTRY, &CLOCK, u32::try_from(i).unwrap_or(0) + 1)
    });
    for (task, expected) in tasks.iter().zip(EXPECTED) {
        let granted = task.sal().start(b"SSL");
        let name = granted
            .as_ref()
            .map(|s| s.section.as_str())
            .unwrap_or("(failed)");
        hprintln!(
            "task {}: start SSL -> {}",
            task.sal().platform().process_id(),
            name
        );
        checks.expect("slots are granted in search order", name == expected);
    }

    // 4. A fifth task finds every slot taken, and is told so with the numbers.
    let late = Task::new(&WORLD, &REGISTRY, &CLOCK, 5);
    match late.sal().start(b"SSL") {
        Err(StartError::AllSlotsTaken { in_use, total, .. }) => {
            hprintln!(
                "task 5: start SSL -> all slots taken ({} of {})",
                in_use,
                total
            );
            checks.expect("the fifth start is refused", in_use == 4 && total == 4);
        }
        Ok(started) => {
            hprintln!("task 5: unexpectedly got {}", started.section.as_str());
            checks.expect("the fifth start is refused", false);
        }
        Err(e) => {
            hprintln!("task 5: unexpected error: {}", e);
            checks.expect("the fifth start is refused", false);
        }
    }

    // 5. Task 2 crashes (no stop): its slot comes back without any clean-up step.
    let [t1, t2, t3, t4] = tasks;
    t2.crash();
    hprintln!("task 2: crashed while holding {}", EXPECTED[1]);
    let reused = late.sal().start(b"SSL");
    let name = reused
        .as_ref()
        .map(|s| s.section.as_str())
        .unwrap_or("(failed)");
    hprintln!("task 5: start SSL -> {}", name);
    checks.expect("the crashed task's slot is reused", name == EXPECTED[1]);

    // 6. Ring I/O for every live task, against the mock backend's engine.
    let live = [&t1, &late, &t3, &t4];
    for (task, engine) in live.iter().zip(&ENGINES) {
        rings::exchange(task.sal(), &WORLD, engine, &mut checks);
    }
    rings::faults(live[0].sal(), &WORLD, &ENGINES[0], &CLOCK, &mut checks);

    // 7. Everyone stops; nothing may be left behind.
    for task in live {
        checks.expect("stop succeeds", task.sal().stop().is_ok());
    }
    hprintln!(
        "after stop: {} leases, {} device attachments",
        REGISTRY.leased(),
        WORLD.attached()
    );
    checks.expect("no lease leaked", REGISTRY.leased() == 0);
    checks.expect("no attachment leaked", WORLD.attached() == 0);

    checks.finish()
}

/// Exits QEMU with the outcome.
fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}
