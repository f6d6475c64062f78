//! Which rings an instance has, read from the *expanded* keys of its section (`Cy<i>BankNumber`,
//! `Cy<i>RingAsymTx`, …, `Dc<i>NumConcurrentRequests`; the key names come from
//! [`keys`](crate::config::keys)), as the service access layer reads them on start — and checked
//! against the device, so a hand-edited file can never make qsal touch a bank or ring the device
//! does not have.

use core::fmt;

use crate::config::keys::{BANK_NUMBER, Family, PairKeys, instance_key};
use crate::config::locate;
use crate::limits::MAX_INSTANCES;
use crate::profile::DeviceProfile;
use crate::strings::KeyName;
use crate::value::parse_decimal;

use super::message::{ASYM_REQUEST_BYTES, REQUEST_BYTES};

/// What a ring pair carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PairKind {
    /// Asymmetric crypto (64-byte requests).
    Asym,
    /// Symmetric crypto (128-byte requests).
    Sym,
    /// Compression (128-byte requests).
    Dc,
}

impl PairKind {
    /// Request size of this kind.
    pub const fn request_bytes(self) -> usize {
        match self {
            Self::Asym => ASYM_REQUEST_BYTES,
            Self::Sym | Self::Dc => REQUEST_BYTES,
        }
    }

    /// The kind of the `n`-th pair of [`Family::pairs`].
    const fn of(family: Family, n: usize) -> Self {
        match (family, n) {
            (Family::Dc, _) => Self::Dc,
            (Family::Cy, 0) => Self::Asym,
            (Family::Cy, _) => Self::Sym,
        }
    }
}

/// One ring pair of one instance, every number inside the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RingSpec {
    /// `Cy` or `Dc`.
    pub family: Family,
    /// Instance index.
    pub index: u32,
    /// What it carries.
    pub kind: PairKind,
    /// Bank number (below the device's bank count).
    pub bank: u16,
    /// Request ring (below the rings per bank).
    pub tx: u8,
    /// Response ring (below the rings per bank).
    pub rx: u8,
    /// Requests in flight it was configured for (`NumConcurrent…`): a power of two, 64…65536.
    pub messages: u32,
}

impl RingSpec {
    /// The ring pair as the transport sees it: its rings, depth and request size.
    pub const fn shape(&self) -> super::PairShape {
        super::PairShape::new(self.tx, self.rx, self.messages, self.kind.request_bytes())
    }
}

/// What is wrong with one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum KeyProblem {
    /// The key is missing.
    Missing,
    /// The value is not a decimal number.
    NotANumber,
    /// The value is not below `limit` (a bank, ring or instance count the device does not have).
    OutOfRange {
        /// The value.
        value: u32,
        /// The first value that is too large.
        limit: u32,
    },
    /// A request depth the service layer refuses (not a power of two in 64…65536).
    BadDepth {
        /// The value.
        value: u32,
    },
}

/// A ring key of an instance cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RingKeyError {
    /// The key.
    pub key: KeyName,
    /// What is wrong.
    pub problem: KeyProblem,
    /// Byte offset of the key's line in the section body (`None` when the key is missing).
    pub at: Option<usize>,
}

impl fmt::Display for RingKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.key;
        match self.problem {
            KeyProblem::Missing => write!(f, "{key} is missing"),
            KeyProblem::NotANumber => write!(f, "{key} is not a decimal number"),
            KeyProblem::OutOfRange { value, limit } => write!(
                f,
                "{key} = {value} is outside the device (it has {limit}, numbered from 0)"
            ),
            KeyProblem::BadDepth { value } => write!(
                f,
                "{key} = {value} is not a power of two between 64 and 65536"
            ),
        }
    }
}

impl core::error::Error for RingKeyError {}

/// Reads decimal key `key` of a section body.
fn number(body: &[u8], key: KeyName) -> Result<Option<(u32, usize)>, RingKeyError> {
    let Some(entry) = locate::entry(body, &key) else {
        return Ok(None);
    };
    match parse_decimal(&entry.value.compact()) {
        Ok(value) => Ok(Some((value, entry.key_at))),
        Err(_) => Err(RingKeyError {
            key,
            problem: KeyProblem::NotANumber,
            at: Some(entry.key_at),
        }),
    }
}

/// Requires `value < limit`.
fn below(key: KeyName, (value, at): (u32, usize), limit: u32) -> Result<u32, RingKeyError> {
    if value < limit {
        Ok(value)
    } else {
        Err(RingKeyError {
            key,
            problem: KeyProblem::OutOfRange { value, limit },
            at: Some(at),
        })
    }
}

fn required(key: KeyName, found: Option<(u32, usize)>) -> Result<(u32, usize), RingKeyError> {
    found.ok_or(RingKeyError {
        key,
        problem: KeyProblem::Missing,
        at: None,
    })
}

/// Calls `f` with every ring pair of every instance of the section whose body is `body`, on a
/// device with `profile`. Every bank and ring is checked against the device and every depth
/// against what the service layer accepts, so a bad number is an error here, never a clamped value.
pub fn ring_specs(
    body: &[u8],
    profile: &DeviceProfile,
    mut f: impl FnMut(RingSpec),
) -> Result<(), RingKeyError> {
    for family in Family::ALL {
        let count_key = crate::strings::copy(family.count_key());
        let count = match number(body, count_key.clone())? {
            Some(found) => below(count_key, found, MAX_INSTANCES.saturating_add(1))?,
            None => 0,
        };
        for index in 0..count {
            let key = |suffix: &str| instance_key(family, index, suffix);
            let mut pairs = 0u32;
            for (n, pair) in family.pairs().iter().enumerate() {
                let Some(tx) = number(body, key(pair.tx))? else {
                    // Asym-only or sym-only crypto instances have one of the two pairs.
                    continue;
                };
                pairs = pairs.saturating_add(1);
                f(pair_spec(
                    body,
                    profile,
                    (family, index),
                    PairKind::of(family, n),
                    pair,
                    tx,
                )?);
            }
            if pairs == 0 {
                let first = family.pairs().first().map_or("RingTx", |p| p.tx);
                return Err(RingKeyError {
                    key: key(first),
                    problem: KeyProblem::Missing,
                    at: None,
                });
            }
        }
    }
    Ok(())
}

fn pair_spec(
    body: &[u8],
    profile: &DeviceProfile,
    (family, index): (Family, u32),
    kind: PairKind,
    pair: &PairKeys,
    tx: (u32, usize),
) -> Result<RingSpec, RingKeyError> {
    let key = |suffix: &str| instance_key(family, index, suffix);
    let rings = u32::from(profile.rings_per_bank);
    let bank = match number(body, key(pair.cross_bank))? {
        Some(found) => (key(pair.cross_bank), found),
        None => (
            key(BANK_NUMBER),
            required(key(BANK_NUMBER), number(body, key(BANK_NUMBER))?)?,
        ),
    };
    let bank = below(bank.0, bank.1, u32::from(profile.banks))?;
    let tx = below(key(pair.tx), tx, rings)?;
    let rx = below(
        key(pair.rx),
        required(key(pair.rx), number(body, key(pair.rx))?)?,
        rings,
    )?;
    let (messages, at) = required(key(pair.depth), number(body, key(pair.depth))?)?;
    if !(64..=65536).contains(&messages) || !messages.is_power_of_two() {
        return Err(RingKeyError {
            key: key(pair.depth),
            problem: KeyProblem::BadDepth { value: messages },
            at: Some(at),
        });
    }
    // Each value was checked against a device limit that fits the narrower type.
    Ok(RingSpec {
        family,
        index,
        kind,
        bank: u16::try_from(bank).unwrap_or(0),
        tx: u8::try_from(tx).unwrap_or(0),
        rx: u8::try_from(rx).unwrap_or(0),
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::DeviceType;

    fn specs(body: &str) -> Result<Vec<RingSpec>, RingKeyError> {
        let mut out = Vec::new();
        ring_specs(body.as_bytes(), &DeviceType::C6xx.profile(), |s| {
            out.push(s);
        })?;
        Ok(out)
    }

    const CY: &str = "NumberCyInstances = 1\nCy0BankNumber = 3\nCy0RingAsymTx = 0\nCy0RingAsymRx = 8\n\
Cy0RingSymTx = 2\nCy0RingSymRx = 10\nCy0NumConcurrentAsymRequests = 64\nCy0NumConcurrentSymRequests = 512\n";

    #[test]
    fn reads_both_pairs_of_a_crypto_instance() {
        let got = specs(CY).expect("valid");
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].kind, got[0].bank, got[0].tx, got[0].rx),
            (PairKind::Asym, 3, 0, 8)
        );
        assert_eq!(
            (got[1].kind, got[1].tx, got[1].rx, got[1].messages),
            (PairKind::Sym, 2, 10, 512)
        );
    }

    #[test]
    fn out_of_range_numbers_are_errors_not_clamped() {
        let err = specs(&CY.replace("Cy0RingAsymTx = 0", "Cy0RingAsymTx = 300")).unwrap_err();
        assert_eq!(err.key.as_str(), "Cy0RingAsymTx");
        assert_eq!(
            err.problem,
            KeyProblem::OutOfRange {
                value: 300,
                limit: 16
            }
        );
        let err = specs(&CY.replace("Cy0BankNumber = 3", "Cy0BankNumber = 65535")).unwrap_err();
        assert_eq!(
            err.key.as_str(),
            "Cy0BankNumber",
            "the bank is named: {err}"
        );
        let err = specs(&CY.replace("Cy0BankNumber = 3", "Cy0BankNumber = x")).unwrap_err();
        assert_eq!(
            (err.key.as_str(), err.problem),
            ("Cy0BankNumber", KeyProblem::NotANumber)
        );
        let err = specs(&CY.replace("Cy0BankNumber = 3\n", "")).unwrap_err();
        assert_eq!(
            (err.key.as_str(), err.problem),
            ("Cy0BankNumber", KeyProblem::Missing)
        );
        let err = specs(&CY.replace("= 512", "= 100")).unwrap_err();
        assert_eq!(err.problem, KeyProblem::BadDepth { value: 100 });
        let err = specs("NumberDcInstances = 1\n").unwrap_err();
        assert_eq!(
            (err.key.as_str(), err.problem),
            ("Dc0RingTx", KeyProblem::Missing)
        );
    }
}
