//! A registry keeps the runtime directory and `leases/` open between searches and uses them again
//! only while their paths still name them, unchanged (same inode, owner, group and mode): these
//! tests change them between two leases of one registry, as an administrator or `qsal up` might.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use qsal_backend_linux::{LinuxError, LinuxLease, LinuxRegistry, RuntimeDir, Untrusted};
use qsal_core::DeviceType;
use qsal_core::platform::{Holder, SlotRegistry};
use qsal_tests::{TempDir, up, user_config};

/// A device set with slots `SSL_INT_0` to `SSL_INT_3` loaded into `<dir>/run`.
fn loaded(dir: &TempDir) -> RuntimeDir {
    let runtime = RuntimeDir::at(dir.0.join("run"));
    up(
        &runtime,
        &[(DeviceType::C6xx, &user_config(&[("SSL", 4, 0)]))],
    );
    runtime
}

fn lease(registry: &LinuxRegistry, name: &str) -> Result<Option<LinuxLease>, LinuxError> {
    registry.try_lease(name, &Holder::default())
}

/// A loaded runtime directory (in a temporary directory labelled `label`) and a registry of it
/// that has leased and released `SSL_INT_0` once, and so keeps its directories.
fn used_once(label: &str) -> (TempDir, RuntimeDir, LinuxRegistry) {
    let dir = TempDir::new(label);
    let runtime = loaded(&dir);
    let registry = LinuxRegistry::new(&runtime);
    drop(lease(&registry, "SSL_INT_0").expect("lease").expect("free"));
    (dir, runtime, registry)
}

/// This process's descriptors open on `path`.
fn descriptors_of(path: &Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .flatten()
        .filter(|entry| std::fs::read_link(entry.path()).is_ok_and(|target| target == path))
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    found
}

#[test]
fn unchanged_directories_stay_open_and_are_used_again() {
    let (_dir, runtime, registry) = used_once("kept-reused");
    let root = std::fs::canonicalize(runtime.root()).expect("canonical");
    let leases = root.join("leases");
    let kept = (descriptors_of(&root), descriptors_of(&leases));
    assert_eq!(
        (kept.0.len(), kept.1.len()),
        (1, 1),
        "one descriptor each kept open after the lease is released: {kept:?}"
    );
    let held = lease(&registry, "SSL_INT_1").expect("lease").expect("free");
    assert_eq!(
        (descriptors_of(&root), descriptors_of(&leases)),
        kept,
        "the same descriptors, not new ones"
    );
    drop(held);
    drop(registry);
    assert!(
        descriptors_of(&leases).is_empty(),
        "closed with the registry"
    );
}

#[test]
fn a_replaced_runtime_directory_is_used_from_the_next_lease_on() {
    let (dir, runtime, registry) = used_once("kept-replaced");
    let old: PathBuf = dir.0.join("old");
    std::fs::rename(runtime.root(), &old).expect("move the runtime directory aside");
    let fresh = loaded(&dir);
    let other = LinuxRegistry::new(&fresh);
    let held = lease(&other, "SSL_INT_0").expect("lease").expect("free");
    // The kept directories are the moved-aside ones, where SSL_INT_0 is free: using them would
    // hand the slot out a second time.
    assert!(
        lease(&registry, "SSL_INT_0").expect("lease").is_none(),
        "SSL_INT_0 is held in the directory the path names now"
    );
    let second = lease(&registry, "SSL_INT_1").expect("lease").expect("free");
    assert!(other.holder("SSL_INT_1").expect("probe").is_some());
    let aside = LinuxRegistry::new(&RuntimeDir::at(&old));
    assert!(aside.holder("SSL_INT_1").expect("probe").is_none());
    drop((held, second));
}

#[test]
fn a_replaced_leases_directory_is_used_from_the_next_lease_on() {
    let (_dir, runtime, registry) = used_once("kept-leases");
    std::fs::rename(runtime.leases(), runtime.root().join("leases.moved")).expect("move aside");
    up(
        &runtime,
        &[(DeviceType::C6xx, &user_config(&[("SSL", 4, 0)]))],
    );
    let other = LinuxRegistry::new(&runtime);
    let held = lease(&other, "SSL_INT_0").expect("lease").expect("free");
    assert!(
        lease(&registry, "SSL_INT_0").expect("lease").is_none(),
        "SSL_INT_0 is held in the new leases/"
    );
    drop(held);
}

#[test]
fn directories_made_world_writable_between_two_leases_are_refused() {
    for (which, make_writable) in [
        (
            "leases/",
            (|r: &RuntimeDir| r.leases()) as fn(&RuntimeDir) -> PathBuf,
        ),
        ("the runtime directory", |r: &RuntimeDir| {
            r.root().to_path_buf()
        }),
    ] {
        let (_dir, runtime, registry) = used_once("kept-mode");
        let path = make_writable(&runtime);
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode | 0o002))
            .expect("chmod o+w");
        match lease(&registry, "SSL_INT_1") {
            Err(LinuxError::UntrustedDir {
                path: refused,
                problem: Untrusted::WorldWritable { .. },
            }) => assert_eq!(refused, path, "{which}"),
            other => panic!("{which} made world-writable: {other:?}"),
        }
    }
}

#[test]
fn a_granted_lease_keeps_its_name_and_its_file_path() {
    use qsal_core::platform::Lease;
    let (_dir, runtime, registry) = used_once("kept-lease-path");
    let held = lease(&registry, "SSL_INT_2").expect("lease").expect("free");
    assert_eq!(held.name(), "SSL_INT_2");
    held.check().expect("intact");
    let file = runtime.leases().join("SSL_INT_2.lease");
    std::fs::remove_file(&file).expect("remove");
    match held.check() {
        Err(LinuxError::LeaseLost(path)) => assert_eq!(path, file, "the lost file is named"),
        other => panic!("a removed lease file is a lost lease: {other:?}"),
    }
}

#[test]
fn a_runtime_path_with_a_nul_byte_is_an_error_at_every_search() {
    use qsal_backend_linux::LinuxDevices;
    use qsal_core::platform::Devices;
    let runtime = RuntimeDir::at(PathBuf::from("/run/qsal\0x"));
    let registry = LinuxRegistry::new(&runtime);
    for _ in 0..2 {
        assert!(lease(&registry, "SSL_INT_0").is_err());
    }
    let devices = LinuxDevices::new(&runtime);
    for _ in 0..2 {
        assert!(devices.count().is_err());
    }
}
