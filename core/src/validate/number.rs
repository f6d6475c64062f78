//! How validation reads a number, depending on who reads the key in the driver: the user library
//! (`strtoull` base 10, which stops at the first non-digit), the kernel alone (decimal, else
//! hexadecimal), or the kernel's slot search (decimal only).
//!
//! A value every reader takes the same way is fine; one that the driver loads and reads as the user
//! meant is accepted with a warning (`0x2` processes, `+1`); one that readers take differently, or
//! that the driver reads as something else than it looks, is an error that says what the driver
//! would do with it.

use crate::config::Entry;
use crate::diag::{DiagKind, Diagnostic, DiagnosticSink};
use crate::value::{kernel_decimal, kernel_number, parse_decimal};

/// Who reads a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reader {
    /// QAT's user library (instance counts, `…IsPolled`, request depths): decimal only.
    Library,
    /// The kernel alone (`NumProcesses`): decimal, else hexadecimal.
    Kernel,
    /// The kernel's expansion (decimal, else hexadecimal) and its slot search (decimal only), which
    /// must agree (`LimitDevAccess`).
    SlotSearch,
}

/// Reads `entry` as `reader` does; reports what is not plain decimal. Returns the value when the
/// driver reads it as the user meant.
pub(super) fn check_number<'a>(
    entry: &Entry<'a>,
    reader: Reader,
    sink: &mut impl DiagnosticSink<'a>,
) -> Option<u32> {
    let text = entry.value.compact();
    let error = match parse_decimal(&text) {
        Ok(value) => return Some(value),
        Err(error) => error,
    };
    let hexadecimal = text
        .strip_prefix('+')
        .unwrap_or(&text)
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case("0x"));
    let read_as = match reader {
        // `+N`: every reader takes N.
        _ if text.starts_with('+') && !hexadecimal => kernel_decimal(&text),
        Reader::Kernel if hexadecimal => kernel_number(&text),
        _ => None,
    };
    match read_as {
        Some(number) => {
            sink.report(Diagnostic::new(
                DiagKind::NumberReadAs {
                    key: entry.key,
                    value: entry.value,
                    number,
                },
                entry.value_span,
            ));
            Some(number)
        }
        None => {
            sink.report(Diagnostic::new(
                DiagKind::NotDecimal {
                    key: entry.key,
                    value: entry.value,
                    error,
                },
                entry.value_span,
            ));
            None
        }
    }
}
