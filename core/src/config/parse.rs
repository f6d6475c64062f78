//! The line-oriented parser: the grammar of Intel's `adf_ctl`, made explicit.
//!
//! Rules (`reference/qat-semantics.md` §1.2), and where qsal is stricter than the reference:
//! * lines end at `\n`; a trailing `\r` is whitespace, a `\r` followed by more text is an error;
//! * leading spaces and tabs are ignored; a line starting with `#` is a comment, and `#` starts a
//!   comment anywhere, inside quotes too; `;` is not a comment;
//! * `[Name]` opens (or re-opens) a section; text after `]` is ignored with a warning; a header without
//!   `]` or with an empty name is an error, and the keys under it are skipped (the reference would add
//!   them to the previous section);
//! * `Key = Value` splits at the first `=`; whitespace inside keys and values is removed (warning);
//!   one pair of surrounding `"` is stripped; empty keys, empty values, lines without `=` and keys
//!   before any section are errors; the first of two equal keys wins (warning);
//! * names, keys and values must be shorter than 128 bytes, UTF-8, without control bytes.

use super::model::{Config, Entry, NONE, Section};
use super::text::{Text, fingerprint, is_blank};
use crate::diag::{DiagKind, Diagnostic, DiagnosticSink, Part, Span};
use crate::limits::{MAX_INPUT_LEN, MAX_STR_LEN};

/// Which section keys currently go to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Current {
    /// No header seen yet.
    Nothing,
    /// Keys go to this section.
    Section(u16),
    /// The last header was rejected; its keys are skipped without further findings.
    Skipping,
}

/// A byte range of the input, in offsets.
#[derive(Clone, Copy)]
pub(super) struct Range {
    pub(super) start: usize,
    pub(super) end: usize,
}

pub(super) struct Parser<'p, 'a, S, const SECTIONS: usize, const KEYS: usize> {
    config: &'p mut Config<'a, SECTIONS, KEYS>,
    sink: &'p mut S,
    current: Current,
    line: u32,
    line_start: usize,
    sections_full: bool,
    keys_full: bool,
}

impl<'p, 'a, S, const SECTIONS: usize, const KEYS: usize> Parser<'p, 'a, S, SECTIONS, KEYS>
where
    S: DiagnosticSink<'a>,
{
    pub(super) fn new(config: &'p mut Config<'a, SECTIONS, KEYS>, sink: &'p mut S) -> Self {
        Self {
            config,
            sink,
            current: Current::Nothing,
            line: 0,
            line_start: 0,
            sections_full: false,
            keys_full: false,
        }
    }

    pub(super) fn run(mut self) {
        let input = self.config.input;
        if input.len() > MAX_INPUT_LEN {
            self.report(DiagKind::InputTooLarge { len: input.len() }, Span::FILE);
            return;
        }
        let mut start = 0usize;
        while start <= input.len() {
            let (end, bare_cr) = line_end(input, start);
            self.line = self.line.saturating_add(1);
            self.line_start = start;
            self.line(Range { start, end }, bare_cr);
            start = end.saturating_add(1);
        }
    }

    fn bytes(&self, range: Range) -> &'a [u8] {
        self.config.input.get(range.start..range.end).unwrap_or(&[])
    }

    fn span(&self, range: Range) -> Span {
        let column = range
            .start
            .saturating_sub(self.line_start)
            .saturating_add(1);
        Span {
            offset: u32::try_from(range.start).unwrap_or(u32::MAX),
            len: u32::try_from(range.end.saturating_sub(range.start)).unwrap_or(u32::MAX),
            line: self.line,
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    fn trim(&self, range: Range) -> Range {
        trim_bytes(self.config.input, range)
    }

    fn unquote(&self, range: Range) -> Range {
        unquote_bytes(self.config.input, range)
    }

    fn report(&mut self, kind: DiagKind<'a>, span: Span) {
        self.sink.report(Diagnostic::new(kind, span));
    }

    fn line(&mut self, line: Range, bare_cr: Option<usize>) {
        let bytes = self.bytes(line);
        let lead = bytes
            .iter()
            .position(|&b| b != b' ' && b != b'\t')
            .unwrap_or(bytes.len());
        let content = Range {
            start: line.start.saturating_add(lead),
            end: line.end,
        };
        let Some(&first) = bytes.get(lead) else {
            return;
        };
        if let Some(at) = bare_cr {
            let span = self.span(Range {
                start: at,
                end: at.saturating_add(1),
            });
            self.report(DiagKind::BareCarriageReturn, span);
            return;
        }
        if first == b'#' || first == b'\r' {
            return;
        }
        let comment = memchr::memchr(b'#', self.bytes(content))
            .map_or(content.end, |p| content.start.saturating_add(p));
        let content = Range {
            start: content.start,
            end: comment,
        };
        if first == b'[' {
            self.header(content);
        } else {
            self.key_value(content);
        }
    }

    fn header(&mut self, content: Range) {
        let whole = self.trim(content);
        let inner = Range {
            start: content.start.saturating_add(1),
            end: content.end,
        };
        let Some(close) = memchr::memchr(b']', self.bytes(inner)) else {
            self.current = Current::Skipping;
            let span = self.span(whole);
            self.report(DiagKind::UnclosedHeader, span);
            return;
        };
        let close = inner.start.saturating_add(close);
        let name = self.trim(Range {
            start: inner.start,
            end: close,
        });
        let extra = self.trim(Range {
            start: close.saturating_add(1),
            end: content.end,
        });
        if name.start == name.end {
            self.current = Current::Skipping;
            let span = self.span(whole);
            self.report(DiagKind::EmptySectionName, span);
            return;
        }
        let Some(text) = self.text(name, Part::SectionName) else {
            self.current = Current::Skipping;
            return;
        };
        let span = self.span(name);
        let compact = text.compact();
        self.current = match self.config.find_section(&compact) {
            Some(index) => {
                let first_line = self
                    .config
                    .sections
                    .get(usize::from(index))
                    .map_or(0, |s| s.span.line);
                self.report(
                    DiagKind::SectionReopened {
                        section: text,
                        first_line,
                    },
                    span,
                );
                Current::Section(index)
            }
            None => self.push_section(text, span),
        };
        if extra.start != extra.end {
            let extra_text = core::str::from_utf8(self.bytes(extra)).unwrap_or("…");
            let extra_span = self.span(extra);
            self.report(
                DiagKind::TextAfterHeader {
                    section: text,
                    extra: extra_text,
                },
                extra_span,
            );
        }
    }

    fn push_section(&mut self, name: Text<'a>, span: Span) -> Current {
        let index = self.config.sections.len();
        let section = Section {
            name,
            span,
            first: NONE,
            last: NONE,
            len: 0,
        };
        match (u16::try_from(index), self.config.sections.push(section)) {
            (Ok(index), Ok(())) => Current::Section(index),
            _ => {
                if !self.sections_full {
                    self.sections_full = true;
                    self.report(DiagKind::TooManySections { capacity: SECTIONS }, span);
                }
                Current::Skipping
            }
        }
    }

    fn key_value(&mut self, content: Range) {
        let text = self.bytes(content);
        let Some(eq) = memchr::memchr(b'=', text) else {
            let whole = self.trim(content);
            let span = self.span(whole);
            if let Some(text) = self.text(whole, Part::Key) {
                self.report(DiagKind::MissingEquals { text }, span);
            }
            return;
        };
        let eq = content.start.saturating_add(eq);
        let key_range = self.trim(Range {
            start: content.start,
            end: eq,
        });
        let value_range = self.unquote(self.trim(Range {
            start: eq.saturating_add(1),
            end: content.end,
        }));
        let key_span = self.span(key_range);
        let section = match self.current {
            Current::Section(section) => section,
            Current::Skipping => return,
            Current::Nothing => {
                let key = Text::new(core::str::from_utf8(self.bytes(key_range)).unwrap_or("…"));
                self.report(DiagKind::KeyOutsideSection { key }, key_span);
                return;
            }
        };
        if key_range.start == key_range.end {
            let span = self.span(Range {
                start: eq,
                end: eq.saturating_add(1),
            });
            self.report(DiagKind::EmptyKey, span);
            return;
        }
        let Some(key) = self.text(key_range, Part::Key) else {
            return;
        };
        let value_span = self.span(value_range);
        let value = match self.text(value_range, Part::Value) {
            Some(value) if !value.is_empty() => value,
            Some(_) => {
                self.report(DiagKind::EmptyValue { key }, key_span);
                return;
            }
            None => return,
        };
        let compact_key = key.compact();
        let print = fingerprint(&compact_key, section);
        if let Some(first) = self.config.find_key(section, &compact_key, print) {
            let first_line = first.key_span.line;
            let section_name = self
                .config
                .sections
                .get(usize::from(section))
                .map_or(key, |s| s.name);
            self.report(
                DiagKind::DuplicateKey {
                    key,
                    section: section_name,
                    first_line,
                },
                key_span,
            );
            return;
        }
        self.push_entry(
            section,
            Entry {
                key,
                value,
                key_span,
                value_span,
                section,
                next: NONE,
            },
            print,
        );
    }

    fn push_entry(&mut self, section: u16, entry: Entry<'a>, print: u32) {
        let span = entry.key_span;
        let index = self.config.entries.len();
        let Ok(index) = u16::try_from(index) else {
            return;
        };
        // Both tables have the same capacity, so they fill up together.
        if self.config.entries.push(entry).is_err() || self.config.fingerprints.push(print).is_err()
        {
            if !self.keys_full {
                self.keys_full = true;
                self.report(DiagKind::TooManyKeys { capacity: KEYS }, span);
            }
            return;
        }
        let Some(owner) = self.config.sections.get_mut(usize::from(section)) else {
            return;
        };
        let previous = owner.last;
        owner.last = index;
        owner.len = owner.len.saturating_add(1);
        if previous == NONE {
            owner.first = index;
        } else if let Some(prev) = self.config.entries.get_mut(usize::from(previous)) {
            prev.next = index;
        }
    }

    /// Checks one name, key or value and wraps it as [`Text`]; reports and returns `None` when it
    /// cannot be used.
    fn text(&mut self, range: Range, part: Part) -> Option<Text<'a>> {
        let bytes = self.bytes(range);
        let mut spaced = false;
        let mut control = None;
        let plain = bytes.iter().all(|&b| b > b' ');
        for (at, &byte) in bytes.iter().enumerate().filter(|_| !plain) {
            if byte <= b' ' {
                if is_blank(byte) {
                    spaced = true;
                } else {
                    control = Some((at, byte));
                    break;
                }
            }
        }
        if let Some((at, byte)) = control {
            let start = range.start.saturating_add(at);
            let span = self.span(Range {
                start,
                end: start.saturating_add(1),
            });
            self.report(DiagKind::ControlCharacter { part, byte }, span);
            return None;
        }
        let span = self.span(range);
        let Ok(raw) = core::str::from_utf8(bytes) else {
            self.report(DiagKind::InvalidUtf8 { part }, span);
            return None;
        };
        let text = Text::with_spacing(raw, spaced);
        let len = text.len();
        if len >= MAX_STR_LEN {
            self.report(DiagKind::TooLong { part, len }, span);
            return None;
        }
        if spaced && len > 0 {
            self.report(DiagKind::InnerWhitespace { part, text }, span);
        }
        Some(text)
    }
}

/// Finds the end of the line starting at `start` (the offset of its `\n`, or the input length),
/// and the offset of a `\r` that is followed by more text on the same line, if any.
fn line_end(input: &[u8], start: usize) -> (usize, Option<usize>) {
    let rest = input.get(start..).unwrap_or_default();
    let Some(found) = memchr::memchr2(b'\n', b'\r', rest) else {
        return (input.len(), None);
    };
    let at = start.saturating_add(found);
    if input.get(at) == Some(&b'\n') {
        return (at, None);
    }
    // A carriage return: the line ends at the next `\n`; only whitespace may follow the `\r`.
    let tail = input.get(at..).unwrap_or_default();
    let end = memchr::memchr(b'\n', tail).map_or(input.len(), |p| at.saturating_add(p));
    let after_cr = input.get(at..end).unwrap_or_default();
    let bare = (!after_cr.iter().all(|&b| is_blank(b))).then_some(at);
    (end, bare)
}

/// Shrinks a range to exclude leading and trailing whitespace.
pub(super) fn trim_bytes(input: &[u8], range: Range) -> Range {
    let bytes = input.get(range.start..range.end).unwrap_or(&[]);
    let lead = bytes
        .iter()
        .position(|&b| !is_blank(b))
        .unwrap_or(bytes.len());
    let trail = bytes.iter().rev().position(|&b| !is_blank(b)).unwrap_or(0);
    let start = range.start.saturating_add(lead);
    let end = range.end.saturating_sub(trail).max(start);
    Range { start, end }
}

/// Removes one pair of surrounding double quotes (a lone `"` becomes empty, as in the reference).
pub(super) fn unquote_bytes(input: &[u8], range: Range) -> Range {
    let bytes = input.get(range.start..range.end).unwrap_or(&[]);
    if bytes.first() == Some(&b'"') && bytes.last() == Some(&b'"') {
        if bytes.len() == 1 {
            return Range {
                start: range.end,
                end: range.end,
            };
        }
        return Range {
            start: range.start.saturating_add(1),
            end: range.end.saturating_sub(1),
        };
    }
    range
}
