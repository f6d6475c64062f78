//! Which rings an instance has, read from the *expanded* keys of its derived section
//! (`Cy<i>BankNumber`, `Cy<i>RingAsymTx`, …, `Dc<i>NumConcurrentRequests`), as the service access
//! layer reads them on start.

use core::fmt;

use crate::config::keys::{Family, instance_key};
use crate::platform::Devices;
use crate::value::parse_decimal;

use super::message::{ASYM_REQUEST_BYTES, REQUEST_BYTES};

/// What a ring pair carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

/// One ring pair of one instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingSpec {
    /// `Cy` or `Dc`.
    pub family: Family,
    /// Instance index.
    pub index: u32,
    /// What it carries.
    pub kind: PairKind,
    /// Bank number.
    pub bank: u16,
    /// Request ring.
    pub tx: u8,
    /// Response ring.
    pub rx: u8,
    /// Requests in flight it was configured for (`NumConcurrent…`).
    pub messages: u32,
}

/// A key the ring set-up needs is missing or invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingKey {
    /// The derived section.
    pub section: heapless::String<32>,
    /// The key.
    pub key: crate::diag::KeyName,
}

impl fmt::Display for MissingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] has no valid {}; reload the configuration with `qsal up`",
            self.section, self.key
        )
    }
}

/// Calls `f` with every ring pair of every instance of `section` on device `accel_id`.
pub fn ring_specs<D: Devices>(
    devices: &D,
    accel_id: u32,
    section: &str,
    mut f: impl FnMut(RingSpec),
) -> Result<Result<(), MissingKey>, D::Error> {
    let number = |key: &str| -> Result<Option<u32>, D::Error> {
        devices.with_value(accel_id, section, key, |v| {
            v.and_then(|v| parse_decimal(v).ok())
        })
    };
    let missing = |key: crate::diag::KeyName| {
        let mut name = heapless::String::new();
        for c in section.chars() {
            if name.push(c).is_err() {
                break;
            }
        }
        MissingKey { section: name, key }
    };
    for family in Family::ALL {
        let count = number(family.count_key())?.unwrap_or(0);
        for index in 0..count {
            let kinds: &[(PairKind, &str, &str, &str, &str)] = match family {
                Family::Cy => &[
                    (
                        PairKind::Asym,
                        "BankNumberAsym",
                        "RingAsymTx",
                        "RingAsymRx",
                        "NumConcurrentAsymRequests",
                    ),
                    (
                        PairKind::Sym,
                        "BankNumberSym",
                        "RingSymTx",
                        "RingSymRx",
                        "NumConcurrentSymRequests",
                    ),
                ],
                Family::Dc => &[(
                    PairKind::Dc,
                    "BankNumber",
                    "RingTx",
                    "RingRx",
                    "NumConcurrentRequests",
                )],
            };
            for (kind, cross_bank, tx_key, rx_key, depth_key) in kinds {
                let key = |suffix: &str| instance_key(family, index, suffix);
                let Some(tx) = number(&key(tx_key))? else {
                    // Asym-only or sym-only instances have one of the two pairs.
                    continue;
                };
                let bank = match number(&key(cross_bank))? {
                    Some(bank) => Some(bank),
                    None => number(&key("BankNumber"))?,
                };
                let rx = number(&key(rx_key))?;
                let messages = number(&key(depth_key))?;
                let (Some(bank), Some(rx), Some(messages)) = (bank, rx, messages) else {
                    return Ok(Err(missing(key(rx_key))));
                };
                f(RingSpec {
                    family,
                    index,
                    kind: *kind,
                    bank: u16::try_from(bank).unwrap_or(u16::MAX),
                    tx: u8::try_from(tx).unwrap_or(u8::MAX),
                    rx: u8::try_from(rx).unwrap_or(u8::MAX),
                    messages,
                });
            }
        }
    }
    Ok(Ok(()))
}
