//! Diagnostics: what the parser and the validators report, where, and how to fix it.
//!
//! A [`Diagnostic`] is a typed [`DiagKind`] (one variant per cause) plus the [`Span`] of the key or
//! header at fault. Every kind has a stable [`Code`], a [`Severity`], a message that names the cause
//! and a help line that names the fix. Reporting goes through a [`DiagnosticSink`], so the core
//! never allocates: firmware can count, a CLI can collect.

mod kind;
mod text;

use core::fmt;

pub use kind::{DiagKind, Part, SlotLimit};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The file does something surprising but the reference would load it.
    Warning,
    /// The file would fail to load, or would load and then fail at run time.
    Error,
}

impl Severity {
    /// Lower-case name as printed (`error`, `warning`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stable diagnostic code such as `Q107`; codes never change meaning between releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code(pub &'static str);

impl Code {
    /// The code as text.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A position in the input: byte offset and length, plus 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Byte offset of the first byte.
    pub offset: u32,
    /// Length in bytes (0 for a point).
    pub len: u32,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in bytes.
    pub column: u32,
}

impl Span {
    /// The start of the file, for findings that concern the whole file.
    pub const FILE: Self = Self {
        offset: 0,
        len: 0,
        line: 1,
        column: 1,
    };
}

/// One finding: what is wrong and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic<'a> {
    /// The cause, with the data needed to explain it.
    pub kind: DiagKind<'a>,
    /// The key, value or header at fault.
    pub span: Span,
}

impl<'a> Diagnostic<'a> {
    /// Creates a diagnostic.
    pub const fn new(kind: DiagKind<'a>, span: Span) -> Self {
        Self { kind, span }
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        self.kind.code()
    }

    /// The severity.
    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    /// The message: names the cause.
    pub fn message(&self) -> impl fmt::Display + '_ {
        text::Message(&self.kind)
    }

    /// The help line: names the fix.
    pub fn help(&self) -> impl fmt::Display + '_ {
        text::Help(&self.kind)
    }
}

/// Receives diagnostics as they are found.
pub trait DiagnosticSink<'a> {
    /// Accepts one diagnostic.
    fn report(&mut self, diagnostic: Diagnostic<'a>);
}

impl<'a, F: FnMut(Diagnostic<'a>)> DiagnosticSink<'a> for F {
    fn report(&mut self, diagnostic: Diagnostic<'a>) {
        self(diagnostic);
    }
}

/// A sink that only counts, by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    /// Errors seen.
    pub errors: usize,
    /// Warnings seen.
    pub warnings: usize,
}

impl<'a> DiagnosticSink<'a> for Counter {
    fn report(&mut self, diagnostic: Diagnostic<'a>) {
        match diagnostic.severity() {
            Severity::Error => self.errors = self.errors.saturating_add(1),
            Severity::Warning => self.warnings = self.warnings.saturating_add(1),
        }
    }
}

/// A sink into a fixed-capacity list; diagnostics beyond its capacity are counted in `dropped`.
#[derive(Debug, Default)]
pub struct Collector<'a, const CAPACITY: usize> {
    /// The diagnostics kept, in order.
    pub list: heapless::Vec<Diagnostic<'a>, CAPACITY>,
    /// How many did not fit.
    pub dropped: usize,
}

impl<'a, const CAPACITY: usize> DiagnosticSink<'a> for Collector<'a, CAPACITY> {
    fn report(&mut self, diagnostic: Diagnostic<'a>) {
        if self.list.push(diagnostic).is_err() {
            self.dropped = self.dropped.saturating_add(1);
        }
    }
}
