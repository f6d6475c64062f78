//! Numbers: how each reader of a value reads it.
//!
//! * [`parse_decimal`] — plain digits, as QAT's user-space library reads the keys it uses
//!   (`strtoull` base 10: it stops at the first non-digit, so `0x1` reads as 0).
//! * [`kernel_decimal`] — the kernel's `kstrtoul(…, 10)`: an optional `+`, then digits only (how the
//!   slot search reads `LimitDevAccess`).
//! * [`kernel_number`] — the kernel's "decimal, else hexadecimal" reading of `NumProcesses`,
//!   `LimitDevAccess`, instance counts, `…IsPolled` and request depths during expansion
//!   (`kstrtoul(…, 10)`, else `kstrtoul(…, 16)`, which also takes a `0x` or `0X` prefix).
//! * [`classify_number`] — the DEC/HEX/STR typing `adf_ctl` applies before sending a value.

use core::fmt;

/// Why a value is not an acceptable decimal number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// The value is empty.
    Empty,
    /// The value starts with `0x`: hexadecimal is not accepted here.
    Hexadecimal,
    /// The value contains something other than the digits 0-9.
    NotDecimal,
    /// The value does not fit in 32 bits.
    TooLarge,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "it is empty",
            Self::Hexadecimal => "it is hexadecimal",
            Self::NotDecimal => "it is not a decimal number",
            Self::TooLarge => "it is larger than 4294967295",
        })
    }
}

/// Parses a non-negative decimal number (digits only, no sign, no spaces).
///
/// This is the one number grammar of qsal: `NumProcesses`, `LimitDevAccess`, instance counts and
/// polling modes all go through it, so every layer reads them the same way.
pub fn parse_decimal(text: &str) -> Result<u32, NumberError> {
    if text.is_empty() {
        return Err(NumberError::Empty);
    }
    if text.starts_with("0x") || text.starts_with("0X") {
        return Err(NumberError::Hexadecimal);
    }
    let mut value: u32 = 0;
    for byte in text.bytes() {
        let digit = char::from(byte)
            .to_digit(10)
            .ok_or(NumberError::NotDecimal)?;
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(digit))
            .ok_or(NumberError::TooLarge)?;
    }
    Ok(value)
}

/// The kernel's `kstrtoul(text, 10)`: an optional `+`, then at least one decimal digit and nothing
/// else; `None` when it fails or does not fit in 32 bits.
pub fn kernel_decimal(text: &str) -> Option<u32> {
    kernel_digits(text.strip_prefix('+').unwrap_or(text), 10)
}

/// The kernel's reading of a number during expansion: `kstrtoul(text, 10)`, else
/// `kstrtoul(text, 16)` (optional `+`, optional `0x`/`0X`, hexadecimal digits). `None` when both
/// fail (the driver then uses 0, or fails the device, depending on the key).
pub fn kernel_number(text: &str) -> Option<u32> {
    kernel_decimal(text).or_else(|| {
        let unsigned = text.strip_prefix('+').unwrap_or(text);
        let digits = unsigned
            .strip_prefix("0x")
            .or_else(|| unsigned.strip_prefix("0X"))
            .unwrap_or(unsigned);
        kernel_digits(digits, 16)
    })
}

/// The kernel's `kstrtoul(text, 0)` on a value `adf_ctl` stored: decimal, or hexadecimal with a
/// `0x` prefix (digit strings were re-rendered without leading zeros, so octal never arises);
/// `1a` fails. QAT20 reads `PkeServiceDisabled` and `NumberAdis` so.
pub fn kernel_auto(text: &str) -> Option<u32> {
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if unsigned.starts_with("0x") || unsigned.starts_with("0X") {
        kernel_number(text)
    } else {
        kernel_decimal(text)
    }
}

/// Digits only, in `radix`, fitting in 32 bits.
fn kernel_digits(digits: &str, radix: u32) -> Option<u32> {
    if digits.is_empty() {
        return None;
    }
    let mut value: u32 = 0;
    for c in digits.chars() {
        let digit = c.to_digit(radix)?;
        value = value.checked_mul(radix)?.checked_add(digit)?;
    }
    Some(value)
}

/// How the reference tool types a value before sending it to the kernel (`get_value_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberKind {
    /// Only decimal digits, at most 19 of them: re-rendered without leading zeros.
    Decimal,
    /// `0x` followed by 1 to 16 hexadecimal digits: re-rendered in lower case without leading zeros.
    Hex,
    /// Anything else, kept verbatim.
    Text,
}

/// Classifies a value the way `adf_ctl` does.
pub fn classify_number(text: &str) -> NumberKind {
    let bytes = text.as_bytes();
    if !bytes.is_empty() && bytes.len() <= 19 && bytes.iter().all(u8::is_ascii_digit) {
        return NumberKind::Decimal;
    }
    if let Some(digits) = text.strip_prefix("0x")
        && !digits.is_empty()
        && digits.len() <= 16
        && digits.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return NumberKind::Hex;
    }
    NumberKind::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_accepts_digits_only() {
        assert_eq!(parse_decimal("0"), Ok(0));
        assert_eq!(parse_decimal("007"), Ok(7));
        assert_eq!(parse_decimal("4294967295"), Ok(u32::MAX));
        assert_eq!(parse_decimal("4294967296"), Err(NumberError::TooLarge));
        assert_eq!(parse_decimal(""), Err(NumberError::Empty));
        assert_eq!(parse_decimal("0x1"), Err(NumberError::Hexadecimal));
        assert_eq!(parse_decimal("-1"), Err(NumberError::NotDecimal));
        assert_eq!(parse_decimal("thisiserror"), Err(NumberError::NotDecimal));
        assert_eq!(parse_decimal("1.0"), Err(NumberError::NotDecimal));
    }

    #[test]
    fn kernel_readings() {
        assert_eq!(kernel_decimal("+1"), Some(1));
        assert_eq!(kernel_decimal("0x1"), None);
        assert_eq!(kernel_decimal("-1"), None);
        assert_eq!(kernel_number("0x2"), Some(2));
        assert_eq!(kernel_number("0X1F"), Some(31));
        assert_eq!(kernel_number("1a"), Some(26));
        assert_eq!(kernel_number("10"), Some(10));
        assert_eq!(kernel_number("+0x10"), Some(16));
        assert_eq!(kernel_number("two"), None);
        assert_eq!(kernel_number("yes"), None);
        assert_eq!(kernel_number(""), None);
        assert_eq!(kernel_number("0x"), None);
        assert_eq!(
            kernel_number("4294967296"),
            None,
            "beyond 32 bits is not a count"
        );
        assert_eq!(kernel_auto("0x10"), Some(16));
        assert_eq!(kernel_auto("1a"), None);
        assert_eq!(kernel_auto("+3"), Some(3));
    }

    #[test]
    fn classification_matches_adf_ctl() {
        assert_eq!(classify_number("007"), NumberKind::Decimal);
        assert_eq!(classify_number("1234567890123456789"), NumberKind::Decimal);
        assert_eq!(classify_number("12345678901234567890"), NumberKind::Text);
        assert_eq!(classify_number("0x00FF"), NumberKind::Hex);
        assert_eq!(classify_number("0X1F"), NumberKind::Text);
        assert_eq!(classify_number("0x"), NumberKind::Text);
        assert_eq!(classify_number("-1"), NumberKind::Text);
        assert_eq!(classify_number("0-31"), NumberKind::Text);
    }
}
