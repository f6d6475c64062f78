//! Table-driven tests of validation: one case per rule, each asserting code and position.

use super::*;
use crate::diag::Diagnostic;

const GOOD: &str = "\
[GENERAL]
ServicesEnabled = cy
ConfigVersion = 2
CyNumConcurrentSymRequests = 512
[KERNEL]
NumberCyInstances = 1
Cy0Name = \"IPSec0\"
Cy0IsPolled = 0
Cy0CoreAffinity = 0
[SSL]
NumberCyInstances = 2
NumberDcInstances = 0
NumProcesses = 4
LimitDevAccess = 1
Cy0Name = \"SSL0\"
Cy0IsPolled = 1
Cy0CoreAffinity = 0-3
Cy1Name = \"SSL1\"
Cy1IsPolled = 2
Cy1CoreAffinity = 4,6
";

fn check(input: &str, device: Option<DeviceType>) -> Vec<(&'static str, u32)> {
    let mut found = Vec::new();
    let config: Config<'_> = Config::parse(input.as_bytes(), &mut |_: Diagnostic<'_>| {});
    let context = Context {
        device,
        accel_id: 0,
    };
    validate(&config, &context, &mut |d: Diagnostic<'_>| {
        assert!(!d.help().to_string().is_empty());
        found.push((d.code().as_str(), d.span.line));
    });
    found
}

/// `GOOD` with `from` replaced by `to`.
fn edited(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1)
}

#[test]
fn good_file_is_clean_for_every_device_that_accepts_cy() {
    assert_eq!(check(GOOD, None), vec![]);
    assert_eq!(check(GOOD, Some(DeviceType::C6xx)), vec![]);
    // QAT 2.0 spells full crypto asym;sym and refuses `cy`.
    assert_eq!(check(GOOD, Some(DeviceType::Qat4xxx)), vec![("Q206", 2)]);
    let gen4 = edited("ServicesEnabled = cy", "ServicesEnabled = asym;sym");
    assert_eq!(check(&gen4, Some(DeviceType::Qat4xxx)), vec![]);
}

#[test]
fn rule_table() {
    type Case<'c> = (&'c str, &'c str, &'c [(&'c str, u32)]);
    let cases: &[Case<'_>] = &[
        ("[GENERAL]", "[General]", &[("Q201", 1), ("Q308", 1)]),
        ("ConfigVersion = 2\n", "", &[("Q202", 1)]),
        ("ConfigVersion = 2", "ConfigVersion = 3", &[("Q203", 3)]),
        ("ServicesEnabled = cy\n", "", &[("Q204", 1)]),
        (
            "ServicesEnabled = cy",
            "ServicesEnabled = cy0;cy1",
            &[("Q205", 2)],
        ),
        (
            "ServicesEnabled = cy",
            "ServicesEnabled = cy\nServicesProfile = FAST",
            &[("Q207", 3)],
        ),
        (
            "ServicesEnabled = cy",
            "ServicesEnabled = cy\nServicesProfile = COMPRESSION",
            &[("Q206", 2)],
        ),
        ("= 512", "= 500", &[("Q208", 4)]),
        (
            "LimitDevAccess = 1",
            "LimitDevAccess = 0x1",
            &[("Q301", 14)],
        ),
        (
            "NumProcesses = 4",
            "NumProcesses = this is error",
            &[("Q301", 13)],
        ),
        ("NumProcesses = 4\n", "", &[("Q308", 10)]),
        (
            "NumberCyInstances = 2",
            "NumberCyInstances = 0x2",
            &[("Q301", 11)],
        ),
        (
            "NumberCyInstances = 2",
            "NumberCyInstances = 513",
            &[("Q304", 11)],
        ),
        ("Cy1Name = \"SSL1\"\n", "", &[("Q305", 11)]),
        ("Cy1IsPolled = 2\n", "", &[("Q305", 11)]),
        ("Cy1CoreAffinity = 4,6\n", "", &[("Q305", 11)]),
        ("Cy1IsPolled = 2", "Cy1IsPolled = 0", &[("Q306", 19)]),
        ("Cy0IsPolled = 0", "Cy0IsPolled = x", &[("Q306", 8)]),
        (
            "Cy1CoreAffinity = 4,6",
            "Cy1CoreAffinity = 6-4",
            &[("Q307", 20)],
        ),
        (
            "Cy1CoreAffinity = 4,6",
            "Cy1CoreAffinity = 4,,6",
            &[("Q307", 20)],
        ),
        ("[SSL]", "[My:SSL]", &[("Q402", 10)]),
        (
            "[SSL]",
            "[AVeryLongSectionNameOfTwentySix]",
            &[("Q401", 10)],
        ),
        (
            "NumberDcInstances = 0",
            "NumberDcInstances = 2",
            &[("Q303", 12)],
        ),
    ];
    for (from, to, expected) in cases {
        assert_eq!(&check(&edited(from, to), None), expected, "{from} -> {to}");
    }
}

#[test]
fn missing_instance_count_when_service_enabled() {
    let input = edited("NumberCyInstances = 2\n", "");
    // KERNEL still has its count; SSL lost it.
    assert_eq!(check(&input, None), vec![("Q302", 10)]);
    // With dc only, a missing NumberCyInstances is fine but Cy instances must be absent.
    let dc = "[GENERAL]\nServicesEnabled = dc\nConfigVersion = 2\n[SSL]\nNumberDcInstances = 1\n\
              NumProcesses = 1\nDc0Name = d\nDc0IsPolled = 1\nDc0CoreAffinity = 0\n";
    assert_eq!(check(dc, None), vec![]);
}

#[test]
fn zero_processes_skips_instance_checks() {
    let input = edited("NumProcesses = 4", "NumProcesses = 0");
    let input = input.replace("Cy1Name = \"SSL1\"\n", "");
    assert_eq!(check(&input, None), vec![]);
}

#[test]
fn derived_name_limit_uses_accel_id_and_process_count() {
    // SSL_DEV0_INT_3 is short; a 20-byte name with _DEV0_INT_3 is exactly 31.
    let twenty = "A".repeat(20);
    let ok = edited("[SSL]", &format!("[{twenty}]"));
    assert_eq!(check(&ok, None), vec![]);
    let twenty_one = "A".repeat(21);
    let bad = edited("[SSL]", &format!("[{twenty_one}]"));
    assert_eq!(
        check(&bad, None),
        vec![("Q401", 10)],
        "at the header: no process can start"
    );
}

#[test]
fn services_depend_on_device_generation() {
    let asym_sym = edited("ServicesEnabled = cy", "ServicesEnabled = asym;sym");
    assert_eq!(check(&asym_sym, Some(DeviceType::Qat4xxx)), vec![]);
    assert_eq!(check(&asym_sym, Some(DeviceType::C6xx)), vec![("Q206", 2)]);
    assert_eq!(check(&asym_sym, None), vec![]);
}
