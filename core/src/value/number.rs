//! Numbers: the single decimal grammar qsal accepts, and the DEC/HEX/STR typing of the reference tool.

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
