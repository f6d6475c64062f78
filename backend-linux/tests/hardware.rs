//! A hardware device's attachment against a fake UIO tree: the bank windows are the banks' UIO
//! nodes (found by their sysfs names), no engine thread runs, and the "device" — a thread of this
//! test serving the rings through its own mapping of the same nodes, as the hardware would — answers
//! every request. The same traits and code paths as the emulated devices.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use qsal_backend_linux::exchange::exchange;
use qsal_backend_linux::load::{self, DeviceInput, Hardware};
use qsal_backend_linux::shm::Mapping;
use qsal_backend_linux::uio::UioRoots;
use qsal_backend_linux::{LinuxDevices, LinuxPlatform, LinuxRegistry, LinuxSlots, RuntimeDir};
use qsal_core::DeviceType;
use qsal_core::ring::{Csr, Firmware, Layout};
use qsal_core::sal::Sal;
use qsal_tests::{TempDir, user_config};

/// A fake sysfs and /dev with one UIO node per bank of qat_dev0 (a c6xx: 16 banks).
fn fake_uio(dir: &Path) -> UioRoots {
    let roots = UioRoots {
        sysfs: dir.join("sys"),
        dev: dir.join("dev"),
    };
    std::fs::create_dir_all(&roots.dev).expect("dev");
    for bank in 0..16u16 {
        let n = 20 + u32::from(bank);
        let class = roots.sysfs.join(format!("class/uio/uio{n}"));
        std::fs::create_dir_all(&class).expect("class");
        let name = UioRoots::bundle_name(DeviceType::C6xx, 0, bank);
        std::fs::write(class.join("name"), format!("{name}\n")).expect("name");
        std::fs::write(roots.dev.join(format!("uio{n}")), vec![0u8; 0x1000]).expect("node");
    }
    roots
}

/// The process's state machine over qat_dev0, a c6xx hardware device (at 0000:3d:00.0, `[SSL]`
/// with two shared slots) brought up in a runtime directory below `dir`, whose bank windows are
/// the UIO nodes below `roots`.
fn hardware_sal(dir: &Path, roots: UioRoots) -> HardwareSal {
    let runtime = RuntimeDir::at(dir.join("run"));
    let config = user_config(&[("SSL", 2, 0)]);
    let input = DeviceInput {
        device_type: DeviceType::C6xx,
        source: Path::new("/etc/c6xx_dev0.conf"),
        text: config.as_bytes(),
        hardware: Some(Hardware {
            bsf: qsal_backend_linux::sysfs::parse_address("0000:3d:00.0").expect("bsf"),
            node_id: 0,
            inst_id: 0,
        }),
    };
    load::up(&runtime, &[input], || {}).expect("up");
    Sal::new(
        LinuxPlatform::new(),
        LinuxDevices::with_uio(&runtime, roots),
        LinuxSlots::Files(LinuxRegistry::new(&runtime)),
    )
}

/// The state machine [`hardware_sal`] builds.
type HardwareSal = Sal<LinuxPlatform, LinuxDevices, LinuxSlots, parking_lot::RawMutex, 16>;

fn engine_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("tasks")
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .is_ok_and(|c| c.starts_with("qsal-fw-dev"))
        })
        .count()
}

#[test]
fn hardware_banks_are_mapped_from_uio_nodes_and_served_by_the_device() {
    let dir = TempDir::new("hardware");
    let roots = fake_uio(&dir.0);
    let sal = hardware_sal(&dir.0, roots.clone());
    let before = engine_threads();
    sal.start(b"SSL").expect("start on the hardware device");
    assert_eq!(
        engine_threads(),
        before,
        "no emulated engine for a hardware device"
    );

    // The device: its own mappings of the same UIO nodes, the rings' memory, the firmware.
    let layout = Layout::of(DeviceType::C6xx.profile().generation);
    let rings = sal
        .with_attachments(|attachments| {
            let mut rings = Vec::new();
            for attachment in attachments.iter_mut() {
                assert_eq!(attachment.accel_id(), 0);
                for instance in attachment.instances() {
                    let node = roots
                        .bank_node(DeviceType::C6xx, 0, instance.spec.bank)
                        .expect("node");
                    let csr = Mapping::open(&node, 0x1000, 0).expect("device's view");
                    let tx_config = csr.read32(Layout::at(layout.config, instance.spec.tx));
                    assert_ne!(
                        tx_config, 0,
                        "the host programmed the ring through the node"
                    );
                    let (tx, rx) = instance.pair.memory();
                    rings.push((csr, instance.spec.shape(), tx.clone(), rx.clone()));
                }
            }
            rings
        })
        .expect("started");
    assert!(!rings.is_empty());
    let stop = Arc::new(AtomicBool::new(false));
    let device = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut firmware = Firmware::default();
            while !stop.load(Ordering::Relaxed) {
                let mut done = 0;
                for (csr, shape, tx, rx) in &rings {
                    done += firmware
                        .serve(csr, layout, *shape, (tx, rx), 64)
                        .expect("the rings are programmed as the device expects");
                }
                if done == 0 {
                    std::thread::yield_now();
                }
            }
        })
    };
    let exchanged = sal
        .with_attachments(|attachments| exchange(attachments, 5000, |_| {}))
        .expect("started")
        .expect("every request answered by the device");
    assert_eq!((exchanged.responses, exchanged.errors), (5000, 0));
    stop.store(true, Ordering::Relaxed);
    device.join().expect("device");
    sal.stop().expect("stop");
}

#[test]
fn a_hardware_device_without_its_uio_node_is_refused_with_the_name_looked_for() {
    let dir = TempDir::new("hardware-missing");
    let roots = UioRoots {
        sysfs: dir.0.join("sys"),
        dev: dir.0.join("dev"),
    };
    let sal = hardware_sal(&dir.0, roots);
    let error = sal.start(b"SSL").expect_err("no UIO node");
    assert!(error.to_string().contains("UIO_c6xx_00_BUNDLE_"), "{error}");
    assert_eq!(sal.count(), 0, "nothing kept");
}
