//! Names of the sections and keys the driver gives a meaning to, and how instance keys are built.

use crate::profile::Driver;
use crate::strings::{KeyName, push_decimal};

/// `[GENERAL]`: device-wide settings.
pub const GENERAL: &str = "GENERAL";
/// `[KERNEL]`: instances for in-kernel users.
pub const KERNEL: &str = "KERNEL";
/// `[KERNEL_QAT]`: instances for the kernel-space service layer (QAT 1.7).
pub const KERNEL_QAT: &str = "KERNEL_QAT";
/// `[SIOV]`: Scalable IOV settings (QAT 2.0).
pub const SIOV: &str = "SIOV";
/// `[INLINE]`: c4xxx inline IPsec settings.
pub const INLINE: &str = "INLINE";
/// `[DEBUG]`: debug settings of debug builds.
pub const DEBUG: &str = "DEBUG";

/// `ConfigVersion` in `[GENERAL]`.
pub const CONFIG_VERSION: &str = "ConfigVersion";
/// `ServicesEnabled` in `[GENERAL]`.
pub const SERVICES_ENABLED: &str = "ServicesEnabled";
/// `ServicesProfile` in `[GENERAL]`.
pub const SERVICES_PROFILE: &str = "ServicesProfile";
/// `FirstUserBundle`, added to `[GENERAL]` by expansion.
pub const FIRST_USER_BUNDLE: &str = "FirstUserBundle";
/// Default asymmetric ring depth in `[GENERAL]`.
pub const CY_NUM_CONCURRENT_ASYM: &str = "CyNumConcurrentAsymRequests";
/// Default symmetric ring depth in `[GENERAL]`.
pub const CY_NUM_CONCURRENT_SYM: &str = "CyNumConcurrentSymRequests";
/// Default compression ring depth in `[GENERAL]`.
pub const DC_NUM_CONCURRENT: &str = "DcNumConcurrentRequests";
/// Interrupt coalescing on or off, in `[GENERAL]` (default 1).
pub const COALESCING_ENABLED: &str = "InterruptCoalescingEnabled";
/// Interrupt coalescing timer in nanoseconds, in `[GENERAL]` (default 10000).
pub const COALESCING_TIMER_NS: &str = "InterruptCoalescingTimerNs";
/// Responses per coalesced interrupt, in `[GENERAL]` (default 0).
pub const COALESCING_NUM_RESPONSES: &str = "InterruptCoalescingNumResponses";
/// `PkeServiceDisabled` in `[GENERAL]` (parsed by QAT20 only).
pub const PKE_SERVICE_DISABLED: &str = "PkeServiceDisabled";
/// `NumberAdis` of `[SIOV]`: Scalable-IOV ADIs to reserve banks for (QAT20).
pub const NUMBER_ADIS: &str = "NumberAdis";
/// `NumProcesses` of a user section.
pub const NUM_PROCESSES: &str = "NumProcesses";
/// `LimitDevAccess` of a user section.
pub const LIMIT_DEV_ACCESS: &str = "LimitDevAccess";
/// Substring that marks keys regenerated per process.
pub const CORE_AFFINITY: &str = "CoreAffinity";

/// Default asymmetric requests in flight per ring (`ADF_CFG_DEF_CY_RING_ASYM_SIZE`).
pub const DEFAULT_ASYM_REQUESTS: u32 = 64;
/// Default symmetric requests in flight per ring (`ADF_CFG_DEF_CY_RING_SYM_SIZE`).
pub const DEFAULT_SYM_REQUESTS: u32 = 512;
/// Default compression requests in flight per ring (`ADF_CFG_DEF_DC_RING_SIZE`).
pub const DEFAULT_DC_REQUESTS: u32 = 512;

/// The section the kernel generates per logical accelerator (`[Accelerator0]`, …), and the name
/// that asks for them.
pub const ACCELERATOR: &str = "Accelerator";

/// What a section is for, decided by its name and the driver family
/// (`../shared/reference/qat-semantics.md` §1.5 and §2.6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SectionKind {
    /// `[GENERAL]`.
    General,
    /// `[KERNEL]`, and `[KERNEL_QAT]` on QAT 1.7: instances created directly, no expansion.
    Kernel,
    /// `[SIOV]` on QAT20: reserves banks for Scalable-IOV ADIs before the user sections.
    Siov,
    /// A section the driver neither expands nor cleans up: `[Accelerator]` (the request for the
    /// generated accelerator sections) and, on QAT20, `[INLINE]`.
    Inert,
    /// Anything else: a user process section, expanded per process — on QAT 1.7 `[INLINE]`,
    /// `[SIOV]` and `[DEBUG]` too, on QAT20 `[KERNEL_QAT]` and `[DEBUG]`.
    User,
}

impl SectionKind {
    /// Classifies a section by its (compacted) name for a driver family.
    pub fn of(name: &str, driver: Driver) -> Self {
        match (name, driver) {
            (GENERAL, _) => Self::General,
            (KERNEL, _) | (KERNEL_QAT, Driver::Qat17) => Self::Kernel,
            (SIOV, Driver::Qat20) => Self::Siov,
            (INLINE, Driver::Qat20) | (ACCELERATOR, _) => Self::Inert,
            _ => Self::User,
        }
    }

    /// Whether the clean-up after expansion keeps every key of user section `name` instead of
    /// reducing it to `LimitDevAccess`: the driver matches `Accelerator` (and on QAT20 `SIOV`)
    /// anywhere in the name.
    pub fn keeps_all_keys(name: &str, driver: Driver) -> bool {
        name.contains(ACCELERATOR) || (driver == Driver::Qat20 && name.contains(SIOV))
    }
}

/// The two instance families of a section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Family {
    /// `Cy<i>…` crypto instances.
    Cy,
    /// `Dc<i>…` compression instances.
    Dc,
}

impl Family {
    /// Both families, in the order the driver processes them within a service pass.
    pub const ALL: [Self; 2] = [Self::Cy, Self::Dc];

    /// Key prefix (`Cy`, `Dc`).
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Cy => "Cy",
            Self::Dc => "Dc",
        }
    }

    /// The key that holds the instance count.
    pub const fn count_key(self) -> &'static str {
        match self {
            Self::Cy => "NumberCyInstances",
            Self::Dc => "NumberDcInstances",
        }
    }

    /// Human name of the service.
    pub const fn service_name(self) -> &'static str {
        match self {
            Self::Cy => "crypto",
            Self::Dc => "compression",
        }
    }
}

/// `<Cy|Dc><i>Name`.
pub const NAME: &str = "Name";
/// `<Cy|Dc><i>IsPolled`.
pub const IS_POLLED: &str = "IsPolled";
/// `<Cy|Dc><i>BankNumber`: the bank of an instance (QAT 1.7, and compression on QAT 2.0).
pub const BANK_NUMBER: &str = "BankNumber";
/// `Cy<i>BankNumberAsym`: the bank of a crypto instance's asymmetric part on QAT 2.0.
pub const BANK_NUMBER_ASYM: &str = "BankNumberAsym";
/// `Cy<i>BankNumberSym`: the bank of a crypto instance's symmetric part on QAT 2.0.
pub const BANK_NUMBER_SYM: &str = "BankNumberSym";

/// The keys of one ring pair of an instance, as expansion writes them and ring set-up reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairKeys {
    /// The bank key on QAT 2.0, where a crypto instance's two parts sit in different banks
    /// (`BankNumberAsym` / `BankNumberSym`); [`BANK_NUMBER`] everywhere else.
    pub cross_bank: &'static str,
    /// The request ring.
    pub tx: &'static str,
    /// The response ring.
    pub rx: &'static str,
    /// Requests in flight (`NumConcurrent…`).
    pub depth: &'static str,
}

/// The asymmetric ring pair of a `Cy<i>` instance.
pub const ASYM_PAIR: PairKeys = PairKeys {
    cross_bank: BANK_NUMBER_ASYM,
    tx: "RingAsymTx",
    rx: "RingAsymRx",
    depth: "NumConcurrentAsymRequests",
};
/// The symmetric ring pair of a `Cy<i>` instance.
pub const SYM_PAIR: PairKeys = PairKeys {
    cross_bank: BANK_NUMBER_SYM,
    tx: "RingSymTx",
    rx: "RingSymRx",
    depth: "NumConcurrentSymRequests",
};
/// The ring pair of a `Dc<i>` instance.
pub const DC_PAIR: PairKeys = PairKeys {
    cross_bank: BANK_NUMBER,
    tx: "RingTx",
    rx: "RingRx",
    depth: "NumConcurrentRequests",
};

impl Family {
    /// The ring pairs an instance of this family can have, in the order ring set-up reads them.
    pub const fn pairs(self) -> &'static [PairKeys] {
        match self {
            Self::Cy => &[ASYM_PAIR, SYM_PAIR],
            Self::Dc => &[DC_PAIR],
        }
    }
}

/// Builds `<Cy|Dc><index><suffix>`, e.g. `Cy3CoreAffinity`.
pub fn instance_key(family: Family, index: u32, suffix: &str) -> KeyName {
    numbered_key(family.prefix(), index, suffix)
}

/// Builds `<prefix><number><suffix>`, e.g. `Bank12CoreAffinity`, `Adi0BankNumber`,
/// `Accelerator3`, without `core::fmt`. Capacity 40 holds every such name the crate builds: an
/// instance key is at most 37 bytes (`Cy`, 10 digits, `NumConcurrentAsymRequests`), a bank key 40
/// (`Bank`, a bank number below 65,536, `InterruptCoalescingNumResponses`), an accelerator section
/// name 21.
pub fn numbered_key(prefix: &str, number: u32, suffix: &str) -> KeyName {
    let mut key = KeyName::new();
    let _ = key
        .push_str(prefix)
        .and_then(|()| push_decimal(&mut key, u64::from(number)))
        .and_then(|()| key.push_str(suffix));
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_keys() {
        use Driver::{Qat17, Qat20};
        assert_eq!(SectionKind::of("GENERAL", Qat20), SectionKind::General);
        assert_eq!(SectionKind::of("KERNEL_QAT", Qat17), SectionKind::Kernel);
        assert_eq!(SectionKind::of("KERNEL_QAT", Qat20), SectionKind::User);
        assert_eq!(SectionKind::of("SIOV", Qat20), SectionKind::Siov);
        for name in ["SIOV", "INLINE", "DEBUG"] {
            assert_eq!(SectionKind::of(name, Qat17), SectionKind::User, "{name}");
        }
        assert_eq!(SectionKind::of("INLINE", Qat20), SectionKind::Inert);
        assert_eq!(SectionKind::of("DEBUG", Qat20), SectionKind::User);
        assert_eq!(SectionKind::of("general", Qat17), SectionKind::User);
        assert!(SectionKind::keeps_all_keys("MyAccelerator", Qat17));
        assert!(!SectionKind::keeps_all_keys("MySIOV", Qat17));
        assert!(SectionKind::keeps_all_keys("SIOV_2", Qat20));
        assert_eq!(
            instance_key(Family::Dc, 12, "CoreAffinity").as_str(),
            "Dc12CoreAffinity"
        );
        assert_eq!(
            instance_key(Family::Cy, u32::MAX, "NumConcurrentAsymRequests").len(),
            37
        );
        let longest_bank_key = "Bank65535InterruptCoalescingNumResponses";
        assert_eq!(
            numbered_key(
                "Bank",
                u32::from(u16::MAX),
                "InterruptCoalescingNumResponses"
            )
            .as_str(),
            longest_bank_key
        );
        assert_eq!(longest_bank_key.len(), 40);
        assert_eq!(
            numbered_key(ACCELERATOR, u32::MAX, "").as_str(),
            "Accelerator4294967295"
        );
    }
}
