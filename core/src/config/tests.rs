//! Table-driven tests of the grammar: one case per rule of `../shared/reference/qat-semantics.md` §1.2 and per
//! row of the input table of SPEC §2.

use super::*;
use crate::diag::{Diagnostic, Severity};

/// Parses `input` and returns the config plus `(code, line, column)` of every diagnostic.
fn parse(input: &str) -> (Config<'_>, Vec<(&'static str, u32, u32)>) {
    let mut found = Vec::new();
    let config = Config::parse(input.as_bytes(), &mut |d: Diagnostic<'_>| {
        found.push((d.code().as_str(), d.span.line, d.span.column));
    });
    (config, found)
}

fn value<'a>(config: &Config<'a>, section: &str, key: &str) -> Option<String> {
    config
        .section(section)
        .and_then(|s| s.value(key))
        .map(|v| v.compact().to_string())
}

/// Each case: input, expected diagnostics, and a (section, key, expected value) probe.
struct Case {
    name: &'static str,
    input: &'static str,
    diagnostics: &'static [(&'static str, u32, u32)],
    probe: Option<(&'static str, &'static str, Option<&'static str>)>,
}

const CASES: &[Case] = &[
    Case {
        name: "plain key and value",
        input: "[S]\nKey = Value\n",
        diagnostics: &[],
        probe: Some(("S", "Key", Some("Value"))),
    },
    Case {
        name: "CRLF line ends",
        input: "[S]\r\nKey = Value\r\n\r\n",
        diagnostics: &[],
        probe: Some(("S", "Key", Some("Value"))),
    },
    Case {
        name: "leading spaces and tabs are ignored",
        input: "  \t[S]\n \tKey=V\n",
        diagnostics: &[],
        probe: Some(("S", "Key", Some("V"))),
    },
    Case {
        name: "hash starts a comment anywhere, inside quotes too",
        input: "[S] # header comment\nName = \"SSL#0\"\n",
        diagnostics: &[],
        probe: Some(("S", "Name", Some("\"SSL"))),
    },
    Case {
        name: "semicolon is not a comment",
        input: "[GENERAL]\nServicesEnabled = cy;dc\n",
        diagnostics: &[],
        probe: Some(("GENERAL", "ServicesEnabled", Some("cy;dc"))),
    },
    Case {
        name: "one pair of quotes is stripped",
        input: "[S]\nA = \"SSL0\"\nB = \"\"x\"\"\nC = \"x\n",
        diagnostics: &[],
        probe: Some(("S", "B", Some("\"x\""))),
    },
    Case {
        name: "split at the first equals sign",
        input: "[S]\nA = b=c\n",
        diagnostics: &[],
        probe: Some(("S", "A", Some("b=c"))),
    },
    Case {
        name: "inner whitespace is removed, with a warning",
        input: "[S]\nCy0Name = \"My SSL\"\n",
        diagnostics: &[("Q108", 2, 12)],
        probe: Some(("S", "Cy0Name", Some("MySSL"))),
    },
    Case {
        name: "inner whitespace in a key",
        input: "[S]\nCy0 Name = x\n",
        diagnostics: &[("Q108", 2, 1)],
        probe: Some(("S", "Cy0Name", Some("x"))),
    },
    Case {
        name: "key before any section is an error",
        input: "Key = Value\n[S]\n",
        diagnostics: &[("Q101", 1, 1)],
        probe: Some(("S", "Key", None)),
    },
    Case {
        name: "header without closing bracket is an error and its keys are skipped",
        input: "[A]\nX = 1\n[SSL\nY = 2\n[B]\nZ = 3\n",
        diagnostics: &[("Q102", 3, 1)],
        probe: Some(("A", "Y", None)),
    },
    Case {
        name: "empty header is an error",
        input: "[]\nY = 2\n",
        diagnostics: &[("Q103", 1, 1)],
        probe: None,
    },
    Case {
        name: "text after the closing bracket is ignored with a warning",
        input: "[SSL] NumProcesses = 2\n",
        diagnostics: &[("Q104", 1, 7)],
        probe: Some(("SSL", "NumProcesses", None)),
    },
    Case {
        name: "line without equals is an error",
        input: "[S]\nfoo\n",
        diagnostics: &[("Q105", 2, 1)],
        probe: Some(("S", "foo", None)),
    },
    Case {
        name: "empty key is an error",
        input: "[S]\n = v\n",
        diagnostics: &[("Q106", 2, 2)],
        probe: None,
    },
    Case {
        name: "empty value is an error",
        input: "[S]\nkey =\nq = \"\"\nr = \"\n",
        diagnostics: &[("Q107", 2, 1), ("Q107", 3, 1), ("Q107", 4, 1)],
        probe: Some(("S", "key", None)),
    },
    Case {
        name: "value that is only a comment is empty",
        input: "[S]\nkey = # nothing\n",
        diagnostics: &[("Q107", 2, 1)],
        probe: None,
    },
    Case {
        name: "first duplicate key wins, later one warned",
        input: "[S]\nA = 1\nA = 2\n",
        diagnostics: &[("Q109", 3, 1)],
        probe: Some(("S", "A", Some("1"))),
    },
    Case {
        name: "names and keys are case-sensitive",
        input: "[S]\nA = 1\na = 2\n[s]\nA = 3\n",
        diagnostics: &[],
        probe: Some(("s", "A", Some("3"))),
    },
    Case {
        name: "repeated header re-opens and merges",
        input: "[S]\nA = 1\n[T]\n[S]\nB = 2\n",
        diagnostics: &[("Q115", 4, 2)],
        probe: Some(("S", "B", Some("2"))),
    },
    Case {
        name: "a carriage return inside a line is removed, so an old Mac file is one line",
        input: "[GENERAL]\rConfigVersion = 2\r",
        diagnostics: &[("Q111", 1, 10), ("Q104", 1, 11)],
        probe: None,
    },
    Case {
        name: "lines starting with a carriage return are ignored",
        input: "[S]\n\r\nA = 1\n",
        diagnostics: &[],
        probe: Some(("S", "A", Some("1"))),
    },
    Case {
        name: "control byte is an error",
        input: "[S]\nA = x\u{0}y\n",
        diagnostics: &[("Q116", 2, 6)],
        probe: Some(("S", "A", None)),
    },
];

#[test]
fn a_key_written_with_blanks_is_found_by_its_compacted_name_only() {
    // The key as the kernel reads it is `Cy0Name`; asking for it with the blank finds nothing,
    // as a scan of the section's text would not, and a duplicate written either way is caught.
    let (config, found) = parse("[S]\nCy0 Name = x\nCy0Name = y\nOther = z\n");
    assert_eq!(value(&config, "S", "Cy0Name").as_deref(), Some("x"));
    assert_eq!(value(&config, "S", "Cy0 Name"), None);
    assert_eq!(value(&config, "S", "Other").as_deref(), Some("z"));
    assert!(
        found
            .iter()
            .any(|(code, line, _)| *code == "Q109" && *line == 3),
        "{found:?}"
    );
}

#[test]
fn grammar_table() {
    for case in CASES {
        let (config, found) = parse(case.input);
        assert_eq!(
            found, case.diagnostics,
            "diagnostics of case `{}`",
            case.name
        );
        if let Some((section, key, expected)) = case.probe {
            assert_eq!(
                value(&config, section, key).as_deref(),
                expected,
                "value of case `{}`",
                case.name
            );
        }
    }
}

#[test]
fn length_limits_are_127_bytes() {
    let ok = format!(
        "[{}]\n{} = {}\n",
        "S".repeat(127),
        "K".repeat(127),
        "V".repeat(127)
    );
    assert_eq!(parse(&ok).1, vec![]);
    let name = format!("[{}]\nA = 1\n", "S".repeat(128));
    assert_eq!(parse(&name).1, vec![("Q110", 1, 2)]);
    let key = format!("[S]\n{} = 1\n", "K".repeat(128));
    assert_eq!(parse(&key).1, vec![("Q110", 2, 1)]);
    let value = format!("[S]\nA = {}\n", "V".repeat(128));
    assert_eq!(parse(&value).1, vec![("Q110", 2, 5)]);
    // Quotes are not counted, inner spaces are (they are removed first).
    let quoted = format!("[S]\nA = \"{}\"\n", "V".repeat(127));
    assert_eq!(parse(&quoted).1, vec![]);
}

#[test]
fn non_utf8_in_a_value_is_an_error_but_comments_may_hold_anything() {
    let input = b"# caf\xe9\n[S]\nA = caf\xe9\nB = 1\n";
    let mut found = Vec::new();
    let config: Config<'_> = Config::parse(input, &mut |d: Diagnostic<'_>| {
        found.push((d.code().as_str(), d.span.line));
    });
    assert_eq!(found, vec![("Q117", 3)]);
    assert!(config.section("S").and_then(|s| s.value("B")).is_some());
}

#[test]
fn capacity_overflow_is_reported_once_not_panicked() {
    let mut input = String::new();
    for i in 0..10 {
        input.push_str(&format!("[S{i}]\nA = 1\nB = 2\n"));
    }
    let mut found = Vec::new();
    let config: Config<'_, 4, 6> = Config::parse(input.as_bytes(), &mut |d: Diagnostic<'_>| {
        found.push(d.code().as_str());
    });
    assert_eq!(found, vec!["Q113", "Q112"]);
    assert_eq!(config.section_count(), 4);
    assert_eq!(config.key_count(), 6);
}

#[test]
fn spans_point_at_key_and_value() {
    let input = "[S]\n  Key =  \"val\"\n";
    let config: Config<'_> = Config::parse(input.as_bytes(), &mut |_: Diagnostic<'_>| {});
    let entry = config
        .section("S")
        .and_then(|s| s.get("Key"))
        .expect("entry");
    assert_eq!((entry.key_span.line, entry.key_span.column), (2, 3));
    assert_eq!((entry.value_span.line, entry.value_span.column), (2, 11));
    assert_eq!(entry.value_span.len, 3);
    let section = config.section("S").expect("section");
    assert_eq!((section.span().line, section.span().column), (1, 2));
}

#[test]
fn every_message_names_cause_and_fix() {
    let input = "x=1\n[S\n[]\n[T] junk\nfoo\n=v\nk=\n[U]\nA=\"a b\"\nA=2\n";
    let mut seen = Vec::new();
    let _: Config<'_> = Config::parse(input.as_bytes(), &mut |d: Diagnostic<'_>| {
        let message = d.message().to_string();
        let help = d.help().to_string();
        assert!(!message.is_empty() && !help.is_empty(), "{}", d.code());
        assert_ne!(message, help);
        seen.push((d.code().as_str(), d.severity()));
    });
    assert!(seen.contains(&("Q101", Severity::Error)));
    assert!(seen.contains(&("Q108", Severity::Warning)));
    assert_eq!(seen.len(), 9, "{seen:?}");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let mut counter = crate::diag::Counter::default();
            let config: Config<'_, 8, 32> = Config::parse(&bytes, &mut counter);
            prop_assert!(config.section_count() <= 8);
            prop_assert!(config.key_count() <= 32);
        }

        #[test]
        fn config_like_text_never_panics(
            lines in proptest::collection::vec(
                prop_oneof![
                    "\\[[A-Za-z_ \\]\\[#\"]{0,8}\\]?[ a-z#]{0,4}",
                    "[ \t]{0,2}[A-Za-z0-9 ]{0,10}=[ \"A-Za-z0-9;,#\\-\r\0]{0,12}",
                    "[#\r\n\t =\"]{0,6}",
                ],
                0..40,
            ),
            sep in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        ) {
            let text = lines.join(sep);
            let mut diagnostics = Vec::new();
            let config: Config<'_, 8, 64> =
                Config::parse(text.as_bytes(), &mut |d| diagnostics.push(d));
            for d in &diagnostics {
                prop_assert!(d.span.line >= 1);
                prop_assert!((d.span.offset as usize) <= text.len());
                let _ = (d.message().to_string(), d.help().to_string());
            }
            for section in config.sections() {
                for entry in section.entries() {
                    prop_assert!(!entry.key.is_empty() && !entry.value.is_empty());
                    prop_assert!(entry.value.len() < 128);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// The duplicate search (section's first key on, fingerprint filter) against a naive
        /// model: the first `key = value` of a (section, key) wins, later ones are reported.
        #[test]
        fn keys_and_duplicates_match_a_naive_model(
            lines in proptest::collection::vec((0usize..3, 0usize..40, 0u8..3, any::<bool>()), 1..200),
        ) {
            let mut text = String::new();
            let mut model: Vec<(usize, String, String)> = Vec::new();
            let mut duplicates = 0usize;
            let mut current = None;
            for (i, (section, key, spaces, header)) in lines.iter().enumerate() {
                if *header || current.is_none() {
                    text.push_str(&format!("[S{section}]\n"));
                    current = Some(*section);
                }
                let section = current.unwrap_or(0);
                let name = format!("Key{key}");
                let spaced: String = name
                    .chars()
                    .enumerate()
                    .map(|(at, c)| if at == 1 && *spaces == 1 { format!(" {c}") } else { c.to_string() })
                    .collect();
                text.push_str(&format!("{spaced} = v{i}\n"));
                if model.iter().any(|(s, k, _)| *s == section && *k == name) {
                    duplicates += 1;
                } else {
                    model.push((section, name, format!("v{i}")));
                }
            }
            let mut found = 0usize;
            let config: Config<'_> = Config::parse(text.as_bytes(), &mut |d: Diagnostic<'_>| {
                if matches!(d.kind, crate::diag::DiagKind::DuplicateKey { .. }) {
                    found += 1;
                }
            });
            prop_assert_eq!(found, duplicates);
            for section in 0..3 {
                for key in 0..40 {
                    let name = format!("Key{key}");
                    let expected = model
                        .iter()
                        .find(|(s, k, _)| *s == section && *k == name)
                        .map(|(_, _, v)| v.clone());
                    let got = config
                        .section(&format!("S{section}"))
                        .and_then(|s| s.value(&name))
                        .map(|v| v.compact().to_string());
                    prop_assert_eq!(got, expected);
                }
            }
        }
    }

    #[test]
    fn one_megabyte_line_terminates() {
        let mut big = b"[S]\nA = ".to_vec();
        big.extend(std::iter::repeat_n(b'x', 1 << 20));
        big.extend_from_slice(b"\n\r\r\r");
        big.extend(std::iter::repeat_n(b'\r', 1 << 20));
        let mut codes = Vec::new();
        let _: Config<'_> =
            Config::parse(&big, &mut |d: Diagnostic<'_>| codes.push(d.code().as_str()));
        assert_eq!(codes, vec!["Q110"]);
    }
}

/// Parsing in place replaces everything the configuration held: the result is the same as a fresh
/// parse, whatever was parsed before (a firmware reuses one configuration).
#[test]
fn parse_in_place_replaces_the_previous_configuration() {
    let first = "[GENERAL]\nServicesEnabled = cy\n[SSL]\nNumProcesses = 4\nLimitDevAccess = 1\n";
    let second = "[OTHER]\nKey = value\n";
    let mut config: Config<'_> = Config::empty();
    assert_eq!(config.section_count(), 0);
    config.parse_in_place(first.as_bytes(), &mut |_: Diagnostic<'_>| {});
    assert_eq!((config.section_count(), config.key_count()), (2, 3));
    config.parse_in_place(second.as_bytes(), &mut |_: Diagnostic<'_>| {});
    let (fresh, _) = parse(second);
    assert_eq!((config.section_count(), config.key_count()), (1, 1));
    assert!(config.section("SSL").is_none());
    assert_eq!(
        value(&config, "OTHER", "Key"),
        value(&fresh, "OTHER", "Key")
    );
    assert_eq!(config.input(), second.as_bytes());
}
