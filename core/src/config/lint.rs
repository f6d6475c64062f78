//! [`lint`]: the grammar findings of a text, line by line, without building tables — for texts too
//! large for a [`Config`](super::Config), such as an expanded configuration with hundreds of derived
//! sections. It reports what the parser reports, except what needs the tables (repeated keys and
//! sections, capacity).

use super::lex::{self, Line};
use super::parse::{Source, check_text, span_in_line};
use crate::diag::{DiagKind, Diagnostic, DiagnosticSink, Part};

/// Reports every grammar finding of `text` to `sink`.
pub fn lint<'a>(text: &'a [u8], sink: &mut impl DiagnosticSink<'a>) {
    let source = Source::new(text);
    let mut in_section = false;
    let mut skipping = false;
    for ((range, stray_cr), number) in lex::lines(text).zip(1u32..) {
        let span = |r| span_in_line(r, number, range.start);
        if let Some(at) = stray_cr {
            sink.report(Diagnostic::new(
                DiagKind::BareCarriageReturn,
                span(lex::Range {
                    start: at,
                    end: at.saturating_add(1),
                }),
            ));
        }
        match lex::lex(text, range) {
            Line::Skip => {}
            Line::Header { whole, name, extra } => {
                let name = match name {
                    None => {
                        sink.report(Diagnostic::new(DiagKind::UnclosedHeader, span(whole)));
                        skipping = true;
                        continue;
                    }
                    Some(name) if name.is_empty() => {
                        sink.report(Diagnostic::new(DiagKind::EmptySectionName, span(whole)));
                        skipping = true;
                        continue;
                    }
                    Some(name) => name,
                };
                skipping = check_text(source, name, Part::SectionName, span, sink).is_none();
                in_section = true;
                if !extra.is_empty()
                    && let (Ok(section), Ok(extra_text)) = (
                        core::str::from_utf8(name.of(text)),
                        core::str::from_utf8(extra.of(text)),
                    )
                {
                    sink.report(Diagnostic::new(
                        DiagKind::TextAfterHeader {
                            section: super::Text::new(section),
                            extra: extra_text,
                        },
                        span(extra),
                    ));
                }
            }
            Line::KeyValue { key, eq, value } => {
                if skipping {
                    continue;
                }
                if !in_section {
                    let key = super::Text::new(core::str::from_utf8(key.of(text)).unwrap_or("…"));
                    sink.report(Diagnostic::new(
                        DiagKind::KeyOutsideSection { key },
                        span(lex::Range { start: eq, end: eq }),
                    ));
                    continue;
                }
                if key.is_empty() {
                    sink.report(Diagnostic::new(
                        DiagKind::EmptyKey,
                        span(lex::Range {
                            start: eq,
                            end: eq.saturating_add(1),
                        }),
                    ));
                    continue;
                }
                let Some(key_text) = check_text(source, key, Part::Key, span, sink) else {
                    continue;
                };
                match check_text(source, value, Part::Value, span, sink) {
                    Some(v) if v.is_empty() => sink.report(Diagnostic::new(
                        DiagKind::EmptyValue { key: key_text },
                        span(key),
                    )),
                    _ => {}
                }
            }
            Line::NoEquals { text: line } => {
                if let Some(t) = check_text(source, line, Part::Key, span, sink) {
                    sink.report(Diagnostic::new(
                        DiagKind::MissingEquals { text: t },
                        span(line),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(&'static str, u32)> {
        let mut found = Vec::new();
        lint(text.as_bytes(), &mut |d: Diagnostic<'_>| {
            found.push((d.code().as_str(), d.span.line));
        });
        found
    }

    #[test]
    fn finds_what_the_parser_finds_line_by_line() {
        assert_eq!(codes("[A]\nk = v\n"), vec![]);
        assert_eq!(codes("k = v\n[A]\n"), vec![("Q101", 1)]);
        assert_eq!(codes("[A\nk = v\n[B]\nx\n"), vec![("Q102", 1), ("Q105", 4)]);
        assert_eq!(codes("[A]\nk =\n"), vec![("Q107", 2)]);
        assert_eq!(codes("[A]\nk = a b\n"), vec![("Q108", 2)]);
    }
}
