//! Start + stop through the C ABI (`icp_sal_userStart` / `icp_sal_userStop`, the very functions a C
//! program links) against the same pair through the Rust API (`LinuxSal::start` / `stop`) in the
//! same run, on one emulated c6xx device with no other slot held.

use std::ffi::CStr;

use criterion::{Criterion, criterion_group, criterion_main};
use qsal::ffi::{icp_sal_userStart, icp_sal_userStop};
use qsal::status::SUCCESS;
use qsal_backend_linux::{RuntimeDir, linux_sal};
use qsal_core::DeviceType;
use qsal_tests::{TempDir, up, user_config};

fn bench(c: &mut Criterion) {
    let dir = TempDir::new("bench-capi");
    let runtime = RuntimeDir::at(&dir.0);
    up(
        &runtime,
        &[(DeviceType::C6xx, &user_config(&[("SSL", 8, 0)]))],
    );
    // SAFETY: set before any thread of this process reads the environment (criterion has not
    // started its measurement threads, and libqsal reads it on first use below).
    unsafe { std::env::set_var("QSAL_RUNTIME_DIR", &dir.0) };
    let section: &CStr = c"SSL";

    let mut group = c.benchmark_group("start_stop");
    group.bench_function("c_abi", |b| {
        b.iter(|| {
            // SAFETY: `section` is a NUL-terminated literal.
            let started = unsafe { icp_sal_userStart(section.as_ptr()) };
            let stopped = icp_sal_userStop();
            assert_eq!((started, stopped), (SUCCESS, SUCCESS));
        });
    });
    let sal = linux_sal(&runtime);
    group.bench_function("rust_api", |b| {
        b.iter(|| {
            let started = sal.start(b"SSL").expect("start");
            sal.stop().expect("stop");
            started.count
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
