//! Corpus conformance: every real configuration file of `shared/corpus/configs` parses, and every
//! file of a supported device type validates with zero errors for that type.

use qsal_core::validate::{Context, validate};
use qsal_core::{Config, Diagnostic, Severity};
use qsal_tests::{corpus_file, corpus_files, device_type_of};

fn diagnostics(bytes: &[u8], context: &Context) -> Vec<(String, Severity, u32, String)> {
    let mut found = Vec::new();
    let mut keep = |d: Diagnostic<'_>| {
        found.push((
            d.code().to_string(),
            d.severity(),
            d.span.line,
            d.message().to_string(),
        ));
    };
    let config: Config<'_> = Config::parse(bytes, &mut keep);
    validate(&config, context, &mut keep);
    found
}

#[test]
fn every_file_parses_without_grammar_errors() {
    for path in corpus_files() {
        let bytes = std::fs::read(&path).expect("read corpus file");
        let mut grammar_errors = Vec::new();
        let config: Config<'_> = Config::parse(&bytes, &mut |d: Diagnostic<'_>| {
            if d.severity() == Severity::Error {
                grammar_errors.push((d.code().as_str(), d.span.line));
            }
        });
        assert!(
            grammar_errors.is_empty(),
            "{}: {grammar_errors:?}",
            path.display()
        );
        assert!(
            config.section_count() > 0,
            "{} has no section",
            path.display()
        );
    }
}

#[test]
fn every_file_of_a_known_device_type_checks_clean() {
    let mut checked = 0;
    for path in corpus_files() {
        let Some(device) = device_type_of(&path) else {
            continue;
        };
        if path.to_string_lossy().contains("cant_parse_num_processes") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read corpus file");
        let context = Context {
            device: Some(device),
            accel_id: 0,
        };
        let errors: Vec<_> = diagnostics(&bytes, &context)
            .into_iter()
            .filter(|d| d.1 == Severity::Error)
            .collect();
        assert!(
            errors.is_empty(),
            "{} as {device}: {errors:?}",
            path.display()
        );
        checked += 1;
    }
    // 51 files minus the legacy ones (c2xxx, dh89xxcc), the templates without a type in their name,
    // the vQAT file and the negative fixture.
    assert!(
        checked >= 40,
        "only {checked} corpus files had a known device type"
    );
}

#[test]
fn unparsable_num_processes_fixture_is_rejected_with_positions() {
    let path = corpus_file("test_data_cant_parse_num_processes_c6xx_dev0.conf");
    let bytes = std::fs::read(&path).expect("read fixture");
    let context = Context {
        device: device_type_of(&path),
        accel_id: 0,
    };
    let found = diagnostics(&bytes, &context);
    let errors: Vec<(&str, u32)> = found
        .iter()
        .filter(|d| d.1 == Severity::Error)
        .map(|d| (d.0.as_str(), d.2))
        .collect();
    assert_eq!(errors, vec![("Q201", 1), ("Q301", 4)], "{found:?}");
    assert!(found.iter().any(|d| d.3.contains("thisiserror")));
}

#[test]
fn legacy_files_are_reported_not_accepted() {
    // QAT 1.5/1.6 spelled services `cy0;cy1`; QAT 1.7 and later reject it.
    let path = corpus_file("c2xxx_multi_thread_optimized_c2xxx_qa_dev0.conf");
    let bytes = std::fs::read(&path).expect("read legacy file");
    let codes: Vec<String> = diagnostics(&bytes, &Context::default())
        .into_iter()
        .map(|d| d.0)
        .collect();
    assert_eq!(codes, vec!["Q205".to_string()]);
}
