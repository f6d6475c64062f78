//! The C ABI called from many Rust threads at once (what a C server's worker threads do), in one
//! process: start and stop race, the last error stays per thread, and the process ends not started.
//! Small enough to run under ThreadSanitizer (`.ci/run`).

use std::ffi::CStr;

use qsal::ffi::{icp_sal_userStart, icp_sal_userStop, qsal_last_error, qsal_section_name};
use qsal::status::{FAIL, SUCCESS};
use qsal_backend_linux::RuntimeDir;
use qsal_core::DeviceType;
use qsal_tests::{TempDir, up, user_config};

fn last_error() -> String {
    let mut buf = [0u8; 512];
    // SAFETY: `buf` is valid for its length.
    unsafe { qsal_last_error(buf.as_mut_ptr().cast(), buf.len()) };
    CStr::from_bytes_until_nul(&buf)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn threads_race_start_and_stop_through_the_c_abi() {
    let dir = TempDir::new("capi-threads");
    up(
        &RuntimeDir::at(&dir.0),
        &[(DeviceType::C6xx, &user_config(&[("SSL", 2, 0)]))],
    );
    // SAFETY: set before any thread of this test binary reads the environment or uses libqsal
    // (this file holds a single test).
    unsafe { std::env::set_var("QSAL_RUNTIME_DIR", &dir.0) };
    let threads: Vec<_> = (0..16)
        .map(|_| {
            std::thread::spawn(|| {
                let (mut ok, mut refused) = (0u32, 0u32);
                for _ in 0..50 {
                    // SAFETY: a NUL-terminated literal.
                    match unsafe { icp_sal_userStart(c"SSL".as_ptr()) } {
                        SUCCESS => {
                            ok += 1;
                            let mut name = [0u8; 32];
                            // SAFETY: `name` is valid for its length.
                            let len = unsafe { qsal_section_name(name.as_mut_ptr().cast(), 32) };
                            assert_eq!(len, "SSL_INT_0".len() as i32);
                            assert_eq!(icp_sal_userStop(), SUCCESS, "{}", last_error());
                        }
                        FAIL => {
                            assert!(last_error().contains("64 times"), "{}", last_error());
                            refused += 1;
                        }
                        other => panic!("unexpected status {other}"),
                    }
                }
                (ok, refused)
            })
        })
        .collect();
    let mut total = 0;
    for t in threads {
        let (ok, refused) = t.join().expect("thread");
        total += ok + refused;
    }
    assert_eq!(total, 16 * 50);
    assert_eq!(icp_sal_userStop(), FAIL, "the process ends not started");
    assert!(last_error().contains("without a successful start"));
}
