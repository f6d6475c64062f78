//! [`Text`]: a name, key or value borrowed from the input, read with the reference whitespace rule.
//!
//! `adf_ctl` deletes every space, tab and carriage return inside keys and values (`"My SSL"` becomes
//! `MySSL`). A `Text` borrows the raw bytes and remembers whether such inner whitespace exists, so the
//! common case stays zero-copy and the rare case is compacted on demand into a small stack buffer.

use core::fmt;
use core::ops::Deref;

use crate::limits::MAX_STR_LEN;

/// Whether `byte` is removed by the reference sanitiser.
pub(crate) const fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r')
}

/// A section name, key or value as the reference tool reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text<'a> {
    raw: &'a str,
    spaced: bool,
}

impl<'a> Text<'a> {
    /// Wraps `raw` (already trimmed at both ends).
    pub fn new(raw: &'a str) -> Self {
        Self {
            raw,
            spaced: raw.bytes().any(is_blank),
        }
    }

    /// Wraps `raw` when the caller already knows whether it contains whitespace.
    pub(crate) fn with_spacing(raw: &'a str, spaced: bool) -> Self {
        Self { raw, spaced }
    }

    /// The bytes as they appear in the file, inner whitespace included.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// Whether the raw text contains whitespace that the reference removes.
    pub fn has_inner_whitespace(&self) -> bool {
        self.spaced
    }

    /// Length in bytes after whitespace removal.
    pub fn len(&self) -> usize {
        if self.spaced {
            self.raw.bytes().filter(|b| !is_blank(*b)).count()
        } else {
            self.raw.len()
        }
    }

    /// Whether the text is empty after whitespace removal.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text as the reference reads it, borrowed when possible.
    ///
    /// Stored texts are always shorter than [`MAX_STR_LEN`] (the parser rejects longer ones); a longer
    /// spaced text is truncated here rather than panicking.
    pub fn compact(&self) -> Compact<'a> {
        if !self.spaced {
            return Compact::Borrowed(self.raw);
        }
        let mut buf = heapless::String::<MAX_STR_LEN>::new();
        for ch in self.raw.chars().filter(|c| !matches!(c, ' ' | '\t' | '\r')) {
            if buf.push(ch).is_err() {
                break;
            }
        }
        Compact::Owned(buf)
    }

    /// Whether the compacted text equals `other`.
    pub fn eq_str(&self, other: &str) -> bool {
        if self.spaced {
            self.raw.bytes().filter(|b| !is_blank(*b)).eq(other.bytes())
        } else {
            self.raw == other
        }
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.compact())
    }
}

/// Whether the trimmed bytes `raw` of a name or key are `name`, ignoring blanks inside `raw` (as
/// [`Text::eq_str`] does), without converting them to text first.
pub(crate) fn same_name(raw: &[u8], name: &str) -> bool {
    if raw == name.as_bytes() {
        return true;
    }
    raw.iter().any(|&b| is_blank(b))
        && raw
            .iter()
            .copied()
            .filter(|&b| !is_blank(b))
            .eq(name.bytes())
}

/// The compacted form of a [`Text`]: borrowed when the text had no inner whitespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compact<'a> {
    /// No whitespace had to be removed.
    Borrowed(&'a str),
    /// Whitespace was removed into a stack buffer.
    Owned(heapless::String<MAX_STR_LEN>),
}

impl Deref for Compact<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Self::Borrowed(s) => s,
            Self::Owned(s) => s.as_str(),
        }
    }
}

/// A 32-bit hash of a name (FNV-1a over its compacted bytes), for indexes of section names.
pub fn name_hash(name: &str) -> u32 {
    fingerprint(name, 0)
}

/// 32-bit FNV-1a over the compacted bytes, mixed with the section index: the fingerprint that
/// makes key lookups a scan over a dense array.
pub(crate) fn fingerprint(key: &str, section: u16) -> u32 {
    let mut hash: u32 = 0x811c_9dc5 ^ u32::from(section).wrapping_mul(0x9e37_79b9);
    for byte in key.bytes().filter(|b| !is_blank(*b)) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_removes_inner_whitespace() {
        let t = Text::new("My \tSSL");
        assert!(t.has_inner_whitespace());
        assert_eq!(&*t.compact(), "MySSL");
        assert_eq!(t.len(), 5);
        assert!(t.eq_str("MySSL"));
        assert!(!t.eq_str("My SSL"));
        assert_eq!(fingerprint("My SSL", 3), fingerprint("MySSL", 3));
        assert_ne!(fingerprint("MySSL", 3), fingerprint("MySSL", 4));
    }

    #[test]
    fn plain_text_is_borrowed() {
        let t = Text::new("SSL0");
        assert!(matches!(t.compact(), Compact::Borrowed("SSL0")));
    }
}
