//! Section names as slot names: the derived-name format and what a safe name is.
//!
//! A user section `S` with `NumProcesses = N` becomes `S_INT_0 … S_INT_{N-1}`, or
//! `S_DEV<d>_INT_0 …` when `LimitDevAccess` is set, `d` being the device's global accel id
//! (`ADF_USER_SECTION_NAME_FORMAT`, `ADF_LIMITED_USER_SECTION_NAME_FORMAT`). Because qsal uses these
//! names as lease file names, a name is only accepted when it cannot be read as a path.

use core::fmt;

use crate::limits::MAX_STR_LEN;
use crate::strings::{NameBuf, push_decimal};

/// Builds the derived section name of process `index` of section `base`.
pub fn derived_name(base: &str, limit_dev_access: bool, accel_id: u32, index: u32) -> NameBuf {
    let mut name = NameBuf::new();
    // 127 (base) + 29 (the longest suffix) fits in 160.
    let _ = push_derived_name(&mut name, base, limit_dev_access, accel_id, index);
    name
}

/// [`derived_name`] built straight into a buffer of `N` bytes (a slot name), `None` when it does
/// not fit: the slot search builds one name per slot it looks at, and most fit.
pub fn derived_name_in<const N: usize>(
    base: &str,
    limit_dev_access: bool,
    accel_id: u32,
    index: u32,
) -> Option<heapless::String<N>> {
    let mut name = heapless::String::new();
    push_derived_name(&mut name, base, limit_dev_access, accel_id, index).ok()?;
    Some(name)
}

/// Appends the derived name piece by piece rather than through `core::fmt`.
fn push_derived_name<const N: usize>(
    name: &mut heapless::String<N>,
    base: &str,
    limit_dev_access: bool,
    accel_id: u32,
    index: u32,
) -> Result<(), heapless::CapacityError> {
    name.push_str(base)?;
    if limit_dev_access {
        name.push_str("_DEV")?;
        push_decimal(name, u64::from(accel_id))?;
    }
    name.push_str("_INT_")?;
    push_decimal(name, u64::from(index))
}

/// If `name` has the form of a derived section name (`S_INT_<n>` or `S_DEV<d>_INT_<n>`), its base
/// section `S`.
pub fn derived_base(name: &str) -> Option<&str> {
    let head = strip_numbered(name, "_INT_").filter(|head| !head.is_empty())?;
    match strip_numbered(head, "_DEV") {
        Some(base) if !base.is_empty() => Some(base),
        _ => Some(head),
    }
}

/// `text` without a trailing `<tag><digits>` (at least one digit), if it ends so.
fn strip_numbered<'t>(text: &'t str, tag: &str) -> Option<&'t str> {
    let digits = text.bytes().rev().take_while(u8::is_ascii_digit).count();
    let head = text.get(..text.len().checked_sub(digits)?)?;
    if digits == 0 {
        return None;
    }
    head.strip_suffix(tag)
}

/// Why a name cannot be used as a section or slot name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is 128 bytes or longer.
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The name starts with `.`.
    LeadingDot,
    /// The name contains a byte outside `[A-Za-z0-9_.-]`.
    UnsafeByte {
        /// The byte.
        byte: u8,
        /// Its position.
        position: usize,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the name is empty"),
            Self::TooLong { len } => write!(
                f,
                "the name is {len} bytes long, more than the {} QAT allows",
                MAX_STR_LEN.saturating_sub(1)
            ),
            Self::LeadingDot => f.write_str("the name starts with `.`"),
            Self::UnsafeByte { byte, position } => {
                if byte.is_ascii_graphic() {
                    write!(
                        f,
                        "the name contains `{}` at byte {position}",
                        char::from(*byte)
                    )
                } else {
                    write!(
                        f,
                        "the name contains the byte 0x{byte:02x} at byte {position}"
                    )
                }
            }
        }
    }
}

/// Checks that `name` is 1..=127 bytes of `[A-Za-z0-9_.-]` not starting with `.`.
pub fn check_name(name: &[u8]) -> Result<&str, NameError> {
    check_name_bytes(name)?;
    // Only ASCII is left, so this cannot fail.
    core::str::from_utf8(name).map_err(|_| NameError::UnsafeByte {
        byte: 0,
        position: 0,
    })
}

/// [`check_name`] of a name that is already a `str` (a lease file's slot name, for every slot a
/// search looks at), without converting it again.
pub fn check_name_str(name: &str) -> Result<(), NameError> {
    check_name_bytes(name.as_bytes())
}

/// The byte rules of [`check_name`].
fn check_name_bytes(name: &[u8]) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() >= MAX_STR_LEN {
        return Err(NameError::TooLong { len: name.len() });
    }
    if name.first() == Some(&b'.') {
        return Err(NameError::LeadingDot);
    }
    match name.iter().position(|&b| !is_name_byte(b)) {
        Some(position) => Err(NameError::UnsafeByte {
            byte: name.get(position).copied().unwrap_or(0),
            position,
        }),
        None => Ok(()),
    }
}

/// Whether `byte` may appear in a section name: `[A-Za-z0-9_.-]`, looked up in a table (one load
/// per byte; the slot search checks a name per slot).
fn is_name_byte(byte: u8) -> bool {
    // A `u8` always indexes 256 entries: the bound check is optimised away.
    NAME_BYTES.get(usize::from(byte)).copied().unwrap_or(false)
}

/// [`is_name_byte`]'s table.
#[allow(clippy::indexing_slicing)] // `b` runs over 0..256, the table's length, at compile time.
const NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-');
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names_follow_the_driver_format() {
        assert_eq!(derived_name("SSL", false, 3, 7).as_str(), "SSL_INT_7");
        assert_eq!(derived_name("SSL", true, 3, 7).as_str(), "SSL_DEV3_INT_7");
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            1000,
            65_535,
            999_999_999,
            1_000_000_000,
            u32::MAX,
        ] {
            assert_eq!(
                derived_name("S", true, n, n).as_str(),
                format!("S_DEV{n}_INT_{n}"),
                "{n}"
            );
        }
        let long = "A".repeat(127);
        assert_eq!(
            derived_name(&long, true, u32::MAX, u32::MAX).len(),
            127 + "_DEV4294967295_INT_4294967295".len()
        );
    }

    #[test]
    fn derived_names_built_into_a_slot_name_are_the_same_or_refused_when_too_long() {
        for (base, limited, accel_id, index) in [
            ("SSL", false, 0, 0),
            ("SSL", true, 12, 63),
            ("S", true, u32::MAX, u32::MAX),
            ("A_BASE_OF_TWENTY_SIX_BYTES", false, 0, 9),
        ] {
            let name = derived_name(base, limited, accel_id, index);
            let slot = derived_name_in::<32>(base, limited, accel_id, index);
            assert_eq!(slot.as_deref(), Some(name.as_str()), "{name}");
        }
        // 32 bytes fit a slot name's buffer, 33 do not.
        assert_eq!(
            derived_name("A_BASE_OF_TWENTY_SIX_BYTES", false, 0, 10).len(),
            33
        );
        assert_eq!(
            derived_name_in::<32>("A_BASE_OF_TWENTY_SIX_BYTES", false, 0, 10),
            None
        );
        assert_eq!(derived_name_in::<8>("SSL", true, 1, 0), None);
    }

    #[test]
    fn the_name_byte_table_is_the_documented_class() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-';
            assert_eq!(is_name_byte(b), expected, "{b:#04x}");
            let name = [b'a', b];
            let checked = check_name(&name);
            assert_eq!(checked.is_ok(), expected, "{b:#04x}");
            if let Ok(text) = core::str::from_utf8(&name) {
                assert_eq!(check_name_str(text).is_ok(), expected, "{b:#04x}");
            }
        }
    }

    #[test]
    fn derived_bases() {
        assert_eq!(derived_base("SSL_INT_0"), Some("SSL"));
        assert_eq!(derived_base("SSL_DEV12_INT_3"), Some("SSL"));
        assert_eq!(derived_base("MY_DEV_INT_3"), Some("MY_DEV"));
        assert_eq!(derived_base("SSL"), None);
        assert_eq!(derived_base("SSL_INT_"), None);
        assert_eq!(derived_base("_INT_1"), None);
    }

    #[test]
    fn safe_names() {
        assert_eq!(check_name(b"SSL_INT_0"), Ok("SSL_INT_0"));
        assert_eq!(check_name(b"a.b-c"), Ok("a.b-c"));
        assert_eq!(check_name(b""), Err(NameError::Empty));
        assert_eq!(check_name(b".hidden"), Err(NameError::LeadingDot));
        assert_eq!(check_name(b"../etc"), Err(NameError::LeadingDot));
        assert_eq!(
            check_name(b"a/b"),
            Err(NameError::UnsafeByte {
                byte: b'/',
                position: 1
            })
        );
        assert_eq!(
            check_name(b"My SSL"),
            Err(NameError::UnsafeByte {
                byte: b' ',
                position: 2
            })
        );
        assert_eq!(
            check_name(&[b'a'; 128]),
            Err(NameError::TooLong { len: 128 })
        );
    }
}
