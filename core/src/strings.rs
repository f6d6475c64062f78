//! Fixed-capacity strings of the core, and copying text into them.
//!
//! The core never allocates, so every name and message it builds lives in a `heapless::String` of
//! a capacity chosen for what it holds. Copies that may not fit are truncated on a character
//! boundary and say so with `…`; copies that always fit (every capacity below was chosen for its
//! longest content) never lose anything.

use core::fmt::{self, Write as _};

use heapless::string::StringView;

/// A generated key name such as `Cy12CoreAffinity` ("Cy" + 10 digits + the longest suffix, 25 bytes).
pub type KeyName = heapless::String<40>;

/// A section name, user or derived, such as `SSL_DEV0_INT_31` (a base name is at most 127 bytes,
/// the longest suffix `_DEV4294967295_INT_4294967295` 29).
pub type NameBuf = heapless::String<160>;

/// A user section name in a message (truncated with `…` beyond 60 bytes).
pub type SectionName = heapless::String<64>;

/// A backend's message carried by a core error (truncated with `…` beyond 381 bytes: room for a
/// path, a line and the reason with its fix).
pub type Detail = heapless::String<384>;

/// Writes into a fixed string, dropping what does not fit and remembering that it did. It works on
/// the string's capacity-erased view, so one copy of it serves every capacity.
struct Truncating<'s> {
    out: &'s mut StringView,
    /// The length to cut back to (a character boundary, at most `room`).
    keep: usize,
    /// The longest the text may stay when it has to be cut: room for `…` after it.
    room: usize,
    cut: bool,
}

impl fmt::Write for Truncating<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.cut || self.out.push(c).is_err() {
                self.cut = true;
                return Ok(());
            }
            if self.out.len() <= self.room {
                self.keep = self.out.len();
            }
        }
        Ok(())
    }
}

/// Formats `display` into a string of capacity `CAPACITY`: whole when it fits, else cut on a
/// character boundary and ended with `…` (at most `CAPACITY` bytes either way).
pub fn truncated<const CAPACITY: usize>(display: &dyn fmt::Display) -> heapless::String<CAPACITY> {
    let mut out = heapless::String::new();
    truncate_into(out.as_mut_view(), display);
    out
}

/// [`truncated`] into an empty string of any capacity (compiled once for all of them).
fn truncate_into(out: &mut StringView, display: &dyn fmt::Display) {
    let room = out.capacity().saturating_sub(3);
    let mut writer = Truncating {
        out,
        keep: 0,
        room,
        cut: false,
    };
    let _ = write!(writer, "{display}");
    if writer.cut {
        writer.out.truncate(writer.keep);
        let _ = writer.out.push('…');
    }
}

/// Appends `value` in decimal, without `core::fmt`: the slot search builds a derived name per slot
/// it looks at with it, and the Linux registry a holder record per lease.
pub fn push_decimal<const N: usize>(
    out: &mut heapless::String<N>,
    value: u64,
) -> Result<(), heapless::CapacityError> {
    push_decimal_into(out.as_mut_view(), value)
}

/// [`push_decimal`] into a string of any capacity (compiled once for all of them).
fn push_decimal_into(out: &mut StringView, value: u64) -> Result<(), heapless::CapacityError> {
    let mut digits = [0u8; 20];
    let mut first = digits.len();
    let mut rest = value;
    for (at, digit) in digits.iter_mut().enumerate().rev() {
        let at_digit = usize::try_from(rest % 10).unwrap_or(0);
        *digit = b"0123456789".get(at_digit).copied().unwrap_or(b'0');
        first = at;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // ASCII digits: pushed as characters, with no UTF-8 check of the buffer.
    for &digit in digits.get(first..).unwrap_or_default() {
        out.push(char::from(digit))?;
    }
    Ok(())
}

/// Copies a backend message for an error.
pub fn detail(display: &dyn fmt::Display) -> Detail {
    truncated(display)
}

/// Copies a name for a message (lossy: control characters become `?`, invalid UTF-8 is named).
pub fn section_name(name: &[u8]) -> SectionName {
    struct Printable<'n>(&'n str);
    impl fmt::Display for Printable<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            for c in self.0.chars() {
                f.write_char(if c.is_control() { '?' } else { c })?;
            }
            Ok(())
        }
    }
    truncated(&Printable(
        core::str::from_utf8(name).unwrap_or("<not UTF-8>"),
    ))
}

/// Copies `text` into a string of capacity `CAPACITY` (truncated with `…` when it does not fit).
pub fn copy<const CAPACITY: usize>(text: &str) -> heapless::String<CAPACITY> {
    truncated(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_pushed_whole_or_refused() {
        for value in [0, 7, 10, 4_294_967_295, u64::MAX] {
            let mut out = heapless::String::<20>::new();
            assert!(push_decimal(&mut out, value).is_ok());
            assert_eq!(out.parse::<u64>(), Ok(value));
        }
        let mut short = heapless::String::<3>::new();
        assert!(push_decimal(&mut short, 1234).is_err());
    }

    #[test]
    fn copies_truncate_on_character_boundaries() {
        let long = "é".repeat(400);
        let d = detail(&long);
        assert!(d.ends_with('…'));
        assert!(d.len() <= 384);
        assert_eq!(section_name(b"a\x01b").as_str(), "a?b");
        assert_eq!(section_name(&[0xff]).as_str(), "<not UTF-8>");
        assert_eq!(copy::<40>("Cy0Name").as_str(), "Cy0Name");
        // A text that fills the capacity exactly is kept whole; one byte more is cut.
        assert_eq!(copy::<16>("sixteen-bytes-cm").as_str(), "sixteen-bytes-cm");
        assert_eq!(copy::<16>("seventeen-bytes-x").as_str(), "seventeen-byt…");
        let slot = "S".repeat(31);
        assert_eq!(copy::<32>(&slot).as_str(), slot);
        assert_eq!(copy::<4>("éé").as_str(), "éé");
        assert_eq!(copy::<4>("ééé").as_str(), "…");
        assert_eq!(
            section_name("x".repeat(100).as_bytes()).len(),
            61 + "…".len()
        );
    }
}
