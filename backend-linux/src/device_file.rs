//! The device files of a runtime directory: `devices/<accel id>.<type>.conf`, each an expanded
//! configuration behind a two-line header that says what the device is.
//!
//! ```text
//! # qsal: device 0 (c6xx), expanded from /etc/c6xx_dev0.conf
//! # qsal-device: inst_id=0 node_id=0 bsf=0000:3d:00.0 origin=hardware generation=1764396000000000
//! ```
//!
//! The first line is for people; the second is what `qsal status` prints in `adf_ctl status`'s
//! shape and what a process compares to notice a restart (`generation` changes on every `up` and
//! `restart` of the device). Both lines are comments, so the rest of the file reads as the expanded
//! configuration it is. Emulated devices get a stable synthetic PCI address ([`synthetic_bsf`]).

use std::fmt;
use std::path::PathBuf;

use qsal_core::DeviceType;
use qsal_core::platform::PciAddress;

use crate::sysfs::parse_address;

/// Where a device of the set lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// No hardware: every process's rings are served by qsal's software firmware.
    Emulated,
    /// A QAT device found on the PCI bus (its heartbeat comes from the driver).
    Hardware,
}

impl Origin {
    /// The word in the header.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Emulated => "emulated",
            Self::Hardware => "hardware",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "emulated" => Some(Self::Emulated),
            "hardware" => Some(Self::Hardware),
            _ => None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the header says about a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceMeta {
    /// Global accel id (`qat_dev<N>`).
    pub accel_id: u32,
    /// Its type.
    pub device_type: DeviceType,
    /// Index among the devices of its type (the `<inst>` of `/etc/<type>_dev<inst>.conf`).
    pub inst_id: u32,
    /// NUMA node.
    pub node_id: u32,
    /// PCI address (synthetic for emulated devices).
    pub bsf: PciAddress,
    /// Emulated or hardware.
    pub origin: Origin,
    /// Changes on every start of the device.
    pub generation: u64,
    /// The configuration file it was loaded from.
    pub source: PathBuf,
}

/// The PCI address shown for emulated device `accel_id`: domain 0, buses from `e0`, 32 devices
/// per bus, function 0 — the same for the same accel id, every time.
pub fn synthetic_bsf(accel_id: u32) -> PciAddress {
    let bus = 0xe0 + ((accel_id >> 5) & 0x1f);
    PciAddress {
        domain: u16::try_from(accel_id >> 10).unwrap_or(u16::MAX),
        bus: u8::try_from(bus).unwrap_or(u8::MAX),
        device: u8::try_from(accel_id & 0x1f).unwrap_or(0),
        function: 0,
    }
}

/// The file name of a device: `<accel id>.<type>.conf`.
pub fn file_name(accel_id: u32, device_type: DeviceType) -> String {
    format!("{accel_id}.{}.conf", device_type.name())
}

/// Reads a device file name back; the error says what is wrong with it.
pub fn parse_file_name(name: &str) -> Result<(u32, DeviceType), &'static str> {
    let stem = name
        .strip_suffix(".conf")
        .ok_or("the name does not end in .conf")?;
    let (id, kind) = stem
        .split_once('.')
        .ok_or("the name is not <accel id>.<type>.conf")?;
    let accel_id = id.parse().map_err(|_| "the accel id is not a number")?;
    let device_type = DeviceType::from_name(kind).ok_or("unknown device type")?;
    Ok((accel_id, device_type))
}

/// The two header lines of a device file.
pub fn header(meta: &DeviceMeta) -> String {
    format!(
        "# qsal: device {} ({}), expanded from {}\n# qsal-device: inst_id={} node_id={} bsf={} origin={} generation={}\n",
        meta.accel_id,
        meta.device_type,
        meta.source.display(),
        meta.inst_id,
        meta.node_id,
        meta.bsf,
        meta.origin,
        meta.generation
    )
}

const FIRST: &str = "# qsal: device ";
const SECOND: &str = "# qsal-device: ";

/// Reads the header of a device file named `accel_id`, `device_type`; the error says what is wrong.
pub fn parse_header(
    text: &str,
    accel_id: u32,
    device_type: DeviceType,
) -> Result<DeviceMeta, &'static str> {
    let mut lines = text.lines();
    let first = lines
        .next()
        .and_then(|l| l.strip_prefix(FIRST))
        .ok_or("the first line is not qsal's `# qsal: device` header")?;
    let source = first
        .split_once(", expanded from ")
        .map(|(_, source)| PathBuf::from(source))
        .ok_or("the header does not name the source file")?;
    let second = lines
        .next()
        .and_then(|l| l.strip_prefix(SECOND))
        .ok_or("the second line is not qsal's `# qsal-device:` header")?;
    let mut inst_id = None;
    let mut node_id = None;
    let mut bsf = None;
    let mut origin = None;
    let mut generation = None;
    for field in second.split_ascii_whitespace() {
        let (key, value) = field
            .split_once('=')
            .ok_or("a header field is not key=value")?;
        match key {
            "inst_id" => inst_id = Some(value.parse().map_err(|_| "inst_id is not a number")?),
            "node_id" => node_id = Some(value.parse().map_err(|_| "node_id is not a number")?),
            "bsf" => bsf = Some(parse_address(value).ok_or("bsf is not a PCI address")?),
            "origin" => origin = Some(Origin::from_name(value).ok_or("unknown origin")?),
            "generation" => {
                generation = Some(value.parse().map_err(|_| "generation is not a number")?);
            }
            _ => return Err("the header has an unknown field"),
        }
    }
    Ok(DeviceMeta {
        accel_id,
        device_type,
        inst_id: inst_id.ok_or("the header has no inst_id")?,
        node_id: node_id.ok_or("the header has no node_id")?,
        bsf: bsf.ok_or("the header has no bsf")?,
        origin: origin.ok_or("the header has no origin")?,
        generation: generation.ok_or("the header has no generation")?,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> DeviceMeta {
        DeviceMeta {
            accel_id: 3,
            device_type: DeviceType::Qat4xxx,
            inst_id: 1,
            node_id: 1,
            bsf: parse_address("0000:6b:00.0").expect("address"),
            origin: Origin::Hardware,
            generation: 42,
            source: PathBuf::from("/etc/4xxx dev1.conf"),
        }
    }

    #[test]
    fn the_header_round_trips() {
        let text = format!("{}[GENERAL]\n", header(&meta()));
        assert_eq!(parse_header(&text, 3, DeviceType::Qat4xxx), Ok(meta()));
        assert_eq!(file_name(3, DeviceType::Qat4xxx), "3.4xxx.conf");
        assert_eq!(parse_file_name("3.4xxx.conf"), Ok((3, DeviceType::Qat4xxx)));
    }

    #[test]
    fn a_header_that_qsal_did_not_write_is_refused_with_a_reason() {
        let good = header(&meta());
        for (text, reason) in [
            ("[GENERAL]\n".to_string(), "first line"),
            (good.replace("# qsal-device: ", "# other: "), "second line"),
            (good.replace("generation=42", "generation=x"), "generation"),
            (good.replace("bsf=0000:6b:00.0", "bsf=6b"), "bsf"),
            (good.replace("origin=hardware", "origin=moon"), "origin"),
            (good.replace(" node_id=1", ""), "node_id"),
            (
                good.replace("inst_id=1", "inst_id=1 extra=2"),
                "unknown field",
            ),
        ] {
            let error = parse_header(&text, 3, DeviceType::Qat4xxx).expect_err(&text);
            assert!(error.contains(reason), "{error} for {text}");
        }
    }

    #[test]
    fn synthetic_addresses_are_stable_distinct_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for accel_id in 0..2048 {
            let bsf = synthetic_bsf(accel_id);
            assert_eq!(bsf, synthetic_bsf(accel_id));
            assert!(bsf.device < 32 && bsf.function == 0);
            assert_eq!(parse_address(&bsf.to_string()), Some(bsf));
            assert!(seen.insert(bsf), "{bsf} twice");
        }
        assert_eq!(synthetic_bsf(0).to_string(), "0000:e0:00.0");
        assert_eq!(synthetic_bsf(33).to_string(), "0000:e1:01.0");
    }
}
