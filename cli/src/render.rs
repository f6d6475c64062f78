//! Printing diagnostics: rustc-style text (via annotate-snippets) and JSON Lines.

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use qsal_core::{Diagnostic, Severity};
use serde::Serialize;

use crate::input::SourceFile;

/// Lines longer than this are shown as a window around the span.
const MAX_SHOWN_LINE: usize = 240;

/// The most diagnostics shown per file; a binary file would otherwise print one per line.
pub const MAX_SHOWN: usize = 100;

/// A diagnostic with the severity it has after `--strict`.
pub struct Finding<'a> {
    /// The diagnostic.
    pub diagnostic: Diagnostic<'a>,
    /// Its severity as reported (warnings become errors under `--strict`).
    pub severity: Severity,
}

impl<'a> Finding<'a> {
    /// Wraps a diagnostic, escalating warnings when `strict`.
    pub fn new(diagnostic: Diagnostic<'a>, strict: bool) -> Self {
        let severity = if strict {
            Severity::Error
        } else {
            diagnostic.severity()
        };
        Self {
            diagnostic,
            severity,
        }
    }
}

/// Renders findings of one file as rustc-style text.
pub fn text(file: &SourceFile, findings: &[Finding<'_>], color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let path = file.name();
    let mut out = String::new();
    for finding in findings.iter().take(MAX_SHOWN) {
        let d = &finding.diagnostic;
        let message = d.message().to_string();
        let help = d.help().to_string();
        let level = match finding.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let (line, range) = source_line(&file.display, d);
        let snippet = Snippet::source(line)
            .line_start(d.span.line as usize)
            .path(path.as_str())
            .fold(false)
            .annotation(AnnotationKind::Primary.span(range));
        let report = &[level
            .primary_title(message)
            .id(d.code().as_str())
            .element(snippet)
            .element(Level::HELP.message(help))];
        out.push_str(&renderer.render(report));
        out.push_str("\n\n");
    }
    if let Some(more) = findings.len().checked_sub(MAX_SHOWN).filter(|n| *n > 0) {
        out.push_str(&format!(
            "… and {} more in {path} (only the first {MAX_SHOWN} are shown: fix those first, or check that this is a QAT configuration file)\n\n",
            plural(more, "diagnostic")
        ));
    }
    out
}

/// The text of the line a diagnostic points at, and the span's byte range within it.
fn source_line<'s>(text: &'s str, d: &Diagnostic<'_>) -> (&'s str, std::ops::Range<usize>) {
    let offset = (d.span.offset as usize).min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |p| p + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |p| offset + p);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let start = (offset - line_start).min(line.len());
    let end = (start + d.span.len as usize).min(line.len());
    if line.len() <= MAX_SHOWN_LINE {
        return (line, start..end.max(start));
    }
    // Show a window around the span, on character boundaries.
    let mut from = start.saturating_sub(MAX_SHOWN_LINE / 2);
    while !line.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (from + MAX_SHOWN_LINE).min(line.len());
    while !line.is_char_boundary(to) {
        to -= 1;
    }
    let end = end.min(to);
    (&line[from..to], (start - from)..(end.max(start) - from))
}

#[derive(Serialize)]
struct JsonFile<'f> {
    file: &'f str,
    diagnostics: Vec<JsonDiagnostic>,
    /// Diagnostics beyond the first [`MAX_SHOWN`], not listed (absent when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    more: Option<usize>,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    severity: &'static str,
    code: &'static str,
    line: u32,
    column: u32,
    message: String,
    help: String,
}

/// Renders findings of one file as one JSON object on one line.
pub fn json_line(file: &SourceFile, findings: &[Finding<'_>]) -> String {
    let name = file.name();
    let object = JsonFile {
        file: &name,
        more: findings.len().checked_sub(MAX_SHOWN).filter(|n| *n > 0),
        diagnostics: findings
            .iter()
            .take(MAX_SHOWN)
            .map(|f| JsonDiagnostic {
                severity: f.severity.as_str(),
                code: f.diagnostic.code().as_str(),
                line: f.diagnostic.span.line,
                column: f.diagnostic.span.column,
                message: f.diagnostic.message().to_string(),
                help: f.diagnostic.help().to_string(),
            })
            .collect(),
    };
    serde_json::to_string(&object).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// `N errors, M warnings` with correct plurals.
pub fn counts(findings: &[Finding<'_>]) -> (usize, usize) {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    (errors, findings.len() - errors)
}

/// `1 error` / `2 errors`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
