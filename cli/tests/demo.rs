//! `qsal demo` as the README runs it: worker processes through emulated devices, one killed with
//! kill -9 and its slot taken by a newcomer, every surviving response correct, nothing left behind.

use std::process::Command;

#[test]
fn demo_runs_end_to_end_and_cleans_up() {
    let output = Command::new(env!("CARGO_BIN_EXE_qsal"))
        .args(["demo", "--workers", "3", "--requests", "20000"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("SLOT"), "{stdout}");
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("SSL_DEV"))
        .collect();
    assert_eq!(
        rows.len(),
        5,
        "3 workers, the killed one and the newcomer: {stdout}"
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.contains("all responses correct"))
            .count(),
        3
    );
    assert!(rows[0].contains("killed with kill -9"), "{stdout}");
    assert!(rows[4].contains("newcomer"), "{stdout}");
    assert!(
        stdout.contains("the slot SSL_DEV0_INT_0 came back after kill -9"),
        "{stdout}"
    );
    assert!(stdout.contains("every request of every surviving worker got its correct response"));
    // The temporary runtime directory is gone.
    let pid_dirs: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .expect("tmp")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("qsal-demo-"))
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.trim_start_matches("qsal-demo-")
                .parse::<u32>()
                .is_ok_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
        })
        .collect();
    assert!(pid_dirs.is_empty(), "left behind: {pid_dirs:?}");
}

#[test]
fn demo_refuses_impossible_arguments() {
    let output = Command::new(env!("CARGO_BIN_EXE_qsal"))
        .args(["demo", "--workers", "0"])
        .output()
        .expect("run demo");
    assert_eq!(output.status.code(), Some(2));
    let help = Command::new(env!("CARGO_BIN_EXE_qsal"))
        .args(["demo", "--help"])
        .output()
        .expect("help");
    assert!(String::from_utf8_lossy(&help.stdout).contains("--workers"));
}
