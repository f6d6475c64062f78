//! The start/stop state machine over the mock backend, one scenario per rule.

mod fixture;

use fixture::{CONFIG, fixture};
use qsal_backend_mock::{MockError, MockPlatform, MockProcess, MockWorld};
use qsal_core::DeviceType;
use qsal_core::platform::{Attachment as _, ErrorKind};
use qsal_core::sal::{StartError, StopError};

fn granted(p: &MockProcess<'_>, name: &str) -> String {
    p.sal()
        .start(name.as_bytes())
        .expect("start")
        .section
        .to_string()
}

#[test]
fn grant_order_is_device_major_and_exhaustion_names_the_holders() {
    let f = fixture(2);
    let procs: Vec<_> = (1..=5).map(|pid| f.process(pid)).collect();
    let names: Vec<String> = procs[..4].iter().map(|p| granted(p, "SSL")).collect();
    assert_eq!(
        names,
        [
            "SSL_DEV0_INT_0",
            "SSL_DEV0_INT_1",
            "SSL_DEV1_INT_0",
            "SSL_DEV1_INT_1"
        ]
    );
    let err = procs[4].sal().start(b"SSL").expect_err("exhausted");
    let message = err.to_string();
    assert!(
        matches!(
            err,
            StartError::AllSlotsTaken {
                in_use: 4,
                total: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(message.contains("4 of 4 slots of SSL in use"), "{message}");
    assert!(message.contains("SSL_DEV0_INT_0 by pid 1"), "{message}");
    assert_eq!(f.registry.leased(), 4);
}

#[test]
fn a_crash_frees_the_slot_and_the_lowest_free_slot_is_reused() {
    let f = fixture(2);
    let a = f.process(1);
    let b = f.process(2);
    assert_eq!(granted(&a, "SSL"), "SSL_DEV0_INT_0");
    assert_eq!(granted(&b, "SSL"), "SSL_DEV0_INT_1");
    assert_eq!(f.world.attached(), 2);
    a.crash();
    assert_eq!(f.registry.leased(), 1);
    assert_eq!(f.world.attached(), 1);
    let c = f.process(3);
    assert_eq!(granted(&c, "SSL"), "SSL_DEV0_INT_0");
}

#[test]
fn later_starts_count_and_report_the_section_held() {
    let f = fixture(1);
    let p = f.process(7);
    assert_eq!(granted(&p, "SSL"), "SSL_DEV0_INT_0");
    let again = p.sal().start(b"SHIM").expect("second start");
    assert_eq!(
        (again.section.as_str(), again.count, again.first),
        ("SSL_DEV0_INT_0", 2, false)
    );
    for _ in 2..64 {
        p.sal().start(b"SSL").expect("start");
    }
    assert_eq!(p.sal().start(b"SSL"), Err(StartError::RefCountExhausted));
    for remaining in (0..64).rev() {
        assert_eq!(p.sal().stop().expect("stop").remaining, remaining);
    }
    assert_eq!(p.sal().stop(), Err(StopError::NotStarted));
    assert_eq!(f.registry.leased(), 0);
    assert_eq!(f.world.attached(), 0);
}

#[test]
fn fork_child_cannot_stop_and_starts_with_a_slot_of_its_own() {
    let f = fixture(1);
    let parent = f.process(10);
    assert_eq!(granted(&parent, "SSL"), "SSL_DEV0_INT_0");
    let child = parent.fork(11);
    assert_eq!(
        child.sal().stop(),
        Err(StopError::ForkedChild {
            parent: 10,
            child: 11
        })
    );
    assert_eq!(child.sal().section(), None);
    assert_eq!(granted(&child, "SSL"), "SSL_DEV0_INT_1");
    // The parent's lease and attachment are untouched.
    assert_eq!(parent.sal().section().as_deref(), Some("SSL_DEV0_INT_0"));
    assert_eq!(f.world.attached(), 2);
    assert_eq!(parent.sal().stop().expect("parent stop").remaining, 0);
    assert_eq!(f.registry.leased(), 1);
    child.crash();
    assert_eq!(f.registry.leased(), 0);
    assert_eq!(f.world.attached(), 0);
}

#[test]
fn a_child_that_never_starts_does_not_keep_the_parent_slot_after_the_parent_dies() {
    let f = fixture(1);
    let parent = f.process(20);
    granted(&parent, "SSL");
    let child = parent.fork(21);
    child.sal().after_fork_in_child();
    parent.crash();
    assert_eq!(
        f.registry.leased(),
        0,
        "the inherited copy was dropped by the child"
    );
    drop(child);
}

#[test]
fn probe_takes_nothing_and_counts() {
    let f = fixture(2);
    let p = f.process(1);
    granted(&f.process(2), "SSL");
    let probe = p.sal().probe(b"SSL").expect("probe");
    assert_eq!(
        (probe.section.as_str(), probe.free, probe.total),
        ("SSL_DEV0_INT_0", 4, 4)
    );
    assert_eq!(f.registry.leased(), 0);
}

#[test]
fn probe_of_a_shared_section_counts_each_name_once() {
    let f = fixture(2);
    let p = f.process(1);
    let probe = p.sal().probe(b"SHIM").expect("probe");
    assert_eq!((probe.free, probe.total), (2, 2));
    assert_eq!(granted(&p, "SHIM"), "SHIM_INT_0");
    assert_eq!(
        f.world.attached(),
        2,
        "a shared name attaches to every device that has it"
    );
}

#[test]
fn unknown_section_lists_the_configured_ones() {
    let f = fixture(1);
    let err = f.process(1).sal().start(b"SHIMX").expect_err("unknown");
    let message = err.to_string();
    assert!(
        message.contains("section [SHIMX] is not configured"),
        "{message}"
    );
    assert!(
        message.contains("configured sections: [SHIM], [SSL]"),
        "{message}"
    );
    assert!(
        !message.contains("INT_"),
        "derived sections are not offered: {message}"
    );
}

#[test]
fn invalid_names_are_refused_before_any_search() {
    let f = fixture(1);
    let p = f.process(1);
    for name in [
        &b""[..],
        b"../etc",
        b"a/b",
        b"My SSL",
        &[0xff, 0xfe],
        &[b'A'; 128],
    ] {
        let err = p.sal().start(name).expect_err("invalid");
        assert!(
            matches!(err, StartError::InvalidName { .. }),
            "{name:?}: {err:?}"
        );
        assert!(!err.to_string().is_empty());
    }
    assert_eq!(f.registry.leased(), 0);
}

#[test]
fn no_device_started() {
    let f = fixture(0);
    let err = f.process(1).sal().start(b"SSL").expect_err("no device");
    assert!(matches!(err, StartError::NoDevice { .. }));
    assert!(err.to_string().contains("no QAT device is started"));
}

#[test]
fn a_device_down_is_skipped_and_all_down_is_no_device() {
    let f = fixture(2);
    f.world.set_down(0, true);
    assert_eq!(granted(&f.process(1), "SSL"), "SSL_DEV1_INT_0");
    f.world.set_down(1, true);
    let err = f.process(2).sal().start(b"SSL").expect_err("down");
    assert!(matches!(err, StartError::NoDevice { .. }), "{err:?}");
}

#[test]
fn attach_failure_releases_the_lease_and_every_attachment() {
    let f = fixture(2);
    f.world.fail_attach(1, Some(3));
    let p = f.process(1);
    // SHIM is on both devices: device 0 attaches, device 1 fails, both are released.
    let err = p.sal().start(b"SHIM").expect_err("attach fails");
    match &err {
        StartError::DeviceSetup {
            accel_id,
            section,
            detail,
        } => {
            assert_eq!((*accel_id, section.as_str()), (1, "SHIM_INT_0"));
            assert!(detail.contains("bank 3"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.registry.leased(), 0);
    assert_eq!(f.world.attached(), 0);
    assert_eq!(p.sal().count(), 0);
    f.world.fail_attach(1, None);
    assert_eq!(granted(&p, "SHIM"), "SHIM_INT_0");
}

#[test]
fn registry_full_is_a_typed_registry_error() {
    let f = fixture(1);
    f.registry.set_limit(0);
    let err = f.process(1).sal().start(b"SSL").expect_err("full");
    assert!(
        matches!(
            err,
            StartError::Registry {
                kind: ErrorKind::Full,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("registry is full"));
    assert_eq!(f.world.attached(), 0);
}

#[test]
fn a_lost_lease_is_reported_and_everything_is_released() {
    let f = fixture(1);
    let p = f.process(1);
    granted(&p, "SSL");
    assert!(f.registry.revoke("SSL_DEV0_INT_0"));
    let err = p.sal().start(b"SSL").expect_err("lost");
    assert!(matches!(err, StartError::LeaseLost { .. }), "{err:?}");
    assert_eq!(f.world.attached(), 0);
    assert_eq!(p.sal().count(), 0);
    assert_eq!(granted(&p, "SSL"), "SSL_DEV0_INT_0");
    assert!(f.registry.revoke("SSL_DEV0_INT_0"));
    assert!(matches!(p.sal().stop(), Err(StopError::LeaseLost { .. })));
    assert_eq!(f.registry.leased(), 0);
}

#[test]
fn bounded_wait_times_out_on_the_clock_with_back_off() {
    let f = fixture(1);
    let holders: Vec<_> = (1..=2).map(|pid| f.process(pid)).collect();
    for p in &holders {
        granted(p, "SSL");
    }
    let sleeps = std::sync::atomic::AtomicU32::new(0);
    let hook = |_ms: u64| {
        sleeps.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    };
    let waiter = MockProcess::with_platform(
        &f.world,
        &f.registry,
        MockPlatform::new(9, &f.clock).with_sleep_hook(&hook),
    );
    let before = f.clock.now_ms();
    let err = waiter
        .sal()
        .start_wait(b"SSL", 2_000)
        .expect_err("times out");
    assert!(matches!(err, StartError::AllSlotsTaken { .. }));
    let waited = f.clock.now_ms() - before;
    assert!((2_000..2_100).contains(&waited), "waited {waited} ms");
    // 10, 20, 40, 80 ms, then WAIT_PAUSE_MAX_MS (100) each: about 23 sleeps in 2 s, not a spin.
    let n = sleeps.load(std::sync::atomic::Ordering::SeqCst);
    assert!((20..=25).contains(&n), "{n} sleeps");
}

#[test]
fn bounded_wait_gets_the_slot_freed_while_it_sleeps() {
    let f = fixture(1);
    let holder = std::sync::Mutex::new(Some(f.process(1)));
    granted(holder.lock().expect("lock").as_ref().expect("p"), "SSL");
    let other = f.process(2);
    granted(&other, "SSL");
    let hook = |_ms: u64| {
        if let Some(p) = holder.lock().expect("lock").take() {
            p.sal().stop().expect("stop");
        }
    };
    let waiter = MockProcess::with_platform(
        &f.world,
        &f.registry,
        MockPlatform::new(3, &f.clock).with_sleep_hook(&hook),
    );
    let started = waiter
        .sal()
        .start_wait(b"SSL", 5_000)
        .expect("gets the freed slot");
    assert_eq!(started.section.as_str(), "SSL_DEV0_INT_0");
    assert!(f.clock.now_ms() < 100);
}

#[test]
fn holders_lists_every_slot() {
    let f = fixture(2);
    let p = f.process(42);
    granted(&p, "SSL");
    let mut slots = Vec::new();
    p.sal()
        .holders(|s| {
            slots.push((
                s.accel_id,
                s.name.to_string(),
                s.holder.as_ref().map(|h| h.pid),
            ));
        })
        .expect("holders");
    assert!(slots.contains(&(0, "SSL_DEV0_INT_0".to_string(), Some(42))));
    assert!(slots.contains(&(1, "SSL_DEV1_INT_1".to_string(), None)));
    assert!(slots.contains(&(1, "SHIM_INT_1".to_string(), None)));
    assert_eq!(slots.len(), 8);
}

#[test]
fn invalid_configurations_are_refused_by_the_mock() {
    let world: MockWorld = MockWorld::new();
    let bad = CONFIG.replace("LimitDevAccess = 1", "LimitDevAccess = 0x1");
    assert_eq!(
        world.add_device(DeviceType::C6xx, bad.as_bytes()),
        Err(MockError::InvalidConfig("Q301"))
    );
}

/// A process told which slot to take (QSAL_SLOT) gets exactly that slot, even when a lower one is
/// free; when someone else holds it the start fails naming it and its holder, and takes nothing
/// else; a name that is not a slot of the section is refused.
#[test]
fn a_pinned_slot_is_taken_exactly_or_the_start_fails_naming_its_holder() {
    let f = fixture(2);
    let pinned = |pid: u32, slot: &'static str| {
        MockProcess::with_platform(
            &f.world,
            &f.registry,
            MockPlatform::new(pid, &f.clock).with_pinned_slot(slot),
        )
    };
    let a = pinned(1, "SSL_DEV1_INT_1");
    assert_eq!(granted(&a, "SSL"), "SSL_DEV1_INT_1");

    let b = pinned(2, "SSL_DEV1_INT_1");
    match b.sal().start(b"SSL") {
        Err(e @ StartError::PinnedSlotHeld { .. }) => {
            let StartError::PinnedSlotHeld { slot, holder } = &e else {
                unreachable!()
            };
            assert_eq!(slot.as_str(), "SSL_DEV1_INT_1");
            assert_eq!(holder.as_ref().map(|h| h.pid), Some(1));
            let message = e.to_string();
            assert!(
                message.contains("SSL_DEV1_INT_1") && message.contains("pid 1"),
                "{message}"
            );
        }
        other => panic!("expected PinnedSlotHeld, got {other:?}"),
    }
    // Nothing else was taken: the four-slot section still has three free slots.
    let others: Vec<_> = (3..=5).map(|pid| f.process(pid)).collect();
    let others: Vec<String> = others.iter().map(|p| granted(p, "SSL")).collect();
    assert_eq!(
        others,
        ["SSL_DEV0_INT_0", "SSL_DEV0_INT_1", "SSL_DEV1_INT_0"]
    );

    // A shared (LimitDevAccess = 0) slot by its name; a slot of another section; no such slot.
    assert_eq!(granted(&pinned(6, "SHIM_INT_1"), "SHIM"), "SHIM_INT_1");
    for (slot, section) in [
        ("SHIM_INT_0", "SSL"),
        ("SSL_DEV0_INT_9", "SSL"),
        ("SSL", "SSL"),
    ] {
        let p = pinned(7, slot);
        match p.sal().start(section.as_bytes()) {
            Err(StartError::PinnedSlotNotInSection {
                slot: s,
                section: sec,
            }) => {
                assert_eq!((s.as_str(), sec.as_str()), (slot, section));
            }
            other => panic!("{slot} in {section}: expected PinnedSlotNotInSection, got {other:?}"),
        }
    }
    // A section that does not exist is reported as such, pinned or not.
    assert!(matches!(
        pinned(8, "ZIP_INT_0").sal().start(b"ZIP"),
        Err(StartError::SectionNotConfigured { .. })
    ));
}

#[test]
fn a_shared_section_attaches_only_the_devices_that_have_it() {
    let f = fixture(1);
    let other = CONFIG.replace("[SHIM]", "[WEB]");
    f.world
        .add_device(DeviceType::C6xx, other.as_bytes())
        .expect("device");
    let p = f.process(1);
    assert_eq!(granted(&p, "SHIM"), "SHIM_INT_0");
    assert_eq!(f.world.attached(), 1, "device 1 has no [SHIM]");
    assert_eq!(
        p.sal()
            .with_attachments(|a| a.iter().map(|a| a.accel_id()).collect::<Vec<_>>()),
        Some(vec![0])
    );
    p.sal().stop().expect("stop");
    assert_eq!(f.world.attached(), 0);
}
