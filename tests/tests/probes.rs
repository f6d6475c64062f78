//! Lease probes (`qsal status`, the Kubernetes plugin's health checks) racing starts, pinned
//! starts and `down`, and a shared lock held on purpose. In a test binary of their own: a test
//! that spawns processes would hold a released lease for an instant in each fork (until its
//! exec), which these tests would rightly count as a holder.

use std::sync::atomic::{AtomicBool, Ordering};

use qsal_backend_linux::{
    LinuxDevices, LinuxPlatform, LinuxRegistry, LinuxSal, LinuxSlots, RuntimeDir, SlotSource,
    linux_sal, store,
};
use qsal_core::DeviceType;
use qsal_core::platform::SlotRegistry;
use qsal_core::sal::{Sal, StartError};
use qsal_tests::{TempDir, up, user_config};

/// One c6xx with section SSL of two slots (`SSL_INT_0`, `SSL_INT_1`).
fn runtime(dir: &TempDir) -> RuntimeDir {
    let runtime = RuntimeDir::at(&dir.0);
    up(
        &runtime,
        &[(DeviceType::C6xx, &user_config(&[("SSL", 2, 0)]))],
    );
    runtime
}

/// A process whose starts take exactly `slot` (`QSAL_SLOT`).
fn pinned(runtime: &RuntimeDir, slot: &'static str) -> LinuxSal {
    Sal::new(
        LinuxPlatform::new().with_pinned_slot(Some(slot)),
        LinuxDevices::new(runtime),
        LinuxSlots::new(SlotSource::Files, runtime),
    )
}

#[test]
fn a_health_probe_never_changes_a_start_or_fails_a_pinned_start_or_a_down() {
    // A device plugin probes every lease while containers start on the slots it allocated
    // (QSAL_SLOT) and operators run `qsal down`: a start, a pinned start or a `down` that met a
    // probe's momentary shared lock used to take the probe for a holder (the search skipped the
    // slot, the pinned start and `down` were refused).
    let dir = TempDir::new("probe-race");
    let runtime = runtime(&dir);
    let any = linux_sal(&runtime);
    let pinned = pinned(&runtime, "SSL_INT_1");
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let prober = scope.spawn(|| {
            let probes = LinuxRegistry::new(&runtime);
            let mut count = 0u32;
            while !stop.load(Ordering::Relaxed) {
                // Errors are expected once `down` has removed the lease files.
                let _ = probes.holder("SSL_INT_0");
                let _ = probes.holder("SSL_INT_1");
                count += 1;
            }
            count
        });
        let mut refused = Vec::new();
        for _ in 0..2000 {
            match pinned.start(b"SSL") {
                Ok(started) => {
                    assert_eq!(started.section.as_str(), "SSL_INT_1");
                    // A real holder is still refused at once, probes or not.
                    let other = LinuxRegistry::new(&runtime)
                        .try_lease("SSL_INT_1", &Default::default())
                        .map(|lease| lease.is_some());
                    assert!(matches!(other, Ok(false)), "{other:?}");
                    pinned.stop().expect("stop");
                }
                Err(e) => refused.push(format!("{e:?}")),
            }
            match any.start(b"SSL") {
                Ok(started) if started.section.as_str() == "SSL_INT_0" => {
                    any.stop().expect("stop");
                }
                Ok(started) => {
                    refused.push(format!("took {} with SSL_INT_0 free", started.section));
                    any.stop().expect("stop");
                }
                Err(e) => refused.push(format!("{e:?}")),
            }
        }
        let down = store::remove_devices(&runtime, false, || {}).map_err(|e| e.to_string());
        stop.store(true, Ordering::Relaxed);
        let probes = prober.join().expect("prober");
        assert!(probes > 0, "the prober never ran");
        assert_eq!(refused, Vec::<String>::new(), "over {probes} probes");
        assert!(down.is_ok(), "{down:?}");
    });
}

#[test]
fn a_shared_lock_held_on_purpose_denies_only_that_slot_and_only_for_a_while() {
    // A group member may read lease files, so it can hold a shared lock for as long as it likes:
    // the slot is denied (a denial of service inside the directory), the start does not hang.
    let dir = TempDir::new("probe-hostile");
    let runtime = runtime(&dir);
    let blocker = std::fs::File::open(runtime.leases().join("SSL_INT_0.lease")).expect("open");
    rustix::fs::flock(&blocker, rustix::fs::FlockOperation::LockShared).expect("shared lock");
    let any = linux_sal(&runtime);
    assert_eq!(
        any.start(b"SSL").expect("start").section.as_str(),
        "SSL_INT_1"
    );
    any.stop().expect("stop");
    let pinned = pinned(&runtime, "SSL_INT_0");
    let refused = pinned.start(b"SSL").expect_err("a blocked slot");
    assert!(
        matches!(refused, StartError::PinnedSlotHeld { .. }),
        "{refused:?}"
    );
    drop(blocker);
    assert_eq!(
        pinned.start(b"SSL").expect("start").section.as_str(),
        "SSL_INT_0"
    );
}
