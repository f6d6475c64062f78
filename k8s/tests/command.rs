//! `qsal-k8s` as an operator runs it: help text and refused arguments.

use std::process::Command;

#[test]
fn help_names_every_option_and_a_bad_prefix_is_refused() {
    let help = Command::new(env!("CARGO_BIN_EXE_qsal-k8s"))
        .arg("--help")
        .output()
        .expect("run");
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    for option in [
        "--runtime-dir",
        "--plugin-dir",
        "--resource-prefix",
        "--container-runtime-dir",
        "--dev-root",
        "--rescan-ms",
        "QSAL_SLOT",
    ] {
        assert!(text.contains(option), "{option} missing from:\n{text}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_qsal-k8s"))
        .args(["--runtime-dir", "/nonexistent", "--resource-prefix", "qat"])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a domain name"));
}
