//! `find_new_devices` and `poll_device_events` over the mock backend: devices started after a
//! process, devices going down, devices restarted, and the cases where there is nothing to rescan.

mod fixture;

use fixture::fixture;
use qsal_backend_mock::MockProcess;
use qsal_core::platform::Attachment as _;
use qsal_core::sal::{DeviceEvents, RescanError, StopError};

/// The devices process `p` is attached to, with the generation of each attachment.
fn attached(p: &MockProcess<'_>) -> Vec<(u32, u64)> {
    p.sal()
        .with_attachments(|s| s.iter().map(|s| (s.accel_id(), s.generation())).collect())
        .expect("started")
}

#[test]
fn a_device_started_later_is_attached_by_find_new_devices() {
    let f = fixture(1);
    let p = f.process(1);
    p.sal().start(b"SHIM").expect("start");
    assert_eq!(attached(&p), [(0, 1)]);
    assert_eq!(
        p.sal().find_new_devices(),
        Ok(DeviceEvents::default()),
        "nothing new yet"
    );
    f.add();
    let events = p.sal().find_new_devices().expect("rescan");
    assert_eq!(events.attached, 1);
    assert_eq!(attached(&p), [(0, 1), (1, 1)]);
    assert_eq!(f.world.attached(), 2);
    assert_eq!(
        p.sal().find_new_devices(),
        Ok(DeviceEvents::default()),
        "attached once only"
    );
}

#[test]
fn a_device_without_the_derived_section_is_ignored() {
    let f = fixture(1);
    let p = f.process(1);
    p.sal().start(b"SSL").expect("start");
    // SSL_DEV0_INT_0 lives on device 0 only; device 1 has SSL_DEV1_INT_*.
    f.add();
    assert_eq!(p.sal().find_new_devices(), Ok(DeviceEvents::default()));
    assert_eq!(p.sal().poll_device_events(), Ok(DeviceEvents::default()));
    assert_eq!(attached(&p), [(0, 1)]);
}

#[test]
fn find_new_devices_never_drops_or_replaces_attachments() {
    let f = fixture(2);
    let p = f.process(1);
    p.sal().start(b"SHIM").expect("start");
    f.world.set_down(1, true);
    f.world.restart(0);
    assert_eq!(p.sal().find_new_devices(), Ok(DeviceEvents::default()));
    assert_eq!(attached(&p), [(0, 1), (1, 1)]);
}

#[test]
fn poll_device_events_detaches_down_devices_and_reattaches_restarted_ones() {
    let f = fixture(3);
    let p = f.process(1);
    p.sal().start(b"SHIM").expect("start");
    assert_eq!(f.world.attached(), 3);
    f.world.set_down(1, true);
    f.world.restart(2);
    let events = p.sal().poll_device_events().expect("poll");
    assert_eq!(
        events,
        DeviceEvents {
            attached: 0,
            detached: 1,
            restarted: 1
        }
    );
    assert_eq!(attached(&p), [(0, 1), (2, 2)]);
    assert_eq!(f.world.attached(), 2, "the old attachment was torn down");
    f.world.set_down(1, false);
    let events = p.sal().poll_device_events().expect("poll");
    assert_eq!(events.attached, 1, "{events:?}");
    assert_eq!(attached(&p), [(0, 1), (1, 1), (2, 2)]);
    assert!(!p.sal().poll_device_events().expect("poll").any());
    assert_eq!(p.sal().stop().map(|s| s.remaining), Ok(0));
    assert_eq!(f.world.attached(), 0);
}

#[test]
fn every_device_down_leaves_the_process_started_with_nothing_attached() {
    let f = fixture(1);
    let p = f.process(1);
    p.sal().start(b"SHIM").expect("start");
    f.world.set_down(0, true);
    let events = p.sal().poll_device_events().expect("poll");
    assert_eq!(events.detached, 1);
    assert_eq!(attached(&p), []);
    assert_eq!(p.sal().count(), 1, "still started: the slot is kept");
    f.world.set_down(0, false);
    assert_eq!(p.sal().poll_device_events().map(|e| e.attached), Ok(1));
}

#[test]
fn a_failed_reattach_is_reported_and_the_rest_applied() {
    let f = fixture(2);
    let p = f.process(1);
    p.sal().start(b"SHIM").expect("start");
    f.world.restart(0);
    f.world.restart(1);
    f.world.fail_attach(0, Some(2));
    let err = p.sal().poll_device_events().expect_err("attach fails");
    assert!(
        matches!(err, RescanError::DeviceSetup { accel_id: 0, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("qat_dev0"), "{err}");
    assert_eq!(attached(&p), [(1, 2)], "device 1 was still re-attached");
    f.world.fail_attach(0, None);
    assert_eq!(p.sal().poll_device_events().map(|e| e.attached), Ok(1));
    assert_eq!(attached(&p), [(0, 2), (1, 2)]);
}

#[test]
fn rescans_need_a_started_process_of_this_pid() {
    let f = fixture(1);
    let p = f.process(1);
    assert_eq!(
        p.sal().find_new_devices(),
        Err(RescanError::NotHeld(StopError::NotStarted))
    );
    assert_eq!(
        p.sal().poll_device_events(),
        Err(RescanError::NotHeld(StopError::NotStarted))
    );
    p.sal().start(b"SHIM").expect("start");
    let child = p.fork(2);
    assert_eq!(
        child.sal().poll_device_events(),
        Err(RescanError::NotHeld(StopError::ForkedChild {
            parent: 1,
            child: 2
        }))
    );
    assert_eq!(attached(&p), [(0, 1)], "the parent keeps its attachment");
    assert!(f.registry.revoke("SHIM_INT_0"));
    assert!(matches!(
        p.sal().find_new_devices(),
        Err(RescanError::NotHeld(StopError::LeaseLost { .. }))
    ));
    assert_eq!(f.world.attached(), 0);
}
