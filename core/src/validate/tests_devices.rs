//! Tests of the cross-device rules and of slot totals.

use super::*;
use crate::diag::Diagnostic;

fn file(sections: &str) -> String {
    format!("[GENERAL]\nServicesEnabled = dc\nConfigVersion = 2\n{sections}")
}

fn section(name: &str, lda: u32, processes: u32) -> String {
    format!("[{name}]\nNumberDcInstances = 0\nNumProcesses = {processes}\nLimitDevAccess = {lda}\n")
}

fn run(texts: &[String]) -> Vec<(usize, &'static str, u32)> {
    let configs: Vec<Config<'_>> = texts
        .iter()
        .map(|t| Config::parse(t.as_bytes(), &mut |_: Diagnostic<'_>| {}))
        .collect();
    let mut found = Vec::new();
    check_devices(&configs, &[], |i, d: Diagnostic<'_>| {
        found.push((i, d.code().as_str(), d.span.line));
    });
    found
}

#[test]
fn consistent_sets_are_clean_and_partial_shared_sections_are_legal() {
    let a = file(&(section("SSL", 0, 2) + &section("PIN", 1, 4) + &section("ONLY0", 0, 2)));
    let b = file(&(section("SSL", 0, 2) + &section("PIN", 1, 4)));
    assert_eq!(run(&[a, b]), vec![]);
}

#[test]
fn limit_dev_access_must_agree() {
    let a = file(&section("SSL", 1, 2));
    let b = file(&section("SSL", 0, 2));
    assert_eq!(run(&[a, b]), vec![(1, "Q601", 7)]);
}

#[test]
fn shared_sections_need_equal_process_counts() {
    let a = file(&section("SSL", 0, 2));
    let b = file(&section("SSL", 0, 3));
    assert_eq!(run(&[a, b]), vec![(1, "Q602", 6)]);
    // Pinned sections may differ: each device has its own names.
    let a = file(&section("SSL", 1, 2));
    let b = file(&section("SSL", 1, 3));
    assert_eq!(run(&[a, b]), vec![]);
}

#[test]
fn pinned_sections_must_exist_everywhere() {
    let a = file(&section("PIN", 1, 4));
    let b = file("");
    let c = file(&section("PIN", 1, 4));
    assert_eq!(run(&[a, b, c]), vec![(1, "Q603", 1)]);
}

#[test]
fn slot_totals_count_distinct_names() {
    let texts = [
        file(&(section("SSL", 0, 2) + &section("PIN", 1, 4))),
        file(&(section("SSL", 0, 2) + &section("PIN", 1, 3))),
    ];
    let configs: Vec<Config<'_>> = texts
        .iter()
        .map(|t| Config::parse(t.as_bytes(), &mut |_: Diagnostic<'_>| {}))
        .collect();
    assert_eq!(total_slots(&configs, "SSL"), 2);
    assert_eq!(total_slots(&configs, "PIN"), 7);
    assert_eq!(total_slots(&configs, "NONE"), 0);
}
