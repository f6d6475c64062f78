//! The words of every diagnostic: a message that names the cause and a help line that names the fix.

use core::fmt;

use super::{DiagKind, Part, SlotLimit};
use crate::config::Text;
use crate::config::keys;
use crate::limits::{MAX_DERIVED_NAME_LEN, MAX_INSTANCES, MAX_STR_LEN};
use crate::profile::DeviceType;
use crate::value::{NumberError, Services, ServicesProfile, kernel_number};

/// Displays the message of a [`DiagKind`].
pub(super) struct Message<'d, 'a>(pub &'d DiagKind<'a>);

/// Displays the help line of a [`DiagKind`].
pub(super) struct Help<'d, 'a>(pub &'d DiagKind<'a>);

/// Lists the `ServicesEnabled` values a device (or any device) accepts.
struct ValidServices(Option<DeviceType>, ServicesProfile);

impl fmt::Display for ValidServices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for services in Services::ALL {
            let ok = match self.0 {
                Some(device) => device.profile().accepts(services, self.1),
                None => true,
            };
            if ok {
                if !first {
                    f.write_str(", ")?;
                }
                first = false;
                f.write_str(services.as_str())?;
            }
        }
        Ok(())
    }
}

/// "for c6xx" or "for this device" when the type is unknown.
struct ForDevice(Option<DeviceType>);

impl fmt::Display for ForDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(device) => write!(f, "a {device}"),
            None => f.write_str("any supported device"),
        }
    }
}

/// The message of a number that is not plain decimal: what the driver would do with it, by key.
fn not_decimal(
    f: &mut fmt::Formatter<'_>,
    key: &Text<'_>,
    value: &Text<'_>,
    error: NumberError,
) -> fmt::Result {
    let hex = error == NumberError::Hexadecimal;
    let read = kernel_number(&value.compact());
    if key.eq_str(keys::LIMIT_DEV_ACCESS) {
        return if hex {
            write!(
                f,
                "LimitDevAccess = `{value}` is hexadecimal: the driver names the derived sections as if it were {} but its slot search reads 0, so no process could start",
                read.unwrap_or(0)
            )
        } else {
            write!(
                f,
                "LimitDevAccess = `{value}` is read as 0 by the driver, so processes would not be confined to one device"
            )
        };
    }
    if key.eq_str(keys::NUM_PROCESSES) {
        return match read {
            Some(n) => write!(
                f,
                "NumProcesses = `{value}` is not decimal: the driver reads it as hexadecimal {n}"
            ),
            None => write!(
                f,
                "NumProcesses = `{value}` is not a number: the driver reads it as 0, so no process could start"
            ),
        };
    }
    let compact = key.compact();
    match (hex, read) {
        (true, Some(n)) if compact.ends_with("Instances") => write!(
            f,
            "{key} = `{value}` is hexadecimal: the kernel reserves rings for {n} instances, but QAT's user library reads it as 0, so processes get no instance"
        ),
        (true, Some(_)) if compact.ends_with("IsPolled") => write!(
            f,
            "{key} = `{value}` is hexadecimal: the kernel places a polled instance, but QAT's user library reads it as 0 (interrupts) and refuses the instance at start"
        ),
        (true, Some(n)) if compact.contains("NumConcurrent") => write!(
            f,
            "{key} = `{value}` is hexadecimal: the kernel reads it as {n}, but QAT's user library reads request depths in decimal only"
        ),
        _ => write!(
            f,
            "{key} = `{value}` is not accepted: {error}; the driver refuses the device"
        ),
    }
}

impl fmt::Display for Message<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DiagKind as K;
        match self.0 {
            K::KeyOutsideSection { key } => {
                write!(f, "key `{key}` appears before any section header")
            }
            K::UnclosedHeader => f.write_str("section header is missing its closing `]`"),
            K::EmptySectionName => f.write_str("section header `[]` has no name"),
            K::TextAfterHeader { section, extra } => write!(
                f,
                "text after the header of section [{section}] is ignored: `{extra}`"
            ),
            K::MissingEquals { text } => write!(f, "line `{text}` has no `=`"),
            K::EmptyKey => f.write_str("`=` has no key before it; the line is skipped"),
            K::EmptyValue { key } => write!(f, "key `{key}` has no value"),
            K::InnerWhitespace { part, text } => write!(
                f,
                "whitespace inside the {part} `{}` is removed: it is read as `{text}`",
                text.raw()
            ),
            K::DuplicateKey {
                key,
                section,
                first_line,
            } => write!(
                f,
                "key `{key}` is repeated in section [{section}]; the value on line {first_line} is used and this one is ignored"
            ),
            K::TooLong { part, len } => write!(
                f,
                "{part} is {len} bytes long; the limit is {} bytes",
                MAX_STR_LEN.saturating_sub(1)
            ),
            K::BareCarriageReturn => f.write_str(
                "carriage return inside a line; it is removed like a space (old Mac line endings?)",
            ),
            K::TooManySections { capacity } => write!(
                f,
                "more than {capacity} sections; later sections are not read"
            ),
            K::TooManyKeys { capacity } => {
                write!(f, "more than {capacity} keys; later keys are not read")
            }
            K::InputTooLarge { len } => {
                write!(f, "file is {len} bytes; files up to 4 GiB are supported")
            }
            K::SectionReopened {
                section,
                first_line,
            } => write!(
                f,
                "section [{section}] is opened again; its keys are merged into the [{section}] of line {first_line}"
            ),
            K::ControlCharacter { part, byte } => {
                write!(f, "{part} contains the control byte 0x{byte:02x}")?;
                if *part == Part::Value && *byte != 0 {
                    f.write_str("; it is kept as part of the value")?;
                }
                Ok(())
            }
            K::InvalidUtf8 { part } => write!(f, "{part} is not valid UTF-8"),
            K::MissingGeneral => f.write_str("the file has no [GENERAL] section"),
            K::MissingConfigVersion => f.write_str("[GENERAL] has no ConfigVersion"),
            K::UnsupportedConfigVersion { value } => write!(
                f,
                "ConfigVersion is `{value}`, but only version 2 is supported"
            ),
            K::MissingServicesEnabled { .. } => f.write_str("[GENERAL] has no ServicesEnabled"),
            K::InvalidServicesEnabled { value, device } => write!(
                f,
                "ServicesEnabled `{value}` is not a service combination {} accepts",
                ForDevice(*device)
            ),
            K::ServicesNotSupported {
                services,
                device,
                profile,
            } => match device {
                Some(device) if !device.profile().has_services_profiles() => write!(
                    f,
                    "ServicesEnabled `{}` is not supported by a {device}",
                    services.as_str()
                ),
                _ => write!(
                    f,
                    "ServicesEnabled `{}` is not allowed by ServicesProfile {}",
                    services.as_str(),
                    profile.as_str()
                ),
            },
            K::InvalidServicesProfile { value } => write!(
                f,
                "ServicesProfile `{value}` is not a known firmware profile; the driver logs it and loads the DEFAULT profile"
            ),
            K::InvalidConcurrentRequests { key, value } => write!(
                f,
                "{key} = {value}: the driver copies it into every instance, and QAT's user library refuses each of them at start (it takes a power of two from 64 to 65536)"
            ),
            K::InvalidPkeServiceDisabled { value } => write!(
                f,
                "PkeServiceDisabled = `{value}` is not a number; the QAT 2.0 driver refuses the device (\"Failed to do device init\")"
            ),
            K::AsymDisabled { value, services } => write!(
                f,
                "PkeServiceDisabled = {value} removes asymmetric crypto, but ServicesEnabled = {} asks for it: QAT's user library refuses to start on this device",
                services.as_str()
            ),
            K::NotDecimal { key, value, error } => not_decimal(f, key, value, *error),
            K::NumberReadAs { key, value, number } => write!(
                f,
                "{key} = `{value}` is not plain decimal; the driver reads it as {number}"
            ),
            K::InvalidNumberAdis { value } => write!(
                f,
                "NumberAdis = `{value}` is not a number the QAT 2.0 driver reads; it refuses the device (\"Failed to create siov section\")"
            ),
            K::MissingInstanceCount { section, family } => write!(
                f,
                "section [{section}] has no {} although ServicesEnabled enables {}",
                family.count_key(),
                family.service_name()
            ),
            K::InstancesWithoutService {
                key,
                count,
                services,
            } => write!(
                f,
                "{key} = {count}, but ServicesEnabled = {} does not enable the service these instances need",
                services.as_str()
            ),
            K::TooManyInstances { key, count } => write!(
                f,
                "{key} = {count} is more than the {MAX_INSTANCES} instances a process can have"
            ),
            K::MissingInstanceKey {
                section,
                key,
                count_key,
                count,
            } => write!(
                f,
                "section [{section}] declares {count_key} = {count} but has no {key}"
            ),
            K::InvalidPollingMode { key, value, kernel } => {
                if *kernel {
                    write!(
                        f,
                        "{key} = `{value}` is not a number; the driver refuses the device"
                    )
                } else {
                    write!(
                        f,
                        "{key} = {value}: a user-space instance must be polled (1) or event-driven (2)"
                    )
                }
            }
            K::InvalidCoreAffinity { key, value, error } => {
                write!(f, "{key} = `{value}` is not a core list: {error}")
            }
            K::MissingNumProcesses { section } => write!(
                f,
                "section [{section}] has no NumProcesses, so no process can start with it"
            ),
            K::DerivedNameTooLong { example, .. } => write!(
                f,
                "the derived section name of process 0, `{example}`, is {} bytes; QAT's user-space library accepts at most {MAX_DERIVED_NAME_LEN}, so no process can start",
                example.len()
            ),
            K::UnsafeSectionName { section } => {
                write!(f, "section name [{section}] cannot be used as a slot name")
            }
            K::KeepsAllKeys { section } => write!(
                f,
                "[{section}] has `Accelerator` (or, on QAT 2.0, `SIOV`) in its name: the driver keeps all its keys after expansion instead of reducing it to LimitDevAccess, and merges its per-bank settings into a section named [Accelerator0]"
            ),
            K::NotEnoughRings(s) => {
                let needed = s.processes.saturating_mul(s.instances);
                write!(
                    f,
                    "[{}] needs {needed} {} instances ({} processes × {}), but a {} with ServicesEnabled = {} has {} ({} banks × {})",
                    s.section,
                    s.service,
                    s.processes,
                    s.instances,
                    s.device,
                    s.services.as_str(),
                    s.capacity,
                    s.banks_with_service,
                    s.per_bank
                )?;
                if s.taken_before > 0 {
                    write!(
                        f,
                        " and {} of them are used by sections placed before it",
                        s.taken_before
                    )?;
                }
                if needed.saturating_add(s.taken_before) <= s.capacity {
                    write!(
                        f,
                        "; the free ones are in banks reserved for event-driven or kernel instances, so {}{} of process {} finds no ring",
                        s.family.prefix(),
                        s.index,
                        s.process
                    )?;
                }
                Ok(())
            }
            K::NotEnoughEpollBanks(s) => write!(
                f,
                "each of the {} processes of [{}] needs a bank of its own for its event-driven (IsPolled = 2) instances, but only {} of the {} banks of a {} are free for them",
                s.processes, s.section, s.free_banks_before, s.banks, s.device
            ),
            K::UnusableSlots {
                section,
                processes,
                usable,
                first,
                last,
                limit,
            } => {
                if *usable == 0 {
                    write!(
                        f,
                        "[{section}] has NumProcesses = {processes} but no process can ever start"
                    )?;
                } else {
                    write!(
                        f,
                        "[{section}] has NumProcesses = {processes} but only {first}…{last} ({usable}) can be handed out"
                    )?;
                }
                match limit {
                    SlotLimit::Search { device, max } => write!(
                        f,
                        " (the slot search of a {device} tries at most {max} names per section)"
                    ),
                    SlotLimit::NameLength { first_long } => write!(
                        f,
                        " (from `{first_long}` on the names are {} bytes or more, which QAT's user library refuses)",
                        MAX_DERIVED_NAME_LEN.saturating_add(1)
                    ),
                }
            }
            K::TooManyAdis {
                adis,
                first,
                banks,
                device,
            } => write!(
                f,
                "[SIOV] asks for {adis} ADIs, which take banks {first} onwards (right after the kernel's), but a {device} has {banks} banks; the driver refuses the device (\"Not enough resource for ADI\")"
            ),
            K::LimitDevAccessDiffers {
                section,
                here,
                there,
                device,
            } => write!(
                f,
                "[{section}] has LimitDevAccess = {} here but {} on device {device}",
                u8::from(*here),
                u8::from(*there)
            ),
            K::NumProcessesDiffers {
                section,
                here,
                there,
                device,
            } => write!(
                f,
                "[{section}] (LimitDevAccess = 0) has NumProcesses = {here} here but {there} on device {device}"
            ),
            K::LimitedSectionMissing { section, device } => write!(
                f,
                "[{section}] (LimitDevAccess = 1) is configured on device {device} but not on this device"
            ),
            K::InstanceCountsDiffer {
                section,
                key,
                here,
                there,
                device,
            } => write!(
                f,
                "[{section}] has {key} = {here} here but {there} on device {device}"
            ),
            K::ExpandedInvalid(error) => {
                write!(f, "this expanded configuration is not usable: {error}")
            }
        }
    }
}

impl fmt::Display for Help<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DiagKind as K;
        match self.0 {
            K::KeyOutsideSection { .. } => f.write_str(
                "add a section header such as `[GENERAL]` above this line (adf_ctl crashes on such a line)",
            ),
            K::UnclosedHeader => f.write_str(
                "write the header as `[Name]`; adf_ctl would silently add the keys below it to the previous section",
            ),
            K::EmptySectionName => f.write_str("give the section a name, for example `[SSL]`"),
            K::TextAfterHeader { .. } => {
                f.write_str("put each `Key = Value` on its own line below the header")
            }
            K::MissingEquals { text } => write!(
                f,
                "write `Key = Value` or comment the line out with `#`; adf_ctl would read it as the key `{text}` with the value `{text}`"
            ),
            K::EmptyKey => f.write_str(
                "write the key name before `=`, or delete the line; adf_ctl skips it with only a warning",
            ),
            K::EmptyValue { .. } => {
                f.write_str("give the key a value or delete the line; adf_ctl skips it with only a warning")
            }
            K::InnerWhitespace { .. } => f.write_str(
                "remove the whitespace so the file shows what is used: QAT deletes every space and tab inside names, keys and values",
            ),
            K::DuplicateKey { .. } => f.write_str("delete the line that is not meant to apply"),
            K::TooLong { .. } => f.write_str(
                "shorten it: QAT refuses names, keys and values of 128 bytes or more and the whole device fails to load",
            ),
            K::BareCarriageReturn => f.write_str(
                "convert the line endings to `\\n` (for example `tr '\\r' '\\n'`); QAT splits lines only at `\\n` and deletes every `\\r`, so what follows it stays on this line",
            ),
            K::TooManySections { capacity } => write!(
                f,
                "no QAT configuration needs more than {capacity} sections: check that this is the right file (an expanded configuration is read with `qsal check` as one)"
            ),
            K::TooManyKeys { capacity } => write!(
                f,
                "no QAT configuration needs more than {capacity} keys: check that this is the right file (an expanded configuration is read with `qsal check` as one)"
            ),
            K::InputTooLarge { .. } => f.write_str("this is not a QAT configuration file"),
            K::SectionReopened { .. } => {
                f.write_str("keep all keys of a section under one header")
            }
            K::ControlCharacter { byte: 0, .. } => f.write_str(
                "remove it: the driver's C strings end at a NUL byte, so everything after it would be lost",
            ),
            K::ControlCharacter { .. } => f.write_str(
                "remove it unless it is meant: control bytes are invisible in editors (names and keys must not contain any)",
            ),
            K::InvalidUtf8 { .. } => f.write_str("use plain ASCII in names, keys and values"),
            K::MissingGeneral => f.write_str(
                "add `[GENERAL]` with `ServicesEnabled` and `ConfigVersion = 2`; without it the device is not configured",
            ),
            K::MissingConfigVersion => f.write_str("add `ConfigVersion = 2` to [GENERAL]"),
            K::UnsupportedConfigVersion { .. } => f.write_str(
                "set `ConfigVersion = 2` and make sure the file follows the version-2 format",
            ),
            K::MissingServicesEnabled { device } => write!(
                f,
                "add `ServicesEnabled = <services>` to [GENERAL]; {} accepts {}",
                ForDevice(*device),
                ValidServices(*device, ServicesProfile::Default)
            ),
            K::InvalidServicesEnabled { device, .. } => write!(
                f,
                "use one of: {} (exact spelling, lower case, `;` between services)",
                ValidServices(*device, ServicesProfile::Default)
            ),
            K::ServicesNotSupported {
                device, profile, ..
            } => write!(f, "use one of: {}", ValidServices(*device, *profile)),
            K::InvalidServicesProfile { .. } => {
                f.write_str("use DEFAULT, CRYPTO, COMPRESSION or CUSTOM1, or remove the key")
            }
            K::InvalidConcurrentRequests { .. } => f.write_str(
                "use a power of two from 64 to 65536 (64, 128, 256, 512, 1024, …)",
            ),
            K::InvalidPkeServiceDisabled { .. } => {
                f.write_str("write 0 (asymmetric crypto on) or 1 (off)")
            }
            K::AsymDisabled { .. } => f.write_str(
                "set PkeServiceDisabled = 0, or remove asym from ServicesEnabled",
            ),
            K::NumberReadAs { number, .. } => {
                write!(f, "write {number} so that the file shows what the driver uses")
            }
            K::InvalidNumberAdis { .. } => {
                f.write_str("write the number of ADIs in decimal, or 0 for none")
            }
            K::NotDecimal { key, value, .. } => {
                if key.eq_str(keys::LIMIT_DEV_ACCESS) {
                    f.write_str(
                        "write 0 (processes use every device) or 1 (each process is confined to one device), in decimal",
                    )
                } else if key.eq_str(keys::NUM_PROCESSES) {
                    match kernel_number(&value.compact()) {
                        Some(n) => write!(
                            f,
                            "write the number of processes in decimal ({n} if that is what you mean)"
                        ),
                        None => f.write_str("write the number of processes in decimal"),
                    }
                } else {
                    match kernel_number(&value.compact()) {
                        Some(n) => write!(f, "write {n} in decimal if that is what you mean"),
                        None => f.write_str("write a plain decimal number"),
                    }
                }
            }
            K::MissingInstanceCount { family, .. } => write!(
                f,
                "add `{} = <n>` (0 when this section needs no {} instances); the driver refuses to load the device otherwise",
                family.count_key(),
                family.service_name()
            ),
            K::InstancesWithoutService { key, .. } => write!(
                f,
                "set {key} = 0, or enable the service in ServicesEnabled of [GENERAL]"
            ),
            K::TooManyInstances { key, .. } => {
                write!(f, "set {key} to at most {MAX_INSTANCES}")
            }
            K::MissingInstanceKey { key, count_key, .. } => write!(
                f,
                "add `{key} = ...` or lower {count_key}; every instance needs a Name, IsPolled and CoreAffinity"
            ),
            K::InvalidPollingMode { key, kernel, .. } => {
                if *kernel {
                    write!(f, "set {key} = 0 for interrupts or 1 for polling")
                } else {
                    write!(
                        f,
                        "set {key} = 1 for polling or 2 for epoll; interrupt mode (0) exists only in [KERNEL]"
                    )
                }
            }
            K::InvalidCoreAffinity { .. } => f.write_str(
                "write one core (`3`), a range (`0-7`) or a comma list (`0,2,4-7`)",
            ),
            K::MissingNumProcesses { .. } => f.write_str(
                "add `NumProcesses = <n>`: how many processes may use this section at the same time",
            ),
            K::DerivedNameTooLong { section, example } => {
                let suffix = example.len().saturating_sub(section.len());
                write!(
                    f,
                    "shorten [{section}] to at most {} bytes; every start would fail after the slot is granted",
                    MAX_DERIVED_NAME_LEN.saturating_sub(suffix)
                )
            }
            K::UnsafeSectionName { .. } => f.write_str(
                "use only letters, digits, `_`, `.` and `-` (not starting with `.`)",
            ),
            K::KeepsAllKeys { .. } => f.write_str(
                "rename the section so that its name does not contain `Accelerator` (or `SIOV`)",
            ),
            K::NotEnoughRings(s) => {
                let room = s.capacity.saturating_sub(s.taken_before);
                let fit = room.checked_div(s.instances).unwrap_or(0);
                write!(
                    f,
                    "lower NumProcesses to at most {fit} or the instances per process; the driver would refuse the whole device with only \"Ioctl failed\""
                )
            }
            K::NotEnoughEpollBanks(s) => write!(
                f,
                "lower NumProcesses to at most {}, or use polled instances (IsPolled = 1), which share banks",
                s.free_banks_before
            ),
            K::UnusableSlots {
                usable, limit, ..
            } => match limit {
                SlotLimit::Search { .. } => write!(
                    f,
                    "lower NumProcesses to {usable} (the other names exist but are never handed out), or set LimitDevAccess = 0 with a device whose slot search goes further"
                ),
                SlotLimit::NameLength { .. } => write!(
                    f,
                    "lower NumProcesses to {usable} or shorten the section name; a start that would get a longer name fails"
                ),
            },
            K::TooManyAdis {
                banks, first, ..
            } => write!(
                f,
                "lower NumberAdis to at most {}",
                banks.saturating_sub(*first)
            ),
            K::LimitDevAccessDiffers { section, .. } => write!(
                f,
                "use the same LimitDevAccess for [{section}] in every device file; otherwise processes get per-device names on some devices and shared names on others"
            ),
            K::NumProcessesDiffers { .. } => f.write_str(
                "use the same NumProcesses on every device: with LimitDevAccess = 0 the names are shared, so a process holding a name beyond the smaller count gets instances on only some devices",
            ),
            K::LimitedSectionMissing { section, .. } => write!(
                f,
                "add [{section}] to this device's file or remove it from the others, so every device offers the same pinned slots"
            ),
            K::InstanceCountsDiffer { section, key, .. } => write!(
                f,
                "use the same {key} for [{section}] on every device; Intel's Kubernetes device plugin refuses such a set"
            ),
            K::ExpandedInvalid(_) => f.write_str(
                "expand the configuration again with `qsal expand` instead of editing the result",
            ),
        }
    }
}
