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

/// Whether any byte of `bytes` is a space or a control byte (`<= b' '`): the question every name,
/// key and value is asked, answered eight bytes at a time.
pub(crate) fn any_space_or_control(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            return true;
        };
        if below_mask(u64::from_le_bytes(word), b' ' + 1) != 0 {
            return true;
        }
    }
    words.remainder().iter().any(|&b| b <= b' ')
}

/// A section name, key or value as the reference tool reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text<'a> {
    raw: &'a str,
    spacing: Spacing,
}

/// Whether a [`Text`] holds whitespace the reference removes. A whole machine word rather than a
/// `bool`: a `Text` is then written and read as three full words. With a one-byte flag and its
/// padding, every copy of a just-built `Text` read a word that was only partly written, which the
/// processor cannot forward from its store buffer (≈ 3 % of the parse profile).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
enum Spacing {
    /// No whitespace inside.
    Plain = 0,
    /// Whitespace inside, removed when compacted.
    Spaced = 1,
}

impl<'a> Text<'a> {
    /// Wraps `raw` (already trimmed at both ends).
    pub fn new(raw: &'a str) -> Self {
        Self::with_spacing(raw, raw.bytes().any(is_blank))
    }

    /// Wraps `raw` when the caller already knows whether it contains whitespace.
    pub(crate) fn with_spacing(raw: &'a str, spaced: bool) -> Self {
        let spacing = if spaced {
            Spacing::Spaced
        } else {
            Spacing::Plain
        };
        Self { raw, spacing }
    }

    /// The bytes as they appear in the file, inner whitespace included.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// Whether the raw text contains whitespace that the reference removes.
    pub fn has_inner_whitespace(&self) -> bool {
        self.spacing == Spacing::Spaced
    }

    /// Length in bytes after whitespace removal.
    pub fn len(&self) -> usize {
        if self.has_inner_whitespace() {
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
        if !self.has_inner_whitespace() {
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
        if self.has_inner_whitespace() {
            compacted_eq(self.raw.as_bytes(), other.as_bytes())
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
/// [`Text::eq_str`] does), without converting them to text first. A `name` with a blank in it is
/// nobody's: `raw` equal to it byte for byte has the same blank, which compacting removes.
pub(crate) fn same_name(raw: &[u8], name: &str) -> bool {
    if raw == name.as_bytes() {
        return !raw.iter().any(|&b| is_blank(b));
    }
    raw.iter().any(|&b| is_blank(b)) && compacted_eq(raw, name.as_bytes())
}

/// Whether `raw` with its blanks removed is `name`.
pub(crate) fn compacted_eq(raw: &[u8], name: &[u8]) -> bool {
    raw.iter()
        .copied()
        .filter(|&b| !is_blank(b))
        .eq(name.iter().copied())
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

/// Whether two byte strings are equal, compared eight bytes at a time: names are short, and a
/// call to `memcmp` costs more than comparing them in place.
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (a_words, a_rest) = a.as_chunks::<8>();
    let (b_words, b_rest) = b.as_chunks::<8>();
    a_words.iter().zip(b_words).all(|(x, y)| x == y)
        && a_rest.iter().zip(b_rest).all(|(x, y)| x == y)
}

/// A 32-bit hash of a name (FNV-1a over its bytes), for tables of slot names.
pub fn name_hash(name: &str) -> u32 {
    fingerprint(name, 0)
}

/// FNV-1a's 32-bit offset basis.
const FNV_OFFSET: u32 = 0x811c_9dc5;

/// FNV-1a's 32-bit prime.
const FNV_PRIME: u32 = 0x0100_0193;

/// 32-bit FNV-1a over the bytes as they are, mixed with the section index: the fingerprint that
/// makes key lookups a scan over a dense array. Keys are fingerprinted compacted (the parser
/// compacts them first; a key asked for with a blank in it is nobody's, and hashes differently), so
/// no byte is tested for being blank. (A word-at-a-time hash was measured as well: no faster on
/// the parser's short keys, and slower in the slot search, where it stopped being inlined into the
/// registry's lease.)
pub(crate) fn fingerprint(key: &str, section: u16) -> u32 {
    key.bytes().fold(
        FNV_OFFSET ^ u32::from(section).wrapping_mul(0x9e37_79b9),
        |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(FNV_PRIME),
    )
}

/// Whether a word of eight bytes holds `byte`.
pub(crate) fn has_byte(word: u64, byte: u8) -> bool {
    byte_mask(word, byte) != 0
}

/// The offset of the first `byte` in a word of eight bytes (read little-endian), if any.
pub(crate) fn first_byte(word: u64, byte: u8) -> Option<usize> {
    let mask = byte_mask(word, byte);
    (mask != 0).then(|| usize::try_from(mask.trailing_zeros() / 8).unwrap_or(0))
}

/// A mask with the top bit set in the byte where `byte` first occurs in `word` (and possibly in
/// later bytes), zero when it does not occur: that byte is zero after the xor, so below 1.
fn byte_mask(word: u64, byte: u8) -> u64 {
    below_mask(word ^ u64::from_le_bytes([byte; 8]), 1)
}

/// A mask with the top bit set in the first byte of `word` below `limit` (at most 0x80), and
/// possibly in later bytes; zero when no byte is below it. Such a byte borrows in
/// `word - limit…limit` while its own top bit is clear (bytes of 0x80 and above never count), and
/// borrows only run upwards from it, so the lowest set bit and "not zero" are exact.
fn below_mask(word: u64, limit: u8) -> u64 {
    /// The top bit of every byte.
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    word.wrapping_sub(u64::from_le_bytes([limit; 8])) & !word & HIGH
}

/// The offset of the first `byte` in `bytes`, eight bytes at a time: for the short lines of a
/// configuration file, cheaper than a call into a vectorised search.
pub(crate) fn find_byte(bytes: &[u8], byte: u8) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut base = 0usize;
    for word in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        if let Some(at) = first_byte(u64::from_le_bytes(word), byte) {
            return Some(base.saturating_add(at));
        }
        base = base.saturating_add(8);
    }
    let at = words.remainder().iter().position(|&b| b == byte)?;
    Some(base.saturating_add(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn same_bytes_is_slice_equality(a in proptest::collection::vec(0u8..3, 0..20), b in proptest::collection::vec(0u8..3, 0..20)) {
            proptest::prop_assert_eq!(same_bytes(&a, &b), a == b);
            proptest::prop_assert!(same_bytes(&a, &a.clone()));
        }

        #[test]
        fn word_byte_search_matches_the_bytes(word in proptest::prelude::any::<[u8; 8]>(), at in 0usize..9, target in proptest::prelude::any::<u8>()) {
            let mut word = word;
            if let Some(byte) = word.get_mut(at) {
                *byte = target;
            }
            let naive = word.contains(&target);
            proptest::prop_assert_eq!(has_byte(u64::from_le_bytes(word), target), naive);
        }

        #[test]
        fn word_find_matches_position(bytes in proptest::collection::vec(0u8..4, 0..40), target in 0u8..4) {
            let naive = bytes.iter().position(|&b| b == target);
            proptest::prop_assert_eq!(find_byte(&bytes, target), naive);
        }

        #[test]
        fn word_test_matches_the_byte_test(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            let naive = bytes.iter().any(|&b| b <= b' ');
            proptest::prop_assert_eq!(any_space_or_control(&bytes), naive);
        }
    }

    #[test]
    fn word_test_sees_each_position_and_boundary_byte() {
        for len in 1..=24 {
            for at in 0..len {
                for (byte, expected) in [
                    (b' ', true),
                    (0, true),
                    (b'!', false),
                    (0x80, false),
                    (0xff, false),
                ] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    assert_eq!(any_space_or_control(&bytes), expected, "{len} {at} {byte}");
                }
            }
        }
    }

    #[test]
    fn compaction_removes_inner_whitespace() {
        let t = Text::new("My \tSSL");
        assert!(t.has_inner_whitespace());
        assert_eq!(&*t.compact(), "MySSL");
        assert_eq!(t.len(), 5);
        assert!(t.eq_str("MySSL"));
        assert!(!t.eq_str("My SSL"));
        assert!(same_name(b"My \tSSL", "MySSL") && same_name(b"MySSL", "MySSL"));
        assert!(
            !same_name(b"My \tSSL", "My \tSSL"),
            "a name with a blank is nobody's"
        );
        assert_ne!(fingerprint("MySSL", 3), fingerprint("MySSL", 4));
    }

    #[test]
    fn plain_text_is_borrowed() {
        let t = Text::new("SSL0");
        assert!(matches!(t.compact(), Compact::Borrowed("SSL0")));
    }
}
