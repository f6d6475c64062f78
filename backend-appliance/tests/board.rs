//! A board of two devices with built-in expansions: tasks start and get their slots, drive echo
//! requests through ring slots served by the board's device side, crash and stop without leaking
//! a lease, an attachment or a ring slot; a board with too few ring slots refuses a start cleanly.

use qsal_backend_appliance::{Board, BoardClock, BoardDevice, BoardSal, TaskPlatform};
use qsal_core::Config;
use qsal_core::DeviceType;
use qsal_core::diag::Counter;
use qsal_core::expand::{ConfWriter, expand};
use qsal_core::platform::Devices as _;
use qsal_core::ring::echo;
use qsal_core::sal::{Sal, StartError};
use qsal_core::slot::MemoryRegistry;

const CONFIG: &str = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n\
[SSL]\nNumberCyInstances = 1\nNumberDcInstances = 0\nNumProcesses = 2\nLimitDevAccess = 1\n\
Cy0Name = \"ssl\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0\n";

/// What a build script embeds: the expansion of `CONFIG` for `accel_id`.
fn built_in(accel_id: u32) -> &'static str {
    let config: Config<'_> = Config::parse(CONFIG.as_bytes(), &mut Counter::default());
    let mut text = String::new();
    expand(
        &config,
        DeviceType::C6xx,
        accel_id,
        &mut ConfWriter::new(&mut text),
    )
    .expect("expands");
    Box::leak(text.into_boxed_str())
}

fn devices() -> [BoardDevice; 2] {
    [0, 1].map(|accel_id| BoardDevice {
        accel_id,
        device_type: DeviceType::C6xx,
        expanded: built_in(accel_id),
    })
}

type Task<'b, const PAIRS: usize> = BoardSal<'b, 2, PAIRS, 256, 8>;

fn task<'b, const PAIRS: usize>(
    board: &'b Board<2, PAIRS, 256>,
    registry: &'b MemoryRegistry<8>,
    clock: &'b BoardClock,
    id: u32,
) -> Task<'b, PAIRS> {
    Sal::new(TaskPlatform::new(id, clock), board, registry)
}

#[test]
fn tasks_take_slots_move_verified_requests_and_leave_nothing_behind() {
    let board: &'static Board<2, 8, 256> = Box::leak(Box::new(Board::new(devices())));
    let registry = MemoryRegistry::<8>::new();
    let clock = BoardClock::new();
    assert_eq!((&board).count(), Ok(2));
    let tasks: Vec<_> = (1..=4)
        .map(|id| task(board, &registry, &clock, id))
        .collect();
    let names: Vec<String> = tasks
        .iter()
        .map(|t| t.start(b"SSL").expect("start").section.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "SSL_DEV0_INT_0",
            "SSL_DEV0_INT_1",
            "SSL_DEV1_INT_0",
            "SSL_DEV1_INT_1"
        ]
    );
    assert_eq!(board.attached(), 4);
    assert_eq!(
        board.slots_in_use(),
        8,
        "a Cy instance: an asym and a sym pair each"
    );
    let extra = task(board, &registry, &clock, 5);
    assert!(matches!(
        extra.start(b"SSL"),
        Err(StartError::AllSlotsTaken { .. })
    ));
    for t in &tasks {
        let correct = t
            .with_attachments(|attachments| {
                let pair = &mut attachments[0].pairs()[0].pair;
                let mut correct = 0;
                for i in 0..100u64 {
                    let sum = echo::put(pair, i, &i.to_le_bytes()).expect("room");
                    board.step(8).expect("served");
                    echo::poll(pair, 8, |r| correct += u32::from(r.verify(i, sum).is_ok()));
                }
                correct
            })
            .expect("started");
        assert_eq!(correct, 100);
    }
    let mut tasks = tasks;
    drop(tasks.remove(1)); // a crash
    assert_eq!(
        extra
            .start(b"SSL")
            .expect("the crashed task's slot")
            .section
            .as_str(),
        "SSL_DEV0_INT_1"
    );
    for t in tasks.iter().chain([&extra]) {
        t.stop().expect("stop");
    }
    assert_eq!(
        (board.attached(), board.slots_in_use(), registry.leased()),
        (0, 0, 0)
    );
}

#[test]
fn too_few_ring_slots_refuse_a_start_and_keep_nothing() {
    let board: &'static Board<2, 1, 256> = Box::leak(Box::new(Board::new(devices())));
    let registry = MemoryRegistry::<8>::new();
    let clock = BoardClock::new();
    let t = task(board, &registry, &clock, 1);
    let error = t.start(b"SSL").expect_err("two pairs, one slot");
    assert!(error.to_string().contains("ring slot"), "{error}");
    assert_eq!(
        (board.attached(), board.slots_in_use(), registry.leased()),
        (0, 0, 0)
    );
}

#[test]
fn attaching_a_section_the_device_lacks_takes_nothing() {
    let board: &'static Board<2, 8, 256> = Box::leak(Box::new(Board::new(devices())));
    assert!(matches!((&board).attach(0, "SSL_DEV1_INT_0"), Ok(None)));
    assert!(matches!((&board).attach(0, "NOPE"), Ok(None)));
    let attachment = (&board).attach(0, "SSL_DEV0_INT_0").expect("attach");
    assert!(attachment.is_some());
}
