//! The holder record a lease writes: a fixed-size, space-padded text record written in place, which
//! `qsal status` and a probe read back — with the widest value of every field.

use qsal_backend_linux::{LinuxRegistry, RuntimeDir};
use qsal_core::DeviceType;
use qsal_core::platform::{Holder, SlotRegistry};
use qsal_tests::{TempDir, up, user_config};

#[test]
fn the_widest_holder_record_fits_its_96_bytes_and_reads_back() {
    let dir = TempDir::new("record");
    let runtime = RuntimeDir::at(&dir.0);
    let config = user_config(&[("SSL", 2, 0)]);
    up(&runtime, &[(DeviceType::C6xx, &config)]);
    let registry = LinuxRegistry::new(&runtime);
    let mut holder = Holder {
        pid: u32::MAX,
        uid: u32::MAX,
        since: u64::MAX,
        ..Holder::default()
    };
    holder
        .command
        .push_str("sixteen-bytes-cm")
        .expect("a command name of 16 bytes fits");
    let lease = registry
        .try_lease("SSL_INT_0", &holder)
        .expect("lease")
        .expect("free");
    let bytes = std::fs::read(runtime.leases().join("SSL_INT_0.lease")).expect("read");
    assert_eq!(bytes.len(), 96, "{:?}", String::from_utf8_lossy(&bytes));
    let text = String::from_utf8(bytes).expect("text");
    assert!(
        text.starts_with(
            "pid=4294967295\nuid=4294967295\nsince=18446744073709551615\ncommand=sixteen-bytes-cm\n "
        ),
        "{text:?}"
    );
    assert!(
        text.ends_with(" \n"),
        "padded with spaces, ends in a newline"
    );
    assert_eq!(registry.holder("SSL_INT_0").expect("probe"), Some(holder));
    drop(lease);
    assert_eq!(registry.holder("SSL_INT_0").expect("probe"), None);
}
