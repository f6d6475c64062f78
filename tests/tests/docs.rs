//! The documentation stays in step with the code: every diagnostic code the core can emit is
//! documented in `docs/diagnostics.md`, and the README starts with the two set-up commands.

use std::path::Path;

use qsal_core::diag::DiagKind;

fn repo_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("read {}: {e}", full.display()))
}

#[test]
fn every_diagnostic_code_is_documented_and_nothing_else() {
    let docs = repo_file("docs/diagnostics.md");
    for code in DiagKind::CODES {
        assert!(
            docs.contains(&format!("| {code} |")),
            "{code} is not in docs/diagnostics.md"
        );
    }
    let documented = docs
        .lines()
        .filter_map(|l| l.strip_prefix("| Q"))
        .filter_map(|l| l.get(..3))
        .map(|n| format!("Q{n}"));
    for code in documented {
        assert!(
            DiagKind::CODES.contains(&code.as_str()),
            "docs/diagnostics.md documents {code}, which no diagnostic has"
        );
    }
}

#[test]
fn readme_starts_with_the_two_commands() {
    let readme = repo_file("README.md");
    let block: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("```"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert_eq!(block.len(), 2, "{block:?}");
    assert_eq!(block[0], "cargo run --release --bin qsal -- demo");
    assert_eq!(block[1], "cargo test --workspace");
    let ci = repo_file(".ci/run");
    assert!(
        ci.contains("\ncargo test --workspace\n"),
        ".ci/run must run the README test command"
    );
}
