//! Expansion tests: the worked example of `../shared/reference/qat-semantics.md` §2.5 and the rules of the
//! bank allocator, each checked on the produced sections, keys and rings.

use super::*;
use crate::diag::Diagnostic;

/// One placed instance: section, process, family, index, service, core, rings.
type Row = (
    String,
    Option<u32>,
    Family,
    u32,
    RingService,
    u32,
    Assignment,
);

/// Collects everything a walk produces.
#[derive(Debug, Default)]
struct Record {
    text: String,
    placed: Vec<Row>,
}

impl Visitor for Record {
    type Error = core::fmt::Error;

    fn section(&mut self, name: &str) -> Result<(), Self::Error> {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        ConfWriter::new(&mut self.text).section(name)
    }

    fn key(&mut self, key: &str, value: Value<'_>) -> Result<(), Self::Error> {
        ConfWriter::new(&mut self.text).key(key, value)
    }

    fn instance(&mut self, p: &Placed<'_>) -> Result<(), Self::Error> {
        self.placed.push((
            p.section.to_string(),
            p.process,
            p.family,
            p.index,
            p.service,
            p.core,
            p.assignment,
        ));
        Ok(())
    }
}

fn run(text: &str, device: DeviceType, accel_id: u32) -> Result<Record, String> {
    let config: Config<'_> = Config::parse(text.as_bytes(), &mut |_: Diagnostic<'_>| {});
    let mut record = Record::default();
    match expand(&config, device, accel_id, &mut record) {
        Ok(_) => Ok(record),
        Err(WalkError::Expand(e)) => Err(e.to_string()),
        Err(WalkError::Visitor(e)) => Err(e.to_string()),
    }
}

fn shortage(text: &str, device: DeviceType) -> Shortage<'_> {
    let config: Config<'_> = Config::parse(text.as_bytes(), &mut |_: Diagnostic<'_>| {});
    match expand(&config, device, 0, &mut NullVisitor) {
        Err(WalkError::Expand(ExpandError::OutOfRings(s))) => s,
        other => panic!("expected a shortage, got {other:?}"),
    }
}

const WORKED: &str = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n\
[SSL]\nNumberCyInstances = 1\nNumberDcInstances = 0\nNumProcesses = 2\nLimitDevAccess = 1\n\
Cy0Name = \"x\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0-3\n";

fn section_names(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.strip_prefix('[')?.strip_suffix(']'))
        .collect()
}

#[test]
fn worked_example_limit_dev_access_1() {
    for (accel_id, expected) in [
        (0, ["SSL_DEV0_INT_0", "SSL_DEV0_INT_1"]),
        (1, ["SSL_DEV1_INT_0", "SSL_DEV1_INT_1"]),
    ] {
        let record = run(WORKED, DeviceType::C6xx, accel_id).expect("expands");
        assert_eq!(
            section_names(&record.text),
            ["GENERAL", "SSL", expected[0], expected[1], "Accelerator0"]
        );
        let cores: Vec<(String, u32)> = record.placed.iter().map(|p| (p.0.clone(), p.5)).collect();
        assert_eq!(
            cores,
            vec![(expected[0].to_string(), 0), (expected[1].to_string(), 1)]
        );
    }
}

#[test]
fn worked_example_limit_dev_access_0_uses_the_same_names_everywhere() {
    let text = WORKED.replace("LimitDevAccess = 1", "LimitDevAccess = 0");
    for accel_id in [0, 1] {
        let record = run(&text, DeviceType::C6xx, accel_id).expect("expands");
        assert_eq!(
            section_names(&record.text),
            ["GENERAL", "SSL", "SSL_INT_0", "SSL_INT_1", "Accelerator0"]
        );
    }
}

#[test]
fn derived_sections_copy_keys_and_get_rings() {
    let record = run(WORKED, DeviceType::C6xx, 0).expect("expands");
    let expected = "\
[GENERAL]
ServicesEnabled = \"cy\"
FirstUserBundle = 0

[SSL]
LimitDevAccess = 1

[SSL_DEV0_INT_0]
NumberCyInstances = 1
NumberDcInstances = 0
Cy0Name = \"x\"
Cy0IsPolled = 1
Cy0CoreAffinity = 0
Cy0BankNumber = 0
Cy0RingAsymTx = 0
Cy0RingSymTx = 2
Cy0RingAsymRx = 8
Cy0RingSymRx = 10
Cy0NumConcurrentAsymRequests = 64
Cy0NumConcurrentSymRequests = 512

[SSL_DEV0_INT_1]
NumberCyInstances = 1
NumberDcInstances = 0
Cy0Name = \"x\"
Cy0IsPolled = 1
Cy0CoreAffinity = 1
Cy0BankNumber = 0
Cy0RingAsymTx = 1
Cy0RingSymTx = 3
Cy0RingAsymRx = 9
Cy0RingSymRx = 11
Cy0NumConcurrentAsymRequests = 64
Cy0NumConcurrentSymRequests = 512
";
    let (derived, accelerator) = record
        .text
        .split_once("\n[Accelerator0]\n")
        .expect("the generated accelerator section comes last");
    assert_eq!(derived, expected);
    // One group of four keys per bank (16 on a c6xx); polled banks are not pinned to a core (255).
    assert_eq!(accelerator.lines().count(), 16 * 4);
    assert!(accelerator.starts_with(
        "Bank0InterruptCoalescingEnabled = 1\nBank0InterruptCoalescingTimerNs = 10000\n\
Bank0InterruptCoalescingNumResponses = 0\nBank0CoreAffinity = 255\n"
    ));
}

#[test]
fn expanded_text_parses_back_cleanly() {
    let record = run(WORKED, DeviceType::C6xx, 3).expect("expands");
    let mut problems = Vec::new();
    let config: Config<'_> = Config::parse(record.text.as_bytes(), &mut |d: Diagnostic<'_>| {
        problems.push(d.code().as_str());
    });
    assert_eq!(problems, Vec::<&str>::new());
    let derived = config.section("SSL_DEV3_INT_1").expect("derived section");
    assert_eq!(derived.value("Cy0RingSymRx").map(|v| v.raw()), Some("11"));
    assert_eq!(derived.value("Cy0Name").map(|v| v.raw()), Some("x"));
    assert!(derived.get("NumProcesses").is_none());
}

const KERNEL: &str = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n\
[KERNEL]\nNumberCyInstances = 2\nCy0Name = k0\nCy0IsPolled = 0\nCy0CoreAffinity = 0\n\
Cy1Name = k1\nCy1IsPolled = 0\nCy1CoreAffinity = 1\n";

#[test]
fn kernel_banks_come_first_and_set_first_user_bundle() {
    let text = format!("{KERNEL}{}", &WORKED[WORKED.find("[SSL]").expect("ssl")..]);
    let record = run(&text, DeviceType::C6xx, 0).expect("expands");
    assert!(
        record.text.contains("FirstUserBundle = 2\n"),
        "{}",
        record.text
    );
    // Interrupt-mode kernel instances on different cores need separate banks.
    let banks: Vec<u16> = record.placed.iter().map(|p| p.6.bank).collect();
    assert_eq!(banks, vec![0, 1, 2, 2]);
    // Kernel sections get ring keys in place but keep their own CoreAffinity lists.
    let kernel = &record.text
        [record.text.find("[KERNEL]").expect("kernel")..record.text.find("[SSL]").expect("ssl")];
    assert_eq!(kernel.matches("Cy0CoreAffinity").count(), 1);
    assert!(kernel.contains("Cy1BankNumber = 1\n"), "{kernel}");
}

#[test]
fn epoll_processes_need_a_bank_each() {
    let text = |processes: u32| {
        WORKED
            .replace("NumProcesses = 2", &format!("NumProcesses = {processes}"))
            .replace("Cy0IsPolled = 1", "Cy0IsPolled = 2")
    };
    let record = run(&text(16), DeviceType::C6xx, 0).expect("16 fit");
    let banks: Vec<u16> = record.placed.iter().map(|p| p.6.bank).collect();
    assert_eq!(banks, (0..16).collect::<Vec<u16>>());
    let text = text(17);
    let short = shortage(&text, DeviceType::C6xx);
    assert_eq!(
        (short.process, short.polling, short.free_banks_before),
        (16, EPOLL, 16)
    );
}

#[test]
fn polled_capacity_shortage_has_the_arithmetic() {
    let text = WORKED
        .replace("NumProcesses = 2", "NumProcesses = 40")
        .replace("NumberCyInstances = 1", "NumberCyInstances = 2")
        .replace(
            "Cy0CoreAffinity = 0-3\n",
            "Cy0CoreAffinity = 0-3\nCy1Name = y\nCy1IsPolled = 1\nCy1CoreAffinity = 4\n",
        );
    let s = shortage(&text, DeviceType::C6xx);
    assert_eq!(s.processes, 40);
    assert_eq!(s.instances, 2);
    assert_eq!((s.per_bank, s.banks_with_service, s.capacity), (4, 16, 64));
    assert_eq!(s.process, 32);
    assert_eq!(s.service, RingService::Crypto);
}

#[test]
fn single_process_spreads_crypto_instances_over_banks() {
    let mut text = String::from(
        "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n[SHIM]\nNumberCyInstances = 3\nNumProcesses = 1\n",
    );
    for i in 0..3 {
        text.push_str(&format!(
            "Cy{i}Name = c{i}\nCy{i}IsPolled = 1\nCy{i}CoreAffinity = {i}\n"
        ));
    }
    let record = run(&text, DeviceType::C6xx, 0).expect("expands");
    let banks: Vec<u16> = record.placed.iter().map(|p| p.6.bank).collect();
    assert_eq!(banks, vec![0, 1, 2]);
    // With two processes the same instances are packed.
    let packed = run(
        &text.replace("NumProcesses = 1", "NumProcesses = 2"),
        DeviceType::C6xx,
        0,
    )
    .expect("expands");
    let banks: Vec<u16> = packed.placed.iter().map(|p| p.6.bank).collect();
    assert_eq!(banks, vec![0, 0, 0, 0, 1, 1]);
}

#[test]
fn compression_is_placed_before_asym_under_asym_dc() {
    let text = "[GENERAL]\nServicesEnabled = asym;dc\nConfigVersion = 2\n[S]\nNumberCyInstances = 1\n\
NumberDcInstances = 1\nNumProcesses = 1\nCy0Name = a\nCy0IsPolled = 1\nCy0CoreAffinity = 0\n\
Dc0Name = d\nDc0IsPolled = 1\nDc0CoreAffinity = 0\n";
    let record = run(text, DeviceType::C6xx, 0).expect("expands");
    let order: Vec<RingService> = record.placed.iter().map(|p| p.4).collect();
    assert_eq!(order, vec![RingService::Compression, RingService::Asym]);
    let dc = record.placed[0].6;
    assert_eq!((dc.tx, dc.rx), (4, 12));
}

#[test]
fn gen4_crypto_instances_span_two_banks() {
    let text = "[GENERAL]\nServicesEnabled = asym;sym\nConfigVersion = 2\n[S]\nNumberCyInstances = 1\n\
NumProcesses = 1\nCy0Name = a\nCy0IsPolled = 1\nCy0CoreAffinity = 0\n";
    let record = run(text, DeviceType::Qat4xxx, 0).expect("expands");
    assert!(
        record
            .text
            .contains("Cy0BankNumberSym = 1\nCy0RingSymTx = 0\nCy0RingSymRx = 1\n"),
        "{}",
        record.text
    );
    assert!(
        record
            .text
            .contains("Cy0BankNumberAsym = 0\nCy0RingAsymTx = 0\nCy0RingAsymRx = 1\n")
    );
    assert_eq!(record.text.matches("Cy0CoreAffinity").count(), 1);
}

#[test]
fn processes_beyond_the_slot_search_are_still_expanded() {
    // The driver never checks NumProcesses against GET_MAX_PROCESSES (128 on a c6xx): it creates
    // every derived section; only the slot search stops early (a warning of `check_devices`).
    let text = WORKED
        .replace("NumProcesses = 2", "NumProcesses = 129")
        .replace("NumberCyInstances = 1", "NumberCyInstances = 0");
    let record = run(&text, DeviceType::C6xx, 0).expect("expands");
    assert!(
        record.text.contains("[SSL_DEV0_INT_128]\n"),
        "{}",
        record.text
    );
}

/// A visitor whose output fills up after `room` calls.
struct Filling {
    room: u32,
    calls: u32,
}

impl Visitor for Filling {
    type Error = &'static str;

    fn section(&mut self, _: &str) -> Result<(), Self::Error> {
        self.call()
    }

    fn key(&mut self, _: &str, _: Value<'_>) -> Result<(), Self::Error> {
        self.call()
    }
}

impl Filling {
    fn call(&mut self) -> Result<(), &'static str> {
        self.calls += 1;
        if self.calls > self.room {
            Err("full")
        } else {
            Ok(())
        }
    }
}

#[test]
fn a_visitor_error_is_reported_and_the_visitor_is_not_called_again() {
    let config: Config<'_> = Config::parse(WORKED.as_bytes(), &mut |_: Diagnostic<'_>| {});
    let mut visitor = Filling { room: 3, calls: 0 };
    assert_eq!(
        expand(&config, DeviceType::C6xx, 0, &mut visitor),
        Err(WalkError::Visitor("full"))
    );
    assert_eq!(
        visitor.calls, 4,
        "three calls fit, the fourth failed, none after it"
    );
    let mut roomy = Filling {
        room: u32::MAX,
        calls: 0,
    };
    assert!(expand(&config, DeviceType::C6xx, 0, &mut roomy).is_ok());
    assert!(
        roomy.calls > 4,
        "the whole expansion is more than four calls"
    );
}
