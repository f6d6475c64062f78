//! Ring I/O end to end through an emulated device: start through the state machine, push requests
//! through every instance's rings, get every response right, stop, and find nothing left behind.

use std::time::Instant;

use qsal_backend_linux::dma::Region;
use qsal_backend_linux::{Beat, LinuxSal, RuntimeDir, Shared, linux_sal};
use qsal_core::DeviceType;
use qsal_core::ring::echo::{self, Corruption, Response};
use qsal_core::ring::{PairKind, RingPair};
use qsal_tests::{TempDir, up};

const CONFIG: &str = "[GENERAL]\nServicesEnabled = cy;dc\nConfigVersion = 2\nCyNumConcurrentAsymRequests = 64\n\
CyNumConcurrentSymRequests = 128\nDcNumConcurrentRequests = 128\n\
[SSL]\nNumberCyInstances = 1\nNumberDcInstances = 1\nNumProcesses = 2\nLimitDevAccess = 0\n\
Cy0Name = \"ssl\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0\nDc0Name = \"dc\"\nDc0IsPolled = 1\nDc0CoreAffinity = 0\n";

/// Everything below the runtime directory, as relative paths.
fn tree(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().expect("type").is_dir() {
            out.extend(
                tree(&entry.path())
                    .into_iter()
                    .map(|p| format!("{name}/{p}")),
            );
        } else {
            out.push(name);
        }
    }
    out.sort();
    out
}

/// Emulated ring memory this process has mapped (anonymous memory named `qsal-dev<N>-bank<B>-ring<R>`).
fn mapped_rings() -> usize {
    let maps = std::fs::read_to_string("/proc/self/maps").expect("/proc/self/maps");
    maps.lines()
        .filter(|l| l.contains("memfd:qsal-dev") && l.contains("-ring"))
        .count()
}

/// The tests of this file count this process's ring mappings, so they run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn requests_go_through_every_instance_of_every_device() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Mappings kept from other tests' stops would be counted below.
    qsal_backend_linux::shm::release_spares();
    let dir = TempDir::new("emulated");
    let runtime = RuntimeDir::at(&dir.0);
    up(
        &runtime,
        &[(DeviceType::C6xx, CONFIG), (DeviceType::C6xx, CONFIG)],
    );
    let sal = linux_sal(&runtime);
    let started = sal.start(b"SSL").expect("start");
    assert_eq!(started.section.as_str(), "SSL_INT_0");
    let before = tree(&dir.0);
    assert!(
        before
            .iter()
            .all(|f| f.starts_with("devices/") || f.starts_with("leases/") || f == ".lock"),
        "bank windows and rings are anonymous memory, not files others could touch: {before:?}"
    );
    assert_eq!(
        mapped_rings(),
        2,
        "3 pairs × 2 rings in one arena per device"
    );
    let clock = Instant::now();
    let (pairs, answered) = sal
        .with_attachments(|attachments| {
            let mut pairs = 0;
            let mut answered = 0u64;
            for attachment in attachments.iter_mut() {
                for instance in attachment.instances() {
                    pairs += 1;
                    let mut sent = std::collections::VecDeque::new();
                    for i in 0..1000u64 {
                        let payload = i.to_le_bytes();
                        let sum = loop {
                            match echo::put(&mut instance.pair, i, &payload) {
                                Ok(sum) => break sum,
                                Err(_) => {
                                    echo::poll(&mut instance.pair, u32::MAX, |r| {
                                        let (opaque, sum) = sent.pop_front().expect("outstanding");
                                        assert_eq!(r.verify(opaque, sum), Ok(()));
                                        answered += 1;
                                    });
                                }
                            }
                        };
                        sent.push_back((i, sum));
                    }
                    instance
                        .pair
                        .drain(
                            || clock.elapsed().as_millis() as u64,
                            5_000,
                            std::thread::yield_now,
                            |r| {
                                let (opaque, sum) = sent.pop_front().expect("outstanding");
                                assert_eq!(Response::parse(r).verify(opaque, sum), Ok(()));
                                answered += 1;
                            },
                        )
                        .expect("no stall");
                }
            }
            (pairs, answered)
        })
        .expect("started");
    assert_eq!(pairs, 6, "asym, sym and dc pairs on both devices");
    assert_eq!(answered, 6000);
    sal.stop().expect("stop");
    assert_eq!(
        tree(&dir.0),
        before,
        "nothing created or left in the runtime directory"
    );
    // Stopped attachments' ring arenas are kept for the next start (bounded), and nothing else.
    let kept = qsal_backend_linux::shm::spare_count();
    assert!(kept <= qsal_backend_linux::shm::SPARES, "{kept} spares");
    assert!(
        mapped_rings() <= kept,
        "ring memory unmapped at stop, but for the spares"
    );
    qsal_backend_linux::shm::release_spares();
    assert_eq!(
        mapped_rings(),
        0,
        "every ring mapping gone once the spares are released"
    );
}

/// A process started on `[SSL]` of one emulated c6xx device, in a runtime directory named after
/// `label` (removed when the directory is dropped).
fn started_on_one_device(label: &str) -> (TempDir, LinuxSal) {
    let dir = TempDir::new(label);
    let runtime = RuntimeDir::at(&dir.0);
    up(&runtime, &[(DeviceType::C6xx, CONFIG)]);
    let sal = linux_sal(&runtime);
    sal.start(b"SSL").expect("start");
    (dir, sal)
}

/// Waits up to 5 s for the answer to the request `opaque` (checksum `sum`) already put on `pair`;
/// what the response's check found. Panics when no response arrives.
fn answer(pair: &mut RingPair<Shared, Region>, opaque: u64, sum: u32) -> Result<(), Corruption> {
    let clock = Instant::now();
    let mut verdict = None;
    pair.drain(
        || clock.elapsed().as_millis() as u64,
        5_000,
        std::thread::yield_now,
        |r| verdict = Some(Response::parse(r).verify(opaque, sum)),
    )
    .expect("a response within 5 s");
    verdict.expect("one response")
}

#[test]
fn a_stalled_engine_is_reported() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (_dir, sal) = started_on_one_device("stall");
    let clock = Instant::now();
    let now = || clock.elapsed().as_millis() as u64;
    let faults = sal.devices().faults();
    sal.with_attachments(|attachments| {
        let pair = &mut attachments[0].instances()[0].pair;
        faults.stall(true);
        let sum = echo::put(pair, 1, b"x").expect("put");
        let stall = pair
            .drain(now, 300, std::thread::yield_now, |_| {})
            .expect_err("stalled");
        assert_eq!(stall.inflight, 1);
        assert!(stall.to_string().contains("stalled"));
        // The engine resumes; the response arrives and is correct.
        faults.stall(false);
        assert_eq!(answer(pair, 1, sum), Ok(()), "resumed");
        // Corrupted responses are caught by the check.
        faults.corrupt_next(1);
        let sum = echo::put(pair, 2, b"y").expect("put");
        let verdict = answer(pair, 2, sum);
        assert!(verdict.is_err(), "{verdict:?}");
    })
    .expect("started");
    sal.stop().expect("stop");
}

#[test]
fn a_reset_reports_requests_in_flight_as_lost_and_the_rings_serve_again() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (_dir, sal) = started_on_one_device("reset");
    sal.with_attachments(|attachments| {
        let attachment = &mut attachments[0];
        assert_eq!(attachment.heartbeat(), Beat::Alive);
        attachment.health().fail();
        assert_eq!(attachment.heartbeat(), Beat::Failed);
        let answered = attachment.answered();
        for i in 0..5 {
            echo::put(&mut attachment.instances()[0].pair, i, b"x").expect("put");
        }
        echo::put(&mut attachment.instances()[1].pair, 9, b"y").expect("put");
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(
            attachment.answered(),
            answered,
            "a failed device answers nothing"
        );
        assert_eq!(
            attachment.reset().expect("reset"),
            6,
            "six requests were lost"
        );
        assert_eq!(attachment.heartbeat(), Beat::Alive);
        let pair = &mut attachment.instances()[0].pair;
        assert_eq!(pair.inflight(), 0);
        let sum = echo::put(pair, 7, b"z").expect("put");
        assert_eq!(
            answer(pair, 7, sum),
            Ok(()),
            "the new engine answers the reset rings"
        );
    })
    .expect("started");
    sal.stop().expect("stop");
}

/// A simulated failure takes effect before `fail` returns, even while the engine is busy serving:
/// a request put right after it is never answered. (The engine reads the faults at the start of a
/// pass; without waiting for the pass in progress, one that began before the failure answered the
/// request about once in a few tries, and under the thread sanitizer in CI.)
#[test]
fn a_failure_takes_effect_before_fail_returns_even_mid_pass() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (_dir, sal) = started_on_one_device("fail-mid-pass");
    sal.with_attachments(|attachments| {
        let attachment = &mut attachments[0];
        for round in 0..200u64 {
            // Keep the engine in its passes: the dc pair is answered while the cy pair is used.
            let busy = &mut attachment.instances()[1].pair;
            for i in 0..8 {
                echo::put(busy, i, b"busy").expect("put");
            }
            attachment.health().fail();
            let answered = attachment.answered();
            echo::put(&mut attachment.instances()[0].pair, round, b"x").expect("put");
            // Long enough for any pass that began before the failure to end.
            std::thread::sleep(std::time::Duration::from_millis(2));
            assert_eq!(
                attachment.answered(),
                answered,
                "round {round}: a request put after the failure was answered"
            );
            attachment.reset().expect("reset");
            let pair = &mut attachment.instances()[0].pair;
            let sum = echo::put(pair, round, b"z").expect("put");
            assert_eq!(
                answer(pair, round, sum),
                Ok(()),
                "round {round}: the reset rings serve again"
            );
        }
    })
    .expect("started");
    sal.stop().expect("stop");
}

/// A start attaches to every device whose expansion has its section and skips the others: the
/// backend looks the section up in the same view of the device it attaches from.
#[test]
fn a_start_attaches_only_to_the_devices_that_have_its_section() {
    use qsal_core::platform::Devices as _;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = TempDir::new("partial");
    let runtime = RuntimeDir::at(&dir.0);
    let other = CONFIG.replace("[SSL]", "[WEB]");
    up(
        &runtime,
        &[(DeviceType::C6xx, CONFIG), (DeviceType::C6xx, &other)],
    );
    let sal = linux_sal(&runtime);
    let devices = sal.devices();
    assert_eq!(devices.count().expect("count"), 2);
    let second = devices.device(1).expect("device").expect("up").accel_id;
    assert!(
        devices
            .attach(second, "SSL_INT_0")
            .expect("no error for a missing section")
            .is_none()
    );
    sal.start(b"SSL").expect("start");
    let attached = sal.with_attachments(|a| a.iter().map(|a| a.accel_id()).collect::<Vec<_>>());
    let first = devices.device(0).expect("device").expect("up").accel_id;
    assert_eq!(attached, Some(vec![first]));
    sal.stop().expect("stop");
}

#[test]
fn a_section_without_instances_attaches_with_none_and_one_with_instances_gets_its_pairs() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = TempDir::new("no-instances");
    let runtime = RuntimeDir::at(&dir.0);
    let config = format!(
        "{CONFIG}[IDLE]\nNumberCyInstances = 0\nNumberDcInstances = 0\nNumProcesses = 1\n\
         LimitDevAccess = 0\n"
    );
    up(&runtime, &[(DeviceType::C6xx, &config)]);
    let sal = linux_sal(&runtime);
    // Its derived section has no ring keys, so the verification kept no pairs for it: they are
    // read from its text at the start, and there are none.
    sal.start(b"IDLE")
        .expect("start a section without instances");
    let idle = sal
        .with_attachments(|a| a.iter_mut().map(|a| a.instances().len()).sum::<usize>())
        .expect("started");
    assert_eq!(idle, 0);
    sal.stop().expect("stop");
    // [SSL]'s pairs come from the verification: the asymmetric, symmetric and compression pair.
    sal.start(b"SSL").expect("start");
    let kinds = sal
        .with_attachments(|a| {
            a.iter_mut()
                .flat_map(|a| a.instances().iter().map(|i| i.spec.kind))
                .collect::<Vec<_>>()
        })
        .expect("started");
    assert_eq!(kinds, [PairKind::Asym, PairKind::Sym, PairKind::Dc]);
    sal.stop().expect("stop");
}
