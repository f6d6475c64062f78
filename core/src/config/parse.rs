//! The line-oriented parser: the grammar of Intel's `adf_ctl`, made explicit.
//!
//! Lines are split by [`super::lex`], the one reader of the grammar; this file turns them into
//! tables and diagnostics. Where qsal is stricter than the reference (SPEC §2, each a trap):
//! * a header without `]` or with an empty name is an error, and the keys under it are skipped (the
//!   reference would add them to the previous section);
//! * empty values, lines without `=` and keys before any section are errors;
//! * names, keys and values must be shorter than 128 bytes and UTF-8; a control byte is an error in
//!   a name or key, and in a value only when it is NUL (where a C string would end).
//!
//! Everything else the reference accepts is read as the reference reads it, with a warning where it
//! is surprising: text after `]`, inner whitespace (removed), `= value` with no key (skipped), a
//! `\r` inside a line (removed), a repeated key (the first wins), a re-opened section (merged).

use super::lex::{self, Line, Range};
use super::model::{Config, Entry, NONE, Section};
use super::text::{Text, any_space_or_control, fingerprint, is_blank};
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

/// The input, with its UTF-8 reading when the whole of it is valid UTF-8 (checked once, so each
/// name, key and value is then a sub-slice instead of a validation of its own).
#[derive(Clone, Copy)]
pub(super) struct Source<'a> {
    bytes: &'a [u8],
    utf8: Option<&'a str>,
}

impl<'a> Source<'a> {
    /// `bytes`, validated as UTF-8 once.
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            utf8: core::str::from_utf8(bytes).ok(),
        }
    }

    /// The text of `range`, if it is UTF-8.
    fn str(&self, range: Range) -> Option<&'a str> {
        match self.utf8 {
            Some(all) => all.get(range.start..range.end),
            None => core::str::from_utf8(range.of(self.bytes)).ok(),
        }
    }
}

pub(super) struct Parser<'p, 'a, S, const SECTIONS: usize, const KEYS: usize> {
    config: &'p mut Config<'a, SECTIONS, KEYS>,
    source: Source<'a>,
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
            source: Source::new(config.input),
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
        for (line, stray_cr) in lex::lines(input) {
            self.line = self.line.saturating_add(1);
            self.line_start = line.start;
            if let Some(at) = stray_cr {
                let span = self.span(Range {
                    start: at,
                    end: at.saturating_add(1),
                });
                self.report(DiagKind::BareCarriageReturn, span);
            }
            match lex::lex(input, line) {
                Line::Skip => {}
                Line::Header { whole, name, extra } => self.header(whole, name, extra),
                Line::KeyValue { key, eq, value } => self.key_value(key, eq, value),
                Line::NoEquals { text } => {
                    let span = self.span(text);
                    if let Some(text) = self.text(text, Part::Key) {
                        self.report(DiagKind::MissingEquals { text }, span);
                    }
                }
            }
        }
    }

    fn bytes(&self, range: Range) -> &'a [u8] {
        range.of(self.config.input)
    }

    fn span(&self, range: Range) -> Span {
        span_in_line(range, self.line, self.line_start)
    }

    fn report(&mut self, kind: DiagKind<'a>, span: Span) {
        self.sink.report(Diagnostic::new(kind, span));
    }

    fn header(&mut self, whole: Range, name: Option<Range>, extra: Range) {
        let Some(name) = name else {
            self.current = Current::Skipping;
            let span = self.span(whole);
            self.report(DiagKind::UnclosedHeader, span);
            return;
        };
        if name.is_empty() {
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
        if !extra.is_empty() {
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
            seen: [0; 4],
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

    fn key_value(&mut self, key_range: Range, eq: usize, value_range: Range) {
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
        if key_range.is_empty() {
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
        owner.note(print);
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
        let (line, line_start) = (self.line, self.line_start);
        check_text(
            self.source,
            range,
            part,
            |r| span_in_line(r, line, line_start),
            self.sink,
        )
    }
}

/// The span of `range` on line `line`, which starts at byte `line_start`.
pub(super) fn span_in_line(range: Range, line: u32, line_start: usize) -> Span {
    let column = range.start.saturating_sub(line_start).saturating_add(1);
    Span {
        offset: u32::try_from(range.start).unwrap_or(u32::MAX),
        len: u32::try_from(range.end.saturating_sub(range.start)).unwrap_or(u32::MAX),
        line,
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

/// Checks one name, key or value of `input` and wraps it as [`Text`]; reports what is wrong to
/// `sink` and returns `None` when it cannot be used (too long, not UTF-8, a control byte where
/// none may be). Inner whitespace is reported and kept (it is removed on demand).
#[inline]
pub(super) fn check_text<'a>(
    input: Source<'a>,
    range: Range,
    part: Part,
    span: impl Fn(Range) -> Span,
    sink: &mut impl DiagnosticSink<'a>,
) -> Option<Text<'a>> {
    // Nearly every name, key and value is short, plain UTF-8: nothing to report.
    let bytes = range.of(input.bytes);
    if bytes.len() < MAX_STR_LEN
        && !any_space_or_control(bytes)
        && let Some(raw) = input.str(range)
    {
        return Some(Text::with_spacing(raw, false));
    }
    check_text_in_full(input, range, part, span, sink)
}

/// [`check_text`] for a text that is long, spaced, holds a control byte or is not UTF-8.
#[cold]
fn check_text_in_full<'a>(
    input: Source<'a>,
    range: Range,
    part: Part,
    span: impl Fn(Range) -> Span,
    sink: &mut impl DiagnosticSink<'a>,
) -> Option<Text<'a>> {
    let bytes = range.of(input.bytes);
    let mut spaced = false;
    let mut control = None;
    for (at, &byte) in bytes.iter().enumerate() {
        if is_blank(byte) {
            spaced = true;
        } else if byte < b' ' && control.is_none() {
            control = Some((at, byte));
        }
    }
    if let Some((at, byte)) = control {
        let start = range.start.saturating_add(at);
        let kind = DiagKind::ControlCharacter { part, byte };
        let fatal = kind.severity() == crate::diag::Severity::Error;
        sink.report(Diagnostic::new(
            kind,
            span(Range {
                start,
                end: start.saturating_add(1),
            }),
        ));
        if fatal {
            return None;
        }
    }
    let Some(raw) = input.str(range) else {
        sink.report(Diagnostic::new(DiagKind::InvalidUtf8 { part }, span(range)));
        return None;
    };
    let text = Text::with_spacing(raw, spaced);
    let len = text.len();
    if len >= MAX_STR_LEN {
        sink.report(Diagnostic::new(
            DiagKind::TooLong { part, len },
            span(range),
        ));
        return None;
    }
    if spaced && len > 0 {
        sink.report(Diagnostic::new(
            DiagKind::InnerWhitespace { part, text },
            span(range),
        ));
    }
    Some(text)
}
