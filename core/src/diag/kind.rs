//! [`DiagKind`]: one variant per cause, each with its stable code and severity.

use core::fmt;

use crate::config::expanded::ExpandedError;
use crate::config::{Family, Text};
use crate::expand::Shortage;
use crate::profile::DeviceType;
use crate::strings::{KeyName, NameBuf};
use crate::value::{CoreListError, NumberError, Services, ServicesProfile};

/// Which part of a line a lexical finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// A section name inside `[...]`.
    SectionName,
    /// A key, left of `=`.
    Key,
    /// A value, right of `=`.
    Value,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SectionName => "section name",
            Self::Key => "key",
            Self::Value => "value",
        })
    }
}

/// The cause of a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiagKind<'a> {
    // ---- Q1xx: grammar -------------------------------------------------------------------------
    /// A `key = value` line before any section header.
    KeyOutsideSection {
        /// The key.
        key: Text<'a>,
    },
    /// A header without its closing `]`.
    UnclosedHeader,
    /// A header `[]` with no name.
    EmptySectionName,
    /// Text after `]` on a header line (ignored by the reference).
    TextAfterHeader {
        /// The section opened by the header.
        section: Text<'a>,
        /// The ignored text.
        extra: &'a str,
    },
    /// A line that is neither a header, a comment nor `key = value`.
    MissingEquals {
        /// The line's text.
        text: Text<'a>,
    },
    /// `= value` with nothing before `=`.
    EmptyKey,
    /// `key =` with nothing after `=`.
    EmptyValue {
        /// The key.
        key: Text<'a>,
    },
    /// Whitespace inside a name, key or value, which the reference silently removes.
    InnerWhitespace {
        /// Which part.
        part: Part,
        /// The text as written.
        text: Text<'a>,
    },
    /// A key given twice in one section; the first wins.
    DuplicateKey {
        /// The key.
        key: Text<'a>,
        /// Its section.
        section: Text<'a>,
        /// Line of the occurrence that is used.
        first_line: u32,
    },
    /// A name, key or value of 128 bytes or more.
    TooLong {
        /// Which part.
        part: Part,
        /// Its length in bytes.
        len: usize,
    },
    /// A carriage return that is not part of a `\r\n` line end.
    BareCarriageReturn,
    /// The section table is full.
    TooManySections {
        /// Its capacity.
        capacity: usize,
    },
    /// The key table is full.
    TooManyKeys {
        /// Its capacity.
        capacity: usize,
    },
    /// The input is larger than 4 GiB.
    InputTooLarge {
        /// Its length.
        len: usize,
    },
    /// A section header that appears a second time.
    SectionReopened {
        /// The section.
        section: Text<'a>,
        /// Line of its first header.
        first_line: u32,
    },
    /// A control byte inside a name, key or value.
    ControlCharacter {
        /// Which part.
        part: Part,
        /// The byte.
        byte: u8,
    },
    /// A name, key or value that is not UTF-8.
    InvalidUtf8 {
        /// Which part.
        part: Part,
    },

    // ---- Q2xx: [GENERAL] -----------------------------------------------------------------------
    /// No `[GENERAL]` section.
    MissingGeneral,
    /// `[GENERAL]` lacks `ConfigVersion`.
    MissingConfigVersion,
    /// `ConfigVersion` is not 2.
    UnsupportedConfigVersion {
        /// The value found.
        value: Text<'a>,
    },
    /// `[GENERAL]` lacks `ServicesEnabled`.
    MissingServicesEnabled {
        /// The device type, when known.
        device: Option<DeviceType>,
    },
    /// `ServicesEnabled` is not a known combination.
    InvalidServicesEnabled {
        /// The value found.
        value: Text<'a>,
        /// The device type, when known.
        device: Option<DeviceType>,
    },
    /// `ServicesEnabled` is known but this device or profile does not support it.
    ServicesNotSupported {
        /// The services asked for.
        services: Services,
        /// The device type.
        device: Option<DeviceType>,
        /// The profile in force.
        profile: ServicesProfile,
    },
    /// `ServicesProfile` is not a known firmware image.
    InvalidServicesProfile {
        /// The value found.
        value: Text<'a>,
    },
    /// A `*NumConcurrent*Requests` value that the service layer rejects.
    InvalidConcurrentRequests {
        /// The key.
        key: Text<'a>,
        /// The value found.
        value: Text<'a>,
    },
    /// QAT20: `PkeServiceDisabled` is not a number the driver reads.
    InvalidPkeServiceDisabled {
        /// The value found.
        value: Text<'a>,
    },
    /// QAT20: `PkeServiceDisabled` removes asymmetric crypto that `ServicesEnabled` asks for.
    AsymDisabled {
        /// The value found.
        value: Text<'a>,
        /// `ServicesEnabled`.
        services: Services,
    },

    // ---- Q3xx: instances and processes ---------------------------------------------------------
    /// A numeric key whose value is not a plain decimal number.
    NotDecimal {
        /// The key.
        key: Text<'a>,
        /// The value found.
        value: Text<'a>,
        /// Why it is not accepted.
        error: NumberError,
    },
    /// `NumberCyInstances` / `NumberDcInstances` missing although the service is enabled.
    MissingInstanceCount {
        /// The section.
        section: Text<'a>,
        /// Which instance family.
        family: Family,
    },
    /// Instances requested for a service that `ServicesEnabled` does not enable.
    InstancesWithoutService {
        /// The count key.
        key: Text<'a>,
        /// The count.
        count: u32,
        /// The services enabled, when known.
        services: Services,
    },
    /// More instances than the service layer supports.
    TooManyInstances {
        /// The count key.
        key: Text<'a>,
        /// The count.
        count: u32,
    },
    /// An instance lacks `Name`, `IsPolled` or `CoreAffinity`.
    MissingInstanceKey {
        /// The section.
        section: Text<'a>,
        /// The missing key, e.g. `Cy3Name`.
        key: KeyName,
        /// The count key that requires it.
        count_key: Text<'a>,
        /// The count.
        count: u32,
    },
    /// An `IsPolled` value the section kind does not allow.
    InvalidPollingMode {
        /// The key.
        key: Text<'a>,
        /// The value found.
        value: Text<'a>,
        /// Whether the section is a kernel section.
        kernel: bool,
    },
    /// A `CoreAffinity` value that is not a core list.
    InvalidCoreAffinity {
        /// The key.
        key: Text<'a>,
        /// The value found.
        value: Text<'a>,
        /// What is wrong with it.
        error: CoreListError,
    },
    /// A user section without `NumProcesses`.
    MissingNumProcesses {
        /// The section.
        section: Text<'a>,
    },
    /// QAT20 `[SIOV]`: `NumberAdis` is not a number the driver reads.
    InvalidNumberAdis {
        /// The value found.
        value: Text<'a>,
    },
    /// A number that is not plain decimal but that the driver reads as meant (`0x2` processes,
    /// `+1`).
    NumberReadAs {
        /// The key.
        key: Text<'a>,
        /// The value found.
        value: Text<'a>,
        /// What the driver reads.
        number: u32,
    },

    // ---- Q4xx: names ---------------------------------------------------------------------------
    /// The derived name of process 0 is longer than 31 bytes: no process can start.
    DerivedNameTooLong {
        /// The user section.
        section: Text<'a>,
        /// The name of process 0.
        example: NameBuf,
    },
    /// A user section name that cannot be used as a slot (lease) name.
    UnsafeSectionName {
        /// The section.
        section: Text<'a>,
    },
    /// A user section whose name contains `Accelerator` (or, on QAT20, `SIOV`): the driver keeps
    /// all its keys after expansion (and merges its per-bank settings into `[Accelerator0]`).
    KeepsAllKeys {
        /// The section.
        section: Text<'a>,
    },

    // ---- Q5xx: what the device can hold ---------------------------------------------------------
    /// Polled instances do not fit in the device's rings.
    NotEnoughRings(Shortage<'a>),
    /// Event-driven instances need more banks than are free.
    NotEnoughEpollBanks(Shortage<'a>),
    /// Some derived names of a section can never be handed out: the slot search of every device
    /// that has them stops earlier, or they are 32 bytes or longer.
    UnusableSlots {
        /// The section.
        section: Text<'a>,
        /// `NumProcesses`.
        processes: u32,
        /// How many names can be handed out.
        usable: u32,
        /// The name of process 0.
        first: NameBuf,
        /// The name of the last process that can start (empty when none).
        last: NameBuf,
        /// What stops the others.
        limit: SlotLimit,
    },
    /// QAT20 `[SIOV]` asks for more ADIs than there are banks after the kernel's.
    TooManyAdis {
        /// ADIs asked for.
        adis: u32,
        /// The first bank they would take (the highest kernel bank + 1).
        first: u16,
        /// Banks of the device.
        banks: u16,
        /// The device type.
        device: DeviceType,
    },

    // ---- Q6xx: consistency across the devices of one machine -----------------------------------
    /// A section's `LimitDevAccess` differs between devices.
    LimitDevAccessDiffers {
        /// The section.
        section: Text<'a>,
        /// Its value in this file.
        here: bool,
        /// Its value on `device`.
        there: bool,
        /// The first device that has the section.
        device: u32,
    },
    /// A `LimitDevAccess = 0` section's `NumProcesses` differs between devices.
    NumProcessesDiffers {
        /// The section.
        section: Text<'a>,
        /// Its value in this file.
        here: u32,
        /// Its value on `device`.
        there: u32,
        /// The first device that has the section.
        device: u32,
    },
    /// A `LimitDevAccess = 1` section is missing on this device.
    LimitedSectionMissing {
        /// The section, as written on `device`.
        section: Text<'a>,
        /// A device that has it.
        device: u32,
    },
    // ---- Q7xx: expanded configurations --------------------------------------------------------
    /// An expanded configuration (a device file, `qsal expand` output) the core cannot use.
    ExpandedInvalid(ExpandedError),

    /// A section's `NumberCyInstances` or `NumberDcInstances` differs between devices.
    InstanceCountsDiffer {
        /// The section.
        section: Text<'a>,
        /// The count key.
        key: Text<'a>,
        /// Its value in this file.
        here: u32,
        /// Its value on `device`.
        there: u32,
        /// The first device that has the section.
        device: u32,
    },
}

/// What keeps derived names of a section from being handed out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotLimit {
    /// The slot search of a device tries at most `max` names per section (`GET_MAX_PROCESSES`).
    Search {
        /// The device type.
        device: DeviceType,
        /// Its limit.
        max: u32,
    },
    /// QAT's user library refuses derived names of 32 bytes or more.
    NameLength {
        /// The first name that is too long.
        first_long: NameBuf,
    },
}

impl DiagKind<'_> {
    /// Every code a diagnostic can have, in order (documented in `docs/diagnostics.md`).
    pub const CODES: [&'static str; 49] = [
        "Q101", "Q102", "Q103", "Q104", "Q105", "Q106", "Q107", "Q108", "Q109", "Q110", "Q111",
        "Q112", "Q113", "Q114", "Q115", "Q116", "Q117", "Q201", "Q202", "Q203", "Q204", "Q205",
        "Q206", "Q207", "Q208", "Q209", "Q210", "Q301", "Q302", "Q303", "Q304", "Q305", "Q306",
        "Q307", "Q308", "Q309", "Q310", "Q401", "Q402", "Q403", "Q501", "Q502", "Q503", "Q504",
        "Q601", "Q602", "Q603", "Q604", "Q701",
    ];

    /// The stable code of this cause.
    pub fn code(&self) -> super::Code {
        super::Code(match self {
            Self::KeyOutsideSection { .. } => "Q101",
            Self::UnclosedHeader => "Q102",
            Self::EmptySectionName => "Q103",
            Self::TextAfterHeader { .. } => "Q104",
            Self::MissingEquals { .. } => "Q105",
            Self::EmptyKey => "Q106",
            Self::EmptyValue { .. } => "Q107",
            Self::InnerWhitespace { .. } => "Q108",
            Self::DuplicateKey { .. } => "Q109",
            Self::TooLong { .. } => "Q110",
            Self::BareCarriageReturn => "Q111",
            Self::TooManySections { .. } => "Q112",
            Self::TooManyKeys { .. } => "Q113",
            Self::InputTooLarge { .. } => "Q114",
            Self::SectionReopened { .. } => "Q115",
            Self::ControlCharacter { .. } => "Q116",
            Self::InvalidUtf8 { .. } => "Q117",
            Self::MissingGeneral => "Q201",
            Self::MissingConfigVersion => "Q202",
            Self::UnsupportedConfigVersion { .. } => "Q203",
            Self::MissingServicesEnabled { .. } => "Q204",
            Self::InvalidServicesEnabled { .. } => "Q205",
            Self::ServicesNotSupported { .. } => "Q206",
            Self::InvalidServicesProfile { .. } => "Q207",
            Self::InvalidConcurrentRequests { .. } => "Q208",
            Self::InvalidPkeServiceDisabled { .. } => "Q209",
            Self::AsymDisabled { .. } => "Q210",
            Self::NotDecimal { .. } => "Q301",
            Self::MissingInstanceCount { .. } => "Q302",
            Self::InstancesWithoutService { .. } => "Q303",
            Self::TooManyInstances { .. } => "Q304",
            Self::MissingInstanceKey { .. } => "Q305",
            Self::InvalidPollingMode { .. } => "Q306",
            Self::InvalidCoreAffinity { .. } => "Q307",
            Self::MissingNumProcesses { .. } => "Q308",
            Self::InvalidNumberAdis { .. } => "Q309",
            Self::NumberReadAs { .. } => "Q310",
            Self::DerivedNameTooLong { .. } => "Q401",
            Self::UnsafeSectionName { .. } => "Q402",
            Self::KeepsAllKeys { .. } => "Q403",
            Self::NotEnoughRings(_) => "Q501",
            Self::NotEnoughEpollBanks(_) => "Q502",
            Self::UnusableSlots { .. } => "Q503",
            Self::TooManyAdis { .. } => "Q504",
            Self::LimitDevAccessDiffers { .. } => "Q601",
            Self::NumProcessesDiffers { .. } => "Q602",
            Self::LimitedSectionMissing { .. } => "Q603",
            Self::InstanceCountsDiffer { .. } => "Q604",
            Self::ExpandedInvalid(_) => "Q701",
        })
    }

    /// The severity of this cause.
    pub fn severity(&self) -> super::Severity {
        match self {
            Self::TextAfterHeader { .. }
            | Self::InnerWhitespace { .. }
            | Self::DuplicateKey { .. }
            | Self::SectionReopened { .. }
            | Self::MissingNumProcesses { .. }
            | Self::LimitDevAccessDiffers { .. }
            | Self::NumProcessesDiffers { .. }
            | Self::LimitedSectionMissing { .. }
            | Self::EmptyKey
            | Self::BareCarriageReturn
            | Self::InvalidServicesProfile { .. }
            | Self::AsymDisabled { .. }
            | Self::NumberReadAs { .. }
            | Self::KeepsAllKeys { .. }
            | Self::InstanceCountsDiffer { .. } => super::Severity::Warning,
            Self::UnusableSlots { usable, .. } if *usable > 0 => super::Severity::Warning,
            Self::ControlCharacter {
                part: Part::Value,
                byte,
            } if *byte != 0 => super::Severity::Warning,
            _ => super::Severity::Error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_listed() {
        assert!(DiagKind::CODES.windows(2).all(|w| w[0] < w[1]));
        for kind in [
            DiagKind::EmptyKey,
            DiagKind::MissingGeneral,
            DiagKind::KeepsAllKeys {
                section: Text::new("A"),
            },
        ] {
            assert!(DiagKind::CODES.contains(&kind.code().as_str()));
        }
    }
}
