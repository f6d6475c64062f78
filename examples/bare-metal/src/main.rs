//! qsal's core on two chips under QEMU — a Cortex-M4 and a RISC-V core, one source: the firmware of
//! an appliance that runs the same logic as the Linux library, with tasks in place of processes.
//!
//! It parses and validates the embedded configuration, expands it and compares the result with the
//! expansion its build script made on the host (which the board carries as its devices' built-in
//! configuration), lets five tasks take slots through the core's in-memory registry on the
//! appliance backend's board — one task "crashes" and its slot is reused — drives ring I/O against
//! the board's device side (a stalled device and a corrupted response both detected), stops every
//! task and checks nothing leaked. It measures the stack each step needs by painting it. Every line
//! is logged through defmt (semihosting transport; `run.sh` decodes it with `defmt-print`); the exit
//! status is success only when every check passed. No allocator exists in this program.

#![no_std]
#![no_main]
// The core's `StartError` is returned by value, as the core returns it: there is no heap to box it
// in, and the stack it costs is what the firmware measures.
#![allow(clippy::result_large_err)]

mod arch;
mod checks;
mod logger;
mod rings;
mod stack;

use qsal_backend_appliance::preset::{SmallBoard, SmallConfig, SmallRegistry, SmallTask};
use qsal_backend_appliance::{BoardClock, BoardDevice, TaskPlatform};
use qsal_core::DeviceType;
use qsal_core::config::expanded::{Expanded, verify};
use qsal_core::diag::Counter;
use qsal_core::expand::{ConfWriter, expand};
use qsal_core::platform::Platform;
use qsal_core::sal::{Sal, StartError};
use qsal_core::validate::{Context, validate};

use checks::Checks;

/// The device configuration, embedded at build time.
static CONFIG: &[u8] = include_bytes!("../appliance.conf");

/// The board: two c6xx devices whose expanded configurations the build script made.
static BOARD: SmallBoard = SmallBoard::new([
    BoardDevice {
        accel_id: 0,
        device_type: DeviceType::C6xx,
        expanded: include_str!(concat!(env!("OUT_DIR"), "/dev0.conf")),
    },
    BoardDevice {
        accel_id: 1,
        device_type: DeviceType::C6xx,
        expanded: include_str!(concat!(env!("OUT_DIR"), "/dev1.conf")),
    },
]);
static REGISTRY: SmallRegistry = SmallRegistry::new();
static CLOCK: BoardClock = BoardClock::new();
/// Tasks 1, 3, 4 and 5 (task 2, which crashes, lives on the stack so that it can be dropped).
static TASKS: [Task; 4] = [
    Sal::new(TaskPlatform::new(1, &CLOCK), &BOARD, &REGISTRY),
    Sal::new(TaskPlatform::new(3, &CLOCK), &BOARD, &REGISTRY),
    Sal::new(TaskPlatform::new(4, &CLOCK), &BOARD, &REGISTRY),
    Sal::new(TaskPlatform::new(5, &CLOCK), &BOARD, &REGISTRY),
];

/// The slots the tasks must get, in the core's search order.
const EXPECTED: [&str; 4] = [
    "SSL_DEV0_INT_0",
    "SSL_DEV0_INT_1",
    "SSL_DEV1_INT_0",
    "SSL_DEV1_INT_1",
];

/// A task of the appliance.
type Task = SmallTask<'static>;

fn task(id: u32) -> Task {
    Sal::new(TaskPlatform::new(id, &CLOCK), &BOARD, &REGISTRY)
}

/// Compares what is written with an expected text, without keeping any of it.
struct Compare<'e> {
    expected: &'e str,
    at: usize,
    same: bool,
}

impl core::fmt::Write for Compare<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.at.saturating_add(s.len());
        self.same &= self.expected.get(self.at..end) == Some(s);
        self.at = end;
        Ok(())
    }
}

// Each step is a function of its own (never inlined), so the stack it needs is its own frame and
// its callees', not a share of one merged frame.

#[inline(never)]
fn parse(config: &mut SmallConfig<'static>, counter: &mut Counter) {
    config.parse_in_place(CONFIG, counter);
}

#[inline(never)]
fn check(config: &SmallConfig<'static>, context: &Context, counter: &mut Counter) {
    validate(config, context, counter);
}

#[inline(never)]
fn expand_into(
    config: &SmallConfig<'static>,
    device: &BoardDevice,
    compare: &mut Compare<'_>,
) -> bool {
    expand(
        config,
        device.device_type,
        device.accel_id,
        &mut ConfWriter::new(compare),
    )
    .is_ok()
}

#[inline(never)]
fn start(task: &Task) -> Result<qsal_core::sal::Started, StartError> {
    task.start(b"SSL")
}

/// Stack depth of each step, in bytes from the top of the stack.
#[derive(Default)]
struct Depths {
    parse: usize,
    validate: usize,
    expand: usize,
    start: usize,
    rings: usize,
}

/// The firmware, after the chip's start-up. Each part is a function of its own, so its locals
/// leave the stack when it returns.
fn run() -> ! {
    let mut checks = Checks::default();
    let mut depth = Depths::default();
    defmt::info!("qsal bare-metal on {=str}", arch::CHIP);
    let ((), base) = stack::measure(|| ());
    let (top, sp) = (arch::stack_bounds().1, arch::stack_pointer());
    defmt::info!(
        "stack: {=usize} B in use at the start (sp {=usize} below the top)",
        base,
        top - sp
    );
    configuration(&mut checks, &mut depth);
    tasks(&mut checks, &mut depth);
    report(&depth, &mut checks);
    checks.finish()
}

/// Steps 1 and 2: parse, validate and expand the embedded configuration.
#[inline(never)]
fn configuration(checks: &mut Checks, depth: &mut Depths) {
    // qsal's own statics: everything but the device side of the board (CSR windows and rings).
    let board = core::mem::size_of::<SmallBoard>();
    let own = board.saturating_sub(SmallBoard::DEVICE_MEMORY)
        + core::mem::size_of::<SmallRegistry>()
        + core::mem::size_of::<[Task; 4]>()
        + core::mem::size_of::<BoardClock>();
    defmt::info!(
        "{=usize} bytes of configuration embedded; statics: board {=usize} B (device memory {=usize} B, of which rings {=usize} B), registry {=usize} B, 4 tasks {=usize} B, clock {=usize} B: qsal's own {=usize} B; a SmallConfig {=usize} B",
        CONFIG.len(),
        board,
        SmallBoard::DEVICE_MEMORY,
        qsal_backend_appliance::preset::RING_MEMORY,
        core::mem::size_of::<SmallRegistry>(),
        core::mem::size_of::<[Task; 4]>(),
        core::mem::size_of::<BoardClock>(),
        own,
        core::mem::size_of::<SmallConfig<'static>>()
    );
    checks.expect("qsal's own statics stay under 8 KiB", own < 8 * 1024);

    // 1. Parse and validate, as `qsal check` does.
    let mut counter = Counter::default();
    let mut config = SmallConfig::empty();
    let ((), used) = stack::measure(|| parse(&mut config, &mut counter));
    depth.parse = used;
    let context = Context {
        device: Some(DeviceType::C6xx),
        accel_id: 0,
    };
    let ((), used) = stack::measure(|| check(&config, &context, &mut counter));
    depth.validate = used;
    defmt::info!(
        "parsed {} sections, {} keys: {} errors, {} warnings",
        config.section_count(),
        config.key_count(),
        counter.errors,
        counter.warnings
    );
    checks.expect("the configuration is valid", counter.errors == 0);

    // 2. Expand it here and compare with what the build made on the host for the board.
    for device in BOARD.devices() {
        let mut compare = Compare {
            expected: device.expanded,
            at: 0,
            same: true,
        };
        let (placed, used) = stack::measure(|| expand_into(&config, device, &mut compare));
        depth.expand = depth.expand.max(used);
        let same = placed && compare.same && compare.at == device.expanded.len();
        defmt::info!(
            "device {=u32}: expanded on the chip, {=usize} bytes, identical to the build's: {=bool}",
            device.accel_id,
            compare.at,
            same
        );
        checks.expect("the chip expands exactly as the host did", same);
        let profile = device.device_type.profile();
        let verified = verify(&Expanded::unindexed(device.expanded.as_bytes(), profile));
        if let Err(e) = &verified {
            defmt::error!(
                "device {=u32}: built-in configuration refused at line {=u32}",
                device.accel_id,
                e.line
            );
        }
        checks.expect("the built-in configuration verifies", verified.is_ok());
    }
}

/// Steps 3 to 7: tasks start, crash, drive rings and stop.
#[inline(never)]
fn tasks(checks: &mut Checks, depth: &mut Depths) {
    // 3. Four tasks take the four slots, in search order.
    let [t1, t3, t4, late] = &TASKS;
    let t2 = task(2);
    let first_four: [&Task; 4] = [t1, &t2, t3, t4];
    for (n, (t, expected)) in first_four.into_iter().zip(EXPECTED).enumerate() {
        let (granted, used) = stack::measure(|| start(t));
        if n == 0 {
            depth.start = used;
        }
        match &granted {
            Ok(started) => defmt::info!(
                "task {=u32}: start SSL -> {=str}",
                t.platform().process_id(),
                started.section.as_str()
            ),
            Err(e) => defmt::error!(
                "task {=u32}: start failed: {}",
                t.platform().process_id(),
                e
            ),
        }
        checks.expect(
            "slots are granted in search order",
            granted.is_ok_and(|s| s.section.as_str() == expected),
        );
    }

    // 4. A fifth task finds every slot taken, and is told so with the numbers.
    match late.start(b"SSL") {
        Err(e @ StartError::AllSlotsTaken { in_use, total, .. }) => {
            defmt::info!(
                "task 5: all slots taken ({=u32} of {=u32}): {}",
                in_use,
                total,
                e
            );
            checks.expect("the fifth start is refused", in_use == 4 && total == 4);
        }
        other => {
            defmt::error!("task 5: unexpected {}", other);
            checks.expect("the fifth start is refused", false);
        }
    }

    // 5. Task 2 crashes (no stop): its slot and ring slots come back without any clean-up step.
    drop(t2);
    defmt::info!("task 2: crashed while holding {=str}", EXPECTED[1]);
    let reused = late.start(b"SSL");
    checks.expect(
        "the crashed task's slot is reused",
        reused
            .as_ref()
            .is_ok_and(|s| s.section.as_str() == EXPECTED[1]),
    );

    // 6. Ring I/O for every live task, served by the board's device side.
    let live = [t1, late, t3, t4];
    for t in live {
        let ((), used) = stack::measure(|| rings::exchange(t, &BOARD, checks));
        depth.rings = depth.rings.max(used);
    }
    rings::faults(live[0], &BOARD, &CLOCK, checks);

    // 7. Everyone stops; nothing may be left behind.
    for t in live {
        checks.expect("stop succeeds", t.stop().is_ok());
    }
    defmt::info!(
        "after stop: {} leases, {} attachments, {} ring slots in use",
        REGISTRY.leased(),
        BOARD.attached(),
        BOARD.slots_in_use()
    );
    checks.expect("no lease leaked", REGISTRY.leased() == 0);
    checks.expect("no attachment leaked", BOARD.attached() == 0);
    checks.expect("no ring slot leaked", BOARD.slots_in_use() == 0);
}

/// Step 8: the stack each step needed.
fn report(depth: &Depths, checks: &mut Checks) {
    defmt::info!(
        "stack high-water from the top: parse {=usize} B, validate {=usize} B, expand {=usize} B, first start {=usize} B, ring round trip {=usize} B",
        depth.parse,
        depth.validate,
        depth.expand,
        depth.start,
        depth.rings
    );
    let worst = [
        depth.parse,
        depth.validate,
        depth.expand,
        depth.start,
        depth.rings,
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    checks.expect("every step stays under 16 KiB of stack", worst < 16 * 1024);
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    match info.location() {
        Some(at) => defmt::error!("panic at {=str}:{=u32}", at.file(), at.line()),
        None => defmt::error!("panic"),
    }
    arch::exit(false)
}
