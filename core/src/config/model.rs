//! The parsed form of a configuration file: fixed-capacity tables of sections and keys.
//!
//! Sections keep file order; the keys of a section form a chain through the key table, so a section
//! re-opened later in the file simply continues its chain. Every name, key and value is a [`Text`]
//! borrowed from the input.

use super::keys::SectionKind;
use super::text::{Text, fingerprint};
use crate::diag::{DiagnosticSink, Span};
use crate::limits::{DEFAULT_ENTRIES, DEFAULT_SECTIONS};
use crate::profile::Driver;

/// Index value meaning "no entry".
pub(crate) const NONE: u16 = u16::MAX;

/// One `key = value` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The key.
    pub key: Text<'a>,
    /// The value (one pair of surrounding quotes removed).
    pub value: Text<'a>,
    /// Where the key is.
    pub key_span: Span,
    /// Where the value is.
    pub value_span: Span,
    pub(crate) section: u16,
    pub(crate) next: u16,
}

/// One section header and the chain of its keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section<'a> {
    /// The section name.
    pub name: Text<'a>,
    /// Where the name is in its (first) header.
    pub span: Span,
    pub(crate) first: u16,
    pub(crate) last: u16,
    pub(crate) len: u16,
    /// One bit per value of a fingerprint's top byte, set for every key of the section: a key
    /// whose bit is clear is certainly new, so most keys skip the duplicate search.
    pub(crate) seen: [u64; 4],
}

impl Section<'_> {
    /// The word and bit of `print` in [`Section::seen`].
    fn seen_bit(print: u32) -> (usize, u64) {
        let top = print >> 24;
        let word = usize::try_from(top >> 6).unwrap_or(0);
        (word, 1u64 << (top & 63))
    }

    /// Whether the section may hold a key with fingerprint `print`.
    pub(crate) fn may_hold(&self, print: u32) -> bool {
        let (word, bit) = Self::seen_bit(print);
        self.seen.get(word).is_some_and(|w| w & bit != 0)
    }

    /// Records that the section holds a key with fingerprint `print`.
    pub(crate) fn note(&mut self, print: u32) {
        let (word, bit) = Self::seen_bit(print);
        if let Some(w) = self.seen.get_mut(word) {
            *w |= bit;
        }
    }
}

/// A parsed configuration file.
///
/// `SECTIONS` and `KEYS` are the capacities of the tables (both below 65535); content beyond them is
/// reported as a diagnostic and left out.
///
/// The field order is fixed (`repr(C)`) with `input` between the two large tables: an empty table is
/// a zero length in front of uninitialised storage, and LLVM merges the zero lengths of adjacent
/// empty tables into one `memset` over the storage between them (93 KB for the default capacities,
/// a tenth of the parse time). Here only the small section table lies between two lengths.
#[derive(Clone, Debug)]
#[repr(C)]
pub struct Config<'a, const SECTIONS: usize = DEFAULT_SECTIONS, const KEYS: usize = DEFAULT_ENTRIES>
{
    pub(crate) entries: heapless::Vec<Entry<'a>, KEYS>,
    pub(crate) input: &'a [u8],
    pub(crate) sections: heapless::Vec<Section<'a>, SECTIONS>,
    /// `fingerprint(key, section)` of every entry, parallel to `entries`.
    pub(crate) fingerprints: heapless::Vec<u32, KEYS>,
}

impl<'a, const SECTIONS: usize, const KEYS: usize> Config<'a, SECTIONS, KEYS> {
    /// Parses `input`, reporting every finding to `sink`.
    ///
    /// Parsing never fails: lines that cannot be read are reported and skipped, so the caller gets
    /// both the diagnostics and everything that could be understood.
    pub fn parse(input: &'a [u8], sink: &mut impl DiagnosticSink<'a>) -> Self {
        let mut config = Self::empty();
        config.parse_in_place(input, sink);
        config
    }

    /// A configuration with no sections (what parsing an empty file gives).
    pub const fn empty() -> Self {
        const {
            assert!(SECTIONS < NONE as usize && KEYS < NONE as usize);
        }
        Self {
            input: b"",
            sections: heapless::Vec::new(),
            entries: heapless::Vec::new(),
            fingerprints: heapless::Vec::new(),
        }
    }

    /// Like [`Config::parse`], but into this configuration, replacing what it held: no
    /// configuration-sized value is returned or moved, which matters where stack is scarce (a
    /// firmware parses into a configuration it already owns).
    pub fn parse_in_place(&mut self, input: &'a [u8], sink: &mut impl DiagnosticSink<'a>) {
        self.input = input;
        self.sections.clear();
        self.entries.clear();
        self.fingerprints.clear();
        super::parse::Parser::new(self, sink).run();
    }

    /// The bytes the configuration was parsed from.
    pub fn input(&self) -> &'a [u8] {
        self.input
    }

    /// The sections, in the order their first header appears.
    pub fn sections(&self) -> impl Iterator<Item = SectionRef<'_, 'a>> + '_ {
        self.sections
            .iter()
            .zip(0u16..)
            .map(|(section, index)| SectionRef {
                section,
                index,
                entries: &self.entries,
                fingerprints: &self.fingerprints,
            })
    }

    /// The section named `name`, if present.
    pub fn section(&self, name: &str) -> Option<SectionRef<'_, 'a>> {
        self.sections().find(|s| s.section.name.eq_str(name))
    }

    /// Number of sections.
    pub fn section_count(&self) -> usize {
        self.sections.len()
    }

    /// Number of keys in all sections.
    pub fn key_count(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn find_section(&self, name: &str) -> Option<u16> {
        self.sections
            .iter()
            .position(|s| s.name.eq_str(name))
            .and_then(|i| u16::try_from(i).ok())
    }

    pub(crate) fn find_key(&self, section: u16, key: &str, print: u32) -> Option<&Entry<'a>> {
        let owner = self.sections.get(usize::from(section))?;
        find(
            &self.entries,
            &self.fingerprints,
            owner,
            section,
            key,
            print,
        )
    }
}

/// A view of one section.
#[derive(Clone, Copy, Debug)]
pub struct SectionRef<'c, 'a> {
    section: &'c Section<'a>,
    index: u16,
    entries: &'c [Entry<'a>],
    fingerprints: &'c [u32],
}

impl<'c, 'a> SectionRef<'c, 'a> {
    /// The section name.
    pub fn name(&self) -> Text<'a> {
        self.section.name
    }

    /// Where the name is in the first header of the section.
    pub fn span(&self) -> Span {
        self.section.span
    }

    /// What the section is for under the rules of `driver`.
    pub fn kind(&self, driver: Driver) -> SectionKind {
        SectionKind::of(&self.section.name.compact(), driver)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        usize::from(self.section.len)
    }

    /// Whether the section has no keys.
    pub fn is_empty(&self) -> bool {
        self.section.len == 0
    }

    /// The keys in file order.
    pub fn entries(&self) -> impl Iterator<Item = &'c Entry<'a>> + 'c {
        chain(self.entries, self.section.first)
    }

    /// The entry for `key`, if present (the first occurrence wins).
    pub fn get(&self, key: &str) -> Option<&'c Entry<'a>> {
        let print = fingerprint(key, self.index);
        find(
            self.entries,
            self.fingerprints,
            self.section,
            self.index,
            key,
            print,
        )
    }

    /// The value of `key`, if present.
    pub fn value(&self, key: &str) -> Option<Text<'a>> {
        self.get(key).map(|e| e.value)
    }
}

/// Finds a key of a section: none when the section's filter has never seen the fingerprint, else
/// by scanning the dense fingerprint array from the section's first key (no key of a section
/// comes before it, even when the section was re-opened later in the file).
///
/// The fingerprints are compared a chunk at a time without an early exit, which the compiler turns
/// into vector compares; only a chunk with a match is looked at key by key.
fn find<'c, 'a>(
    entries: &'c [Entry<'a>],
    fingerprints: &[u32],
    section: &Section<'a>,
    index: u16,
    key: &str,
    print: u32,
) -> Option<&'c Entry<'a>> {
    /// Fingerprints compared per step.
    const CHUNK: usize = 16;
    if !section.may_hold(print) {
        return None;
    }
    let first = usize::from(section.first);
    let prints = fingerprints.get(first..)?;
    let mut base = first;
    for chunk in prints.chunks(CHUNK) {
        if chunk.iter().fold(false, |seen, &f| seen | (f == print)) {
            for (offset, _) in chunk.iter().enumerate().filter(|(_, f)| **f == print) {
                let entry = entries.get(base.saturating_add(offset))?;
                if entry.section == index && entry.key.eq_str(key) {
                    return Some(entry);
                }
            }
        }
        base = base.saturating_add(CHUNK);
    }
    None
}

fn chain<'c, 'a>(entries: &'c [Entry<'a>], first: u16) -> impl Iterator<Item = &'c Entry<'a>> + 'c {
    let mut next = first;
    core::iter::from_fn(move || {
        let entry = entries.get(usize::from(next))?;
        next = entry.next;
        Some(entry)
    })
}
