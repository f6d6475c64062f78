//! [`DiagKind`]: one variant per cause, each with its stable code and severity.

use core::fmt;

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

    // ---- Q4xx: names ---------------------------------------------------------------------------
    /// A derived section name longer than 31 bytes.
    DerivedNameTooLong {
        /// The user section.
        section: Text<'a>,
        /// The longest derived name.
        example: NameBuf,
    },
    /// A user section name that cannot be used as a slot (lease) name.
    UnsafeSectionName {
        /// The section.
        section: Text<'a>,
    },

    // ---- Q5xx: what the device can hold ---------------------------------------------------------
    /// Polled instances do not fit in the device's rings.
    NotEnoughRings(Shortage<'a>),
    /// Event-driven instances need more banks than are free.
    NotEnoughEpollBanks(Shortage<'a>),
    /// `NumProcesses` above what the device's slot search ever tries.
    TooManyProcesses {
        /// The section.
        section: Text<'a>,
        /// `NumProcesses`.
        processes: u32,
        /// The device type.
        device: DeviceType,
        /// The limit.
        max: u32,
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
}

impl DiagKind<'_> {
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
            Self::NotDecimal { .. } => "Q301",
            Self::MissingInstanceCount { .. } => "Q302",
            Self::InstancesWithoutService { .. } => "Q303",
            Self::TooManyInstances { .. } => "Q304",
            Self::MissingInstanceKey { .. } => "Q305",
            Self::InvalidPollingMode { .. } => "Q306",
            Self::InvalidCoreAffinity { .. } => "Q307",
            Self::MissingNumProcesses { .. } => "Q308",
            Self::DerivedNameTooLong { .. } => "Q401",
            Self::UnsafeSectionName { .. } => "Q402",
            Self::NotEnoughRings(_) => "Q501",
            Self::NotEnoughEpollBanks(_) => "Q502",
            Self::TooManyProcesses { .. } => "Q503",
            Self::LimitDevAccessDiffers { .. } => "Q601",
            Self::NumProcessesDiffers { .. } => "Q602",
            Self::LimitedSectionMissing { .. } => "Q603",
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
            | Self::BareCarriageReturn => super::Severity::Warning,
            Self::ControlCharacter {
                part: Part::Value,
                byte,
            } if *byte != 0 => super::Severity::Warning,
            _ => super::Severity::Error,
        }
    }
}
