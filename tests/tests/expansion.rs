//! Expansion over the real corpus and over random sections: every instance gets rings of its own,
//! response rings sit at request ring + gap, everything stays inside the device, and the output reads
//! back with qsal's own parser.

use std::collections::{BTreeSet, HashSet};

use proptest::prelude::*;
use qsal_core::config::SectionKind;
use qsal_core::config::user::UserSection;
use qsal_core::expand::{
    ConfWriter, ExpandError, Placed, RingService, Value, Visitor, WalkError, expand,
};
use qsal_core::validate::{Context, check_set, validate};
use qsal_core::{Config, DeviceType, Diagnostic, Severity};
use qsal_tests::{corpus_file, corpus_files, device_type_of};

/// Writes the text and checks every placed instance on the fly.
struct Checker {
    device: DeviceType,
    text: String,
    sections: Vec<String>,
    rings: HashSet<(u16, u8)>,
    instances: usize,
}

impl Checker {
    fn new(device: DeviceType) -> Self {
        Self {
            device,
            text: String::new(),
            sections: Vec::new(),
            rings: HashSet::new(),
            instances: 0,
        }
    }
}

impl Visitor for Checker {
    type Error = std::fmt::Error;

    fn section(&mut self, name: &str) -> Result<(), Self::Error> {
        self.sections.push(name.to_string());
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        ConfWriter::new(&mut self.text).section(name)
    }

    fn key(&mut self, key: &str, value: Value<'_>) -> Result<(), Self::Error> {
        ConfWriter::new(&mut self.text).key(key, value)
    }

    fn instance(&mut self, p: &Placed<'_>) -> Result<(), Self::Error> {
        let profile = self.device.profile();
        let gap = profile.tx_rx_gap();
        let a = p.assignment;
        assert!(a.bank < profile.banks, "{p:?} outside the device");
        let mut pairs = vec![(a.tx, a.rx)];
        if p.service == RingService::Crypto {
            pairs.push((a.tx_sym, a.rx_sym));
        }
        for (tx, rx) in pairs {
            assert!(
                tx < gap,
                "{p:?}: request ring {tx} is not in the request half"
            );
            assert_eq!(rx, tx + gap, "{p:?}: response ring is not request + gap");
            for ring in [tx, rx] {
                assert!(
                    self.rings.insert((a.bank, ring)),
                    "{p:?}: ring {ring} of bank {} used twice",
                    a.bank
                );
            }
        }
        self.instances += 1;
        Ok(())
    }
}

fn parse(bytes: &[u8]) -> Config<'_> {
    Config::parse(bytes, &mut |_: Diagnostic<'_>| {})
}

fn expected_derived(config: &Config<'_>, device: DeviceType) -> usize {
    config
        .sections()
        .filter(|s| s.kind(device.profile().driver()) == SectionKind::User)
        .map(|s| UserSection::of(&s).processes as usize)
        .sum()
}

#[test]
fn every_corpus_file_of_a_known_type_expands_without_ring_clashes() {
    let mut expanded = 0;
    for path in corpus_files() {
        let Some(device) = device_type_of(&path) else {
            continue;
        };
        if path.to_string_lossy().contains("cant_parse") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        let config = parse(&bytes);
        let mut checker = Checker::new(device);
        let summary = expand(&config, device, 0, &mut checker)
            .unwrap_or_else(|e| panic!("{} does not expand for {device}: {e:?}", path.display()));
        assert_eq!(summary.instances as usize, checker.instances);
        let derived = checker
            .sections
            .iter()
            .filter(|s| s.contains("_INT_"))
            .count();
        assert_eq!(
            derived,
            expected_derived(&config, device),
            "{}",
            path.display()
        );
        let unique: BTreeSet<&String> = checker.sections.iter().collect();
        assert_eq!(
            unique.len(),
            checker.sections.len(),
            "{}: a section twice",
            path.display()
        );
        // The output is itself a configuration qsal reads without a single finding.
        let (findings, sections) = reparse(checker.text.clone());
        assert!(findings.is_empty(), "{}: {findings:?}", path.display());
        assert_eq!(sections, checker.sections.len());
        expanded += 1;
    }
    assert!(expanded >= 40, "only {expanded} files expanded");
}

/// Parses an expansion with tables large enough for any device (on a thread with a big stack),
/// returning the diagnostic codes and the number of sections.
fn reparse(text: String) -> (Vec<String>, usize) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let mut findings = Vec::new();
            let config: Config<'_, 2048, 16384> =
                Config::parse(text.as_bytes(), &mut |d: Diagnostic<'_>| {
                    findings.push(d.code().to_string());
                });
            (findings, config.section_count())
        })
        .expect("spawn")
        .join()
        .expect("join")
}

fn device_set(prefix: &str) -> Vec<Vec<u8>> {
    (0..3)
        .filter_map(|i| {
            let path = corpus_files().into_iter().find(|p| {
                p.to_string_lossy()
                    .ends_with(&format!("{prefix}_c6xx_dev{i}.conf"))
            })?;
            Some(std::fs::read(path).expect("read"))
        })
        .collect()
}

fn all_findings(files: &[Vec<u8>]) -> Vec<(usize, String)> {
    let configs: Vec<Config<'_>> = files.iter().map(|f| parse(f)).collect();
    let contexts: Vec<Context> = (0..configs.len() as u32)
        .map(|accel_id| Context {
            device: Some(DeviceType::C6xx),
            accel_id,
        })
        .collect();
    let mut found = Vec::new();
    check_set(&configs, &contexts, |i, d: Diagnostic<'_>| {
        found.push((i, d.code().to_string()));
    });
    found
}

#[test]
fn kubernetes_all_is_good_set_is_clean_even_strictly() {
    let files = device_set("test_data_all_is_good");
    assert_eq!(files.len(), 3);
    assert_eq!(all_findings(&files), vec![]);
}

#[test]
fn kubernetes_inconsistent_limitdev_set_is_flagged() {
    let files = device_set("test_data_inconsistent_limitdev");
    assert_eq!(files.len(), 2);
    assert_eq!(all_findings(&files), vec![(1, "Q601".to_string())]);
}

#[test]
fn kubernetes_missing_pinned_section_is_flagged_against_a_good_device() {
    let good = std::fs::read(corpus_file("test_data_all_is_good_c6xx_dev0.conf")).expect("read");
    let missing = std::fs::read(corpus_file(
        "test_data_missing_pinned_section_c6xx_dev0.conf",
    ))
    .expect("read");
    assert_eq!(
        all_findings(&[good, missing]),
        vec![(1, "Q603".to_string())]
    );
}

fn snapshot(suffix: &str, device: DeviceType, accel_id: u32) -> String {
    let bytes = std::fs::read(corpus_file(suffix)).expect("read");
    let config = parse(&bytes);
    let mut checker = Checker::new(device);
    expand(&config, device, accel_id, &mut checker).expect("expands");
    checker.text
}

#[test]
fn snapshot_c6xx_driver_sample() {
    insta::assert_snapshot!(snapshot(
        "vyos-qat__quickassist_utilities_adf_ctl_conf_files_c6xx_dev0.conf",
        DeviceType::C6xx,
        0
    ));
}

#[test]
fn snapshot_c6xx_event_driven_multi_process() {
    insta::assert_snapshot!(snapshot(
        "c6xx_multi_process_event-driven_optimized_c6xx_dev0.conf",
        DeviceType::C6xx,
        1
    ));
}

#[test]
fn snapshot_4xxx_asym_sym_multi_process() {
    insta::assert_snapshot!(snapshot(
        "qat_hw_config_4xxx_multi_process_4xxx_dev0.conf",
        DeviceType::Qat4xxx,
        0
    ));
}

#[test]
fn snapshot_c4xxx_compression() {
    insta::assert_snapshot!(snapshot("c4xxx_dev0.conf.dc.conf", DeviceType::C4xxx, 0));
}

#[test]
fn snapshot_dh895xcc_kernel_qat() {
    insta::assert_snapshot!(snapshot(
        "dh895xcc_dev0.conf.km.conf",
        DeviceType::Dh895xcc,
        0
    ));
}

/// A random, valid configuration of one user section (and maybe a kernel section).
fn arbitrary_config() -> impl Strategy<Value = (DeviceType, String, u32, bool)> {
    let devices = prop::sample::select(vec![
        DeviceType::Dh895xcc,
        DeviceType::C6xx,
        DeviceType::C3xxx,
        DeviceType::C6xxVf,
        DeviceType::C4xxx,
        DeviceType::C4xxxVf,
        DeviceType::Qat4xxx,
        DeviceType::Qat4xxxVf,
    ]);
    (devices, 0usize..4, prop_oneof![3 => 1u32..24, 1 => 1u32..600], any::<bool>(), 0u32..5, 0u32..5, prop::collection::vec((1u8..3, 0u32..8, 1u32..4), 8), 0u32..3)
        .prop_map(|(device, services, processes, lda, cy, dc, instances, kernel)| {
            let gen4 = device.profile().tx_rx_gap() == 1;
            let (services, cy, dc) = match services {
                0 => (if gen4 { "asym;sym" } else { "cy" }, cy, 0),
                1 => ("dc", 0, dc),
                2 => (if gen4 { "asym;dc" } else { "cy;dc" }, cy, dc),
                _ => ("sym;dc", cy, dc),
            };
            let mut text = format!("[GENERAL]\nServicesEnabled = {services}\nConfigVersion = 2\n");
            text.push_str(&format!("[KERNEL]\nNumberCyInstances = {}\nNumberDcInstances = 0\n", kernel.min(cy)));
            for i in 0..kernel.min(cy) {
                text.push_str(&format!("Cy{i}Name = k{i}\nCy{i}IsPolled = 0\nCy{i}CoreAffinity = {i}\n"));
            }
            text.push_str(&format!(
                "[SSL]\nNumberCyInstances = {cy}\nNumberDcInstances = {dc}\nNumProcesses = {processes}\nLimitDevAccess = {}\n",
                u8::from(lda)
            ));
            for (family, count) in [("Cy", cy), ("Dc", dc)] {
                for i in 0..count {
                    let (polled, first, width) = instances[i as usize];
                    text.push_str(&format!(
                        "{family}{i}Name = \"{family}{i}\"\n{family}{i}IsPolled = {polled}\n{family}{i}CoreAffinity = {first}-{}\n",
                        first + width - 1
                    ));
                }
            }
            (device, text, processes, lda)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_sections_expand_or_report_capacity((device, text, processes, lda) in arbitrary_config(), accel_id in 0u32..4) {
        let config = parse(text.as_bytes());
        let mut errors = Vec::new();
        validate(&config, &Context { device: Some(device), accel_id }, &mut |d: Diagnostic<'_>| {
            if d.severity() == Severity::Error { errors.push(d.code()); }
        });
        prop_assert!(errors.is_empty(), "generator made an invalid file: {errors:?}\n{text}");
        let mut checker = Checker::new(device);
        match expand(&config, device, accel_id, &mut checker) {
            Ok(_) => {
                let derived: Vec<&String> = checker.sections.iter().filter(|s| s.contains("_INT_")).collect();
                prop_assert_eq!(derived.len() as u32, processes);
                let unique: HashSet<&&String> = derived.iter().collect();
                prop_assert_eq!(unique.len(), derived.len());
                let prefix = if lda { format!("SSL_DEV{accel_id}_INT_") } else { "SSL_INT_".to_string() };
                prop_assert!(derived.iter().all(|n| n.starts_with(&prefix)));
            }
            Err(WalkError::Expand(ExpandError::OutOfRings(_))) => {}
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}
