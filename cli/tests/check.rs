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

fn write_temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("qsal-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
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
