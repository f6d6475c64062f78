//! Validation as each driver family loads files (issue 21): what the driver refuses, and the traps
//! of SPEC §2, are errors; what it loads is at most a warning. One test per difference found.

use super::*;
use crate::diag::{Diagnostic, Severity};

/// (code, severity, line) of every finding of `text` checked as a set of one for `device`.
fn findings(text: &str, device: Option<DeviceType>) -> Vec<(&'static str, Severity, u32)> {
    findings_of(&[(text, device)])
        .into_iter()
        .map(|(_, code, severity, line)| (code, severity, line))
        .collect()
}

/// (file, code, severity, line) of every finding of a device set.
fn findings_of(files: &[(&str, Option<DeviceType>)]) -> Vec<(usize, &'static str, Severity, u32)> {
    let configs: Vec<Config<'_>> = files
        .iter()
        .map(|(t, _)| Config::parse(t.as_bytes(), &mut |_: Diagnostic<'_>| {}))
        .collect();
    let contexts: Vec<Context> = files
        .iter()
        .zip(0u32..)
        .map(|((_, device), accel_id)| Context {
            device: *device,
            accel_id,
        })
        .collect();
    let mut found = Vec::new();
    check_set(&configs, &contexts, |i, d: Diagnostic<'_>| {
        assert!(!d.help().to_string().is_empty());
        found.push((i, d.code().as_str(), d.severity(), d.span.line));
    });
    found.sort_by_key(|f| (f.0, f.3));
    found
}

fn messages(text: &str, device: Option<DeviceType>) -> Vec<String> {
    let config: Config<'_> = Config::parse(text.as_bytes(), &mut |_: Diagnostic<'_>| {});
    let mut out = Vec::new();
    check_set(
        core::slice::from_ref(&config),
        &[Context {
            device,
            accel_id: 0,
        }],
        |_, d: Diagnostic<'_>| out.push(format!("{}: {} | {}", d.code(), d.message(), d.help())),
    );
    out
}

const DC: &str = "[GENERAL]\nServicesEnabled = dc\nConfigVersion = 2\n";
const GEN4: Option<DeviceType> = Some(DeviceType::Qat4xxx);
const C6XX: Option<DeviceType> = Some(DeviceType::C6xx);
use Severity::{Error, Warning};

#[test]
fn gen4_refuses_cy_and_lists_what_it_accepts() {
    let text = "[GENERAL]\nServicesEnabled = cy;dc\nConfigVersion = 2\n";
    let found = messages(text, GEN4);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("Q206: ServicesEnabled `cy;dc` is not supported by a 4xxx"),
        "{found:?}"
    );
    assert!(
        found[0].contains("dc, sym, asym, asym;dc, sym;dc, asym;sym"),
        "{found:?}"
    );
    // No ServicesProfile check on QAT20.
    assert_eq!(
        findings(&format!("{DC}ServicesProfile = CRYPTO\n"), GEN4),
        vec![]
    );
}

#[test]
fn gen4_kernel_qat_is_a_user_section() {
    // No NumProcesses: no process, so its instance keys are never read (4.24 would need Dc0Name).
    let text = format!("{DC}[KERNEL_QAT]\nNumberDcInstances = 1\n");
    assert_eq!(findings(&text, GEN4), vec![("Q308", Warning, 4)]);
    // 4.24: a kernel section, whose Dc0Name, Dc0IsPolled and Dc0CoreAffinity the driver needs.
    assert_eq!(findings(&text, C6XX), vec![("Q305", Error, 5); 3]);
}

#[test]
fn gen4_pke_service_disabled_must_be_a_number() {
    let text = "[GENERAL]\nServicesEnabled = asym;dc\nConfigVersion = 2\nPkeServiceDisabled = x\n";
    assert_eq!(findings(text, GEN4), vec![("Q209", Error, 4)]);
    let off = text.replace("= x", "= 1");
    assert_eq!(
        findings(&off, GEN4),
        vec![("Q210", Warning, 4)],
        "asym is asked for but off"
    );
    assert_eq!(findings(text, C6XX), vec![], "4.24 never parses it");
}

#[test]
fn gen4_siov_number_of_adis() {
    let text = format!("{DC}[SIOV]\nNumberAdis = two\n");
    assert_eq!(findings(&text, GEN4), vec![("Q309", Error, 5)]);
    let text = format!("{DC}[SIOV]\nNumberAdis = 65\n");
    assert_eq!(findings(&text, GEN4), vec![("Q504", Error, 5)]);
    let text = format!("{DC}[SIOV]\nNumberAdis = 64\n");
    assert_eq!(findings(&text, GEN4), vec![]);
    // 4.24: [SIOV] is an ordinary user section without processes.
    assert_eq!(findings(&text, C6XX), vec![("Q308", Warning, 4)]);
}

#[test]
fn services_profile_is_read_on_gen2_physical_functions_only() {
    let text = format!("{DC}ServicesProfile = CRYPTO\n");
    assert_eq!(findings(&text, C6XX), vec![("Q206", Error, 2)]);
    assert_eq!(findings(&text, Some(DeviceType::C6xxVf)), vec![]);
    assert_eq!(findings(&text, Some(DeviceType::C4xxx)), vec![]);
    let bogus = format!("{DC}ServicesProfile = BOGUS\n");
    assert_eq!(
        findings(&bogus, C6XX),
        vec![("Q207", Warning, 4)],
        "loads with DEFAULT"
    );
}

#[test]
fn c4xxx_keeps_accepting_cy_inline() {
    let text = "[GENERAL]\nServicesEnabled = cy;inline\nConfigVersion = 2\n";
    assert_eq!(findings(text, Some(DeviceType::C4xxx)), vec![]);
    assert_eq!(
        findings(text, Some(DeviceType::C4xxxVf)),
        vec![("Q206", Error, 2)]
    );
}

#[test]
fn kernel_sections_accept_any_polling_mode() {
    let text = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n\
[KERNEL]\nNumberCyInstances = 1\nCy0Name = k\nCy0IsPolled = 2\nCy0CoreAffinity = 0\n";
    assert_eq!(findings(text, C6XX), vec![]);
}

#[test]
fn numbers_the_driver_reads_as_meant_are_warnings_with_the_value() {
    let text =
        format!("{DC}[SSL]\nNumberDcInstances = 0\nNumProcesses = 0x2\nLimitDevAccess = +1\n");
    assert_eq!(
        findings(&text, C6XX),
        vec![("Q310", Warning, 6), ("Q310", Warning, 7)]
    );
    let found = messages(&text, C6XX);
    assert!(
        found
            .iter()
            .any(|m| m.contains("`0x2` is not plain decimal; the driver reads it as 2")),
        "{found:?}"
    );
}

#[test]
fn numbers_read_differently_are_errors_that_say_what_happens() {
    let cases = [
        ("NumProcesses = 1a", "the driver reads it as hexadecimal 26"),
        (
            "NumProcesses = two",
            "the driver reads it as 0, so no process could start",
        ),
        (
            "LimitDevAccess = 0x1",
            "its slot search reads 0, so no process could start",
        ),
        ("LimitDevAccess = yes", "is read as 0 by the driver"),
        ("LimitDevAccess = -1", "is read as 0 by the driver"),
        ("LimitDevAccess = true", "is read as 0 by the driver"),
    ];
    for (line, expected) in cases {
        let (key, _) = line.split_once(" = ").expect("key");
        let mut text =
            format!("{DC}[SSL]\nNumberDcInstances = 0\nNumProcesses = 2\nLimitDevAccess = 0\n");
        text = text.replacen(&format!("{key} = "), &format!("{line}\n#"), 1);
        let found = messages(&text, C6XX);
        assert!(
            found
                .iter()
                .any(|m| m.starts_with("Q301") && m.contains(expected)),
            "{line}: {found:?}"
        );
    }
    let library = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n\
[SSL]\nNumberCyInstances = 0x1\nNumProcesses = 1\n";
    let found = messages(library, C6XX);
    assert!(
        found[0].contains("reserves rings for 1 instances, but QAT's user library reads it as 0"),
        "{found:?}"
    );
    let polled = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n\
[SSL]\nNumberCyInstances = 1\nNumProcesses = 1\nCy0Name = a\nCy0IsPolled = 0x1\nCy0CoreAffinity = 0\n";
    let found = messages(polled, C6XX);
    assert!(
        found[0].contains("reads it as 0 (interrupts) and refuses the instance at start"),
        "{found:?}"
    );
    let depth = format!("{DC}CyNumConcurrentAsymRequests = 100\n");
    let found = messages(&depth, C6XX);
    assert!(
        found[0].contains("refuses each of them at start"),
        "{found:?}"
    );
    assert!(found[0].contains("64, 128, 256"), "{found:?}");
}

#[test]
fn slots_that_are_never_handed_out_are_counted() {
    // A 25-byte name: SSL…_INT_9 is 31 bytes, SSL…_INT_10 is 32 — processes 10 and 11 never start.
    let base = "ABCDEFGHIJKLMNOPQRSTUVWXY";
    let text =
        format!("{DC}[{base}]\nNumberDcInstances = 0\nNumProcesses = 12\nLimitDevAccess = 0\n");
    assert_eq!(findings(&text, C6XX), vec![("Q503", Warning, 6)]);
    let found = messages(&text, C6XX);
    assert!(
        found[0].contains(&format!(
            "only {base}_INT_0…{base}_INT_9 (10) can be handed out"
        )),
        "{found:?}"
    );
    // A c6xxvf hands out 8 names per section…
    let ten = format!("{DC}[SSL]\nNumberDcInstances = 0\nNumProcesses = 10\nLimitDevAccess = 0\n");
    let vf = Some(DeviceType::C6xxVf);
    assert_eq!(findings_of(&[(&ten, vf)]), vec![(0, "Q503", Warning, 6)]);
    // …but beside a c6xx, which hands out all ten shared names, every name is usable.
    assert_eq!(findings_of(&[(&ten, vf), (&ten, C6XX)]), vec![]);
    // Process 0's name too long: nobody can start — an error at the header, not a warning.
    let long = "A".repeat(27);
    let text = format!("{DC}[{long}]\nNumberDcInstances = 0\nNumProcesses = 2\n");
    assert_eq!(findings(&text, C6XX), vec![("Q401", Error, 4)]);
}

#[test]
fn instance_counts_must_agree_across_devices() {
    let a = "[GENERAL]\nServicesEnabled = dc\nConfigVersion = 2\n\
[SSL]\nNumberDcInstances = 1\nNumProcesses = 1\nDc0Name = d\nDc0IsPolled = 1\nDc0CoreAffinity = 0\n";
    let b = a.replace("NumberDcInstances = 1", "NumberDcInstances = 2")
        + "Dc1Name = e\nDc1IsPolled = 1\nDc1CoreAffinity = 0\n";
    assert_eq!(
        findings_of(&[(a, C6XX), (&b, C6XX)]),
        vec![(1, "Q604", Warning, 5)]
    );
}

#[test]
fn lines_the_parser_reads_like_adf_ctl() {
    let text = format!("{DC}[SSL]\n= 5\nNumberDcInstances#x = 0\nNumProcesses = 1\nX = a\u{1}b\n");
    let mut grammar = Vec::new();
    let config: Config<'_> = Config::parse(text.as_bytes(), &mut |d: Diagnostic<'_>| {
        grammar.push((d.code().as_str(), d.severity()));
    });
    assert_eq!(grammar, vec![("Q106", Warning), ("Q116", Warning)]);
    let ssl = config.section("SSL").expect("SSL");
    assert_eq!(ssl.value("NumberDcInstances").map(|v| v.raw()), Some("0"));
    assert_eq!(ssl.value("X").map(|v| v.raw()), Some("a\u{1}b"));
}
