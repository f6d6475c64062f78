//! `qsal check` as a user runs it: exit codes, text and JSON output, strictness, inference.

use std::path::Path;
use std::process::{Command, Output};

use qsal_tests::{corpus_file, corpus_files};

fn qsal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qsal"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run qsal")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes `text` as `name` into cargo's scratch directory for integration tests (not /tmp, which a
/// test run leaves untouched).
fn write_temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write temp file");
    path
}

const GOOD: &str = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n[SSL]\nNumberCyInstances = 1\n\
NumberDcInstances = 0\nNumProcesses = 2\nLimitDevAccess = 0\nCy0Name = \"SSL0\"\nCy0IsPolled = 1\n\
Cy0CoreAffinity = 0\n";

#[test]
fn clean_corpus_file_exits_zero() {
    let path = corpus_file("vyos-qat__quickassist_utilities_adf_ctl_conf_files_c6xx_dev0.conf");
    let output = qsal(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("(c6xx from the file name, device 0): ok"));
}

#[test]
fn unparsable_num_processes_exits_one_with_rustc_style_text() {
    let path = corpus_file("test_data_cant_parse_num_processes_c6xx_dev0.conf");
    let output = qsal(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("error[Q301]: NumProcesses = `thisiserror`"),
        "{text}"
    );
    assert!(
        text.contains("cant_parse_num_processes_c6xx_dev0.conf:4:16"),
        "{text}"
    );
    assert!(text.contains("4 | NumProcesses = this is error"), "{text}");
    assert!(text.contains("^^^^^^^^^^^^^"), "{text}");
    assert!(
        text.contains("= help: write the number of processes in decimal"),
        "{text}"
    );
    assert!(
        text.contains("the driver reads it as 0, so no process could start"),
        "the message says what the driver does: {text}"
    );
    assert!(text.contains("2 errors, 1 warning"), "{text}");
}

#[test]
fn json_lines_one_object_per_file() {
    let good = corpus_file("vyos-qat__quickassist_utilities_adf_ctl_conf_files_c6xx_dev0.conf");
    let bad = corpus_file("test_data_cant_parse_num_processes_c6xx_dev0.conf");
    let output = qsal(&[
        "check",
        "--format",
        "json",
        good.to_str().expect("utf-8"),
        bad.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let first: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
    assert_eq!(first["diagnostics"].as_array().map(Vec::len), Some(0));
    let second: serde_json::Value = serde_json::from_str(lines[1]).expect("json");
    assert!(
        second["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("c6xx_dev0.conf"))
    );
    let d = &second["diagnostics"][0];
    for key in ["severity", "code", "line", "column", "message", "help"] {
        assert!(!d[key].is_null(), "missing {key} in {d}");
    }
    assert_eq!(d["code"], "Q201");
    assert_eq!(d["line"], 1);
}

#[test]
fn every_corpus_file_gives_valid_json() {
    let files: Vec<String> = corpus_files()
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["check", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let output = qsal(&args);
    let text = stdout(&output);
    assert_eq!(text.lines().count(), files.len());
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("json line");
        assert!(value["diagnostics"].is_array());
    }
}

#[test]
fn strict_turns_warnings_into_errors() {
    let path = write_temp(
        "spaced_c6xx_dev0.conf",
        &GOOD.replace("\"SSL0\"", "\"SSL 0\""),
    );
    let path = path.to_str().expect("utf-8");
    let relaxed = qsal(&["check", path]);
    assert_eq!(relaxed.status.code(), Some(0), "{}", stdout(&relaxed));
    assert!(stdout(&relaxed).contains("warning[Q108]"));
    let strict = qsal(&["check", "--strict", path]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stdout(&strict).contains("error[Q108]"));
}

#[test]
fn device_type_flag_overrides_the_file_name() {
    let text = GOOD.replace("ServicesEnabled = cy", "ServicesEnabled = asym;sym");
    let path = write_temp("gen4_c6xx_dev0.conf", &text);
    let path = path.to_str().expect("utf-8");
    let inferred = qsal(&["check", path]);
    assert_eq!(inferred.status.code(), Some(1));
    assert!(stdout(&inferred).contains("error[Q206]"));
    let given = qsal(&["check", "--device-type", "4xxx", path]);
    assert_eq!(given.status.code(), Some(0), "{}", stdout(&given));
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(qsal(&["check"]).status.code(), Some(2));
    assert_eq!(
        qsal(&["check", "--device-type", "c9xx", "x.conf"])
            .status
            .code(),
        Some(2)
    );
    let missing = qsal(&["check", "/nonexistent/qsal.conf"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("cannot read `/nonexistent/qsal.conf`")
    );
    assert_eq!(qsal(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn help_on_every_command() {
    for args in [vec!["--help"], vec!["check", "--help"]] {
        let output = qsal(&args);
        assert_eq!(output.status.code(), Some(0));
        assert!(stdout(&output).contains("Usage: qsal"), "{args:?}");
    }
    assert!(Path::new(env!("CARGO_BIN_EXE_qsal")).exists());
}

fn k8s(set: &str, device: u32) -> String {
    corpus_file(&format!("test_data_{set}_c6xx_dev{device}.conf"))
        .to_string_lossy()
        .into_owned()
}

#[test]
fn kubernetes_all_is_good_set_passes_strict_with_slot_summary() {
    let files = [
        k8s("all_is_good", 0),
        k8s("all_is_good", 1),
        k8s("all_is_good", 2),
    ];
    let mut args = vec!["check", "--strict"];
    args.extend(files.iter().map(String::as_str));
    let output = qsal(&args);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("slots: [PINNED] 12 (4 processes × 3 devices, LimitDevAccess = 1"),
        "{text}"
    );
    assert!(
        text.contains("slots: [SHIM2] 2 (NumProcesses = 2, LimitDevAccess = 0 on 1 of 3 devices)"),
        "{text}"
    );
}

#[test]
fn kubernetes_inconsistent_limitdev_set_fails_strict_only() {
    let files = [
        k8s("inconsistent_limitdev", 0),
        k8s("inconsistent_limitdev", 1),
    ];
    let relaxed = qsal(&["check", &files[0], &files[1]]);
    assert_eq!(relaxed.status.code(), Some(0), "{}", stdout(&relaxed));
    assert!(stdout(&relaxed).contains("warning[Q601]"));
    let strict = qsal(&["check", "--strict", &files[0], &files[1]]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        stdout(&strict)
            .contains("error[Q601]: [SSL] has LimitDevAccess = 0 here but 1 on device 0")
    );
}

#[test]
fn capacity_errors_show_the_arithmetic() {
    let text = GOOD
        .replace("NumProcesses = 2", "NumProcesses = 40")
        .replace("NumberCyInstances = 1", "NumberCyInstances = 2")
        .replace(
            "Cy0CoreAffinity = 0\n",
            "Cy0CoreAffinity = 0\nCy1Name = b\nCy1IsPolled = 1\nCy1CoreAffinity = 1\n",
        );
    let path = write_temp("big_c6xx_dev0.conf", &text);
    let output = qsal(&["check", path.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("error[Q501]: [SSL] needs 80 crypto instances (40 processes × 2), but a c6xx with ServicesEnabled = cy has 64 (16 banks × 4)"),
        "{text}"
    );
    assert!(text.contains(":7:1"), "{text}");
    assert!(text.contains("lower NumProcesses to at most 32"), "{text}");
}

#[test]
fn expand_prints_derived_sections_for_the_accel_id() {
    let path = write_temp(
        "pinned_c6xx_dev0.conf",
        &GOOD.replace("LimitDevAccess = 0", "LimitDevAccess = 1"),
    );
    let output = qsal(&[
        "expand",
        "--device-type",
        "c6xx",
        "--accel-id",
        "3",
        path.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.contains("[SSL]\nLimitDevAccess = 1\n\n[SSL_DEV3_INT_0]\n"),
        "{text}"
    );
    assert!(text.contains("[SSL_DEV3_INT_1]\n"), "{text}");
    assert!(text.contains("FirstUserBundle = 0\n"), "{text}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("2 instances in 1 of 16 banks"));
    // The expansion reads back without a single grammar finding (it is not a user configuration:
    // ConfigVersion is gone and [SSL] keeps only LimitDevAccess, as in the driver).
    let expanded = write_temp("expanded_c6xx_dev3.conf", &text);
    let recheck = stdout(&qsal(&["check", expanded.to_str().expect("utf-8")]));
    assert!(!recheck.contains("[Q1"), "{recheck}");
}

#[test]
fn expand_refuses_files_with_errors() {
    let path = write_temp(
        "broken_c6xx_dev0.conf",
        &GOOD.replace("Cy0IsPolled = 1", "Cy0IsPolled = 0"),
    );
    let output = qsal(&[
        "expand",
        "--device-type",
        "c6xx",
        path.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error[Q306]"), "{stderr}");
    assert!(stderr.contains("nothing was expanded"), "{stderr}");
    assert_eq!(
        qsal(&["expand", path.to_str().expect("utf-8")])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(qsal(&["expand", "--help"]).status.code(), Some(0));
}

#[test]
fn expand_output_checks_clean_and_expands_to_itself() {
    for (suffix, device) in [
        (
            "vyos-qat__quickassist_utilities_adf_ctl_conf_files_c6xx_dev0.conf",
            "c6xx",
        ),
        (
            "QATzip__config_file_c6xx_multiple_process_opt_c6xx_dev0.conf",
            "c6xx",
        ),
        ("qat_hw_config_4xxx_multi_process_4xxx_dev0.conf", "4xxx"),
        ("dh895xcc_dev0.conf.km.conf", "dh895xcc"),
    ] {
        let input = corpus_file(suffix);
        let first = qsal(&[
            "expand",
            "--device-type",
            device,
            input.to_str().expect("utf-8"),
        ]);
        assert_eq!(first.status.code(), Some(0), "{suffix}");
        let path = write_temp(
            &format!("expanded_{device}_dev0.conf"),
            &String::from_utf8_lossy(&first.stdout),
        );
        let path = path.to_str().expect("utf-8");
        let check = qsal(&["check", "--device-type", device, path]);
        let text = stdout(&check);
        assert_eq!(check.status.code(), Some(0), "{suffix}: {text}");
        assert!(!text.contains("error["), "{suffix}: {text}");
        let again = qsal(&["expand", "--device-type", device, path]);
        assert_eq!(again.status.code(), Some(0), "{suffix}");
        assert_eq!(
            again.stdout, first.stdout,
            "{suffix}: expanding an expansion changes nothing"
        );
    }
    // An edited expansion is checked as one: a ring outside the device is an error at its line.
    let input = corpus_file("vyos-qat__quickassist_utilities_adf_ctl_conf_files_c6xx_dev0.conf");
    let first = qsal(&[
        "expand",
        "--device-type",
        "c6xx",
        input.to_str().expect("utf-8"),
    ]);
    let edited = String::from_utf8_lossy(&first.stdout).replacen(
        "Cy0RingAsymTx = 0",
        "Cy0RingAsymTx = 99",
        1,
    );
    let path = write_temp("edited_c6xx_dev0.conf", &edited);
    let check = qsal(&["check", path.to_str().expect("utf-8")]);
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).contains("error[Q701]"), "{}", stdout(&check));
}
