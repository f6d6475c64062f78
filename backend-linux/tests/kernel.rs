//! The `/dev/qat_dev_processes` client against a fake node that behaves like the kernel: it runs the
//! kernel's search (the core's, over mock devices) and holds the lease as long as the file is open.

use std::io;
use std::path::Path;

use qsal_backend_linux::kernel::{KernelError, KernelSlots, SlotConnection, SlotNode};
use qsal_backend_mock::{MockRegistry, MockWorld};
use qsal_core::DeviceType;
use qsal_core::platform::Holder;
use qsal_core::slot::{MemoryLease, SearchError, search};

const CONFIG: &str = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n\
[SSL]\nNumberCyInstances = 1\nNumProcesses = 2\nLimitDevAccess = 1\n\
Cy0Name = \"ssl\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0\n\
";

/// An expanded configuration as a device might hold it, with a derived name of 34 bytes (the driver
/// accepts it; only the user-space library refuses it).
const LONG: &str = "[GENERAL]\nServicesEnabled = \"cy\"\n[LongSectionNameOfTwenty]\nLimitDevAccess = 1\n\
[LongSectionNameOfTwenty_DEV0_INT_0]\nNumberCyInstances = 0\n";

struct FakeKernel {
    world: MockWorld,
    registry: MockRegistry,
    started: bool,
}

struct FakeNode<'k>(&'k FakeKernel);

struct FakeConnection<'k> {
    kernel: &'k FakeKernel,
    lease: Option<MemoryLease<'k, 64>>,
    name: Option<Vec<u8>>,
    written: bool,
}

impl std::fmt::Debug for FakeConnection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeConnection")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<'k> SlotNode for FakeNode<'k> {
    type Connection = FakeConnection<'k>;

    fn open(&self) -> io::Result<FakeConnection<'k>> {
        if !self.0.started {
            return Err(io::Error::from_raw_os_error(13)); // EACCES: "Device not yet ready"
        }
        Ok(FakeConnection {
            kernel: self.0,
            lease: None,
            name: None,
            written: false,
        })
    }

    fn path(&self) -> &Path {
        Path::new("/dev/qat_dev_processes")
    }
}

impl SlotConnection for FakeConnection<'_> {
    fn request(&mut self, base: &[u8]) -> io::Result<usize> {
        if std::mem::replace(&mut self.written, true) {
            return Err(io::Error::from_raw_os_error(9)); // EBADF: one write per open
        }
        let base = std::str::from_utf8(base).map_err(|_| io::Error::from_raw_os_error(22))?;
        match search(
            &&self.kernel.world,
            &&self.kernel.registry,
            base,
            Some(&Holder::default()),
        ) {
            Ok(outcome) => match outcome.grant {
                Some(grant) => {
                    self.name = Some(grant.name.as_bytes().to_vec());
                    self.lease = Some(grant.lease);
                    Ok(0)
                }
                None => Ok(1),
            },
            Err(SearchError::NotConfigured | SearchError::NoDevice) => {
                Err(io::Error::from_raw_os_error(22))
            }
            // The kernel would grant a name this long; the library is the one that refuses it.
            Err(SearchError::NameTooLong(name)) => {
                self.name = Some(name.as_bytes().to_vec());
                Ok(0)
            }
            Err(_) => Err(io::Error::from_raw_os_error(5)),
        }
    }

    fn granted(&mut self) -> io::Result<Vec<u8>> {
        self.name
            .clone()
            .ok_or_else(|| io::Error::from_raw_os_error(5))
    }
}

fn kernel(started: bool) -> Box<FakeKernel> {
    let k = Box::new(FakeKernel {
        world: MockWorld::new(),
        registry: MockRegistry::new(),
        started,
    });
    k.world
        .add_device(DeviceType::C6xx, CONFIG.as_bytes())
        .expect("device");
    k.world
        .add_device(DeviceType::C6xx, CONFIG.as_bytes())
        .expect("device");
    k
}

#[test]
fn grants_in_kernel_order_and_releases_on_close() {
    let k = kernel(true);
    let slots = KernelSlots::new(FakeNode(&k));
    let a = slots.acquire("SSL").expect("a");
    let b = slots.acquire("SSL").expect("b");
    let c = slots.acquire("SSL").expect("c");
    let d = slots.acquire("SSL").expect("d");
    assert_eq!(
        [a.name(), b.name(), c.name(), d.name()],
        [
            "SSL_DEV0_INT_0",
            "SSL_DEV0_INT_1",
            "SSL_DEV1_INT_0",
            "SSL_DEV1_INT_1"
        ]
    );
    assert!(matches!(
        slots.acquire("SSL"),
        Err(KernelError::AllTaken(_))
    ));
    drop(b);
    assert_eq!(
        slots.acquire("SSL").expect("reused").name(),
        "SSL_DEV0_INT_1"
    );
}

#[test]
fn unknown_sections_invalid_names_and_no_device() {
    let k = kernel(true);
    let slots = KernelSlots::new(FakeNode(&k));
    let err = slots.acquire("SHIM").expect_err("unknown");
    assert!(matches!(err, KernelError::NotConfigured(_)));
    assert!(err.to_string().contains("[SHIM] is not configured"));
    assert!(matches!(
        slots.acquire("../x"),
        Err(KernelError::InvalidName(_))
    ));
    let down = kernel(false);
    let err = KernelSlots::new(FakeNode(&down))
        .acquire("SSL")
        .expect_err("not ready");
    assert!(matches!(err, KernelError::NotReady { .. }));
    assert!(err.to_string().contains("no QAT device is started"));
}

/// A started fake kernel with one device holding the expanded text `expanded` as it is (not
/// validated: the driver loads what the library would refuse).
fn kernel_holding(expanded: &str) -> Box<FakeKernel> {
    let k = Box::new(FakeKernel {
        world: MockWorld::new(),
        registry: MockRegistry::new(),
        started: true,
    });
    k.world
        .add_expanded(DeviceType::C6xx, expanded)
        .expect("device");
    k
}

#[test]
fn derived_names_over_31_bytes_are_refused_and_released() {
    let k = kernel_holding(LONG);
    let slots = KernelSlots::new(FakeNode(&k));
    let err = slots
        .acquire("LongSectionNameOfTwenty")
        .expect_err("too long");
    assert!(matches!(err, KernelError::NameTooLong(_)), "{err:?}");
    assert_eq!(k.registry.leased(), 0);
}

/// The state machine of a Linux process whose slots come from the (fake) kernel node, over the
/// emulated devices of a runtime directory loaded with the same configuration as the kernel's.
#[test]
fn a_process_with_kernel_slots_starts_attaches_and_releases_through_the_state_machine() {
    use qsal_backend_linux::kernel::KernelSlots;
    use qsal_backend_linux::{LinuxDevices, LinuxPlatform, LinuxSlots, RuntimeDir};
    use qsal_core::sal::{Sal, StartError};

    let k = kernel(true);
    let dir = qsal_tests::TempDir::new("kernel-slots");
    let runtime = RuntimeDir::at(&dir.0);
    qsal_tests::up(
        &runtime,
        &[(DeviceType::C6xx, CONFIG), (DeviceType::C6xx, CONFIG)],
    );
    let process = || -> Sal<_, _, _, parking_lot::RawMutex, 16> {
        Sal::new(
            LinuxPlatform::new(),
            LinuxDevices::new(&runtime),
            LinuxSlots::Kernel(KernelSlots::new(FakeNode(&k))),
        )
    };
    let first = process();
    let started = first.start(b"SSL").expect("the kernel grants a slot");
    assert_eq!(started.section.as_str(), "SSL_DEV0_INT_0");
    let devices = first.with_attachments(|a| a.iter().map(|a| a.accel_id()).collect::<Vec<_>>());
    assert_eq!(
        devices,
        Some(vec![0]),
        "attached where the kernel's name lives"
    );
    assert_eq!(k.registry.leased(), 1, "the open node is the lease");
    let others: Vec<_> = (0..3).map(|_| process()).collect();
    let names: Vec<String> = others
        .iter()
        .map(|p| p.start(b"SSL").expect("start").section.to_string())
        .collect();
    assert_eq!(
        names,
        ["SSL_DEV0_INT_1", "SSL_DEV1_INT_0", "SSL_DEV1_INT_1"]
    );
    let full = process().start(b"SSL").expect_err("every slot taken");
    assert!(
        matches!(full, StartError::AllSlotsTakenByDriver { .. }),
        "{full:?}"
    );
    assert!(full.to_string().contains("kernel driver"), "{full}");
    let unknown = process().start(b"SHIM").expect_err("not configured");
    assert!(
        matches!(unknown, StartError::SectionNotConfigured { .. }),
        "{unknown:?}"
    );
    first.stop().expect("stop");
    assert_eq!(k.registry.leased(), 3, "closing the node freed the slot");
    let again = process();
    assert_eq!(
        again.start(b"SSL").expect("reused").section.as_str(),
        "SSL_DEV0_INT_0"
    );
}

/// A derived name of exactly 31 bytes (the longest the library accepts) is granted whole: it was
/// once cut to 29 bytes and `…` on its way into a slot name, which made the start refuse it.
#[test]
fn a_31_byte_name_granted_by_the_kernel_is_kept_whole() {
    use qsal_backend_linux::LinuxSlots;
    use qsal_core::platform::{Choice, SlotRegistry};
    const EDGE: &str = "[GENERAL]\nServicesEnabled = \"cy\"\n[TwentyByteBaseName__]\nLimitDevAccess = 1\n\
[TwentyByteBaseName___DEV0_INT_0]\nNumberCyInstances = 0\n";
    let k = kernel_holding(EDGE);
    let slots = LinuxSlots::Kernel(KernelSlots::new(FakeNode(&k)));
    match slots
        .choose("TwentyByteBaseName__", &Holder::default())
        .expect("granted")
    {
        Choice::Granted { name, .. } => {
            assert_eq!(name.as_str(), "TwentyByteBaseName___DEV0_INT_0");
            assert_eq!(name.len(), 31);
        }
        _ => panic!("the kernel grants the only slot"),
    }
}

/// A name the kernel grants but no loaded device has (the kernel's configuration and `qsal up`'s
/// disagree): the start fails and releases the slot instead of succeeding with no instance.
#[test]
fn a_granted_section_that_no_loaded_device_has_fails_the_start_and_frees_the_slot() {
    use qsal_backend_linux::kernel::KernelSlots;
    use qsal_backend_linux::{LinuxDevices, LinuxPlatform, LinuxSlots, RuntimeDir};
    use qsal_core::sal::{Sal, StartError};

    let k = kernel(true);
    let dir = qsal_tests::TempDir::new("kernel-mismatch");
    let runtime = RuntimeDir::at(&dir.0);
    let other = CONFIG.replace("[SSL]", "[WEB]");
    qsal_tests::up(&runtime, &[(DeviceType::C6xx, &other)]);
    let sal: Sal<_, _, _, parking_lot::RawMutex, 16> = Sal::new(
        LinuxPlatform::new(),
        LinuxDevices::new(&runtime),
        LinuxSlots::Kernel(KernelSlots::new(FakeNode(&k))),
    );
    let err = sal
        .start(b"SSL")
        .expect_err("no loaded device has SSL_DEV0_INT_0");
    assert!(
        matches!(&err, StartError::SectionOnNoDevice { section } if section == "SSL_DEV0_INT_0"),
        "{err:?}"
    );
    assert!(err.to_string().contains("slot was released"), "{err}");
    assert_eq!(k.registry.leased(), 0, "the node was closed");
    assert_eq!(sal.count(), 0);
}
