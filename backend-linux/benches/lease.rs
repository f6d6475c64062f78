//! Slot acquisition (search + lease with holder record + release) with k of 64 slots held, against
//! the same number of raw `open` + `flock(LOCK_EX | LOCK_NB)` + `close` calls in the same run
//! (`qsal_slot_acquire` reuses one registry, as a process's later starts do; `qsal_slot_acquire_first`
//! makes a new one each time, as a process's first start does); and the
//! whole first start + last stop, which adds attaching the emulated device (ring files mapped, rings
//! programmed, engine thread started) and detaching it.
//!
//! The bound of an acquisition (k = 0 only): `checked_lease_floor` makes, with rustix and nothing
//! else, the ten system calls a k = 0 `qsal_slot_acquire` makes on the same files — the checks the
//! trust rule (SPEC §5) asks for around the peer's open, lock and close (`strace` of one
//! acquisition lists them; so does `checked_lease_floor`'s body).
//!
//! The bound of a start's memory (k = 0 only): `ring_mmap_bound` creates, sizes, maps and unmaps
//! shared memory of exactly the sizes one start maps, writing once to as many pages as the start
//! made resident (both read from `/proc/self/smaps`), with nothing else; `qsal_start_stop_unmapped` is a start + stop that finds no
//! spare mapping to reuse (they are released after each stop), as a process's very first start.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use qsal_backend_linux::dir::c_path;
use qsal_backend_linux::{LinuxDevices, LinuxPlatform, LinuxRegistry, RuntimeDir, linux_sal};
use qsal_core::DeviceType;
use qsal_core::platform::{Holder, Platform, SlotRegistry};
use qsal_core::slot::search;
use qsal_tests::{TempDir, up, user_config};
use rustix::fs::{FlockOperation, MemfdFlags, Mode, OFlags};
use rustix::mm::{MapFlags, ProtFlags};

fn raw_open_flock(path: &std::path::Path) -> bool {
    let fd = rustix::fs::open(
        path,
        OFlags::RDWR | OFlags::CREATE | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o660),
    )
    .expect("open");
    rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive).is_ok()
}

/// The system calls of a k = 0 acquisition, bare: whose effective user this is; an `lstat` of the
/// runtime directory's path and a `stat` of `leases/` through the kept descriptor (the kept
/// directories are still the checked ones); an `lstat` of `devices/` (the device set is fresh);
/// the lease file opened without following links or blocking; a shared then an exclusive lock (a
/// probe's momentary lock is told from a holder); an `fstat` (regular, one link, trusted owner); the
/// holder record written; the file closed (the lease released).
struct CheckedFloor {
    root: std::ffi::CString,
    root_fd: rustix::fd::OwnedFd,
    devices: std::ffi::CString,
    leases_fd: rustix::fd::OwnedFd,
}

impl CheckedFloor {
    fn new(root: &std::path::Path) -> Self {
        let c = |p: &std::path::Path| c_path(p).expect("no NUL");
        let dir = |p: &std::path::Path| {
            rustix::fs::open(
                p,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .expect("open directory")
        };
        Self {
            root: c(root),
            root_fd: dir(root),
            devices: c(&root.join("devices")),
            leases_fd: dir(&root.join("leases")),
        }
    }

    fn acquire(&self, record: &[u8]) -> bool {
        use rustix::fs::{AtFlags, FileType};
        let user = rustix::process::geteuid();
        let root = rustix::fs::lstat(self.root.as_c_str()).expect("lstat root");
        let leases = rustix::fs::statat(&self.root_fd, c"leases", AtFlags::SYMLINK_NOFOLLOW)
            .expect("stat leases");
        let devices = rustix::fs::lstat(self.devices.as_c_str()).expect("lstat devices");
        let fd = rustix::fs::openat(
            &self.leases_fd,
            c"SSL_INT_0.lease",
            OFlags::RDWR | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .expect("open lease");
        let free = rustix::fs::flock(&fd, FlockOperation::NonBlockingLockShared).is_ok()
            && rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive).is_ok();
        let file = rustix::fs::fstat(&fd).expect("fstat");
        let trusted = FileType::from_raw_mode(file.st_mode) == FileType::RegularFile
            && file.st_nlink == 1
            && file.st_uid == root.st_uid
            && user.as_raw() == root.st_uid
            && leases.st_uid == root.st_uid
            && devices.st_uid == root.st_uid;
        free && trusted && rustix::io::pwrite(&fd, record, 0).expect("pwrite") == record.len()
    }
}

/// This process's emulated-device mappings (bank windows and ring arenas): each one's size and the
/// bytes of it that are resident (the pages a start wrote), from `/proc/self/smaps`.
fn device_mappings() -> Vec<(usize, usize)> {
    let smaps = std::fs::read_to_string("/proc/self/smaps").expect("/proc/self/smaps");
    let mut found = Vec::new();
    let mut current: Option<usize> = None;
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or_default();
        if let Some((start, end)) = first.split_once('-')
            && let (Ok(start), Ok(end)) = (
                usize::from_str_radix(start, 16),
                usize::from_str_radix(end, 16),
            )
        {
            current = line.contains("memfd:qsal-dev").then(|| end - start);
        } else if first == "Rss:"
            && let Some(size) = current.take()
        {
            let kib: usize = words.next().and_then(|n| n.parse().ok()).expect("Rss kB");
            found.push((size, kib * 1024));
        }
    }
    found
}

/// Shared memory of `len` bytes with its first `touched` bytes made resident, the cheapest way:
/// `memfd_create`, `ftruncate`, `mmap`, one write per page, `munmap`, `close`.
fn raw_ring_mmap(len: usize, touched: usize) {
    let fd = rustix::fs::memfd_create("bound", MemfdFlags::CLOEXEC).expect("memfd");
    rustix::fs::ftruncate(&fd, len as u64).expect("ftruncate");
    // SAFETY: a fresh shared mapping of a file we just sized to `len`; only this function touches
    // it, inside its bounds (`touched` is at most `len`), and unmaps it before returning.
    unsafe {
        let base = rustix::mm::mmap(
            std::ptr::null_mut(),
            len,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::SHARED,
            &fd,
            0,
        )
        .expect("mmap")
        .cast::<u8>();
        for page in (0..touched.min(len)).step_by(4096) {
            base.add(page).write_volatile(1);
        }
        rustix::mm::munmap(base.cast(), len).expect("munmap");
    }
}

fn bench(c: &mut Criterion) {
    let dir = TempDir::new("bench-lease");
    let runtime = RuntimeDir::at(&dir.0);
    let config = user_config(&[("SSL", 64, 0)]);
    up(&runtime, &[(DeviceType::C6xx, &config)]);
    let registry = LinuxRegistry::new(&runtime);
    let sal = linux_sal(&runtime);
    let devices = LinuxDevices::new(&runtime);
    let holder = LinuxPlatform::new().holder();
    let mut held = Vec::new();
    let mut group = c.benchmark_group("linux_first_start");
    for k in [0usize, 16, 32, 63] {
        while held.len() < k {
            let name = format!("SSL_INT_{}", held.len());
            held.push(
                registry
                    .try_lease(&name, &Holder::default())
                    .expect("lease")
                    .expect("free"),
            );
        }
        let acquire = |registry: &LinuxRegistry| {
            let outcome = search(&devices, registry, "SSL", Some(&holder)).expect("search");
            outcome.grant.expect("a free slot").name
        };
        group.bench_with_input(BenchmarkId::new("qsal_slot_acquire", k), &k, |b, _| {
            b.iter(|| acquire(&registry));
        });
        if k == 0 {
            // A process's first acquisition: a new registry opens and checks the runtime
            // directory and `leases/` (later ones check that the kept ones are still current).
            group.bench_with_input(
                BenchmarkId::new("qsal_slot_acquire_first", k),
                &k,
                |b, _| {
                    b.iter(|| acquire(&LinuxRegistry::new(&runtime)));
                },
            );
        }
        group.bench_with_input(BenchmarkId::new("qsal_start_stop", k), &k, |b, _| {
            b.iter(|| {
                let started = sal.start(b"SSL").expect("start");
                sal.stop().expect("stop");
                started.count
            });
        });
        if k == 0 {
            group.bench_with_input(
                BenchmarkId::new("qsal_start_stop_unmapped", k),
                &k,
                |b, _| {
                    b.iter(|| {
                        let started = sal.start(b"SSL").expect("start");
                        sal.stop().expect("stop");
                        qsal_backend_linux::shm::release_spares();
                        started.count
                    });
                },
            );
            qsal_backend_linux::shm::release_spares();
            sal.start(b"SSL").expect("start");
            let mappings = device_mappings();
            sal.stop().expect("stop");
            qsal_backend_linux::shm::release_spares();
            assert!(!mappings.is_empty(), "a start maps the device's memory");
            eprintln!(
                "ring_mmap_bound: {} mappings, {} KiB mapped, {} KiB resident",
                mappings.len(),
                mappings.iter().map(|m| m.0).sum::<usize>() / 1024,
                mappings.iter().map(|m| m.1).sum::<usize>() / 1024
            );
            group.bench_with_input(BenchmarkId::new("ring_mmap_bound", k), &k, |b, _| {
                b.iter(|| {
                    for &(len, resident) in &mappings {
                        raw_ring_mmap(len, resident);
                    }
                });
            });
        }
        if k == 0 {
            let floor = CheckedFloor::new(runtime.root());
            let record = [b' '; 96];
            assert!(floor.acquire(&record), "the floor takes the free lease");
            group.bench_with_input(BenchmarkId::new("checked_lease_floor", k), &k, |b, _| {
                b.iter(|| floor.acquire(&record));
            });
        }
        let paths: Vec<std::path::PathBuf> = (0..=k)
            .map(|i| runtime.leases().join(format!("SSL_INT_{i}.lease")))
            .collect();
        group.bench_with_input(BenchmarkId::new("raw_open_flock", k), &k, |b, _| {
            b.iter(|| paths.iter().filter(|p| raw_open_flock(p)).count());
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
