//! [`Expanded`]: an expanded configuration as a backend holds it — the text `qsal up` wrote and an
//! index of its sections — and [`verify`], the re-validation every backend runs before trusting a
//! device file (anyone in the runtime directory's group can edit one).
//!
//! Backends supply the text and the index storage (a `Vec` on Linux, a fixed table in firmware);
//! the core does all the reading, so every backend reads an expansion the same way. The index is a
//! hash table of byte offsets, never pointers; when the storage is too small for every section,
//! lookups fall back to scanning the text.

use core::fmt;

use super::keys::{self, SectionKind};
use super::lex::{self, Line};
use super::locate::{self, SectionText};
use super::text::{Text, compacted_eq, same_bytes};
use super::user::UserSection;
use crate::diag::{DiagKind, Diagnostic, DiagnosticSink, Span};
use crate::expand::MAX_BANKS;
use crate::names::derived_base;
use crate::profile::DeviceProfile;
use crate::ring::{KeyProblem, RingKeyError, RingSpec, ring_specs};
use crate::strings::KeyName;
use crate::strings::NameBuf;
use crate::value::kernel_auto;

/// Where one section is in an expanded text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SectionSpan {
    /// [`section_hash`] of the (compacted) name.
    pub hash: u32,
    /// Byte offset of the name.
    pub name_at: u32,
    /// Length of the name as written.
    pub name_len: u32,
    /// Byte offset of the body.
    pub body_at: u32,
    /// Length of the body.
    pub body_len: u32,
    /// `LimitDevAccess` as [`UserSection::read_limit_dev_access`] reads it, read once here
    /// because every slot search asks for it; `None` for a name shaped like a derived section,
    /// which is never asked (and is read from the text if it is).
    pub limit_dev_access: Option<bool>,
    /// Whether the name is written with blanks inside it (`[SSL _INT_0]`), so it is compared
    /// compacted; most are not, and are compared as they are.
    pub spaced: bool,
    /// Whether this entry holds a section (the default, an empty entry, ends a lookup's probe).
    pub filled: bool,
}

impl SectionSpan {
    /// Whether this entry, whose name is written as `raw`, is section `name` (its compacted name
    /// is `name` exactly; a `name` with a blank in it is never a section's).
    fn is_named(&self, raw: &[u8], name: &str) -> bool {
        if self.spaced {
            compacted_eq(raw, name.as_bytes())
        } else {
            same_bytes(raw, name.as_bytes())
        }
    }
}

/// The index's hash of a section name: its bytes eight at a time, then the last few, each step
/// multiplied through (a derived name is one or two words and a digit or two, so a lookup hashes
/// it in a few instructions rather than one multiply per byte). Equal names hash equally; the
/// lookup compares the names of entries whose hash matches.
pub fn section_hash(name: &[u8]) -> u32 {
    const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
    let (words, rest) = name.as_chunks::<8>();
    let mut hash = words.iter().fold(MIX, |hash, word| {
        (hash ^ u64::from_le_bytes(*word))
            .wrapping_mul(MIX)
            .rotate_left(31)
    });
    let tail = rest
        .iter()
        .fold(0u64, |tail, &byte| (tail << 8) | u64::from(byte));
    hash = (hash ^ tail ^ (u64::try_from(rest.len()).unwrap_or(0) << 56)).wrapping_mul(MIX);
    // The product's high half is the well-mixed one.
    u32::try_from(hash >> 32).unwrap_or(0)
}

/// What [`index`] built: how many sections it entered, and whether they are all of the text's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Indexed {
    /// Sections entered (anywhere in the storage: the index is a hash table).
    pub filled: usize,
    /// Whether every section is indexed (lookups scan the text otherwise).
    pub complete: bool,
}

/// How many entries to give [`index`] for `text`: twice its sections, so that at most half the
/// table is filled and a lookup probes one or two entries. Any size works: a smaller table is
/// slower to search, one smaller than the number of sections leaves the index incomplete.
pub fn index_len(text: &[u8]) -> usize {
    locate::sections(text).count().saturating_mul(2)
}

/// Indexes the sections of `text` into `spans`, a hash table with linear probing: a section's
/// entry is the first empty one from its name's home entry (`home`) on, wrapping around. Sections
/// enter in file order, so of a name written twice the first is nearer its home and is the one a
/// lookup finds, as a scan of the text would. Every entry of `spans` is rewritten, and the whole
/// of `spans` is the index (empty entries included). The index is complete when every section
/// fits ([`index_len`] says how many entries keep lookups short); texts of 4 GiB or more are never
/// indexed.
pub fn index(text: &[u8], spans: &mut [SectionSpan]) -> Indexed {
    spans.fill(SectionSpan::default());
    let mut filled: usize = 0;
    if u32::try_from(text.len()).is_err() {
        return Indexed {
            filled,
            complete: false,
        };
    }
    for section in locate::sections(text) {
        let name = section.name.compact();
        let hash = section_hash(name.as_bytes());
        let free =
            Probe::new(hash, spans.len()).find(|&at| spans.get(at).is_some_and(|e| !e.filled));
        let Some(free) = free.and_then(|at| spans.get_mut(at)) else {
            return Indexed {
                filled,
                complete: false,
            };
        };
        *free = SectionSpan {
            hash,
            name_at: offset(section.name_at),
            name_len: offset(section.name.raw().len()),
            body_at: offset(section.body_at),
            body_len: offset(section.body.len()),
            limit_dev_access: derived_base(&name)
                .is_none()
                .then(|| limit_dev_access_in(section.body)),
            spaced: section.name.has_inner_whitespace(),
            filled: true,
        };
        filled = filled.saturating_add(1);
    }
    Indexed {
        filled,
        complete: true,
    }
}

/// The entry of a table of `len` entries where the probe for a name with `hash` begins: the hash
/// scaled to the table (its high bits choose; no division, any `len`; tables beyond 2^32 entries
/// use their first 2^32 as homes).
fn home(hash: u32, len: usize) -> usize {
    let len = u64::from(u32::try_from(len).unwrap_or(u32::MAX));
    // Both factors are below 2^32, so the product fits and the result is below `len`.
    let scaled = u64::from(hash).wrapping_mul(len) >> 32;
    usize::try_from(scaled).unwrap_or(0)
}

/// The entries of a table of `len` entries, each once, in the order a name with `hash` probes
/// them: from its home entry to the end, then from the start.
struct Probe {
    at: usize,
    left: usize,
    len: usize,
}

impl Probe {
    fn new(hash: u32, len: usize) -> Self {
        Self {
            at: home(hash, len),
            left: len,
            len,
        }
    }
}

impl Iterator for Probe {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        self.left = self.left.checked_sub(1)?;
        let at = self.at;
        self.at = at
            .checked_add(1)
            .filter(|&next| next < self.len)
            .unwrap_or(0);
        Some(at)
    }
}

/// `LimitDevAccess` of a section with body `body`, as [`UserSection`] reads it.
fn limit_dev_access_in(body: &[u8]) -> bool {
    UserSection::read_limit_dev_access(|key| locate::value(body, key))
}

fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// An expanded configuration: its text and (optionally) an index of its sections.
#[derive(Clone, Copy, Debug)]
pub struct Expanded<'a> {
    text: &'a [u8],
    index: &'a [SectionSpan],
    complete: bool,
    profile: DeviceProfile,
}

impl<'a> Expanded<'a> {
    /// A view of `text` for a device with `profile`, using `index`: the whole table [`index`]
    /// built, and `complete` as it returned.
    pub fn new(
        text: &'a [u8],
        index: &'a [SectionSpan],
        complete: bool,
        profile: DeviceProfile,
    ) -> Self {
        Self {
            text,
            index,
            complete,
            profile,
        }
    }

    /// A view without an index: every lookup scans the text.
    pub fn unindexed(text: &'a [u8], profile: DeviceProfile) -> Self {
        Self::new(text, &[], false, profile)
    }

    /// The text.
    pub fn text(&self) -> &'a [u8] {
        self.text
    }

    /// The profile of the device it belongs to.
    pub fn profile(&self) -> &DeviceProfile {
        &self.profile
    }

    fn slice(&self, at: u32, len: u32) -> &'a [u8] {
        let start = at as usize;
        self.text
            .get(start..start.saturating_add(len as usize))
            .unwrap_or_default()
    }

    /// The body of the first section named `name`.
    pub fn section(&self, name: &str) -> Option<&'a [u8]> {
        self.section_at(name).map(|(_, body)| body)
    }

    /// The body of the first section named `name`, with its byte offset in the text (which tells
    /// that section from another of the same name, as [`SectionText::body_at`] does).
    pub fn section_at(&self, name: &str) -> Option<(usize, &'a [u8])> {
        if !self.complete {
            return locate::first_section(self.text, name).map(|s| (s.body_at, s.body));
        }
        self.span(name)
            .map(|s| (s.body_at as usize, self.slice(s.body_at, s.body_len)))
    }

    /// The index entry of the first section named `name` (with a complete index): the first entry
    /// of the name's probe that is named so, unless an empty entry comes first.
    fn span(&self, name: &str) -> Option<&'a SectionSpan> {
        let hash = section_hash(name.as_bytes());
        for at in Probe::new(hash, self.index.len()) {
            let entry = self.index.get(at)?;
            if !entry.filled {
                return None;
            }
            if entry.hash == hash && entry.is_named(self.slice(entry.name_at, entry.name_len), name)
            {
                return Some(entry);
            }
        }
        None
    }

    /// `LimitDevAccess` of section `name` as [`UserSection::read_limit_dev_access`] reads it, or
    /// `None` when there is no such section: one lookup answers both, from the index when it has
    /// the value.
    pub fn limit_dev_access(&self, name: &str) -> Option<bool> {
        if !self.complete {
            return locate::section(self.text, name).map(limit_dev_access_in);
        }
        let span = self.span(name)?;
        Some(
            span.limit_dev_access
                .unwrap_or_else(|| limit_dev_access_in(self.slice(span.body_at, span.body_len))),
        )
    }

    /// Whether the text has section `name`.
    pub fn has_section(&self, name: &str) -> bool {
        self.section(name).is_some()
    }

    /// The value of `key` in section `section`.
    pub fn value(&self, section: &str, key: &str) -> Option<Text<'a>> {
        locate::value(self.section(section)?, key)
    }

    /// Every section, in order.
    pub fn sections(&self) -> impl Iterator<Item = SectionText<'a>> + 'a {
        locate::sections(self.text)
    }

    /// Whether the kernel places instances of section `name`: a kernel section or a derived one.
    pub fn has_instances(&self, name: &str) -> bool {
        SectionKind::of(name, self.profile.driver()) == SectionKind::Kernel || self.is_derived(name)
    }

    /// Whether `name` is a derived (per-process) section of a section of this text.
    pub fn is_derived(&self, name: &str) -> bool {
        derived_base(name).is_some_and(|base| self.has_section(base))
    }

    /// The names of the user sections: neither `[GENERAL]`, a kernel or special section, a
    /// derived one, nor an accelerator section the kernel generated; in file order.
    pub fn user_sections(&self) -> impl Iterator<Item = Text<'a>> + '_ {
        self.sections().map(|s| s.name).filter(move |name| {
            let name = name.compact();
            SectionKind::of(&name, self.profile.driver()) == SectionKind::User
                && !self.is_derived(&name)
                && !self.is_generated_accelerator(&name)
        })
    }

    /// Whether the text is an expansion (what `qsal expand` prints and a device file holds) rather
    /// than a configuration to expand: `[GENERAL]` has no `ConfigVersion` (expansion removes it)
    /// and has `FirstUserBundle`, or some section is a derived one or a generated accelerator.
    pub fn looks_expanded(&self) -> bool {
        let general = self.section(keys::GENERAL).unwrap_or_default();
        if locate::value(general, keys::CONFIG_VERSION).is_some() {
            return false;
        }
        locate::value(general, keys::FIRST_USER_BUNDLE).is_some()
            || self.sections().any(|s| {
                let name = s.name.compact();
                self.is_derived(&name) || self.is_generated_accelerator(&name)
            })
    }

    /// Whether `name` is an `[Accelerator<n>]` section the kernel generated (one with per-process
    /// derived sections was a user section of that name).
    fn is_generated_accelerator(&self, name: &str) -> bool {
        name.strip_prefix(keys::ACCELERATOR)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            && !self
                .sections()
                .any(|s| crate::names::derived_base(&s.name.compact()).is_some_and(|b| b == name))
    }
}

/// Why an expanded configuration cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpandedProblem {
    /// A line the grammar does not allow in a file qsal wrote.
    Malformed(&'static str),
    /// An instance's ring keys cannot be used.
    Ring {
        /// The section.
        section: NameBuf,
        /// The key and why.
        error: RingKeyError,
    },
    /// A ring is used by two instances.
    RingInUse {
        /// The bank.
        bank: u16,
        /// The ring.
        ring: u8,
        /// The section that uses it here.
        section: NameBuf,
        /// The section that used it first.
        first: NameBuf,
    },
}

/// An expanded configuration failed [`verify`]: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpandedError {
    /// 1-based line of the problem.
    pub line: u32,
    /// What is wrong.
    pub problem: ExpandedProblem,
}

impl fmt::Display for ExpandedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            ExpandedProblem::Malformed(what) => f.write_str(what),
            ExpandedProblem::Ring { section, error } => write!(f, "[{section}] {error}"),
            ExpandedProblem::RingInUse {
                bank,
                ring,
                section,
                first,
            } => write!(
                f,
                "[{section}] uses ring {ring} of bank {bank}, which [{first}] already uses"
            ),
        }
    }
}

impl core::error::Error for ExpandedError {}

/// Checks an expanded configuration as `qsal check` checks a file: every grammar finding of its
/// lines (without tables, so hundreds of derived sections are fine) and [`verify`] (a
/// [`DiagKind::ExpandedInvalid`] finding at the line at fault). `text` is the text of `expanded`
/// (the findings borrow it; the view's index may live shorter).
pub fn check_expanded<'a>(
    text: &'a [u8],
    expanded: &Expanded<'_>,
    sink: &mut impl DiagnosticSink<'a>,
) {
    super::lint::lint(text, sink);
    if let Err(error) = verify(expanded) {
        let line = error.line;
        sink.report(Diagnostic::new(
            DiagKind::ExpandedInvalid(error),
            Span {
                line,
                column: 1,
                ..Span::FILE
            },
        ));
    }
}

/// Bank × ring bits of a device (at most 128 banks of 16 rings).
struct RingSet([u64; MAX_BANKS * 16 / 64]);

impl RingSet {
    /// Marks a ring; returns `false` when it was marked already.
    fn mark(&mut self, bank: u16, ring: u8) -> bool {
        let bit = usize::from(bank)
            .saturating_mul(16)
            .saturating_add(usize::from(ring & 15));
        let Some(word) = self.0.get_mut(bit / 64) else {
            return true;
        };
        let mask = 1u64 << (bit % 64);
        let fresh = *word & mask == 0;
        *word |= mask;
        fresh
    }
}

/// Checks what the core needs of an expanded configuration before a backend uses it: every line
/// is well-formed, and every instance of every kernel and derived section has banks and rings
/// inside the device, a valid request depth, and rings no other instance uses.
pub fn verify(expanded: &Expanded<'_>) -> Result<(), ExpandedError> {
    verify_with(expanded, |_, _| {})
}

/// [`verify`], also handing `ring` each ring pair it read, with its section (every kernel and
/// derived section, in file order, a section written twice each time), so a backend can keep them
/// instead of reading the keys again at each start. What `ring` was given before an error is not
/// to be used.
pub fn verify_with(
    expanded: &Expanded<'_>,
    mut ring: impl FnMut(&SectionText<'_>, RingSpec),
) -> Result<(), ExpandedError> {
    let text = expanded.text();
    let mut seen_header = false;
    for ((line, _), number) in lex::lines(text).zip(1u32..) {
        let malformed = match lex::lex(text, line) {
            Line::Skip => None,
            Line::Header { name: None, .. } => Some("a section header without `]`"),
            Line::Header { name: Some(n), .. } if n.is_empty() => Some("an empty section name"),
            Line::Header { .. } => {
                seen_header = true;
                None
            }
            Line::KeyValue { .. } if !seen_header => Some("a key before any section"),
            Line::KeyValue { key, .. } if key.is_empty() => Some("`=` without a key"),
            Line::KeyValue { value, .. } if value.is_empty() => Some("a key without a value"),
            Line::KeyValue { .. } => None,
            Line::NoEquals { .. } => Some("a line without `=`"),
        };
        if let Some(what) = malformed {
            return Err(ExpandedError {
                line: number,
                problem: ExpandedProblem::Malformed(what),
            });
        }
    }
    let mut used = RingSet([0; MAX_BANKS * 16 / 64]);
    adi_rings(expanded, &mut used)?;
    for section in expanded.sections() {
        let name = section.name.compact();
        if !expanded.has_instances(&name) {
            continue;
        }
        let mut clash = None;
        ring_specs(section.body, expanded.profile(), |spec| {
            for ring in [spec.tx, spec.rx] {
                if !used.mark(spec.bank, ring) && clash.is_none() {
                    clash = Some((spec.bank, ring));
                }
            }
            ring(&section, spec);
        })
        .map_err(|error| ExpandedError {
            line: locate::line_of(text, section.body_at.saturating_add(error.at.unwrap_or(0)))
                .saturating_sub(u32::from(error.at.is_none())),
            problem: ExpandedProblem::Ring {
                section: crate::strings::copy(&section.name.compact()),
                error,
            },
        })?;
        if let Some((bank, ring)) = clash {
            let first = first_user(expanded, bank, ring, section.body_at);
            return Err(ring_in_use(&section, bank, ring, first));
        }
    }
    Ok(())
}

/// Ring `ring` of bank `bank` is used by `section` after `first` already used it.
fn ring_in_use(section: &SectionText<'_>, bank: u16, ring: u8, first: NameBuf) -> ExpandedError {
    ExpandedError {
        line: section.line,
        problem: ExpandedProblem::RingInUse {
            bank,
            ring,
            section: crate::strings::copy(&section.name.compact()),
            first,
        },
    }
}

/// Marks the banks a QAT20 `[SIOV]` reserved for its ADIs (`Adi<j>BankNumber`, `Adi<j>RingTx`,
/// `Adi<j>RingRx` for `j < NumberAdis`), checking they are inside the device and distinct.
fn adi_rings(expanded: &Expanded<'_>, used: &mut RingSet) -> Result<(), ExpandedError> {
    let Some(section) = expanded.sections().find(|s| {
        SectionKind::of(&s.name.compact(), expanded.profile().driver()) == SectionKind::Siov
    }) else {
        return Ok(());
    };
    let text = expanded.text();
    let fail = |key: KeyName, problem: KeyProblem, at: Option<usize>| ExpandedError {
        line: locate::line_of(text, section.body_at.saturating_add(at.unwrap_or(0))),
        problem: ExpandedProblem::Ring {
            section: crate::strings::copy(&section.name.compact()),
            error: RingKeyError { key, problem, at },
        },
    };
    let adis = match locate::entry(section.body, keys::NUMBER_ADIS) {
        None => 0,
        Some(e) => kernel_auto(&e.value.compact()).ok_or_else(|| {
            fail(
                crate::strings::copy(keys::NUMBER_ADIS),
                KeyProblem::NotANumber,
                Some(e.key_at),
            )
        })?,
    };
    let profile = expanded.profile();
    for j in 0..adis {
        let ring_of = |suffix: &str, limit: u32| -> Result<u32, ExpandedError> {
            let key = keys::numbered_key("Adi", j, suffix);
            let entry = locate::entry(section.body, &key)
                .ok_or_else(|| fail(key.clone(), KeyProblem::Missing, None))?;
            let value = crate::value::parse_decimal(&entry.value.compact())
                .map_err(|_| fail(key.clone(), KeyProblem::NotANumber, Some(entry.key_at)))?;
            if value >= limit {
                return Err(fail(
                    key,
                    KeyProblem::OutOfRange { value, limit },
                    Some(entry.key_at),
                ));
            }
            Ok(value)
        };
        // Both are below limits that fit their types (banks: u16, rings per bank: u8).
        let bank = ring_of("BankNumber", u32::from(profile.banks))?;
        let bank = u16::try_from(bank).map_err(|_| {
            fail(
                KeyName::new(),
                KeyProblem::OutOfRange {
                    value: bank,
                    limit: u32::from(profile.banks),
                },
                None,
            )
        })?;
        let rings = u32::from(profile.rings_per_bank);
        for ring in [ring_of("RingTx", rings)?, ring_of("RingRx", rings)?] {
            let ring = u8::try_from(ring).map_err(|_| {
                fail(
                    KeyName::new(),
                    KeyProblem::OutOfRange {
                        value: ring,
                        limit: rings,
                    },
                    None,
                )
            })?;
            if !used.mark(bank, ring) {
                let name = crate::strings::copy(&section.name.compact());
                return Err(ring_in_use(&section, bank, ring, name));
            }
        }
    }
    Ok(())
}

/// The first section before `before` whose instances use ring `ring` of bank `bank` (or this one,
/// when it uses the ring twice itself).
fn first_user(expanded: &Expanded<'_>, bank: u16, ring: u8, before: usize) -> NameBuf {
    for section in expanded.sections() {
        if section.body_at > before || !expanded.has_instances(&section.name.compact()) {
            continue;
        }
        let mut hit = false;
        let _ = ring_specs(section.body, expanded.profile(), |spec| {
            hit |= spec.bank == bank && (spec.tx == ring || spec.rx == ring);
        });
        if hit {
            return crate::strings::copy(&section.name.compact());
        }
    }
    NameBuf::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::DeviceType;

    const GOOD: &str = "[GENERAL]\nServicesEnabled = \"cy\"\n\n[SSL]\nLimitDevAccess = 0\n\n\
[SSL_INT_0]\nNumberCyInstances = 1\nCy0BankNumber = 0\nCy0RingAsymTx = 0\nCy0RingSymTx = 2\n\
Cy0RingAsymRx = 8\nCy0RingSymRx = 10\nCy0NumConcurrentAsymRequests = 64\n\
Cy0NumConcurrentSymRequests = 512\n\n[SSL_INT_1]\nNumberCyInstances = 1\nCy0BankNumber = 0\n\
Cy0RingAsymTx = 1\nCy0RingSymTx = 3\nCy0RingAsymRx = 9\nCy0RingSymRx = 11\n\
Cy0NumConcurrentAsymRequests = 64\nCy0NumConcurrentSymRequests = 512\n";

    /// A complete index of `text`.
    fn complete_index(text: &str) -> Vec<SectionSpan> {
        let mut spans = vec![SectionSpan::default(); index_len(text.as_bytes())];
        let built = index(text.as_bytes(), &mut spans);
        assert_eq!((built.filled, built.complete), (spans.len() / 2, true));
        spans
    }

    fn check(text: &str) -> Result<(), ExpandedError> {
        verify(&Expanded::unindexed(
            text.as_bytes(),
            DeviceType::C6xx.profile(),
        ))
    }

    #[test]
    fn a_good_expansion_passes_and_is_indexed() {
        check(GOOD).expect("valid");
        let spans = complete_index(GOOD);
        let view = Expanded::new(GOOD.as_bytes(), &spans, true, DeviceType::C6xx.profile());
        assert!(view.has_section("SSL_INT_1"));
        assert_eq!(
            view.value("SSL", "LimitDevAccess").map(|v| v.raw()),
            Some("0")
        );
        let users: Vec<String> = view.user_sections().map(|t| t.to_string()).collect();
        assert_eq!(users, ["SSL"]);
        let mut two = [SectionSpan::default(); 2];
        let partial = index(GOOD.as_bytes(), &mut two);
        assert_eq!((partial.filled, partial.complete), (2, false));
        let exact = index(GOOD.as_bytes(), &mut spans.clone());
        assert_eq!((exact.filled, exact.complete), (spans.len() / 2, true));
    }

    #[test]
    fn the_index_finds_what_a_scan_finds() {
        // Many derived names sharing their first word, names written with blanks, and a
        // repeated name (the first one counts), looked up by the index and by a plain scan.
        let mut text = String::from("[GENERAL]\nx = 0\n[ S SL ]\nLimitDevAccess = 1\n");
        for n in 0..64 {
            text.push_str(&format!(
                "[SSL_INT_{n}]\nx = {n}\n[SSL_DEV0_INT_{n}]\nx = d{n}\n"
            ));
        }
        text.push_str("[SSL_INT_7]\nx = second\n[A_LONGER_NAME_THAN_SIXTEEN_BYTES]\nx = long\n");
        let profile = DeviceType::C6xx.profile();
        let scanned = Expanded::unindexed(text.as_bytes(), profile);
        let mut names: Vec<String> = (0..66)
            .flat_map(|n| [format!("SSL_INT_{n}"), format!("SSL_DEV0_INT_{n}")])
            .collect();
        names.extend(
            [
                "SSL",
                "S SL",
                " SSL",
                "S\tSL",
                "GENERAL",
                "SS",
                "A_LONGER_NAME_THAN_SIXTEEN_BYTES",
            ]
            .map(String::from),
        );
        names.extend(["A_LONGER_NAME_THAN_SIXTEEN_BYTE", "", "SSL_INT_"].map(String::from));
        // The table of `index_len` entries, and tables just full, one entry from full and
        // larger: every lookup ends, and finds what the scan finds.
        let sections = index_len(text.as_bytes()) / 2;
        for len in [sections * 2, sections, sections + 1, sections * 3 + 7] {
            let mut spans = vec![SectionSpan::default(); len];
            let built = index(text.as_bytes(), &mut spans);
            assert_eq!((built.filled, built.complete), (sections, true), "{len}");
            let indexed = Expanded::new(text.as_bytes(), &spans, true, profile);
            for name in &names {
                assert_eq!(
                    indexed.section(name),
                    scanned.section(name),
                    "{name:?} ({len})"
                );
            }
            assert_eq!(indexed.value("SSL_INT_7", "x").map(|v| v.raw()), Some("7"));
            // `[ S SL ]` is section `SSL`, as the kernel compacts it; a name asked for with a
            // blank in it is nobody's (the index used to answer it as written).
            assert!(indexed.has_section("SSL") && !indexed.has_section("S SL"));
            assert!(!indexed.has_section("SSL_INT_64"));
        }
    }

    #[test]
    fn storage_too_small_leaves_the_index_incomplete_and_storage_is_rewritten() {
        let mut spans = [SectionSpan {
            filled: true,
            ..SectionSpan::default()
        }; 3];
        let none = index(b"no sections here\n", &mut spans);
        assert_eq!((none.filled, none.complete), (0, true));
        assert!(spans.iter().all(|s| !s.filled), "old entries cleared");
        let view = Expanded::new(
            b"no sections here\n",
            &spans,
            true,
            DeviceType::C6xx.profile(),
        );
        assert!(!view.has_section("GENERAL"));
        let full = index(GOOD.as_bytes(), &mut []);
        assert_eq!((full.filled, full.complete), (0, false));
    }

    #[test]
    fn limit_dev_access_is_read_once_into_the_index_and_the_same_without_it() {
        let text = "[GENERAL]\nx = 1\n[A]\nLimitDevAccess = 1\n[B]\nLimitDevAccess = 0x1\n\
[C_INT_0]\nLimitDevAccess = 1\n[D]\nNumProcesses = 2\n";
        let spans = complete_index(text);
        let mut entered: Vec<&SectionSpan> = spans.iter().filter(|s| s.filled).collect();
        entered.sort_by_key(|s| s.name_at);
        let limits: Vec<Option<bool>> = entered.iter().map(|s| s.limit_dev_access).collect();
        // GENERAL and D have none and B's value is not decimal (false, as the kernel reads it);
        // the derived-shaped name is left to the text.
        assert_eq!(
            limits,
            [Some(false), Some(true), Some(false), None, Some(false)]
        );
        let profile = DeviceType::C6xx.profile();
        let indexed = Expanded::new(text.as_bytes(), &spans, true, profile);
        let scanned = Expanded::unindexed(text.as_bytes(), profile);
        for name in ["A", "B", "C_INT_0", "D", "missing"] {
            let expected = match name {
                "A" | "C_INT_0" => Some(true),
                "B" | "D" => Some(false),
                _ => None,
            };
            assert_eq!(indexed.limit_dev_access(name), expected, "{name}");
            assert_eq!(scanned.limit_dev_access(name), expected, "{name}");
        }
    }

    #[test]
    fn bad_numbers_name_the_line_and_the_key() {
        let err = check(&GOOD.replace("Cy0RingAsymTx = 1", "Cy0RingAsymTx = 300")).unwrap_err();
        assert_eq!(err.line, 20);
        assert!(
            err.to_string().contains("[SSL_INT_1] Cy0RingAsymTx = 300"),
            "{err}"
        );
        let err = check(&GOOD.replace(
            "Cy0BankNumber = 0\nCy0RingAsymTx = 1",
            "Cy0BankNumber = 65535\nCy0RingAsymTx = 1",
        ))
        .unwrap_err();
        assert!(err.to_string().contains("Cy0BankNumber = 65535"), "{err}");
    }

    #[test]
    fn a_ring_used_twice_is_refused() {
        let err = check(&GOOD.replace("Cy0RingAsymTx = 1", "Cy0RingAsymTx = 0")).unwrap_err();
        assert_eq!(
            err.problem,
            ExpandedProblem::RingInUse {
                bank: 0,
                ring: 0,
                section: NameBuf::try_from("SSL_INT_1").expect("fits"),
                first: NameBuf::try_from("SSL_INT_0").expect("fits"),
            }
        );
    }

    #[test]
    fn malformed_lines_are_refused() {
        let err = check(&GOOD.replace("[SSL]", "[SSL")).unwrap_err();
        assert_eq!(
            (err.line, err.problem),
            (
                4,
                ExpandedProblem::Malformed("a section header without `]`")
            )
        );
        assert!(check(&format!("x = 1\n{GOOD}")).is_err());
        assert!(check(&GOOD.replace("LimitDevAccess = 0", "LimitDevAccess")).is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// `GOOD` with the numbers of some lines replaced.
        fn edited(edits: &[(usize, u32)]) -> String {
            let mut lines: Vec<String> = GOOD.lines().map(str::to_string).collect();
            for (at, value) in edits {
                let at = at % lines.len();
                if let Some((key, old)) = lines[at].split_once(" = ")
                    && old.parse::<u32>().is_ok()
                {
                    lines[at] = format!("{key} = {value}");
                }
            }
            lines.join("\n")
        }

        proptest! {
            #[test]
            fn verified_files_have_rings_inside_the_device_used_once(
                edits in proptest::collection::vec((0usize..64, prop_oneof![0u32..20, any::<u32>()]), 0..6)
            ) {
                let text = edited(&edits);
                let profile = DeviceType::C6xx.profile();
                let view = Expanded::unindexed(text.as_bytes(), profile);
                if verify(&view).is_ok() {
                    let mut used = std::collections::HashSet::new();
                    for section in view.sections().filter(|s| view.is_derived(&s.name.compact())) {
                        ring_specs(section.body, &profile, |spec| {
                            assert!(spec.bank < profile.banks);
                            for ring in [spec.tx, spec.rx] {
                                assert!(ring < profile.rings_per_bank);
                                assert!(used.insert((spec.bank, ring)), "{spec:?} twice");
                            }
                        })
                        .expect("verified");
                    }
                }
            }
        }
    }
}
